/**
 * The two S3 calls extraction needs, signed with SigV4 and no SDK: ListObjectsV2 (every page)
 * and GetObject, with retries and backoff on 5xx, throttling (429, `SlowDown`) and network
 * errors. `AWS_ENDPOINT_URL` points them at an S3-compatible server (path-style addressing).
 *
 * @module
 */

import { BODY_LIMITS, BodyTooLargeError, readBody } from "../http_body.ts";
import { OperatorError } from "../errors.ts";
import { withRetries } from "../http_retry.ts";
import { type AwsCredentials, signRequest, uriEncode } from "./sigv4.ts";

/** A bucket and a key prefix, from `s3://bucket/prefix`. */
export interface S3Location {
  /** The bucket. */
  bucket: string;
  /** The prefix ("" for the whole bucket; otherwise ending in `/`). */
  prefix: string;
}

/** One listed object. */
export interface S3Object {
  /** Its key. */
  key: string;
  /** Its size in bytes. */
  size: number;
  /** Its last modification time (milliseconds since 1970). */
  lastModified: number;
}

/** Options of {@linkcode S3Client}. */
export interface S3ClientOptions {
  /** Credentials. */
  credentials: AwsCredentials;
  /** Region. */
  region: string;
  /** An S3-compatible endpoint (`http://127.0.0.1:4568`); default AWS's for the region. */
  endpoint?: string;
  /** Attempts per request (default 5). */
  attempts?: number;
  /** First retry delay in milliseconds, doubled each time (default 500). */
  retryDelayMs?: number;
  /** Timeout of one request in milliseconds (default 60,000). */
  timeoutMs?: number;
}

/**
 * Reads `s3://bucket[/prefix]`.
 *
 * @example Usage
 * ```ts
 * import { parseS3Url } from "./s3_client.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(parseS3Url("s3://logs-bucket/server-logs"), { bucket: "logs-bucket", prefix: "server-logs/" });
 * assert.deepStrictEqual(parseS3Url("s3://logs-bucket"), { bucket: "logs-bucket", prefix: "" });
 * ```
 */
export function parseS3Url(url: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (match === null || !/^[a-z0-9][a-z0-9.\-_]{1,254}$/i.test(match[1])) {
    throw new OperatorError(
      `${url} is not an S3 location: write s3://<bucket> or s3://<bucket>/<prefix>.`,
    );
  }
  const prefix = match[2].replace(/^\/+/, "");
  return {
    bucket: match[1],
    prefix: prefix === "" || prefix.endsWith("/") ? prefix : prefix + "/",
  };
}

/**
 * Lists and gets objects.
 *
 * @example Usage
 * ```ts
 * import { S3Client } from "./s3_client.ts";
 * import assert from "node:assert/strict";
 *
 * const client = new S3Client({ credentials: { accessKeyId: "a", secretAccessKey: "b" }, region: "eu-west-1" });
 * assert.deepStrictEqual(client.host("logs"), "logs.s3.eu-west-1.amazonaws.com");
 * ```
 */
export class S3Client {
  #options: Required<Omit<S3ClientOptions, "endpoint">> & { endpoint?: URL };

  /** Creates a client. */
  constructor(options: S3ClientOptions) {
    this.#options = {
      attempts: 5,
      retryDelayMs: 500,
      timeoutMs: 60_000,
      ...options,
      endpoint: options.endpoint ? new URL(options.endpoint) : undefined,
    };
  }

  /** The host requests for `bucket` go to (for network permissions). */
  host(bucket: string): string {
    const endpoint = this.#options.endpoint;
    return endpoint ? endpoint.host : `${bucket}.s3.${this.#options.region}.amazonaws.com`;
  }

  /** Every object under `location.prefix`, page by page. */
  async *list(location: S3Location): AsyncGenerator<S3Object> {
    let token: string | undefined;
    do {
      const query: Record<string, string> = { "list-type": "2", prefix: location.prefix };
      if (token) query["continuation-token"] = token;
      const xml = new TextDecoder().decode(await this.#request(location.bucket, "", query));
      for (const match of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        const key = xmlText(match[1], "Key");
        if (key === undefined) continue;
        yield {
          key,
          size: Number(xmlText(match[1], "Size") ?? 0),
          lastModified: Date.parse(xmlText(match[1], "LastModified") ?? "") || 0,
        };
      }
      token = xmlText(xml, "IsTruncated") === "true"
        ? xmlText(xml, "NextContinuationToken")
        : undefined;
    } while (token);
  }

  /** The whole content of an object. */
  async get(bucket: string, key: string): Promise<Uint8Array> {
    return await this.#request(bucket, key, {});
  }

  async #request(bucket: string, key: string, query: Record<string, string>): Promise<Uint8Array> {
    const o = this.#options;
    const host = this.host(bucket);
    const base = o.endpoint ? o.endpoint.pathname.replace(/\/$/, "") + `/${bucket}` : "";
    const path = `${base}/${key}`;
    const protocol = o.endpoint ? o.endpoint.protocol : "https:";
    // Encoded exactly as signed: the server recomputes the signature from what it receives.
    const search = Object.entries(query).map(([k, v]) => `${uriEncode(k)}=${uriEncode(v)}`)
      .join("&");
    const url = `${protocol}//${host}${path.split("/").map(uriEncode).join("/")}` +
      (search ? `?${search}` : "");
    const where = key ? `s3://${bucket}/${key}` : `the listing of s3://${bucket}`;
    const result = await withRetries<Uint8Array>(async (signal) => {
      const headers = await signRequest(
        { method: "GET", host, path, query },
        { credentials: o.credentials, region: o.region },
      );
      const response = await fetch(url, { headers, signal });
      let body: Uint8Array;
      try {
        body = await readBody(response, key ? BODY_LIMITS.object : BODY_LIMITS.listing);
      } catch (error) {
        if (!(error instanceof BodyTooLargeError)) throw error;
        throw new OperatorError(
          `${key ? `s3://${bucket}/${key}` : `The listing of s3://${bucket}`}: ` +
            `${error.message}, more than any log ${key ? "object" : "listing page"} is.`,
        );
      }
      if (response.ok) return { answer: body };
      const code = /<Code>([^<]*)<\/Code>/.exec(new TextDecoder().decode(body))?.[1];
      const status = `HTTP ${response.status}${code ? ` ${code}` : ""}`;
      if (response.status < 500 && response.status !== 429 && code !== "SlowDown") {
        throw new OperatorError(
          `S3 refused ${where} (${status}). Check the bucket, the credentials (AWS_PROFILE, ` +
            "AWS_ACCESS_KEY_ID) and AWS_REGION / AWS_ENDPOINT_URL.",
        );
      }
      return { again: status };
    }, { attempts: o.attempts, delayMs: o.retryDelayMs, timeoutMs: o.timeoutMs });
    if (result.ok) return result.answer;
    throw new OperatorError(
      `S3 kept failing for s3://${bucket}/${key} (${result.last}) after ${o.attempts} attempts. ` +
        "The server or the network is in trouble: run again later (what was committed is kept).",
    );
  }
}

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(xml);
  if (match === null) return undefined;
  return match[1].replace(
    /&(#x[0-9a-f]+|#\d+|[a-z]+);/gi,
    (entity, name: string) =>
      name[0] === "#"
        ? String.fromCodePoint(
          name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : Number(name.slice(1)),
        )
        : ENTITIES[name] ?? entity,
  );
}
