/**
 * The summary files written on a worker thread while the calling thread makes the next ones:
 * on a disk, creating thousands of files takes seconds of system calls that would otherwise
 * wait for each other and for the counting.
 *
 * @module
 */

import type { FolderWrite, WriteAnswer, WriterContent } from "./file_writer_worker.ts";
import { workerModule } from "../worker_module.ts";

const WORKER_URL = workerModule(import.meta.url, "file_writer_worker");

/** Options of {@linkcode FileWriter}. */
export interface FileWriterOptions {
  /**
   * Bytes handed to the worker and not written yet, at most: past them, `write` waits (a
   * night's files are hundreds of megabytes).
   *
   * @default {67108864}
   */
  inFlightBytes?: number;
}

/** A write's error as the worker saw it, thrown here as Deno threw it there. */
function writeError({ message, code }: NonNullable<WriteAnswer["error"]>): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

/**
 * Writes folders of files on a Web Worker, in the order given. Nothing is known to be written
 * until {@linkcode FileWriter.close} resolves; the first error a write met is thrown by the next
 * call and by `close` (write into a temporary folder, given up on an error).
 *
 * @example Usage
 * ```ts
 * import { FileWriter } from "./file_writer.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const writer = new FileWriter();
 * const files = new Map<string, string | Uint8Array>([["a.tsv", "x\n"], ["b.tsv", Uint8Array.of(121, 10)]]);
 * await writer.write(`${dir}/ds`, files, true);
 * await writer.close();
 * assert.deepStrictEqual(await Deno.readTextFile(`${dir}/ds/b.tsv`), "y\n");
 * await assert.rejects(async () => {
 *   const failing = new FileWriter();
 *   await failing.write(`${dir}/missing/ds`, new Map([["a.tsv", "x"]]), true);
 *   await failing.close();
 * }, /No such file or directory/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class FileWriter {
  #inFlightBytes: number;
  #worker: Worker | undefined;
  #ended = false;
  /** Sizes of the folders handed over and not answered yet, oldest first. */
  #sizes: number[] = [];
  #inFlight = 0;
  #error: Error | undefined;
  #answered: (() => void) | undefined;

  /** A writer; its worker starts with the first write. */
  constructor(options: FileWriterOptions = {}) {
    this.#inFlightBytes = options.inFlightBytes ?? 64 << 20;
  }

  /**
   * Writes `files` (name → content) into `folder`, made first when `make`; waits only while
   * more than `inFlightBytes` of contents (client-kind rows not counted) are not written yet.
   * Byte contents and client-kind rows whose arrays own their whole buffers are moved to the
   * worker, not copied: do not use them afterwards.
   */
  async write(
    folder: string,
    files: ReadonlyMap<string, WriterContent>,
    make = false,
  ): Promise<void> {
    this.#throwIfFailed();
    if (this.#ended) throw new Error("the summary file writer was ended: make another");
    const worker = this.#worker ??= this.#start();
    let size = 0;
    const transfer: ArrayBuffer[] = [];
    const move = (array: ArrayBufferView) => {
      if (array.byteLength === array.buffer.byteLength) transfer.push(array.buffer as ArrayBuffer);
    };
    for (const content of files.values()) {
      if (typeof content === "string" || content instanceof Uint8Array) {
        size += content.length;
        if (typeof content !== "string") move(content);
        continue;
      }
      // Rows are not counted: moved, they take no more memory there than here, and the
      // caller goes on while the worker makes their file.
      const rows = content.clientKinds;
      for (const column of [rows.days, rows.codes, rows.requests, rows.bytes, rows.downloads]) {
        move(column);
      }
    }
    const message: FolderWrite = { folder, make, files: [...files] };
    worker.postMessage(message, transfer);
    this.#sizes.push(size);
    this.#inFlight += size;
    while (this.#inFlight > this.#inFlightBytes && this.#error === undefined) await this.#answer();
    this.#throwIfFailed();
  }

  /** Waits until everything given is written, then ends the worker; throws the first error. */
  async close(): Promise<void> {
    try {
      while (this.#sizes.length > 0 && this.#error === undefined) await this.#answer();
      this.#throwIfFailed();
    } finally {
      this.terminate();
    }
  }

  /** Ends the worker now, whatever it still had to write (when the files are given up). */
  terminate(): void {
    this.#ended = true;
    this.#worker?.terminate();
    this.#worker = undefined;
    this.#answered?.();
  }

  #start(): Worker {
    const worker = new Worker(WORKER_URL, { type: "module" });
    worker.onmessage = (event: MessageEvent<WriteAnswer>) => {
      this.#inFlight -= this.#sizes.shift() ?? 0;
      if (event.data.error !== undefined) this.#error ??= writeError(event.data.error);
      this.#answered?.();
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.#error ??= new Error(`the summary file writer crashed: ${event.message}`);
      this.#answered?.();
    };
    return worker;
  }

  /** Resolves at the worker's next answer (or its end). */
  #answer(): Promise<void> {
    if (this.#worker === undefined) {
      this.#error ??= new Error("the summary file writer was ended before it had written all");
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#answered = () => {
        this.#answered = undefined;
        resolve();
      };
    });
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error;
  }
}

/**
 * Runs `work` with a {@linkcode FileWriter}, and waits until all it gave is written (or, when
 * `work` fails, ends the writer first: the files are given up).
 *
 * @example Usage
 * ```ts
 * import { withFileWriter } from "./file_writer.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await withFileWriter((writer) => writer.write(dir, new Map([["a.html", "<p>x</p>"]])));
 * assert.deepStrictEqual(await Deno.readTextFile(`${dir}/a.html`), "<p>x</p>");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function withFileWriter(work: (writer: FileWriter) => Promise<void>): Promise<void> {
  const writer = new FileWriter();
  try {
    await work(writer);
    await writer.close();
  } finally {
    writer.terminate();
  }
}
