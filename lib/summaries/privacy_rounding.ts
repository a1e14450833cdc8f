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
  return privacyRounding(options)(count);
}

/**
 * {@linkcode roundForPrivacy} with its options fixed, for the millions of counts of a summary:
 * the options are read and the `<M` text made once.
 *
 * @example Usage
 * ```ts
 * import { privacyRounding } from "./privacy_rounding.ts";
 * import assert from "node:assert/strict";
 *
 * const round = privacyRounding({ minimum: 5, modulo: 5 });
 * assert.deepStrictEqual([4, 8, 12.5].map(round), ["<5", 10, 10]);
 * ```
 */
export function privacyRounding(options: PrivacyOptions = {}): (count: number) => number | string {
  const minimum = options.minimum ?? 50;
  const modulo = options.modulo ?? 20;
  const below = `<${minimum}`;
  return (count) => {
    if (count < minimum) return below;
    const quotient = Math.floor(count / modulo);
    const twice = 2 * (count - quotient * modulo);
    const up = twice > modulo || (twice === modulo && quotient % 2 === 1);
    return (up ? quotient + 1 : quotient) * modulo;
  };
}
