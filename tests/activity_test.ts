/**
 * The activity files end to end, through the CLI, against an independent reader of the log
 * lines written here (regular expressions and its own tables, not the extractor's parser): per
 * day, operation group and status class; per day and client kind; each asset's delivery and
 * sessions. On the bundled sample, and on generated logs when `../shared` is there.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import { textOfMaybeGzip } from "../lib/gzip.ts";
import { classifyUserAgent, clientKindRules } from "../lib/extract/client_kind.ts";
import { DEFAULT_ARCHIVE_CLIENTS } from "../lib/extract/client_kind.ts";
import { parseTsv } from "../lib/summaries/tsv.ts";
import { cliEnv, generateLogs, GENERATOR, readTree, ROOT, runCli, withTmpDir } from "./_helpers.ts";

const SAMPLE = join(ROOT, "fixtures", "sample_logs");
const MONTHS = "JanFebMarAprMayJunJulAugSepOctNovDec";

/**
 * A line with a status: time, IP, operation, key, status, bytes sent, object size, User-Agent.
 * The request URI ends at the quote that a blank and a status follow.
 */
const LINE = new RegExp(
  String
    .raw`^\S+ +\S+ +\[(\d\d)/(\w{3})/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)\] +(\S+) +` +
    String.raw`\S+ +\S+ +(\S+) +(\S+) +(?:"(?:[^"]|"(?! \d{3} ))*"|-) +(\d{3}) +\S+ +(\d+|-) +` +
    String.raw`(\d+|-) +(?:\d+|-) +(?:\d+|-) +(?:"(?:[^"]|"(?! ))*"|-) +"((?:[^"]|"(?! |$))*)"`,
);

/** The groups, as the README's table gives them. */
function groupOf(operation: string): string {
  if (operation === "REST.GET.OBJECT") return "download";
  if (operation === "REST.HEAD.OBJECT") return "head";
  if (
    /^REST\.(?:PUT|POST)\.(?:OBJECT|PART|UPLOADS?)$|^REST\.COPY\.(?:OBJECT|PART)$/.test(operation)
  ) {
    return "upload";
  }
  if (
    /^REST\.DELETE\.(?:OBJECT|UPLOAD)$|^REST\.POST\.MULTI_OBJECT_DELETE$|^BATCH\.DELETE\.OBJECT$/
      .test(operation)
  ) {
    return "delete";
  }
  if (/\.BUCKET|^REST\.GET\.UPLOADS?$/.test(operation)) return "list";
  return "other";
}

interface Line {
  time: number;
  ip: string;
  operation: string;
  key: string;
  status: number;
  bytes: number;
  size: number;
  agent: string;
}

async function readLines(root: string): Promise<{ lines: Line[]; unread: number }> {
  const lines: Line[] = [];
  let unread = 0;
  for (const [path, bytes] of await readTree(root)) {
    if (path.endsWith(".md") || path.endsWith(".json")) continue;
    for (const text of (await textOfMaybeGzip(bytes)).split("\n")) {
      if (text.trim() === "") continue;
      const m = LINE.exec(text);
      if (m === null) {
        unread++;
        continue;
      }
      const offset = (m[7] === "-" ? -1 : 1) * (Number(m[8]) * 3600 + Number(m[9]) * 60);
      const month = MONTHS.indexOf(m[2]) / 3;
      const time = Date.UTC(+m[3], month, +m[1], +m[4], +m[5], +m[6]) / 1000 - offset;
      lines.push({
        time,
        ip: m[10],
        operation: m[11],
        key: m[12],
        status: Number(m[13]),
        bytes: m[14] === "-" ? 0 : Number(m[14]),
        size: m[15] === "-" ? -1 : Number(m[15]),
        agent: m[16],
      });
    }
  }
  return { lines, unread };
}

const day = (time: number) =>
  new Date(Math.floor(time / 86400) * 86400_000).toISOString().slice(0, 10);
const kept = (l: Line) => l.operation === "REST.GET.OBJECT" && l.status >= 200 && l.status < 300;

function add(map: Map<string, number[]>, key: string, values: number[]): void {
  const sums = map.get(key) ?? values.map(() => 0);
  values.forEach((v, i) => sums[i] += v);
  map.set(key, sums);
}

/**
 * The rows of a TSV file as key (its first `keyColumns` fields) → the other fields, with a
 * count below the minimum of 1 (`<1`) as 0.
 */
async function tsvRows(path: string, keyColumns: number): Promise<Map<string, string[]>> {
  const [, ...rows] = parseTsv(await Deno.readTextFile(path));
  return new Map(
    rows.map((r) => [
      r.slice(0, keyColumns).join("|"),
      r.slice(keyColumns).map((v) => v === "<1" ? "0" : v),
    ]),
  );
}

function linearQuantile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (h - lo);
}

