/**
 * One writing run at a time per cache, and a clean way to ask it to stop.
 *
 * The locks are operating-system locks: `<cache>/pipeline.lock` (daily or any writing step),
 * `<cache>/extraction.lock` (an extraction) and, shared, `<cache>/pipeline-steps.lock` (the steps
 * a daily runs in processes of their own). The kernel releases them when a process ends, however
 * it ends, so a run killed with SIGKILL never blocks the next one. A stop is asked for by creating
 * `<cache>/stop-request`, which runs check between batches.
 *
 * @module
 */

import { join } from "node:path";
import { OperatorError } from "../errors.ts";
import { RUN_TOKEN_VARIABLE } from "../env.ts";

/** Lock file name inside the cache directory. */
export const LOCK_FILE = "extraction.lock";
/** Stop-request file name inside the cache directory. */
export const STOP_FILE = "stop-request";

/** Who holds the lock. */
export interface LockHolder {
  /** Process id. */
  pid: number;
  /** When the run started (ISO 8601). */
  started_at: string;
  /** The command it runs (the pipeline lock says). */
  command?: string;
}

/** A held lock. */
export interface RunLock extends Disposable {
  /** Releases the lock. */
  release(): void;
}

/**
 * Takes the extraction lock of a cache, or throws an {@linkcode OperatorError} naming the run
 * that holds it. Also removes a stop request left over from an earlier run.
 *
 * @example Usage
 * ```ts
 * import { acquireRunLock } from "./run_lock.ts";
 * import assert from "node:assert/strict";
 *
 * const cache = await Deno.makeTempDir();
 * const lock = await acquireRunLock(cache);
 * await assert.rejects(() => acquireRunLock(cache), /Another extraction is running/);
 * lock.release();
 * (await acquireRunLock(cache)).release();
 * await Deno.remove(cache, { recursive: true });
 * ```
 */
export async function acquireRunLock(cacheDirectory: string): Promise<RunLock> {
  const path = join(cacheDirectory, LOCK_FILE);
  const held = lockFile(path, (error) =>
    new OperatorError(
      `Cannot create lock file ${path}: ${error.message}. Check that the cache ` +
        "directory is writable.",
    ));
  if (held === undefined) {
    const holder = await readLockHolder(cacheDirectory);
    const who = holder ? ` (process ${holder.pid}, started ${holder.started_at})` : "";
    throw new OperatorError(
      `Another extraction is running on cache ${cacheDirectory}${who}. Wait for it to finish, ` +
        "or end it with `s3_log_extraction stop`.",
    );
  }
  const lock = held({ pid: Deno.pid, started_at: new Date().toISOString() });
  await Deno.remove(join(cacheDirectory, STOP_FILE)).catch(() => {});
  return lock;
}

/**
 * Opens `path` and takes its exclusive lock (synchronously on purpose: the lock must be gone
 * the moment the run releases it, with no asynchronous operation still holding the
 * descriptor). Undefined when another process holds it; else a function that writes the
 * holder's record into it and returns the held lock.
 */
function lockFile(
  path: string,
  cannotOpen: (error: Error) => OperatorError,
): ((record: object) => RunLock) | undefined {
  const file = openLock(path, true, cannotOpen);
  if (file === undefined) return undefined;
  return (record) => {
    file.truncateSync(0);
    file.writeSync(new TextEncoder().encode(JSON.stringify(record) + "\n"));
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      // The record goes with the lock: the next holder's lock comes before its own record, and
      // a reader in between must not take this run for it.
      try {
        file.truncateSync(0);
      } catch {
        // A record left behind is only a stale name in `stop`'s message.
      }
      file.unlockSync();
      file.close();
    };
    return { release, [Symbol.dispose]: release };
  };
}

/**
 * Opens `path` and takes its lock, exclusive or shared, without waiting: the open file, or
 * undefined when another process holds it the other way (closing the file releases the lock).
 * A file that cannot be opened throws `cannotOpen`'s error, or counts as not locked.
 */
function openLock(
  path: string,
  exclusive: boolean,
  cannotOpen?: (error: Error) => OperatorError,
): Deno.FsFile | undefined {
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, { read: true, write: true, create: true });
  } catch (error) {
    if (cannotOpen) throw cannotOpen(error as Error);
    return undefined;
  }
  if (file.tryLockSync(exclusive)) return file;
  file.close();
  return undefined;
}

