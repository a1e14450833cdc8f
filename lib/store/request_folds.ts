/**
 * States kept up to date with the stored requests ("folds"): each run adds to a fold only the
 * blocks stored since the fold was last saved, then saves it in the cache, so that a night's
 * cost follows its new requests, not the whole history.
 *
 * A fold is saved in `request_folds` (its format, the last block it counted, small facts as
 * JSON) and `request_fold_chunks` (its typed arrays, in BLOBs of 8 MiB), in one transaction: a run
 * killed at any moment leaves the fold as it was. A fold starts again from nothing (a recount)
 * when asked (`rebuild`), when its saved format is another, when it says its state no longer
 * holds for the cache (see {@linkcode RequestFold.load}), or when a block it may have counted
 * is deleted or changed: triggers on `request_blocks` and `operation_blocks` then drop every
 * saved fold (an older version of this program, which knows nothing of folds, fires them too).
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { StoppedError } from "../errors.ts";
import { bytesOf, column, type ColumnType, hasTable } from "./blob_columns.ts";
import { storageError } from "../errors.ts";
import {
  BLOCK_ROWS,
  hasLegacyRequests,
  readRequestBlocks,
  type RequestBlock,
} from "./request_blocks.ts";
import { type OperationBlock, readOperationBlocks } from "./operation_blocks.ts";
import { release } from "../typed_columns.ts";

/** Whether the run was asked to stop (looked at between parts of the scan). */
export type StopCheck = () => Promise<boolean>;

/** Requests between two looks at a stop (about a second of work). */
export const SCAN_ROWS: number = 1 << 21;

const EPOCH = "request_folds_epoch";

/**
 * The format a fold's saved row is given when its counts were dropped because blocks changed:
 * the next run counts again, and says why.
 */
const DROPPED = 0;

/**
 * Triggers that drop every saved fold's counts (and move the epoch on) when a row of `table` is
 * deleted or one of its `columns` changed: a block a fold may have counted is then no longer
 * what it counted. The folds' rows stay, marked {@linkcode DROPPED}.
 */
function unfoldTriggers(table: string, columns: string): string {
  const body = `BEGIN
  DELETE FROM request_fold_chunks;
  UPDATE request_folds SET format = ${DROPPED}, through = 0, meta = 'null';
  UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE name = '${EPOCH}';
END;`;
  return `DROP TRIGGER IF EXISTS ${table}_deleted_unfold;
CREATE TRIGGER ${table}_deleted_unfold AFTER DELETE ON ${table}
${body}
DROP TRIGGER IF EXISTS ${table}_changed_unfold;
CREATE TRIGGER ${table}_changed_unfold AFTER UPDATE OF ${columns} ON ${table}
${body}`;
}

// The triggers are made again each time, so that they are always this version's.
const FOLD_SCHEMA = `
CREATE TABLE IF NOT EXISTS request_folds (
  name TEXT PRIMARY KEY,
  format INTEGER NOT NULL,
  through INTEGER NOT NULL,
  meta TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS request_fold_chunks (
  fold TEXT NOT NULL,
  name TEXT NOT NULL,
  chunk INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (fold, name, chunk)
);
INSERT OR IGNORE INTO meta (name, value) VALUES ('${EPOCH}', '0');
${
  unfoldTriggers(
    "request_blocks",
    "id, rows, object_ids, times, bytes_sent, ip_indexes, downloads, object_sizes, client_kinds",
  )
}
${
  unfoldTriggers(
    "operation_blocks",
    "id, rows, object_ids, days, codes, requests, bytes_sent, bytes_received",
  )
}
-- Written by a development version: one row per array.
DROP TABLE IF EXISTS request_fold_columns;
`;

/** A fold's state as it is saved. */
export interface SavedFold {
  /** Small facts of the state (names, counts), saved as JSON. */
  meta: unknown;
  /** The state's typed arrays, by name. */
  columns: Record<string, ArrayBufferView>;
  /**
   * Per array, how many of its first bytes are those it was loaded with (the saved chunks that
   * hold only such bytes are kept, not written again); none for an array not loaded.
   */
  unchanged?: Record<string, number>;
}

