/**
 * The activity files of a summary folder as the report reads them back (counts as published,
 * `<50` below the privacy minimum): operations per day, client kinds per day, the delivery
 * totals and, for the archive, each dataset's delivery.
 *
 * @module
 */

import { join } from "node:path";
import { errorText, OperatorError } from "../errors.ts";
import { parseTsv } from "../summaries/tsv.ts";

/** A count as published: a number, or the text shown below the privacy minimum (`<50`). */
export type PublishedCount = number | string;

/** A row of `by_operation.tsv`. */
export interface OperationRow {
  /** `YYYY-MM-DD`. */
  day: string;
  /** The operation group (`download`, `upload`, …). */
  operation: string;
  /** `2xx` … `5xx`. */
  statusClass: string;
  /** Requests, as published. */
  requests: PublishedCount;
  /** Bytes sent (uploads: bytes received). */
  bytes: number;
}

/** A row of `by_client_kind.tsv`. */
export interface ClientKindRow {
  /** `YYYY-MM-DD`. */
  day: string;
  /** The client kind (`browser`, `library`, …). */
  kind: string;
  /** Requests, as published. */
  requests: PublishedCount;
  /** Bytes sent. */
  bytes: number;
  /** Downloads, as published. */
  downloads: PublishedCount;
}

/** A row of `delivery.tsv`. */
export interface DeliveryRow {
  /** The asset (in the archive's file: the dataset). */
  key: string;
  /** Bytes sent / size; undefined when the size is unknown. */
  ratio?: number;
  /** Bytes sent. */
  bytes: number;
  /** Requests for the whole object, as published. */
  fullDownloads: PublishedCount;
  /** Other requests (parts), as published. */
  partialRequests: PublishedCount;
}

/** `delivery_totals.json`. */
export interface DeliveryTotals {
  /** Assets whose size is known. */
  number_of_assets_with_size: number;
  /** The median of their delivery ratios, null when none. */
  delivery_ratio_p50: number | null;
  /** Bytes sent over the sum of their sizes, null when none. */
  bytes_weighted_delivery_ratio: number | null;
}

/** A sum of published counts, and how many of them were hidden (under the privacy minimum). */
export interface PublishedSum {
  /** The sum of the counts published as numbers. */
  sum: number;
  /** How many were published as text (`<50`): they add nothing to `sum`. */
  hidden: number;
}

/** Published rows of one key, summed: their bytes, and their requests as published. */
export interface RowSums {
  /** Bytes, summed in row order. */
  bytes: number;
  /** Requests, as published. */
  requests: PublishedSum;
}

/** Rows summed by key, in the order each key first appears. */
export type SummedRows = [key: string, sums: RowSums][];

/**
 * The activity of a dataset or of the archive as the report reads it: each file summed (the
 * pages show sums), and for the archive the rows too (its charts are drawn by day).
 */
export interface ActivityReport {
  /** `by_operation.tsv` summed by operation and status class (`operation\tstatus`). */
  operations: SummedRows;
  /** `by_client_kind.tsv` summed by client kind. */
  kinds: SummedRows;
  /** `delivery_totals.json`. */
  deliveryTotals: DeliveryTotals;
  /** `by_operation.tsv`'s rows, when kept. */
  byOperation?: OperationRow[];
  /** `by_client_kind.tsv`'s rows, when kept. */
  byClientKind?: ClientKindRow[];
  /** `delivery.tsv`, when read. */
  delivery?: DeliveryRow[];
}

/**
 * Sums published counts; the hidden ones (`<50`) add nothing and are counted apart.
 *
 * @example Usage
 * ```ts
 * import { sumPublished } from "./published_activity.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(sumPublished([60, "<50", 80]), { sum: 140, hidden: 1 });
 * ```
 */
export function sumPublished(values: Iterable<PublishedCount>): PublishedSum {
  const total = { sum: 0, hidden: 0 };
  for (const value of values) addPublished(total, value);
  return total;
}

function addPublished(total: PublishedSum, value: PublishedCount): void {
  if (typeof value === "number") total.sum += value;
  else total.hidden++;
}

/** `by_operation.tsv` summed by operation and status class. */
const OPERATION_SUMS = { key: 1, keyEnd: 2, requests: 3, bytes: 4 };
/** `by_client_kind.tsv` summed by client kind. */
const KIND_SUMS = { key: 1, keyEnd: 1, requests: 2, bytes: 3 };

