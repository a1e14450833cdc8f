/**
 * Extracted requests, stored by column: a block holds up to {@linkcode BLOCK_ROWS} requests as
 * one BLOB per column (line, object id, time, bytes sent, IP index, download, and since schema 8
 * object size and client kind).
 * One row per block instead of one per request makes inserts and scans several times cheaper
 * (SQLite's per-row cost is gone), and a block keeps its log files' ids, so that a file's
 * requests can be replaced and exports keep file and line order.
 *
 * Since schema 10 the rows of several log files may share a block (thousands of small files
 * then make a few blocks, not one each): `file_runs` lists its files in row order as pairs (file
 * id, rows), `Float64`; it is NULL when the block holds one file, `file_id`. `file_id` is always
 * the first file's. A file whose rows start in a block another file began keeps that block's id
 * in `log_files.block_id`; its other rows are in blocks it begins. So a file's requests are
 * found by `file_id` and `block_id` (see {@linkcode deleteFileRequests}).
 *
 * Column encodings (little-endian typed arrays, as on every platform Deno runs on): `lines` are
 * `Uint32` offsets from the block's `first_line`, `object_ids` `Uint32`, `times` (seconds since
 * the epoch), `bytes_sent` and `ip_indexes` `Float64` (exact integers up to 2^53), `downloads`
 * one byte each. `min_time` and `max_time` bound the block's times.
 *
 * Caches written before schema 7 held one row per request in a `requests` table: opening them
 * to write moves those rows into blocks, a chunk per transaction (resumable after a kill), and
 * {@linkcode readRequestBlocks} reads rows not moved yet after the blocks, in their order, so a
 * reader sees every request once at any point of the move.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { OperatorError } from "../errors.ts";
import { bytesOf, column, hasColumn, hasTable } from "./blob_columns.ts";
import { deleteFileOperations } from "./operation_blocks.ts";

/** Most requests in one block. */
export const BLOCK_ROWS = 65_536;

/** The requests of one block, decoded. */
export interface RequestBlock {
  /**
   * The block's id (`request_blocks.id`: later blocks have larger ids), -1 for rows of a cache
   * written before schema 7 not moved into blocks yet.
   */
  id: number;
  /**
   * The log files they were read from, in row order, as pairs: a file's id (`log_files.id`),
   * then how many of the rows that follow are of it (see {@linkcode rowFileIds}).
   */
  files: Float64Array;
  /** Number of requests. */
  rows: number;
  /** Line number of each request in its file. */
  lines: Float64Array;
  /** Object of each request (`objects.id`). */
  objectIds: Uint32Array;
  /** Time of each request, seconds since the epoch. */
  times: Float64Array;
  /** Bytes sent by each request. */
  bytesSent: Float64Array;
  /** Client IP index of each request (`ips.ip_index`). */
  ipIndexes: Float64Array;
  /** 1 for a download (status 200), else 0. */
  downloads: Uint8Array;
  /** The object's size of each request, -1 when unknown (and in blocks before schema 8). */
  objectSizes: Float64Array;
  /** The client kind of each request (a code of `CLIENT_KINDS`; 0, unknown, before schema 8). */
  clientKinds: Uint8Array;
}

