/**
 * `deno task bench [--quick]`: extraction speed, measured against a byte-scan floor in the same
 * run. Generates its data once into `.bench-data/` (a 1 GiB log file and 20,000 small nested
 * files of 20 KB; `--quick`: 64 MiB and 2,000 files) with `../shared/tools/gen_s3_logs.py`, then
 * times, on this machine:
 *
 * - the floor: read every byte and count newlines (one thread);
 * - `extract_logs` end to end through the CLI (parse + commit), with the default workers and
 *   with 1 worker;
 * - the reference's line rule under gawk (parse only, no output), where gawk is installed;
 * - the same requests as JSON records (the delivery to CloudWatch Logs, converted once from the
 *   large file by the tests' converter): the floor on that file, `extract_logs` end to end, and
 *   parsing only, on one thread, with the extraction's scanner and with `JSON.parse` per record;
 * - every summary command on a cache of 10 million requests over 100,000 objects in 1,000
 *   datasets (`--quick`: 1 million), with its peak memory (maximum resident set size), then the
 *   same files from `generate_summaries --all` (what `daily` runs), and the night's `report`;
 * - classifying 1,000,000 distinct IPs (15 % IPv6) against 100,000 ranges, table build included;
 * - `extract_logs s3://…` of the small files uploaded to a local s3rver (if installed).
 *
 * Prints a table and writes it into `BENCHMARKS.md` (not with `--quick`).
 *
 * `deno task bench --summaries=N` times only the summary commands, on a synthetic cache of `N`
 * requests built once (the same skew and activity as above; 100,000,000 shows how the cost grows
 * with history: building that cache takes a while and several GB of disk), and prints their
 * table without writing `BENCHMARKS.md`. Not part of CI.
 *
 * @module
 */

import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { openCacheDatabase } from "../lib/store/cache_database.ts";
import { OperationBlockWriter } from "../lib/store/operation_blocks.ts";
import { BlockWriter } from "../lib/store/request_blocks.ts";
import { collectActivity } from "../lib/summaries/activity_data.ts";
import { activityFiles } from "../lib/summaries/activity_files.ts";
import { genericPlace } from "../lib/summaries/generate_summaries.ts";
import { IpRangeTable, type LabelledRange } from "../lib/regions/ip_range_table.ts";
import { s3Env, S3RVER, startS3 } from "../tests/_s3rver.ts";
import { jsonRecordOfLine } from "../tests/_json_records.ts";
import { PieceParser } from "../lib/extract/piece_parser.ts";
import {
  cliArgs as treeCliArgs,
  log,
  runEnv,
  settleDisk,
  timedRun,
  toolEnv,
} from "./_timed_run.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SHARED = join(ROOT, "..", "shared");
const GENERATOR = join(SHARED, "tools", "gen_s3_logs.py");
const REFERENCE_AWK = join(SHARED, "tools", "reference_rule.awk");
const quick = Deno.args.includes("--quick");
const DATA = Deno.env.get("S3LE_BENCH_DATA") ?? join(ROOT, ".bench-data", quick ? "quick" : "full");
interface Row {
  what: string;
  seconds: number;
  bytes: number;
  files: number;
  floor?: Row;
  peakMegabytes?: number;
}

/** `deno run` of this tree's CLI with the permissions of its tasks. */
function cliArgs(...args: string[]): string[] {
  return treeCliArgs(ROOT, ...args);
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function generate(): Promise<{ big: string; small: string }> {
  const big = join(DATA, "big");
  const small = join(DATA, "small");
  if (!await exists(join(big, ".done"))) {
    log(`generating ${quick ? "64 MiB" : "1 GiB"} single log file into ${big} …`);
    await Deno.mkdir(big, { recursive: true });
    await timedRun("python3", [
      GENERATOR,
      "--seed=1",
      `--size=${quick ? "64M" : "1G"}`,
      `--out=${join(big, "2024-01-01-00-00-00-BENCHMARKBIGFILE")}`,
      "--quiet",
    ]);
    await Deno.writeTextFile(join(big, ".done"), "");
  }
  if (!await exists(join(small, ".done"))) {
    const files = quick ? 2000 : 20000;
    log(`generating ${files} small nested log files into ${small} …`);
    await Deno.mkdir(small, { recursive: true });
    await timedRun("python3", [
      GENERATOR,
      "--seed=2",
      `--files=${files}`,
      "--file-size=20K",
      "--nested",
      `--out-dir=${small}`,
      "--quiet",
    ]);
    await Deno.writeTextFile(join(small, ".done"), "");
  }
  return { big, small };
}

async function logFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (!entry.name.startsWith(".")) files.push(path);
    }
  };
  await walk(root);
  return files.sort();
}

