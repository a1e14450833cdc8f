/**
 * `report`: writes `<cache>/report/index.html` (all time), a page per period
 * (`last_12_months.html`, `last_30_days.html`), the list of datasets (`all_datasets.html`) and a
 * page per dataset (`<cache>/report/datasets/<folder>.html`) from the published summaries and
 * the public coordinates of region labels, atomically (readers never see half a page).
 *
 * @module
 */

import { join } from "node:path";
import { SAMPLE_MARKER } from "../config.ts";
import { pathExists, replaceFolder, writeTextFileAtomic } from "../atomic_files.ts";
import { withFileWriter } from "../summaries/file_writer.ts";
import { openCacheForReading } from "../store/cache_database.ts";
import { lastRequestTime } from "../store/request_blocks.ts";
import { readReportData, readTitles } from "./report_data.ts";
import { renderDatasetIndex, renderDatasetPage, renderReport } from "./report_html.ts";
import { renderPeriodPage } from "./period_page.ts";
import { PERIOD_PAGES } from "./report_page.ts";

/** Options of {@linkcode generateReport}. */
export interface GenerateReportOptions {
  /** The cache directory (its published summaries are read). */
  cacheDirectory: string;
  /** A JSON file of dataset name → title, shown beside each dataset's name. */
  titles?: string;
  /**
   * The time the pages say they were made.
   *
   * @default {new Date()}
   */
  now?: Date;
}

/** What `report` wrote. */
export interface ReportResult {
  /** The overview page (the datasets' pages are in `datasets/` beside it). */
  path: string;
  /** Its size in bytes. */
  bytes: number;
  /** Datasets in it. */
  datasets: number;
  /** Regions placed on the map. */
  regionsOnMap: number;
}

/**
 * Writes the report of the cache in `options.cacheDirectory`.
 *
 * @param options The cache (its published summaries are read), a titles file, and the time the
 * report says it was made.
 * @returns The report's path, size, datasets and regions drawn on the map.
 * @throws {OperatorError} When the summaries or the titles file cannot be read (run the summary
 * steps first) or the report cannot be written.
 *
 * @example Usage
 * ```ts
 * import { generateReport } from "./generate_report.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * await assert.rejects(() => generateReport({ cacheDirectory }), /run daily/);
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function generateReport(
  options: GenerateReportOptions,
): Promise<ReportResult> {
  const titles = options.titles === undefined ? undefined : await readTitles(options.titles);
  const data = await readReportData(join(options.cacheDirectory, "summaries"), titles);
  const { coordinates, dataAsOf } = readCache(options.cacheDirectory);
  const sample = await pathExists(join(options.cacheDirectory, SAMPLE_MARKER));
  const context = { coordinates, dataAsOf, generatedAt: options.now ?? new Date(), sample };
  const html = renderReport(data, context);
  const report = join(options.cacheDirectory, "report");
  // The datasets' pages first: the overview links to them. They are written on a worker while
  // the next ones are made (on the bench night, 1,000 pages of 40 KB took 0.5 s to write).
  await replaceFolder(join(report, "datasets"), (temporary) =>
    withFileWriter(async (writer) => {
      for (const dataset of data.datasets) {
        const page = renderDatasetPage(dataset, context);
        await writer.write(temporary, new Map([[`${dataset.folder}.html`, page]]));
      }
    }));
  await writeTextFileAtomic(join(report, "all_datasets.html"), renderDatasetIndex(data, context));
  for (const { name, file, days } of PERIOD_PAGES) {
    if (days === undefined) continue; // all time: the overview
    await writeTextFileAtomic(
      join(report, file),
      renderPeriodPage(data, context, { name, file, days }),
    );
  }
  const path = join(report, "index.html");
  await writeTextFileAtomic(path, html);
  return {
    path,
    bytes: new TextEncoder().encode(html).length,
    datasets: data.datasets.length,
    regionsOnMap: data.byRegion.filter((r) => coordinates.has(r.key)).length,
  };
}

/**
 * Label → [latitude, longitude] of the cache, and the time of its last request (none when it
 * has no database yet).
 */
function readCache(
  cacheDirectory: string,
): { coordinates: Map<string, [number, number]>; dataAsOf?: Date } {
  const coordinates = new Map<string, [number, number]>();
  const db = openCacheForReading(cacheDirectory)?.db;
  if (db === undefined) return { coordinates };
  try {
    const rows = db.prepare("SELECT label, latitude, longitude FROM region_coordinates").all() as {
      label: string;
      latitude: number;
      longitude: number;
    }[];
    for (const row of rows) coordinates.set(row.label, [row.latitude, row.longitude]);
    const last = lastRequestTime(db);
    return { coordinates, dataAsOf: last === undefined ? undefined : new Date(last * 1000) };
  } finally {
    db.close();
  }
}
