/**
 * Bytes sent in the last 30 days and the last 12 months of the data, against the period before
 * each: published bytes are exact per day, so they add up (rounded counts do not, and are left
 * out).
 *
 * @module
 */

import type { PublishedRow } from "./report_data.ts";

/** Bytes sent in a period and in the one before it. */
export interface PeriodGrowth {
  /** `last 30 days`, `last 12 months` or `all time`. */
  name: string;
  /** First and last day of the period (`YYYY-MM-DD`, UTC). */
  first: string;
  /** Last day of the period. */
  last: string;
  /** Bytes sent in it. */
  bytes: number;
  /** Bytes sent in the period of the same length just before (undefined for all time). */
  previous?: number;
}

const DAY = 86_400_000;

/**
 * The first and last day of `days` (`YYYY-MM-DD`), if any.
 *
 * @example Usage
 * ```ts
 * import { dayRange } from "./period_growth.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(dayRange([{ key: "2024-03-01" }, { key: "2024-01-05" }]), { first: "2024-01-05", last: "2024-03-01" });
 * assert.deepStrictEqual(dayRange([]), undefined);
 * ```
 */
export function dayRange(
  days: readonly { key: string }[],
): { first: string; last: string } | undefined {
  const keys = days.map((d) => d.key).sort();
  return keys.length === 0 ? undefined : { first: keys[0], last: keys[keys.length - 1] };
}

/** The window of `days` days ending on `last` (`YYYY-MM-DD`), and the one just before it. */
export interface PeriodWindow {
  /** First day of the period. */
  first: string;
  /** Last day of the period. */
  last: string;
  /** First day of the period before. */
  previousFirst: string;
  /** Last day of the period before. */
  previousLast: string;
}

/**
 * The period of `days` days ending on `last`, and the one of the same length before it.
 *
 * @example Usage
 * ```ts
 * import { periodWindow } from "./period_growth.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(periodWindow("2024-03-01", 30), {
 *   first: "2024-02-01", last: "2024-03-01", previousFirst: "2024-01-02", previousLast: "2024-01-31",
 * });
 * ```
 */
export function periodWindow(last: string, days: number): PeriodWindow {
  const end = Date.parse(last);
  const day = (at: number) => new Date(at).toISOString().slice(0, 10);
  return {
    first: day(end - (days - 1) * DAY),
    last,
    previousFirst: day(end - (2 * days - 1) * DAY),
    previousLast: day(end - days * DAY),
  };
}

/**
 * Bytes sent on the days from `first` to `last` (`YYYY-MM-DD`, both included).
 *
 * @example Usage
 * ```ts
 * import { bytesBetween } from "./period_growth.ts";
 * import assert from "node:assert/strict";
 *
 * const days = [{ key: "2024-01-01", bytes: 5 }, { key: "2024-01-02", bytes: 7 }];
 * assert.deepStrictEqual(bytesBetween(days, "2024-01-02", "2024-01-31"), 7);
 * ```
 */
export function bytesBetween(
  byDay: readonly { key: string; bytes: number }[],
  first: string,
  last: string,
): number {
  let total = 0;
  for (const day of byDay) if (day.key >= first && day.key <= last) total += day.bytes;
  return total;
}

/**
 * The periods of `byDay`, ending on its last day.
 *
 * @param byDay Published rows per day.
 * @returns Last 30 days, last 12 months (365 days) and all time; empty without days.
 *
 * @example Usage
 * ```ts
 * import { periodGrowth } from "./period_growth.ts";
 * import assert from "node:assert/strict";
 *
 * const day = (key: string, bytes: number) => ({ key, bytes, requests: 0, downloads: 0 });
 * const [month] = periodGrowth([day("2024-01-01", 5), day("2024-02-20", 7), day("2024-03-01", 10)]);
 * assert.deepStrictEqual(month, { name: "last 30 days", first: "2024-02-01", last: "2024-03-01", bytes: 17, previous: 0 });
 * ```
 */
export function periodGrowth(byDay: PublishedRow[]): PeriodGrowth[] {
  const range = dayRange(byDay);
  if (range === undefined) return [];
  const { first, last } = range;
  const period = (name: string, days: number): PeriodGrowth => {
    const window = periodWindow(last, days);
    return {
      name,
      first: window.first,
      last,
      bytes: bytesBetween(byDay, window.first, last),
      previous: bytesBetween(byDay, window.previousFirst, window.previousLast),
    };
  };
  return [
    period("last 30 days", 30),
    period("last 12 months", 365),
    { name: "all time", first, last, bytes: bytesBetween(byDay, first, last) },
  ];
}