/**
 * The run holding the extraction lock of a cache (`file`: another of its locks, such as
 * {@linkcode PIPELINE_LOCK_FILE}), or undefined when no run holds it.
 *
 * @example Usage
 * ```ts
 * import { acquireRunLock, readLockHolder } from "./run_lock.ts";
 * import assert from "node:assert/strict";
 *
 * const cache = await Deno.makeTempDir();
 * assert.deepStrictEqual(await readLockHolder(cache), undefined);
 * using _lock = await acquireRunLock(cache);
 * assert.deepStrictEqual((await readLockHolder(cache))?.pid, Deno.pid);
 * ```
 */
export async function readLockHolder(
  cacheDirectory: string,
  options: { file?: string } = {},
): Promise<LockHolder | undefined> {
  const path = join(cacheDirectory, options.file ?? LOCK_FILE);
  let file: Deno.FsFile;
  try {
    // Synchronous, like acquireRunLock: no pending operation may keep the descriptor alive.
    // deno-lint-ignore no-sync-fn-in-async-fn
    file = Deno.openSync(path, { read: true, write: true });
  } catch {
    return undefined;
  }
  try {
    if (file.tryLockSync(true)) {
      file.unlockSync();
      return undefined; // nobody holds it
    }
    const text = await Deno.readTextFile(path);
    try {
      return JSON.parse(text) as LockHolder;
    } catch {
      return { pid: 0, started_at: "unknown" };
    }
  } finally {
    file.close();
  }
}

/**
 * Asks the running extraction of a cache to stop after its batch in flight.
 *
 * @example Usage
 * ```ts
 * import { requestStop, stopRequested } from "./run_lock.ts";
 * import assert from "node:assert/strict";
 *
 * const cache = await Deno.makeTempDir();
 * await requestStop(cache);
 * assert.deepStrictEqual(await stopRequested(cache), true);
 * await Deno.remove(cache, { recursive: true });
 * ```
 */
export async function requestStop(cacheDirectory: string): Promise<void> {
  await Deno.writeTextFile(join(cacheDirectory, STOP_FILE), new Date().toISOString() + "\n");
}

/**
 * Whether a stop was asked for: `signal` aborted (a Ctrl+C or SIGTERM), the `daily` that started
 * this step gone, or the stop file; with `since` (milliseconds since the epoch), only a stop
 * file made then or later counts (an older one, left by an earlier run, is not this run's).
 *
 * @example Usage
 * ```ts
 * import { requestStop, stopRequested } from "./run_lock.ts";
 * import assert from "node:assert/strict";
 *
 * const cache = await Deno.makeTempDir();
 * assert.deepStrictEqual(await stopRequested(cache), false);
 * await requestStop(cache);
 * assert.deepStrictEqual(await stopRequested(cache), true);
 * assert.deepStrictEqual(await stopRequested(cache, { since: Date.now() + 60_000 }), false);
 * await Deno.remove(`${cache}/stop-request`);
 * assert.deepStrictEqual(await stopRequested(cache, { signal: AbortSignal.abort() }), true);
 * await Deno.remove(cache, { recursive: true });
 * ```
 */
export async function stopRequested(
  cacheDirectory: string,
  options: { since?: number; signal?: AbortSignal } = {},
): Promise<boolean> {
  if (options.signal?.aborted || launcherEnded()) return true;
  try {
    const info = await Deno.stat(join(cacheDirectory, STOP_FILE));
    return options.since === undefined || (info.mtime?.getTime() ?? 0) >= options.since;
  } catch {
    return false;
  }
}

/** Whether the `daily` that started this process has ended (see {@linkcode watchLauncher}). */
let launcherEnded = () => false;

/**
 * For a step that `daily` started in a process of its own: when that `daily` ends without it
 * (killed with SIGKILL, the step gets a new parent), `onEnded` runs once, at the latest a second
 * later or at the step's next {@linkcode stopRequested}, which from then on answers true.
 *
 * @example Usage
 * ```ts
 * import { watchLauncher } from "./run_lock.ts";
 *
 * // In the process of a step: stop after the batch in flight once the launcher is gone.
 * const controller = new AbortController();
 * watchLauncher(() => controller.abort());
 * ```
 */