/** A fold's saved arrays, read one by one while it loads. */
export interface SavedColumns {
  /**
   * The bytes of the saved array `name` (undefined when it was not saved), in a buffer of its
   * own with `spare` bytes of room after them (0 unless asked: fresh memory is paid for when
   * first written, so room that an array will grow into is cheaper made now than by a copy).
   */
  get(name: string, spare?: number): Uint8Array | undefined;
  /**
   * Whether blocks were stored after the ones the state counted: then every saved array is
   * needed (each is added to, and saved again); when not, only those the caller will read.
   */
  readonly behind: boolean;
  /**
   * The earliest request time in the blocks stored after the ones the state counted: Infinity
   * when there are none, -Infinity when it is not known (operation blocks, or requests of an
   * older layout waiting in the cache).
   */
  readonly earliest: number;
}

/**
 * The saved array `name` as `rows` elements of `type` (on bytes of its own, which may be
 * changed and kept), or undefined when it was not saved with that length. Without `rows`, as
 * many elements as were saved (undefined when not saved, or not a whole number of them). With
 * a `capacity` above `rows`, the array has that many elements, the saved ones first, then 0.
 *
 * @example Usage
 * ```ts
 * import { savedArray } from "./request_folds.ts";
 * import assert from "node:assert/strict";
 *
 * const columns = {
 *   get: () => new Uint8Array(Uint32Array.of(7, 8).buffer),
 *   behind: false,
 *   earliest: Infinity,
 * };
 * assert.deepStrictEqual(savedArray(columns, "counts", Uint32Array, 2), Uint32Array.of(7, 8));
 * assert.deepStrictEqual(savedArray(columns, "counts", Uint32Array, 3), undefined);
 * assert.deepStrictEqual(savedArray(columns, "counts", Uint32Array, 2, 3), Uint32Array.of(7, 8, 0));
 * assert.deepStrictEqual(savedArray(columns, "counts", Uint32Array), Uint32Array.of(7, 8));
 * ```
 */
export function savedArray<T extends ArrayBufferView>(
  columns: SavedColumns,
  name: string,
  type: ColumnType<T>,
  rows?: number,
  capacity: number = rows ?? 0,
): T | undefined {
  const size = type.BYTES_PER_ELEMENT;
  const bytes = columns.get(name, rows === undefined ? 0 : (capacity - rows) * size);
  rows ??= (bytes?.byteLength ?? 0) / size;
  if (bytes === undefined || bytes.byteLength !== rows * size) return undefined;
  if (capacity <= rows) return column(bytes, type, rows);
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength >= capacity * size) {
    return new type(bytes.buffer as ArrayBuffer, 0, capacity);
  }
  const array = new type(capacity);
  new Uint8Array(array.buffer).set(bytes);
  return array;
}

/** A state kept up to date with the stored requests, block by block. */
export interface RequestFold {
  /** Its name in the cache (one saved state per name). */
  readonly name: string;
  /**
   * The format of its saved state, 1 or more (0 marks counts dropped): a state saved in another
   * format is recounted.
   */
  readonly format: number;
  /**
   * Takes the saved state (`columns` reads the saved arrays, during this call only). Returns why
   * that state no longer holds for the cache as it is now (then the fold is left empty, to count
   * every request again), or undefined.
   */
  load(meta: unknown, columns: SavedColumns): string | undefined;
  /**
   * Counts the requests of `block`; `position` grows in storage order (the block's first
   * request; request `i` is at `position + i`).
   */
  add(block: RequestBlock, position: number): void;
  /** The state to save. */
  save(): SavedFold;
}

/**
 * A state kept up to date with the aggregated other lines (`operation_blocks`), block by
 * block, as a {@linkcode RequestFold} is with the requests.
 */
export interface OperationFold extends Omit<RequestFold, "add"> {
  /** Says that the fold reads the other lines' blocks. */
  readonly source: "operations";
  /** Counts the groups of `block`. */
  add(block: OperationBlock): void;
}

/** A fold of either kind. */
export type BlockFold = RequestFold | OperationFold;

