/**
 * The bytes of a large TSV file, written field by field into one growing buffer: the day files
 * have millions of lines of dates, fixed names and numbers, and building them as strings cost
 * more (a string per number, the joined text, then its UTF-8 copy) than the bytes themselves.
 *
 * @module
 */

/** A file's content: text, or its UTF-8 bytes. */
export type FileContent = string | Uint8Array;

/**
 * The text of a file's content.
 *
 * @example Usage
 * ```ts
 * import { contentText } from "./tsv_bytes.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([contentText("a\n"), contentText(Uint8Array.of(97, 10))], ["a\n", "a\n"]);
 * ```
 */
export function contentText(content: FileContent): string {
  return typeof content === "string" ? content : new TextDecoder().decode(content);
}

const TAB = 9;
const NEWLINE = 10;
const ZERO = 48;
const encoder = new TextEncoder();
/** The two digits of 0–99. */
const TENS = Uint8Array.from({ length: 100 }, (_, n) => ZERO + Math.floor(n / 10));
const ONES = Uint8Array.from({ length: 100 }, (_, n) => ZERO + n % 10);

/**
 * A TSV file's bytes, written a field at a time. Fields are not quoted: give only fields that
 * never need it (dates, numbers, names without tabs, quotes or line breaks). A number is written
 * as `String(number)` writes it.
 *
 * @example Usage
 * ```ts
 * import { TsvBytes } from "./tsv_bytes.ts";
 * import assert from "node:assert/strict";
 *
 * const tsv = new TsvBytes();
 * tsv.line(["date", "bytes"]);
 * tsv.field("2024-01-01");
 * tsv.last(2 ** 60);
 * assert.deepStrictEqual(new TextDecoder().decode(tsv.take()), "date\tbytes\n2024-01-01\t1152921504606847000\n");
 * ```
 */
export class TsvBytes {
  #buffer = new Uint8Array(1 << 16);
  #length = 0;

  /** A whole line of text fields (a header). */
  line(fields: readonly string[]): void {
    fields.forEach((field, i) => i === fields.length - 1 ? this.last(field) : this.field(field));
  }

  /** A field and the tab after it. */
  field(value: string | number | bigint): void {
    this.#value(value);
    this.#buffer[this.#length++] = TAB;
  }

  /** A line's last field and the line's end. */
  last(value: string | number | bigint): void {
    this.#value(value);
    this.#buffer[this.#length++] = NEWLINE;
  }

  /** The bytes written since the last take, in an array of their own (the buffer is reused). */
  take(): Uint8Array {
    const bytes = this.#buffer.slice(0, this.#length);
    this.#length = 0;
    return bytes;
  }

  /** Writes `value` with room for one byte after it. */
  #value(value: string | number | bigint): void {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) {
      this.#integer(value);
    } else {
      this.#text(typeof value === "string" ? value : String(value));
    }
  }

  /**
   * A non-negative safe integer's digits, two at a time from the last, with integer division
   * once the rest fits 31 bits (below 2^53, `value / 100` never rounds up to the next integer).
   */
  #integer(value: number): void {
    let count = 1;
    for (let power = 10; power <= value; power *= 10) count++;
    this.#room(count + 1);
    const buffer = this.#buffer;
    const end = this.#length + count;
    let at = end;
    while (value > 0x7fffffff) {
      const quotient = Math.floor(value / 100);
      const pair = value - quotient * 100;
      buffer[--at] = ONES[pair];
      buffer[--at] = TENS[pair];
      value = quotient;
    }
    let rest = value | 0;
    while (rest >= 100) {
      const quotient = (rest / 100) | 0;
      const pair = rest - quotient * 100;
      buffer[--at] = ONES[pair];
      buffer[--at] = TENS[pair];
      rest = quotient;
    }
    if (rest >= 10) {
      buffer[--at] = ONES[rest];
      buffer[--at] = TENS[rest];
    } else {
      buffer[--at] = ZERO + rest;
    }
    this.#length = end;
  }

  #text(text: string): void {
    this.#room(text.length + 1);
    const buffer = this.#buffer;
    let at = this.#length;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        // Not ASCII: the rest as UTF-8 (at most 3 bytes a UTF-16 unit).
        this.#length = at;
        this.#room(3 * (text.length - i) + 1);
        this.#length += encoder.encodeInto(text.slice(i), this.#buffer.subarray(this.#length))
          .written;
        return;
      }
      buffer[at++] = code;
    }
    this.#length = at;
  }

  /** Room for `bytes` more bytes. */
  #room(bytes: number): void {
    if (this.#length + bytes <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < this.#length + bytes) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }
}