const INSERT_BLOCK = `INSERT INTO request_blocks (id, file_id, rows, first_line, min_time, max_time,
  lines, object_ids, times, bytes_sent, ip_indexes, downloads, object_sizes, client_kinds, file_runs)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

/** A block's columns as they are written: `files` as in {@linkcode RequestBlock}. */
type BlockColumns = Omit<RequestBlock, "id" | "rows" | "files">;

/** Writes rows `[0, rows)` of `columns` as block `id` of the files `files`. */
function insertBlock(
  insert: StatementSync,
  id: number,
  files: readonly number[] | Float64Array,
  rows: number,
  columns: BlockColumns,
): void {
  const lines = columns.lines.subarray(0, rows);
  const times = columns.times.subarray(0, rows);
  let firstLine = Infinity;
  let minTime = Infinity;
  let maxTime = -Infinity;
  for (let i = 0; i < rows; i++) {
    if (lines[i] < firstLine) firstLine = lines[i];
    if (times[i] < minTime) minTime = times[i];
    if (times[i] > maxTime) maxTime = times[i];
  }
  const offsets = new Uint32Array(rows);
  for (let i = 0; i < rows; i++) offsets[i] = lines[i] - firstLine;
  insert.run(
    id,
    files[0],
    rows,
    firstLine,
    minTime,
    maxTime,
    bytesOf(offsets),
    bytesOf(columns.objectIds.subarray(0, rows)),
    bytesOf(times),
    bytesOf(columns.bytesSent.subarray(0, rows)),
    bytesOf(columns.ipIndexes.subarray(0, rows)),
    columns.downloads.slice(0, rows),
    bytesOf(columns.objectSizes.subarray(0, rows)),
    columns.clientKinds.slice(0, rows),
    files.length === 2 ? null : bytesOf(Float64Array.from(files)),
  );
}

/**
 * Buffers requests and writes them as blocks. Rows of a file begin a block of their own unless
 * {@linkcode BlockWriter.shareNext} lets them join the one open. Call
 * {@linkcode BlockWriter.flush} inside the transaction before it commits, or
 * {@linkcode BlockWriter.discard} when it rolls back; use one writer per transaction (it numbers
 * the blocks it writes).
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { BlockWriter, countRequests } from "./request_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const blocks = new BlockWriter(db);
 * for (let line = 1; line <= 100; line++) blocks.push(1, line, 1, 0, 10, 7, 1);
 * blocks.flush();
 * assert.deepStrictEqual(countRequests(db), 100);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class BlockWriter {
  #insert: StatementSync;
  #lastId: StatementSync;
  /** The id the open block will be written with; 0 until read in this transaction. */
  #nextId = 0;
  #count = 0;
  /** The open block's files before the last: pairs of file id and rows. */
  readonly #files: number[] = [];
  /** The file of the open block's last rows, and the row they start at. */
  #fileId = -1;
  #fileStart = 0;
  /** Whether the next file's rows may join the open block. */
  #sharing = false;
  #columns: BlockColumns = {
    lines: new Float64Array(BLOCK_ROWS),
    objectIds: new Uint32Array(BLOCK_ROWS),
    times: new Float64Array(BLOCK_ROWS),
    bytesSent: new Float64Array(BLOCK_ROWS),
    ipIndexes: new Float64Array(BLOCK_ROWS),
    downloads: new Uint8Array(BLOCK_ROWS),
    objectSizes: new Float64Array(BLOCK_ROWS),
    clientKinds: new Uint8Array(BLOCK_ROWS),
  };

  /** Prepares the statements on `db`. */
  constructor(db: DatabaseSync) {
    this.#insert = db.prepare(INSERT_BLOCK);
    this.#lastId = db.prepare("SELECT coalesce(max(id), 0) AS id FROM request_blocks");
  }

  /**
   * Lets the rows of the next file pushed (one not stored anywhere yet) join the open block,
   * instead of beginning one.
   *
   * @returns The id of the block they join when other files' rows are in it already: keep it
   * with the file (`log_files.block_id`), for {@linkcode deleteFileRequests}. Undefined when
   * its rows begin a block.
   */
  shareNext(): number | undefined {
    this.#sharing = true;
    if (this.#count === 0 || this.#count === BLOCK_ROWS) return undefined;
    return this.#blockId();
  }

  /**
   * Adds one request; requests of one file are pushed in line order. `objectSize` is -1 and
   * `clientKind` 0 (unknown) where the source does not say (imports, caches of schema 6).
   */
  push(
    fileId: number,
    line: number,
    objectId: number,
    time: number,
    bytesSent: number,
    ipIndex: number,
    download: number,
    objectSize = -1,
    clientKind = 0,
  ): void {
    if (fileId !== this.#fileId || this.#count === BLOCK_ROWS) this.#begin(fileId);
    const i = this.#count++;
    const c = this.#columns;
    c.lines[i] = line;
    c.objectIds[i] = objectId;
    c.times[i] = time;
    c.bytesSent[i] = bytesSent;
    c.ipIndexes[i] = ipIndex;
    c.downloads[i] = download;
    c.objectSizes[i] = objectSize;
    c.clientKinds[i] = clientKind;
  }

  /** Forgets the requests still buffered (their transaction was rolled back). */
  discard(): void {
    this.#count = 0;
    this.#files.length = 0;
    this.#fileId = -1;
    this.#sharing = false;
    this.#nextId = 0;
  }

  /** Writes the requests still buffered as a block; the transaction may end after it. */
  flush(): void {
    this.#write();
    this.#sharing = false;
    this.#nextId = 0;
  }

  #blockId(): number {
    if (this.#nextId === 0) this.#nextId = (this.#lastId.get() as { id: number }).id + 1;
    return this.#nextId;
  }

  /** Starts the rows of `fileId`: in the open block when it may share it, else in a new one. */
  #begin(fileId: number): void {
    const sharing = this.#sharing && this.#count < BLOCK_ROWS;
    this.#sharing = false;
    if (!sharing) this.#write();
    else if (this.#count > 0) this.#files.push(this.#fileId, this.#count - this.#fileStart);
    this.#fileId = fileId;
    this.#fileStart = this.#count;
  }

  #write(): void {
    if (this.#count === 0) return;
    const id = this.#blockId();
    const files = this.#files;
    files.push(this.#fileId, this.#count - this.#fileStart);
    insertBlock(this.#insert, id, files, this.#count, this.#columns);
    this.#nextId = id + 1;
    this.#count = 0;
    this.#fileId = -1;
    this.#fileStart = 0;
    files.length = 0;
  }
}

/**
 * The log file of each row of `block` (`log_files.id`), from its {@linkcode RequestBlock.files}.
 *
 * @example Usage
 * ```ts
 * import { rowFileIds } from "./request_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(rowFileIds({ rows: 3, files: new Float64Array([4, 1, 9, 2]) }), new Float64Array([4, 9, 9]));
 * ```
 */
export function rowFileIds(block: Pick<RequestBlock, "rows" | "files">): Float64Array {
  const ids = new Float64Array(block.rows);
  let at = 0;
  for (let r = 0; r < block.files.length; r += 2) {
    ids.fill(block.files[r], at, at + block.files[r + 1]);
    at += block.files[r + 1];
  }
  return ids;
}

/**
 * Every stored request, block by block in storage order (the order they were committed in):
 * the blocks, then the rows of a cache written before schema 7 not moved into blocks yet.
 *
 * @param db The cache database.
 * @param options `afterId` limits the read to the blocks with a larger id (rows not moved into
 * blocks yet come after them all the same), `ids` to the blocks of these ids (and no rows not
 * moved yet).
 * @returns The blocks, decoded.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { BlockWriter, readRequestBlocks } from "./request_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const blocks = new BlockWriter(db);
 * blocks.push(1, 3, 9, 86400, 100, 7, 1);
 * blocks.push(2, 1, 9, 86401, 50, 8, 0);
 * blocks.shareNext();
 * blocks.push(3, 1, 9, 86402, 20, 8, 0);
 * blocks.flush();
 * const read = [...readRequestBlocks(db)];
 * assert.deepStrictEqual(read.map((b) => [[...b.files], [...b.lines], [...b.bytesSent]]), [
 *   [[1, 1], [3], [100]],
 *   [[2, 1, 3, 1], [1, 1], [50, 20]],
 * ]);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function* readRequestBlocks(
  db: DatabaseSync,
  options: { afterId?: number; ids?: readonly number[] } = {},
): Generator<RequestBlock> {
  const where = [
    ...options.afterId === undefined ? [] : [`id > ${Number(options.afterId)}`],
    ...options.ids === undefined ? [] : [`id IN (${options.ids.map(Number).join(", ")})`],
  ];
  const kept = hasKindColumns(db);
  const shared = hasColumn(db, "request_blocks", "file_runs");
  const select = hasBlocks(db)
    ? db.prepare(`SELECT id, file_id, rows, first_line, lines, object_ids, times, bytes_sent,
      ip_indexes, downloads, ${kept ? "object_sizes, client_kinds" : "NULL, NULL"},
      ${shared ? "file_runs" : "NULL"} AS file_runs
      FROM request_blocks ${where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`}
      ORDER BY id`)
    : undefined;
  for (const row of select?.iterate() ?? []) {
    const rows = row.rows as number;
    const offsets = column(row.lines, Uint32Array, rows);
    const lines = new Float64Array(rows);
    const first = row.first_line as number;
    for (let i = 0; i < rows; i++) lines[i] = first + offsets[i];
    yield {
      id: row.id as number,
      files: fileRuns(row.file_id as number, rows, row.file_runs),
      rows,
      lines,
      objectIds: column(row.object_ids, Uint32Array, rows),
      times: column(row.times, Float64Array, rows),
      bytesSent: column(row.bytes_sent, Float64Array, rows),
      ipIndexes: column(row.ip_indexes, Float64Array, rows),
      downloads: column(row.downloads, Uint8Array, rows),
      objectSizes: row.object_sizes == null
        ? new Float64Array(rows).fill(-1)
        : column(row.object_sizes, Float64Array, rows),
      clientKinds: row.client_kinds == null
        ? new Uint8Array(rows)
        : column(row.client_kinds, Uint8Array, rows),
    };
  }
  if (hasLegacyRequests(db) && options.ids === undefined) yield* legacyBlocks(db);
}

