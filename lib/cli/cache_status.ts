/**
 * `status`: what a cache holds and how its runs went, from counts kept in the database (no
 * password needed, nothing decrypted, nothing written): log files done, failed and pending,
 * the last run and its result, requests and IPs stored, the share of IPs with a region label,
 * and the age of the published summaries.
 *
 * @module
 */

import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { DATABASE_FILE, openCacheForReading } from "../store/cache_database.ts";
import { errorText } from "../errors.ts";
import { discoverLogFiles } from "../extract/log_discovery.ts";
import { parseS3Url, type S3Location } from "../s3/s3_client.ts";
import { readInventory } from "../s3/s3_inventory.ts";
import { objectEntry } from "../s3/s3_log_source.ts";
import { IMPORT_PREFIX } from "../reference/reference_import.ts";
import { countClientKinds } from "../store/request_blocks.ts";
import { keptClientKinds } from "../summaries/count_folds.ts";
import { countOperations, type OperationShares } from "../store/operation_blocks.ts";
import type { RunRecord } from "../store/run_history.ts";
import { type LockHolder, readLockHolder } from "../store/run_lock.ts";

/** The state of a cache. */
export interface CacheStatus {
  /** The cache directory. */
  cacheDirectory: string;
  /** Whether it holds a database (false: nothing extracted yet; the counts are 0). */
  exists: boolean;
  /** Size of the database files in bytes. */
  databaseBytes: number;
  /** Log files by state (`imported`: object folders imported from the reference). */
  logFiles: { done: number; failed: number; partial: number; imported: number };
  /** Files of the log directory not extracted yet, when a log directory was given. */
  pending?: { logsDirectory: string; logFiles: number; pending: number };
  /** The run holding the cache now, if one does. */
  running?: LockHolder;
  /** The latest run of each command, newest first. */
  lastRuns: Omit<RunRecord, "summary">[];
  /** Requests stored. */
  requests: number;
  /** Requests stored per client kind code (see `CLIENT_KINDS`). */
  clientKinds?: number[];
  /**
   * Requests of every line counted (the stored ones as 2xx downloads, and the lines not kept)
   * per operation group and status class.
   */
  operations?: OperationShares;
  /** Distinct client IPs stored. */
  ips: number;
  /** IPs with a region label. */
  labelledIps: number;
  /**
   * The labelled IPs by kind, as the reference's `stats` classifies them (evaluated in this
   * order: `missing`, `unknown`, `undetermined`, `bogon`, `VPN…`, `AWS…`/`GCP…`, `GitHub…`,
   * anything else is `determined`).
   */
  labelKinds: Record<LabelKind, number>;
  /** Lines kept aside as malformed. */
  quarantinedLines: number;
  /**
   * Log files the last extraction held (not read: their requests may be in an imported cache
   * of the Python tools; see `extract_logs --unrecorded`).
   */
  heldLogFiles?: number;
  /**
   * Log files the last extraction read again because they had changed since an earlier run
   * (their earlier requests replaced): how many, and the first of them.
   */
  replacedLogFiles?: { count: number; examples: string[] };
  /** When the summaries were last written (ISO 8601), if they were. */
  summariesWrittenAt?: string;
  /** The newest summary step, when it failed or did not finish: the summaries are stale. */
  summariesFailed?: { command: string; started_at: string };
  /** A caveat about the counts, if any. */
  note?: string;
  /** Completion against an S3 Inventory of the log bucket, when one was given. */
  inventory?: InventoryCompletion;
}

/** The kinds of region label the reference's `stats` counts. */
export type LabelKind =
  | "determined"
  | "missing"
  | "unknown"
  | "undetermined"
  | "bogon"
  | "vpn"
  | "cloud_service"
  | "github";

/** How much of the log objects an S3 Inventory lists are extracted. */
export interface InventoryCompletion {
  /** The partition read (`dt=…`). */
  partition: string;
  /** `s3://bucket/prefix/` the log objects are below. */
  location: string;
  /** Log objects listed below it. */
  logObjects: number;
  /** Their total size in bytes. */
  bytes: number;
  /** Of them, extracted. */
  done: number;
  /** Of them, failed (retried next run). */
  failed: number;
  /** `done / logObjects × 100` (0 for none). */
  percentComplete: number;
}

