/**
 * The Web Worker that parses pieces of log files: paths in, compact columns out (their buffers
 * are transferred, not copied). It never touches the database.
 *
 * @module
 */

import type { TaskPiece } from "./extraction_plan.ts";
import type { ExtractionMode } from "./line_parser.ts";
import { type PieceOutcome, readParseTask } from "./piece_reader.ts";
import { type TableDelta, ThreadTables } from "./thread_tables.ts";

/** A task for the worker. */
export interface WorkerTask {
  /** Task number, echoed in the answer. */
  id: number;
  /** Pieces to parse, in order. */
  pieces: TaskPiece[];
  /** Extraction mode. */
  mode: ExtractionMode;
  /** Source of the anchored excluded-IP pattern, if any. */
  excludedIps: string | null;
  /** User-Agent prefixes of the archive's own tools (null: the default ones). */
  archiveClients?: readonly string[] | null;
}

/** The worker's answer. */
export interface WorkerAnswer {
  /** Task number. */
  id: number;
  /** One outcome per piece, in order. */
  outcomes: PieceOutcome[];
  /**
   * What the task added to the worker's key and IP tables; the pieces' own `keys` and `ips`
   * are then empty until a `TableMirror` gives them back. Absent when the pieces hold their
   * tables (parsed on the calling thread).
   */
  tables?: TableDelta;
}

/** The worker's global scope, as much of it as is used (no global type directives needed). */
const scope = self as unknown as {
  onmessage: (event: MessageEvent<WorkerTask>) => void;
  postMessage(message: WorkerAnswer, options: { transfer: Transferable[] }): void;
};

/** The worker's key and IP tables, kept from task to task. */
const thread = new ThreadTables();

scope.onmessage = async (event: MessageEvent<WorkerTask>) => {
  const task = event.data;
  const outcomes = await readParseTask(task, thread);
  const tables = thread.detach(outcomes);
  // The pieces' columns are views into the task's few buffers per column (see readTask):
  // every buffer a piece or its aggregate views is transferred, not copied.
  const transfer = new Set<ArrayBuffer>();
  for (const outcome of outcomes) {
    if (!outcome.ok) continue;
    for (
      const value of [...Object.values(outcome.parsed), ...Object.values(outcome.parsed.operations)]
    ) {
      if (ArrayBuffer.isView(value)) transfer.add(value.buffer as ArrayBuffer);
    }
  }
  scope.postMessage({ id: task.id, outcomes, tables }, { transfer: [...transfer] });
};