/** Session lengths of one asset's requests, sessions ending after `gap` seconds of silence. */
function sessionLengths(requests: Line[], gap: number): number[] {
  const byClient = new Map<string, number[]>();
  for (const r of requests) byClient.set(r.ip, [...byClient.get(r.ip) ?? [], r.time]);
  const lengths: number[] = [];
  for (const times of byClient.values()) {
    times.sort((a, b) => a - b);
    let first = times[0];
    for (let i = 1; i <= times.length; i++) {
      if (i === times.length || times[i] - times[i - 1] > gap) {
        lengths.push(times[i - 1] - first);
        first = times[i];
      }
    }
  }
  return lengths;
}

/**
 * Checks the activity files of `cache` (generic mode, rounding off) against `lines`, sessions
 * ending after `gap` seconds.
 */
async function checkActivity(lines: Line[], cache: string, gap = 1800): Promise<void> {
  const summaries = join(cache, "summaries");
  // Per day, group and class: every line with a status of 200-599.
  const operations = new Map<string, number[]>();
  for (const l of lines) {
    if (l.status < 200 || l.status > 599) continue;
    const group = groupOf(l.operation);
    const carries = /^REST\.(?:PUT\.OBJECT|POST\.OBJECT|PUT\.PART)$/.test(l.operation);
    const bytes = group === "upload" ? (carries ? Math.max(l.size, 0) : 0) : l.bytes;
    add(operations, `${day(l.time)}|${group}|${Math.floor(l.status / 100)}xx`, [1, bytes]);
  }
  const published = await tsvRows(join(summaries, "archive", "by_operation.tsv"), 3);
  assert.deepStrictEqual(
    new Map([...published].map(([k, v]) => [k, v.map(Number)])),
    new Map([...operations].sort(([a], [b]) => a < b ? -1 : 1)),
  );
  for (const group of ["download", "head", "upload", "list", "other"]) {
    assert([...operations.keys()].some((k) => k.includes(`|${group}|`)), `${group} lines`);
  }
  // Per day and client kind: the kept requests.
  const rules = clientKindRules(DEFAULT_ARCHIVE_CLIENTS);
  const kinds = new Map<string, number[]>();
  for (const l of lines.filter(kept)) {
    const kind = classifyUserAgent(l.agent, rules);
    add(kinds, `${day(l.time)}|${kind}`, [1, l.bytes, l.status === 200 ? 1 : 0]);
  }
  const byKind = await tsvRows(join(summaries, "archive", "by_client_kind.tsv"), 2);
  assert.deepStrictEqual(
    new Map([...byKind].map(([k, v]) => [k, v.map(Number)])),
    new Map(
      [...byKind.keys()].map((k) => [k, kinds.get(k)!]),
    ),
  );
  assert.deepStrictEqual(byKind.size, kinds.size);
  // Per asset: delivery and sessions (30 minutes), dataset by dataset.
  const assets = new Map<string, Line[]>();
  for (const l of lines.filter(kept)) assets.set(l.key, [...assets.get(l.key) ?? [], l]);
  let checked = 0;
  for (const [key, requests] of assets) {
    const slash = key.indexOf("/");
    const [dataset, asset] = slash < 0 ? [key, "."] : [key.slice(0, slash), key.slice(slash + 1)];
    const latest = requests.filter((r) => r.size >= 0).sort((a, b) => a.time - b.time).at(-1);
    const bytes = requests.reduce((sum, r) => sum + r.bytes, 0);
    const full = requests.filter((r) => r.status === 200).length;
    const delivery = await tsvRows(join(summaries, dataset, "delivery.tsv"), 1);
    const size = latest?.size ?? -1;
    assert.deepStrictEqual(delivery.get(asset), [
      size < 0 ? "" : String(size),
      String(bytes),
      size > 0 ? String(Number((bytes / size).toFixed(4))) : "",
      String(full),
      String(requests.length - full),
    ], key);
    const lengths = sessionLengths(requests, gap);
    const sessions = await tsvRows(join(summaries, dataset, "sessions.tsv"), 1);
    assert.deepStrictEqual(sessions.get(asset)?.slice(0, 2), [
      String(lengths.length),
      String(Number(linearQuantile(lengths, 0.5).toFixed(4))),
    ], key);
    checked++;
  }
  assert(checked > 100, `assets checked: ${checked}`);
}

/**
 * Extracts `logs` and writes the summaries without rounding; `variables` are set for every
 * step and `archiveArgs` added to the archive's.
 */
async function extractAndSummarise(
  logs: string,
  home: string,
  { variables = {}, archiveArgs = [] }: {
    variables?: Record<string, string>;
    archiveArgs?: string[];
  } = {},
): Promise<string> {
  const cache = join(home, "cache");
  const env = cliEnv(home, { S3_LOG_EXTRACTION_CACHE: cache, ...variables });
  const rounding = ["--privacy-minimum", "1", "--privacy-modulo", "1"];
  for (
    const args of [
      ["extract_logs", logs],
      ["generate_summaries", ...rounding],
      ["generate_archive_summaries", ...rounding, ...archiveArgs],
    ]
  ) {
    const run = await runCli(args, { env });
    assert.deepStrictEqual(run.code, 0, run.stderr);
  }
  return cache;
}

