/**
 * Typed-array columns stored as SQLite BLOBs (little-endian, as on every platform Deno runs
 * on): the encoding of the cache's blocks of requests and of operations.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { OperatorError } from "../errors.ts";

/**
 * The bytes of a typed array (a view, not a copy), to store as a BLOB.
 *
 * @example Usage
 * ```ts
 * import { bytesOf } from "./blob_columns.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(bytesOf(new Uint32Array([1])), new Uint8Array([1, 0, 0, 0]));
 * ```
 */
export function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** A typed array constructor. */
export type ColumnType<T> = {
  new (buffer: ArrayBuffer, offset: number, length: number): T;
  new (length: number): T;
  BYTES_PER_ELEMENT: number;
};

/**
 * A column's BLOB as a typed array of `rows` values (copied when SQLite's bytes are not
 * aligned for it).
 *
 * @throws {OperatorError} When the BLOB does not hold `rows` values: the cache is damaged.
 *
 * @example Usage
 * ```ts
 * import { column } from "./blob_columns.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(column(new Uint8Array([7, 0, 0, 0]), Uint32Array, 1), new Uint32Array([7]));
 * assert.throws(() => column(new Uint8Array(3), Uint32Array, 1), /damaged/);
 * ```
 */
export function column<T extends ArrayBufferView>(
  blob: unknown,
  type: ColumnType<T>,
  rows: number,
): T {
  const bytes = blob as Uint8Array;
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== rows * type.BYTES_PER_ELEMENT) {
    throw new OperatorError(
      `The cache database is damaged: a block holds ${
        bytes?.byteLength ?? "no"
      } bytes in a column of ${rows} rows. Restore cache.sqlite from a backup.`,
    );
  }
  if (bytes.byteOffset % type.BYTES_PER_ELEMENT === 0) {
    return new type(bytes.buffer as ArrayBuffer, bytes.byteOffset, rows);
  }
  const copy = new type(rows);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}

/**
 * Whether the database has the table `name` (a cache read without upgrading may predate it).
 *
 * @example Usage
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { hasTable } from "./blob_columns.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE t (x)");
 * assert.deepStrictEqual([hasTable(db, "t"), hasTable(db, "u")], [true, false]);
 * db.close();
 * ```
 */
export function hasTable(db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !==
    undefined;
}

/**
 * Whether table `table` has the column `name` (a cache read without upgrading may predate it).
 *
 * @example Usage
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { hasColumn } from "./blob_columns.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE t (x)");
 * assert.deepStrictEqual([hasColumn(db, "t", "x"), hasColumn(db, "t", "y")], [true, false]);
 * db.close();
 * ```
 */
export function hasColumn(db: DatabaseSync, table: string, name: string): boolean {
  return db.prepare("SELECT 1 FROM pragma_table_info(?) WHERE name = ?").get(table, name) !==
    undefined;
}
