/**
 * Conformance with the Python reference: its golden inputs, extracted and exported, give its
 * golden per-object trees byte for byte (after the documented quirks of each fixture set).
 * Skipped, with a message, when `../shared` is not beside the repository.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import { deriveCacheSecrets } from "../lib/crypto/cache_secrets.ts";
import { extractLogs } from "../lib/extract/extract_logs.ts";
import type { ExtractionMode } from "../lib/extract/line_parser.ts";
import { exists, exportedTree, readTree, REFERENCE, withTmpDir } from "./_helpers.ts";

const available = exists(REFERENCE);
if (!available) {
  // A skipped test should say why, in the test output.
  // deno-lint-ignore no-console
  console.warn(`conformance tests skipped: ${REFERENCE} is not there (it comes with ../shared)`);
}

async function extractAndExport(
  logs: string,
  mode: ExtractionMode,
  workers: number,
): Promise<Map<string, string>> {
  return await withTmpDir(async (cacheDirectory) => {
    const secrets = await deriveCacheSecrets({ password: "conformance password", iterations: 1 });
    await extractLogs({ logsDirectory: logs, cacheDirectory, secrets, mode, workers });
    return await exportedTree(cacheDirectory, secrets, join(cacheDirectory, "extraction"));
  });
}

async function expectedTree(
  root: string,
  adapt: (path: string, text: string) => [string, string] | undefined,
): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  for (const [path, bytes] of await readTree(root)) {
    const adapted = adapt(path, new TextDecoder().decode(bytes));
    if (adapted) tree.set(adapted[0], adapted[1]);
  }
  return tree;
}

for (const workers of [1, 2]) {
  Deno.test({
    name:
      `generic reference logs give the reference's extraction byte for byte (${workers} worker)`,
    ignore: !available,
    fn: async () => {
      const actual = await extractAndExport(join(REFERENCE, "generic", "logs"), "generic", workers);
      const expected = await expectedTree(
        join(REFERENCE, "generic", "expected", "extraction"),
        (path, text) => [path, text],
      );
      assert.deepStrictEqual(actual, expected);
    },
  });
}

Deno.test({
  name: "DANDI 2025 reference logs give its extraction (full_ips.txt was the old name of ips.txt)",
  ignore: !available,
  fn: async () => {
    const actual = await extractAndExport(join(REFERENCE, "dandi-2025", "logs"), "dandi", 1);
    // Quirks of this set: the IP file was called full_ips.txt and download.txt did not exist.
    for (const path of [...actual.keys()]) if (path.endsWith("/download.txt")) actual.delete(path);
    const expected = await expectedTree(
      join(REFERENCE, "dandi-2025", "expected", "extraction"),
      (path, text) => [path.replace(/\/full_ips\.txt$/, "/ips.txt"), text],
    );
    assert.deepStrictEqual(actual, expected);
  },
});

Deno.test({
  name: "DANDI reference logs give its extraction (after its CRLF and indexed_ips.txt quirks)",
  ignore: !available,
  fn: async () => {
    const actual = await extractAndExport(join(REFERENCE, "dandi", "logs"), "dandi", 2);
    // Quirks of this set: some files mix CRLF and LF line ends, and indexed_ips.txt is a stale
    // copy of ips.txt from a removed feature.
    const expected = await expectedTree(
      join(REFERENCE, "dandi", "expected", "extraction"),
      (path, text) =>
        path.endsWith("/indexed_ips.txt") ? undefined : [path, text.replaceAll("\r\n", "\n")],
    );
    assert.deepStrictEqual(actual, expected);
  },
});
