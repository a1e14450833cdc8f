/**
 * What the cache knows of each listed log file, read in the listing's order: rows of
 * `log_files` are fetched a chunk at a time in path order, and a listed path is answered from
 * the chunk that covers it, instead of one query per file (a night lists every file the archive
 * ever had: millions, nearly all known).
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";

/** A log file as the cache records it. */
export interface KnownFile {
  /** Where its extraction stands. */
  status: "partial" | "done" | "failed";
  /** Its size when it was read (-1: recorded as finished by the reference, size unknown). */
  size: number;
  /** Its modification time when it was read, milliseconds since the epoch. */
  mtime: number;
  /** Where the next read starts. */
  next_offset: number;
  /** The line number of the next read's first line. */
  next_line: number;
}

/** A fetched row: path, status, size, mtime, next offset, next line (arrays cost less). */
type KnownRow = [string, KnownFile["status"], number, number, number, number];

/** Rows fetched at a time. */
const CHUNK_ROWS = 4096;

/**
 * Orders strings as SQLite's BINARY collation orders their UTF-8 bytes (by code point), which
 * `<` (by UTF-16 code unit) does not for characters past U+FFFF against U+E000 to U+FFFF.
 */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return weight(x) - weight(y);
  }
  return a.length - b.length;
}

/** A UTF-16 code unit's place in code point order: surrogates after the rest of the BMP. */
function weight(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit < 0xe000 ? unit + 0x2000 : unit - 0x800;
}

/** A surrogate: a path holding one is looked up alone (a lone one is stored as U+FFFD). */
const SURROGATE = /[\ud800-\udfff]/;

/** What a lookup reads of a file's row. */
const RECORD = "status, size, mtime, next_offset, next_line";

/**
 * Looks up log files by path, fastest when asked in path order (as discovery lists them): a
 * path ahead of the last one asked is answered from rows fetched in order; one behind it (a
 * listing out of SQLite's order) is looked up alone. Every answer is the row's as it was
 * when fetched: use it while nothing else writes the rows of paths not asked yet.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "../store/cache_database.ts";
 * import { KnownFiles } from "./known_files.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * db.exec(`INSERT INTO log_files (path, size, mtime, status, updated_at)
 *   VALUES ('2020/01/01/a', 10, 5, 'done', '')`);
 * const known = new KnownFiles(db);
 * assert.deepStrictEqual(known.get("2020/01/01/a")?.size, 10);
 * assert.deepStrictEqual(known.get("2020/01/02/b"), undefined);
 * assert.deepStrictEqual(known.get("2020/01/01/a")?.status, "done"); // behind: looked up alone
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class KnownFiles {
  #one: StatementSync;
  #chunk: StatementSync;
  #rows: KnownRow[] = [];
  #at = 0;
  /** The rows fetched cover the paths after `#from` up to `#to` (undefined: to the end). */
  #from = "";
  #to: string | undefined = "";

  /** Prepares the lookups on `db`. */
  constructor(db: DatabaseSync) {
    this.#one = db.prepare(`SELECT ${RECORD} FROM log_files WHERE path = ?`);
    this.#chunk = db.prepare(
      `SELECT path, ${RECORD} FROM log_files WHERE path > ? ORDER BY path LIMIT ${CHUNK_ROWS}`,
    );
    // Rows as arrays: a third of the cost of objects (node:sqlite has it; Deno's types lack it).
    (this.#chunk as unknown as { setReturnArrays(on: boolean): void }).setReturnArrays(true);
  }

  /**
   * The cache's record of the log file `path`, or undefined when it has none.
   *
   * @param path The file's path in the log directory.
   * @returns What `log_files` holds of it.
   */
  get(path: string): KnownFile | undefined {
    if (SURROGATE.test(path) || !this.#covers(path)) {
      return this.#one.get(path) as KnownFile | undefined;
    }
    const rows = this.#rows;
    // The first row not before `path` (asked in order, the one after the last answer).
    let low = this.#at;
    if (low > 0 && compareCodePoints(rows[low - 1][0], path) >= 0) low = 0;
    let high = rows.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareCodePoints(rows[middle][0], path) < 0) low = middle + 1;
      else high = middle;
    }
    this.#at = low;
    const row = rows[low];
    if (row === undefined || row[0] !== path) return undefined;
    return { status: row[1], size: row[2], mtime: row[3], next_offset: row[4], next_line: row[5] };
  }

  /** Fetches rows until they cover `path`; false when `path` is behind them. */
  #covers(path: string): boolean {
    if (compareCodePoints(path, this.#from) <= 0) return false;
    while (this.#to !== undefined && compareCodePoints(path, this.#to) > 0) this.#fetch(this.#to);
    return true;
  }

  #fetch(after: string): void {
    this.#rows = this.#chunk.all(after) as unknown as KnownRow[];
    this.#at = 0;
    this.#from = after;
    this.#to = this.#rows.length === CHUNK_ROWS ? this.#rows[this.#rows.length - 1][0] : undefined;
  }
}
