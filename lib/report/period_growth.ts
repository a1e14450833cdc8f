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
  if (byDay.length === 0) return [];
  const keys = byDay.map((d) => d.key).sort();
  const last = keys[keys.length - 1];
  const end = Date.parse(last);
  const sum = (from: number, to: number) =>
    byDay.reduce((total, d) => {
      const at = Date.parse(d.key);
      return at >= from && at <= to ? total + d.bytes : total;
    }, 0);
  const period = (name: string, days: number): PeriodGrowth => {
    const start = end - (days - 1) * DAY;
    return {
      name,
      first: new Date(start).toISOString().slice(0, 10),
      last,
      bytes: sum(start, end),
      previous: sum(start - days * DAY, start - DAY),
    };
  };
  return [
    period("last 30 days", 30),
    period("last 12 months", 365),
    { name: "all time", first: keys[0], last, bytes: sum(-Infinity, Infinity) },
  ];
}
