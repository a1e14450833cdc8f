/**
 * The counts kept in the cache for the summary steps: a night that adds log files gives the
 * same files, byte for byte, as a cache that extracted everything at once, and as `--rebuild`;
 * a run killed with SIGKILL while it counts leaves the saved counts as they were.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { openCacheDatabase } from "../lib/store/cache_database.ts";
import { BlockWriter } from "../lib/store/request_blocks.ts";
import { SCAN_ROWS } from "../lib/store/request_folds.ts";
import { collectArchiveData, collectDatasetData } from "../lib/summaries/summary_data.ts";
import { genericPlace } from "../lib/summaries/generate_summaries.ts";
import { cliEnv, copyTree, readTree, ROOT, runCli, withTmpDir } from "./_helpers.ts";

const STEPS = [
  "generate_summaries",
  "generate_totals",
  "generate_archive_summaries",
  "generate_archive_totals",
];

async function summarise(cache: string, env: Record<string, string>, extra: string[] = []) {
  const lines: string[] = [];
  for (const step of STEPS) {
    const run = await runCli([step, "--cache", cache, ...extra], { env });
    assert.deepStrictEqual(run.code, 0, run.stderr);
    lines.push(run.stdout);
  }
  return lines.join("");
}

Deno.test("summaries after a second night of logs equal those of one extraction of all, and --rebuild's", async () => {
  await withTmpDir(async (dir) => {
    const env = cliEnv(dir);
    const all = join(ROOT, "fixtures", "sample_logs");
    // The first night: the logs of March's first half.
    const firstNight = join(dir, "first-night");
    await copyTree(all, firstNight);
    const late: string[] = [];
    for await (const day of Deno.readDir(join(firstNight, "2024", "03"))) {
      if (Number(day.name) > 15) late.push(day.name);
    }
    assert(late.length > 0 && late.length < 31, "some days come on the second night");
    for (const day of late) {
      await Deno.remove(join(firstNight, "2024", "03", day), { recursive: true });
    }
    const logs = join(dir, "logs");
    await copyTree(firstNight, logs);
    const nightly = join(dir, "nightly");
    const extract = async (cache: string) => {
      const run = await runCli(["extract_logs", logs, "--cache", cache], { env });
      assert.deepStrictEqual(run.code, 0, run.stderr);
    };
    await extract(nightly);
    await summarise(nightly, env);
    // The second night: the mirror has every day.
    await Deno.remove(logs, { recursive: true });
    await copyTree(all, logs);
    await extract(nightly);
    const second = await summarise(nightly, env);
    assert.doesNotMatch(second, /Counted all/, "the second night only adds its requests");
    const once = join(dir, "once");
    await extract(once);
    await summarise(once, env);
    const summaries = (cache: string) => readTree(join(cache, "summaries"));
    const expected = await summaries(once);
    assert(expected.size > 10, "the sample has several datasets");
    assert.deepStrictEqual(await summaries(nightly), expected);
    const rebuilt = await summarise(nightly, env, ["--rebuild"]);
    assert.match(
      rebuilt,
      /Counted all [\d,]+ stored requests again for archive_counts: asked for \(--rebuild\)\./,
    );
    assert.deepStrictEqual(await summaries(nightly), expected);
  });
});

/** Writes `n` requests of file `fileId` (objects 1 to 3, a few clients, one day). */
function writeRequests(cache: string, fileId: number, n: number): void {
  const db = openCacheDatabase(cache);
  const blocks = new BlockWriter(db);
  db.exec("BEGIN");
  for (let line = 1; line <= n; line++) {
    blocks.push(
      fileId,
      line,
      1 + (line % 3),
      1_700_000_000 + (line % 80_000),
      line % 1000,
      1 + (line % 17),
      line % 2,
    );
  }
  blocks.flush();
  db.exec("COMMIT");
  db.close();
}

Deno.test("SIGKILL while the counts are brought up to date: the next run counts as a clean rebuild", async () => {
  await withTmpDir(async (dir) => {
    const cache = join(dir, "cache");
    await Deno.mkdir(cache);
    const db = openCacheDatabase(cache);
    db.exec("INSERT INTO objects VALUES (1, 'ds1/a.nwb'), (2, 'ds1/b.nwb'), (3, 'ds2/c.nwb')");
    db.close();
    writeRequests(cache, 1, 1000);
    const first = openCacheDatabase(cache);
    await collectDatasetData(first, genericPlace, { placement: "generic" });
    first.close();
    // More new requests than one part of the scan: the runner's stop check is asked mid-way.
    writeRequests(cache, 2, SCAN_ROWS + 1000);
    const runner = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(ROOT, "tests", "_count_until_killed.ts"), cache],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = runner.stdout.getReader();
    let said = "";
    while (!said.includes("counting")) {
      const { value, done } = await reader.read();
      assert(!done, "the runner ended before it was killed");
      said += new TextDecoder().decode(value);
    }
    runner.kill("SIGKILL");
    reader.releaseLock();
    await runner.stdout.cancel();
    assert.deepStrictEqual((await runner.status).signal, "SIGKILL");
    const after = openCacheDatabase(cache);
    try {
      const next = await collectDatasetData(after, genericPlace, { placement: "generic" });
      // Nothing of the killed run was saved: the next run adds the second file, once.
      assert.deepStrictEqual(next.folds.map((f) => [f.name, f.added, f.recounted]), [
        ["dataset_counts:generic", SCAN_ROWS + 1000, undefined],
        ["archive_counts", SCAN_ROWS + 1000, undefined],
      ]);
      const rebuilt = await collectDatasetData(after, genericPlace, {
        placement: "generic",
        rebuild: true,
      });
      const entries = (data: typeof next.data) =>
        [...data].map((
          [name, s],
        ) => [name, [...s.byDay], [...s.byRegion], s.byAsset, s.requesters]);
      assert.deepStrictEqual(entries(next.data), entries(rebuilt.data));
      const days = [...(await collectArchiveData(after)).data.byDay.values()];
      assert.deepStrictEqual(days.reduce((n, c) => n + c.requests, 0), SCAN_ROWS + 2000);
    } finally {
      after.close();
    }
    // The database is whole.
    const check = new DatabaseSync(join(cache, "cache.sqlite"), { readOnly: true });
    assert.deepStrictEqual({ ...check.prepare("PRAGMA integrity_check").get() }, {
      integrity_check: "ok",
    });
    check.close();
  });
});
