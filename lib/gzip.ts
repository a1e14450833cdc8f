/**
 * Gzip, detected by content (the two magic bytes), never by file name.
 *
 * @module
 */

/**
 * Whether bytes start with the gzip magic number (1f 8b).
 *
 * @example Usage
 * ```ts
 * import { isGzip } from "./gzip.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(isGzip(new Uint8Array([0x1f, 0x8b, 8])), true);
 * assert.deepStrictEqual(isGzip(new TextEncoder().encode("8787a3c4 dandiarchive")), false);
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * A stream of the decompressed bytes of gzip data.
 *
 * @example Usage
 * ```ts
 * import { gunzipStream } from "./gzip.ts";
 * import assert from "node:assert/strict";
 *
 * const packed = new Uint8Array(await new Response(
 *   new Blob(["hello"]).stream().pipeThrough(new CompressionStream("gzip")),
 * ).arrayBuffer());
 * assert.deepStrictEqual(await new Response(gunzipStream(packed)).text(), "hello");
 * ```
 */
export function gunzipStream(bytes: Uint8Array<ArrayBuffer>): ReadableStream<Uint8Array> {
  return new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
}

/**
 * The UTF-8 text of bytes that may be gzip-compressed.
 *
 * @example Usage
 * ```ts
 * import { textOfMaybeGzip } from "./gzip.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(await textOfMaybeGzip(new TextEncoder().encode("plain")), "plain");
 * ```
 */
export async function textOfMaybeGzip(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  return isGzip(bytes)
    ? await new Response(gunzipStream(bytes)).text()
    : new TextDecoder().decode(bytes);
}
