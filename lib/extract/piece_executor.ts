/**
 * Runs parse tasks: on a pool of Web Workers (the normal case), or on the calling thread
 * (`workers: 0`, for environments without workers and for debugging).
 *
 * @module
 */

import type { WorkerAnswer, WorkerTask } from "./parse_worker.ts";
import { readParseTask } from "./piece_reader.ts";
import { TableMirror, ThreadTables } from "./thread_tables.ts";
import { workerModule } from "../worker_module.ts";

/** Something that parses tasks. */
export interface PieceExecutor {
  /** Parses a task. */
  run(task: WorkerTask): Promise<WorkerAnswer>;
  /** Ends the workers. */
  close(): void;
}

/**
 * The default number of parse workers: one per core. The writer (the calling thread) mostly
 * waits on SQLite, so a worker on every core measured faster than leaving one core to it (on two
 * cores: about 10 % less wall time on one large file, 15 % on many small ones).
 *
 * @example Usage
 * ```ts
 * import { defaultWorkerCount } from "./piece_executor.ts";
 * import assert from "node:assert/strict";
 *
 * assert(defaultWorkerCount() >= 1);
 * ```
 */
export function defaultWorkerCount(): number {
  return Math.max(1, navigator.hardwareConcurrency);
}

/**
 * An executor with `count` Web Workers (0: parse on the calling thread).
 *
 * @example Usage
 * ```ts
 * import { createPieceExecutor } from "./piece_executor.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "");
 * const executor = createPieceExecutor(1);
 * const answer = await executor.run({
 *   id: 7, pieces: [{ path, start: 0, end: 0, whole: true }], mode: "generic", excludedIps: null,
 * });
 * executor.close();
 * assert.deepStrictEqual([answer.id, answer.outcomes[0].ok], [7, true]);
 * await Deno.remove(path);
 * ```
 */
export function createPieceExecutor(count: number): PieceExecutor {
  return count === 0 ? new InlineExecutor() : new WorkerPool(count);
}

class InlineExecutor implements PieceExecutor {
  #thread = new ThreadTables();

  async run(task: WorkerTask): Promise<WorkerAnswer> {
    return { id: task.id, outcomes: await readParseTask(task, this.#thread) };
  }

  close(): void {}
}

interface Pending {
  task: WorkerTask;
  resolve: (answer: WorkerAnswer) => void;
  reject: (error: Error) => void;
  worker?: Worker;
}

/**
 * Tasks a worker holds at once: one running, the rest waiting in the worker's own message queue,
 * so that it keeps parsing while the writer thread commits (a commit blocks that thread for a
 * few hundred milliseconds, longer than a task of small files takes). Measured on 20,000 small
 * files and a 1 GiB file; waiting tasks hold no data until they run.
 */
const RESERVE = 8;

/** The worker's module (see {@linkcode workerModule}). */
const WORKER_URL = workerModule(import.meta.url, "parse_worker");

/** Workers that each hold up to {@linkcode RESERVE} tasks. */
class WorkerPool implements PieceExecutor {
  #load = new Map<Worker, number>();
  #mirrors = new Map<Worker, TableMirror>();
  #pending = new Map<number, Pending>();
  #queue: Pending[] = [];
  #lastError: Error | undefined;

  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(WORKER_URL, { type: "module" });
      worker.onmessage = (event: MessageEvent<WorkerAnswer>) => this.#done(worker, event.data);
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        this.#failed(worker, new Error(`a parse worker crashed: ${event.message}`));
      };
      this.#load.set(worker, 0);
      this.#mirrors.set(worker, new TableMirror());
    }
  }

  run(task: WorkerTask): Promise<WorkerAnswer> {
    return new Promise((resolve, reject) => {
      // Every worker died (a crash, or its module could not even be loaded): fail, never wait.
      if (this.#lastError !== undefined && this.#load.size === 0) return reject(this.#lastError);
      this.#queue.push({ task, resolve, reject });
      this.#dispatch();
    });
  }

  close(): void {
    for (const worker of this.#load.keys()) worker.terminate();
    this.#load.clear();
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let chosen: Worker | undefined;
      for (const [worker, load] of this.#load) {
        if (load < RESERVE && (chosen === undefined || load < this.#load.get(chosen)!)) {
          chosen = worker;
        }
      }
      if (chosen === undefined) return;
      const pending = this.#queue.shift()!;
      pending.worker = chosen;
      this.#load.set(chosen, this.#load.get(chosen)! + 1);
      this.#pending.set(pending.task.id, pending);
      chosen.postMessage(pending.task);
    }
  }

  #done(worker: Worker, answer: WorkerAnswer): void {
    const pending = this.#pending.get(answer.id);
    this.#pending.delete(answer.id);
    this.#load.set(worker, this.#load.get(worker)! - 1);
    if (answer.tables !== undefined) {
      this.#mirrors.get(worker)!.attach(answer.tables, answer.outcomes);
    }
    pending?.resolve(answer);
    this.#dispatch();
  }

  #failed(worker: Worker, error: Error): void {
    this.#lastError = error;
    for (const [id, pending] of this.#pending) {
      if (pending.worker !== worker) continue;
      this.#pending.delete(id);
      pending.reject(error);
    }
    this.#load.delete(worker);
    this.#mirrors.delete(worker);
    worker.terminate();
    if (this.#load.size === 0) {
      for (const pending of this.#queue.splice(0)) pending.reject(error);
    }
  }
}
