/**
 * `publish` and `daily`'s publishing: the published folder is read the way DANDI's usage page
 * reads dandi/access-summaries' `content/` (TSVs by position, `by_asset_type_per_week.tsv` by
 * header, totals by key, the coordinates YAML as a mapping of label to latitude and longitude),
 * with an independent reader written here; git commits only those paths; nothing else in the
 * folder is touched; stale summaries are refused; an interrupted publish is repaired.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import {
  cliEnv,
  copySample,
  offlineRangeEnv,
  readTree,
  ROOT,
  runCli,
  runProgram,
  runTask,
  withTmpDir,
} from "./_helpers.ts";

const GEO_DB = join(ROOT, "fixtures", "sample_geo", "city.mmdb");

/**
 * A content-id mapping for the sample: its first blobs in dandiset 000001 (NWB files), its first
 * Zarr stores in 000002 (OME-Zarr), the rest unknown (published as `undetermined`).
 */
async function sampleMapping(path: string): Promise<void> {
  const text = [...(await readTree(join(ROOT, "fixtures", "sample_logs"))).entries()]
    .filter(([name]) => !name.endsWith(".gz") && !name.endsWith(".md"))
    .map(([, bytes]) => new TextDecoder().decode(bytes)).join("");
  const ids = (pattern: RegExp) => [...new Set([...text.matchAll(pattern)].map((m) => m[1]))];
  const blobs = ids(/ blobs\/[0-9a-f]{3}\/[0-9a-f]{3}\/([0-9a-f-]+) /g).slice(0, 20);
  const zarrs = ids(/ zarr\/([0-9a-f-]+)\//g).slice(0, 5);
  assert(blobs.length === 20 && zarrs.length > 0, "the sample has blobs and Zarr stores");
  const mapping = Object.fromEntries([
    ...blobs.map((id, i) => [id, { "000001": `sub-${i % 4}/sub-${i % 4}_ses-${i}.nwb` }]),
    ...zarrs.map((id, i) => [id, { "000002": `sub-${i}/sample_${i}.ome.zarr` }]),
  ]);
  await Deno.writeTextFile(path, JSON.stringify(mapping));
}

async function git(dir: string, ...args: string[]): Promise<string> {
  const result = await runProgram("git", ["-C", dir, ...args], {
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: dir,
      GIT_CONFIG_NOSYSTEM: "1",
    },
  });
  assert.deepStrictEqual(result.code, 0, result.stderr);
  return result.stdout.trim();
}

/** A git checkout like dandi/access-summaries: a README and an empty content/ to publish into. */
async function checkout(dir: string): Promise<string> {
  const repo = join(dir, "access-summaries");
  await Deno.mkdir(join(repo, "content"), { recursive: true });
  await git(repo, "init", "--quiet", "--initial-branch=main");
  await git(repo, "config", "user.name", "Publisher");
  await git(repo, "config", "user.email", "publisher@example.org");
  await Deno.writeTextFile(join(repo, "README.md"), "Access summaries\n");
  await Deno.writeTextFile(join(repo, "content", "NOTES.md"), "kept by hand\n");
  await git(repo, "add", "--all");
  await git(repo, "commit", "--quiet", "-m", "start");
  return repo;
}

/** Reads rows as the page does: split lines, drop the header, split on tabs. */
function rows(text: string): string[][] {
  return text.split("\n").slice(1).filter((line) => line !== "").map((line) => line.split("\t"));
}

/** A reader of `{label: {latitude, longitude}}` written for this test (double-quoted keys, too). */
function readCoordinates(
  text: string,
): Map<string, { latitude: number | null; longitude: number | null }> {
  const unquote = (key: string) =>
    key.startsWith('"')
      ? key.slice(1, -1).replace(
        /\\(x[0-9A-F]{2}|u[0-9A-F]{4}|.)/g,
        (_, e: string) => e.length > 1 ? String.fromCodePoint(parseInt(e.slice(1), 16)) : e,
      )
      : key.startsWith("'")
      ? key.slice(1, -1).replaceAll("''", "'")
      : key;
  const map = new Map<string, { latitude: number | null; longitude: number | null }>();
  const lines = text.split("\n");
  assert.deepStrictEqual(lines.at(-1), "", "a final newline");
  for (let i = 0; i < lines.length - 1; i += 3) {
    const key = /^(.+):$/.exec(lines[i])?.[1];
    const latitude = /^ {2}latitude: (.+)$/.exec(lines[i + 1])?.[1];
    const longitude = /^ {2}longitude: (.+)$/.exec(lines[i + 2])?.[1];
    assert(key && latitude && longitude, `line ${i + 1}: ${lines[i]}`);
    const value = (v: string) => v === "null" ? null : Number(v);
    map.set(unquote(key), { latitude: value(latitude), longitude: value(longitude) });
  }
  return map;
}

