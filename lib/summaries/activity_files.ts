/**
 * The activity files of a dataset or of the archive, from raw numbers, with privacy rounding
 * applied here: `by_operation.tsv`, `by_client_kind.tsv` (as bytes), `delivery.tsv`,
 * `sessions.tsv` and `delivery_totals.json`. They hold counts, bytes, sizes and quantiles only:
 * never an IP, a User-Agent, a referrer or a requester.
 *
 * @module
 */

import { OPERATION_GROUPS, STATUS_CLASSES } from "../extract/operation_group.ts";
import { type ActivityScope, quantile, type Sessions } from "./activity_data.ts";
import { type PrivacyOptions, privacyRounding, roundForPrivacy } from "./privacy_rounding.ts";
import { formatPythonJson } from "./python_json.ts";
import { formatTsv } from "./tsv.ts";
import type { FileContent } from "./tsv_bytes.ts";
import { clientKindTsv, dayTsv } from "./day_files.ts";

/** The names of the activity files, as each scope folder holds them. */
export const ACTIVITY_FILES: readonly string[] = [
  "by_operation.tsv",
  "by_client_kind.tsv",
  "delivery.tsv",
  "sessions.tsv",
  "delivery_totals.json",
];

/** The quantiles published of delivery ratios. */
const RATIO_QUANTILES = [0.1, 0.25, 0.5, 0.75, 0.9];

/** A ratio or quantile as published: 4 decimals, empty when there is none. */
function decimal(value: number): string | number {
  return Number.isFinite(value) ? Number(value.toFixed(4)) : "";
}

/** A ratio as published in JSON: 4 decimals, null when there is none. */
function jsonDecimal(value: number): number | null {
  return Number.isFinite(value) ? Number(value.toFixed(4)) : null;
}

/** Session columns: the count, then length and requests quantiles (empty below the minimum). */
function sessionRow(name: string, s: Sessions, privacy: PrivacyOptions): (string | number)[] {
  const shown = s.sessions >= (privacy.minimum ?? 50);
  const q = (value: number) => shown ? decimal(value) : "";
  return [
    name,
    roundForPrivacy(s.sessions, privacy),
    q(s.seconds.p50),
    q(s.seconds.p90),
    q(s.requests.p50),
    q(s.requests.p90),
  ];
}

/** Options of {@linkcode activityFiles}. */
export interface ActivityFileOptions {
  /** The first column's name in `delivery.tsv` and `sessions.tsv`. */
  rowName: string;
  /** Privacy rounding (default: below 50 → `<50`, else nearest multiple of 20). */
  privacy?: PrivacyOptions;
  /**
   * Whether to make `by_client_kind.tsv` (left out when it is made elsewhere: see
   * `clientKindTsv`).
   *
   * @default {true}
   */
  clientKinds?: boolean;
}

/**
 * The activity files of a scope: its rows are assets for a dataset, datasets for the archive
 * (`rowName` is the first column's name).
 *
 * @example Usage
 * ```ts
 * import { activityFiles } from "./activity_files.ts";
 * import { dayRowsOf } from "./activity_data.ts";
 * import { contentText } from "./tsv_bytes.ts";
 * import assert from "node:assert/strict";
 *
 * const files = activityFiles({
 *   byOperation: dayRowsOf([{ day: 19723, code: 2 * 4 + 0, requests: 3, bytes: 900 }]),
 *   byClientKind: dayRowsOf([]), delivery: [], sessions: [], ratios: new Float64Array(0), ratioBytes: 0, ratioSizes: 0,
 * }, { rowName: "asset_path" });
 * assert.deepStrictEqual(contentText(files.get("by_operation.tsv")!),
 *   "date\toperation\tstatus_class\tnumber_of_requests\tbytes\n2024-01-01\tupload\t2xx\t<50\t900\n");
 * ```
 */
export function activityFiles(
  scope: ActivityScope,
  options: ActivityFileOptions,
): Map<string, FileContent> {
  const privacy = options.privacy ?? {};
  const round = privacyRounding(privacy);
  const files = new Map<string, FileContent>();
  files.set(
    "by_operation.tsv",
    dayTsv(
      ["date", "operation", "status_class", "number_of_requests", "bytes"],
      scope.byOperation,
      (line, r, i) => {
        line.field(OPERATION_GROUPS[r.codes[i] >> 2]);
        line.field(STATUS_CLASSES[r.codes[i] & 3]);
        line.field(round(r.requests[i]));
        line.last(r.bytes[i]);
      },
    ),
  );
  if (options.clientKinds ?? true) {
    files.set("by_client_kind.tsv", clientKindTsv(scope.byClientKind, privacy));
  }
  files.set(
    "delivery.tsv",
    formatTsv(
      [
        options.rowName,
        "object_size",
        "bytes_sent",
        "delivery_ratio",
        "number_of_full_downloads",
        "number_of_partial_requests",
      ],
      scope.delivery.map(([name, d]) => [
        name,
        d.size < 0 ? "" : d.size,
        d.bytes,
        decimal(d.ratio),
        round(d.fullDownloads),
        round(d.partialRequests),
      ]),
    ),
  );
  files.set(
    "sessions.tsv",
    formatTsv(
      [
        options.rowName,
        "number_of_sessions",
        "session_seconds_p50",
        "session_seconds_p90",
        "requests_per_session_p50",
        "requests_per_session_p90",
      ],
      scope.sessions.map(([name, s]) => sessionRow(name, s, privacy)),
    ),
  );
  const totals: Record<string, number | null> = {
    number_of_assets_with_size: scope.ratios.length,
  };
  for (const p of RATIO_QUANTILES) {
    totals[`delivery_ratio_p${p * 100}`] = jsonDecimal(quantile(scope.ratios, p));
  }
  totals.bytes_weighted_delivery_ratio = jsonDecimal(
    scope.ratioSizes > 0 ? scope.ratioBytes / scope.ratioSizes : NaN,
  );
  files.set("delivery_totals.json", formatPythonJson(totals));
  return files;
}
