/**
 * Reading a service's `Retry-After` answer the same way in every client: how long to wait, or
 * that waiting is no option (no header, a value that is neither seconds nor an HTTP date, or a
 * wait longer than the run should sit idle): then the quota counts as spent and the lookups stop
 * for the run, keeping what was learned.
 *
 * @module
 */

/** The longest `Retry-After` a client waits for, in seconds (two minutes). */
export const MAX_RETRY_AFTER_SECONDS = 120;

/**
 * The seconds a `Retry-After` header asks to wait (a number of seconds or an HTTP date), or
 * undefined when it is missing, unreadable or longer than `maxSeconds`.
 *
 * @example Usage
 * ```ts
 * import { retryAfterSeconds } from "./retry_after.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * assertEquals(retryAfterSeconds("3"), 3);
 * assertEquals(retryAfterSeconds("100000"), undefined); // 28 hours: stop instead
 * assertEquals(retryAfterSeconds("soon"), undefined);
 * assertEquals(retryAfterSeconds(null), undefined);
 * const now = new Date("2026-01-01T00:00:00Z");
 * assertEquals(retryAfterSeconds("Thu, 01 Jan 2026 00:00:30 GMT", { now }), 30);
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