/**
 * Reads the state of the cache in `cacheDirectory`; with `logsDirectory`, also counts the log
 * files there that are not extracted yet (a walk of the folder).
 *
 * @param options The cache, and optionally the log directory (to count pending files) and an S3
 * Inventory (to measure completion).
 * @returns What the cache holds, its last runs, and what is pending.
 * @throws {OperatorError} When the cache database exists but cannot be read; the message says what
 * to do.
 *
 * @example Usage
 * ```ts
 * import { cacheStatus } from "./cache_status.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * const status = await cacheStatus({ cacheDirectory });
 * assert.deepStrictEqual([status.exists, status.requests, status.lastRuns], [false, 0, []]);
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function cacheStatus(
  options: { cacheDirectory: string; logsDirectory?: string; inventory?: string },
): Promise<CacheStatus> {
  const { cacheDirectory } = options;
  const status: CacheStatus = {
    cacheDirectory,
    exists: false,
    databaseBytes: 0,
    logFiles: { done: 0, failed: 0, partial: 0, imported: 0 },
    lastRuns: [],
    requests: 0,
    ips: 0,
    labelledIps: 0,
    labelKinds: {
      determined: 0,
      missing: 0,
      unknown: 0,
      undetermined: 0,
      bogon: 0,
      vpn: 0,
      cloud_service: 0,
      github: 0,
    },
    quarantinedLines: 0,
  };
  const path = join(cacheDirectory, DATABASE_FILE);
  for (const suffix of ["", "-wal"]) {
    status.databaseBytes += await Deno.stat(path + suffix).then((i) => i.size, () => 0);
  }
  status.running = await readLockHolder(cacheDirectory).catch(() => undefined);
  if (status.running === undefined) delete status.running;
  const summaries = await Deno.stat(join(cacheDirectory, "summaries")).catch(() => undefined);
  if (summaries?.mtime) status.summariesWrittenAt = summaries.mtime.toISOString();
  const opened = status.databaseBytes > 0 ? openCacheForReading(cacheDirectory) : undefined;
  if (opened?.note !== undefined) status.note = opened.note;
  const db = opened?.db;
  try {
    if (db !== undefined) {
      try {
        readCounts(db, status);
      } catch (error) {
        // Read without locks (a read-only folder), a file another run is writing can look
        // half-made: say so instead of failing.
        if (status.note === undefined) throw error;
        status.exists = false;
        status.note += `; it could not be read consistently now (${errorText(error)})`;
      }
    }
    const stateOf = db === undefined || !status.exists ? () => undefined : logFileState(db);
    const logs = options.logsDirectory;
    const remote = logs?.startsWith("s3://") ?? false;
    if (logs !== undefined && !remote) {
      status.pending = countPending(logs, (p) => stateOf(p) === "done");
    }
    if (options.inventory !== undefined) {
      status.inventory = await inventoryCompletion(
        options.inventory,
        remote ? parseS3Url(logs!) : undefined,
        stateOf,
      );
    }
  } finally {
    db?.close();
  }
  return status;
}

/** Fills the counts of `status` from the database. */
function readCounts(db: DatabaseSync, status: CacheStatus): void {
  // A run that has just created the file may not have committed its tables yet.
  const needed = ["meta", "runs", "log_files", "ips", "ip_regions", "quarantine"];
  const tables = db.prepare(
    `SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN (${
      needed.map(() => "?").join(", ")
    })`,
  ).get(...needed) as { n: number };
  if (tables.n < needed.length) return;
  status.exists = true;
  const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
  for (
    const row of db.prepare(
      "SELECT status, path LIKE ? AS imported, count(*) AS n FROM log_files GROUP BY 1, 2",
    ).all(IMPORT_PREFIX + "%") as { status: string; imported: number; n: number }[]
  ) {
    if (row.imported && row.status === "done") status.logFiles.imported += row.n;
    else if (row.status in status.logFiles) {
      status.logFiles[row.status as "done" | "failed" | "partial"] += row.n;
    }
  }
  // Caches written before runs counted warnings have no such column (status never migrates).
  const warnings = db.prepare("SELECT name FROM pragma_table_info('runs')").all()
      .some((c) => c.name === "warnings")
    ? "warnings"
    : "0";
  status.lastRuns = db.prepare(`
    SELECT id, command, started_at, finished_at, outcome, ${warnings} AS warnings FROM runs
    WHERE id IN (SELECT max(id) FROM runs GROUP BY command) ORDER BY id DESC`).all()
    .map((row) => ({ ...row })) as CacheStatus["lastRuns"];
  // Every stored request has one kind (unknown where its block has none): their sum is all.
  // The summaries keep the kinds of the blocks they counted: only the later ones are read
  // (reading a block's kinds reads the whole block), in one snapshot with those kept counts.
  db.exec("BEGIN");
  try {
    status.clientKinds = countClientKinds(db, keptClientKinds(db));
  } finally {
    db.exec("COMMIT");
  }
  status.requests = status.clientKinds.reduce((total, n) => total + n, 0);
  status.operations = countOperations(db, status.requests);
  status.ips = count("SELECT count(*) AS n FROM ips");
  status.labelledIps = count("SELECT count(*) AS n FROM ip_regions");
  status.quarantinedLines = count("SELECT count(*) AS n FROM quarantine");
  const kinds = db.prepare(`
    SELECT CASE WHEN label IN ('missing', 'unknown', 'undetermined', 'bogon') THEN label
      WHEN label GLOB 'VPN*' THEN 'vpn' WHEN label GLOB 'AWS*' OR label GLOB 'GCP*'
      THEN 'cloud_service' WHEN label GLOB 'GitHub*' THEN 'github' ELSE 'determined' END AS kind,
      count(*) AS n FROM ip_regions GROUP BY kind`).all() as { kind: LabelKind; n: number }[];
  for (const { kind, n } of kinds) status.labelKinds[kind] = n;
  // The summaries' age is their last successful step's, not a folder's time; a step that
  // failed since leaves them stale.
  const steps = db.prepare(`
    SELECT command, started_at, finished_at, outcome FROM runs
    WHERE command LIKE 'generate\\_%' ESCAPE '\\' ORDER BY id DESC`).all() as {
    command: string;
    started_at: string;
    finished_at: string | null;
    outcome: string | null;
  }[];
  const lastOk = steps.find((run) => run.outcome === "ok");
  if (lastOk?.finished_at) status.summariesWrittenAt = lastOk.finished_at;
  if (steps[0] !== undefined && steps[0].outcome !== "ok") {
    status.summariesFailed = { command: steps[0].command, started_at: steps[0].started_at };
  }
  const extraction = db.prepare(`
    SELECT summary FROM runs WHERE command = 'extract_logs' AND outcome IN ('ok', 'stopped')
    ORDER BY id DESC LIMIT 1`).get() as { summary: string | null } | undefined;
  const last = extraction?.summary ? JSON.parse(extraction.summary) : undefined;
  const held = last?.files?.held;
  if (typeof held === "number" && held > 0) status.heldLogFiles = held;
  const changed = last?.files?.changed;
  if (typeof changed === "number" && changed > 0) {
    status.replacedLogFiles = { count: changed, examples: last.changedFiles ?? [] };
  }
}

