import { join } from "node:path";
import assert from "node:assert/strict";
import { generateReport } from "./generate_report.ts";
import { renderReport } from "./report_html.ts";
import { renderPeriodPage } from "./period_page.ts";
import { formatBytes } from "./byte_units.ts";
import { escapeHtml } from "./html_text.ts";
import { safeFolderName } from "../key_path.ts";
import { SUMMARY_RESERVED_NAMES } from "../summaries/generate_summaries.ts";

const totals = (bytes: number, requests: number | string) => ({
  number_of_requesters: "<50",
  number_of_unique_countries: 1,
  number_of_unique_regions: 2,
  total_bytes_sent: bytes,
  total_number_of_downloads: "<50",
  total_number_of_requests: requests,
});
const HEADER = "date\tbytes_sent\tnumber_of_requests\tnumber_of_downloads\n";

Deno.test("names from the logs are escaped, and nothing is loaded from anywhere", () => {
  const hostile = `ds"><script>alert(1)</script>`;
  const day = { key: "2024-01-01", bytes: 10, requests: "<50", downloads: "<50" };
  const html = renderReport(
    {
      totals: totals(10, "<50"),
      byDay: [day],
      byRegion: [{ ...day, key: "<b>Region</b>" }],
      datasets: [{
        name: hostile,
        folder: "ds_hostile",
        totals: totals(10, "<50"),
        byDay: [day],
        byRegion: [{ ...day, key: "<b>Region</b>" }],
        assets: [{ ...day, key: "a'<i>" }],
      }],
    },
    { coordinates: new Map(), generatedAt: new Date(0) },
  );
  assert.deepStrictEqual(html.includes("<script"), false);
  assert.deepStrictEqual(html.includes("<b>Region"), false);
  assert.deepStrictEqual(html.includes("ds&quot;&gt;&lt;script&gt;"), true);
  assert.deepStrictEqual(html.includes("a&#39;&lt;i&gt;"), true);
  for (const reference of [/\ssrc=/, /url\(/, /@import/, /<link/]) {
    assert.deepStrictEqual(reference.test(html), false, `${reference} in the page`);
  }
  // Links only to the report's own pages and the published files beside it, never elsewhere.
  const links = [...html.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1]);
  assert(links.length > 0);
  for (const link of links) {
    assert.match(
      link,
      /^(all_datasets\.html|last_(30_days|12_months)\.html|datasets\/[^/:]+\.html|\.\.\/summaries\/[^:]+)$/,
    );
  }
  const urls = html.match(/https?:\/\/[^"'\s<]+/g) ?? [];
  assert.deepStrictEqual([...new Set(urls)], ["http://www.w3.org/2000/svg"]); // a namespace, not a request
});

Deno.test("the report of 1,000 datasets over a year stays under 2 MB, every page bounded", async () => {
  const cacheDirectory = await Deno.makeTempDir();
  const summaries = join(cacheDirectory, "summaries");
  const all: Record<string, unknown> = {};
  const days = Array.from(
    { length: 365 },
    (_, i) => new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10),
  );
  for (let d = 0; d < 1000; d++) {
    const name = `ds${String(d).padStart(6, "0")}`;
    all[name] = totals(1e9 + d, 60);
    await Deno.mkdir(join(summaries, name), { recursive: true });
    const byDay = days.filter((_, i) => (i + d) % 3 === 0).map((day) =>
      `${day}\t${d * 1000}\t<50\t<50\n`
    );
    await Deno.writeTextFile(join(summaries, name, "by_day.tsv"), HEADER + byDay.join(""));
    const assets = Array.from(
      { length: 200 },
      (_, a) => `sub-${a}/file.nwb\t${a * 77}\t<50\t<50\n`,
    );
    await Deno.writeTextFile(join(summaries, name, "by_asset.tsv"), HEADER + assets.join(""));
  }
  await Deno.mkdir(join(summaries, "archive"));
  await Deno.writeTextFile(join(summaries, "totals.json"), JSON.stringify(all));
  await Deno.writeTextFile(
    join(summaries, "archive_totals.json"),
    JSON.stringify(totals(1e12, 60000)),
  );
  await Deno.writeTextFile(
    join(summaries, "archive", "by_day.tsv"),
    HEADER + days.map((day) => `${day}\t${1e9}\t1000\t500\n`).join(""),
  );
  await Deno.writeTextFile(
    join(summaries, "archive", "by_region.tsv"),
    HEADER + "US/Ohio\t5\t<50\t<50\n",
  );
  const result = await generateReport({ cacheDirectory });
  assert.deepStrictEqual(result.datasets, 1000);
  assert(result.bytes < 2_000_000, `${result.bytes} bytes`);
  const html = await Deno.readTextFile(result.path);
  // The overview lists the 100 largest; the list beside it has all, the datasets' own pages too.
  assert.deepStrictEqual(html.match(/<svg class="spark"/g)?.length, 100);
  const list = await Deno.readTextFile(join(cacheDirectory, "report", "all_datasets.html"));
  assert.deepStrictEqual(list.match(/<a href="datasets\/ds\d{6}\.html">/g)?.length, 1000);
  assert(list.length < 500_000, `the list of 1,000 is ${list.length} bytes`);
  const pages = await Array.fromAsync(Deno.readDir(join(cacheDirectory, "report", "datasets")));
  assert.deepStrictEqual(pages.length, 1000);
  for (const page of pages) {
    const { size } = await Deno.stat(join(cacheDirectory, "report", "datasets", page.name));
    assert(size < 200_000, `${page.name}: ${size} bytes`);
  }
  // The archive's bytes, requests and downloads, and the 10 largest datasets' bytes.
  assert.deepStrictEqual(html.match(/<svg class="chart"/g)?.length, 13);
  // The period pages list the 100 datasets with the most bytes in the period.
  for (const file of ["last_30_days.html", "last_12_months.html"]) {
    const page = await Deno.readTextFile(join(cacheDirectory, "report", file));
    assert.deepStrictEqual(page.match(/<a href="datasets\/ds\d{6}\.html">/g)?.length, 100, file);
    assert(page.length < 100_000, `${file} is ${page.length} bytes`);
  }
  // The period pages list the 100 datasets with the most bytes in the period.
  for (const file of ["last_30_days.html", "last_12_months.html"]) {
    const page = await Deno.readTextFile(join(cacheDirectory, "report", file));
    assert.deepStrictEqual(page.match(/<a href="datasets\/ds\d{6}\.html">/g)?.length, 100, file);
    assert(page.length < 100_000, `${file} is ${page.length} bytes`);
  }
  await Deno.remove(cacheDirectory, { recursive: true });
});

Deno.test("without dataset summaries (dandi mode, no mapping) the report shows the archive", async () => {
  const cacheDirectory = await Deno.makeTempDir();
  const summaries = join(cacheDirectory, "summaries");
  await Deno.mkdir(join(summaries, "archive"), { recursive: true });
  await Deno.writeTextFile(
    join(summaries, "archive_totals.json"),
    JSON.stringify(totals(5, "<50")),
  );
  await Deno.writeTextFile(
    join(summaries, "archive", "by_day.tsv"),
    HEADER + "2024-01-01\t5\t<50\t<50\n",
  );
  await Deno.writeTextFile(join(summaries, "archive", "by_region.tsv"), HEADER);
  const result = await generateReport({ cacheDirectory });
  assert.deepStrictEqual([result.datasets, result.regionsOnMap], [0, 0]);
  assert.deepStrictEqual((await Deno.readTextFile(result.path)).includes("0 datasets"), true);
  await Deno.remove(cacheDirectory, { recursive: true });
});

Deno.test("before any region lookup the page says what is missing and how to get it; keys are shown decoded and escaped", () => {
  const day = { key: "2024-01-01", bytes: 10, requests: "<50", downloads: "<50" };
  const data = (regions: string[]) => ({
    totals: { ...totals(10, "<50"), number_of_unique_countries: 0, number_of_unique_regions: 1 },
    byDay: [day],
    byRegion: regions.map((key) => ({ ...day, key })),
    datasets: [{
      name: "ds1",
      folder: "ds1",
      byRegion: [],
      totals: totals(10, "<50"),
      byDay: [day],
      assets: [{ ...day, key: "donn%25C3%25A9es/%253Cscript%253Ealert(1)%253C%252Fscript%253E" }],
    }],
  });
  const cards = (html: string) =>
    [...html.matchAll(/<div class="card">([^<]+)<b>(.*?)<\/b>/g)].map((m) => [m[1], m[2]]);
  const before = renderReport(data(["missing"]), {
    coordinates: new Map(),
    generatedAt: new Date(0),
  });
  assert.match(before, /No requester has a region yet.*IPINFO_API_KEY.*--geo-db/s);
  assert.deepStrictEqual(cards(before).slice(4), [
    ["Countries", '<span class="muted">not known yet</span>'],
    ["Regions", '<span class="muted">not known yet</span>'],
  ]);
  // The asset's name decoded, its markup escaped, never run.
  assert(before.includes("ds1/<wbr>données/<wbr>&lt;script&gt;alert(1)&lt;/<wbr>script&gt;"));
  assert(!before.includes("<script"));
  const labelled = renderReport(data(["FR/Grand Est", "missing"]), {
    coordinates: new Map(),
    generatedAt: new Date(0),
  });
  assert.doesNotMatch(labelled, /No requester has a region yet/);
  assert.match(labelled, /No region has coordinates yet.*OPENCAGE_API_KEY/s);
  assert.deepStrictEqual(cards(labelled)[4], ["Countries", "0"]);
  const placed = renderReport(data(["FR/Grand Est"]), {
    coordinates: new Map([["FR/Grand Est", [48.58, 7.75]]]),
    generatedAt: new Date(0),
  });
  assert.doesNotMatch(placed, /class="notice"/);
});

Deno.test("a page per dataset, linked from the overview; hostile names stay text and links stay inside", async () => {
  const cacheDirectory = await Deno.makeTempDir();
  const summaries = join(cacheDirectory, "summaries");
  const names = ["ds1", `x"><script>alert(1)</script>`, "javascript:alert(1)", "../up"];
  const all: Record<string, unknown> = {};
  for (const [i, name] of names.entries()) {
    all[name] = totals(1000 * (i + 1), 60 * (i + 1));
  }
  await Deno.mkdir(join(summaries, "archive"), { recursive: true });
  await Deno.writeTextFile(join(summaries, "totals.json"), JSON.stringify(all));
  await Deno.writeTextFile(
    join(summaries, "archive_totals.json"),
    JSON.stringify(totals(10000, 600)),
  );
  await Deno.writeTextFile(
    join(summaries, "archive", "by_day.tsv"),
    HEADER + "2024-01-01\t10000\t600\t<50\n",
  );
  await Deno.writeTextFile(
    join(summaries, "archive", "by_region.tsv"),
    HEADER +
      "FR/Grand Est\t10000\t600\t<50\nAWS/eu-west-3\t2000\t60\t<50\nFR/Bretagne\t500\t<50\t<50\n",
  );
  // The summaries' own folder names for them (safe on any file system).
  for (const [i, name] of names.entries()) {
    const folder = join(summaries, safeFolderName(name, SUMMARY_RESERVED_NAMES));
    await Deno.mkdir(folder, { recursive: true });
    await Deno.writeTextFile(
      join(folder, "by_day.tsv"),
      HEADER + `2024-01-01\t${1000 * (i + 1)}\t<50\t<50\n`,
    );
    await Deno.writeTextFile(
      join(folder, "by_region.tsv"),
      HEADER + `FR/Grand Est\t${1000 * (i + 1)}\t<50\t<50\n`,
    );
    await Deno.writeTextFile(
      join(folder, "by_asset.tsv"),
      HEADER +
        `a.nwb\t${600 * (i + 1)}\t${60 * (i + 1)}\t<50\n<i>b%2520c.nwb\t${
          400 * (i + 1)
        }\t<50\t<50\n`,
    );
  }
  const result = await generateReport({ cacheDirectory });
  const overview = await Deno.readTextFile(result.path);
  // The overview's numbers are the published ones: its cards, its datasets' and regions' rows.
  const text = (html: string) => html.replaceAll("<wbr>", "").replace(/<[^>]+>/g, "");
  const cells = (html: string, caption: string) => {
    const table = html.slice(html.indexOf(caption));
    return [...table.slice(0, table.indexOf("</table>")).matchAll(/<tr>(.*?)<\/tr>/g)].slice(1)
      .map((row) => [...row[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((cell) => text(cell[1])));
  };
  const shown = (value: number | string) =>
    typeof value === "number" ? value.toLocaleString("en-US") : escapeHtml(value);
  const datasetRows = cells(overview, "datasets, most bytes first").map((row) => row.slice(0, 5));
  const published = Object.entries(all as Record<string, ReturnType<typeof totals>>)
    .sort(([, a], [, b]) => b.total_bytes_sent - a.total_bytes_sent)
    .map(([name, t]) => [
      escapeHtml(name),
      formatBytes(t.total_bytes_sent),
      shown(t.total_number_of_requests),
      shown(t.total_number_of_downloads),
      shown(t.number_of_requesters),
    ]);
  assert.deepStrictEqual(datasetRows, published);
  assert.deepStrictEqual(cells(overview, "Regions, most bytes first"), [
    ["FR/Grand Est", formatBytes(10000), "600", "&lt;50"],
    ["AWS/eu-west-3", formatBytes(2000), "60", "&lt;50"],
    ["FR/Bretagne", formatBytes(500), "&lt;50", "&lt;50"],
  ]);
  // Countries: the published bytes of their regions added up; a cloud kept apart.
  assert.deepStrictEqual(cells(overview, "Countries, most bytes first"), [
    ["FR", formatBytes(10500), "2"],
    ["AWS", formatBytes(2000), "1"],
  ]);
  // The cards are archive_totals.json.
  const overviewCards = Object.fromEntries(
    [...overview.matchAll(/<div class="card">([^<]+)<b>(.*?)<\/b>/g)].map((m) => [m[1], m[2]]),
  );
  assert.deepStrictEqual(overviewCards, {
    "Bytes sent": formatBytes(10000),
    Requests: "600",
    Downloads: "&lt;50",
    Requesters: "&lt;50",
    Countries: "1",
    Regions: "2",
  });
  assert.deepStrictEqual(cells(overview, "Bytes sent by period")[2], [
    "all time",
    "2024-01-01 to 2024-01-01",
    formatBytes(10000),
    "",
    "",
  ]);
  const links = [...overview.matchAll(/\shref="(datasets\/[^"]+)"/g)].map((m) => m[1]);
  assert.deepStrictEqual(new Set(links).size, names.length);
  for (const link of new Set(links)) {
    const page = await Deno.readTextFile(join(cacheDirectory, "report", decodeURIComponent(link)));
    assert(!/<script|<i>/.test(page), `${link}: markup from a name stays text`);
    for (const [, href] of page.matchAll(/\shref="([^"]*)"/g)) {
      assert.match(href, /^(\.\.\/index\.html|\.\.\/\.\.\/summaries\/[^:]+)$/, `${link}: ${href}`);
    }
    // Its numbers are the published ones: the cards from totals.json, the assets from by_asset.tsv.
    const name = names.find((n) => page.includes(`<title>${escapeHtml(n)}:`));
    assert(name !== undefined, `${link} names its dataset`);
    const i = names.indexOf(name);
    const cards = Object.fromEntries(
      [...page.matchAll(/<div class="card">([^<]+)<b>(.*?)<\/b>/g)].map((m) => [m[1], m[2]]),
    );
    assert.deepStrictEqual([cards["Bytes sent"], cards["Requests"]], [
      formatBytes(1000 * (i + 1)),
      String(60 * (i + 1)),
    ]);
    const rows = [
      ...page.matchAll(/<tr><td>([^<]*(?:<wbr>[^<]*)*)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td>/g),
    ]
      .map((m) => [m[1].replaceAll("<wbr>", ""), m[2], m[3]]);
    assert.deepStrictEqual(rows.filter(([key]) => key.endsWith(".nwb")), [
      ["a.nwb", formatBytes(600 * (i + 1)), String(60 * (i + 1))],
      ["&lt;i&gt;b c.nwb", formatBytes(400 * (i + 1)), "&lt;50"],
    ]);
    // Its daily counts are all under the minimum: said, and no empty chart drawn.
    assert.match(
      page,
      /Requests: every day is published as under the privacy minimum \(“&lt;50”\)/,
    );
    assert.deepStrictEqual(page.match(/<svg class="chart"/g)?.length, 1, "only the bytes' chart");
    // Its regions and countries are its by_region.tsv.
    assert.deepStrictEqual(cells(page, "Regions, most bytes first"), [
      ["FR/Grand Est", formatBytes(1000 * (i + 1)), "&lt;50", "&lt;50"],
    ]);
    assert.deepStrictEqual(cells(page, "Countries, most bytes first"), [
      ["FR", formatBytes(1000 * (i + 1)), "1"],
    ]);
  }
  // The period pages are written beside the overview, which links to them.
  for (const file of ["last_30_days.html", "last_12_months.html"]) {
    assert(overview.includes(`href="${file}"`));
    const page = await Deno.readTextFile(join(cacheDirectory, "report", file));
    assert(page.includes(`<div class="card">Bytes sent<b>${formatBytes(10000)}</b>`), file);
  }
  await Deno.remove(cacheDirectory, { recursive: true });
});

Deno.test("titles from a titles file are shown under the names, escaped; a bad file is named", async () => {
  const cacheDirectory = await Deno.makeTempDir();
  const summaries = join(cacheDirectory, "summaries");
  await Deno.mkdir(join(summaries, "archive"), { recursive: true });
  await Deno.mkdir(join(summaries, "ds1"));
  await Deno.writeTextFile(join(summaries, "totals.json"), JSON.stringify({ ds1: totals(5, 60) }));
  await Deno.writeTextFile(join(summaries, "archive_totals.json"), JSON.stringify(totals(5, 60)));
  for (const file of ["archive/by_day.tsv", "ds1/by_day.tsv"]) {
    await Deno.writeTextFile(join(summaries, file), HEADER + "2024-01-01\t5\t60\t<50\n");
  }
  await Deno.writeTextFile(join(summaries, "archive", "by_region.tsv"), HEADER);
  await Deno.writeTextFile(join(summaries, "ds1", "by_asset.tsv"), HEADER);
  const titles = join(cacheDirectory, "titles.json");
  await Deno.writeTextFile(
    titles,
    JSON.stringify({ ds1: `Mice <img src=x onerror=alert(1)> & "rats"` }),
  );
  await generateReport({ cacheDirectory, titles });
  const shownTitle = "Mice &lt;img src=x onerror=alert(1)&gt; &amp; &quot;rats&quot;";
  for (const page of ["index.html", "all_datasets.html", "datasets/ds1.html"]) {
    const html = await Deno.readTextFile(join(cacheDirectory, "report", page));
    assert(html.includes(shownTitle), `${page} shows the title`);
    assert(!html.includes("<img"), `${page} never holds its markup`);
  }
  await Deno.writeTextFile(titles, "[1, 2]");
  await assert.rejects(
    () => generateReport({ cacheDirectory, titles }),
    /titles file .*titles\.json is not a JSON object\. Give a JSON object of dataset name → title/,
  );
  await Deno.remove(cacheDirectory, { recursive: true });
});

Deno.test("the period pages and the charts show the published bytes of their days", () => {
  // 14 months of days (every third one has requests), split between two datasets.
  type Day = { key: string; bytes: number; requests: string; downloads: string };
  const byDay: Day[] = [];
  const ds1: Day[] = [];
  const ds2: Day[] = [];
  for (let t = Date.UTC(2023, 0, 1); t <= Date.UTC(2024, 2, 10); t += 3 * 86_400_000) {
    const key = new Date(t).toISOString().slice(0, 10);
    const bytes = 1_000_000 + (t / 86_400_000 % 97) * 12_345;
    byDay.push({ key, bytes, requests: "<50", downloads: "<50" });
    ds1.push({ key, bytes: Math.round(bytes * 2 / 3), requests: "<50", downloads: "<50" });
    ds2.push({ key, bytes: bytes - Math.round(bytes * 2 / 3), requests: "<50", downloads: "<50" });
  }
  const dataset = (name: string, days: Day[]) => ({
    name,
    folder: name,
    totals: totals(days.reduce((sum, d) => sum + d.bytes, 0), "<50"),
    byDay: days,
    byRegion: [],
    assets: [],
  });
  const data = {
    totals: totals(byDay.reduce((sum, d) => sum + d.bytes, 0), "<50"),
    byDay,
    byRegion: [],
    datasets: [dataset("ds1", ds1), dataset("ds2", ds2)],
  };
  const context = { coordinates: new Map(), generatedAt: new Date("2024-03-11T00:00:00Z") };
  // An independent reading: the days of a period, counted back from the last day with requests.
  const lastDay = new Date(`${byDay[byDay.length - 1].key}T00:00:00Z`);
  const daysBack = (from: number, to: number) => {
    const keys = new Set<string>();
    for (let i = from; i < to; i++) {
      keys.add(new Date(lastDay.getTime() - i * 86_400_000).toISOString().slice(0, 10));
    }
    return keys;
  };
  const sum = (days: Day[], keys: Set<string>) =>
    days.filter((d) => keys.has(d.key)).reduce((total, d) => total + d.bytes, 0);
  const text = (html: string) => html.replaceAll("<wbr>", "").replace(/<[^>]+>/g, "");
  for (const days of [30, 365]) {
    const file = days === 30 ? "last_30_days.html" : "last_12_months.html";
    const name = days === 30 ? "Last 30 days" : "Last 12 months";
    const html = renderPeriodPage(data, context, { name, file, days });
    const now = daysBack(0, days);
    const before = daysBack(days, 2 * days);
    const cards = Object.fromEntries(
      [...html.matchAll(/<div class="card">([^<]+)<b>(.*?)<\/b>/g)].map((m) => [m[1], m[2]]),
    );
    assert.deepStrictEqual(cards["Bytes sent"], formatBytes(sum(byDay, now)), name);
    assert.deepStrictEqual(cards[`The ${days} days before`], formatBytes(sum(byDay, before)));
    const table = html.slice(html.indexOf("<tbody>"), html.indexOf("</tbody>"));
    const rows = [...table.matchAll(/<tr>(.*?)<\/tr>/g)].map((row) =>
      [...row[1].matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((cell) => text(cell[1]))
    );
    const expected = ([["ds1", ds1], ["ds2", ds2]] as [string, Day[]][]).map(([n, d]) => {
      const [b, p] = [sum(d, now), sum(d, before)];
      const change = p === 0
        ? "new"
        : `${b >= p ? "+" : "−"}${Math.abs((b / p - 1) * 100).toFixed(0)} %`;
      return [n, formatBytes(b), formatBytes(p), change];
    });
    assert.deepStrictEqual(rows, expected, name);
    // The chart: one bar per day of the 30 days, per Monday-to-Sunday week of the 12 months.
    const bars = [...html.matchAll(/<title>(\d{4}-\d\d-\d\d): ([^<]+)<\/title>/g)];
    const bins = new Map<string, number>();
    for (const key of [...now].sort()) {
      const date = new Date(`${key}T00:00:00Z`);
      if (days === 365) date.setUTCDate(date.getUTCDate() - (date.getUTCDay() + 6) % 7);
      const start = date.toISOString().slice(0, 10);
      bins.set(start, (bins.get(start) ?? 0) + sum(byDay, new Set([key])));
    }
    assert.deepStrictEqual(
      bars.map((m) => [m[1], m[2]]),
      [...bins].map(([start, bytes]) => [start, formatBytes(bytes)]),
      name,
    );
  }
  // The overview links to both, and its chart's bars are the weeks of all the days.
  const overview = renderReport(data, context);
  assert(overview.includes('<a href="last_30_days.html">Last 30 days</a>'));
  assert(overview.includes('<strong aria-current="page">All time</strong>'));
  const archive = overview.slice(0, overview.indexOf("</svg>"));
  const weeks = new Map<string, number>();
  for (const d of byDay) {
    const date = new Date(`${d.key}T00:00:00Z`);
    date.setUTCDate(date.getUTCDate() - (date.getUTCDay() + 6) % 7);
    const start = date.toISOString().slice(0, 10);
    weeks.set(start, (weeks.get(start) ?? 0) + d.bytes);
  }
  const shown = [...archive.matchAll(/<title>(\d{4}-\d\d-\d\d): ([^<]+)<\/title>/g)]
    .filter((m) => weeks.has(m[1]) || m[2] !== formatBytes(0))
    .map((m) => [m[1], m[2]]);
  assert.deepStrictEqual(shown, [...weeks].map(([start, bytes]) => [start, formatBytes(bytes)]));
});
