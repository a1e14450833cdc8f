/**
 * Searches of log bytes four bytes at a time: a word read through a `DataView` holds a byte `b`
 * when its xor with `bbbb` has a zero byte (`(x - 0x01010101) & ~x & 0x80808080`, exact). On the
 * fields of a log line, tens of bytes long, this takes a quarter of the steps of a byte loop, and
 * less than `indexOf`, whose call costs more than such a search.
 *
 * @module
 */

import { extend } from "../typed_columns.ts";

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const QUOTES = 0x22222222;
const BACKSLASHES = 0x5c5c5c5c;

/**
 * The array whose words were read last, and its view. Known by the array, not its buffer:
 * reading `.buffer` costs more than a short search.
 */
let wordsOf: Uint8Array | undefined;
let words: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/**
 * A `DataView` of `buf` (the same one while `buf` is the array searched).
 *
 * @example Usage
 * ```ts
 * import { wordView } from "./byte_search.ts";
 * import assert from "node:assert/strict";
 *
 * const buf = new TextEncoder().encode("abcd");
 * assert.strictEqual(wordView(buf), wordView(buf));
 * assert.deepStrictEqual(wordView(buf).getUint8(3), 0x64);
 * ```
 */
export function wordView(buf: Uint8Array): DataView<ArrayBufferLike> {
  if (buf !== wordsOf) {
    wordsOf = buf;
    words = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  return words;
}

/**
 * The first quote in `buf[p..end)`, or -1.
 *
 * @example Usage
 * ```ts
 * import { nextQuote } from "./byte_search.ts";
 * import assert from "node:assert/strict";
 *
 * const buf = new TextEncoder().encode('GET /a/b/c/d HTTP/1.1" 200');
 * assert.deepStrictEqual([nextQuote(buf, 0, buf.length), nextQuote(buf, 0, 10)], [21, -1]);
 * ```
 */
export function nextQuote(buf: Uint8Array, p: number, end: number): number {
  if (end - p >= 8) {
    const words = wordView(buf);
    // Written out, not a function: V8 left one uninlined, at a third of the search's time.
    while (p + 4 <= end) {
      const x = words.getInt32(p, true) ^ QUOTES;
      if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
      p += 4;
    }
  }
  for (; p < end; p++) if (buf[p] === QUOTE) return p;
  return -1;
}

/**
 * The first quote or backslash in `buf[p..end)`, or -1.
 *
 * @example Usage
 * ```ts
 * import { nextQuoteOrBackslash } from "./byte_search.ts";
 * import assert from "node:assert/strict";
 *
 * const buf = new TextEncoder().encode('python-requests \\"x"');
 * assert.deepStrictEqual(nextQuoteOrBackslash(buf, 0, buf.length), 16);
 * ```
 */
export function nextQuoteOrBackslash(buf: Uint8Array, p: number, end: number): number {
  if (end - p >= 8) {
    const words = wordView(buf);
    while (p + 4 <= end) {
      const word = words.getInt32(p, true);
      const x = word ^ QUOTES;
      const y = word ^ BACKSLASHES;
      if ((((x - 0x01010101) & ~x) | ((y - 0x01010101) & ~y)) & 0x80808080) break;
      p += 4;
    }
  }
  for (; p < end; p++) if (buf[p] === QUOTE || buf[p] === BACKSLASH) return p;
  return -1;
}

/**
 * Whether `buf[from..end)` holds a quote, read back from the end.
 *
 * @example Usage
 * ```ts
 * import { hasQuote } from "./byte_search.ts";
 * import assert from "node:assert/strict";
 *
 * const buf = new TextEncoder().encode('"curl/8" - hostid SigV4 ECDHE TLSv1.2');
 * assert.deepStrictEqual([hasQuote(buf, 8, buf.length), hasQuote(buf, 0, buf.length)], [false, true]);
 * ```
 */
export function hasQuote(buf: Uint8Array, from: number, end: number): boolean {
  let p = end;
  if (p - from >= 8) {
    const words = wordView(buf);
    while (p - 4 >= from) {
      const x = words.getInt32(p - 4, true) ^ QUOTES;
      if (((x - 0x01010101) & ~x & 0x80808080) !== 0) break;
      p -= 4;
    }
  }
  for (let q = p - 1; q >= from; q--) if (buf[q] === QUOTE) return true;
  return false;
}

/**
 * Byte ranges copied one after the other into one buffer (grown when full), and compared with
 * ranges of other arrays four bytes at a time: the store of an interner or a cache, one typed
 * array for all its entries instead of one each.
 *
 * @example Usage
 * ```ts
 * import { ByteArena, wordView } from "./byte_search.ts";
 * import assert from "node:assert/strict";
 *
 * const line = new TextEncoder().encode("GET blobs/a/b HTTP/1.1");
 * const arena = new ByteArena(16);
 * const at = arena.append(line, 4, 13);
 * assert.deepStrictEqual([arena.holds(at, line, wordView(line), 4, 9), arena.holds(at, line, wordView(line), 0, 9)], [true, false]);
 * ```
 */
export class ByteArena {
  /** The bytes; `used` of them hold ranges. */
  bytes: Uint8Array;
  /** How many bytes hold ranges. */
  used = 0;
  #words: DataView;

  /** An arena of `size` bytes to start with. */
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.#words = new DataView(this.bytes.buffer);
  }

  /** Copies `buf[start..end)` after the ranges held (growing the arena); returns where. */
  append(buf: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (this.used + length > this.bytes.length) {
      this.bytes = extend(
        this.bytes,
        new Uint8Array(Math.max(this.bytes.length * 2, this.used + length)),
      );
      this.#words = new DataView(this.bytes.buffer);
    }
    const at = this.used;
    this.bytes.set(buf.subarray(start, end), at);
    this.used += length;
    return at;
  }

  /** Forgets every range (the memory is kept). */
  clear(): void {
    this.used = 0;
  }

  /**
   * Whether the arena holds `buf[start..start + length)` at `from`; `words` is `buf`'s
   * {@linkcode wordView}.
   */
  holds(from: number, buf: Uint8Array, words: DataView, start: number, length: number): boolean {
    const own = this.#words;
    let i = 0;
    for (; i + 4 <= length; i += 4) {
      if (own.getInt32(from + i, true) !== words.getInt32(start + i, true)) return false;
    }
    const bytes = this.bytes;
    for (; i < length; i++) if (bytes[from + i] !== buf[start + i]) return false;
    return true;
  }
}
