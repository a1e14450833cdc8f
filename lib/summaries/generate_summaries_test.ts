/**
 * Where summaries do better than the reference, on purpose: each difference is shown on data
 * where the reference's rule gives another value.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import { generateReport } from "../report/generate_report.ts";
import { openCacheDatabase } from "../store/cache_database.ts";
import { BlockWriter, countRequests } from "../store/request_blocks.ts";
import { StoppedError } from "../errors.ts";
import {
  generateArchiveSummaries,
  generateArchiveTotals,
  generateDandisetSummaries,
  generateSummaries,
  generateTotals,
} from "./generate_summaries.ts";

/** A cache with `requests` rows: [key, ip index, region label or null, bytes, status 200?]. */
async function cacheWith(
  rows: [string, number, string | null, number, boolean][],
): Promise<string> {
  const dir = await Deno.makeTempDir();
  const db = openCacheDatabase(dir);
  const objects = new Map<string, number>();
  const blocks = new BlockWriter(db);
  rows.forEach(([key, ip, label, bytes, download], i) => {
    if (!objects.has(key)) {
      objects.set(key, objects.size + 1);
      db.prepare("INSERT INTO objects VALUES (?, ?)").run(objects.size, key);
    }
    blocks.push(1, i + 1, objects.get(key)!, 1700000000 + i, bytes, ip, download ? 1 : 0);
    if (label !== null) {
      db.prepare("INSERT OR REPLACE INTO ip_regions VALUES (?, ?, 'test', 'now')").run(ip, label);
    }
  });
  blocks.flush();
  db.close();
  return dir;
}

const read = (dir: string, path: string): string =>
  Deno.readTextFileSync(join(dir, "summaries", path));

