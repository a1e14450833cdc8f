/**
 * Calendar arithmetic on UTC dates without `Date` objects, so the log parser can turn the
 * fields of `[06/Apr/2022:03:05:53 +0000]` into seconds with a few integer operations.
 *
 * @module
 */

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (month 1–12).
 *
 * @example Usage
 * ```ts
 * import { daysFromCivil } from "./civil_time.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(daysFromCivil(1970, 1, 1), 0);
 * assert.deepStrictEqual(daysFromCivil(2022, 4, 6), 19088);
 * ```
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) +
    dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/**
 * Number of days in a month of a year (Gregorian leap rules).
 *
 * @example Usage
 * ```ts
 * import { daysInMonth } from "./civil_time.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(daysInMonth(2024, 2), 29);
 * assert.deepStrictEqual(daysInMonth(2100, 2), 28);
 * ```
 */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) {
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    return leap ? 29 : 28;
  }
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * {@linkcode daysFromCivil} for the dates of a log, whose lines share their date: computed when
 * the date changes, and `NaN` for a day the month does not have (`month` 1–12, `day` 1 or more,
 * `year` 0 or more, as the parsers check before asking).
 *
 * @example Usage
 * ```ts
 * import { LogDays } from "./civil_time.ts";
 * import assert from "node:assert/strict";
 *
 * const days = new LogDays();
 * assert.deepStrictEqual([days.of(2022, 4, 6), days.of(2022, 4, 6), days.of(2023, 2, 29)], [19088, 19088, NaN]);
 * ```
 */
export class LogDays {
  /** The last valid date asked for, as `(year * 16 + month) * 32 + day` (-1: none), its days. */
  #date = -1;
  #days = 0;

  /** The days since 1970-01-01 of a date (negative before), or `NaN` for a day it lacks. */
  of(year: number, month: number, day: number): number {
    const date = (year * 16 + month) * 32 + day;
    if (date !== this.#date) {
      if (day > daysInMonth(year, month)) return NaN;
      this.#date = date;
      this.#days = daysFromCivil(year, month, day);
    }
    return this.#days;
  }
}

/**
 * Formats UTC seconds since the epoch as the reference's 12-digit `YYMMDDhhmmss` timestamp.
 *
 * @example Usage
 * ```ts
 * import { formatReferenceTimestamp } from "./civil_time.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(formatReferenceTimestamp(Date.UTC(2022, 3, 6, 3, 5, 53) / 1000), "220406030553");
 * ```
 */
export function formatReferenceTimestamp(epochSeconds: number): string {
  const iso = new Date(epochSeconds * 1000).toISOString(); // 2022-04-06T03:05:53.000Z
  return iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13) +
    iso.slice(14, 16) + iso.slice(17, 19);
}
