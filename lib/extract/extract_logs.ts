/**
 * The `extract_logs` step: find the log files not yet extracted, parse them in Web Workers and
 * commit their requests in order, one batch per transaction.
 *
 * @module
 */

import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import {
  claimExtractionMode,
  DATABASE_FILE,
  openCacheDatabase,
  verifyCachePassword,
} from "../store/cache_database.ts";
import type { CacheSecrets } from "../crypto/cache_secrets.ts";
import { isFile } from "../config.ts";
import { errorText, OperatorError } from "../errors.ts";
import { excludedIpSource, type IpMatch } from "./excluded_ips.ts";
import {
  DEFAULT_PLAN_LIMITS,
  type Piece,
  type PlanLimits,
  type PlannedFile,
  planTasks,
} from "./extraction_plan.ts";
import type { ExtractionMode, MalformedReason } from "./line_parser.ts";
import type { DiscoveredEntry } from "./log_discovery.ts";
import { KnownFiles } from "./known_files.ts";
import { localLogSource, type LogSource } from "./log_source.ts";
import type { WorkerAnswer } from "./parse_worker.ts";
import { createPieceExecutor, defaultWorkerCount, type PieceExecutor } from "./piece_executor.ts";
import { countSchemaVersion } from "./piece_parser.ts";
import { type BatchEntry, type CommitResult, RequestStore } from "./request_store.ts";
import { type SettledTask, TaskWindow } from "./task_window.ts";
import { acquireRunLock, stopRequested } from "../store/run_lock.ts";
import { finishRun, startRun } from "../store/run_history.ts";
import { WalCheckpointer } from "../store/wal_checkpointer.ts";
import { SwitchoverGuard, type UnrecordedPolicy } from "./switchover_guard.ts";

/** Options of {@linkcode extractLogs}. */
export interface ExtractLogsOptions {
  /**
   * The directory that holds the log files (searched recursively), or, with `source`, the name
   * of the logs in the result.
   */
  logsDirectory: string;
  /** The cache directory (holds `cache.sqlite`). */
  cacheDirectory: string;
  /**
   * Secrets derived from the cache password, or their derivation under way (awaited once the
   * workers are started, before the cache is opened).
   */
  secrets: CacheSecrets | Promise<CacheSecrets>;
  /** `generic` (default) or `dandi`. */
  mode?: ExtractionMode;
  /** Regular expression over the client IP: matching requests are dropped and counted. */
  excludedIps?: string;
  /**
   * Whether `excludedIps` must match the whole IP or is searched anywhere in it (as the
   * reference's and the DANDI plugin's variables are).
   *
   * @default {"whole"}
   */
  excludedIpMatch?: IpMatch;
  /**
   * User-Agent prefixes of the archive's own tools (client kind `archive-client`).
   *
   * @default {DEFAULT_ARCHIVE_CLIENTS}
   */
  archiveClients?: readonly string[];
  /** Parse workers (default: one per core; 0 parses on the calling thread). */
  workers?: number;
  /** Process at most this many log files. */
  limit?: number;
  /** Aborting ends the run after the batch in flight. */
  signal?: AbortSignal;
  /** Called after every committed batch. */
  onProgress?: (progress: ExtractionProgress) => void;
  /** Piece and task sizes (tests use small ones). */
  planLimits?: PlanLimits;
  /**
   * Commit a batch once it holds this many requests. Short commits keep the workers fed: the
   * main thread commits synchronously, and the tasks queued meanwhile run out (measured on the
   * 20,000 small files against 100,000: 4.6 % less wall time, 10 paired rounds).
   *
   * @default {25_000}
   */
  batchRequests?: number;
  /**
   * Where the log files are read from (an S3 bucket: `s3LogSource`).
   *
   * @default {localLogSource(logsDirectory)}
   */
  source?: LogSource;
  /**
   * After an import of the Python tools' cache (`index_ips`): what to do with a log file whose
   * requests may already be in the imported tree (see `SwitchoverGuard`): `hold` it (not read,
   * reported), `read` it, or `skip` it for good as read by the reference.
   *
   * @default {"hold"}
   */
  unrecorded?: UnrecordedPolicy;
}

