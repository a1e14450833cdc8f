/**
 * Byte counts for people: decimal units (1 KB = 1,000 bytes) from B to PB, and round axis
 * steps for charts of bytes.
 *
 * @module
 */

const UNITS = ["B", "KB", "MB", "GB", "TB", "PB"];

/**
 * `bytes` in the largest unit that keeps it at least 1, with three significant digits.
 *
 * @example Usage
 * ```ts
 * import { formatBytes } from "./byte_units.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(formatBytes(0), "0 B");
 * assert.deepStrictEqual(formatBytes(1_223_231_172), "1.22 GB");
 * assert.deepStrictEqual(formatBytes(987), "987 B");
 * assert.deepStrictEqual(formatBytes(3.5e15), "3.50 PB");
 * ```
 */
export function formatBytes(bytes: number): string {
  let unit = 0;
  let value = bytes;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  if (unit === 0) return `${Math.round(value)} B`;
  return `${value.toPrecision(3)} ${UNITS[unit]}`;
}

const COUNT_FORMAT = new Intl.NumberFormat("en-US");

/**
 * A count as shown: `1,234,567` (one formatter for every call: `toLocaleString` makes a new one
 * each time, which a report of 10,000 datasets felt).
 *
 * @example Usage
 * ```ts
 * import { formatCount } from "./byte_units.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(formatCount(1234567), "1,234,567");
 * ```
 */
export function formatCount(count: number): string {
  return COUNT_FORMAT.format(count);
}

/**
 * Round tick values from 0 to at least `max`: about `count` steps of 1, 2 or 5 times a power
 * of ten.
 *
 * @example Usage
 * ```ts
 * import { axisTicks } from "./byte_units.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(axisTicks(175_855_946, 4), [0, 50_000_000, 100_000_000, 150_000_000, 200_000_000]);
 * assert.deepStrictEqual(axisTicks(0, 4), [0, 1]);
 * ```
 */
export function axisTicks(max: number, count: number): number[] {
  if (max <= 0) return [0, 1];
  const rough = max / count;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!;
  const ticks: number[] = [];
  for (let value = 0; value < max + step; value += step) {
    ticks.push(value);
    if (value >= max) break;
  }
  return ticks;
}