/** What a fold did in one run. */
export interface FoldReport {
  /** The fold's name. */
  name: string;
  /** Requests (for an {@linkcode OperationFold}, groups of lines) added in this run. */
  added: number;
  /** Why every request was counted again (undefined: only new blocks, or a first count). */
  recounted?: string;
}

/** Options of {@linkcode foldRequests}. */
export interface FoldOptions {
  /**
   * Count every request again, ignoring what was saved (the result is saved as usual).
   *
   * @default {false}
   */
  rebuild?: boolean;
  /** Asked between parts of the scan; a true answer throws {@linkcode StoppedError}. */
  stop?: StopCheck;
  /**
   * Saved arrays are cut into rows of this many bytes (a row is copied whole when written; a
   * row that holds only bytes a fold loaded and kept is not written again).
   *
   * @default {8388608}
   */
  chunkBytes?: number;
  /**
   * Called once a save that wrote counts has committed (the step's largest commit, tens of
   * megabytes of log; not called when every fold was up to date): to have the log
   * checkpointed on another thread meanwhile (see `WalCheckpointer`).
   *
   * @default {undefined}
   */
  committed?: () => void;
}

interface Loaded {
  through: number;
  recounted?: string;
}

/**
 * Brings `folds` up to date with the stored requests and saves them: one scan of the blocks
 * stored since the fold that is furthest behind was saved. Each fold sees each block once, in
 * storage order. A stop throws {@linkcode StoppedError} and saves nothing.
 *
 * @param db The cache database (open to write).
 * @param makeFolds Makes the folds, empty, each then loaded from the cache here. It runs in the
 * snapshot the blocks are read in, so what it reads of the cache (objects, regions) is what
 * the blocks refer to.
 * @param options A rebuild, the stop check.
 * @returns What each fold did, in the order of `folds`.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { BlockWriter } from "./request_blocks.ts";
 * import { foldRequests, type RequestFold } from "./request_folds.ts";
 * import assert from "node:assert/strict";
 *
 * // A fold that sums the bytes sent.
 * class ByteSum implements RequestFold {
 *   name = "bytes";
 *   format = 1;
 *   total = 0;
 *   load(meta: unknown) {
 *     this.total = meta as number;
 *     return undefined;
 *   }
 *   add(block: { rows: number; bytesSent: Float64Array }) {
 *     for (let i = 0; i < block.rows; i++) this.total += block.bytesSent[i];
 *   }
 *   save() {
 *     return { meta: this.total, columns: {} };
 *   }
 * }
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const blocks = new BlockWriter(db);
 * blocks.push(1, 1, 1, 86400, 100, 7, 1);
 * blocks.flush();
 * assert.deepStrictEqual(await foldRequests(db, () => [new ByteSum()]), [{ name: "bytes", added: 1 }]);
 * blocks.push(2, 1, 1, 86400, 50, 7, 1);
 * blocks.flush();
 * const sum = new ByteSum();
 * assert.deepStrictEqual(await foldRequests(db, () => [sum]), [{ name: "bytes", added: 1 }]);
 * assert.deepStrictEqual(sum.total, 150);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function foldRequests(
  db: DatabaseSync,
  makeFolds: () => readonly BlockFold[],
  options: FoldOptions = {},
): Promise<FoldReport[]> {
  try {
    db.exec("BEGIN IMMEDIATE");
    db.exec(FOLD_SCHEMA);
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw storageError(error);
  }
  // One snapshot for the saved states and the blocks: a writer meanwhile changes neither.
  db.exec("BEGIN");
  let folds: readonly BlockFold[] = [];
  let loaded: Loaded[] = [];
  let added: number[] = [];
  try {
    const epoch = readEpoch(db);
    folds = makeFolds();
    added = folds.map(() => 0);
    loaded = folds.map((fold) => loadFold(db, fold, options.rebuild ?? false));
    const requestFolds = folds.flatMap((fold, f) => isOperationFold(fold) ? [] : [f]);
    const operationFolds = folds.flatMap((fold, f) => isOperationFold(fold) ? [f] : []);
    const requests = await scanRequests(db, requestFolds.map((f) => folds[f] as RequestFold), {
      loaded: requestFolds.map((f) => loaded[f]),
      stop: options.stop,
    });
    const operations = scanOperations(db, operationFolds.map((f) => folds[f] as OperationFold), {
      loaded: operationFolds.map((f) => loaded[f]),
    });
    const through = folds.map(() => 0);
    requestFolds.forEach((f, i) => {
      through[f] = requests.lastId;
      added[f] = requests.added[i];
    });
    operationFolds.forEach((f, i) => {
      through[f] = operations.lastId;
      added[f] = operations.added[i];
    });
    db.exec("COMMIT");
    // Rows of a cache before schema 7 not moved into blocks yet are counted, not saved.
    const saving = folds.flatMap((_, f) =>
      requests.complete || !requestFolds.includes(f) ? [f] : []
    );
    if (saving.length > 0) {
      const saved = saveFolds(db, saving.map((f) => folds[f]), {
        loaded: saving.map((f) => loaded[f]),
        through: saving.map((f) => through[f]),
        epoch,
        added: saving.map((f) => added[f]),
        chunkBytes: options.chunkBytes ?? 8 << 20,
      });
      if (saved) options.committed?.();
    }
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error instanceof StoppedError ? error : storageError(error);
  }
  return folds.map((fold, f) => ({
    name: fold.name,
    added: added[f],
    ...(loaded[f].recounted === undefined ? {} : { recounted: loaded[f].recounted }),
  }));
}

function isOperationFold(fold: BlockFold): fold is OperationFold {
  return "source" in fold && fold.source === "operations";
}

/** What a scan added: the last block's id, the requests (or groups) each fold added. */
interface Scanned {
  lastId: number;
  added: number[];
}

