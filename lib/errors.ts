/**
 * The two kinds of error the command line turns into one clear line and an exit code.
 *
 * @module
 */

/**
 * A failure the operator can fix (missing password, unreadable directory, concurrent run…).
 * Its message is shown as is; the command exits with code 1.
 *
 * @example Usage
 * ```ts
 * import { OperatorError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * const error = new OperatorError("Cannot open cache /x: permission denied. Fix the permissions.");
 * assert.deepStrictEqual(error.exitCode, 1);
 * ```
 */
export class OperatorError extends Error {
  /** The process exit code for this error. */
  readonly exitCode: number = 1;

  /** Creates the error with the message to show. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "OperatorError";
  }
}

/**
 * A step that stopped as asked (a signal, or `s3_log_extraction stop`) before it changed
 * anything: not a failure, the next run does the work.
 *
 * @example Usage
 * ```ts
 * import { StoppedError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(new StoppedError().message, "Stopped as asked, before changing anything.");
 * ```
 */
export class StoppedError extends Error {
  /** Creates the error. */
  constructor() {
    super("Stopped as asked, before changing anything.");
    this.name = "StoppedError";
  }
}

/**
 * A command line that cannot be understood (unknown command or option, missing argument).
 * The command exits with code 2.
 *
 * @example Usage
 * ```ts
 * import { UsageError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(new UsageError("Unknown command 'x'.").exitCode, 2);
 * ```
 */
export class UsageError extends OperatorError {
  /** The process exit code for usage errors. */
  override readonly exitCode: number = 2;

  /** Creates the error with the message to show. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The message of an unknown thrown value.
 *
 * @example Usage
 * ```ts
 * import { errorText } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(errorText(new Error("disk full")), "disk full");
 * assert.deepStrictEqual(errorText("plain"), "plain");
 * ```
 */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What to do about a file system error, by its code. */
const FILE_SYSTEM_ADVICE: Record<string, string> = {
  ENOSPC: "the disk is full. Free space, then run again",
  EDQUOT: "this user's disk quota is used up. Free space or raise the quota, then run again",
  EROFS: "the file system is read-only. Choose a writable place, or remount it, then run again",
  EACCES: "permission denied. Make it writable for this user, then run again",
  EPERM: "the operation is not permitted. Make it writable for this user, then run again",
  EIO: "the disk reported an input/output error. Check the disk (dmesg), then run again",
};

/**
 * An operator's message for a file system error (disk full, quota, read-only, permission,
 * I/O) naming the path and what to do, or undefined for any other error. Files are written
 * to a temporary name and renamed into place, so a failed write never leaves a published file
 * half-written.
 *
 * @example Usage
 * ```ts
 * import { fileSystemError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * // As Deno throws it when a write meets a full disk.
 * const full = Object.assign(
 *   new Error("No space left on device (os error 28): writefile '/srv/summaries/ds/by_day.tsv'"),
 *   { code: "ENOSPC" },
 * );
 * assert.match(fileSystemError(full)!.message, /^Cannot write \/srv\/summaries\/ds\/by_day.tsv: the disk is full/);
 * // A program this user may not run (Deno in another user's private folder).
 * const denied = Object.assign(
 *   new Error("Failed to spawn '/root/.deno/bin/deno': Permission denied (os error 13)"),
 *   { code: "EACCES" },
 * );
 * assert.match(fileSystemError(denied)!.message, /^Cannot start \/root\/.deno\/bin\/deno: this user may not run it/);
 * assert.deepStrictEqual(fileSystemError(new Error("other")), undefined);
 * ```
 */
export function fileSystemError(error: unknown): OperatorError | undefined {
  const code = (error as { code?: unknown })?.code;
  const advice = typeof code === "string" ? FILE_SYSTEM_ADVICE[code] : undefined;
  if (advice === undefined) return undefined;
  const spawned = /Failed to spawn '([^']*)'/.exec(errorText(error));
  if (spawned !== null && (code === "EACCES" || code === "EPERM")) {
    return new OperatorError(
      `Cannot start ${spawned[1]}: this user may not run it (it, or a folder above it, is not ` +
        "executable for this user). Install it where every user can run it (the README's " +
        '"For a service account"), then run again.',
      { cause: error },
    );
  }
  const [, operation, path] = /: (\w+) '([^']*)'/.exec(errorText(error)) ?? [];
  const verb = operation === undefined || /write|open|create|copy|rename|truncate/i.test(operation)
    ? "write"
    : operation === "mkdir"
    ? "create folder"
    : operation;
  return new OperatorError(
    `Cannot ${verb} ${path ?? "a file"}: ${advice}. Published files are replaced whole, so ` +
      "none was left half-written.",
    { cause: error },
  );
}

/**
 * The error to show for a failure of the cache's storage: full disk, read-only file system or
 * damaged database, each with what to do; other errors (and an {@linkcode OperatorError}) as
 * they are.
 *
 * @example Usage
 * ```ts
 * import { storageError } from "./errors.ts";
 * import assert from "node:assert/strict";
 *
 * assert.match((storageError(new Error("database or disk is full")) as Error).message, /disk holding the cache is full/);
 * ```
 */
export function storageError(error: unknown): unknown {
  // One that already says what to do is kept as it is.
  if (error instanceof OperatorError) return error;
  const message = errorText(error);
  const known: [RegExp, string][] = [
    [
      /database or disk is full|SQLITE_FULL|No space left/i,
      "The disk holding the cache is full. Free space, then run again: nothing of the interrupted " +
      "batch was stored, and the run goes on from there.",
    ],
    [
      /readonly database|read-only file system|SQLITE_READONLY/i,
      "The cache database is read-only for this user (cache.sqlite or its -wal and -shm files, " +
      "its folder or its file system). Make it writable for this user, then run again.",
    ],
    [
      /database disk image is malformed|file is not a database|SQLITE_CORRUPT|SQLITE_NOTADB/i,
      "The cache database is damaged. Restore cache.sqlite from a backup (or move it away and " +
      "extract again); it cannot be written to as it is.",
    ],
  ];
  for (const [pattern, advice] of known) {
    if (pattern.test(message)) return new OperatorError(`${advice} (${message})`, { cause: error });
  }
  return error;
}
