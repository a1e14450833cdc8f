/**
 * Client kinds end to end: the sample's requests, extracted through the CLI, are stored with the
 * kinds an independent reader of the log lines (a regular expression for the User-Agent field)
 * finds, and `status` shows their shares.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { textOfMaybeGzip } from "../lib/gzip.ts";
import {
  classifyUserAgent,
  CLIENT_KIND_CODES,
  clientKindRules,
  DEFAULT_ARCHIVE_CLIENTS,
} from "../lib/extract/client_kind.ts";
import { countClientKinds } from "../lib/store/request_blocks.ts";
import { keptClientKinds } from "../lib/summaries/count_folds.ts";
import { cliEnv, readTree, ROOT, runCli, withTmpDir } from "./_helpers.ts";

const SAMPLE = join(ROOT, "fixtures", "sample_logs");
/**
 * A kept line (REST.GET.OBJECT, 2xx; fields apart by one blank or more): the quoted Referer and
 * User-Agent after the sizes.
 */
const KEPT = new RegExp(
  String.raw`^\S+ +\S+ +\[[^\]]+\] +\S+ +\S+ +\S+ +REST\.GET\.OBJECT +\S+ +".*?" +2\d\d +\S+ +` +
    String.raw`(?:\d+|-) +(?:\d+|-) +(?:\d+|-) +(?:\d+|-) +(?:".*?"|-) +"(.*?)"(?: |$)`,
);

Deno.test("the sample's requests are stored with their client kinds; status shows the shares (from the kinds the summaries keep, and the later blocks)", async () => {
  await withTmpDir(async (home) => {
    const rules = clientKindRules(DEFAULT_ARCHIVE_CLIENTS);
    const expected = [0, 0, 0, 0, 0, 0];
    for (const [path, bytes] of await readTree(SAMPLE)) {
      if (path.endsWith(".md")) continue;
      for (const line of (await textOfMaybeGzip(bytes)).split("\n")) {
        const m = KEPT.exec(line);
        if (m !== null) expected[CLIENT_KIND_CODES[classifyUserAgent(m[1], rules)]]++;
      }
    }
    const cache = join(home, "cache");
    const env = cliEnv(home, { S3_LOG_EXTRACTION_CACHE: cache });
    // Half the files, the summaries (which keep the kinds they counted), then the rest: status
    // reads the kept kinds and the blocks stored after them.
    for (const args of [["--limit", "60"], ["generate_summaries"], []]) {
      const step = args[0] === "generate_summaries" ? args : ["extract_logs", SAMPLE, ...args];
      const run = await runCli(step, { env });
      assert.deepStrictEqual(run.code, 0, run.stderr);
    }
    const db = new DatabaseSync(join(cache, "cache.sqlite"), { readOnly: true });
    const stored = countClientKinds(db);
    const kept = keptClientKinds(db)!;
    const { last } = db.prepare("SELECT max(id) AS last FROM request_blocks").get() as {
      last: number;
    };
    assert(kept !== undefined && kept.through > 0 && kept.through < last, `${kept?.through}`);
    const fromKept = countClientKinds(db, kept);
    db.close();
    assert.deepStrictEqual(stored, expected);
    assert.deepStrictEqual(fromKept, expected);
    assert(expected.filter((n) => n > 0).length >= 4, `kinds in the sample: ${expected}`);
    const status = await runCli(["status"], { env });
    assert.deepStrictEqual(status.code, 0, status.stderr);
    const total = expected.reduce((a, b) => a + b, 0);
    const share = (code: number) =>
      `${(Math.round(expected[code] / total * 1000) / 10).toFixed(1)}%`;
    assert.match(
      status.stdout,
      new RegExp(
        `Client kinds of the requests: unknown ${share(0)}, browser ${share(1)}, ` +
          `archive-client ${share(2)}, library ${share(3)}, crawler ${share(4)}, other ${
            share(5)
          }\\.`,
      ),
    );
  });
});