/** Checks a published folder as the page reads it; returns the dataset ids. */
async function readAsThePage(content: string, dandi: boolean): Promise<string[]> {
  const read = (path: string) => Deno.readTextFile(join(content, path));
  const totals = JSON.parse(await read("totals.json"));
  const archive = JSON.parse(await read("archive_totals.json"));
  for (
    const key of ["total_bytes_sent", "number_of_unique_regions", "number_of_unique_countries"]
  ) {
    assert(Number.isInteger(archive[key]), key);
  }
  const ids = Object.keys(totals);
  assert(ids.length > 1, "datasets are published");
  let bytes = 0;
  for (const id of [...ids, "archive"]) {
    const byDay = rows(await read(`summaries/${id}/by_day.tsv`));
    assert(byDay.length > 0, id);
    for (const row of byDay) {
      assert.match(row[0], /^\d{4}-\d{2}-\d{2}$/);
      assert(Number.isInteger(parseInt(row[1], 10)), `${id}: ${row[1]}`);
    }
    if (id !== "archive") bytes += byDay.reduce((sum, row) => sum + parseInt(row[1], 10), 0);
    for (const row of rows(await read(`summaries/${id}/by_region.tsv`))) {
      assert(Number.isInteger(parseInt(row[1], 10)), `${id}: ${row[1]}`);
    }
    if (id !== "archive") {
      assert.deepStrictEqual(
        totals[id].total_bytes_sent,
        byDay.reduce((s, r) => s + parseInt(r[1], 10), 0),
      );
      for (const row of rows(await read(`summaries/${id}/by_asset.tsv`))) {
        assert(row[0] !== "" && Number.isInteger(parseInt(row[1], 10)), `${id}: ${row}`);
      }
    }
    if (dandi) {
      const [header, ...weeks] = (await read(`summaries/${id}/by_asset_type_per_week.tsv`))
        .split("\n").filter((line) => line !== "");
      const columns = header.split("\t");
      assert.deepStrictEqual(columns[0], "week_start");
      assert(columns.length > 1);
      for (const week of weeks) assert.deepStrictEqual(week.split("\t").length, columns.length);
    }
  }
  assert.deepStrictEqual(archive.total_bytes_sent, bytes, "the archive is the sum of its datasets");
  const coordinates = readCoordinates(await read("region_codes_to_coordinates.yaml"));
  assert.deepStrictEqual(coordinates.get("RU/Mordoviya Republic"), {
    latitude: 54.5,
    longitude: 44,
  });
  assert.deepStrictEqual(coordinates.get("unknown"), { latitude: null, longitude: null });
  return ids;
}

