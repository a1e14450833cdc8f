import assert from "node:assert/strict";
import { archiveActivitySections, datasetActivitySection } from "./activity_sections.ts";
import type { DatasetReport } from "./report_data.ts";
import {
  type ActivityReport,
  type ClientKindRow,
  type DeliveryRow,
  type DeliveryTotals,
  type OperationRow,
  sumColumns,
} from "./published_activity.ts";

const TOTALS = {
  number_of_requesters: "<50",
  number_of_unique_countries: 1,
  number_of_unique_regions: 1,
  total_bytes_sent: 5000,
  total_number_of_downloads: "<50",
  total_number_of_requests: "<50",
};
const NO_DELIVERY = {
  number_of_assets_with_size: 0,
  delivery_ratio_p50: null,
  bytes_weighted_delivery_ratio: null,
};

function failing(day: string, statusClass: string, requests: number | string): OperationRow {
  return { day, operation: "download", statusClass, requests, bytes: 0 };
}

function dataset(name: string, byOperation: OperationRow[]): DatasetReport {
  return {
    name,
    folder: name,
    totals: TOTALS,
    byDay: [{ key: "2024-01-01", bytes: 5000, requests: "<50", downloads: "<50" }],
    byRegion: [],
    assets: [],
    activity: activityOf({ byOperation, byClientKind: [], deliveryTotals: NO_DELIVERY }),
  };
}

/** An activity as the report reads it from files of these rows (the archive's: rows kept). */
function activityOf(
  { byOperation, byClientKind, deliveryTotals, delivery }: {
    byOperation: OperationRow[];
    byClientKind: ClientKindRow[];
    deliveryTotals: DeliveryTotals;
    delivery?: DeliveryRow[];
  },
): ActivityReport {
  const operations = byOperation.map((
    r,
  ) => [r.day, r.operation, r.statusClass, String(r.requests), String(r.bytes)]);
  const kinds = byClientKind.map((r) => [r.day, r.kind, String(r.requests), String(r.bytes)]);
  return {
    operations: sumColumns(operations, { key: 1, keyEnd: 2, requests: 3, bytes: 4 }),
    kinds: sumColumns(kinds, { key: 1, keyEnd: 1, requests: 2, bytes: 3 }),
    deliveryTotals,
    byOperation,
    byClientKind,
    ...(delivery === undefined ? {} : { delivery }),
  };
}

const RANGE = { first: "2024-01-01", last: "2024-01-03" };

Deno.test("failed requests: datasets ranked by their published sums, hidden days marked as lower bounds", () => {
  const archive: ActivityReport = activityOf({
    byOperation: [failing("2024-01-01", "4xx", 80), failing("2024-01-02", "5xx", "<50")],
    byClientKind: [],
    deliveryTotals: NO_DELIVERY,
    delivery: [],
  });
  const html = archiveActivitySections({
    totals: TOTALS,
    byDay: [],
    byRegion: [],
    activity: archive,
    datasets: [
      dataset("few", [failing("2024-01-01", "4xx", 60)]),
      dataset("many", [
        failing("2024-01-01", "4xx", 60),
        failing("2024-01-02", "4xx", "<50"),
        failing("2024-01-03", "5xx", 100),
      ]),
      dataset("hidden", [failing("2024-01-01", "4xx", "<50")]),
      dataset("<script>", [failing("2024-01-01", "4xx", 40)]),
    ],
  }, RANGE);
  const rows = [
    ...html.matchAll(
      /<tr><td><a href="datasets\/[^"]+">([^<]+)<\/a><\/td><td>([^<]*)<\/td><td>(.*?)<\/td><\/tr>/g,
    ),
  ]
    .map((m) => m.slice(1));
  // "hidden" has nothing above the minimum: not listed; "many" has a hidden day: "≥".
  assert.deepStrictEqual(rows, [
    ["many", "≥ 60", "100"],
    ["few", "60", "0"],
    ["&lt;script&gt;", "40", "0"],
  ]);
  assert(!html.includes("<script>"), "names are escaped");
  // The archive's chart counts the published days (80), the hidden one adds nothing.
  assert.match(
    html,
    /Failed requests \(4xx, 5xx\) \(per day\)<\/title><desc[^>]*>Bars per day from 2024-01-01 to 2024-01-03: 80 in total/,
  );
});

Deno.test("streamed or downloaded: told only when both counts are published; kinds by bytes", () => {
  const archive: ActivityReport = activityOf({
    byOperation: [{
      day: "2024-01-02",
      operation: "upload",
      statusClass: "2xx",
      requests: 60,
      bytes: 7000,
    }],
    byClientKind: [
      { day: "2024-01-01", kind: "browser", requests: 60, bytes: 1000, downloads: "<50" },
      { day: "2024-01-02", kind: "library", requests: "<50", bytes: 2000, downloads: "<50" },
      { day: "2024-01-03", kind: "library", requests: 80, bytes: 1000, downloads: 60 },
    ],
    deliveryTotals: {
      number_of_assets_with_size: 3,
      delivery_ratio_p50: 0.25,
      bytes_weighted_delivery_ratio: 0.5,
    },
    delivery: [
      { key: "a", ratio: 0.1, bytes: 10, fullDownloads: 60, partialRequests: 400 },
      { key: "b", ratio: 2, bytes: 10, fullDownloads: 120, partialRequests: 60 },
      { key: "c", ratio: undefined, bytes: 10, fullDownloads: "<50", partialRequests: 400 },
    ],
  });
  const html = archiveActivitySections({
    totals: TOTALS,
    byDay: [],
    byRegion: [],
    activity: archive,
    datasets: [dataset("a", []), dataset("b", []), dataset("c", [])],
  }, RANGE);
  const verdicts = [...html.matchAll(/<td>(streamed|downloaded whole|—)<\/td><\/tr>/g)].map((m) =>
    m[1]
  );
  assert.deepStrictEqual(verdicts, ["streamed", "downloaded whole", "—"]);
  assert(html.includes("<td>0.10</td>") && html.includes("0.50 (bytes-weighted)"));
  // library: 3000 bytes (75 %), requests 80 and a hidden day; browser: 1000 bytes (25 %).
  assert(html.includes("<tr><td>library</td><td>≥ 80</td><td>3.00 KB</td><td>75.0 %</td></tr>"));
  assert(html.includes("<tr><td>browser</td><td>60</td><td>1.00 KB</td><td>25.0 %</td></tr>"));
  assert.deepStrictEqual(html.match(/class="small-chart"/g)?.length, 2, "a chart per kind");
  assert.match(
    html,
    /Bytes received by uploads \(per day\)<\/title><desc[^>]*>[^<]*7\.00 KB in total/,
  );
});

Deno.test("summaries without activity files: the overview says how to get them, a dataset page leaves it out", () => {
  const html = archiveActivitySections(
    { totals: TOTALS, byDay: [], byRegion: [], datasets: [] },
    RANGE,
  );
  assert.match(html, /have no activity files.*run\s+the summary steps/s);
  const { activity: _, ...without } = dataset("a", []);
  assert.deepStrictEqual(datasetActivitySection(without), "");
  const own = datasetActivitySection(
    dataset("a", [failing("2024-01-01", "4xx", 60), failing("2024-01-02", "4xx", "<50")]),
  );
  assert(own.includes("<tr><td>download</td><td>4xx</td><td>≥ 60</td><td>0 B</td></tr>"));
  assert(own.includes('href="../../summaries/a/by_operation.tsv"'));
});
