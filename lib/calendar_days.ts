/**
 * Days as the summaries publish them: the UTC date of a request, and the Monday that starts its
 * week.
 *
 * @module
 */

/**
 * `YYYY-MM-DD` of a day counted from 1970-01-01 (day 0).
 *
 * @example Usage
 * ```ts
 * import { formatDay } from "./calendar_days.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * assertEquals(formatDay(18262), "2020-01-01");
 * ```
 */
export function formatDay(day: number): string {
  return new Date(day * 86400000).toISOString().slice(0, 10);
}

/**
 * The day number of the Monday of the week holding `day` (1970-01-01 was a Thursday).
 *
 * @example Usage
 * ```ts
 * import { formatDay, weekStart } from "./calendar_days.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * assertEquals(formatDay(weekStart(18262)), "2019-12-30"); // 2020-01-01 was a Wednesday
 * ```
 */
export function weekStart(day: number): number {
  return Math.floor((day + 3) / 7) * 7 - 3;
}
