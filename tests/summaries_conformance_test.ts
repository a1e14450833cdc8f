/**
 * Summaries and totals against the reference's golden files: the generic set byte for byte
 * (requester_count.tsv compared stripped: the reference writes the bare value but its fixture
 * has a newline), and the DANDI set after the rounding its own suite applies (it stores raw
 * counts, with every IP labelled `unknown`). Skipped with a message without `../shared`.
 */

import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import assert from "node:assert/strict";
import { deriveCacheSecrets } from "../lib/crypto/cache_secrets.ts";
import { loadContentMapping } from "../lib/summaries/content_mapping.ts";
import { extractLogs } from "../lib/extract/extract_logs.ts";
import {
  generateArchiveSummaries,
  generateArchiveTotals,
  generateDandisetSummaries,
  generateDandisetTotals,
  generateSummaries,
  generateTotals,
} from "../lib/summaries/generate_summaries.ts";
import type { ExtractionMode } from "../lib/extract/line_parser.ts";
import { roundForPrivacy } from "../lib/summaries/privacy_rounding.ts";
import { ACTIVITY_FILES } from "../lib/summaries/activity_files.ts";
import { exists, readTree, REFERENCE, ROOT, withTmpDir } from "./_helpers.ts";

const available = exists(REFERENCE);

async function extracted(cacheDirectory: string, logs: string, mode: ExtractionMode) {
  const secrets = await deriveCacheSecrets({ password: "summaries password", iterations: 1 });
  await extractLogs({ logsDirectory: logs, cacheDirectory, secrets, mode, workers: 0 });
}

async function textTree(root: string): Promise<Map<string, string>> {
  const decoder = new TextDecoder();
  return new Map([...await readTree(root)].map(([path, bytes]) => [path, decoder.decode(bytes)]));
}

/**
 * The tree without the activity files, which the reference does not write: each folder with
 * a `by_day.tsv` (every dataset, and the archive) has all of them, and nothing else is new.
 */
function withoutActivity(tree: Map<string, string>): Map<string, string> {
  const folders = [...tree.keys()].filter((path) => path.endsWith("/by_day.tsv"))
    .map((path) => path.slice(0, -"by_day.tsv".length));
  assert(folders.length > 1, "datasets and the archive");
  for (const folder of folders) {
    for (const file of ACTIVITY_FILES) {
      assert(tree.delete(folder + file), `${folder}${file} is written`);
    }
  }
  return tree;
}

/** Files compared as text, except JSON (as objects) and requester counts (stripped). */
function comparable(tree: Map<string, string>): Map<string, unknown> {
  return new Map([...tree].map(([path, text]) => [
    path,
    path.endsWith(".json")
      ? JSON.parse(text)
      : path.endsWith("requester_count.tsv")
      ? text.trim()
      : text,
  ]));
}

Deno.test({
  name: "generic summaries, totals, archive summaries and archive totals equal the reference's",
  ignore: !available,
  fn: async () => {
    await withTmpDir(async (cache) => {
      await extracted(cache, join(REFERENCE, "generic", "logs"), "generic");
      await generateSummaries({ cacheDirectory: cache });
      await generateTotals({ cacheDirectory: cache });
      await generateArchiveSummaries({ cacheDirectory: cache });
      await generateArchiveTotals({ cacheDirectory: cache });
      const tree = withoutActivity(await textTree(join(cache, "summaries")));
      // The reference keeps the coordinates beside its IP files; the published folder has it.
      assert.deepStrictEqual(
        tree.get("region_codes_to_coordinates.yaml"),
        await Deno.readTextFile(
          join(REFERENCE, "generic", "expected", "ips", "region_codes_to_coordinates.yaml"),
        ),
      );
      tree.delete("region_codes_to_coordinates.yaml");
      const expected = comparable(
        await textTree(join(REFERENCE, "generic", "expected", "summaries")),
      );
      assert.deepStrictEqual(comparable(tree), expected);
    });
  },
});

/** The DANDI suite's rounding of raw counts in TSV columns and totals. */
function roundExpected(path: string, text: string): unknown {
  if (path.endsWith("requester_count.tsv")) return text.trim();
  if (path.endsWith(".json")) {
    const round = (totals: Record<string, unknown>) => ({
      ...totals,
      total_number_of_requests: roundForPrivacy(totals.total_number_of_requests as number),
      total_number_of_downloads: roundForPrivacy(totals.total_number_of_downloads as number),
    });
    const value = JSON.parse(text);
    return path === "archive_totals.json" ? round(value) : Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, round(v as Record<string, unknown>)]),
    );
  }
  const [header, ...rows] = text.split("\n");
  const columns = header.split("\t");
  const rounded = rows.map((row) =>
    row === ""
      ? row
      : row.split("\t").map((cell, i) =>
        columns[i] === "number_of_requests" || columns[i] === "number_of_downloads"
          ? String(roundForPrivacy(Number(cell)))
          : cell
      ).join("\t")
  );
  return [header, ...rounded].join("\n");
}

Deno.test({
  name: "DANDI dandiset summaries and totals equal the reference's after its rounding",
  ignore: !available,
  fn: async () => {
    await withTmpDir(async (cache) => {
      await extracted(cache, join(REFERENCE, "dandi", "logs"), "dandi");
      // As the reference's DANDI suite does: every IP is labelled "unknown".
      const db = new DatabaseSync(join(cache, "cache.sqlite"));
      db.exec(
        "INSERT INTO ip_regions SELECT ip_index, 'unknown', 'test', '2026-01-01' FROM ips",
      );
      db.close();
      const mapping = await loadContentMapping({
        source: join(ROOT, "fixtures", "dandi_mapping.json"),
        cacheDirectory: cache,
      });
      await generateDandisetSummaries({ cacheDirectory: cache, mapping });
      await generateDandisetTotals({ cacheDirectory: cache, mapping });
      await generateArchiveSummaries({ cacheDirectory: cache, mapping });
      const tree = withoutActivity(await textTree(join(cache, "summaries")));
      assert(tree.delete("region_codes_to_coordinates.yaml"), "the coordinates are published");
      const actual = comparable(tree);
      const expectedTree = await textTree(join(REFERENCE, "dandi", "expected", "summaries"));
      const expected = new Map(
        [...expectedTree].map(([path, text]) => [path, roundExpected(path, text)]),
      );
      // The reference's DANDI suite has no archive by_day/by_region of its own: it checks them
      // against the same raw sums, which we round once.
      assert.deepStrictEqual(actual, expected);
    });
  },
});
