/**
 * No client IP outside the encrypted IP table: every IP of the corpus is searched for in the
 * stdout and stderr of every command, in every file of the cache (the SQLite database and its
 * write-ahead log included) and in the default (encrypted) export; and none of a client's
 * requester, referrer or User-Agent in the activity files, whose counts are all rounded.
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
import { textOfMaybeGzip } from "../lib/gzip.ts";
import { ACTIVITY_FILES } from "../lib/summaries/activity_files.ts";

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

/** What a log line says of its client beyond the IP: its requester, referrer and User-Agent. */
async function clientTexts(root: string): Promise<Set<string>> {
  const texts = new Set<string>();
  const line =
    /^\S+ \S+ \[[^\]]*\] \S+ (\S+) \S+ \S+ \S+ "[^"]*" \S+ \S+ \S+ \S+ \S+ \S+ "([^"]*)" "([^"]*)"/;
  for (const [, bytes] of await readTree(root)) {
    for (const text of (await textOfMaybeGzip(bytes)).split("\n")) {
      const match = line.exec(text);
      // Short values ("-", "curl") could be part of any text; the ones that say who a client is
      // are long.
      for (const value of match?.slice(1) ?? []) if (value.length >= 12) texts.add(value);
    }
  }
  return texts;
}

/** The count columns of the activity files: each must be privacy-rounded. */
const COUNT_COLUMNS = new Set([
  "number_of_requests",
  "number_of_downloads",
  "number_of_full_downloads",
  "number_of_partial_requests",
  "number_of_sessions",
]);

Deno.test("the activity files hold no requester, referrer or User-Agent, and only rounded counts", async () => {
  await withTmpDir(async (dir) => {
    const logs = join(dir, "logs");
    await copySample(logs, 1);
    const texts = await clientTexts(logs);
    // The sample's clients: requester ids and ARNs, referrers, User-Agents.
    assert(texts.size > 20, `the sample has many client texts (${texts.size})`);
    assert([...texts].some((text) => text.startsWith("arn:aws:iam::")), "requesters are searched");
    assert([...texts].some((text) => text.startsWith("Mozilla/")), "User-Agents are searched");
    const env = cliEnv(dir, offlineRangeEnv());
    const cache = join(dir, "cache");
    // Small rounding so the counts are numbers (the default leaves the sample's at "<50").
    const rounding = ["--privacy-minimum", "10", "--privacy-modulo", "7"];
    for (
      const args of [
        ["extract_logs", logs, "--cache", cache],
        ["index_ips", "--cache", cache],
        ["generate_summaries", "--cache", cache, ...rounding],
        ["generate_archive_summaries", "--cache", cache, ...rounding],
      ]
    ) {
      const result = await runCli(args, { env });
      assert.equal(result.code, 0, `${args[0]}: ${result.stderr}`);
    }
    const leaks: string[] = [];
    const badCounts: string[] = [];
    let numbers = 0;
    let activityFiles = 0;
    for (const [path, bytes] of await readTree(join(cache, "summaries"))) {
      const name = path.split("/").at(-1)!;
      if (!ACTIVITY_FILES.includes(name)) continue;
      activityFiles++;
      const text = new TextDecoder().decode(bytes);
      for (const client of texts) if (text.includes(client)) leaks.push(`${path}: ${client}`);
      if (!name.endsWith(".tsv")) continue;
      const [header, ...rows] = text.replace(/\n$/, "").split("\n").map((row) => row.split("\t"));
      for (const row of rows) {
        for (const [i, column] of header.entries()) {
          if (!COUNT_COLUMNS.has(column)) continue;
          const value = row[i];
          if (value === "<10") continue;
          if (!/^\d+$/.test(value) || Number(value) % 7 !== 0 || Number(value) < 7) {
            badCounts.push(`${path} ${column}: ${value}`);
          }
          if (Number(value) > 0) numbers++;
        }
        // Below the minimum of sessions, a row's quantiles stay empty.
        const sessions = header.indexOf("number_of_sessions");
        if (sessions >= 0 && row[sessions] === "<10") {
          assert.deepStrictEqual(row.slice(sessions + 1), ["", "", "", ""], `${path}: ${row}`);
        }
      }
    }
    assert.deepStrictEqual(leaks, []);
    assert.deepStrictEqual(badCounts, []);
    // Every dataset folder and the archive's hold the five files, and counts were seen.
    assert(activityFiles >= 5 * 3, `activity files searched: ${activityFiles}`);
    assert(numbers > 20, `published counts checked: ${numbers}`);
  });
});