Deno.test("daily publishes into a configured git checkout as the page reads it; a rerun commits nothing", async () => {
  await withTmpDir(async (home) => {
    const logs = join(home, "logs");
    await copySample(logs, 1);
    const repo = await checkout(home);
    const content = join(repo, "content");
    const env = cliEnv(home, {
      S3_LOG_EXTRACTION_LOGS: logs,
      S3_LOG_EXTRACTION_CACHE: join(home, "cache"),
      S3_LOG_EXTRACTION_GEO_DB: GEO_DB,
      ...offlineRangeEnv(),
    });
    const mapping = join(home, "mapping.json");
    await sampleMapping(mapping);
    const set = await runCli(["set_publish", content, "--git"], { env });
    assert.deepStrictEqual(set.code, 0, set.stderr);
    const run = await runTask("daily", ["--mode", "dandi", "--mapping", mapping], { env });
    assert.deepStrictEqual(run.code, 0, run.stderr);
    assert.match(run.stderr, /\[\d+\/\d+\] publish\n/);
    const ids = await readAsThePage(content, true);
    assert.deepStrictEqual(ids.sort(), ["000001", "000002", "undetermined"]);
    assert.deepStrictEqual(await Deno.readTextFile(join(content, "NOTES.md")), "kept by hand\n");
    assert.deepStrictEqual(
      await git(repo, "status", "--porcelain"),
      "",
      "everything published is committed",
    );
    const log = await git(repo, "log", "--format=%s");
    assert.match(log.split("\n")[0], /^Update access summaries: \d+ datasets, summaries of 20/);
    const files = await git(repo, "show", "--name-only", "--format=", "HEAD");
    assert(files.split("\n").every((f) => f.startsWith("content/") && !f.includes("NOTES")));
    assert(![...(await readTree(content)).keys()].some((p) => p.includes(".s3-log-extraction")));

    const again = await runTask("daily", ["--mode", "dandi", "--mapping", mapping], { env });
    assert.deepStrictEqual(again.code, 0, again.stderr);
    assert.deepStrictEqual(
      (await git(repo, "log", "--format=%s")).split("\n").length,
      2,
      "nothing new",
    );
  });
});

Deno.test("publish removes datasets that are gone, touches nothing else, refuses stale summaries, repairs an interrupted run", async () => {
  await withTmpDir(async (home) => {
    const logs = join(home, "logs");
    await copySample(logs, 1);
    const cache = join(home, "cache");
    const env = cliEnv(home, { ...offlineRangeEnv() });
    const content = join(home, "site");
    const none = await runCli(["publish", content, "--cache", join(home, "empty")], { env });
    assert.deepStrictEqual(none.code, 1);
    assert.match(none.stderr, /^error: Cannot publish cache .*: it holds no extraction yet/);

    const step = async (...args: string[]) => {
      const result = await runCli([...args, "--cache", cache], { env });
      assert.deepStrictEqual(result.code, 0, result.stderr);
      return result;
    };
    await step("extract_logs", join(logs, "copy0", "2024", "01"));
    const early = await runCli(["publish", content, "--cache", cache], { env });
    assert.deepStrictEqual(early.code, 1);
    assert.match(
      early.stderr,
      /has not run on this cache\. Run the summary steps \(or daily\) first/,
    );
    for (const name of ["summaries", "totals", "archive_summaries", "archive_totals"]) {
      await step(`generate_${name}`);
    }
    await Deno.mkdir(join(content, "summaries", "gone-dataset"), { recursive: true });
    await Deno.writeTextFile(join(content, "summaries", "gone-dataset", "by_day.tsv"), "x\n");
    await Deno.writeTextFile(join(content, "CNAME"), "usage.example.org\n");
    const published = await step("publish", content);
    assert.match(published.stdout, /^Published the summaries of 20\S+ \(\d+ datasets\) into /);
    const first = await readAsThePage(content, false);
    assert(!first.includes("gone-dataset"));
    assert.deepStrictEqual(await Deno.readTextFile(join(content, "CNAME")), "usage.example.org\n");
    const before = await readTree(content);

    await step("extract_logs", join(logs, "copy0", "2024", "02"));
    const stale = await runCli(["publish", content, "--cache", cache], { env });
    assert.deepStrictEqual(stale.code, 1);
    assert.match(stale.stderr, /are older than the last extract_logs .* Run the summary steps/);
    assert.deepStrictEqual(await readTree(content), before, "a refused publish changes nothing");

    // A publish killed between its two renames: summaries/ moved away, the new one staged.
    for (const name of ["summaries", "totals", "archive_summaries", "archive_totals"]) {
      await step(`generate_${name}`);
    }
    const stage = join(content, ".s3-log-extraction-publish-0000dead");
    await Deno.mkdir(stage);
    await Deno.rename(join(content, "summaries"), join(stage, "old-summaries"));
    await step("publish", content);
    const second = await readAsThePage(content, false);
    assert(second.length >= first.length);
    assert(![...(await readTree(content)).keys()].some((p) => p.includes(".s3-log-extraction")));
    assert.deepStrictEqual(await Deno.readTextFile(join(content, "CNAME")), "usage.example.org\n");
  });
});