/**
 * Rows of a published table summed by the text of their columns `key` to `keyEnd` (joined by a
 * tab), in the order each key first appears: the bytes of column `bytes` and the requests of
 * column `requests`, as published.
 *
 * @example Usage
 * ```ts
 * import { sumColumns } from "./published_activity.ts";
 * import assert from "node:assert/strict";
 *
 * const rows = [["2024-01-01", "download", "4xx", "80", "0"], ["2024-01-02", "download", "4xx", "<50", "5"]];
 * assert.deepStrictEqual(sumColumns(rows, { key: 1, keyEnd: 2, requests: 3, bytes: 4 }),
 *   [["download\t4xx", { bytes: 5, requests: { sum: 80, hidden: 1 } }]]);
 * ```
 */
export function sumColumns(
  rows: readonly string[][],
  columns: { key: number; keyEnd: number; requests: number; bytes: number },
): SummedRows {
  const { key, keyEnd, requests, bytes } = columns;
  const sums = new Map<string, RowSums>();
  for (const row of rows) {
    const entry = sumsOf(sums, keyEnd === key ? row[key] : row.slice(key, keyEnd + 1).join("\t"));
    entry.bytes += Number(row[bytes]);
    addPublished(entry.requests, publishedCount(row[requests]));
  }
  return [...sums];
}

/**
 * The rows of the published table `text` (a header, then rows) summed as
 * {@linkcode sumColumns} sums them, read in place: no row is made, only each row's key and
 * numbers. A table with a quoted field, a row short of a column or no line break at its end is
 * parsed whole instead.
 *
 * @example Usage
 * ```ts
 * import { sumTable } from "./published_activity.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "date\tclient_kind\tnumber_of_requests\tbytes_sent\n" +
 *   "2024-01-01\tbrowser\t60\t10\n2024-01-02\tbrowser\t<50\t5\n";
 * assert.deepStrictEqual(sumTable(text, { key: 1, keyEnd: 1, requests: 2, bytes: 3 }),
 *   [["browser", { bytes: 15, requests: { sum: 60, hidden: 1 } }]]);
 * ```
 */
export function sumTable(
  text: string,
  columns: { key: number; keyEnd: number; requests: number; bytes: number },
): SummedRows {
  const whole = () => sumColumns(parseTsv(text).slice(1), columns);
  if (text.includes('"') || !text.endsWith("\n")) return whole();
  const { key, keyEnd, requests, bytes } = columns;
  const last = Math.max(keyEnd, requests, bytes);
  // Where each field of the row starts, and where it ends.
  const starts = new Int32Array(last + 1);
  const ends = new Int32Array(last + 1);
  const sums = new Map<string, RowSums>();
  for (let start = text.indexOf("\n") + 1; start > 0 && start < text.length;) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    let from = start;
    for (let field = 0; field <= last; field++) {
      if (from > end) return whole();
      const tab = text.indexOf("\t", from);
      const stop = tab < 0 || tab > end ? end : tab;
      starts[field] = from;
      ends[field] = stop;
      from = stop + 1;
    }
    const entry = sumsOf(sums, text.slice(starts[key], ends[keyEnd]));
    entry.bytes += numberAt(text, starts[bytes], ends[bytes]);
    const count = digitsAt(text, starts[requests], ends[requests]);
    if (count === undefined) entry.requests.hidden++;
    else entry.requests.sum += count;
    start = end + 1;
  }
  return [...sums];
}

/** The sums of `name` in `sums`, made (empty) when it has none yet. */
function sumsOf(sums: Map<string, RowSums>, name: string): RowSums {
  let entry = sums.get(name);
  if (entry === undefined) sums.set(name, entry = { bytes: 0, requests: { sum: 0, hidden: 0 } });
  return entry;
}

/** `Number()` of `text` from `start` to `end`, without cutting it out when it is 15 digits or fewer. */
function numberAt(text: string, start: number, end: number): number {
  return digitsAt(text, start, end) ?? Number(text.slice(start, end));
}

/**
 * The number written from `start` to `end` of `text` when that is only digits, one or more
 * (as {@linkcode publishedCount} reads a count); undefined otherwise.
 */