export function watchLauncher(onEnded: () => void): void {
  const launcher = Deno.ppid;
  let ended = false;
  const check = () => {
    if (!ended && Deno.ppid !== launcher) {
      ended = true;
      clearInterval(timer);
      onEnded();
    }
    return ended;
  };
  const timer = setInterval(check, 1000);
  Deno.unrefTimer(timer);
  launcherEnded = check;
}

/** Lock file of the whole pipeline inside the cache directory. */
export const PIPELINE_LOCK_FILE = "pipeline.lock";
/**
 * Lock file the steps of a `daily` hold (shared) while they run under its pipeline lock: a new
 * run waits for a step whose `daily` was killed (the kernel freed the pipeline lock, not the
 * step).
 */
export const STEP_LOCK_FILE = "pipeline-steps.lock";

/** A held pipeline lock. */
export interface PipelineLock extends RunLock {
  /** The token that lets this run's own steps (child processes) run under it. */
  token: string;
}

/**
 * Takes the cache's pipeline lock for `command`: one writing run at a time (a second `daily`,
 * or a summary step during an extraction, is refused with the holder's command, pid and start).
 * A step started by the holder itself (its `S3_LOG_EXTRACTION_RUN_TOKEN` is the holder's
 * token) runs under the holder's lock.
 *
 * @example Usage
 * ```ts
 * import { acquirePipelineLock } from "./run_lock.ts";
 * import assert from "node:assert/strict";
 *
 * const cache = await Deno.makeTempDir();
 * const lock = await acquirePipelineLock(cache, "daily", new Map());
 * await assert.rejects(() => acquirePipelineLock(cache, "generate_summaries", new Map()), /daily \(process/);
 * // The holder's own steps get its token.
 * (await acquirePipelineLock(cache, "extract_logs", new Map([["S3_LOG_EXTRACTION_RUN_TOKEN", lock.token]]))).release();
 * lock.release();
 * await Deno.remove(cache, { recursive: true });
 * ```
 */
export async function acquirePipelineLock(
  cacheDirectory: string,
  command: string,
  env: { get(name: string): string | undefined },
): Promise<PipelineLock> {
  const path = join(cacheDirectory, PIPELINE_LOCK_FILE);
  const cannotOpen = (error: Error) =>
    new OperatorError(
      `Cannot write to cache ${cacheDirectory} (its lock file ${PIPELINE_LOCK_FILE}: ` +
        `${error.message.replace(/: open '.*'$/, "")}). ${command} writes to the cache: make ` +
        "the folder writable for this user, or choose another with --cache. `status` reads a " +
        "cache without writing.",
    );
  const held = lockFile(path, cannotOpen);
  if (held === undefined) {
    const text = await Deno.readTextFile(path).catch(() => "");
    let holder: LockHolder & { token?: string } | undefined;
    try {
      holder = JSON.parse(text);
    } catch {
      holder = undefined;
    }
    const inherited = env.get(RUN_TOKEN_VARIABLE);
    if (inherited && holder?.token === inherited) {
      const step = openLock(join(cacheDirectory, STEP_LOCK_FILE), false);
      const release = () => step?.close();
      return { token: inherited, release, [Symbol.dispose]: release };
    }
    const who = holder
      ? `${holder.command ?? "a run"} (process ${holder.pid}, started ${holder.started_at})`
      : "another run";
    throw new OperatorError(
      `Cannot run ${command}: ${who} is using cache ${cacheDirectory}. Wait for it to ` +
        "finish, or end it with `s3_log_extraction stop`; a step started meanwhile would work " +
        "on a cache that is changing.",
    );
  }
  const token = crypto.randomUUID();
  const started_at = new Date().toISOString();
  const lock = held({ pid: Deno.pid, started_at, command, token });
  const steps = openLock(join(cacheDirectory, STEP_LOCK_FILE), true, cannotOpen);
  if (steps === undefined) {
    lock.release();
    throw new OperatorError(
      `Cannot run ${command}: a step of an earlier daily run is still working on cache ` +
        `${cacheDirectory} (its daily process ended; the step stops after its batch in flight). ` +
        "Wait a minute and run again.",
    );
  }
  steps.close();
  // A stop asked of an earlier run is not this one's.
  await Deno.remove(join(cacheDirectory, STOP_FILE)).catch(() => {});
  return { token, ...lock };
}
