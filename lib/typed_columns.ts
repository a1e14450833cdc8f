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
