/**
 * What the report shows, read only from the published files in `<cache>/summaries/` (rounded
 * as published, never an IP) and the public coordinates of region labels.
 *
 * @module
 */

import { join } from "node:path";
import { errorText, OperatorError } from "../errors.ts";
import { SUMMARY_RESERVED_NAMES } from "../summaries/generate_summaries.ts";
import { parseTsv } from "../summaries/tsv.ts";
import { safeFolderName } from "../key_path.ts";
import type { PublishedTotals } from "../summaries/summary_files.ts";
import {
  type ActivityReport,
  publishedCount,
  readActivity,
  readPublishedFile,
} from "./published_activity.ts";

/** Totals as read back from the published JSON (numbers: the report only shows them). */
export type ReadTotals = Omit<PublishedTotals, "total_bytes_sent"> & { total_bytes_sent: number };

/** Bytes, requests and downloads of one row of a published table (counts as published). */
export interface PublishedRow {
  /** The row's key: a date, a region label or an asset path. */
  key: string;
  /** Bytes sent (exact). */
  bytes: number;
  /** Requests, rounded (`<50` below the minimum). */
  requests: number | string;
  /** Downloads, rounded. */
  downloads: number | string;
}

/** The published data of one dataset. */
export interface DatasetReport {
  /** Its name. */
  name: string;
  /** Its folder in the summaries (and the name of its page), safe on any file system. */
  folder: string;
  /** Its title, when a titles file gives one. */
  title?: string;
  /** Its totals. */
  totals: ReadTotals;
  /** Bytes per day. */
  byDay: PublishedRow[];
  /** Its assets, most bytes first. */
  assets: PublishedRow[];
  /** Its regions, most bytes first (none when its summaries have no `by_region.tsv`). */
  byRegion: PublishedRow[];
  /** Its activity files (none in summaries written before they existed). */
  activity?: ActivityReport;
}

/** Everything the report is drawn from. */
export interface ReportData {
  /** The archive's totals. */
  totals: ReadTotals;
  /** The archive's bytes per day. */
  byDay: PublishedRow[];
  /** The archive's regions. */
  byRegion: PublishedRow[];
  /** The datasets, most bytes first. */
  datasets: DatasetReport[];
  /** The archive's activity files, its delivery by dataset included (none in older summaries). */
  activity?: ActivityReport;
}

/**
 * Reads the published summaries in `summariesDirectory`, with the datasets' `titles` when given.
 *
 * @example Usage
 * ```ts
 * import { readReportData } from "./report_data.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(() => readReportData("/nonexistent/summaries"), /run daily/);
 * ```
 */
export async function readReportData(
  summariesDirectory: string,
  titles: ReadonlyMap<string, string> = new Map(),
): Promise<ReportData> {
  const read = (path: string) =>
    readPublishedFile(
      join(summariesDirectory, path),
      "The report is drawn from the published summaries: run daily (or the generate_* steps) " +
        "first.",
    );
  const totals = JSON.parse(await read("archive_totals.json")) as ReadTotals;
  // No totals.json: no dataset summaries were published (dandi mode without a mapping).
  const datasetTotals = await Deno.stat(join(summariesDirectory, "totals.json")).then(
    async () => JSON.parse(await read("totals.json")) as Record<string, ReadTotals>,
    () => ({}),
  );
  const readDataset = async ([name, totals]: [string, ReadTotals]): Promise<DatasetReport> => {
    const folder = safeFolderName(name, SUMMARY_RESERVED_NAMES);
    const regions = join(summariesDirectory, folder, "by_region.tsv");
    return {
      name,
      folder,
      ...(titles.has(name) ? { title: titles.get(name) } : {}),
      totals,
      byDay: parseTable(await read(join(folder, "by_day.tsv"))),
      assets: parseTable(await read(join(folder, "by_asset.tsv"))).sort(byBytes),
      byRegion: await Deno.stat(regions).then(
        async () => parseTable(await read(join(folder, "by_region.tsv"))).sort(byBytes),
        () => [],
      ),
      ...optional(await readActivity(join(summariesDirectory, folder))),
    };
  };
  // The next dataset's files are read while this one's are parsed (waiting on each read left
  // the thread idle a fifth of the time).
  const entries = Object.entries(datasetTotals);
  const datasets: DatasetReport[] = [];
  let next = entries.length > 0 ? readDataset(entries[0]) : undefined;
  for (let i = 0; next !== undefined; i++) {
    const current = next;
    next = i + 1 < entries.length ? readDataset(entries[i + 1]) : undefined;
    // Its failure is reported when it is awaited, after this one's.
    next?.catch(() => {});
    datasets.push(await current);
  }
  datasets.sort((a, b) => b.totals.total_bytes_sent - a.totals.total_bytes_sent);
  return {
    totals,
    byDay: parseTable(await read(join("archive", "by_day.tsv"))),
    byRegion: parseTable(await read(join("archive", "by_region.tsv"))).sort(byBytes),
    datasets,
    ...optional(await readActivity(join(summariesDirectory, "archive"), { archive: true })),
  };
}

/** `{ activity }` when there is one, else nothing (the field stays absent). */
function optional(activity: ActivityReport | undefined): { activity?: ActivityReport } {
  return activity === undefined ? {} : { activity };
}

function byBytes(a: PublishedRow, b: PublishedRow): number {
  return b.bytes - a.bytes || (a.key < b.key ? -1 : 1);
}

/**
 * Reads a titles file: a JSON object of dataset name → title.
 *
 * @param path The file.
 * @returns Dataset name → title.
 * @throws {OperatorError} When the file cannot be read or is not such an object; the message
 * names the file and what it should hold.
 *
 * @example Usage
 * ```ts
 * import { readTitles } from "./report_data.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, '{"000026": "Human brain imaging"}');
 * assert.deepStrictEqual((await readTitles(path)).get("000026"), "Human brain imaging");
 * await Deno.writeTextFile(path, '{"000026": 5}');
 * await assert.rejects(() => readTitles(path), /000026.*not text/);
 * await Deno.remove(path);
 * ```
 */
export async function readTitles(path: string): Promise<Map<string, string>> {
  const what = "Give a JSON object of dataset name → title, for example " +
    '{"000026": "Human brain imaging"}.';
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    throw new OperatorError(`Cannot read the titles file ${path}: ${errorText(error)}. ${what}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new OperatorError(`The titles file ${path} is not a JSON object. ${what}`);
  }
  const titles = new Map<string, string>();
  for (const [name, title] of Object.entries(parsed)) {
    if (typeof title !== "string") {
      throw new OperatorError(
        `The titles file ${path} gives ${JSON.stringify(name)} a title that is not text. ${what}`,
      );
    }
    titles.set(name, title);
  }
  return titles;
}

/**
 * The rows of a published table (`key, bytes_sent, number_of_requests, number_of_downloads`).
 *
 * @example Usage
 * ```ts
 * import { parseTable } from "./report_data.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(
 *   parseTable("date\tbytes_sent\tnumber_of_requests\tnumber_of_downloads\n2024-01-01\t12\t<50\t60\n"),
 *   [{ key: "2024-01-01", bytes: 12, requests: "<50", downloads: 60 }],
 * );
 * ```
 */
export function parseTable(text: string): PublishedRow[] {
  return parseTsv(text).slice(1).map(([key, bytes, requests, downloads]) => ({
    key,
    bytes: Number(bytes),
    requests: publishedCount(requests),
    downloads: publishedCount(downloads),
  }));
}
