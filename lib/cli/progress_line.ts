/**
 * A progress line on stderr, redrawn in place, only when stderr is a terminal.
 *
 * @module
 */

import type { ExtractionProgress } from "../extract_logs.ts";

/**
 * Renders extraction progress as one line (files, MB, requests, MB/s).
 *
 * @example Usage
 * ```ts
 * import { formatExtractionProgress } from "./progress_line.ts";
 * import { assertEquals } from "../_assert.ts";
 *
 * const line = formatExtractionProgress(
 *   { filesDone: 5, filesPlanned: 10, bytesRead: 50e6, bytesPlanned: 100e6, requests: 1234 },
 *   2,
 * );
 * assertEquals(line, "extract_logs: 5/10 files, 50/100 MB (50%), 1,234 requests, 25 MB/s");
 * ```
 */
export function formatExtractionProgress(progress: ExtractionProgress, seconds: number): string {
  const mb = (bytes: number) => Math.round(bytes / 1e6).toLocaleString("en-US");
  const percent = progress.bytesPlanned > 0
    ? Math.floor((100 * progress.bytesRead) / progress.bytesPlanned)
    : 100;
  const rate = seconds > 0 ? Math.round(progress.bytesRead / 1e6 / seconds) : 0;
  return `extract_logs: ${progress.filesDone}/${progress.filesPlanned} files, ` +
    `${mb(progress.bytesRead)}/${mb(progress.bytesPlanned)} MB (${percent}%), ` +
    `${progress.requests.toLocaleString("en-US")} requests, ${rate} MB/s`;
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

  /** Redraws the line (throttled). */
  update(text: string): void {
    if (!this.#enabled) return;
    const now = performance.now();
    if (now - this.#last < 100) return;
    this.#last = now;
    const width = Deno.consoleSize?.().columns ?? 100;
    Deno.stderr.writeSync(this.#encoder.encode(`\r\x1b[K${text.slice(0, width - 1)}`));
    this.#shown = true;
  }

  /** Clears the line. */
  done(): void {
    if (this.#enabled && this.#shown) Deno.stderr.writeSync(this.#encoder.encode("\r\x1b[K"));
    this.#shown = false;
  }
}
