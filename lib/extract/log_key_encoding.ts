/**
 * How an object key is written in the key field of S3's text log format, so that a key read
 * from a JSON record (where `key_name` holds the object key itself) becomes the same cache key
 * as the text line of the same request.
 *
 * AWS documents the text field as "URL encoded", and in practice it is encoded twice for
 * `REST.GET.OBJECT` (a key `foo-%Y` is logged as `foo-%2525Y`; a `"` as `%2522`). Encoding keeps
 * the characters of RFC 3986's unreserved set (`A–Z a–z 0–9 - . _ ~`) and `/`, and writes every
 * other byte of the key's UTF-8 as `%XX`; the second pass only turns each `%` into `%25`. So each
 * such byte becomes `%25XX`.
 *
 * @module
 */

const HEX = new TextEncoder().encode("0123456789ABCDEF");
const PERCENT = 0x25;

/** 1 for the bytes kept as they are (unreserved characters and `/`). */
const KEPT = new Uint8Array(256);
for (let byte = 0; byte < 128; byte++) {
  const c = String.fromCharCode(byte);
  if (/[A-Za-z0-9\-._~/]/.test(c)) KEPT[byte] = 1;
}

/**
 * Whether the key `buf[start..end)` (UTF-8) is written unchanged in the text format.
 *
 * @example Usage
 * ```ts
 * import { isKeptAsIs } from "./log_key_encoding.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("blobs/a1b/2c3 x");
 * assert.deepStrictEqual([isKeptAsIs(bytes, 0, 13), isKeptAsIs(bytes, 0, 15)], [true, false]);
 * ```
 */
export function isKeptAsIs(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (KEPT[buf[i]] === 0) return false;
  return true;
}

/**
 * Writes the text-format form of the key `buf[start..end)` (UTF-8) into `out` from 0 and returns
 * its length. `out` must hold five bytes per key byte.
 *
 * @example Usage
 * ```ts
 * import { encodeLogKeyBytes } from "./log_key_encoding.ts";
 * import assert from "node:assert/strict";
 *
 * const key = new TextEncoder().encode("a b");
 * const out = new Uint8Array(key.length * 5);
 * const length = encodeLogKeyBytes(key, 0, key.length, out);
 * assert.deepStrictEqual(new TextDecoder().decode(out.subarray(0, length)), "a%2520b");
 * ```
 */
export function encodeLogKeyBytes(
  buf: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const byte = buf[i];
    if (KEPT[byte] === 1) {
      out[n++] = byte;
    } else {
      out[n++] = PERCENT;
      out[n++] = 0x32; // "2"
      out[n++] = 0x35; // "5"
      out[n++] = HEX[byte >> 4];
      out[n++] = HEX[byte & 15];
    }
  }
  return n;
}

/**
 * The text-format form of an object key (what the key field of a `REST.GET.OBJECT` line holds).
 *
 * @example Usage
 * ```ts
 * import { encodeLogKey } from "./log_key_encoding.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(encodeLogKey("blobs/ab/c.nwb"), "blobs/ab/c.nwb");
 * assert.deepStrictEqual(encodeLogKey("data/café 1.nwb"), "data/caf%25C3%25A9%25201.nwb");
 * ```
 */
export function encodeLogKey(key: string): string {
  const bytes = new TextEncoder().encode(key);
  const out = new Uint8Array(bytes.length * 5);
  return new TextDecoder().decode(out.subarray(0, encodeLogKeyBytes(bytes, 0, bytes.length, out)));
}
