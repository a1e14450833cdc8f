/**
 * Checkpoints of the cache's write-ahead log on a worker thread, while the calling thread goes
 * on committing.
 *
 * SQLite copies its log into the database file (and syncs it) in the commit that takes the log
 * past `wal_autocheckpoint`, and in the close of the last connection: the thread that commits
 * waits for both, and the parse workers wait for it. Here a second connection, on a Web Worker,
 * does that copy soon after each commit: the commits find the log short, the close finds it
 * copied. The copy is passive (it never waits for the writer nor makes it wait), so it is safe
 * beside the writer; when the worker cannot do it, the writer's own checkpoints still do.
 *
 * @module
 */

import { errorText } from "../errors.ts";
import { workerModule } from "../worker_module.ts";
import type { CheckpointAnswer, CheckpointOrder } from "./wal_checkpoint_worker.ts";

const WORKER_URL = workerModule(import.meta.url, "wal_checkpoint_worker");

/** Options of {@linkcode WalCheckpointer}. */
export interface WalCheckpointerOptions {
  /**
   * Milliseconds from a commit to the checkpoint it asks for; the commits meanwhile are copied
   * by the same checkpoint (each one syncs the database file).
   *
   * @default {250}
   */
  interval?: number;
}

/**
 * A worker that checkpoints the SQLite database at `path` (in WAL mode, opened by the caller)
 * after the commits it is told of. Never throws: a worker that cannot open the database, or
 * fails a checkpoint, stops checkpointing, and {@linkcode WalCheckpointer.close} says why.
 *
 * @example Usage
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { WalCheckpointer } from "./wal_checkpointer.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = new DatabaseSync(`${dir}/a.sqlite`);
 * db.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0");
 * const checkpoints = new WalCheckpointer(`${dir}/a.sqlite`);
 * db.exec("CREATE TABLE t (x BLOB); INSERT INTO t VALUES (zeroblob(100000))");
 * checkpoints.committed();
 * assert.deepStrictEqual(await checkpoints.close(), undefined);
 * // The rows are in the database file itself now, not only in its log.
 * assert((await Deno.stat(`${dir}/a.sqlite`)).size > 100000);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class WalCheckpointer {
  #worker: Worker | undefined;
  #ended: Promise<string | undefined>;

  /** Starts the worker, which opens `path` (never creating it). */
  constructor(path: string, options: WalCheckpointerOptions = {}) {
    let worker: Worker;
    try {
      worker = new Worker(WORKER_URL, { type: "module" });
    } catch (error) {
      this.#ended = Promise.resolve(`no checkpoint worker: ${errorText(error)}`);
      return;
    }
    this.#worker = worker;
    this.#ended = new Promise((resolve) => {
      worker.onmessage = ({ data }: MessageEvent<CheckpointAnswer>) => resolve(data.error);
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        resolve(`the checkpoint worker crashed: ${event.message}`);
      };
    });
    this.#post({ open: path, interval: options.interval ?? 250 });
  }

  /** Tells the worker of a commit: it checkpoints within the interval. */
  committed(): void {
    this.#post({ checkpoint: true });
  }

  /**
   * Checkpoints what a commit asked for and not done yet, closes the worker's connection and
   * ends it (before the caller closes its own, so that the close finds the log copied).
   *
   * @returns Why the worker stopped checkpointing, or undefined when it did not.
   */
  async close(): Promise<string | undefined> {
    if (this.#worker === undefined) return await this.#ended;
    this.#post({ close: true });
    const why = await this.#ended;
    this.#worker.terminate();
    this.#worker = undefined;
    return why;
  }

  #post(order: CheckpointOrder): void {
    this.#worker?.postMessage(order);
  }
}
