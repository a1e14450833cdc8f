/**
 * The TSV files of day rows (`by_operation.tsv`, `by_client_kind.tsv`), written as bytes
 * straight from the rows' columns. A module of its own: the summary file writer's worker
 * makes the client-kind files with it.
 *
 * @module
 */

import { CLIENT_KINDS } from "../extract/client_kind.ts";
import type { DayRows } from "./activity_data.ts";
import { formatDay } from "./calendar_days.ts";
import { type PrivacyOptions, privacyRounding } from "./privacy_rounding.ts";
import { TsvBytes } from "./tsv_bytes.ts";

/**
 * A TSV file of day rows, each line written by `line` from the row's index. Their fields never
 * need quotes (dates, names from the fixed lists, numbers, rounded counts), so the lines are
 * written straight from the columns as bytes: there are millions of them, and a string per row
 * and its UTF-8 copy cost more than the bytes.
 *
 * @example Usage
 * ```ts
 * import { dayTsv } from "./day_files.ts";
 * import { dayRowsOf } from "./activity_data.ts";
 * import { contentText } from "./tsv_bytes.ts";
 * import assert from "node:assert/strict";
 *
 * const rows = dayRowsOf([{ day: 0, code: 2, requests: 3, bytes: 9 }, { day: 0, code: 5, requests: 1, bytes: 4 }]);
 * const file = dayTsv(["date", "code", "bytes"], rows, (line, r, i) => {
 *   line.field(r.codes[i]);
 *   line.last(r.bytes[i]);
 * });
 * assert.deepStrictEqual(contentText(file), "date\tcode\tbytes\n1970-01-01\t2\t9\n1970-01-01\t5\t4\n");
 * ```
 */
export function dayTsv(
  header: string[],
  rows: DayRows,
  line: (tsv: TsvBytes, rows: DayRows, i: number) => void,
): Uint8Array {
  tsv.line(header);
  let day = NaN;
  let date = "";
  for (let i = 0; i < rows.length; i++) {
    // A day has several rows, in a row.
    if (rows.days[i] !== day) date = formatDay(day = rows.days[i]);
    tsv.field(date);
    line(tsv, rows, i);
  }
  return tsv.take();
}

/** The writer of the day files (its buffer reused from file to file). */
const tsv = new TsvBytes();

/**
 * `by_client_kind.tsv` of a scope's client-kind rows (made by `activityFiles`, or on the summary
 * file writer's thread).
 *
 * @example Usage
 * ```ts
 * import { clientKindTsv } from "./day_files.ts";
 * import { dayRowsOf } from "./activity_data.ts";
 * import { contentText } from "./tsv_bytes.ts";
 * import assert from "node:assert/strict";
 *
 * const rows = dayRowsOf([{ day: 19723, code: 1, requests: 60, bytes: 900, downloads: 55 }]);
 * assert.deepStrictEqual(contentText(clientKindTsv(rows, {})),
 *   "date\tclient_kind\tnumber_of_requests\tbytes_sent\tnumber_of_downloads\n2024-01-01\tbrowser\t60\t900\t60\n");
 * ```
 */
export function clientKindTsv(rows: DayRows, privacy: PrivacyOptions): Uint8Array {
  const round = privacyRounding(privacy);
  return dayTsv(
    ["date", "client_kind", "number_of_requests", "bytes_sent", "number_of_downloads"],
    rows,
    (line, r, i) => {
      line.field(CLIENT_KINDS[r.codes[i]]);
      line.field(round(r.requests[i]));
      line.field(r.bytes[i]);
      line.last(round(r.downloads[i]));
    },
  );
}
