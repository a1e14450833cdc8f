/**
 * Reading a service's answer with a ceiling: a body larger than any real answer (a hostile or
 * broken server sending gigabytes) is cut off with an error naming the limit, before it can
 * exhaust memory.
 *
 * @module
 */

/** The ceilings of the answers this tool reads, in bytes. */
export const BODY_LIMITS = {
  /** An ipinfo batch answer for 1,000 IPs (about 300 KB). */
  ipinfo: 16 * 1024 * 1024,
  /** One OpenCage answer (a few KB). */
  opencage: 1024 * 1024,
  /** A published range file (AWS's is about 2 MB). */
  ranges: 64 * 1024 * 1024,
  /** The content-id mapping (DANDI's gzipped one is some tens of MB). */
  mapping: 1024 * 1024 * 1024,
  /** One page of an S3 listing (1,000 keys). */
  listing: 64 * 1024 * 1024,
  /** One S3 log object. */
  object: 2 * 1024 * 1024 * 1024,
} as const;

/** A body past its ceiling. */
export class BodyTooLargeError extends Error {
  /** Creates the error for a body past `limit` bytes. */
  constructor(limit: number) {
    super(`the answer is larger than ${Math.round(limit / 1e6).toLocaleString("en-US")} MB`);
    this.name = "BodyTooLargeError";
  }
}

/**
 * The bytes of `response`'s body, or a {@linkcode BodyTooLargeError} as soon as they pass
 * `limit` (the rest is not read).
 *
 * @example Usage
 * ```ts
 * import { BodyTooLargeError, readBody } from "./http_body.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(await readBody(new Response("hello"), 10), new TextEncoder().encode("hello"));
 * await assert.rejects(() => readBody(new Response("x".repeat(11)), 10), BodyTooLargeError);
 * ```
 */
export async function readBody(
  response: Response,
  limit: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const declared = Number(response.headers.get("content-length"));
  if (declared > limit) {
    await response.body?.cancel();
    throw new BodyTooLargeError(limit);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body !== null) {
    for await (const chunk of response.body) {
      total += chunk.length;
      if (total > limit) {
        await response.body.cancel().catch(() => {});
        throw new BodyTooLargeError(limit);
      }
      chunks.push(chunk);
    }
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/**
 * The text of `response`'s body, with the ceiling of {@linkcode readBody}.
 *
 * @example Usage
 * ```ts
 * import { readText } from "./http_body.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(await readText(new Response("héllo"), 100), "héllo");
 * ```
 */
export async function readText(response: Response, limit: number): Promise<string> {
  return new TextDecoder().decode(await readBody(response, limit));
}
