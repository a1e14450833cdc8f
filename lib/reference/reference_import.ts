/**
 * Imports a cache written by the reference into the cache database: the per-object extraction
 * tree (each object folder becomes one imported source, `reference:extraction/<folder>`), the
 * region labels of `ips/ip_to_region.yaml`, and the records of finished log files. Each batch is
 * one transaction; an object folder already imported and unchanged is skipped, a changed one
 * replaces its rows, so running the import twice changes nothing.
 *
 * @module
 */

import { join } from "node:path";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { claimExtractionMode, inTransaction } from "../store/cache_database.ts";
import type { CacheSecrets } from "../crypto/cache_secrets.ts";
import type { ExtractionMode } from "../extract/line_parser.ts";
import { parseFlatYaml } from "./flat_yaml.ts";
import { cleanLabel } from "../regions/region_labels.ts";
import { IpIndex } from "../store/ip_table.ts";
import { readReferenceRecords } from "./reference_records.ts";
import {
  findReferenceObjects,
  readReferenceObject,
  readReferenceText,
  type ReferenceColumns,
  ReferenceDataError,
  type ReferenceObject,
} from "./reference_tree.ts";
import { IMPORTED_TIMES_META } from "../extract/switchover_guard.ts";
import { BlockWriter, deleteFileRequests } from "../store/request_blocks.ts";

/** Prefix of the `log_files` path of an imported object folder. */
export const IMPORT_PREFIX = "reference:extraction/";

/** Labels of the reference that are not answers (a spent quota): looked up again instead. */
const NOT_ANSWERS = new Set(["undetermined", "TBD"]);
const ROWS_PER_BATCH = 100_000;
const OBJECTS_PER_BATCH = 1_000;
const EXAMPLES = 20;

/** Options of {@linkcode importReferenceCache}. */
export interface ImportReferenceOptions {
  /** The open cache database (password verified). */
  db: DatabaseSync;
  /** Secrets of the cache; they also decrypt the reference's Fernet files. */
  secrets: CacheSecrets;
  /** The reference's cache folder (holding `extraction/`, `ips/`, `records/`). */
  referenceDirectory: string;
  /** Log directory, to make the records' absolute paths relative. */
  logsDirectory?: string;
  /** The run that imports. */
  runId: number;
  /** Called after each committed batch with the object folders seen so far. */
  onProgress?: (objects: number) => void;
  /**
   * The extraction mode of the imported tree; by default `dandi` when every object key is a
   * DANDI one (`blobs/xxx/yyy/<id>`, `zarr/<id>`), as the plugin writes, else `generic`.
   * The cache takes this mode, so later extractions cannot mix the two.
   */
  mode?: ExtractionMode;
}

/** What an import did. */
export interface ImportResult {
  /** Object folders imported (new or changed). */
  objects: number;
  /** Object folders already imported and unchanged. */
  unchanged: number;
  /** Requests imported. */
  requests: number;
  /** Object folders without `download.txt` (downloads counted as 0, as the reference does). */
  withoutDownloads: number;
  /** IPs new to the IP table. */
  newIps: number;
  /** Region labels taken from `ips/ip_to_region.yaml`. */
  labels: number;
  /** Labels not taken: the IP had one already, or the label was a spent quota. */
  labelsSkipped: number;
  /** Finished log files recorded, by path or by basename (extraction will skip them). */
  recordedLogFiles: number;
  /**
   * Log files the reference started and did not finish (extraction holds them: part of their
   * requests may be in the tree).
   */
  unfinishedLogFiles: number;
  /** Record entries outside the log directory (not recorded). */
  recordsSkipped: number;
  /** The extraction mode the cache now has (undefined when the tree was empty). */
  mode?: ExtractionMode;
  /** Object folders that could not be imported. */
  failed: number;
  /** Why, for the first of them (file and line). */
  failures: string[];
}

interface Pending {
  object: ReferenceObject;
  columns: ReferenceColumns;
}

