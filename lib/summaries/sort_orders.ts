/**
 * The orders the reference's outputs use: natural order (digit runs compared as numbers, the
 * rest by code point) and Python's path order (compared component by component).
 *
 * @module
 */

/**
 * Compares two strings by code point (Python's string order).
 *
 * @example Usage
 * ```ts
 * import { compareCodePoints } from "./sort_orders.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(["b", "B", "a"].sort(compareCodePoints), ["B", "a", "b"]);
 * ```
 */
export function compareCodePoints(a: string, b: string): number {
  if (!/[\ud800-\udfff]/.test(a + b)) return a < b ? -1 : a > b ? 1 : 0;
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = x[i].codePointAt(0)! - y[i].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * Compares `/`-separated paths component by component, as Python's `pathlib` sorts them
 * (`x/a/b` before `x/a-b`, although the plain string `x/a-b` is smaller).
 *
 * @example Usage
 * ```ts
 * import { comparePaths } from "./sort_orders.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(["x/a-b", "x/a/b"].sort(comparePaths), ["x/a/b", "x/a-b"]);
 * ```
 */
export function comparePaths(a: string, b: string): number {
  const x = a.split("/");
  const y = b.split("/");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = compareCodePoints(x[i], y[i]);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/**
 * Natural order: runs of digits compare as numbers, everything else by code point.
 *
 * @example Usage
 * ```ts
 * import { compareNatural } from "./sort_orders.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(["a10", "a9", "B1"].sort(compareNatural), ["B1", "a9", "a10"]);
 * ```
 */
export function compareNatural(a: string, b: string): number {
  const x = a.match(/\d+|\D+/g) ?? [];
  const y = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const xDigits = /^\d/.test(x[i]);
    const yDigits = /^\d/.test(y[i]);
    let d: number;
    if (xDigits && yDigits) {
      const xs = x[i].replace(/^0+(?=\d)/, "");
      const ys = y[i].replace(/^0+(?=\d)/, "");
      d = xs.length - ys.length || compareCodePoints(xs, ys);
    } else if (xDigits !== yDigits) {
      d = xDigits ? -1 : 1; // numbers sort before text, as natsort's tuples do
    } else {
      d = compareCodePoints(x[i], y[i]);
    }
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
