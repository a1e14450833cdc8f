/**
 * Growing the typed-array columns that parsers fill.
 *
 * @module
 */

/** A typed array of a column. */
export type Column = Uint8Array | Int32Array | Uint32Array | Float64Array;

/**
 * Copies `from` into the start of the larger `to`, and returns `to`.
 *
 * @example Usage
 * ```ts
 * import { extend } from "./typed_columns.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(extend(Uint32Array.of(1, 2), new Uint32Array(4)), Uint32Array.of(1, 2, 0, 0));
 * ```
 */
export function extend<T extends Column>(from: T, to: T): T {
  to.set(from as never);
  return to;
}

/**
 * The `parts` copied one after the other into one new array, returned as views of it (one per
 * part, in order): columns of many pieces then travel as one buffer.
 *
 * @example Usage
 * ```ts
 * import { concatenated } from "./typed_columns.ts";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = concatenated([Uint32Array.of(1, 2), Uint32Array.of(3)]);
 * assert.deepStrictEqual([a, b], [Uint32Array.of(1, 2), Uint32Array.of(3)]);
 * assert.strictEqual(a.buffer, b.buffer);
 * ```
 */
export function concatenated<T extends Column>(parts: readonly T[]): T[] {
  if (parts.length === 0) return [];
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const all = new (parts[0].constructor as new (length: number) => T)(total);
  let offset = 0;
  return parts.map((part) => {
    all.set(part as never, offset);
    offset += part.length;
    return all.subarray(offset - part.length, offset) as T;
  });
}
