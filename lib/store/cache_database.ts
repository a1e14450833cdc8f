/**
 * The cache database, `<cache>/cache.sqlite`: one SQLite file through Deno's built-in
 * `node:sqlite`, with atomic commits and its own crash recovery.
 *
 * Tables: `objects` (key), `request_blocks` (the requests, by column: see
 * `request_blocks.ts`), `operation_blocks` (the other lines, aggregated: see
 * `operation_blocks.ts`), `log_files` (relative path, size, mtime, status, progress, counts, reason), `ips`
 * (random index, keyed hash, and the batch of `sealed_ips` whose Fernet token holds the IP),
 * `ip_regions` (region label of an IP index, no IP), `region_coordinates` (label → latitude and
 * longitude), `quarantine` (encrypted malformed lines with
 * file and line), `reference_records` (log files an imported reference cache names, by path or
 * basename, finished or not), `runs` (what each run did) and `meta` (schema version, password
 * check, the time range of imported requests).
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { isFile } from "../config.ts";
import { errorText, OperatorError, storageError } from "../errors.ts";
import type { CacheSecrets } from "../crypto/cache_secrets.ts";
import { InvalidTokenError } from "../crypto/fernet.ts";
import { EARLIEST_LOG_TIME, latestLogTime, MAX_BYTES_SENT } from "../log_bounds.ts";
import { moveRequestRowsIntoBlocks } from "./request_blocks.ts";
import { hasColumn, hasTable } from "./blob_columns.ts";

/** The schema version this code writes. */
export const SCHEMA_VERSION = 10;
/** File name of the database inside the cache directory. */
export const DATABASE_FILE = "cache.sqlite";
/**
 * File beside the database, written when it is created: a cache folder that has it and a
 * missing or empty database lost its database (deleted, emptied, a restore gone wrong), which
 * must not silently become a new, empty cache.
 */
