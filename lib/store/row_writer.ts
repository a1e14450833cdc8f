/**
 * Inserts request rows 64 to a statement: one SQLite statement per row would cost more than
 * parsing the row.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";

const ROWS_PER_STATEMENT = 64;
const COLUMNS = "(file_id, line, object_id, time, bytes_sent, ip_index, download)";

/**
 * Buffers request rows and inserts them in groups; call {@linkcode RowWriter.flush} before the
 * transaction commits, or
 * {@linkcode RowWriter.discard} when it rolls back.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { RowWriter } from "./row_writer.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const rows = new RowWriter(db);
 * for (let line = 1; line <= 100; line++) rows.push(1, line, 1, 0, 10, 7, 1);
 * rows.flush();
 * assert.deepStrictEqual({ ...db.prepare("SELECT count(*) AS n, sum(bytes_sent) AS b FROM requests").get() },
 *   { n: 100, b: 1000 });
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class RowWriter {
  #many: StatementSync;
  #one: StatementSync;
  #values: number[] = new Array(ROWS_PER_STATEMENT * 7);
  #count = 0;

  /** Prepares the statements on `db`. */
  constructor(db: DatabaseSync) {
    const values = Array(ROWS_PER_STATEMENT).fill("(?, ?, ?, ?, ?, ?, ?)").join(", ");
    this.#many = db.prepare(`INSERT INTO requests ${COLUMNS} VALUES ${values}`);
    this.#one = db.prepare(`INSERT INTO requests ${COLUMNS} VALUES (?, ?, ?, ?, ?, ?, ?)`);
  }

  /** Adds one request row. */
  push(
    fileId: number,
    line: number,
    objectId: number,
    time: number,
    bytesSent: number,
    ipIndex: number,
    download: number,
  ): void {
    const v = this.#values;
    const b = this.#count * 7;
    v[b] = fileId;
    v[b + 1] = line;
    v[b + 2] = objectId;
    v[b + 3] = time;
    v[b + 4] = bytesSent;
    v[b + 5] = ipIndex;
    v[b + 6] = download;
    if (++this.#count === ROWS_PER_STATEMENT) {
      this.#many.run(...v);
      this.#count = 0;
    }
  }

  /** Forgets the rows still buffered (their transaction was rolled back). */
  discard(): void {
    this.#count = 0;
  }

  /** Inserts the rows still buffered. */
  flush(): void {
    const v = this.#values;
    for (let r = 0; r < this.#count; r++) {
      const b = r * 7;
      this.#one.run(v[b], v[b + 1], v[b + 2], v[b + 3], v[b + 4], v[b + 5], v[b + 6]);
    }
    this.#count = 0;
  }
}