Deno.test("activity of the sample: operations, client kinds, delivery and sessions as an independent reader counts them", async () => {
  await withTmpDir(async (home) => {
    const { lines, unread } = await readLines(SAMPLE);
    assert(lines.length > 1800 && unread < 60, `read ${lines.length}, unread ${unread}`);
    await checkActivity(lines, await extractAndSummarise(SAMPLE, home));
  });
});

Deno.test("status shows the shares of operations and statuses of the lines counted", async () => {
  await withTmpDir(async (home) => {
    const { lines } = await readLines(SAMPLE);
    const counted = lines.filter((l) => l.status >= 200 && l.status <= 599);
    const cache = await extractAndSummarise(SAMPLE, home);
    const env = cliEnv(home, { S3_LOG_EXTRACTION_CACHE: cache });
    const json = await runCli(["status", "--json"], { env });
    assert.deepStrictEqual(json.code, 0, json.stderr);
    const groups = ["download", "head", "upload", "delete", "list", "other"];
    const status = JSON.parse(json.stdout);
    assert.deepStrictEqual(
      status.operations.groups,
      groups.map((g) => counted.filter((l) => groupOf(l.operation) === g).length),
    );
    assert.deepStrictEqual(
      status.operations.classes,
      [2, 3, 4, 5].map((c) => counted.filter((l) => Math.floor(l.status / 100) === c).length),
    );
    const text = await runCli(["status"], { env });
    const share = (part: number) =>
      `${(Math.round(part / counted.length * 1000) / 10).toFixed(1)}%`;
    const upload = counted.filter((l) => groupOf(l.operation) === "upload").length;
    const failed = counted.filter((l) => l.status >= 400 && l.status < 500).length;
    assert.match(
      text.stdout,
      new RegExp(
        `Operations of the ${
          counted.length.toLocaleString("en-US")
        } lines counted: download [0-9.]+%, head [0-9.]+%, upload ${
          share(upload).replace(".", "\\.")
        }, .*4xx ${share(failed).replace(".", "\\.")}`,
      ),
    );
  });
});

Deno.test("the session gap comes from --session-gap, else S3_LOG_EXTRACTION_SESSION_GAP", async () => {
  await withTmpDir(async (home) => {
    const { lines } = await readLines(SAMPLE);
    // Two minutes splits sessions that thirty minutes joins: the check below can tell them apart.
    const keptByKey = Map.groupBy(lines.filter(kept), (l) => l.key);
    assert(
      [...keptByKey.values()].some((r) =>
        sessionLengths(r, 120).length !== sessionLengths(r, 1800).length
      ),
      "the sample has sessions the gap decides",
    );
    // The variable alone.
    const cache = await extractAndSummarise(SAMPLE, home, {
      variables: { S3_LOG_EXTRACTION_SESSION_GAP: "120" },
    });
    await checkActivity(lines, cache, 120);
    // The option wins over the variable.
    const env = cliEnv(home, {
      S3_LOG_EXTRACTION_CACHE: cache,
      S3_LOG_EXTRACTION_SESSION_GAP: "9",
    });
    for (const step of ["generate_summaries", "generate_archive_summaries"]) {
      const args = [
        step,
        "--session-gap",
        "120",
        "--privacy-minimum",
        "1",
        "--privacy-modulo",
        "1",
      ];
      const run = await runCli(args, { env });
      assert.deepStrictEqual(run.code, 0, run.stderr);
    }
    await checkActivity(lines, cache, 120);
    const bad = await runCli(["generate_summaries"], {
      env: { ...env, S3_LOG_EXTRACTION_SESSION_GAP: "half an hour" },
    });
    assert.deepStrictEqual(bad.code, 2);
    assert.match(bad.stderr, /S3_LOG_EXTRACTION_SESSION_GAP must be a whole number of seconds/);
    const badOption = await runCli(["generate_archive_summaries", "--session-gap", "0"], { env });
    assert.deepStrictEqual(badOption.code, 2);
    assert.match(badOption.stderr, /--session-gap must be a whole number of at least 1/);
  });
});

Deno.test({
  name: "activity of generated logs (40 files of 200 KB) as an independent reader counts them",
  ignore: GENERATOR === undefined,
  fn: async () => {
    await withTmpDir(async (home) => {
      const logs = join(home, "logs");
      await generateLogs([
        "--out-dir",
        logs,
        "--files",
        "40",
        "--file-size",
        "200K",
        "--hard-rate",
        "0",
        "--presigned-fraction",
        "0",
        "--seed",
        "15",
      ]);
      const { lines, unread } = await readLines(logs);
      assert(
        lines.length > 15000 && unread < lines.length / 100,
        `read ${lines.length}, unread ${unread}`,
      );
      await checkActivity(lines, await extractAndSummarise(logs, home));
    });
  },
});