/** Adds the request blocks stored after each fold's last to it. */
async function scanRequests(
  db: DatabaseSync,
  folds: readonly RequestFold[],
  { loaded, stop }: { loaded: readonly Loaded[]; stop?: StopCheck },
): Promise<Scanned & { complete: boolean }> {
  const added = folds.map(() => 0);
  if (folds.length === 0) return { lastId: 0, added, complete: true };
  const from = Math.min(...loaded.map((l) => l.through));
  let lastId = from;
  let legacy = 0;
  let scanned = 0;
  let complete = true;
  for (const block of readRequestBlocks(db, { afterId: from })) {
    if ((scanned += block.rows) >= SCAN_ROWS) {
      scanned = 0;
      if (await stop?.()) throw new StoppedError();
    }
    // Rows of a cache before schema 7 not moved into blocks yet come last.
    if (block.id < 0) complete = false;
    const id = block.id >= 0 ? block.id : lastId + ++legacy;
    if (block.id >= 0) lastId = block.id;
    folds.forEach((fold, f) => {
      if (block.id >= 0 && block.id <= loaded[f].through) return;
      fold.add(block, id * BLOCK_ROWS);
      added[f] += block.rows;
    });
  }
  return { lastId, added, complete };
}

/** Adds the other lines' blocks stored after each fold's last to it. */
function scanOperations(
  db: DatabaseSync,
  folds: readonly OperationFold[],
  { loaded }: { loaded: readonly Loaded[] },
): Scanned {
  const added = folds.map(() => 0);
  if (folds.length === 0) return { lastId: 0, added };
  const from = Math.min(...loaded.map((l) => l.through));
  let lastId = from;
  for (const block of readOperationBlocks(db, { afterId: from })) {
    lastId = block.id;
    folds.forEach((fold, f) => {
      if (block.id <= loaded[f].through) return;
      fold.add(block);
      added[f] += block.rows;
    });
  }
  return { lastId, added };
}

