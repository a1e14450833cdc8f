/**
 * Reads a piece of a log file and parses it: a byte range of a plain file (cut at line
 * boundaries), or a whole file, decompressed when its content is gzip.
 *
 * @module
 */

import { errorText } from "../errors.ts";
import { gunzipStream, isGzip } from "../gzip.ts";
import type { TaskPiece } from "./extraction_plan.ts";
import type { WorkerTask } from "./parse_worker.ts";
import type { ThreadTables } from "./thread_tables.ts";
import { REQUEST_COLUMNS, RequestColumns } from "./request_columns.ts";
import { COUNT_COLUMNS, OperationTally } from "./operation_tally.ts";
import { packSections } from "../typed_columns.ts";
import {
  InternTables,
  type ParsedPiece,
  PieceParser,
  type PieceParserOptions,
} from "./piece_parser.ts";

/** The result of one piece: parsed, or failed with a reason. */
export type PieceOutcome =
  | { ok: true; parsed: ParsedPiece; bytesRead: number }
  | { ok: false; error: string };

const NEWLINE = 0x0a;
/** Bytes of a short S3 log line (most are 400 to 1,000 bytes long; shorter ones grow the columns once). */
const LINE_BYTES = 400;
/** The most rows a task's columns start with. */
const MAX_START_ROWS = 1 << 18;
const EXTEND_BYTES = 64 * 1024;

/**
 * One read buffer per thread, reused by every piece: a fresh 32 MiB buffer per piece costs more
 * in page faults than the read itself. Nothing keeps a view of it once a piece is parsed.
 */
let scratch = new Uint8Array(0);

function scratchBuffer(size: number): Uint8Array {
  if (scratch.length < size) scratch = new Uint8Array(size);
  return scratch.subarray(0, size);
}

/**
 * Reads and parses one piece. Never throws: a file that cannot be read gives `ok: false` with a
 * reason, so one bad file never stops a run.
 *
 * @example Usage
 * ```ts
 * import { readPiece } from "./piece_reader.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "not a log line\n");
 * const outcome = await readPiece({ path, start: 0, end: 15, whole: true });
 * assert.deepStrictEqual(outcome.ok && outcome.parsed.malformed, 1);
 * await Deno.remove(path);
 * ```
 */
export async function readPiece(
  piece: TaskPiece,
  options: PieceParserOptions = {},
): Promise<PieceOutcome> {
  const parser = new PieceParser(options);
  if (piece.fetchError !== undefined) return { ok: false, error: piece.fetchError };
  try {
    let bytesRead: number;
    if (piece.whole) {
      bytesRead = await readWholeFile(piece, parser);
    } else {
      bytesRead = readRange(piece, parser);
    }
    return { ok: true, parsed: parser.finish(), bytesRead };
  } catch (error) {
    return { ok: false, error: describeReadError(error) };
  }
}

/** How many times its size gzipped data may expand: S3 logs compress about 10 to 30 times. */
const MAX_GZIP_RATIO = 1000;
/** Small files may expand to this much whatever the ratio. */
const MIN_GZIP_LIMIT = 64 * 1024 * 1024;

class GzipBombError extends Error {}

async function readWholeFile(piece: TaskPiece, parser: PieceParser): Promise<number> {
  let bytes: Uint8Array;
  if (piece.data !== undefined) {
    bytes = piece.data;
  } else {
    // Runs in a parse worker, where blocking is free and sync reads of small files are cheaper.
    // deno-lint-ignore no-sync-fn-in-async-fn
    using file = Deno.openSync(piece.path);
    // The planned size plus one byte: a file that grew since planning is read whole below.
    const buf = scratchBuffer(piece.end + 1);
    const got = readFully(file, buf);
    bytes = got <= piece.end ? buf.subarray(0, got) : concat(buf, readRest(file));
  }
  if (isGzip(bytes)) {
    // Decompressed piece by piece into the parser (memory bounded by the lines, not the file);
    // data that expands past any log's ratio is a bomb, and fails the file.
    const limit = Math.max(MAX_GZIP_RATIO * bytes.length, MIN_GZIP_LIMIT);
    let expanded = 0;
    try {
      for await (const chunk of gunzipStream(bytes.slice())) {
        expanded += chunk.length;
        if (expanded > limit) {
          throw new GzipBombError(
            `gzip data expands more than ${MAX_GZIP_RATIO} times (past ` +
              `${Math.round(limit / 1e6).toLocaleString("en-US")} MB): not a log file`,
          );
        }
        parser.push(chunk);
      }
    } catch (error) {
      if (error instanceof GzipBombError) throw error;
      throw new Error(`truncated or corrupt gzip data (${errorText(error)})`);
    }
  } else {
    parser.push(bytes);
  }
  return bytes.length;
}

