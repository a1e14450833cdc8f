/**
 * The tasks of a run that are out at the workers: sent ahead of the commit point, up to a window
 * of them, and taken back strictly in plan order, so that commits follow the files' order
 * whatever order the workers finish in.
 *
 * @module
 */

/** A task taken back: its pieces and what became of it. */
export interface SettledTask<P, A> {
  /** The task's pieces, as planned. */
  pieces: P[];
  /** The workers' answer, or the error that stopped the task. */
  settled: { answer: A } | { error: unknown };
}

/**
 * Sends tasks out while fewer than `size` are out, and hands them back in order, until closed.
 *
 * @typeParam P A piece of a task.
 * @typeParam A What a task's run answers.
 *
 * @example Usage
 * ```ts
 * import { TaskWindow } from "./task_window.ts";
 * import assert from "node:assert/strict";
 *
 * // The second task finishes first; it is still taken back second.
 * const delays = [20, 0, 5];
 * const window = new TaskWindow<number, number>([[0], [1], [2]].values(), 2, (id, pieces) =>
 *   new Promise((resolve) => setTimeout(() => resolve(pieces[0] * 10), delays[id])));
 * window.fill();
 * const taken: number[] = [];
 * while (!window.empty) {
 *   const task = await window.take();
 *   if ("answer" in task.settled) taken.push(task.settled.answer);
 *   window.fill();
 * }
 * assert.deepStrictEqual(taken, [0, 10, 20]);
 * ```
 */
export class TaskWindow<P, A> {
  #tasks: Iterator<P[]>;
  #size: number;
  #start: (id: number, pieces: P[]) => Promise<A>;
  #out = new Map<number, { pieces: P[]; settled: Promise<SettledTask<P, A>["settled"]> }>();
  #sent = 0;
  #taken = 0;
  #closed = false;

  /**
   * @param tasks The plan's tasks, in order.
   * @param size How many tasks may be out at once.
   * @param start Sends a task out; `id` counts tasks from 0 in plan order.
   */
  constructor(tasks: Iterator<P[]>, size: number, start: (id: number, pieces: P[]) => Promise<A>) {
    this.#tasks = tasks;
    this.#size = size;
    this.#start = start;
  }

  /** Sends tasks out until the window is full, the plan is done, or the window is closed. */
  fill(): void {
    while (!this.#closed && this.#sent - this.#taken < this.#size) {
      const next = this.#tasks.next();
      if (next.done) return;
      const id = this.#sent++;
      const settled = this.#start(id, next.value).then(
        (answer) => ({ answer }),
        (error) => ({ error }),
      );
      this.#out.set(id, { pieces: next.value, settled });
    }
  }

  /**
   * Ends the window (a stop): no more tasks are sent, and the ones out are forgotten (their
   * answers are never taken; their files stay where the last commit left them).
   */
  close(): void {
    this.#closed = true;
    this.#out.clear();
    this.#taken = this.#sent;
  }

  /** Whether every task sent out was taken back. */
  get empty(): boolean {
    return this.#taken === this.#sent;
  }

  /** Waits for the oldest task out and takes it back. Call only when not {@linkcode empty}. */
  async take(): Promise<SettledTask<P, A>> {
    const task = this.#out.get(this.#taken)!;
    this.#out.delete(this.#taken++);
    return { pieces: task.pieces, settled: await task.settled };
  }
}
