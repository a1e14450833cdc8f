/**
 * The one "fetch at most once a day, else use the last good copy" cache, for what the nightly
 * run downloads from elsewhere (the cloud and VPN ranges, the content-id mapping). A copy younger
 * than a day serves as is. An older one is refreshed; a source that failed within the hour is not
 * asked again (one wait and one warning per nightly run, not one per step); with a copy less than
 * a week old, one quick try is enough, since the copy serves meanwhile. Only a fetched body that
 * passes the caller's check replaces the copy, atomically.
 *
 * @module
 */

import { dirname } from "node:path";
import { errorText } from "./errors.ts";
import { fetchBody } from "./http_retry.ts";

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/** Options of {@linkcode dailyCopy}. */
export interface DailyCopyOptions<T> {
  /** Where the copy is kept (its modification time is when it was fetched). */
  path: string;
  /** The http(s) or file URL to fetch. */
  url: string;
  /** The largest body accepted, in bytes. */
  limit: number;
  /**
   * Reads a body: the value the caller uses. It throws when a fetched body is not usable (then
   * the kept copy serves instead), and is called once per copy used.
   */
  read: (bytes: Uint8Array<ArrayBuffer>) => T | Promise<T>;
  /**
   * The current time.
   *
   * @default {new Date()}
   */
  now?: Date;
  /**
   * Timeout of one fetch in milliseconds.
   *
   * @default {30000}
   */
  timeoutMs?: number;
  /**
   * Timeout of the one quick try made while a copy less than a week old is kept.
   *
   * @default {5000}
   */
  recentCopyTimeoutMs?: number;
  /**
   * Wait before a retry in milliseconds, doubled each time.
   *
   * @default {1000}
   */
  retryDelayMs?: number;
}

/**
 * What {@linkcode dailyCopy} found: the copy as read (undefined when there is no copy and the
 * fetch failed), when it was fetched, and why a fetch failed, if one did (the caller warns).
 */
export interface DailyCopy<T> {
  /** The copy, as `read` made it. */
  value: T | undefined;
  /** When the copy was fetched. */
  fetchedAt: Date | undefined;
  /** Why a fetch made now failed. */
  failure?: string;
}

/**
 * The copy of `url` kept at `path`, refreshed when it is a day old.
 *
 * @param options Where the copy lives, what to fetch and how to read it.
 * @returns The copy as read, its date and any failure.
 * @throws {Error} When the kept copy, the only one there is, cannot be read.
 *
 * @example Usage
 * ```ts
 * import { dailyCopy } from "./daily_copy.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const read = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
 * const options = { path: `${dir}/ranges.txt`, limit: 1000, read };
 * const copy = await dailyCopy({ ...options, url: "data:text/plain,10.0.0.0/8" });
 * assert.equal(copy.value, "10.0.0.0/8");
 * // Within the day the kept copy serves, whatever the source now says.
 * const again = await dailyCopy({ ...options, url: "data:text/plain,other" });
 * assert.equal(again.value, "10.0.0.0/8");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function dailyCopy<T>(options: DailyCopyOptions<T>): Promise<DailyCopy<T>> {
  const { path } = options;
  const now = options.now ?? new Date();
  const fetchedAt = await modified(path);
  const kept = async (): Promise<DailyCopy<T>> => ({
    value: fetchedAt === undefined ? undefined : await options.read(await Deno.readFile(path)),
    fetchedAt,
  });
  const age = fetchedAt === undefined ? Infinity : now.getTime() - fetchedAt.getTime();
  const failedAt = await modified(`${path}.failed`);
  if (age < DAY_MS || (failedAt !== undefined && now.getTime() - failedAt.getTime() < HOUR_MS)) {
    return await kept();
  }
  const recent = age < WEEK_MS;
  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    const bytes = await fetchBody(options.url, {
      limit: options.limit,
      attempts: recent ? 1 : 3,
      timeoutMs: recent ? Math.min(timeoutMs, options.recentCopyTimeoutMs ?? 5_000) : timeoutMs,
      delayMs: options.retryDelayMs,
    });
    const value = await options.read(bytes);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeFile(`${path}.tmp`, bytes);
    await Deno.rename(`${path}.tmp`, path);
    await Deno.utime(path, now, now);
    await Deno.remove(`${path}.failed`).catch(() => {});
    return { value, fetchedAt: now };
  } catch (error) {
    await Deno.mkdir(dirname(path), { recursive: true }).catch(() => {});
    await Deno.writeFile(`${path}.failed`, new Uint8Array())
      .then(() => Deno.utime(`${path}.failed`, now, now)).catch(() => {});
    return { ...await kept(), failure: errorText(error) };
  }
}

async function modified(path: string): Promise<Date | undefined> {
  return await Deno.stat(path).then((info) => info.mtime ?? undefined, () => undefined);
}
