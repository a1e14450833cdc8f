/**
 * AWS Signature Version 4 for S3 requests, through WebCrypto: the canonical request, the string
 * to sign, the derived signing key and the `Authorization` header, as AWS documents them.
 *
 * @module
 */

/** Credentials of an AWS identity. */
export interface AwsCredentials {
  /** Access key id. */
  accessKeyId: string;
  /** Secret access key. */
  secretAccessKey: string;
  /** Session token of temporary credentials. */
  sessionToken?: string;
}

/** A request to sign. */
export interface SignableRequest {
  /** HTTP method. */
  method: string;
  /** Host (and port, if not the default). */
  host: string;
  /** Path, not encoded (`/bucket/key with spaces`). */
  path: string;
  /** Query parameters, not encoded. */
  query?: Record<string, string>;
  /** Other headers to sign (names in any case). */
  headers?: Record<string, string>;
  /** Hex SHA-256 of the body (default: that of an empty body). */
  payloadHash?: string;
}

/** Where and when a request is signed. */
export interface SigningContext {
  /** Credentials. */
  credentials: AwsCredentials;
  /** Region, e.g. `us-east-1`. */
  region: string;
  /** Service (default `s3`). */
  service?: string;
  /** Signing time (default now). */
  date?: Date;
}

/** Hex SHA-256 of an empty body. */
export const EMPTY_PAYLOAD_HASH =
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

const encoder = new TextEncoder();

/**
 * The headers that sign `request`: `x-amz-date`, `x-amz-content-sha256`, the session token if
 * any, and `authorization` (to send with the request's own headers and `host`).
 *
 * @example AWS's published example (GET Object with a Range header)
 * ```ts
 * import { signRequest } from "./sigv4.ts";
 * import assert from "node:assert/strict";
 *
 * const headers = await signRequest(
 *   { method: "GET", host: "examplebucket.s3.amazonaws.com", path: "/test.txt",
 *     headers: { range: "bytes=0-9" } },
 *   { credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE",
 *       secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" },
 *     region: "us-east-1", date: new Date("2013-05-24T00:00:00Z") },
 * );
 * assert.deepStrictEqual(headers.authorization.endsWith(
 *   "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"), true);
 * ```
 */
export async function signRequest(
  request: SignableRequest,
  context: SigningContext,
): Promise<Record<string, string>> {
  const service = context.service ?? "s3";
  const stamp = (context.date ?? new Date()).toISOString().replace(/[-:]|\.\d{3}/g, "");
  const day = stamp.slice(0, 8);
  const bodyHash = request.payloadHash ?? EMPTY_PAYLOAD_HASH;
  const signed: Record<string, string> = {
    "x-amz-content-sha256": bodyHash,
    "x-amz-date": stamp,
  };
  if (context.credentials.sessionToken) {
    signed["x-amz-security-token"] = context.credentials.sessionToken;
  }
  const headers = new Map<string, string>([["host", request.host]]);
  for (const [name, value] of Object.entries({ ...request.headers, ...signed })) {
    headers.set(name.toLowerCase(), value.trim().replace(/\s+/g, " "));
  }
  const names = [...headers.keys()].sort();
  const query = Object.entries(request.query ?? {})
    .map(([k, v]) => [uriEncode(k), uriEncode(v)])
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const canonical = [
    request.method,
    request.path.split("/").map(uriEncode).join("/"),
    query,
    names.map((name) => `${name}:${headers.get(name)}\n`).join(""),
    names.join(";"),
    bodyHash,
  ].join("\n");
  const scope = `${day}/${context.region}/${service}/aws4_request`;
  const toSign = `AWS4-HMAC-SHA256\n${stamp}\n${scope}\n${await payloadHash(
    encoder.encode(canonical),
  )}`;
  let key: ArrayBuffer = encoder.encode(`AWS4${context.credentials.secretAccessKey}`).buffer;
  for (const part of [day, context.region, service, "aws4_request"]) key = await hmac(key, part);
  const signature = hex(await hmac(key, toSign));
  return {
    ...signed,
    authorization: `AWS4-HMAC-SHA256 Credential=${context.credentials.accessKeyId}/${scope},` +
      `SignedHeaders=${names.join(";")},Signature=${signature}`,
  };
}

/**
 * S3's URI encoding: every byte but `A-Z a-z 0-9 - _ . ~` as `%XX` (upper-case hex).
 *
 * @example Usage
 * ```ts
 * import { uriEncode } from "./sigv4.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(uriEncode("a b/c*é"), "a%20b%2Fc%2A%C3%A9");
 * ```
 */
export function uriEncode(text: string): string {
  let out = "";
  for (const byte of encoder.encode(text)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

async function hmac(key: ArrayBuffer, text: string): Promise<ArrayBuffer> {
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(text));
}

/**
 * The hex SHA-256 of a request body, as `x-amz-content-sha256` and the signature want it.
 *
 * @example Usage
 * ```ts
 * import { EMPTY_PAYLOAD_HASH, payloadHash } from "./sigv4.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(await payloadHash(new Uint8Array()), EMPTY_PAYLOAD_HASH);
 * ```
 */
export async function payloadHash(body: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", body as Uint8Array<ArrayBuffer>));
}

function hex(buffer: ArrayBuffer): string {
  return Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
}
