/**
 * The one retry loop of every HTTP client (ipinfo, OpenCage, S3, the service ranges, the
 * content-id mapping): a budget of attempts, a timeout per attempt, a wait that doubles after
 * each failure, and a service's own `Retry-After` in place of that wait when it sends one. Each
 * client says what one attempt concluded; the loop owns the counting and the waiting.
 *
 * @module
 */

import { errorText, OperatorError } from "./errors.ts";
import { BodyTooLargeError, readBody } from "./http_body.ts";

/** The longest `Retry-After` a client waits for, in seconds (two minutes). */
export const MAX_RETRY_AFTER_SECONDS = 120;

/**
 * What one attempt concluded: an answer to return, a failure that another try would only repeat
 * (`fail`, which ends the loop), or a reason to try again, after `waitMs` when the service said
 * how long.
 */
export type AttemptOutcome<T> =
  | { answer: T }
  | { fail: string }
  | { again: string; waitMs?: number };

/** Options of {@linkcode withRetries}. */
export interface RetryOptions {
  /**
   * Attempts in all.
   *
   * @default {4}
   */
  attempts?: number;
  /**
   * Wait before the second attempt in milliseconds, doubled before each later one.
   *
   * @default {1000}
   */
  delayMs?: number;
  /**
   * Timeout of one attempt in milliseconds (the signal handed to the attempt).
   *
   * @default {30000}
   */
  timeoutMs?: number;
}

/** The result of {@linkcode withRetries}: an attempt's answer, or why the last attempt failed. */
export type RetryResult<T> = { ok: true; answer: T } | { ok: false; last: string };

/**
 * Runs `attempt` until it gives an answer or the budget is spent. An attempt that throws counts
 * as a failure to retry (a network error, a timeout), except an {@linkcode OperatorError}, which
 * ends the loop at once.
 *
 * @param attempt One try; it gets a signal that aborts at the attempt's timeout, and the
 * attempt's number from 0.
 * @param options Budget, first wait and timeout.
 * @returns The answer, or why the last attempt failed.
 * @throws {OperatorError} When an attempt throws one.
 *
 * @example A service that fails once, then answers
 * ```ts
 * import { withRetries } from "./http_retry.ts";
 * import assert from "node:assert/strict";
 *
 * let calls = 0;
 * const result = await withRetries<string>(
 *   () => Promise.resolve(++calls === 1 ? { again: "HTTP 503" } : { answer: "hello" }),
 *   { delayMs: 0 },
 * );
 * assert.deepStrictEqual(result, { ok: true, answer: "hello" });
 * assert.deepStrictEqual(
 *   await withRetries(() => Promise.resolve({ again: "HTTP 503" }), { attempts: 2, delayMs: 0 }),
 *   { ok: false, last: "HTTP 503" },
 * );
 * // A refusal ends the loop at once.
 * assert.deepStrictEqual(await withRetries(() => Promise.resolve({ fail: "HTTP 404" })), {
 *   ok: false,
 *   last: "HTTP 404",
 * });
 * ```
 */
export async function withRetries<T>(
  attempt: (signal: AbortSignal, index: number) => Promise<AttemptOutcome<T>>,
  options: RetryOptions = {},
): Promise<RetryResult<T>> {
  const attempts = options.attempts ?? 4;
  const delayMs = options.delayMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  let last = "no answer";
  for (let index = 0; index < attempts; index++) {
    let waitMs = delayMs * 2 ** index;
    try {
      const outcome = await attempt(AbortSignal.timeout(timeoutMs), index);
      if ("answer" in outcome) return { ok: true, answer: outcome.answer };
      if ("fail" in outcome) return { ok: false, last: outcome.fail };
      last = outcome.again;
      waitMs = outcome.waitMs ?? waitMs;
    } catch (error) {
      if (error instanceof OperatorError) throw error;
      last = errorText(error);
    }
    if (index + 1 < attempts) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  return { ok: false, last };
}

/**
 * The seconds a `Retry-After` header asks to wait (a number of seconds or an HTTP date), or
 * undefined when it is missing, unreadable or longer than `maxSeconds`: then waiting is no
 * option, the quota counts as spent and the lookups stop for the run, keeping what was learned.
 *
 * @param header The header's value (`response.headers.get("retry-after")`).
 * @param options The longest wait accepted (default {@linkcode MAX_RETRY_AFTER_SECONDS}) and the
 * current time (default now).
 * @returns Seconds to wait, or undefined.
 *
 * @example Usage
 * ```ts
 * import { retryAfterSeconds } from "./http_retry.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(retryAfterSeconds("3"), 3);
 * assert.equal(retryAfterSeconds("100000"), undefined); // 28 hours: stop instead
 * assert.equal(retryAfterSeconds("soon"), undefined);
 * assert.equal(retryAfterSeconds(null), undefined);
 * const now = new Date("2026-01-01T00:00:00Z");
 * assert.equal(retryAfterSeconds("Thu, 01 Jan 2026 00:00:30 GMT", { now }), 30);
 * ```
 */
export function retryAfterSeconds(
  header: string | null,
  options: { maxSeconds?: number; now?: Date } = {},
): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  let seconds: number;
  if (/^\d+$/.test(text)) seconds = Number(text);
  else {
    const at = Date.parse(text);
    if (Number.isNaN(at)) return undefined;
    seconds = Math.max(0, Math.ceil((at - (options.now ?? new Date()).getTime()) / 1000));
  }
  return seconds <= (options.maxSeconds ?? MAX_RETRY_AFTER_SECONDS) ? seconds : undefined;
}

/** Options of {@linkcode fetchBody}. */
export interface FetchBodyOptions extends RetryOptions {
  /** The largest body accepted, in bytes (see `BODY_LIMITS`). */
  limit: number;
}

/**
 * The body of a plain GET, retried on network errors, timeouts, server errors and rate limits
 * (not on other refusals or a body past the limit, which another try would only repeat).
 *
 * @param url What to fetch.
 * @param options The body's size limit, the budget, the first wait and the timeout.
 * @returns The body.
 * @throws {Error} When the server refuses, or when every attempt failed (the message says why).
 *
 * @example Usage
 * ```ts
 * import { fetchBody } from "./http_retry.ts";
 * import assert from "node:assert/strict";
 *
 * const body = await fetchBody("data:text/plain,hello", { limit: 1000 });
 * assert.equal(new TextDecoder().decode(body), "hello");
 * await assert.rejects(fetchBody("data:text/plain,hello", { limit: 3 }), /larger than/);
 * ```
 */
export async function fetchBody(
  url: string,
  options: FetchBodyOptions,
): Promise<Uint8Array<ArrayBuffer>> {
  const result = await withRetries<Uint8Array<ArrayBuffer>>(async (signal) => {
    const response = await fetch(url, { signal });
    if (response.ok) {
      try {
        return { answer: await readBody(response, options.limit) };
      } catch (error) {
        // A body past the limit would be as large on the next try.
        if (error instanceof BodyTooLargeError) return { fail: error.message };
        throw error;
      }
    }
    await response.body?.cancel();
    const status = `HTTP ${response.status}`;
    if (response.status < 500 && response.status !== 429) return { fail: status };
    return { again: status };
  }, options);
  if (!result.ok) throw new Error(result.last);
  return result.answer;
}
