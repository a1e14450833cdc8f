/**
 * What a log line can hold: S3's era and its largest object. Extraction quarantines values
 * outside these bounds, and a cache upgrade sets aside what older versions stored beyond them.
 *
 * @module
 */

/** The first second S3 could have logged (2006-01-01T00:00:00Z). */
export const EARLIEST_LOG_TIME: number = Date.UTC(2006, 0, 1) / 1000;
/** How far in the future a log's clock may be (a week, in seconds). */
export const FUTURE_MARGIN: number = 7 * 86_400;
/** S3's largest object, in bytes (5 TiB): no request sends more. */
export const MAX_BYTES_SENT: number = 5 * 1024 ** 4;

/**
 * The last second a log read at `now` may hold: its clock may run up to
 * {@linkcode FUTURE_MARGIN} ahead.
 *
 * @example Usage
 * ```ts
 * import { latestLogTime } from "./log_bounds.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(latestLogTime(new Date("2024-01-01T00:00:00Z")), Date.UTC(2024, 0, 8) / 1000);
 * ```
 */
export function latestLogTime(now: Date = new Date()): number {
  return Math.floor(now.getTime() / 1000) + FUTURE_MARGIN;
}

/**
 * Whether a log time (seconds) is one S3 could have written: from {@linkcode EARLIEST_LOG_TIME}
 * to `latest` ({@linkcode latestLogTime}).
 *
 * @example Usage
 * ```ts
 * import { isPlausibleTime, latestLogTime } from "./log_bounds.ts";
 * import assert from "node:assert/strict";
 *
 * const latest = latestLogTime(new Date("2024-01-01T00:00:00Z"));
 * assert.deepStrictEqual([isPlausibleTime(0, latest), isPlausibleTime(latest, latest)], [false, true]);
 * ```
 */
export function isPlausibleTime(time: number, latest: number): boolean {
  return time >= EARLIEST_LOG_TIME && time <= latest;
}
