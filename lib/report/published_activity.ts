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

/** The activity of a dataset or of the archive, as published. */
export interface ActivityReport {
  /** `by_operation.tsv`. */
  byOperation: OperationRow[];
  /** `by_client_kind.tsv`. */
  byClientKind: ClientKindRow[];
  /** `delivery_totals.json`. */
  deliveryTotals: DeliveryTotals;
  /** `delivery.tsv`: read for the archive only (its rows are the datasets). */
  delivery?: DeliveryRow[];
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
 * Reads the activity files of the summary folder `folder`; undefined when it has none (summaries
 * written before the activity files existed). `withDelivery` also reads `delivery.tsv`.
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
 * assert.deepStrictEqual(activity?.byOperation,
 *   [{ day: "2024-01-01", operation: "upload", statusClass: "2xx", requests: "<50", bytes: 900 }]);
 * await Deno.remove(folder, { recursive: true });
 * ```
 */
export async function readActivity(
  folder: string,
  { withDelivery = false }: {
    /**
     * Whether to read `delivery.tsv` too.
     *
     * @default {false}
     */
    withDelivery?: boolean;
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
  const activity: ActivityReport = {
    byOperation: (await rows("by_operation.tsv")).map((
      [day, operation, statusClass, requests, bytes],
    ) => ({
      day,
      operation,
      statusClass,
      requests: publishedCount(requests),
      bytes: Number(bytes),
    })),
    byClientKind: (await rows("by_client_kind.tsv")).map((
      [day, kind, requests, bytes, downloads],
    ) => ({
      day,
      kind,
      requests: publishedCount(requests),
      bytes: Number(bytes),
      downloads: publishedCount(downloads),
    })),
    deliveryTotals: JSON.parse(await read("delivery_totals.json")),
  };
  if (withDelivery) {
    activity.delivery = (await rows("delivery.tsv")).map((
      [key, , bytes, ratio, fullDownloads, partialRequests],
    ) => ({
      key,
      ratio: optionalNumber(ratio),
      bytes: Number(bytes),
      fullDownloads: publishedCount(fullDownloads),
      partialRequests: publishedCount(partialRequests),
    }));
  }
  return activity;
}
