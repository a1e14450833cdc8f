/**
 * Runs parse tasks: on a pool of Web Workers (the normal case), or on the calling thread
 * (`workers: 0`, for environments without workers and for debugging).
 *
 * @module
 */

import type { WorkerAnswer, WorkerTask } from "./parse_worker.ts";
import type { PieceOutcome } from "./piece_reader.ts";
import { readPiece } from "./piece_reader.ts";

/** Something that parses tasks. */
export interface PieceExecutor {
  /** Parses a task. */
  run(task: WorkerTask): Promise<WorkerAnswer>;
  /** Ends the workers. */
  close(): void;
}

/**
 * The default number of parse workers: all cores but one (the writer's), at least one.
 *
 * @example Usage
 * ```ts
 * import { defaultWorkerCount } from "./piece_executor.ts";
 * import { assert } from "./_assert.ts";
 *
 * assert(defaultWorkerCount() >= 1);
 * ```
 */
export function defaultWorkerCount(): number {
  return Math.max(1, navigator.hardwareConcurrency - 1);
}

/**
 * An executor with `count` Web Workers (0: parse on the calling thread).
 *
 * @example Usage
 * ```ts
 * import { createPieceExecutor } from "./piece_executor.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "");
 * const executor = createPieceExecutor(1);
 * const answer = await executor.run({
 *   id: 7, pieces: [{ path, start: 0, end: 0, whole: true }], mode: "generic", excludedIps: null,
 * });
 * executor.close();
 * assertEquals([answer.id, answer.outcomes[0].ok], [7, true]);
 * await Deno.remove(path);
 * ```
 */
export function createPieceExecutor(count: number): PieceExecutor {
  return count === 0 ? new InlineExecutor() : new WorkerPool(count);
}

class InlineExecutor implements PieceExecutor {
  async run(task: WorkerTask): Promise<WorkerAnswer> {
    const excludedIps = task.excludedIps === null ? undefined : new RegExp(task.excludedIps);
    const outcomes: PieceOutcome[] = [];
    for (const piece of task.pieces) {
      outcomes.push(await readPiece(piece, { mode: task.mode, excludedIps }));
    }
    return { id: task.id, outcomes };
  }

  close(): void {}
}

interface Pending {
  task: WorkerTask;
  resolve: (answer: WorkerAnswer) => void;
  reject: (error: Error) => void;
}

class WorkerPool implements PieceExecutor {
  #idle: Worker[] = [];
  #busy = new Map<Worker, Pending>();
  #queue: Pending[] = [];
  #all: Worker[] = [];

  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(new URL("./parse_worker.ts", import.meta.url).href, {
        type: "module",
      });
      worker.onmessage = (event: MessageEvent<WorkerAnswer>) => this.#done(worker, event.data);
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        this.#failed(worker, new Error(`a parse worker crashed: ${event.message}`));
      };
      this.#all.push(worker);
      this.#idle.push(worker);
    }
  }

  run(task: WorkerTask): Promise<WorkerAnswer> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ task, resolve, reject });
      this.#dispatch();
    });
  }

  close(): void {
    for (const worker of this.#all) worker.terminate();
    this.#all = [];
    this.#idle = [];
  }

  #dispatch(): void {
    while (this.#idle.length > 0 && this.#queue.length > 0) {
      const worker = this.#idle.pop()!;
      const pending = this.#queue.shift()!;
      this.#busy.set(worker, pending);
      worker.postMessage(pending.task);
    }
  }

  #done(worker: Worker, answer: WorkerAnswer): void {
    const pending = this.#busy.get(worker);
    this.#busy.delete(worker);
    this.#idle.push(worker);
    pending?.resolve(answer);
    this.#dispatch();
  }

  #failed(worker: Worker, error: Error): void {
    const pending = this.#busy.get(worker);
    this.#busy.delete(worker);
    pending?.reject(error);
  }
}