/**
 * Imports the reference cache in `options.referenceDirectory`.
 *
 * @param options The reference's cache folder, the open cache database, the secrets and warnings.
 * @returns How many objects and requests were imported, and what was skipped or failed.
 * @throws {OperatorError} When the reference cache cannot be read or does not look like one.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "../store/cache_database.ts";
 * import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
 * import { importReferenceCache } from "./reference_import.ts";
 * import assert from "node:assert/strict";
 *
 * const reference = await Deno.makeTempDir();
 * await Deno.mkdir(`${reference}/extraction/ds1/a.txt`, { recursive: true });
 * await Deno.writeTextFile(`${reference}/extraction/ds1/a.txt/timestamps.txt`, "220406030553\n");
 * await Deno.writeTextFile(`${reference}/extraction/ds1/a.txt/bytes_sent.txt`, "512\n");
 * await Deno.writeTextFile(`${reference}/extraction/ds1/a.txt/ips.txt`, "192.0.2.0\n");
 * await Deno.writeTextFile(`${reference}/extraction/ds1/a.txt/download.txt`, "1\n");
 * const cache = await Deno.makeTempDir();
 * const db = openCacheDatabase(cache);
 * const secrets = await deriveCacheSecrets({ password: "example", iterations: 1 });
 * const options = { db, secrets, referenceDirectory: reference, runId: 1 };
 * assert.deepStrictEqual((await importReferenceCache(options)).requests, 1);
 * assert.deepStrictEqual((await importReferenceCache(options)).unchanged, 1);
 * db.close();
 * await Deno.remove(reference, { recursive: true });
 * await Deno.remove(cache, { recursive: true });
 * ```
 */
export async function importReferenceCache(
  options: ImportReferenceOptions,
): Promise<ImportResult> {
  const summary: ImportResult = {
    objects: 0,
    unchanged: 0,
    requests: 0,
    withoutDownloads: 0,
    newIps: 0,
    labels: 0,
    labelsSkipped: 0,
    recordedLogFiles: 0,
    unfinishedLogFiles: 0,
    recordsSkipped: 0,
    failed: 0,
    failures: [],
  };
  const writer = new ImportWriter(options, summary);
  const keysAreDandi = await importObjects(options, writer, summary);
  if (keysAreDandi !== undefined) {
    summary.mode = options.mode ?? (keysAreDandi ? "dandi" : "generic");
    claimExtractionMode(options.db, summary.mode);
  }
  await importLabels(options, writer, summary);
  const records = await readReferenceRecords(options.referenceDirectory, options.logsDirectory);
  summary.recordsSkipped = records.skipped;
  summary.recordedLogFiles = writer.recordLogFiles(records.paths) +
    writer.recordReferenceRecords(records.names, "basename", "finished");
  summary.unfinishedLogFiles =
    writer.recordReferenceRecords(records.unfinishedPaths, "path", "unfinished") +
    writer.recordReferenceRecords(records.unfinishedNames, "basename", "unfinished");
  writer.recordImportedTimes();
  return summary;
}

const DANDI_KEY = /^(?:blobs\/[^/]+\/[^/]+\/[^/]+|zarr\/[^/]+)$/;

/** Imports the tree; returns whether every key is a DANDI one (undefined: no object). */
async function importObjects(
  options: ImportReferenceOptions,
  writer: ImportWriter,
  summary: ImportResult,
): Promise<boolean | undefined> {
  const root = join(options.referenceDirectory, "extraction");
  try {
    await Deno.stat(root);
  } catch {
    return undefined;
  }
  let keysAreDandi: boolean | undefined;
  let batch: Pending[] = [];
  let rows = 0;
  let seen = 0;
  for await (const object of findReferenceObjects(root)) {
    seen++;
    keysAreDandi = (keysAreDandi ?? true) && DANDI_KEY.test(object.key);
    let columns: ReferenceColumns;
    try {
      columns = await readReferenceObject(object, options.secrets);
    } catch (error) {
      if (!(error instanceof ReferenceDataError)) throw error;
      writer.markFailed(object, error.message);
      continue;
    }
    if (writer.isUnchanged(object, columns)) {
      summary.unchanged++;
      continue;
    }
    batch.push({ object, columns });
    rows += columns.times.length;
    if (rows >= ROWS_PER_BATCH || batch.length >= OBJECTS_PER_BATCH) {
      await writer.commit(batch);
      options.onProgress?.(seen);
      batch = [];
      rows = 0;
    }
  }
  await writer.commit(batch);
  options.onProgress?.(seen);
  return keysAreDandi;
}