/**
 * Whether the cache holds a saved state of fold `name`, or held one whose counts were dropped
 * since (a fold some step keeps up to date).
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { hasSavedFold } from "./request_folds.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * assert.deepStrictEqual(hasSavedFold(db, "week_bytes"), false);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function hasSavedFold(db: DatabaseSync, name: string): boolean {
  return hasTable(db, "request_folds") &&
    db.prepare("SELECT 1 FROM request_folds WHERE name = ?").get(name) !== undefined;
}

/**
 * The saved array `name` of fold `fold` in its saved format `format`, as `type` (see
 * {@linkcode savedArray}), read outside a fold run (undefined when the fold has no saved state
 * in that format, or not that array), and the last block the state counted. Read inside a
 * transaction, to pair it with the blocks after that.
 *
 * @param db The cache database.
 * @param fold The fold's name and current format.
 * @param name The array's name.
 * @param type Its element type.
 * @returns The last block counted and the array.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { readKeptArray } from "./request_folds.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const fold = { name: "archive_counts", format: 3 };
 * assert.deepStrictEqual(readKeptArray(db, fold, "kinds", Float64Array), undefined);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function readKeptArray<T extends ArrayBufferView>(
  db: DatabaseSync,
  fold: { name: string; format: number },
  name: string,
  type: ColumnType<T>,
): { through: number; array: T } | undefined {
  if (!hasTable(db, "request_folds")) return undefined;
  const row = db.prepare("SELECT format, through FROM request_folds WHERE name = ?")
    .get(fold.name) as { format: number; through: number } | undefined;
  if (row?.format !== fold.format) return undefined;
  const array = savedArray(
    savedColumns(db, fold.name, { behind: false, earliest: Infinity }),
    name,
    type,
  );
  return array === undefined ? undefined : { through: row.through, array };
}

/** The saved arrays of fold `fold`, read on demand. */
function savedColumns(
  db: DatabaseSync,
  fold: string,
  { behind, earliest }: { behind: boolean; earliest: number },
): SavedColumns {
  return { get: (name, spare) => readSavedArray(db, fold, name, spare), behind, earliest };
}

/**
 * The saved array `name` of fold `fold` as one array of bytes (undefined when not saved), with
 * `spare` bytes of room after it in its buffer: its rows copied in one at a time, so that only
 * one row is held beside the whole.
 */
function readSavedArray(
  db: DatabaseSync,
  fold: string,
  name: string,
  spare = 0,
): Uint8Array | undefined {
  const { rows, bytes } = db.prepare(
    "SELECT count(*) AS rows, sum(length(data)) AS bytes FROM request_fold_chunks " +
      "WHERE fold = ? AND name = ?",
  ).get(fold, name) as { rows: number; bytes: number | null };
  const read = db.prepare(
    "SELECT data FROM request_fold_chunks WHERE fold = ? AND name = ? ORDER BY chunk",
  );
  if (rows === 0) return undefined;
  if (rows === 1 && spare <= 0) return read.get(fold, name)?.data as Uint8Array;
  const joined = new Uint8Array(new ArrayBuffer((bytes ?? 0) + Math.max(0, spare)), 0, bytes ?? 0);
  let at = 0;
  for (const row of read.iterate(fold, name)) {
    const data = row.data as Uint8Array;
    joined.set(data, at);
    at += data.length;
    // Its memory goes now, not at the next collection: a chunk read is 8 MiB, and the state's
    // chunks read one after another would otherwise all stay until then (on the bench night,
    // 180 MB more at the peak of reading 446 MB).
    release(data);
  }
  return joined;
}

function readEpoch(db: DatabaseSync): string {
  return (db.prepare("SELECT value FROM meta WHERE name = ?").get(EPOCH) as { value: string })
    .value;
}

/** Loads `fold`'s saved state: the last block it counted, and why it was recounted, if it was. */
function loadFold(db: DatabaseSync, fold: BlockFold, rebuild: boolean): Loaded {
  const row = db.prepare("SELECT format, through, meta FROM request_folds WHERE name = ?")
    .get(fold.name) as { format: number; through: number; meta: string } | undefined;
  if (row === undefined) return { through: 0 };
  if (rebuild) return { through: 0, recounted: "asked for (--rebuild)" };
  if (row.format === DROPPED) {
    return { through: 0, recounted: "log files read again replaced requests it had counted" };
  }
  if (row.format !== fold.format) {
    return { through: 0, recounted: "the saved counts are of an older format" };
  }
  const operations = isOperationFold(fold);
  const last = db.prepare(
    `SELECT max(id) AS id FROM ${operations ? "operation_blocks" : "request_blocks"}`,
  ).get() as { id: number | null };
  const legacy = !operations && hasLegacyRequests(db);
  const behind = (last.id ?? 0) > row.through || legacy;
  const earliest = !behind ? Infinity : operations || legacy ? -Infinity : (db.prepare(
    "SELECT min(min_time) AS time FROM request_blocks WHERE id > ?",
  ).get(row.through) as { time: number }).time;
  const why = fold.load(JSON.parse(row.meta), savedColumns(db, fold.name, { behind, earliest }));
  return why === undefined ? { through: row.through } : { through: 0, recounted: why };
}