function digitsAt(text: string, start: number, end: number): number | undefined {
  if (end === start) return undefined;
  // Past 15 digits a number may not be exact: read as publishedCount reads it.
  if (end - start > 15) {
    const digits = text.slice(start, end);
    return /^\d+$/.test(digits) ? Number(digits) : undefined;
  }
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A published count: a number, or the text as published (`<50`).
 *
 * @example Usage
 * ```ts
 * import { publishedCount } from "./published_activity.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([publishedCount("60"), publishedCount("<50")], [60, "<50"]);
 * ```
 */
export function publishedCount(value: string): PublishedCount {
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** A published number that may be empty (unknown). */
function optionalNumber(value: string): number | undefined {
  return value === "" ? undefined : Number(value);
}

/**
 * The text of the published file `path`, for the report; one that cannot be read is an
 * {@linkcode OperatorError} naming it, the reason and `advice` (what to do).
 *
 * @example Usage
 * ```ts
 * import { readPublishedFile } from "./published_activity.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(
 *   () => readPublishedFile("/nonexistent/totals.json", "Run daily first."),
 *   /^OperatorError: Cannot make the report: \/nonexistent\/totals.json cannot be read \(.*\)\. Run daily first\.$/,
 * );
 * ```
 */
export async function readPublishedFile(path: string, advice: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new OperatorError(
      `Cannot make the report: ${path} cannot be read (${errorText(error)}). ${advice}`,
    );
  }
}

/**
 * Reads the activity files of the summary folder `folder`, summed by operation and status and
 * by client kind (see {@linkcode sumColumns}); undefined when it has none (summaries written
 * before the activity files existed). `archive` keeps the rows and also reads `delivery.tsv`.
 *
 * @example Usage
 * ```ts
 * import { readActivity } from "./published_activity.ts";
 * import assert from "node:assert/strict";
 *
 * const folder = await Deno.makeTempDir();
 * assert.deepStrictEqual(await readActivity(folder), undefined);
 * await Deno.writeTextFile(`${folder}/by_operation.tsv`,
 *   "date\toperation\tstatus_class\tnumber_of_requests\tbytes\n2024-01-01\tupload\t2xx\t<50\t900\n");
 * await Deno.writeTextFile(`${folder}/by_client_kind.tsv`,
 *   "date\tclient_kind\tnumber_of_requests\tbytes_sent\tnumber_of_downloads\n");
 * await Deno.writeTextFile(`${folder}/delivery_totals.json`,
 *   '{"bytes_weighted_delivery_ratio": null, "delivery_ratio_p50": null, "number_of_assets_with_size": 0}');
 * const activity = await readActivity(folder);
 * assert.deepStrictEqual(activity?.operations,
 *   [["upload\t2xx", { bytes: 900, requests: { sum: 0, hidden: 1 } }]]);
 * await Deno.remove(folder, { recursive: true });
 * ```
 */
export async function readActivity(
  folder: string,
  { archive = false }: {
    /**
     * Whether `folder` is the archive's: its rows are kept, and its `delivery.tsv` read.
     *
     * @default {false}
     */
    archive?: boolean;
  } = {},
): Promise<ActivityReport | undefined> {
  const path = (name: string) => join(folder, name);
  const has = await Deno.stat(path("by_operation.tsv")).then(() => true, () => false);
  if (!has) return undefined;
  const read = (name: string) =>
    readPublishedFile(
      path(name),
      `${path("by_operation.tsv")} is there. Run the summary steps again (or daily).`,
    );
  const rows = async (name: string) => parseTsv(await read(name)).slice(1);
  const deliveryTotals = JSON.parse(await read("delivery_totals.json"));
  if (!archive) {
    // A dataset's rows are summed in place as each file is read (the bench's 1,000 datasets
    // publish 180 MB of them: kept as objects, the report peaked at 1.4 GB).
    return {
      operations: sumTable(await read("by_operation.tsv"), OPERATION_SUMS),
      kinds: sumTable(await read("by_client_kind.tsv"), KIND_SUMS),
      deliveryTotals,
    };
  }
  const operations = await rows("by_operation.tsv");
  const kinds = await rows("by_client_kind.tsv");
  const activity: ActivityReport = {
    operations: sumColumns(operations, OPERATION_SUMS),
    kinds: sumColumns(kinds, KIND_SUMS),
    deliveryTotals,
  };
  activity.byOperation = operations.map(([day, operation, statusClass, requests, bytes]) => ({
    day,
    operation,
    statusClass,
    requests: publishedCount(requests),
    bytes: Number(bytes),
  }));
  activity.byClientKind = kinds.map(([day, kind, requests, bytes, downloads]) => ({
    day,
    kind,
    requests: publishedCount(requests),
    bytes: Number(bytes),
    downloads: publishedCount(downloads),
  }));
  activity.delivery = (await rows("delivery.tsv")).map((
    [key, , bytes, ratio, fullDownloads, partialRequests],
  ) => ({
    key,
    ratio: optionalNumber(ratio),
    bytes: Number(bytes),
    fullDownloads: publishedCount(fullDownloads),
    partialRequests: publishedCount(partialRequests),
  }));
  return activity;
}