/** The state (`done`, `failed`, `partial`) of a log file by its path, if it is known. */
function logFileState(db: DatabaseSync): (path: string) => string | undefined {
  const select = db.prepare("SELECT status FROM log_files WHERE path = ?");
  return (path) => (select.get(path) as { status: string } | undefined)?.status;
}

function countPending(
  logsDirectory: string,
  isDone: (path: string) => boolean,
): CacheStatus["pending"] {
  let logFiles = 0;
  let pending = 0;
  for (const entry of discoverLogFiles(logsDirectory)) {
    if (entry.kind !== "log") continue;
    logFiles++;
    if (!isDone(entry.file.path)) pending++;
  }
  return { logsDirectory, logFiles, pending };
}

async function inventoryCompletion(
  directory: string,
  location: S3Location | undefined,
  stateOf: (path: string) => string | undefined,
): Promise<InventoryCompletion> {
  const inventory = await readInventory(directory);
  const bucket = location?.bucket ?? inventory.bucket;
  const prefix = location?.prefix ?? "";
  const completion: InventoryCompletion = {
    partition: inventory.partition,
    location: `s3://${bucket}/${prefix}`,
    logObjects: 0,
    bytes: 0,
    done: 0,
    failed: 0,
    percentComplete: 0,
  };
  if (inventory.bucket !== bucket) return completion;
  for (const object of inventory.objects) {
    const entry = objectEntry(object, prefix);
    if (entry?.kind !== "log") continue;
    completion.logObjects++;
    completion.bytes += object.size;
    const state = stateOf(entry.file.path);
    if (state === "done") completion.done++;
    else if (state === "failed") completion.failed++;
  }
  completion.percentComplete = completion.logObjects === 0
    ? 0
    : (completion.done / completion.logObjects) * 100;
  return completion;
}