/** The floor: read every byte and count newlines, one thread. */
function byteScan(what: string, files: string[]): Row {
  const buffer = new Uint8Array(8 * 1024 * 1024);
  let bytes = 0;
  let lines = 0;
  const started = performance.now();
  for (const path of files) {
    using file = Deno.openSync(path);
    for (;;) {
      const n = file.readSync(buffer);
      if (n === null || n === 0) break;
      bytes += n;
      const view = buffer.subarray(0, n);
      for (let i = view.indexOf(10); i !== -1; i = view.indexOf(10, i + 1)) lines++;
    }
  }
  return { what, seconds: (performance.now() - started) / 1000, bytes, files: files.length };
}

async function extract(what: string, logs: string, workers: string[], floor: Row): Promise<Row> {
  const cache = await Deno.makeTempDir({ prefix: "s3le-bench-" });
  try {
    const { seconds, stdout, peakMegabytes } = await timedRun(
      Deno.execPath(),
      cliArgs("extract_logs", logs, "--cache", cache, "--json", ...workers),
      runEnv(cache),
    );
    const summary = JSON.parse(stdout);
    if (summary.files.done !== floor.files || summary.files.failed !== 0) {
      throw new Error(`${what}: ${summary.files.done} files done, expected ${floor.files}`);
    }
    return {
      what,
      seconds,
      bytes: summary.bytesRead,
      files: summary.files.done,
      floor,
      peakMegabytes,
    };
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
}

/**
 * `extract_logs s3://…` of the small files uploaded to a local s3rver (when `.ci/run` or a
 * developer installed it into `.tools/s3rver`): objects per second through ListObjectsV2,
 * GetObject and SigV4, against the same files read locally.
 */
async function remoteExtract(root: string, files: string[], floor: Row): Promise<Row | undefined> {
  if (S3RVER === undefined) return undefined;
  const dir = await Deno.makeTempDir({ prefix: "s3le-bench-s3-" });
  try {
    await using s3 = await startS3(join(dir, "s3"), "bench");
    log(`uploading ${files.length} objects to a local s3rver…`);
    const queue = [...files];
    await Promise.all(Array.from({ length: 16 }, async () => {
      for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
        await s3.put(`logs/${path.slice(root.length + 1)}`, await Deno.readFile(path));
      }
    }));
    const cache = join(dir, "cache");
    const args = cliArgs("extract_logs", "s3://bench/logs", "--cache", cache, "--json");
    args.splice(1, 0, "--allow-net=127.0.0.1");
    const { seconds, stdout } = await timedRun(
      Deno.execPath(),
      [...args, "--downloads", "16"],
      runEnv(cache, s3Env(s3.endpoint)),
    );
    const summary = JSON.parse(stdout);
    if (summary.files.done !== files.length) {
      throw new Error(`remote extraction: ${summary.files.done} objects done of ${files.length}`);
    }
    return {
      what: "extract_logs s3:// from a local s3rver, small objects, default workers",
      seconds,
      bytes: summary.bytesRead,
      files: summary.files.done,
      floor,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function gawkRule(what: string, files: string[], floor: Row): Promise<Row | undefined> {
  const hasGawk = await timedRun("gawk", ["--version"]).then(() => true, () => false);
  if (!hasGawk || !await exists(REFERENCE_AWK)) return undefined;
  const { seconds } = await timedRun("gawk", ["-f", REFERENCE_AWK, ...files]);
  return { what, seconds, bytes: floor.bytes, files: files.length, floor };
}

/** The large file's lines as JSON records, written once beside it (about 1.9 times its size). */
async function jsonLines(bigFiles: string[]): Promise<string> {
  const dir = join(DATA, "json");
  if (await exists(join(dir, ".done"))) return dir;
  log("converting the large file into JSON records …");
  await Deno.mkdir(dir, { recursive: true });
  for (const path of bigFiles) {
    convertToJson(path, join(dir, `${path.slice(path.lastIndexOf("/") + 1)}.json`));
  }
  await Deno.writeTextFile(join(dir, ".done"), "");
  return dir;
}

/** Writes the JSON records of the text log `path` into `target`. */
function convertToJson(path: string, target: string): void {
  using out = Deno.openSync(target, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  let number = 0;
  forEachLineChunk([path], (chunk) => {
    const lines = new TextDecoder().decode(chunk).split("\n");
    // Only records: the few lines the converter leaves as text (adversarial ones) are dropped,
    // so that both parsers below see the same input.
    const records = lines.map((line) => jsonRecordOfLine(line, number++)).filter((r) => r);
    const bytes = encoder.encode(records.map((record) => `${record}\n`).join(""));
    for (let done = 0; done < bytes.length;) done += out.writeSync(bytes.subarray(done));
  });
}

/** Calls `fn` with chunks of about 8 MiB of the files, each ending with a whole line. */
function forEachLineChunk(files: string[], fn: (chunk: Uint8Array) => void): void {
  const buffer = new Uint8Array(8 * 1024 * 1024 + 1024 * 1024);
  for (const path of files) {
    using file = Deno.openSync(path);
    let held = 0;
    for (;;) {
      const n = file.readSync(buffer.subarray(held, 8 * 1024 * 1024));
      const filled = held + (n ?? 0);
      if (n === null || n === 0) {
        if (filled > 0) fn(buffer.subarray(0, filled));
        break;
      }
      const cut = buffer.subarray(0, filled).lastIndexOf(10) + 1;
      if (cut === 0) throw new Error(`${path}: a line longer than 8 MiB`);
      fn(buffer.subarray(0, cut));
      buffer.copyWithin(0, cut, filled);
      held = filled - cut;
    }
  }
}

/**
 * Parsing only, on one thread: the extraction's scanner (the workers' parser) against
 * `JSON.parse` of each record with the same rules, to show which is faster.
 */
function parseJsonOnly(files: string[], floor: Row): Row[] {
  let started = performance.now();
  let scanned = 0;
  forEachLineChunk(files, (chunk) => {
    const parser = new PieceParser();
    parser.push(chunk);
    scanned += parser.finish().rows;
  });
  const scan = (performance.now() - started) / 1000;
  started = performance.now();
  let parsed = 0;
  const decoder = new TextDecoder();
  forEachLineChunk(files, (chunk) => {
    for (const line of decoder.decode(chunk).split("\n")) {
      if (line === "") continue;
      const record = JSON.parse(line);
      const status = record.http_status;
      if (record.operation === "REST.GET.OBJECT" && status >= 200 && status < 300) {
        const _ = [record.key_name, record.request_time, record.remote_ip, record.bytes_sent];
        parsed++;
      }
    }
  });
  const jsonParse = (performance.now() - started) / 1000;
  if (scanned !== parsed) {
    throw new Error(`JSON: the scanner kept ${scanned}, JSON.parse ${parsed}`);
  }
  const row = (what: string, seconds: number) => ({
    what,
    seconds,
    bytes: floor.bytes,
    files: files.length,
    floor,
  });
  return [
    row("parse only, one thread: the JSON scanner (JSON lines)", scan),
    row("parse only, one thread: JSON.parse per record (JSON lines)", jsonParse),
  ];
}

/**
 * A cache of synthetic requests, built once with SQL (no logs needed). Skewed as real access
 * is (the log generator uses Zipf-like popularity too): object ids drawn as 99,999·u³ and
 * client IPs as 199,999·u⁴ (u uniform), so a few objects and clients make most requests;
 * 100 consecutive objects form a dataset; times uniform over five years.
 */
function summaryCache(requests: number): string {
  const cache = join(DATA, `summaries-skewed-${requests}`);
  try {
    Deno.statSync(join(cache, ".done"));
    moveIntoBlocks(cache); // one built by a version before schema 7
    addActivity(cache, requests); // one built before the activity files
    return cache;
  } catch {
    // build it below
  }
  log(`building a cache of ${requests.toLocaleString("en-US")} requests in ${cache} …`);
  Deno.mkdirSync(cache, { recursive: true });
  openCacheDatabase(cache).close();
  const db = new DatabaseSync(join(cache, "cache.sqlite"));
  // Rows as schema 6 stored them: the next open moves them into blocks (timed below).
  db.exec(`
    BEGIN;
    CREATE TABLE requests (file_id INTEGER NOT NULL, line INTEGER NOT NULL,
      object_id INTEGER NOT NULL, time INTEGER NOT NULL, bytes_sent INTEGER NOT NULL,
      ip_index INTEGER NOT NULL, download INTEGER NOT NULL);
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
    INSERT INTO objects SELECT i, 'ds' || ((i - 1) / 100) || '/sub-' || (i % 97) || '/file-' || i || '.nwb'
      FROM n;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${requests}),
      u(i, a, b) AS (SELECT i, abs(random()) / 9223372036854775807.0,
        abs(random()) / 9223372036854775807.0 FROM n)
    INSERT INTO requests SELECT 1 + i / 100000, i, 1 + CAST(99999 * a * a * a AS INTEGER),
      1577836800 + abs(random()) % 157680000, abs(random()) % 100000000,
      1 + CAST(199999 * b * b * b * b AS INTEGER), abs(random()) % 3 = 0 FROM u;
    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000)
    INSERT INTO ip_regions SELECT i, CASE i % 5 WHEN 0 THEN 'US/California' WHEN 1 THEN
      'AWS/us-east-2' WHEN 2 THEN 'DE/Berlin' WHEN 3 THEN 'GCP/europe-west1' ELSE 'JP/Tokyo' END,
      'bench', '2026-01-01' FROM n;
    COMMIT;`);
  db.close();
  moveIntoBlocks(cache);
  addActivity(cache, requests);
  Deno.writeTextFileSync(join(cache, ".done"), "");
  return cache;
}

/**
 * Gives the synthetic requests what extraction keeps since issue 15, once: an object size per
 * object (so that about a third of the requests are whole downloads of it; the bytes are random
 * up to 100 MB) and a client kind per request (skewed: libraries and the archive's tools most),
 * and aggregates of the lines not kept, one group per 20 requests (a fifth of real logs' lines
 * are not GET object 2xx): random object (a tenth without one), day, operation group and
 * status class.
 */
function addActivity(cache: string, requests: number): void {
  try {
    Deno.statSync(join(cache, ".activity"));
    return;
  } catch {
    // added below
  }
  log("  adding object sizes, client kinds and operation aggregates …");
  const db = new DatabaseSync(join(cache, "cache.sqlite"));
  const random = seeded(15);
  const kinds = [0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 5];
  const update = db.prepare(
    "UPDATE request_blocks SET object_sizes = ?, client_kinds = ? WHERE id = ?",
  );
  db.exec("BEGIN");
  for (const block of db.prepare("SELECT id, rows, object_ids FROM request_blocks").all()) {
    const rows = block.rows as number;
    const objects = new Uint32Array((block.object_ids as Uint8Array).slice().buffer, 0, rows);
    const sizes = new Float64Array(rows);
    const kind = new Uint8Array(rows);
    for (let i = 0; i < rows; i++) {
      sizes[i] = 1_000_000 + (objects[i] * 7919) % 150_000_000;
      kind[i] = kinds[Math.floor(random() * kinds.length)];
    }
    update.run(new Uint8Array(sizes.buffer), kind, block.id as number);
  }
  const writer = new OperationBlockWriter(db);
  const groups = Math.round(requests / 20);
  const perBlock = 100_000;
  for (let first = 0; first < groups; first += perBlock) {
    const rows = Math.min(perBlock, groups - first);
    const counts = {
      rows,
      objects: new Uint32Array(rows),
      days: new Uint32Array(rows),
      codes: new Uint8Array(rows),
      requests: new Float64Array(rows),
      bytesSent: new Float64Array(rows),
      bytesReceived: new Float64Array(rows),
    };
    for (let i = 0; i < rows; i++) {
      counts.objects[i] = random() < 0.1 ? 0 : 1 + Math.floor(99_999 * random() ** 3);
      counts.days[i] = 18262 + Math.floor(random() * 1825);
      counts.codes[i] = Math.floor(random() * 6) * 4 + (random() < 0.8 ? 0 : 2);
      counts.requests[i] = 1 + Math.floor(random() * 20);
      counts.bytesSent[i] = Math.floor(random() * 1_000_000);
      counts.bytesReceived[i] = counts.codes[i] >> 2 === 2 ? Math.floor(random() * 1e8) : 0;
    }
    writer.write(1 + first / perBlock, counts);
  }
  db.exec("COMMIT");
  db.close();
  Deno.writeTextFileSync(join(cache, ".activity"), "");
}

/** Numbers in [0, 1) from a linear congruential generator: the same data every build. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

/** Opens the cache to write, which moves rows of schema 6 into blocks; says how long it took. */
function moveIntoBlocks(cache: string): void {
  const started = performance.now();
  openCacheDatabase(cache).close();
  const seconds = (performance.now() - started) / 1000;
  if (seconds > 0.5) log(`  rows moved into blocks in ${seconds.toFixed(1)} s`);
}

/**
 * `bench.ts --activity <cache>`: the activity files of every dataset and of the archive,
 * collected (from the counts kept in the cache, brought up to date first) and formatted (not
 * written), in a process of their own so that the time and peak memory measured are theirs
 * alone.
 */
async function activityOnly(cache: string): Promise<void> {
  const db = openCacheDatabase(cache);
  const { datasets, archive } = await collectActivity(db, genericPlace, { placement: "generic" });
  // The day files are bytes, the others text (ASCII but for names): their lengths, summed.
  let length = 0;
  for (const scope of datasets.values()) {
    for (const content of activityFiles(scope, { rowName: "asset_path" }).values()) {
      length += content.length;
    }
  }
  for (const content of activityFiles(archive, { rowName: "dataset" }).values()) {
    length += content.length;
  }
  db.close();
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify({ length }) + "\n"));
}

/** Times {@linkcode activityOnly} on `cache`. */
async function activityRow(cache: string): Promise<SummaryRow> {
  const { seconds, peakMegabytes } = await timedRun(Deno.execPath(), [
    "run",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-run",
    "--allow-sys",
    fileURLToPath(import.meta.url),
    "--activity",
    cache,
  ], toolEnv());
  return { command: "the activity files alone (collected and formatted)", seconds, peakMegabytes };
}

interface SummaryRow {
  command: string;
  seconds: number;
  peakMegabytes: number | undefined;
}

async function summaryCommand(command: string, cache: string): Promise<SummaryRow> {
  await settleDisk();
  const { seconds, peakMegabytes } = await timedRun(
    Deno.execPath(),
    cliArgs(...command.split(" "), "--cache", cache, "--quiet"),
    toolEnv(),
  );
  return { command, seconds, peakMegabytes };
}

function formatSummaries(
  requests: number,
  rows: SummaryRow[],
  nightRows: SummaryRow[],
  activity: SummaryRow,
): string {
  const lines = [
    `Summaries over ${
      requests.toLocaleString("en-US")
    } requests, 100,000 objects, 1,000 datasets ` +
    "(synthetic, skewed popularity of objects and clients, with object sizes, client kinds and " +
    "an aggregated group of other lines per 20 requests; see tasks/bench.ts). First every " +
    "request counted (no counts kept yet, as after an upgrade or with --rebuild), then a night " +
    `of ${Math.round(requests / 10).toLocaleString("en-US")} new requests added to a copy:`,
    "",
    "| command | counted from nothing (s) | peak memory (MB) | a new night (s) | peak memory (MB) |",
    "|---|---:|---:|---:|---:|",
  ];
  const memory = (row: SummaryRow) =>
    row.peakMegabytes === undefined ? "n/a" : row.peakMegabytes.toFixed(0);
  rows.slice(0, -1).forEach((row, i) => {
    const night = nightRows[i];
    lines.push(
      `| ${row.command} | ${row.seconds.toFixed(2)} | ${memory(row)} | ` +
        `${night.seconds.toFixed(2)} | ${memory(night)} |`,
    );
  });
  const total = (all: SummaryRow[]) => all.reduce((sum, row) => sum + row.seconds, 0).toFixed(2);
  lines.push(`| all four | ${total(rows.slice(0, -1))} | | ${total(nightRows.slice(0, -1))} | |`);
  const [all, allNight] = [rows.at(-1)!, nightRows.at(-1)!];
  lines.push(
    `| the same files from ${all.command} (daily's one step) | ${all.seconds.toFixed(2)} | ` +
      `${memory(all)} | ${allNight.seconds.toFixed(2)} | ${memory(allNight)} |`,
  );
  lines.push(
    `| of which ${activity.command} | ${activity.seconds.toFixed(2)} | ${memory(activity)} | | |`,
  );
  return lines.join("\n");
}

/** Classifies 1,000,000 random IPs against 100,000 random ranges; returns seconds. */
function rangeLookup(): { build: number; lookup: number; found: number } {
  const random = seeded(7);
  const next = (n: number) => Math.floor(random() * n);
  const v4 = () => `${1 + next(223)}.${next(256)}.${next(256)}.${next(256)}`;
  const v6 = () =>
    `2600:${next(65536).toString(16)}:${next(65536).toString(16)}::${next(65536).toString(16)}`;
  const ranges: LabelledRange[] = [];
  for (let i = 0; i < 100_000; i++) {
    ranges.push(
      i % 10 === 0
        ? { cidr: `${v6()}/${32 + next(33)}`, label: `AWS/r${i % 30}` }
        : { cidr: `${v4()}/${16 + next(13)}`, label: `AWS/r${i % 30}` },
    );
  }
  const ips = new Set<string>();
  while (ips.size < 1_000_000) ips.add(next(100) < 15 ? v6() : v4());
  const started = performance.now();
  const table = new IpRangeTable(ranges);
  const built = performance.now();
  let found = 0;
  for (const ip of ips) if (table.lookup(ip) !== undefined) found++;
  return {
    build: (built - started) / 1000,
    lookup: (performance.now() - built) / 1000,
    found,
  };
}

function format(rows: Row[]): string {
  const mb = (row: Row) => row.bytes / 1e6 / row.seconds;
  const lines = [
    "| measurement | time (s) | MB/s | files/s | share of the floor's MB/s | peak memory (MB) |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    const ratio = row.floor ? `${(mb(row) / mb(row.floor) * 100).toFixed(0)} %` : "(floor)";
    const memory = row.peakMegabytes === undefined ? "" : row.peakMegabytes.toFixed(0);
    lines.push(
      `| ${row.what} | ${row.seconds.toFixed(2)} | ${mb(row).toFixed(0)} | ` +
        `${(row.files / row.seconds).toFixed(0)} | ${ratio} | ${memory} |`,
    );
  }
  return lines.join("\n");
}

async function machine(): Promise<string> {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => "")).match(
    /model name\s*:\s*(.*)/,
  )?.[1] ?? "unknown CPU";
  return `${navigator.hardwareConcurrency} cores (${cpu}), Deno ${Deno.version.deno}, ` +
    `${Deno.build.os}/${Deno.build.arch}`;
}