async function importLabels(
  options: ImportReferenceOptions,
  writer: ImportWriter,
  summary: ImportResult,
): Promise<void> {
  const path = join(options.referenceDirectory, "ips", "ip_to_region.yaml");
  let text: string;
  try {
    text = await readReferenceText(path, options.secrets);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  const labels = new Map<string, string>();
  for (const [ip, label] of parseFlatYaml(text, path)) {
    if (label !== null && NOT_ANSWERS.has(label)) summary.labelsSkipped++;
    else labels.set(ip, label ?? "unknown");
  }
  await writer.storeLabels(labels);
}

/** The writes of an import, each batch in one transaction. */
class ImportWriter {
  #db: DatabaseSync;
  #runId: number;
  #summary: ImportResult;
  #ips: IpIndex;
  #rows: BlockWriter;
  #selectFile: StatementSync;
  #upsertFile: StatementSync;
  #failFile: StatementSync;
  #object: StatementSync;
  #label: StatementSync;
  #record: StatementSync;
  #referenceRecord: StatementSync;

  constructor(options: ImportReferenceOptions, summary: ImportResult) {
    const db = options.db;
    this.#db = db;
    this.#runId = options.runId;
    this.#summary = summary;
    this.#ips = new IpIndex(db, options.secrets);
    this.#rows = new BlockWriter(db);
    this.#selectFile = db.prepare("SELECT status, size, mtime FROM log_files WHERE path = ?");
    this.#upsertFile = db.prepare(`
      INSERT INTO log_files (path, size, mtime, status, next_line, lines_kept, reason, run_id,
        updated_at)
      VALUES (?, ?, ?, 'done', ?, ?, ?, ?, ?)
      ON CONFLICT (path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime,
        status = 'done', next_line = excluded.next_line, lines_kept = excluded.lines_kept,
        reason = excluded.reason, run_id = excluded.run_id, updated_at = excluded.updated_at
      RETURNING id`);
    this.#failFile = db.prepare(`
      INSERT INTO log_files (path, size, mtime, status, reason, run_id, updated_at)
      VALUES (?, -1, -1, 'failed', ?, ?, ?)
      ON CONFLICT (path) DO UPDATE SET status = 'failed', size = -1, mtime = -1,
        reason = excluded.reason, run_id = excluded.run_id, updated_at = excluded.updated_at`);
    this.#object = db.prepare(`
      INSERT INTO objects (key) VALUES (?)
      ON CONFLICT (key) DO UPDATE SET key = excluded.key RETURNING id`);
    this.#label = db.prepare(`
      INSERT INTO ip_regions (ip_index, label, source, updated_at) VALUES (?, ?, 'reference', ?)
      ON CONFLICT (ip_index) DO NOTHING`);
    this.#record = db.prepare(`
      INSERT INTO log_files (path, size, mtime, status, reason, run_id, updated_at)
      VALUES (?, -1, -1, 'done', 'finished by the reference (imported record)', ?, ?)
      ON CONFLICT (path) DO NOTHING`);
    this.#referenceRecord = db.prepare(`
      INSERT INTO reference_records (name, match, state) VALUES (?, ?, ?)
      ON CONFLICT (match, name) DO UPDATE SET state = excluded.state
      WHERE reference_records.state = 'unfinished'`);
  }

  isUnchanged(object: ReferenceObject, columns: ReferenceColumns): boolean {
    const known = this.#selectFile.get(IMPORT_PREFIX + object.relativePath) as
      | { status: string; size: number; mtime: number }
      | undefined;
    return known?.status === "done" && known.size === columns.size &&
      known.mtime === columns.mtime;
  }

  markFailed(object: ReferenceObject, reason: string): void {
    this.#summary.failed++;
    if (this.#summary.failures.length < EXAMPLES) this.#summary.failures.push(reason);
    this.#failFile.run(
      IMPORT_PREFIX + object.relativePath,
      reason,
      this.#runId,
      new Date().toISOString(),
    );
  }

  async commit(batch: Pending[]): Promise<void> {
    if (batch.length === 0) return;
    const pending = await this.#ips.prepare(batch.flatMap(({ columns }) => columns.ips));
    const now = new Date().toISOString();
    this.#transaction(() => {
      this.#ips.insert(pending);
      for (const { object, columns } of batch) {
        const count = columns.times.length;
        const { id: fileId } = this.#upsertFile.get(
          IMPORT_PREFIX + object.relativePath,
          columns.size,
          columns.mtime,
          count,
          count,
          columns.downloadsKnown ? null : "download.txt absent: downloads counted as 0",
          this.#runId,
          now,
        ) as { id: number };
        this.#rows.flush(); // before the file's earlier requests go
        deleteFileRequests(this.#db, [fileId]);
        const { id: objectId } = this.#object.get(object.key) as {
          id: number;
        };
        for (let i = 0; i < count; i++) {
          this.#rows.push(
            fileId,
            i + 1,
            objectId,
            columns.times[i],
            columns.bytesSent[i],
            pending.indexes.get(columns.ips[i])!,
            columns.downloads[i],
          );
        }
        this.#summary.objects++;
        this.#summary.requests += count;
        if (!columns.downloadsKnown) this.#summary.withoutDownloads++;
      }
      this.#rows.flush();
    });
    this.#ips.remember(pending);
    this.#summary.newIps += pending.rows.length;
  }

  async storeLabels(labels: Map<string, string>): Promise<void> {
    if (labels.size === 0) return;
    const pending = await this.#ips.prepare(labels.keys());
    const now = new Date().toISOString();
    this.#transaction(() => {
      this.#ips.insert(pending);
      for (const [ip, label] of labels) {
        const { changes } = this.#label.run(pending.indexes.get(ip)!, cleanLabel(label), now);
        if (changes > 0) this.#summary.labels++;
        else this.#summary.labelsSkipped++;
      }
    });
    this.#ips.remember(pending);
    this.#summary.newIps += pending.rows.length;
  }

  recordLogFiles(paths: string[]): number {
    let recorded = 0;
    const now = new Date().toISOString();
    this.#transaction(() => {
      for (const path of paths) {
        recorded += Number(this.#record.run(path, this.#runId, now).changes);
      }
    });
    return recorded;
  }

  /** Stores records that extraction matches by `match`; returns how many are new. */
  recordReferenceRecords(
    keys: string[],
    match: "path" | "basename",
    state: "finished" | "unfinished",
  ): number {
    let recorded = 0;
    this.#transaction(() => {
      for (const key of keys) {
        // A path the reference finished is a done log file already (recordLogFiles).
        const known = this.#selectFile.get(key) as { status: string } | undefined;
        if (match === "path" && known?.status === "done") continue;
        recorded += Number(this.#referenceRecord.run(key, match, state).changes);
      }
    });
    return recorded;
  }

  /**
   * Keeps the time range of every imported request: a log file no record names but whose name
   * dates from within it may already be in the imported tree (see `SwitchoverGuard`).
   */
  recordImportedTimes(): void {
    const range = this.#db.prepare(`
      SELECT min(b.min_time) AS first, max(b.max_time) AS last FROM request_blocks b
      JOIN log_files f ON f.id = b.file_id WHERE f.path >= ? AND f.path < ?`)
      .get(IMPORT_PREFIX, IMPORT_PREFIX.slice(0, -1) + "0") as {
        first: number | null;
        last: number | null;
      };
    if (range.first === null || range.last === null) return;
    this.#transaction(() => {
      this.#db.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)").run(
        IMPORTED_TIMES_META,
        JSON.stringify({ first: range.first, last: range.last }),
      );
    });
  }

  #transaction(work: () => void): void {
    inTransaction(this.#db, work, () => this.#rows.discard());
  }
}