/** Progress of a run, after each commit. */
export interface ExtractionProgress {
  /** Files finished in this run. */
  filesDone: number;
  /** Files this run set out to process. */
  filesPlanned: number;
  /** Bytes read so far. */
  bytesRead: number;
  /** Bytes this run set out to read. */
  bytesPlanned: number;
  /** Requests stored so far. */
  requests: number;
  /** Whether files are still being listed (the planned totals then still grow). */
  listing: boolean;
}

/** What a run did. */
export interface ExtractionResult {
  /** Extraction mode. */
  mode: ExtractionMode;
  /** Log directory. */
  logsDirectory: string;
  /** Cache directory. */
  cacheDirectory: string;
  /** Counts of files. */
  files: {
    /** Log files found below the log directory. */
    found: number;
    /** Files finished in this run. */
    done: number;
    /** Files that could not be read (retried next run). */
    failed: number;
    /** Files extracted by earlier runs, unchanged. */
    alreadyDone: number;
    /** Files extracted earlier whose size or time changed since: read again, replacing them. */
    changed: number;
    /** Files left for a later run (by --limit or a stop). */
    pending: number;
    /** Files not read because their requests may be in an imported reference cache. */
    held: number;
    /** Files below the log directory that are not log files (not read). */
    notLogs: number;
  };
  /** Counts of lines read in this run. */
  lines: {
    /** Requests kept. */
    kept: number;
    /** Well-formed lines the rules do not keep. */
    filtered: number;
    /** Kept requests dropped for their excluded client IP. */
    excluded: number;
    /** Malformed lines (quarantined). */
    malformed: number;
  };
  /** Malformed lines by reason. */
  malformedByReason: Partial<Record<MalformedReason, number>>;
  /** JSON records read (malformed ones aside), by `schema_version_id` (`""`: none). */
  jsonRecords: Record<string, number>;
  /** Kept JSON records without a `bytes_sent` field (their bytes counted as 0). */
  jsonWithoutBytes: number;
  /** Up to 20 quarantined lines: file, line number and reason (never the text). */
  malformedExamples: { path: string; line: number; reason: string }[];
  /** Up to 20 failed files with their reason. */
  failures: { path: string; reason: string }[];
  /** Up to 20 changed (re-read) files. */
  changedFiles: string[];
  /** Up to 20 held files with the reason. */
  heldFiles: { path: string; reason: string }[];
  /** Up to 5 of the files that are not log files. */
  notLogExamples: string[];
  /** New distinct client IPs added to the IP table. */
  newIps: number;
  /** Bytes of log files read. */
  bytesRead: number;
  /** Wall time in seconds. */
  seconds: number;
  /** Whether the run ended early because a stop was asked for. */
  stopped: boolean;
  /**
   * Set when the stop came before every file was listed (files are listed as they are read):
   * the counts of files are then those of the files listed so far.
   */
  unlisted?: boolean;
}

const EXAMPLES = 20;