/**
 * The IP index of every stored request (in the blocks after `afterId`), a block at a time, in
 * block order (rows not moved into blocks yet last). Only that column is read, for the IP
 * table's check: on the 11 M request bench night, 0.17–0.23 s where decoding whole blocks takes
 * 0.34–0.74 s.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { BlockWriter, readIpIndexes } from "./request_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const blocks = new BlockWriter(db);
 * blocks.push(1, 1, 9, 86400, 100, 7, 1);
 * blocks.push(1, 2, 9, 86401, 50, 8, 0);
 * blocks.flush();
 * assert.deepStrictEqual([...readIpIndexes(db)].map((ips) => [...ips]), [[7, 8]]);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function* readIpIndexes(db: DatabaseSync, afterId = 0): Generator<Float64Array> {
  if (hasBlocks(db)) {
    const select = db.prepare(
      "SELECT rows, ip_indexes FROM request_blocks WHERE id > ? ORDER BY id",
    );
    for (const row of select.iterate(afterId)) {
      yield column(row.ip_indexes, Float64Array, row.rows as number);
    }
  }
  if (hasLegacyRequests(db)) { for (const block of legacyBlocks(db)) yield block.ipIndexes; }
}

/** A block's files (see {@linkcode RequestBlock.files}) from its `file_id` and `file_runs`. */
function fileRuns(fileId: number, rows: number, runs: unknown): Float64Array {
  if (runs == null) return new Float64Array([fileId, rows]);
  const bytes = runs as Uint8Array;
  const files = column(bytes, Float64Array, Math.floor((bytes?.byteLength ?? 0) / 8));
  let total = 0;
  for (let r = 1; r < files.length; r += 2) total += files[r];
  if (files.length % 2 !== 0 || files[0] !== fileId || total !== rows) {
    throw new OperatorError(
      `The cache database is damaged: a block of ${rows} requests lists files of ${total}. ` +
        "Restore cache.sqlite from a backup.",
    );
  }
  return files;
}

