/**
 * A progress line on stderr, redrawn in place, only when stderr is a terminal.
 *
 * @module
 */

import type { ExtractionProgress } from "../extract/extract_logs.ts";

/**
 * Renders extraction progress as one line (files, MB, requests, MB/s). While files are still
 * being listed the totals still grow: they are marked `+`, and no percentage is given.
 *
 * @example Usage
 * ```ts
 * import { formatExtractionProgress } from "./progress_line.ts";
 * import assert from "node:assert/strict";
 *
 * const line = formatExtractionProgress(
 *   { filesDone: 5, filesPlanned: 10, bytesRead: 50e6, bytesPlanned: 100e6, requests: 1234, listing: false },
 *   2,
 * );
 * assert.deepStrictEqual(line, "5/10 files, 50/100 MB 50%, 1,234 requests, 25 MB/s");
 * const listing = formatExtractionProgress(
 *   { filesDone: 5, filesPlanned: 10, bytesRead: 50e6, bytesPlanned: 100e6, requests: 1234, listing: true },
 *   2,
 * );
 * assert.deepStrictEqual(listing, "5/10+ files, 50/100+ MB, 1,234 requests, 25 MB/s");
 * // A big run still fits 80 columns.
 * const big = formatExtractionProgress(
 *   { filesDone: 1234567, filesPlanned: 2345678, bytesRead: 1234567e6, bytesPlanned: 2345678e6, requests: 123456789, listing: true },
 *   1000,
 * );
 * assert.deepStrictEqual(big, "1,234,567/2,345,678+ files, 1,235/2,346+ GB, 123.5M requests, 1,235 MB/s");
 * ```
 */
export function formatExtractionProgress(progress: ExtractionProgress, seconds: number): string {
  const n = (value: number) => Math.round(value).toLocaleString("en-US");
  const gb = progress.bytesPlanned >= 10e9;
  const size = (bytes: number) => n(bytes / (gb ? 1e9 : 1e6));
  const percent = progress.bytesPlanned > 0
    ? Math.floor((100 * progress.bytesRead) / progress.bytesPlanned)
    : 100;
  const rate = seconds > 0 ? Math.round(progress.bytesRead / 1e6 / seconds) : 0;
  const requests = progress.requests >= 1e6
    ? `${(progress.requests / 1e6).toFixed(1)}M`
    : n(progress.requests);
  const more = progress.listing ? "+" : "";
  return `${n(progress.filesDone)}/${n(progress.filesPlanned)}${more} files, ` +
    `${size(progress.bytesRead)}/${size(progress.bytesPlanned)}${more} ${gb ? "GB" : "MB"}` +
    `${progress.listing ? "" : ` ${percent}%`}, ${requests} requests, ${n(rate)} MB/s`;
}

/**
 * Draws a line in place on a terminal at most ten times a second; does nothing otherwise.
 *
 * @example Usage
 * ```ts
 * import { ProgressLine } from "./progress_line.ts";
 *
 * const progress = new ProgressLine(false);
 * progress.update("not shown: stderr is not a terminal here");
 * progress.update(() => {
 *   throw new Error("not called: the line is not drawn");
 * });
 * progress.done();
 * ```
 */
export class ProgressLine {
  #enabled: boolean;
  #last = 0;
  #shown = false;
  #encoder = new TextEncoder();

  /** Creates the line; `enabled` is false when stderr is not a terminal or output is quiet. */
  constructor(enabled: boolean) {
    this.#enabled = enabled;
  }

  /**
   * Redraws the line (throttled) with `text`, or with what `text` makes: a function is called
   * only when the line is drawn (the first number formatted loads the locale data: 15-20 ms).
   */
  update(text: string | (() => string)): void {
    if (!this.#enabled) return;
    const now = performance.now();
    if (now - this.#last < 100) return;
    this.#last = now;
    const width = Math.min(Deno.consoleSize?.().columns ?? 80, 80);
    const line = typeof text === "string" ? text : text();
    Deno.stderr.writeSync(this.#encoder.encode(`\r\x1b[K${line.slice(0, width - 1)}`));
    this.#shown = true;
  }

  /** Clears the line. */
  done(): void {
    if (this.#enabled && this.#shown) Deno.stderr.writeSync(this.#encoder.encode("\r\x1b[K"));
    this.#shown = false;
  }
}
