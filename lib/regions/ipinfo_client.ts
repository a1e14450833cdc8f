/**
 * ipinfo lookups through its batch endpoint (`POST /batch`, up to 1,000 IPs a call), with
 * timeouts, retries with backoff, `Retry-After`, and a clear end when the quota is used up or the
 * token is refused. Labels as the reference makes them: `CC/Region`, `CC`, `Region`, `bogon`.
 *
 * @module
 */

import { BODY_LIMITS, readText } from "../http_body.ts";
import {
  type AttemptOutcome,
  MAX_RETRY_AFTER_SECONDS,
  retryAfterSeconds,
  withRetries,
} from "../http_retry.ts";

/** ipinfo's base URL. */
export const IPINFO_DEFAULT_URL = "https://ipinfo.io";

/** What ipinfo says of an IP (the fields used). */
export interface IpinfoDetails {
  /** ISO 3166-1 alpha-2 country. */
  country?: string;
  /** Region name. */
  region?: string;
  /** Whether the IP is private, reserved or for documentation. */
  bogon?: boolean;
}

/**
 * The reference's label of ipinfo details: `CC/Region`, `CC`, `Region`, `bogon`, or `unknown`
 * when ipinfo knows nothing of the IP.
 *
 * @example Usage
 * ```ts
 * import { ipinfoLabel } from "./ipinfo_client.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(ipinfoLabel({ country: "US", region: "California" }), "US/California");
 * assert.deepStrictEqual(ipinfoLabel({ ip: "192.0.2.0", bogon: true } as never), "bogon");
 * assert.deepStrictEqual(ipinfoLabel({}), "unknown");
 * ```
 */
export function ipinfoLabel(details: IpinfoDetails): string {
  const country = typeof details.country === "string" && details.country
    ? details.country
    : undefined;
  const region = typeof details.region === "string" && details.region ? details.region : undefined;
  if (country && region) return `${country}/${region}`;
  if (country) return country;
  if (region) return region;
  return details.bogon === true ? "bogon" : "unknown";
}

/** Why lookups stopped before the end. */
export type LookupStop = "quota" | "refused" | "failing";

/** The answer to one batch. */
export type BatchAnswer =
  | { ok: true; labels: Map<string, string> }
  | { ok: false; stop: LookupStop; message: string };

/** Options of {@linkcode IpinfoClient}. */
export interface IpinfoClientOptions {
  /** The token. */
  token: string;
  /** Base URL (default {@linkcode IPINFO_DEFAULT_URL}). */
  baseUrl?: string;
  /** Timeout of one call in milliseconds (default 30,000). */
  timeoutMs?: number;
  /** Attempts per batch (default 4). */
  attempts?: number;
  /** First retry delay in milliseconds, doubled each time (default 1,000). */
  retryDelayMs?: number;
  /**
   * Longest `Retry-After` honoured, in seconds.
   *
   * @default {120}
   */
  maxRetryAfterSeconds?: number;
}

/**
 * Looks up batches of IPs.
 *
 * @example A refused token stops the lookups
 * ```ts
 * import { IpinfoClient } from "./ipinfo_client.ts";
 * import assert from "node:assert/strict";
 *
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} },
 *   () => new Response("bad token", { status: 403 }));
 * const client = new IpinfoClient({ token: "t", baseUrl: `http://127.0.0.1:${server.addr.port}` });
 * const answer = await client.lookup(["198.51.100.7"]);
 * assert.deepStrictEqual(answer.ok ? "" : answer.stop, "refused");
 * await server.shutdown();
 * ```
 */
export class IpinfoClient {
  #options: Required<IpinfoClientOptions>;

  /** Creates a client. */
  constructor(options: IpinfoClientOptions) {
    this.#options = {
      baseUrl: IPINFO_DEFAULT_URL,
      timeoutMs: 30_000,
      attempts: 4,
      retryDelayMs: 1000,
      maxRetryAfterSeconds: MAX_RETRY_AFTER_SECONDS,
      ...options,
    };
  }

  /** Labels of a batch of IPs (at most 1,000). Never throws. */
  async lookup(ips: string[]): Promise<BatchAnswer> {
    const o = this.#options;
    const url = `${o.baseUrl.replace(/\/$/, "")}/batch?token=${encodeURIComponent(o.token)}`;
    // IPs an answer leaves out are asked again alone; after the attempts, the batch's answer
    // is what was learned (the others are looked up on the next run).
    const batch: Batch = { pending: ips, learned: new Map() };
    const result = await withRetries<BatchAnswer>(async (signal) => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(batch.pending),
        signal,
      });
      const text = await readText(response, BODY_LIMITS.ipinfo);
      return this.#outcome(response, text, batch);
    }, { attempts: o.attempts, delayMs: o.retryDelayMs, timeoutMs: o.timeoutMs });
    if (result.ok) return result.answer;
    if (batch.learned.size > 0) return { ok: true, labels: batch.learned };
    return { ok: false, stop: "failing", message: `ipinfo kept failing (${result.last})` };
  }

  /** What one answer of the batch endpoint means for the lookup (learned labels go to `batch`). */
  #outcome(response: Response, text: string, batch: Batch): AttemptOutcome<BatchAnswer> {
    if (response.status === 401 || response.status === 403) {
      const message = `ipinfo refused the token (HTTP ${response.status})`;
      return { answer: { ok: false, stop: "refused", message } };
    }
    if (response.status === 429) {
      // No header, an unreadable one, or a wait past the cap: the quota is spent.
      const after = retryAfterSeconds(response.headers.get("retry-after"), {
        maxSeconds: this.#options.maxRetryAfterSeconds,
      });
      if (after === undefined) {
        const message = "ipinfo's request quota is used up (HTTP 429)";
        return { answer: { ok: false, stop: "quota", message } };
      }
      return { again: `HTTP 429, retry after ${after} s`, waitMs: after * 1000 };
    }
    if (!response.ok) return { again: `HTTP ${response.status}` };
    const labels = parseBatch(text, batch.pending);
    if (labels === undefined) return { again: "malformed JSON answer" };
    for (const [ip, label] of labels) batch.learned.set(ip, label);
    batch.pending = batch.pending.filter((ip) => !labels.has(ip));
    if (batch.pending.length === 0) return { answer: { ok: true, labels: batch.learned } };
    return { again: `${batch.pending.length} IPs missing from the answer`, waitMs: 0 };
  }
}

/** A batch being looked up: the IPs still to ask, and the labels learned so far. */
interface Batch {
  pending: string[];
  learned: Map<string, string>;
}

function parseBatch(text: string, ips: string[]): Map<string, string> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const labels = new Map<string, string>();
  for (const ip of ips) {
    const details = (value as Record<string, unknown>)[ip];
    // An IP the answer leaves out is asked again (see lookup).
    if (typeof details === "object" && details !== null) {
      labels.set(ip, ipinfoLabel(details as IpinfoDetails));
    }
  }
  return labels;
}