/** Client-kind counts of the blocks up to one, known already (see {@linkcode countClientKinds}). */
export interface CountedKinds {
  /** The last block counted (`request_blocks.id`). */
  through: number;
  /** Its requests per kind code (codes 0 to 5). */
  counts: readonly number[];
}

/**
 * How many stored requests each client kind has, by code (see `CLIENT_KINDS`): requests of
 * blocks written before schema 8, and rows not moved into blocks yet, count as unknown (0).
 * Every block is read (its kinds are the last column: the whole row), unless `from` gives the
 * counts up to a block; call it inside a read transaction then, so that both are of one
 * snapshot.
 *
 * @param db The cache database.
 * @param from The counts of the blocks up to `from.through` (as a kept fold holds them).
 * @returns Requests per kind code, for codes 0 to 5.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { BlockWriter, countClientKinds } from "./request_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const blocks = new BlockWriter(db);
 * blocks.push(1, 1, 9, 86400, 100, 7, 1, 100, 3);
 * blocks.push(1, 2, 9, 86400, 100, 7, 1, 100, 3);
 * blocks.push(1, 3, 9, 86400, 100, 7, 1, 100, 1);
 * blocks.flush();
 * assert.deepStrictEqual(countClientKinds(db), [0, 1, 0, 2, 0, 0]);
 * // Counts kept for the blocks up to the first: that block is not read.
 * assert.deepStrictEqual(countClientKinds(db, { through: 1, counts: [0, 0, 0, 3, 0, 0] }), [
 *   0, 0, 0, 3, 0, 0,
 * ]);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function countClientKinds(db: DatabaseSync, from?: CountedKinds): number[] {
  const counts = from === undefined ? [0, 0, 0, 0, 0, 0] : [...from.counts];
  const total = countRequests(db);
  let known = counts.reduce((sum, n) => sum + n, 0);
  if (hasKindColumns(db)) {
    const select = db.prepare(
      "SELECT rows, client_kinds FROM request_blocks WHERE client_kinds IS NOT NULL AND id > ?",
    );
    for (const row of select.iterate(from?.through ?? 0)) {
      const rows = row.rows as number;
      const kinds = column(row.client_kinds, Uint8Array, rows);
      for (let i = 0; i < rows; i++) counts[kinds[i]]++;
      known += rows;
    }
  }
  counts[0] += total - known;
  return counts;
}

/**
 * How many requests the cache holds.
 *
 * @param db The cache database.
 * @returns The number of stored requests (blocks and rows not moved yet).
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { countRequests } from "./request_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * assert.deepStrictEqual(countRequests(db), 0);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function countRequests(db: DatabaseSync): number {
  const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return (hasBlocks(db) ? count("SELECT coalesce(sum(rows), 0) AS n FROM request_blocks") : 0) +
    (hasLegacyRequests(db) ? count("SELECT count(*) AS n FROM requests") : 0);
}

/**
 * The time of the latest stored request (seconds since the epoch), or undefined when there is
 * none.
 *
 * @param db The cache database.
 * @returns The latest request's time.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { BlockWriter, lastRequestTime } from "./request_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * assert.deepStrictEqual(lastRequestTime(db), undefined);
 * const blocks = new BlockWriter(db);
 * blocks.push(1, 1, 9, 1700000500, 100, 7, 1);
 * blocks.push(1, 2, 9, 1700000000, 50, 8, 0);
 * blocks.flush();
 * assert.deepStrictEqual(lastRequestTime(db), 1700000500);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function lastRequestTime(db: DatabaseSync): number | undefined {
  const latest = (sql: string) => (db.prepare(sql).get() as { t: number | null }).t;
  const times = [
    hasBlocks(db) ? latest("SELECT max(max_time) AS t FROM request_blocks") : null,
    hasLegacyRequests(db) ? latest("SELECT max(time) AS t FROM requests") : null,
  ].filter((t): t is number => t !== null);
  return times.length === 0 ? undefined : Math.max(...times);
}

/**
 * Deletes the requests of the given log files, and their aggregated operations (see
 * `operation_blocks.ts`): everything extracted from them. A block they share with other files
 * is written again, under its id, without their rows.
 *
 * @param db The cache database (inside the caller's transaction).
 * @param fileIds The files' ids (`log_files.id`).
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { BlockWriter, countRequests, deleteFileRequests } from "./request_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const blocks = new BlockWriter(db);
 * blocks.push(1, 1, 9, 0, 100, 7, 1);
 * blocks.push(2, 1, 9, 0, 50, 8, 0);
 * blocks.shareNext();
 * blocks.push(3, 1, 9, 0, 20, 8, 0);
 * blocks.flush();
 * deleteFileRequests(db, [1, 2]);
 * assert.deepStrictEqual(countRequests(db), 1);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function deleteFileRequests(db: DatabaseSync, fileIds: number[]): void {
  if (fileIds.length === 0) return;
  const list = fileIds.map(Number).join(", ");
  if (hasColumn(db, "request_blocks", "file_runs")) {
    const shared = db.prepare(`
      SELECT id FROM request_blocks WHERE file_id IN (${list}) AND file_runs IS NOT NULL
      UNION SELECT block_id FROM log_files WHERE id IN (${list}) AND block_id IS NOT NULL`)
      .all().map((row) => row.id as number);
    if (shared.length > 0) removeFileRows(db, shared, new Set(fileIds.map(Number)));
    db.exec(`UPDATE log_files SET block_id = NULL WHERE id IN (${list})`);
  }
  db.exec(`DELETE FROM request_blocks WHERE file_id IN (${list})`);
  deleteFileOperations(db, fileIds);
  if (hasLegacyRequests(db)) db.exec(`DELETE FROM requests WHERE file_id IN (${list})`);
}

/** Writes blocks `ids` again without the rows of the files `removed` (deleted when none is left). */
function removeFileRows(db: DatabaseSync, ids: number[], removed: Set<number>): void {
  const blocks = [...readRequestBlocks(db, { ids })];
  const remove = db.prepare("DELETE FROM request_blocks WHERE id = ?");
  const insert = db.prepare(INSERT_BLOCK);
  for (const block of blocks) {
    remove.run(block.id);
    const kept: number[] = [];
    const files: number[] = [];
    let at = 0;
    for (let r = 0; r < block.files.length; r += 2) {
      const [fileId, rows] = [block.files[r], block.files[r + 1]];
      if (!removed.has(fileId)) {
        files.push(fileId, rows);
        for (let i = at; i < at + rows; i++) kept.push(i);
      }
      at += rows;
    }
    if (kept.length === 0) continue;
    insertBlock(insert, block.id, files, kept.length, {
      lines: picked(block.lines, kept),
      objectIds: picked(block.objectIds, kept),
      times: picked(block.times, kept),
      bytesSent: picked(block.bytesSent, kept),
      ipIndexes: picked(block.ipIndexes, kept),
      downloads: picked(block.downloads, kept),
      objectSizes: picked(block.objectSizes, kept),
      clientKinds: picked(block.clientKinds, kept),
    });
  }
}

