/**
 * The password rules: the reference's (length, distinct characters, estimated entropy) plus a
 * check for passwords made of one short piece repeated, which the entropy estimate misses.
 *
 * @module
 */

const PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const PRINTABLE_WHITESPACE = " \t\n\r\x0b\x0c";

/**
 * The problems of a password, empty when it is strong enough.
 *
 * @example Usage
 * ```ts
 * import { passwordProblems } from "./password_strength.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(passwordProblems("Tr0ub4dor&3-example-passphrase"), []);
 * assert.deepStrictEqual(passwordProblems("hunter2").length, 3);
 * ```
 */
export function passwordProblems(password: string): string[] {
  const chars = [...password];
  const problems: string[] = [];
  if (chars.length < 16) {
    problems.push(`it must be at least 16 characters long (got ${chars.length})`);
  }
  const distinct = new Set(chars).size;
  if (distinct < 8) {
    problems.push(`it must contain at least 8 distinct characters (got ${distinct})`);
  }
  const bits = estimatedEntropyBits(password);
  if (bits < 90) {
    problems.push(`its estimated entropy must be at least 90 bits (got ${Math.round(bits)})`);
  }
  const unit = repeatedUnit(password);
  if (unit !== undefined) {
    problems.push(`it is one ${unit}-character piece repeated`);
  }
  return problems;
}

/**
 * The reference's entropy estimate: length × log2(size of the character classes used).
 *
 * @example Usage
 * ```ts
 * import { estimatedEntropyBits } from "./password_strength.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(Math.round(estimatedEntropyBits("Password123!") * 10) / 10, 78.7);
 * ```
 */
export function estimatedEntropyBits(password: string): number {
  let lower = false, upper = false, digit = false, punctuation = false, other = false;
  const chars = [...password];
  for (const c of chars) {
    if (c >= "a" && c <= "z") lower = true;
    else if (c >= "A" && c <= "Z") upper = true;
    else if (c >= "0" && c <= "9") digit = true;
    else if (PUNCTUATION.includes(c)) punctuation = true;
    else if (!PRINTABLE_WHITESPACE.includes(c)) other = true;
  }
  const pool = (lower ? 26 : 0) + (upper ? 26 : 0) + (digit ? 10 : 0) + (punctuation ? 32 : 0) +
    (other ? 100 : 0);
  return pool === 0 ? 0 : chars.length * Math.log2(pool);
}

/** Length of the shortest piece that the password repeats at least twice, if any. */
function repeatedUnit(password: string): number | undefined {
  const n = password.length;
  for (let unit = 1; unit <= n / 2; unit++) {
    if (n % unit === 0 && password.slice(0, unit).repeat(n / unit) === password) return unit;
  }
  return undefined;
}