/**
 * Extracts every log file below `logsDirectory` that the cache does not hold yet. Safe to run
 * again at any time (only new files are read), to interrupt (`signal`, `stop`), and to kill:
 * the cache then holds each file's requests exactly once or not at all.
 *
 * @param options The log directory (or `s3://` location), the cache, the password's secrets, the
 * mode, workers and progress callbacks.
 * @returns What was found, read, kept, filtered, excluded and quarantined, file by file counts
 * included.
 * A stop asked for ends the run after the batch in flight: the result says `stopped`.
 * @throws {OperatorError} When the cache cannot be opened or is locked by another run, the password
 * does not match the cache, or the disk fails; the message says what to do.
 *
 * @example Extract the bundled sample
 * ```ts
 * import { extractLogs } from "./extract_logs.ts";
 * import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * const summary = await extractLogs({
 *   logsDirectory: new URL("../../fixtures/sample_logs", import.meta.url).pathname,
 *   cacheDirectory,
 *   secrets: await deriveCacheSecrets({ password: "example password", iterations: 1 }),
 *   workers: 0,
 * });
 * assert.deepStrictEqual(summary.files.failed, 0);
 * assert.deepStrictEqual(summary.files.done, summary.files.found);
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function extractLogs(options: ExtractLogsOptions): Promise<ExtractionResult> {
  const started = performance.now();
  const mode = options.mode ?? "generic";
  const excludedIps = excludedIpSource(
    options.excludedIps === undefined ? undefined : {
      pattern: options.excludedIps,
      match: options.excludedIpMatch ?? "whole",
      variable: "excludedIps",
    },
  );
  const source = options.source ?? localLogSource(options.logsDirectory);
  source.check(); // before anything is created
  // Workers start now, so that they load while the password's key is derived (slow on purpose:
  // 80 ms) and the files are listed. A missing or weak password stops the run here, before
  // anything is created.
  const workers = options.workers ?? defaultWorkerCount();
  const executor = createPieceExecutor(workers);
  try {
    const secrets = await options.secrets;
    await Deno.mkdir(options.cacheDirectory, { recursive: true, mode: 0o700 }).catch((error) => {
      throw new OperatorError(
        `Cannot create cache directory ${options.cacheDirectory}: ${errorText(error)}. Choose ` +
          "a folder you can write to.",
      );
    });
    using _lock = await acquireRunLock(options.cacheDirectory);
    const db = openCacheDatabase(options.cacheDirectory);
    // Without workers (workers: 0), the commits checkpoint the log themselves.
    const checkpoints = workers === 0
      ? undefined
      : new WalCheckpointer(join(options.cacheDirectory, DATABASE_FILE));
    try {
      await verifyCachePassword(db, secrets);
      claimExtractionMode(db, mode);
      const runId = startRun(db, "extract_logs");
      const summary = emptySummary(mode, options);
      try {
        // Planned as the files are listed: the workers start on the first ones while the rest
        // are still being listed.
        const listing = planFiles(db, await source.list(), options, summary);
        await runPlan(listing, {
          db,
          runId,
          executor,
          workers,
          checkpoints,
          source,
          excludedIps,
          secrets,
          options,
          summary,
        });
        if (summary.files.found === 0) checkNotEmptied(db, options.logsDirectory);
        // Deleted while the run went on, SQLite wrote to a file nobody can open again.
        if (!isFile(join(options.cacheDirectory, DATABASE_FILE))) {
          throw new OperatorError(
            `The cache database ${join(options.cacheDirectory, DATABASE_FILE)} was deleted ` +
              "while this run was going: what it stored is lost. Restore it from a backup, or " +
              "start over with --new-cache.",
          );
        }
        summary.seconds = (performance.now() - started) / 1000;
        finishRun(db, runId, summary.stopped ? "stopped" : "ok", summary);
        return summary;
      } catch (error) {
        summary.seconds = (performance.now() - started) / 1000;
        finishRun(db, runId, "failed", { ...summary, error: errorText(error) });
        throw error;
      }
    } finally {
      // Its connection first, so that the close finds the log copied. Why it stopped, if it
      // did, is not the run's failure: the commits and the close then checkpoint themselves,
      // and meet any fault of the disk there.
      await checkpoints?.close();
      db.close();
    }
  } finally {
    executor.close();
  }
}

function emptySummary(mode: ExtractionMode, options: ExtractLogsOptions): ExtractionResult {
  return {
    mode,
    logsDirectory: options.logsDirectory,
    cacheDirectory: options.cacheDirectory,
    files: {
      found: 0,
      done: 0,
      failed: 0,
      alreadyDone: 0,
      changed: 0,
      pending: 0,
      held: 0,
      notLogs: 0,
    },
    lines: { kept: 0, filtered: 0, excluded: 0, malformed: 0 },
    malformedByReason: {},
    jsonRecords: {},
    jsonWithoutBytes: 0,
    malformedExamples: [],
    failures: [],
    changedFiles: [],
    heldFiles: [],
    notLogExamples: [],
    newIps: 0,
    bytesRead: 0,
    seconds: 0,
    stopped: false,
  };
}

/**
 * A log directory that held log files before and now holds none is an unmounted disk or a
 * mirror gone wrong, not a quiet night: stop, saying so.
 */
function checkNotEmptied(db: DatabaseSync, logsDirectory: string): void {
  const before = db.prepare(
    "SELECT count(*) AS n FROM log_files WHERE size >= 0 AND path NOT LIKE 'reference:%'",
  ).get() as { n: number };
  if (before.n > 0) {
    throw new OperatorError(
      `The log directory ${logsDirectory} holds no log files, but ${
        before.n.toLocaleString("en-US")
      } ` +
        "were extracted from it before. Is it mounted, or did its mirror fail? Check it; the " +
        "cache is unchanged.",
    );
  }
}

/**
 * The files to process, in order, as `entries` lists them; counts the others. Only ever advanced
 * between commits, never inside one (it records files the reference finished).
 */