/** The values of `values` at the indexes `rows`, in their order. */
function picked<T extends Float64Array | Uint32Array | Uint8Array>(values: T, rows: number[]): T {
  const out = new (values.constructor as new (length: number) => T)(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]];
  return out;
}

/**
 * Moves the rows of a cache written before schema 7 into blocks, in their order, a chunk per
 * transaction, then drops their table. A kill leaves the chunks moved so far, and the next call
 * goes on from there.
 *
 * @param db The cache database, opened to write.
 * @param transaction Runs a chunk's work in one transaction.
 * @returns How many requests were moved.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { countRequests, moveRequestRowsIntoBlocks } from "./request_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * db.exec(`CREATE TABLE requests (file_id INTEGER, line INTEGER, object_id INTEGER, time INTEGER,
 *   bytes_sent INTEGER, ip_index INTEGER, download INTEGER)`);
 * db.exec("INSERT INTO requests VALUES (1, 1, 9, 0, 100, 7, 1), (1, 2, 9, 5, 50, 7, 0)");
 * const transaction = (work: () => void) => {
 *   db.exec("BEGIN IMMEDIATE");
 *   work();
 *   db.exec("COMMIT");
 * };
 * assert.deepStrictEqual(moveRequestRowsIntoBlocks(db, transaction), 2);
 * assert.deepStrictEqual(countRequests(db), 2);
 * assert.deepStrictEqual({ ...db.prepare("SELECT count(*) AS n FROM request_blocks").get() }, { n: 1 });
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function moveRequestRowsIntoBlocks(
  db: DatabaseSync,
  transaction: (work: () => void) => void,
): number {
  if (!hasLegacyRequests(db)) return 0;
  let moved = 0;
  const writer = new BlockWriter(db);
  // A chunk's columns as JSON arrays: one row out of SQLite instead of one per request. The
  // arrays follow the subquery's rowid order (checked below: an ORDER BY in each aggregate
  // would sort every column again and cost four times as much).
  const columns = [
    "rowid",
    "file_id",
    "line",
    "object_id",
    "time",
    "bytes_sent",
    "ip_index",
    "download",
  ];
  const chunk = db.prepare(
    `SELECT max(rowid) AS last, count(*) AS n, ${
      columns.map((c) => `json_group_array(${c}) AS c_${c}`).join(", ")
    } FROM (SELECT rowid, * FROM requests ORDER BY rowid LIMIT ${BLOCK_ROWS * 4})`,
  );
  const remove = db.prepare("DELETE FROM requests WHERE rowid <= ?");
  for (;;) {
    let done = false;
    transaction(() => {
      const row = chunk.get() as Record<string, string | number | null>;
      if (row.n === 0) {
        db.exec("DROP TABLE requests");
        done = true;
        return;
      }
      const [rowids, fileIds, lines, objectIds, times, bytesSent, ipIndexes, downloads] = columns
        .map((c) => JSON.parse(row[`c_${c}`] as string) as number[]);
      const order = rowids.map((_, i) => i);
      if (rowids.some((id, i) => i > 0 && id < rowids[i - 1])) {
        order.sort((a, b) => rowids[a] - rowids[b]);
      }
      for (const i of order) {
        writer.push(
          fileIds[i],
          lines[i],
          objectIds[i],
          times[i],
          bytesSent[i],
          ipIndexes[i],
          downloads[i],
        );
      }
      writer.flush();
      remove.run(row.last as number);
      moved += fileIds.length;
    });
    if (done) return moved;
  }
}

/**
 * Whether the cache still holds rows of a version before schema 7 (not moved into blocks yet).
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { hasLegacyRequests } from "./request_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * assert.deepStrictEqual(hasLegacyRequests(db), false);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function hasLegacyRequests(db: DatabaseSync): boolean {
  return hasTable(db, "requests");
}

/** Whether the cache has blocks (a cache read without upgrading may predate them). */
function hasBlocks(db: DatabaseSync): boolean {
  return hasTable(db, "request_blocks");
}

