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
 * Gives the `fields` of `sections` (views into columns that grow by {@linkcode extend}, so the
 * newest buffer of a column holds every row from 0, with room to spare) one exact-size copy per
 * column, each section viewing its own rows of it. A parse task's answer then transfers only its
 * rows: handing the spare room of presized columns to the writer thread cost more than the copy.
 *
 * @example Usage
 * ```ts
 * import { packSections } from "./typed_columns.ts";
 * import assert from "node:assert/strict";
 *
 * const column = new Uint32Array(1024);
 * column.set([7, 8, 9]);
 * const sections = [{ ids: column.subarray(0, 2) }, { ids: column.subarray(2, 3) }];
 * packSections(sections, ["ids"]);
 * assert.deepStrictEqual([sections[0].ids, sections[1].ids], [Uint32Array.of(7, 8), Uint32Array.of(9)]);
 * assert.deepStrictEqual(sections[1].ids.buffer.byteLength, 12);
 * ```
 */
export function packSections<K extends string>(
  sections: Record<K, Column>[],
  fields: readonly K[],
): void {
  for (const field of fields) {
    let newest: Column | undefined;
    let rows = 0;
    for (const section of sections) {
      const view = section[field];
      if (newest === undefined || view.buffer.byteLength > newest.buffer.byteLength) newest = view;
      rows = Math.max(rows, view.byteOffset / view.BYTES_PER_ELEMENT + view.length);
    }
    if (newest === undefined) continue;
    const Type = newest.constructor as new (
      buffer: ArrayBufferLike,
      offset: number,
      length: number,
    ) => Column;
    const packed = new Type(newest.buffer, 0, rows).slice();
    for (const section of sections) {
      const view = section[field];
      const first = view.byteOffset / view.BYTES_PER_ELEMENT;
      section[field] = packed.subarray(first, first + view.length);
    }
  }
}

/**
 * Frees the memory of `columns` now: their buffers are detached (every view of them reads as
 * empty from then on). For arrays that nothing reads again and that own their buffers: V8
 * collects a large array late, and the kept counts' arrays, dead one after another, would all
 * stay until then (a summary step's peak).
 *
 * @example Usage
 * ```ts
 * import { release } from "./typed_columns.ts";
 * import assert from "node:assert/strict";
 *
 * const column = new Uint32Array(1 << 20);
 * const view = column.subarray(0, 0);
 * release(column, view);
 * assert.deepStrictEqual([column.length, column.buffer.byteLength], [0, 0]);
 * ```
 */
export function release(...columns: Column[]): void {
  for (const column of columns) {
    const buffer = column.buffer as ArrayBuffer;
    // Two columns may share one (empty) buffer.
    if (!buffer.detached) buffer.transfer(0);
  }
}