export const CACHE_MARKER = "cache-created.txt";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS log_files (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  size INTEGER NOT NULL,
  mtime INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('partial', 'done', 'failed')),
  next_offset INTEGER NOT NULL DEFAULT 0,
  next_line INTEGER NOT NULL DEFAULT 0,
  lines_kept INTEGER NOT NULL DEFAULT 0,
  lines_filtered INTEGER NOT NULL DEFAULT 0,
  lines_excluded INTEGER NOT NULL DEFAULT 0,
  lines_malformed INTEGER NOT NULL DEFAULT 0,
  reason TEXT,
  run_id INTEGER,
  updated_at TEXT NOT NULL,
  block_id INTEGER
);
CREATE TABLE IF NOT EXISTS request_blocks (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  first_line INTEGER NOT NULL,
  min_time INTEGER NOT NULL,
  max_time INTEGER NOT NULL,
  lines BLOB NOT NULL,
  object_ids BLOB NOT NULL,
  times BLOB NOT NULL,
  bytes_sent BLOB NOT NULL,
  ip_indexes BLOB NOT NULL,
  downloads BLOB NOT NULL,
  object_sizes BLOB,
  client_kinds BLOB,
  file_runs BLOB
);
CREATE INDEX IF NOT EXISTS request_blocks_by_file ON request_blocks (file_id);
CREATE TABLE IF NOT EXISTS operation_blocks (
  id INTEGER PRIMARY KEY,
  file_id INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  object_ids BLOB NOT NULL,
  days BLOB NOT NULL,
  codes BLOB NOT NULL,
  requests BLOB NOT NULL,
  bytes_sent BLOB NOT NULL,
  bytes_received BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS operation_blocks_by_file ON operation_blocks (file_id);
CREATE TABLE IF NOT EXISTS ips (
  ip_index INTEGER PRIMARY KEY,
  ip_hash BLOB NOT NULL UNIQUE,
  sealed_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sealed_ips (
  id INTEGER PRIMARY KEY,
  token TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS quarantine (
  file_id INTEGER NOT NULL,
  line INTEGER NOT NULL,
  reason TEXT NOT NULL,
  line_token TEXT NOT NULL,
  PRIMARY KEY (file_id, line)
);
CREATE TABLE IF NOT EXISTS ip_regions (
  ip_index INTEGER PRIMARY KEY,
  label TEXT NOT NULL,
  source TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS region_coordinates (
  label TEXT PRIMARY KEY,
  latitude REAL NOT NULL,
  longitude REAL NOT NULL,
  source TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reference_records (
  name TEXT NOT NULL,
  match TEXT NOT NULL CHECK (match IN ('path', 'basename')),
  state TEXT NOT NULL CHECK (state IN ('finished', 'unfinished')),
  PRIMARY KEY (match, name)
);
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY,
  command TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  outcome TEXT,
  summary TEXT,
  warnings INTEGER NOT NULL DEFAULT 0
);
`;

const PASSWORD_CHECK = "s3-log-extraction password check";

/**
 * Opens (creating when missing) the cache database in `cacheDirectory`, with write-ahead
 * logging so that readers never block the writer and a killed process loses nothing committed.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * assert.deepStrictEqual({ ...db.prepare("SELECT count(*) AS n FROM request_blocks").get() }, { n: 0 });
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openCacheDatabase(cacheDirectory: string): DatabaseSync {
  const path = join(cacheDirectory, DATABASE_FILE);
  keepCacheFilesPrivate(path);
  let db: DatabaseSync;
  try {
    db = new DatabaseSync(path);
    // First: any later statement may meet another run's lock for a moment.
    db.exec("PRAGMA busy_timeout = 10000");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA cache_size = -65536");
    // Checkpoints (copying the log into the database, and syncing it) every 64 MiB of log
    // instead of SQLite's 4 MiB: a batch of requests is several MiB, and each checkpoint is a
    // second write and a sync. Measured: small files 3–4 % faster end to end.
    db.exec("PRAGMA wal_autocheckpoint = 16384");
  } catch (error) {
    throw new OperatorError(
      `Cannot open cache database ${path}: ${errorText(error)}. Check that the cache ` +
        "directory exists and is writable, or choose another with --cache.",
      { cause: error },
    );
  }
  // The files SQLite has just made get the mode of a new database, which umask leaves open.
  keepCacheFilesPrivate(path);
  try {
    const version = checkedSchemaVersion(db, cacheDirectory);
    if (version < SCHEMA_VERSION) upgradeSchema(db, path, version);
    if (version === 0) writeCacheMarker(cacheDirectory);
    // Schema 7 stores requests by column: the rows of older caches move into blocks, a chunk
    // per transaction, so that a kill goes on next time from where it was (readers see every
    // request once meanwhile).
    moveRequestRowsIntoBlocks(db, (work) => inTransaction(db, work));
  } catch (error) {
    if (db.isOpen) db.close();
    throw error;
  }
  return db;
}

/**
 * Only the cache's owner may read the database and its write-ahead log and index (umask would
 * leave them readable by all). A log or index that a run made while the database was read-only
 * has that read-only mode too, and SQLite would go on refusing every write after the database
 * is made writable again: once it is, they are made writable for the owner as well.
 */
function keepCacheFilesPrivate(path: string): void {
  let databaseWritable = false;
  for (const suffix of ["", "-wal", "-shm"]) {
    try {
      const mode = (Deno.statSync(path + suffix).mode ?? 0) & 0o777;
      if (suffix === "") databaseWritable = (mode & 0o200) !== 0;
      const wanted = suffix !== "" && databaseWritable ? (mode | 0o600) & 0o700 : mode & 0o700;
      if (wanted !== mode) Deno.chmodSync(path + suffix, wanted);
    } catch {
      // Not there (yet), or not ours to change.
    }
  }
}

/**
 * The schema version of `db`, refused when a newer version wrote it, or when it is 0 (no
 * tables) in a folder whose marker says it had a database: a lost database is not a new cache.
 */
function checkedSchemaVersion(db: DatabaseSync, cacheDirectory: string): number {
  const path = join(cacheDirectory, DATABASE_FILE);
  const version = readSchemaVersion(db);
  if (version > SCHEMA_VERSION) {
    throw new OperatorError(
      `Cannot use cache database ${path}: it was written by a newer version (schema ` +
        `${version}, this program knows ${SCHEMA_VERSION}). Upgrade s3-log-extraction.`,
    );
  }
  const marker = join(cacheDirectory, CACHE_MARKER);
  if (version === 0 && isFile(marker)) {
    let since = "";
    try {
      since = ` (created ${Deno.readTextFileSync(marker).match(/\d{4}-\d\d-\d\dT[\d:.]+Z/)?.[0]})`;
    } catch {
      // the date is a detail
    }
    throw new OperatorError(
      `The cache ${cacheDirectory} had a database${since} that is now missing or empty. ` +
        `Restore ${DATABASE_FILE} from a backup; to start a new, empty cache there on purpose, ` +
        "run the command once with --new-cache.",
    );
  }
  return version;
}

/** Creates the tables of a new cache, or brings an older one's to this schema, in one transaction. */
function upgradeSchema(db: DatabaseSync, path: string, version: number): void {
  try {
    db.exec("BEGIN IMMEDIATE");
    db.exec(SCHEMA);
    // Schema 4 counts each run's warnings; older caches get the column.
    if (!hasColumn(db, "runs", "warnings")) {
      db.exec("ALTER TABLE runs ADD COLUMN warnings INTEGER NOT NULL DEFAULT 0");
    }
    if (version > 0 && version < 5) setAsideImplausibleRequests(db);
    // Schema 6 drops `objects.dataset`, written and never read (a key's dataset is where
    // summaries put it, by mode).
    if (hasColumn(db, "objects", "dataset")) {
      db.exec("ALTER TABLE objects DROP COLUMN dataset");
    }
    // Schema 8 keeps each request's object size and client kind; older blocks have neither
    // (read as unknown).
    if (!hasColumn(db, "request_blocks", "client_kinds")) {
      db.exec("ALTER TABLE request_blocks ADD COLUMN object_sizes BLOB");
      db.exec("ALTER TABLE request_blocks ADD COLUMN client_kinds BLOB");
    }
    // Schema 10 lets small files share a block: the blocks' files, and where a file's rows
    // start when another file began their block (older blocks hold one file each).
    if (!hasColumn(db, "request_blocks", "file_runs")) {
      db.exec("ALTER TABLE request_blocks ADD COLUMN file_runs BLOB");
    }
    if (!hasColumn(db, "log_files", "block_id")) {
      db.exec("ALTER TABLE log_files ADD COLUMN block_id INTEGER");
    }
    db.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES ('schema_version', ?)").run(
      String(SCHEMA_VERSION),
    );
    db.exec("COMMIT");
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw new OperatorError(
      `Cannot create the tables of cache database ${path}: ${errorText(error)}. Check that ` +
        "the cache directory is writable and the disk is not full.",
      { cause: error },
    );
  }
}

/** The marker that remembers this folder had a database (see {@linkcode CACHE_MARKER}). */
function writeCacheMarker(cacheDirectory: string): void {
  try {
    Deno.writeTextFileSync(
      join(cacheDirectory, CACHE_MARKER),
      `cache.sqlite of this folder was created ${new Date().toISOString()}. It holds the ` +
        "only (encrypted) IP table and the paid lookups: back them up together.\n",
      { mode: 0o600 },
    );
  } catch {
    // A read-only folder fails later, with its own message.
  }
}

function readSchemaVersion(db: DatabaseSync): number {
  if (!hasTable(db, "meta")) return 0;
  const row = db.prepare("SELECT value FROM meta WHERE name = 'schema_version'").get() as
    | { value: string }
    | undefined;
  return row === undefined ? 0 : Number(row.value);
}

/**
 * Checks that `secrets` come from the password this cache was created with (and records it for
 * a new cache), so two passwords never mix in one IP table.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase, verifyCachePassword } from "./cache_database.ts";
 * import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * await verifyCachePassword(db, await deriveCacheSecrets({ password: "first password", iterations: 1 }));
 * const other = await deriveCacheSecrets({ password: "second password", iterations: 1 });
 * await assert.rejects(() => verifyCachePassword(db, other), /another password/);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function verifyCachePassword(db: DatabaseSync, secrets: CacheSecrets): Promise<void> {
  const row = db.prepare("SELECT value FROM meta WHERE name = 'password_check'").get() as
    | { value: string }
    | undefined;
  if (row === undefined) {
    const token = await secrets.fernet.encrypt(PASSWORD_CHECK);
    db.prepare("INSERT OR IGNORE INTO meta (name, value) VALUES ('password_check', ?)").run(token);
    return;
  }
  try {
    if (await secrets.fernet.decryptText(row.value) === PASSWORD_CHECK) return;
  } catch (error) {
    if (!(error instanceof InvalidTokenError)) throw error;
  }
  throw new OperatorError(
    "Cannot use this cache: it was created with another password. Set " +
      "S3_LOG_EXTRACTION_PASSWORD (and S3_LOG_EXTRACTION_SALT, if one was used) to the values " +
      "the cache was created with, or use another cache directory.",
  );
}

/**
 * Records `mode` as the cache's extraction mode, or throws an {@linkcode OperatorError} when
 * the cache holds an extraction of the other mode (the two never mix in one cache).
 *
 * @example Usage
 * ```ts
 * import { claimExtractionMode, openCacheDatabase } from "./cache_database.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * claimExtractionMode(db, "dandi");
 * claimExtractionMode(db, "dandi");
 * assert.throws(() => claimExtractionMode(db, "generic"), /holds a dandi extraction/);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function claimExtractionMode(db: DatabaseSync, mode: "generic" | "dandi"): void {
  const row = db.prepare("SELECT value FROM meta WHERE name = 'extraction_mode'").get() as
    | { value: string }
    | undefined;
  if (row === undefined) {
    db.prepare("INSERT INTO meta (name, value) VALUES ('extraction_mode', ?)").run(mode);
  } else if (row.value !== mode) {
    throw new OperatorError(
      `Cannot extract in ${mode} mode into this cache: it holds a ${row.value} extraction. ` +
        `Run with --mode ${row.value}, or use another cache directory for ${mode} mode.`,
    );
  }
}

/**
 * Runs `work` in one write transaction of `db`: committed whole, or rolled back whole (also
 * when SQLite rolled it back itself, as it does on a full disk). A failure of the storage (a
 * full disk, a read-only file system, a damaged file) becomes an {@linkcode OperatorError}
 * naming the cause and what to do; `onRollback` undoes what `work` prepared outside SQLite.
 *
 * @example Usage
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { inTransaction } from "./cache_database.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE t (x INTEGER NOT NULL)");
 * inTransaction(db, () => db.exec("INSERT INTO t VALUES (1)"));
 * assert.throws(() => inTransaction(db, () => db.exec("INSERT INTO t VALUES (NULL)")));
 * assert.deepStrictEqual({ ...db.prepare("SELECT count(*) AS n FROM t").get() }, { n: 1 });
 * db.close();
 * ```
 */
export function inTransaction(
  db: DatabaseSync,
  work: () => void,
  onRollback: () => void = () => {},
): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    work();
    db.exec("COMMIT");
  } catch (error) {
    onRollback();
    // SQLite may have rolled back already (SQLITE_FULL): a second ROLLBACK would fail and hide
    // the real cause.
    if (db.isTransaction) {
      try {
        db.exec("ROLLBACK");
      } catch {
        // The original error is what matters.
      }
    }
    throw storageError(error);
  }
}

/**
 * Lets a cache that lost its database start anew (`--new-cache`): removes the marker of its
 * earlier database, and the empty database file left behind. Refuses when the cache still has
 * its database, so that the option can never wipe one.
 *
 * @example Usage
 * ```ts
 * import { CACHE_MARKER, openCacheDatabase, startNewCache } from "./cache_database.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * openCacheDatabase(dir).close();
 * assert.throws(() => startNewCache(dir), /still has its database/);
 * await Deno.remove(`${dir}/cache.sqlite`);
 * assert.throws(() => openCacheDatabase(dir), /now missing or empty/);
 * startNewCache(dir);
 * openCacheDatabase(dir).close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function startNewCache(cacheDirectory: string): void {
  const path = join(cacheDirectory, DATABASE_FILE);
  if (isFile(path)) {
    let tables = 0;
    try {
      const { db } = openCacheForReading(cacheDirectory)!;
      try {
        tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'meta'")
          .get() as { n: number }).n;
      } finally {
        db.close();
      }
    } catch {
      tables = 0; // not a database at all: as good as empty
    }
    if (tables > 0) {
      throw new OperatorError(
        `--new-cache: the cache ${cacheDirectory} still has its database: nothing to start ` +
          "over. Drop the option (or choose another cache with --cache).",
      );
    }
    for (const suffix of ["", "-wal", "-shm"]) {
      try {
        Deno.removeSync(path + suffix);
      } catch {
        // not there
      }
    }
  }
  try {
    Deno.removeSync(join(cacheDirectory, CACHE_MARKER));
  } catch {
    // not there
  }
}

/**
 * Schema 5: requests that versions before it stored although no log line can hold them (bytes
 * past S3's largest object, stored rounded or as infinity, or a time outside S3's era) could
 * stop every summary for good or land in the wrong day. They become quarantined lines of their
 * file (reason as extraction gives it now), and their file's counts say so.
 */
function setAsideImplausibleRequests(db: DatabaseSync): void {
  const latest = latestLogTime();
  const badBytes =
    `typeof(bytes_sent) <> 'integer' OR bytes_sent < 0 OR bytes_sent > ${MAX_BYTES_SENT}`;
  const badTime = `typeof(time) <> 'integer' OR time < ${EARLIEST_LOG_TIME} OR time > ${latest}`;
  db.exec(`CREATE TEMP TABLE set_aside AS
    SELECT rowid AS id, file_id, line,
      CASE WHEN ${badBytes} THEN 'implausible_bytes' ELSE 'time_out_of_range' END AS reason
    FROM requests WHERE ${badBytes} OR ${badTime}`);
  db.exec(`INSERT OR IGNORE INTO quarantine (file_id, line, reason, line_token)
    SELECT file_id, line, reason, '' FROM temp.set_aside`);
  db.exec(`UPDATE log_files SET
      lines_kept = lines_kept - (SELECT count(*) FROM temp.set_aside s WHERE s.file_id = log_files.id),
      lines_malformed = lines_malformed +
        (SELECT count(*) FROM temp.set_aside s WHERE s.file_id = log_files.id)
    WHERE id IN (SELECT file_id FROM temp.set_aside)`);
  db.exec("DELETE FROM requests WHERE rowid IN (SELECT id FROM temp.set_aside)");
  db.exec("DROP TABLE temp.set_aside");
}

/** A cache database opened by {@linkcode openCacheForReading}. */
export interface CacheReader {
  /** The database, read-only. */
  db: DatabaseSync;
  /** Set when the folder is read-only and the file had to be read as immutable. */
  note?: string;
}

/**
 * Opens the cache database of `cacheDirectory` read-only, without creating or changing
 * anything (undefined when there is no database yet). A cache on a read-only file system cannot
 * open SQLite's write-ahead log index; it is then read as an immutable file (without what the
 * log did not hand over, which `note` says), through a URI that only unrestricted file
 * permissions let through.
 *
 * @param cacheDirectory The cache directory.
 * @returns The database and a note, or undefined when the cache has no database.
 * @throws {OperatorError} When the file is there but cannot be read.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase, openCacheForReading } from "./cache_database.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * assert.equal(openCacheForReading(dir), undefined);
 * openCacheDatabase(dir).close();
 * const reader = openCacheForReading(dir)!;
 * assert.deepStrictEqual({ ...reader.db.prepare("SELECT count(*) AS n FROM request_blocks").get() }, {
 *   n: 0,
 * });
 * reader.db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openCacheForReading(cacheDirectory: string): CacheReader | undefined {
  const path = join(cacheDirectory, DATABASE_FILE);
  if (!isFile(path)) return undefined;
  try {
    const db = new DatabaseSync(path, { readOnly: true });
    // Before anything else: a run that is writing may hold the lock for a moment.
    db.exec("PRAGMA busy_timeout = 10000");
    db.prepare("SELECT count(*) FROM sqlite_master").get();
    return { db };
  } catch (error) {
    if (Deno.permissions.querySync({ name: "write" }).state !== "granted") {
      throw new OperatorError(
        `Cannot read cache database ${path}: ${errorText(error)}. If its folder is read-only, ` +
          "SQLite can read it only with unrestricted file permissions: run " +
          "`deno run -A cli.ts status`, or make the folder writable.",
      );
    }
  }
  try {
    const db = new DatabaseSync(`file:${encodeURI(path)}?immutable=1`, { readOnly: true });
    db.prepare("SELECT count(*) FROM sqlite_master").get();
    return { db, note: "the cache directory is read-only: counts may miss the last writes" };
  } catch (error) {
    throw new OperatorError(
      `Cannot read cache database ${path}: ${errorText(error)}. Check its permissions.`,
    );
  }
}