function* planFiles(
  db: DatabaseSync,
  entries: Iterable<DiscoveredEntry>,
  options: ExtractLogsOptions,
  summary: ExtractionResult,
): Generator<PlannedFile> {
  const knownFiles = new KnownFiles(db);
  let planned = 0;
  const limit = options.limit ?? Infinity;
  const guard = new SwitchoverGuard(db, options.unrecorded ?? "hold");
  const record = db.prepare(`
    INSERT INTO log_files (path, size, mtime, status, reason, updated_at)
    VALUES (?, -1, -1, 'done', ?, ?) ON CONFLICT (path) DO NOTHING`);
  for (const entry of entries) {
    if (entry.kind === "unreadable") {
      summary.files.failed++;
      if (summary.failures.length < EXAMPLES) {
        summary.failures.push({ path: entry.path, reason: entry.reason });
      }
      continue;
    }
    if (entry.kind === "other") {
      summary.files.notLogs++;
      if (summary.notLogExamples.length < 5) summary.notLogExamples.push(entry.path);
      continue;
    }
    summary.files.found++;
    const found = entry.file;
    const known = knownFiles.get(found.path);
    if (known === undefined) {
      const verdict = guard.verdict(found.path);
      if (verdict.action === "recorded") {
        record.run(found.path, verdict.reason, new Date().toISOString());
        summary.files.alreadyDone++;
        continue;
      }
      if (verdict.action === "held") {
        summary.files.held++;
        if (summary.heldFiles.length < EXAMPLES) {
          summary.heldFiles.push({ path: found.path, reason: verdict.reason });
        }
        continue;
      }
    }
    // Size -1: recorded as finished by the reference (index_ips), size and time unknown.
    const changed = known !== undefined && known.size !== -1 &&
      (known.size !== found.size || known.mtime !== found.mtime);
    if (known?.status === "done" && !changed) {
      summary.files.alreadyDone++;
      continue;
    }
    if (planned >= limit) {
      summary.files.pending++;
      continue;
    }
    // A file that changed since it was read (a mirror still syncing it, a rewrite) is read
    // again from its start, its earlier requests replaced in the same transaction: the cache
    // always holds one clean read of every file.
    const replaces = changed && (known!.status === "done" || known!.next_offset > 0);
    if (replaces) {
      summary.files.changed++;
      if (summary.changedFiles.length < EXAMPLES) summary.changedFiles.push(found.path);
    }
    planned++;
    yield {
      ...found,
      nextOffset: replaces ? 0 : known?.next_offset ?? 0,
      nextLine: replaces ? 0 : known?.next_line ?? 0,
      state: "pending",
      replaces,
    };
  }
}

/** What a run's plan is carried out with. */
interface RunContext {
  db: DatabaseSync;
  runId: number;
  executor: PieceExecutor;
  workers: number;
  /** Told of each commit, when the log is checkpointed on a worker. */
  checkpoints?: WalCheckpointer;
  source: LogSource;
  excludedIps: string | null;
  secrets: CacheSecrets;
  options: ExtractLogsOptions;
  /** The run's result, added to as batches commit. */
  summary: ExtractionResult;
}

/**
 * Parses the planned files' pieces in the workers and commits them in order, a batch at a time:
 * a batch closes at `batchRequests` requests, after a second, or when no task is out. A stop
 * asked for is honoured after the batch in flight: the tasks out at the workers then are not
 * committed (their files stay where the last commit left them, for the next run).
 */
