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
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(formatDay(18262), "2020-01-01");
 * ```
 */
export function formatDay(day: number): string {
  let text = FORMATTED_DAYS.get(day);
  if (text === undefined) {
    // A summary formats the same few thousand days millions of times: each is made once.
    if (FORMATTED_DAYS.size >= 1 << 20) FORMATTED_DAYS.clear();
    text = new Date(day * 86400000).toISOString().slice(0, 10);
    FORMATTED_DAYS.set(day, text);
  }
  return text;
}

const FORMATTED_DAYS = new Map<number, string>();

/**
 * The number of the Monday-based week holding `day` (1970-01-01 was a Thursday). The summaries'
 * SQL groups by the same formula, `(day + 3) / 7` in integers.
 *
 * @example Usage
 * ```ts
 * import { formatDay, mondayOfWeek, weekNumber } from "./calendar_days.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(formatDay(mondayOfWeek(weekNumber(18262))), "2019-12-30"); // 2020-01-01, a Wednesday
 * ```
 */
export function weekNumber(day: number): number {
  return Math.floor((day + 3) / 7);
}

/**
 * The day number of the Monday that starts week `week` (see {@linkcode weekNumber}).
 *
 * @example Usage
 * ```ts
 * import { formatDay, mondayOfWeek } from "./calendar_days.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(formatDay(mondayOfWeek(0)), "1969-12-29");
 * ```
 */
export function mondayOfWeek(week: number): number {
  return week * 7 - 3;
}