if (Deno.args[0] === "--activity") {
  await activityOnly(Deno.args[1]);
  Deno.exit(0);
}

const SUMMARY_COMMANDS = [
  "generate_summaries",
  "generate_totals",
  "generate_archive_summaries",
  "generate_archive_totals",
];
/** The four steps' files from one: what `daily` runs. */
const ALL_SUMMARIES = "generate_summaries --all";

/** Drops the counts kept in the cache, as after an upgrade (or `--rebuild`). */
function dropKeptCounts(cache: string): void {
  const db = new DatabaseSync(join(cache, "cache.sqlite"));
  db.exec("DROP TABLE IF EXISTS request_fold_chunks; DROP TABLE IF EXISTS request_folds");
  db.close();
}

/** Copies the database of `cache` into the new folder `to`. */
async function copyCache(cache: string, to: string): Promise<void> {
  await Deno.remove(to, { recursive: true }).catch(() => {});
  await Deno.mkdir(to);
  for (const file of ["cache.sqlite", "cache.sqlite-wal", "cache-created.txt"]) {
    await Deno.copyFile(join(cache, file), join(to, file)).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
}

/**
 * The summary commands on a synthetic cache of `requests` requests, and their table: first with
 * the counts kept in the cache dropped (as after an upgrade, or `--rebuild`), then on a copy
 * to which a night of requests (a tenth more, on one new day) was added after those runs. Each
 * time the four steps one by one, then `generate_summaries --all` on the same state.
 */
async function summaryTable(requests: number): Promise<string> {
  const cache = summaryCache(requests);
  const rows: SummaryRow[] = [];
  dropKeptCounts(cache);
  for (const command of SUMMARY_COMMANDS) rows.push(await summaryCommand(command, cache));
  dropKeptCounts(cache);
  rows.push(await summaryCommand(ALL_SUMMARIES, cache));
  const night = `${cache}-night`;
  const nightAll = `${cache}-night-all`;
  await copyCache(cache, night);
  addNight(night, Math.round(requests / 10));
  await copyCache(night, nightAll);
  const nightRows: SummaryRow[] = [];
  for (const command of SUMMARY_COMMANDS) nightRows.push(await summaryCommand(command, night));
  nightRows.push(await summaryCommand(ALL_SUMMARIES, nightAll));
  // The night's next step: the report, drawn from the files just published.
  const report = await summaryCommand("report", nightAll);
  await Deno.remove(night, { recursive: true });
  await Deno.remove(nightAll, { recursive: true });
  return formatSummaries(requests, rows, nightRows, await activityRow(cache)) + "\n\n" +
    `The night's \`report\` after them (its pages drawn from those files): ` +
    `${report.seconds.toFixed(2)} s, peak ${report.peakMegabytes?.toFixed(0) ?? "n/a"} MB.`;
}

/**
 * Adds `requests` requests as the synthetic cache's are (see {@linkcode summaryCache}), all on
 * the day after its last, as one more log file: a night's new requests.
 */
function addNight(cache: string, requests: number): void {
  const db = openCacheDatabase(cache);
  const random = seeded(16);
  const kinds = [0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 5];
  const blocks = new BlockWriter(db);
  const fileId = 1 + (db.prepare("SELECT coalesce(max(file_id), 0) AS m FROM request_blocks")
    .get() as { m: number }).m;
  db.exec("BEGIN");
  for (let line = 1; line <= requests; line++) {
    const a = random();
    const b = random();
    const objectId = 1 + Math.floor(99999 * a * a * a);
    blocks.push(
      fileId,
      line,
      objectId,
      1577836800 + 157680000 + Math.floor(random() * 86400),
      Math.floor(random() * 100_000_000),
      1 + Math.floor(199999 * b * b * b * b),
      random() < 1 / 3 ? 1 : 0,
      1_000_000 + (objectId * 7919) % 150_000_000,
      kinds[Math.floor(random() * kinds.length)],
    );
  }
  blocks.flush();
  db.exec("COMMIT");
  db.close();
}

const summariesOnly = Deno.args.find((arg) => arg.startsWith("--summaries="));
if (summariesOnly !== undefined) {
  const requests = Number(summariesOnly.slice("--summaries=".length));
  if (!Number.isSafeInteger(requests) || requests < 1000) {
    log(`--summaries= takes a number of requests, 1000 or more (got ${summariesOnly}).`);
    Deno.exit(2);
  }
  Deno.stdout.writeSync(new TextEncoder().encode(await summaryTable(requests) + "\n"));
  Deno.exit(0);
}

if (!await exists(GENERATOR)) {
  log(
    `Cannot run the benchmark: the log generator ${GENERATOR} is not there (it comes with ../shared).`,
  );
  Deno.exit(1);
}
const { big, small } = await generate();
const bigFiles = await logFiles(big);
const smallFiles = await logFiles(small);
const rows: Row[] = [];
log("measuring …");
byteScan("warm-up", bigFiles); // the same page cache for every row
const bigFloor = byteScan(`byte scan floor: ${quick ? "64 MiB" : "1 GiB"} file`, bigFiles);
rows.push(bigFloor);
rows.push(await extract("extract_logs, 1 large file, default workers", big, [], bigFloor));
rows.push(
  await extract("extract_logs, 1 large file, --workers 1", big, ["--workers", "1"], bigFloor),
);
const awk = await gawkRule(
  "reference rule under gawk (parse only), 1 large file",
  bigFiles,
  bigFloor,
);
if (awk) rows.push(awk);
const json = await jsonLines(bigFiles);
const jsonFiles = await logFiles(json);
byteScan("warm-up", jsonFiles);
const jsonFloor = byteScan("byte scan floor: the large file as JSON lines", jsonFiles);
rows.push(jsonFloor);
rows.push(await extract("extract_logs, JSON lines, default workers", json, [], jsonFloor));
rows.push(...parseJsonOnly(jsonFiles, jsonFloor));
byteScan("warm-up", smallFiles);
const smallFloor = byteScan(`byte scan floor: ${smallFiles.length} small files`, smallFiles);
rows.push(smallFloor);
rows.push(await extract("extract_logs, small files, default workers", small, [], smallFloor));
rows.push(
  await extract("extract_logs, small files, --workers 1", small, ["--workers", "1"], smallFloor),
);

const remote = await remoteExtract(small, smallFiles, smallFloor);
if (remote) rows.push(remote);

const summaryRequests = quick ? 1_000_000 : 10_000_000;
const summaries = await summaryTable(summaryRequests);

const ranges = rangeLookup();
const rangeTable =
  `IP classification: 1,000,000 distinct IPs (15 % IPv6) against 100,000 random ranges ` +
  `(issue 3 target: under 3 s including the build): build ${ranges.build.toFixed(2)} s, lookups ` +
  `${ranges.lookup.toFixed(2)} s, total ${(ranges.build + ranges.lookup).toFixed(2)} s ` +
  `(${ranges.found.toLocaleString("en-US")} IPs in a range).`;

const table = format(rows) + "\n\n" + summaries + "\n\n" + rangeTable;
Deno.stdout.writeSync(new TextEncoder().encode(table + "\n"));
if (!quick) {
  const text = `# Benchmarks

Measured by \`deno task bench\` on ${new Date().toISOString().slice(0, 10)}: ${await machine()}.
Data from \`gen_s3_logs.py\` (seed 1: one 1 GiB file; seed 2: 20,000 nested files of about
20 KB). \`extract_logs\` is timed end to end through the CLI (process start, key derivation,
discovery, parsing in workers, committing to SQLite; Deno's compile cache warm, as for an
installed tool); the floor reads every byte and counts newlines on one thread, in the same
run, after an untimed read that warms the page cache. The remote row uploads the small files
to a local s3rver (a Node.js server, itself the limit there) and extracts them from it.
Ratios to the floor are the comparable numbers; the absolute ones move with the machine and
its load. Goals (issue 14, set where the 1 GiB floor ran at 1,472 MB/s): 600 MB/s on the 1 GiB
file, 12,000 small files/s (aim 15,000), the four summary steps on 10 million requests in under
10 s and 300 MB.${
    awk ? "" : "\n\ngawk is not installed here, so the reference's awk rule was not measured."
  }

${table}
`;
  // The history (comparisons between versions, written by hand) is kept below the new table.
  const previous = await Deno.readTextFile(join(ROOT, "BENCHMARKS.md")).catch(() => "");
  const history = previous.indexOf("\n## History");
  await Deno.writeTextFile(
    join(ROOT, "BENCHMARKS.md"),
    history < 0 ? text : text + previous.slice(history),
  );
  // Formatted as the rest of the repository, so that `deno fmt --check` stays clean.
  await timedRun(Deno.execPath(), ["fmt", "--quiet", join(ROOT, "BENCHMARKS.md")]);
  log("wrote BENCHMARKS.md");
}
