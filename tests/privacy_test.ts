/**
 * No client IP outside the encrypted IP table: every IP of the corpus is searched for in the
 * stdout and stderr of every command, in every file of the cache (the SQLite database and its
 * write-ahead log included) and in the default (encrypted) export.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import {
  cliCommand,
  cliEnv,
  copySample,
  ipsInLogs,
  offlineRangeEnv,
  readTree,
  ROOT,
  runCli,
  withTmpDir,
} from "./_helpers.ts";

const SAMPLE_GEO_DB = join(ROOT, "fixtures", "sample_geo", "city.mmdb");

function findIps(haystack: Uint8Array, ips: Set<string>): string[] {
  const text = new TextDecoder("latin1").decode(haystack);
  return [...ips].filter((ip) => text.includes(ip));
}

Deno.test("no client IP appears in output, cache files or the encrypted export", async () => {
  await withTmpDir(async (dir) => {
    const logs = join(dir, "logs");
    await copySample(logs, 1);
    for (const [path, bytes] of await readTree(join(ROOT, "fixtures", "hard_cases", "logs"))) {
      await Deno.writeFile(join(logs, path), bytes);
    }
    const ips = await ipsInLogs(logs);
    assert(ips.size > 150, `the corpus has many IPs (${ips.size})`);
    const env = cliEnv(dir, offlineRangeEnv());
    const cache = join(dir, "cache");
    const outputs: Uint8Array[] = [];
    const encoder = new TextEncoder();
    for (
      const args of [
        ["extract_logs", logs, "--cache", cache],
        ["extract_logs", logs, "--cache", cache, "--json"],
        ["export_extraction", join(dir, "export"), "--cache", cache],
        ["index_ips", "--cache", cache, "--json"],
        ["update_indexed_region_codes", "--cache", cache, "--geo-db", SAMPLE_GEO_DB],
        ["update_region_code_coordinates", "--cache", cache],
        ["generate_summaries", "--cache", cache],
        ["generate_totals", "--cache", cache],
        ["generate_archive_summaries", "--cache", cache],
        ["generate_archive_totals", "--cache", cache],
        ["report", "--cache", cache, "--json"],
        ["status", "--cache", cache, "--json", "--logs", logs],
        ["validate", logs, "--examples", "100"],
        ["extract_logs", logs, "--cache", cache, "--mode", "dandi"],
      ]
    ) {
      const result = await runCli(args, { env });
      outputs.push(encoder.encode(result.stdout), encoder.encode(result.stderr));
    }
    // A run killed in the middle leaves a write-ahead log behind: search it too.
    const killed = join(dir, "killed");
    const child = cliCommand([
      "extract_logs",
      logs,
      "--cache",
      killed,
      "--batch-size",
      "5",
    ], {
      env,
    }).spawn();
    // Kill it once it has written to its database (a condition, not a time): its folder,
    // database and write-ahead log then exist.
    let finished = false;
    child.status.then(() => finished = true);
    const written = () => {
      try {
        return Deno.statSync(join(killed, "cache.sqlite-wal")).size > 0;
      } catch {
        return false;
      }
    };
    while (!finished && !written()) await new Promise((resolve) => setTimeout(resolve, 10));
    try {
      child.kill("SIGKILL");
    } catch { /* finished */ }
    await child.output();

    const leaks: string[] = [];
    for (const [i, output] of outputs.entries()) {
      for (const ip of findIps(output, ips)) leaks.push(`output ${i}: ${ip}`);
    }
    for (const folder of ["cache", "killed", "export"]) {
      for (const [path, bytes] of await readTree(join(dir, folder))) {
        for (const ip of findIps(bytes, ips)) leaks.push(`${folder}/${path}: ${ip}`);
      }
    }
    assert.deepStrictEqual(leaks, []);

    // Positive control: the search finds the IPs where they are meant to be, in a plaintext export.
    const plain = join(dir, "plain");
    await runCli(["export_extraction", plain, "--cache", cache, "--no-encryption"], { env });
    const found = new Set<string>();
    for (const [, bytes] of await readTree(plain)) {
      for (const ip of findIps(bytes, ips)) found.add(ip);
    }
    // 156 distinct IPs on the sample's kept lines (its truth file) + 2 in the hard cases.
    assert.deepStrictEqual(found.size, 158);
    const cacheFiles = await readTree(join(dir, "cache"));
    assert(cacheFiles.has("cache.sqlite"));
    assert(cacheFiles.has("report/index.html"), "the report was searched too");
    assert(cacheFiles.has("summaries/archive/by_region.tsv"), "the summaries were searched too");
  });
});
