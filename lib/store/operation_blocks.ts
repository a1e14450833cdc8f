/**
 * The lines the download rules do not keep, aggregated (schema 9): a block per log file and
 * commit holds, per object, UTC day, operation group and status class, the requests, bytes sent
 * and bytes received, one BLOB per column. Blocks are written in the transaction of the
 * requests of the same lines and deleted with them when a file is read again, so every line is
 * counted exactly once.
 *
 * Column encodings: `object_ids` `Uint32` (0: no object), `days` `Uint32` (days since
 * 1970-01-01), `codes` one byte (`group * 4 + class`, see `operation_group.ts`), `requests`,
 * `bytes_sent` and `bytes_received` `Float64`.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { bytesOf, column, hasTable } from "./blob_columns.ts";

/** The aggregate of a piece (or of a stored block), as columns. */
export interface OperationCounts {
  /** Number of groups (the length of each column). */
  rows: number;
  /** The object of each group: an index into the piece's keys (-1: no object), or an object id (0: none). */
  objects: Int32Array | Uint32Array;
  /** Each group's UTC day (days since 1970-01-01). */
  days: Uint32Array;
  /** Each group's operation group and status class: `group * 4 + class`. */
  codes: Uint8Array;
  /** Requests of each group. */
  requests: Float64Array;
  /** Bytes sent by each group's requests. */
  bytesSent: Float64Array;
  /** Bytes received (uploads' object sizes) by each group's requests. */
  bytesReceived: Float64Array;
}

/** A stored block of aggregated lines. */
export interface OperationBlock extends OperationCounts {
  /** The block's id (later blocks have larger ids). */
  id: number;
  /** Object ids (0: none). */
  objects: Uint32Array;
}

const INSERT = `INSERT INTO operation_blocks (file_id, rows, object_ids, days, codes, requests,
  bytes_sent, bytes_received) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;

/**
 * Writes aggregates of operations (inside the caller's transaction).
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { OperationBlockWriter, readOperationBlocks } from "./operation_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * new OperationBlockWriter(db).write(1, {
 *   rows: 1, objects: new Uint32Array([5]), days: new Uint32Array([19723]), codes: new Uint8Array([10]),
 *   requests: new Float64Array([3]), bytesSent: new Float64Array([0]), bytesReceived: new Float64Array([900]),
 * });
 * const [block] = [...readOperationBlocks(db)];
 * assert.deepStrictEqual([block.rows, block.objects[0], block.bytesReceived[0]], [1, 5, 900]);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class OperationBlockWriter {
  #insert: StatementSync;

  /** Prepares the insert on `db`. */
  constructor(db: DatabaseSync) {
    this.#insert = db.prepare(INSERT);
  }

  /** Stores the aggregate of one piece of log file `fileId`; `counts.objects` are object ids (0: none). */
  write(fileId: number, counts: OperationCounts): void {
    if (counts.rows === 0) return;
    this.#insert.run(
      fileId,
      counts.rows,
      bytesOf(counts.objects),
      bytesOf(counts.days),
      counts.codes,
      bytesOf(counts.requests),
      bytesOf(counts.bytesSent),
      bytesOf(counts.bytesReceived),
    );
  }
}

/**
 * Every stored aggregate of operations, block by block (none in a cache before schema 9).
 *
 * @param db The cache database.
 * @param options `afterId` limits the read to the blocks stored after that one.
 * @returns The blocks, decoded; `objects` are object ids (0: none).
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { readOperationBlocks } from "./operation_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * assert.deepStrictEqual([...readOperationBlocks(db)], []);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function* readOperationBlocks(
  db: DatabaseSync,
  options: { afterId?: number } = {},
): Generator<OperationBlock> {
  if (!hasTable(db, "operation_blocks")) return;
  const select = db.prepare(`SELECT id, rows, object_ids, days, codes, requests, bytes_sent,
    bytes_received FROM operation_blocks WHERE id > ? ORDER BY id`);
  for (const row of select.iterate(options.afterId ?? 0)) {
    const rows = row.rows as number;
    yield {
      id: row.id as number,
      rows,
      objects: column(row.object_ids, Uint32Array, rows),
      days: column(row.days, Uint32Array, rows),
      codes: column(row.codes, Uint8Array, rows),
      requests: column(row.requests, Float64Array, rows),
      bytesSent: column(row.bytes_sent, Float64Array, rows),
      bytesReceived: column(row.bytes_received, Float64Array, rows),
    };
  }
}

/** Requests per operation group and per status class (indexes of their lists). */
export interface OperationShares {
  /** Requests per operation group (see `OPERATION_GROUPS`). */
  groups: number[];
  /** Requests per status class (see `STATUS_CLASSES`). */
  classes: number[];
}

/**
 * The requests of the counted lines per operation group and status class, with `kept` stored
 * requests (kept lines are 2xx downloads) added.
 *
 * @param db The cache database.
 * @param kept The number of stored requests.
 * @returns The sums (of the stored requests alone in a cache before schema 9).
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { countOperations, OperationBlockWriter } from "./operation_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * // 3 uploads (group 2) with status 4xx (class 2): code 2 * 4 + 2.
 * new OperationBlockWriter(db).write(1, {
 *   rows: 1, objects: new Uint32Array([5]), days: new Uint32Array([19723]), codes: new Uint8Array([10]),
 *   requests: new Float64Array([3]), bytesSent: new Float64Array([0]), bytesReceived: new Float64Array([0]),
 * });
 * assert.deepStrictEqual(countOperations(db, 7), { groups: [7, 0, 3, 0, 0, 0], classes: [7, 0, 3, 0] });
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function countOperations(db: DatabaseSync, kept: number): OperationShares {
  const groups = [kept, 0, 0, 0, 0, 0];
  const classes = [kept, 0, 0, 0];
  for (const { rows, codes, requests } of readOperationBlocks(db)) {
    for (let i = 0; i < rows; i++) {
      groups[codes[i] >> 2] += requests[i];
      classes[codes[i] & 3] += requests[i];
    }
  }
  return { groups, classes };
}

/**
 * Deletes the aggregates of the given log files (inside the caller's transaction).
 *
 * @param db The cache database.
 * @param fileIds The files' ids (`log_files.id`).
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { deleteFileOperations, readOperationBlocks } from "./operation_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * deleteFileOperations(db, [1, 2]);
 * assert.deepStrictEqual([...readOperationBlocks(db)].length, 0);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function deleteFileOperations(db: DatabaseSync, fileIds: number[]): void {
  if (fileIds.length === 0 || !hasTable(db, "operation_blocks")) return;
  db.exec(`DELETE FROM operation_blocks WHERE file_id IN (${fileIds.map(Number).join(", ")})`);
}