/**
 * Saves the folds that changed, each as counted through block `through[f]`, unless blocks were
 * deleted or changed since they were read (then this run's counts are right for its snapshot,
 * and the next run counts again). A state saved meanwhile by another run is replaced: each
 * holds exactly the blocks up to its `through`, and blocks stored later have larger ids.
 * Returns whether it wrote a fold's state (and committed it).
 */
function saveFolds(
  db: DatabaseSync,
  folds: readonly BlockFold[],
  { loaded, through, epoch, added, chunkBytes }: {
    loaded: readonly Loaded[];
    through: readonly number[];
    epoch: string;
    added: readonly number[];
    chunkBytes: number;
  },
): boolean {
  db.exec("BEGIN IMMEDIATE");
  if (readEpoch(db) !== epoch) {
    db.exec("ROLLBACK");
    return false;
  }
  const saved = db.prepare("SELECT through FROM request_folds WHERE name = ?");
  const upsert = db.prepare(
    "INSERT OR REPLACE INTO request_folds (name, format, through, meta) VALUES (?, ?, ?, ?)",
  );
  const dropFold = db.prepare("DELETE FROM request_fold_chunks WHERE fold = ?");
  // Arrays an older version of the fold saved and this one does not.
  const dropOthers = db.prepare(
    "DELETE FROM request_fold_chunks WHERE fold = ? AND name NOT IN (SELECT value FROM json_each(?))",
  );
  const dropChunks = db.prepare(
    "DELETE FROM request_fold_chunks WHERE fold = ? AND name = ? AND chunk >= ?",
  );
  const rowBytes = db.prepare(
    "SELECT length(data) AS bytes FROM request_fold_chunks WHERE fold = ? AND name = ? AND chunk = 0",
  );
  const insertChunk = db.prepare(
    "INSERT INTO request_fold_chunks (fold, name, chunk, data) VALUES (?, ?, ?, ?)",
  );
  let wrote = false;
  folds.forEach((fold, f) => {
    const stored = saved.get(fold.name) as { through: number } | undefined;
    const changed = added[f] > 0 || loaded[f].recounted !== undefined;
    if (!changed && stored !== undefined) return;
    wrote = true;
    const { meta, columns, unchanged = {} } = fold.save();
    // Saved chunks are kept only under the state they were loaded from (not one recounted,
    // nor one another run saved since).
    const keep = loaded[f].recounted === undefined && stored?.through === loaded[f].through;
    if (!keep) dropFold.run(fold.name);
    else dropOthers.run(fold.name, JSON.stringify(Object.keys(columns)));
    upsert.run(fold.name, fold.format, through[f], JSON.stringify(meta));
    for (const [name, data] of Object.entries(columns)) {
      const bytes = bytesOf(data);
      // Rows are kept only when they were cut at this run's size.
      const kept = keep && rowBytes.get(fold.name, name)?.bytes === chunkBytes
        ? Math.floor(Math.min(unchanged[name] ?? 0, bytes.length) / chunkBytes)
        : 0;
      dropChunks.run(fold.name, name, kept);
      // An empty array is one empty chunk, so that it reads back as empty, not as missing.
      for (let chunk = kept; chunk * chunkBytes < bytes.length || chunk === 0; chunk++) {
        const at = chunk * chunkBytes;
        insertChunk.run(fold.name, name, chunk, bytes.subarray(at, at + chunkBytes));
      }
    }
  });
  db.exec("COMMIT");
  return wrote;
}
