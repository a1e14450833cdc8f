/**
 * How an extraction run cuts its work: log files to process, split into pieces (large plain
 * files are cut at line boundaries so that several workers can parse them), grouped into tasks
 * (many small files per task, so that messages stay few).
 *
 * @module
 */

/** A log file to process, with where to resume in it. */
export interface PlannedFile {
  /** Path relative to the log directory, with `/` separators: the file's identity. */
  path: string;
  /** Absolute path on this machine. */
  location: string;
  /** Size in bytes when planned. */
  size: number;
  /** Modification time (milliseconds since the epoch) when planned. */
  mtime: number;
  /** Byte offset to resume from (0 for a new file). */
  nextOffset: number;
  /** Lines already read before `nextOffset`. */
  nextLine: number;
  /** In this run: not finished yet, finished, or failed (later pieces are then dropped). */
  state: "pending" | "done" | "failed";
  /**
   * Whether the file changed since an earlier run read it: its earlier requests and quarantined
   * lines are deleted in the transaction that commits its first piece of this run.
   */
  replaces?: boolean;
}

/** A run of whole lines of one file: the lines that start in `[start, end)`. */
export interface Piece {
  /** The file. */
  file: PlannedFile;
  /** First byte (a line starts at or after it). */
  start: number;
  /** End byte (exclusive): lines starting before it belong to the piece. */
  end: number;
  /** Whether this is the last piece of the file. */
  last: boolean;
  /** Whether the piece is the whole file (then it may be gzip-compressed). */
  whole: boolean;
}

/** What a worker receives: pieces to parse, in order. */
export interface TaskPiece {
  /** Absolute path of the file. */
  path: string;
  /** First byte. */
  start: number;
  /** End byte (exclusive). */
  end: number;
  /** Whether the piece is the whole file. */
  whole: boolean;
  /** The whole file's content, fetched already (remote logs): then `path` is not read. */
  data?: Uint8Array;
  /** Why the content could not be fetched (the file then fails, and is retried next run). */
  fetchError?: string;
}

/**
 * The part of `piece` a worker needs to read it from its file.
 *
 * @param piece The piece.
 * @returns Where the worker reads it: the file's location and the byte range.
 *
 * @example Usage
 * ```ts
 * import { taskPieceOf } from "./extraction_plan.ts";
 * import assert from "node:assert/strict";
 *
 * const file = { path: "a", location: "/logs/a", size: 9, mtime: 0, nextOffset: 0, nextLine: 0, state: "pending" as const };
 * assert.deepStrictEqual(taskPieceOf({ file, start: 4, end: 9, last: true, whole: false }), {
 *   path: "/logs/a", start: 4, end: 9, whole: false,
 * });
 * ```
 */
export function taskPieceOf(piece: Piece): TaskPiece {
  return { path: piece.file.location, start: piece.start, end: piece.end, whole: piece.whole };
}

/** Sizes that shape the plan. */
export interface PlanLimits {
  /** Plain files larger than this are split into pieces of this size. */
  pieceBytes: number;
  /** A task holds at most this many bytes of small files... */
  taskBytes: number;
  /** ...and at most this many files. */
  taskFiles: number;
}

/** Limits measured to keep two cores busy without large messages. */
export const DEFAULT_PLAN_LIMITS: PlanLimits = {
  pieceBytes: 32 * 1024 * 1024,
  taskBytes: 8 * 1024 * 1024,
  taskFiles: 64,
};

/**
 * Cuts files into pieces and groups the pieces into tasks, in file order. A file that is not
 * `splittable` (gzip content, a file fetched whole) is never split.
 *
 * @example Usage
 * ```ts
 * import { planTasks, type PlannedFile } from "./extraction_plan.ts";
 * import assert from "node:assert/strict";
 *
 * const file = (path: string, size: number): PlannedFile => ({
 *   path, location: "/logs/" + path, size, mtime: 0, nextOffset: 0, nextLine: 0, state: "pending",
 * });
 * const tasks = [...planTasks([file("a", 10), file("b", 10), file("big", 250)], {
 *   limits: { pieceBytes: 100, taskBytes: 50, taskFiles: 10 },
 * })];
 * assert.deepStrictEqual(tasks.map((task) => task.map((p) => `${p.file.path}:${p.start}-${p.end}`)), [
 *   ["a:0-10", "b:0-10"],
 *   ["big:0-100"],
 *   ["big:100-200"],
 *   ["big:200-250"],
 * ]);
 * ```
 */
export function* planTasks(
  files: Iterable<PlannedFile>,
  options: { limits?: PlanLimits; splittable?: (file: PlannedFile) => boolean } = {},
): Generator<Piece[]> {
  const limits = options.limits ?? DEFAULT_PLAN_LIMITS;
  let task: Piece[] = [];
  let taskBytes = 0;
  for (const file of files) {
    const remaining = file.size - file.nextOffset;
    const split = remaining > limits.pieceBytes && (options.splittable?.(file) ?? true);
    if (!split) {
      if (
        task.length > 0 &&
        (taskBytes + remaining > limits.taskBytes || task.length >= limits.taskFiles)
      ) {
        yield task;
        task = [];
        taskBytes = 0;
      }
      task.push({
        file,
        start: file.nextOffset,
        end: file.size,
        last: true,
        whole: file.nextOffset === 0,
      });
      taskBytes += remaining;
      continue;
    }
    if (task.length > 0) yield task;
    task = [];
    taskBytes = 0;
    for (let start = file.nextOffset; start < file.size; start += limits.pieceBytes) {
      const end = Math.min(file.size, start + limits.pieceBytes);
      yield [{ file, start, end, last: end === file.size, whole: false }];
    }
  }
  if (task.length > 0) yield task;
}
