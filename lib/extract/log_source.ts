/**
 * Where an extraction run reads its log files from. {@linkcode LogSource} is the contract a
 * source implements; {@linkcode localLogSource} is the folder on this machine, and
 * `../s3/s3_log_source.ts` a bucket. Extraction itself only talks to the contract, so it never
 * asks which kind of source it reads.
 *
 * @module
 */

import { isGzip } from "../gzip.ts";
import { type Piece, type TaskPiece, taskPieceOf } from "./extraction_plan.ts";
import {
  checkLogDirectory,
  type DiscoveredEntry,
  discoverLogFiles,
  type FoundLogFile,
} from "./log_discovery.ts";

/** A place log files are read from. */
export interface LogSource {
  /** Where the logs are, for messages and the run's result (a folder, `s3://bucket/prefix`). */
  readonly description: string;
  /**
   * Throws an `OperatorError` saying what to do unless the source can be read: a run checks
   * this before it creates or changes anything.
   */
  check(): void;
  /** The log files and the other entries, sorted by path. */
  list(): Iterable<DiscoveredEntry> | Promise<Iterable<DiscoveredEntry>>;
  /**
   * Whether `file` may be read in pieces by byte range (so that several workers share a large
   * file). A file that may not is read whole, as one piece.
   */
  splittable(file: FoundLogFile): boolean;
  /**
   * What a worker gets to parse `piece`: its place, or its content fetched now. A fetch that
   * fails is said in `fetchError` (the file then fails, and is retried next run), not thrown.
   */
  taskPiece(piece: Piece): Promise<TaskPiece>;
}

/**
 * The log files below `directory` on this machine: walked by `discoverLogFiles`, plain files
 * read in pieces by the workers themselves, gzip files (detected by content) read whole.
 *
 * @param directory The log directory, searched recursively.
 * @returns The source of its log files.
 *
 * @example Usage
 * ```ts
 * import { localLogSource } from "./log_source.ts";
 * import assert from "node:assert/strict";
 *
 * const source = localLogSource(new URL("../../fixtures/sample_logs", import.meta.url).pathname);
 * source.check();
 * const entries = [...await source.list()];
 * assert(entries.some((entry) => entry.kind === "log"));
 * assert.throws(() => localLogSource("/nonexistent/logs").check(), /it does not exist/);
 * ```
 */
export function localLogSource(directory: string): LogSource {
  return {
    description: directory,
    check: () => checkLogDirectory(directory),
    list: () => discoverLogFiles(directory),
    splittable: (file) => !startsAsGzip(file.location),
    taskPiece: (piece) => Promise.resolve(taskPieceOf(piece)),
  };
}

function startsAsGzip(path: string): boolean {
  try {
    using handle = Deno.openSync(path);
    const magic = new Uint8Array(2);
    return handle.readSync(magic) === 2 && isGzip(magic);
  } catch {
    return false; // the worker reports the read error
  }
}