/** Whether blocks have object sizes and client kinds (schema 8; a cache of 7 read only lacks them). */
function hasKindColumns(db: DatabaseSync): boolean {
  return hasColumn(db, "request_blocks", "client_kinds");
}

function* legacyBlocks(db: DatabaseSync): Generator<RequestBlock> {
  const select = db.prepare(`SELECT rowid AS id, file_id, line, object_id, time, bytes_sent,
    ip_index, download FROM requests WHERE rowid > ? ORDER BY rowid LIMIT ${BLOCK_ROWS}`);
  for (let after = -Infinity;;) {
    const rows = select.all(after === -Infinity ? Number.MIN_SAFE_INTEGER : after);
    if (rows.length === 0) return;
    after = rows[rows.length - 1].id as number;
    // One block per run of rows of one file.
    for (let start = 0; start < rows.length;) {
      let end = start + 1;
      while (end < rows.length && rows[end].file_id === rows[start].file_id) end++;
      const n = end - start;
      const block: RequestBlock = {
        id: -1,
        files: new Float64Array([rows[start].file_id as number, n]),
        rows: n,
        lines: new Float64Array(n),
        objectIds: new Uint32Array(n),
        times: new Float64Array(n),
        bytesSent: new Float64Array(n),
        ipIndexes: new Float64Array(n),
        downloads: new Uint8Array(n),
        objectSizes: new Float64Array(n).fill(-1),
        clientKinds: new Uint8Array(n),
      };
      for (let i = 0; i < n; i++) {
        const r = rows[start + i];
        block.lines[i] = r.line as number;
        block.objectIds[i] = r.object_id as number;
        block.times[i] = r.time as number;
        block.bytesSent[i] = r.bytes_sent as number;
        block.ipIndexes[i] = r.ip_index as number;
        block.downloads[i] = r.download as number;
      }
      yield block;
      start = end;
    }
  }
}