function readRest(file: Deno.FsFile): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const chunk = new Uint8Array(EXTEND_BYTES);
    const n = readFully(file, chunk);
    if (n > 0) chunks.push(chunk.subarray(0, n));
    if (n < chunk.length) return chunks;
  }
}

function concat(first: Uint8Array, rest: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(first.length + rest.reduce((sum, c) => sum + c.length, 0));
  out.set(first);
  let offset = first.length;
  for (const chunk of rest) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * Parses the lines that start in `[start, end)`; the last one may run past `end`. Returns the
 * number of bytes of those lines.
 */
function readRange(piece: TaskPiece, parser: PieceParser): number {
  using file = Deno.openSync(piece.path);
  const from = piece.start === 0 ? 0 : piece.start - 1;
  const buf = scratchBuffer(piece.end - from);
  file.seekSync(from, Deno.SeekMode.Start);
  const got = readFully(file, buf);
  let first = 0;
  if (piece.start > 0) {
    const newline = buf.indexOf(NEWLINE);
    if (newline === -1 || newline + 1 >= got) return 0; // no line starts in this piece
    first = newline + 1;
  }
  parser.push(buf.subarray(first, got));
  let owned = got - first;
  if (got === buf.length && buf[got - 1] !== NEWLINE) {
    // finish the line that crosses `end`
    const more = new Uint8Array(EXTEND_BYTES);
    for (;;) {
      const n = readFully(file, more);
      const newline = more.subarray(0, n).indexOf(NEWLINE);
      const take = newline === -1 ? n : newline + 1;
      parser.push(more.subarray(0, take));
      owned += take;
      if (newline !== -1 || n < more.length) break;
    }
  }
  return owned;
}

function readFully(file: Deno.FsFile, buf: Uint8Array): number {
  let total = 0;
  while (total < buf.length) {
    const n = file.readSync(buf.subarray(total));
    if (n === null || n === 0) break;
    total += n;
  }
  return total;
}

function describeReadError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "the file disappeared before it was read";
  if (error instanceof Deno.errors.PermissionDenied) return "permission denied";
  return errorText(error);
}

/**
 * Reads a parse task (see `parse_worker.ts`) with the thread's tables: what a worker and the
 * inline executor both run. The tables start again when the task's mode or excluded-IP pattern
 * is not the one they were filled under.
 *
 * @example Usage
 * ```ts
 * import { readParseTask } from "./piece_reader.ts";
 * import { ThreadTables } from "./thread_tables.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "");
 * const task = { id: 1, pieces: [{ path, start: 0, end: 0, whole: true }], mode: "generic" as const, excludedIps: null };
 * assert.deepStrictEqual((await readParseTask(task, new ThreadTables())).length, 1);
 * await Deno.remove(path);
 * ```
 */
export function readParseTask(task: WorkerTask, thread: ThreadTables): Promise<PieceOutcome[]> {
  return readTask(task.pieces, {
    mode: task.mode,
    excludedIps: task.excludedIps === null ? undefined : new RegExp(task.excludedIps),
    archiveClients: task.archiveClients ?? undefined,
    tables: thread.next(`${task.mode} ${task.excludedIps}`),
  });
}

/**
 * Reads the pieces of one task in order, with the thread's `tables` (default: the task's own),
 * one tally of counted lines and one set of request columns for the task (each piece views its
 * section of them: the answer transfers a few buffers per column, not one per file).
 *
 * @example Usage
 * ```ts
 * import { readTask } from "./piece_reader.ts";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, "");
 * const outcomes = await readTask([{ path, start: 0, end: 0, whole: true }], {});
 * assert.deepStrictEqual(outcomes.length, 1);
 * await Deno.remove(path);
 * ```
 */
export async function readTask(
  pieces: TaskPiece[],
  options: Omit<PieceParserOptions, "operations" | "requests">,
): Promise<PieceOutcome[]> {
  const shared = { ...options, tables: options.tables ?? new InternTables() };
  const operations = new OperationTally();
  // Room for the lines of plain pieces at once (growing the columns of a 32 MiB piece from a
  // few rows copied them ten times).
  const bytes = pieces.reduce((sum, piece) => sum + piece.end - piece.start, 0);
  const requests = new RequestColumns(Math.min(bytes / LINE_BYTES, MAX_START_ROWS));
  const outcomes: PieceOutcome[] = [];
  for (const piece of pieces) {
    outcomes.push(await readPiece(piece, { ...shared, operations, requests }));
  }
  // Each column once, exact size: the answer carries the task's rows, not the spare room.
  const parsed = outcomes.flatMap((outcome) => outcome.ok ? [outcome.parsed] : []);
  packSections(parsed, REQUEST_COLUMNS);
  packSections(parsed.map((piece) => piece.operations), COUNT_COLUMNS);
  return outcomes;
}