async function runPlan(listing: Iterator<PlannedFile>, context: RunContext): Promise<void> {
  const { options, summary, source, executor } = context;
  const store = new RequestStore(context.db, context.secrets);
  const progress: ExtractionProgress = {
    filesDone: 0,
    filesPlanned: 0,
    bytesRead: 0,
    bytesPlanned: 0,
    requests: 0,
    listing: true,
  };
  const planned: PlannedFile[] = [];
  const plannedFiles = function* (): Generator<PlannedFile> {
    for (let next = listing.next(); !next.done; next = listing.next()) {
      planned.push(next.value);
      progress.filesPlanned++;
      progress.bytesPlanned += next.value.size - next.value.nextOffset;
      yield next.value;
    }
    progress.listing = false;
  };
  const tasks = planTasks(plannedFiles(), {
    limits: options.planLimits ?? DEFAULT_PLAN_LIMITS,
    splittable: (file) => source.splittable(file),
  });
  // Tasks out ahead of the commit point. Answers are small (columns of numbers), so a deep
  // window costs little memory and keeps the workers busy while the writer commits.
  const window = new TaskWindow<Piece, WorkerAnswer>(
    tasks,
    Math.max(4, context.workers * 16),
    async (id, pieces) =>
      executor.run({
        id,
        pieces: await Promise.all(pieces.map((piece) => source.taskPiece(piece))),
        mode: summary.mode,
        excludedIps: context.excludedIps,
        archiveClients: options.archiveClients ?? null,
      }),
  );
  const batchRequests = options.batchRequests ?? 25_000;
  let batch: BatchEntry[] = [];
  let batchRows = 0;
  let batchStarted = performance.now();
  window.fill();
  while (!window.empty) {
    for (const entry of answeredPieces(await window.take())) {
      batch.push(entry);
      if (entry.outcome.ok) batchRows += entry.outcome.parsed.rows;
    }
    window.fill();
    if (window.empty || batchRows >= batchRequests || performance.now() - batchStarted > 1000) {
      const committed = await store.commit(batch, context.runId);
      context.checkpoints?.committed();
      applyCommitted(committed);
      tally(summary, batch, committed);
      progress.filesDone += committed.filesDone + committed.filesFailed;
      progress.bytesRead = summary.bytesRead;
      progress.requests += committed.requests;
      options.onProgress?.({ ...progress });
      batch = [];
      batchRows = 0;
      batchStarted = performance.now();
      if (
        !summary.stopped &&
        await stopRequested(options.cacheDirectory, { signal: options.signal })
      ) {
        summary.stopped = true;
        window.close();
      }
      window.fill();
    }
  }
  // A stop ends the listing too (listing millions of files takes minutes): the counts say so.
  if (progress.listing) summary.unlisted = true;
  summary.files.pending += planned.filter((file) => file.state === "pending").length;
}

/** The pieces of a task taken back, each with its outcome; a task that failed stops the run. */
function answeredPieces(task: SettledTask<Piece, WorkerAnswer>): BatchEntry[] {
  if ("error" in task.settled) {
    throw new OperatorError(
      `Extraction failed: ${errorText(task.settled.error)}. Nothing after the last committed ` +
        "batch was stored; run extract_logs again to continue.",
    );
  }
  const { outcomes } = task.settled.answer;
  return task.pieces.map((piece, i) => ({ piece, outcome: outcomes[i] }));
}

/** Brings the plan's files to where the commit left them. */
function applyCommitted(committed: CommitResult): void {
  for (const { file, state, nextOffset, nextLine } of committed.files) {
    file.state = state === "partial" ? "pending" : state;
    file.nextOffset = nextOffset;
    file.nextLine = nextLine;
    file.replaces = false; // its earlier requests are gone: later pieces add to this read
  }
}

/** Adds a committed batch to the run's result. */
function tally(summary: ExtractionResult, batch: BatchEntry[], committed: CommitResult): void {
  for (const { piece, outcome } of batch) {
    if (!outcome.ok) {
      if (summary.failures.length < EXAMPLES) {
        summary.failures.push({ path: piece.file.path, reason: outcome.error });
      }
      continue;
    }
    const parsed = outcome.parsed;
    summary.lines.kept += parsed.rows;
    summary.lines.filtered += parsed.filtered;
    summary.lines.excluded += parsed.excluded;
    summary.lines.malformed += parsed.malformed;
    for (const [reason, count] of Object.entries(parsed.malformedByReason)) {
      const key = reason as MalformedReason;
      summary.malformedByReason[key] = (summary.malformedByReason[key] ?? 0) + count;
    }
    summary.jsonWithoutBytes += parsed.jsonWithoutBytes;
    for (const [version, count] of Object.entries(parsed.jsonRecords)) {
      countSchemaVersion(summary.jsonRecords, version, count);
    }
    summary.bytesRead += outcome.bytesRead;
  }
  for (const example of committed.quarantined) {
    if (summary.malformedExamples.length < EXAMPLES) summary.malformedExamples.push(example);
  }
  summary.files.done += committed.filesDone;
  summary.files.failed += committed.filesFailed;
  summary.newIps += committed.newIps;
}
