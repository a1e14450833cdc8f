/**
 * The privacy rounding of published counts: a count below the minimum is published as `<M`;
 * any other count is rounded to the nearest multiple of the modulo, halves to even (Python's
 * `round`), as the reference does.
 *
 * @module
 */

/** Options of {@linkcode roundForPrivacy}. */
export interface PrivacyOptions {
  /** Counts below this are published as `<minimum` (default 50). */
  minimum?: number;
  /** Other counts are rounded to a multiple of this (default 20). */
  modulo?: number;
}

/**
 * A count as it may be published.
 *
 * @example The reference's table
 * ```ts
 * import { roundForPrivacy } from "./privacy_rounding.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([0, 49, 50, 55, 70, 90, 150].map((n) => roundForPrivacy(n)), ["<50", "<50", 40, 60, 80, 80, 160]);
 * assert.deepStrictEqual(roundForPrivacy(8, { minimum: 5, modulo: 5 }), 10);
 * ```
 */
export function roundForPrivacy(count: number, options: PrivacyOptions = {}): number | string {
  const minimum = options.minimum ?? 50;
  const modulo = options.modulo ?? 20;
  if (count < minimum) return `<${minimum}`;
  const quotient = Math.floor(count / modulo);
  const twice = 2 * (count - quotient * modulo);
  const up = twice > modulo || (twice === modulo && quotient % 2 === 1);
  return (up ? quotient + 1 : quotient) * modulo;
}