Deno.test("archive counts come from raw counts rounded once, not from rounded dataset counts", async () => {
  // Three datasets of 30 requests each: each publishes "<50"; the reference sums those as 0
  // and publishes "<50" for the archive; the archive really has 90 requests (published 80).
  const rows: [string, number, string | null, number, boolean][] = [];
  for (const ds of ["a", "b", "c"]) {
    for (let i = 0; i < 30; i++) rows.push([`${ds}/x`, i, null, 1, true]);
  }
  const dir = await cacheWith(rows);
  await generateSummaries({ cacheDirectory: dir });
  await generateArchiveSummaries({ cacheDirectory: dir });
  await generateArchiveTotals({ cacheDirectory: dir });
  assert.deepStrictEqual(read(dir, "a/by_day.tsv").split("\n")[1], "2023-11-14\t30\t<50\t<50");
  assert.deepStrictEqual(read(dir, "archive/by_day.tsv").split("\n")[1], "2023-11-14\t90\t80\t80");
  // 30 distinct IPs in all: the union, not 3 × "<50" summed (the reference) or 90.
  assert.deepStrictEqual(read(dir, "archive/requester_count.tsv"), "<50");
  assert.deepStrictEqual(JSON.parse(read(dir, "archive_totals.json")).total_number_of_requests, 80);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("countries: cloud regions are their real country, bare labels do not crash, placeholders are none", async () => {
  const dir = await cacheWith([
    ["ds/a", 1, "AWS/eu-west-1", 1, true], // Ireland, not "EU"
    ["ds/a", 2, "GCP/us-central1", 1, true], // United States, not "GCP"
    ["ds/a", 3, "US/California", 1, true],
    ["ds/a", 4, "CL", 1, true], // country only: the reference's dataset totals crash here
    ["ds/a", 5, "Valparaíso", 1, true], // region only: no country
    ["ds/a", 6, "VPN", 1, true],
    ["ds/a", 7, "bogon", 1, true],
    ["ds/a", 8, null, 1, true], // missing
  ]);
  await generateTotals({ cacheDirectory: dir });
  const totals = JSON.parse(read(dir, "totals.json")).ds;
  assert.deepStrictEqual(totals.number_of_unique_countries, 3); // IE, US, CL
  assert.deepStrictEqual(totals.number_of_unique_regions, 8);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a dataset named archive keeps its own folder; summaries replace stale ones", async () => {
  const dir = await cacheWith([["archive/x.json", 1, null, 5, true], [
    "ds/y.json",
    2,
    null,
    7,
    true,
  ]]);
  await generateArchiveSummaries({ cacheDirectory: dir });
  await generateSummaries({ cacheDirectory: dir });
  const names = (await Array.fromAsync(Deno.readDir(join(dir, "summaries")))).map((e) => e.name)
    .sort();
  // The dataset "archive" is written under an escaped name; the archive's own folder stays.
  assert.deepStrictEqual(names, [
    "%%61726368697665",
    "archive",
    "ds",
    "region_codes_to_coordinates.yaml",
  ]);
  assert.deepStrictEqual(
    read(dir, "%%61726368697665/by_asset.tsv").split("\n")[1],
    "x.json\t5\t<50\t<50",
  );
  assert.deepStrictEqual(
    read(dir, "archive/by_day.tsv").split("\n")[1],
    "2023-11-14\t12\t<50\t<50",
  );
  await generateTotals({ cacheDirectory: dir });
  assert.deepStrictEqual(Object.keys(JSON.parse(read(dir, "totals.json"))), ["archive", "ds"]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("the privacy minimum and modulo are options", async () => {
  const rows: [string, number, string | null, number, boolean][] = [];
  for (let i = 0; i < 12; i++) rows.push(["ds/x", i, null, 1, i < 7]);
  const dir = await cacheWith(rows);
  await generateSummaries({ cacheDirectory: dir, privacy: { minimum: 5, modulo: 5 } });
  assert.deepStrictEqual(read(dir, "ds/by_asset.tsv").split("\n")[1], "x\t12\t10\t5");
  assert.deepStrictEqual(read(dir, "ds/requester_count.tsv"), "10");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("dandiset by_asset.tsv lists contents in the mapping's order, one row each, as the plugin", async () => {
  const dir = await cacheWith([
    ["blobs/aaa/aaa/aaaa", 1, null, 10, true],
    ["blobs/bbb/bbb/bbbb", 2, null, 20, true],
    ["zarr/cccc", 3, null, 30, false],
    ["blobs/ddd/ddd/dddd", 4, null, 40, true],
    ["blobs/eee/eee/eeee", 5, null, 50, true],
    ["blobs/fff/fff/ffff", 6, null, 60, true],
  ]);
  // Mapping order: not path order; two contents (two versions) share one path.
  const mapping = {
    cccc: { "000001": "z/image.ome.zarr" },
    bbbb: { "000001": "b/second.nwb" },
    aaaa: { "000001": "a/first.nwb" },
    dddd: { "000001": "b/second.nwb" },
  };
  await generateDandisetSummaries({ cacheDirectory: dir, mapping });
  assert.deepStrictEqual(
    read(dir, "000001/by_asset.tsv").split("\n").map((row) => row.split("\t")[0]),
    [
      "asset_path",
      "z/image.ome.zarr",
      "b/second.nwb",
      "a/first.nwb",
      "b/second.nwb",
      "",
    ],
  );
  // Content the mapping does not know: one `undetermined` row per content, by key.
  assert.deepStrictEqual(
    read(dir, "undetermined/by_asset.tsv"),
    "asset_path\tbytes_sent\tnumber_of_requests\tnumber_of_downloads\n" +
      "undetermined\t50\t<50\t<50\nundetermined\t60\t<50\t<50\n",
  );
  // The weekly table still has one column per path.
  assert.deepStrictEqual(
    read(dir, "000001/by_asset_per_week.tsv").split("\n")[0],
    "week_start\ta/first.nwb\tb/second.nwb\tz/image.ome.zarr",
  );
});

Deno.test("stored times of any year (written by older versions) never alias into another dataset or crash", async () => {
  const dir = await cacheWith([["aaa/x", 1, null, 10, true], ["bbb/y", 2, null, 20, true]]);
  const db = openCacheDatabase(dir);
  // Year 2200 in dataset aaa (day 84,006: above the old 65,536-day packing) and 1900 in bbb.
  const blocks = new BlockWriter(db);
  blocks.push(1, 10, 1, Date.UTC(2200, 0, 1) / 1000, 5, 1, 1);
  blocks.push(1, 11, 2, Date.UTC(1900, 0, 1) / 1000, 7, 2, 1);
  blocks.flush();
  db.close();
  await generateSummaries({ cacheDirectory: dir });
  assert.deepStrictEqual(read(dir, "aaa/by_day.tsv").split("\n").slice(1, 3), [
    "2023-11-14\t10\t<50\t<50",
    "2200-01-01\t5\t<50\t<50",
  ]);
  assert.deepStrictEqual(read(dir, "bbb/by_day.tsv").split("\n").slice(1, 3), [
    "1900-01-01\t7\t<50\t<50",
    "2023-11-14\t20\t<50\t<50",
  ]);
});

Deno.test("labels with tabs, line breaks and quotes (from a service, or stored by older versions) are cleaned; the report reads what is published", async () => {
  const dir = await cacheWith([
    ['ds/say"hi".nwb', 1, "US/New\tYork", 10, true],
    ["ds/b.nwb", 2, "US/New York\r\n", 20, true],
    ["ds/c.nwb", 3, 'FR/"Île"\n', 30, true],
  ]);
  await generateSummaries({ cacheDirectory: dir });
  await generateTotals({ cacheDirectory: dir });
  await generateArchiveSummaries({ cacheDirectory: dir });
  await generateArchiveTotals({ cacheDirectory: dir });
  assert.deepStrictEqual(
    read(dir, "ds/by_region.tsv"),
    "region\tbytes_sent\tnumber_of_requests\tnumber_of_downloads\n" +
      'US/New York\t30\t<50\t<50\n"FR/""Île"""\t30\t<50\t<50\n',
  );
  assert.deepStrictEqual(
    read(dir, "ds/by_asset.tsv").split("\n")[3],
    '"say""hi"".nwb"\t10\t<50\t<50',
  );
  const report = await generateReport({ cacheDirectory: dir });
  // As a reader sees it: without the break points after "/", "_", "-" and ".".
  const html = (await Deno.readTextFile(report.path)).replaceAll("<wbr>", "");
  assert(html.includes("US/New York") && html.includes("FR/&quot;Île&quot;"), "labels shown");
  assert(html.includes("say&quot;hi&quot;.nwb"), "the quoted asset is read back whole");
});

Deno.test("summaries never vanish for a reader; what a killed run left beside them is repaired", async () => {
  const dir = await cacheWith([["ds/a", 1, null, 10, true], ["other/b", 2, null, 20, true]]);
  await generateSummaries({ cacheDirectory: dir });
  await generateTotals({ cacheDirectory: dir });
  await generateArchiveSummaries({ cacheDirectory: dir });
  const summaries = join(dir, "summaries");
  // A reader polling as often as the event loop lets it, through several runs.
  let misses = 0;
  let polls = 0;
  let running = true;
  const poll = async () => {
    while (running) {
      polls++;
      for (const file of ["ds/by_day.tsv", "archive/by_day.tsv", "totals.json"]) {
        if (!await Deno.stat(join(summaries, file)).then(() => true, () => false)) misses++;
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  const reader = poll();
  for (let i = 0; i < 5; i++) {
    await generateSummaries({ cacheDirectory: dir });
    await generateArchiveSummaries({ cacheDirectory: dir });
  }
  running = false;
  await reader;
  assert.deepStrictEqual(misses, 0, `${polls} polls`);

  // An older version killed between its two renames: summaries/ moved to summaries.old-*, a
  // half-written summaries.new-* beside it. The next run restores archive/ and totals.json.
  await Deno.rename(summaries, `${summaries}.old-0000dead`);
  await Deno.mkdir(`${summaries}.new-0000beef`);
  await Deno.writeTextFile(`${summaries}.new-0000beef/partial`, "");
  await generateSummaries({ cacheDirectory: dir });
  const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).filter((n) =>
    n.startsWith("summaries")
  );
  assert.deepStrictEqual(names, ["summaries"]);
  assert.deepStrictEqual(
    read(dir, "archive/by_day.tsv").split("\n")[1],
    "2023-11-14\t30\t<50\t<50",
  );
  assert.deepStrictEqual(Object.keys(JSON.parse(read(dir, "totals.json"))), ["ds", "other"]);
});

Deno.test("byte sums past 2^53 (9 PB) are exact in every file, as the archive's will soon be", async () => {
  // 2,001 requests of 5 TiB − 1 byte (odd, so a float sum would round): 11.0 PB in all.
  const each = 5 * 1024 ** 4 - 1;
  const rows: [string, number, string | null, number, boolean][] = [];
  for (let i = 0; i < 2001; i++) rows.push([`ds/${i % 3}.nwb`, i % 7, "US/Oregon", each, true]);
  const dir = await cacheWith(rows);
  await generateSummaries({ cacheDirectory: dir });
  await generateTotals({ cacheDirectory: dir });
  await generateArchiveSummaries({ cacheDirectory: dir });
  await generateArchiveTotals({ cacheDirectory: dir });
  const total = BigInt(each) * 2001n; // 11,000,718,335,576,879
  const exact = (text: string) => /(\d{16,})/.exec(text)?.[1];
  assert.deepStrictEqual(exact(read(dir, "archive_totals.json")), String(total));
  assert.deepStrictEqual(exact(read(dir, "totals.json")), String(total));
  assert.deepStrictEqual(exact(read(dir, "ds/by_region.tsv")), String(total));
  assert.deepStrictEqual(exact(read(dir, "archive/by_region.tsv")), String(total));
  // Per asset: 667 requests each, below 2^53: plain numbers.
  assert.deepStrictEqual(
    read(dir, "ds/by_asset.tsv").split("\n")[1],
    `0.nwb\t${667 * each}\t660\t660`,
  );
  // Per day (all on 2023-11-14, one request a second): exact too.
  const days = read(dir, "ds/by_day.tsv").split("\n").slice(1, -1).map((r) =>
    BigInt(r.split("\t")[1])
  );
  assert.deepStrictEqual(days.reduce((a, b) => a + b, 0n), total);
});

Deno.test("requests an older version stored past 2^53 bytes, as infinity or outside S3's era are quarantined on upgrade; every step runs", async () => {
  const dir = await cacheWith([["ds/a.nwb", 1, null, 10, true], ["ds/b.nwb", 2, null, 20, true]]);
  let db = openCacheDatabase(dir);
  db.exec(`INSERT INTO log_files (id, path, size, mtime, status, lines_kept, updated_at)
    VALUES (1, 'log', 1, 1, 'done', 6, 'now')`);
  // The rows of a cache of schema 4 (moved into blocks when it is upgraded).
  db.exec(`CREATE TABLE requests (file_id INTEGER NOT NULL, line INTEGER NOT NULL,
    object_id INTEGER NOT NULL, time INTEGER NOT NULL, bytes_sent INTEGER NOT NULL,
    ip_index INTEGER NOT NULL, download INTEGER NOT NULL)`);
  db.exec(`INSERT INTO requests VALUES
    (1, 3, 1, 1700000000, 9007199254740993, 1, 1),
    (1, 4, 1, 1700000000, 1e400, 1, 1),
    (1, 5, 2, ${Date.UTC(1900, 0, 1) / 1000}, 7, 2, 1),
    (1, 6, 2, ${Date.UTC(2200, 0, 1) / 1000}, 7, 2, 1)`);
  // As a cache of schema 4 reads: node:sqlite refuses the integer past 2^53.
  assert(/too large/.test(String((() => {
    try {
      return db.prepare("SELECT sum(bytes_sent) FROM requests WHERE line = 3").get();
    } catch (error) {
      return error;
    }
  })())));
  db.exec("UPDATE meta SET value = '4' WHERE name = 'schema_version'");
  db.close();
  db = openCacheDatabase(dir);
  assert.deepStrictEqual(
    db.prepare("SELECT line, reason FROM quarantine ORDER BY line").all().map((r) => ({ ...r })),
    [
      { line: 3, reason: "implausible_bytes" },
      { line: 4, reason: "implausible_bytes" },
      { line: 5, reason: "time_out_of_range" },
      { line: 6, reason: "time_out_of_range" },
    ],
  );
  assert.deepStrictEqual(
    { ...db.prepare("SELECT lines_kept, lines_malformed FROM log_files").get() },
    { lines_kept: 2, lines_malformed: 4 },
  );
  assert.deepStrictEqual(countRequests(db), 2);
  db.close();
  await generateSummaries({ cacheDirectory: dir });
  await generateArchiveTotals({ cacheDirectory: dir });
  assert.deepStrictEqual(read(dir, "ds/by_day.tsv").split("\n").slice(1, -1), [
    "2023-11-14\t30\t<50\t<50",
  ]);
});

Deno.test("names that a spreadsheet would run as formulas are published as they are (data for programs, as the plugin writes them)", async () => {
  const key = 'ds/=HYPERLINK("http://x";"y").nwb';
  const dir = await cacheWith([[key, 1, null, 10, true], ["+ds/@a.nwb", 2, null, 5, true]]);
  await generateSummaries({ cacheDirectory: dir });
  // Quoted as pandas quotes a field holding quotes.
  assert.deepStrictEqual(
    read(dir, "ds/by_asset.tsv").split("\n")[1],
    `"=HYPERLINK(""http://x"";""y"").nwb"\t10\t<50\t<50`,
  );
  assert.deepStrictEqual(read(dir, "+ds/by_asset.tsv").split("\n")[1], "@a.nwb\t5\t<50\t<50");
});

Deno.test("all, stopped before writing: nothing is written, and each of its four steps is recorded as stopped", async () => {
  const dir = await cacheWith([["a/x", 1, null, 1, true], ["b/y", 2, null, 1, false]]);
  const stopped = new AbortController();
  stopped.abort();
  await assert.rejects(
    () => generateSummaries({ cacheDirectory: dir, all: true, signal: stopped.signal }),
    StoppedError,
  );
  const written = await Array.fromAsync(Deno.readDir(join(dir, "summaries"))).catch(() => []);
  assert.deepStrictEqual(written, []);
  const db = openCacheDatabase(dir);
  const runs = db.prepare("SELECT command, outcome FROM runs ORDER BY id").all()
    .map((row) => `${row.command} ${row.outcome}`);
  db.close();
  assert.deepStrictEqual(runs, [
    "generate_summaries stopped",
    "generate_totals stopped",
    "generate_archive_summaries stopped",
    "generate_archive_totals stopped",
  ]);
  // Run again, it writes them all.
  const result = await generateSummaries({ cacheDirectory: dir, all: true });
  assert.deepStrictEqual(result.also?.map((step) => step.command), [
    "generate_totals",
    "generate_archive_summaries",
    "generate_archive_totals",
  ]);
  assert.deepStrictEqual(
    JSON.parse(read(dir, "archive_totals.json")).total_number_of_requests,
    "<50",
  );
  await Deno.remove(dir, { recursive: true });
});
