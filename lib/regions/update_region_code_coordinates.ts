/**
 * `update_region_code_coordinates`: coordinates for every region label of the cache, for the
 * map. Known places first (the reference's overrides, cloud regions), then OpenCage, restricted
 * to the label's country (the reference asked it unconstrained, hence its growing override
 * table). Labels that name no place, or that cannot be resolved, are listed with the reason.
 *
 * @module
 */

import { BODY_LIMITS, readText } from "../http_body.ts";
import type { DatabaseSync } from "node:sqlite";
import { runCacheStep } from "../store/cache_step.ts";
import { type Coordinates, knownCoordinates } from "./known_coordinates.ts";
import { type AttemptOutcome, retryAfterSeconds, withRetries } from "../http_retry.ts";
import { stopRequested } from "../store/run_lock.ts";
import type { Environment } from "../env.ts";
import { OPENCAGE_KEY_VARIABLE, OPENCAGE_URL_VARIABLE } from "../env.ts";

/** OpenCage's geocoding endpoint. */
export const OPENCAGE_DEFAULT_URL = "https://api.opencagedata.com/geocode/v1/json";

/** Options of {@linkcode updateRegionCodeCoordinates}. */
export interface UpdateRegionCodeCoordinatesOptions {
  /** The cache directory. */
  cacheDirectory: string;
  /** Environment: `OPENCAGE_API_KEY`, `OPENCAGE_API_URL`. */
  env: Environment;
  /** Reports warnings. */
  warn: (message: string) => void;
  /** First retry delay in milliseconds, doubled each time (default 1,000). */
  retryDelayMs?: number;
  /** How long one OpenCage call may take, in milliseconds (default 30,000). */
  timeoutMs?: number;
  /**
   * Stops the lookups after the label in flight when aborted (so does
   * `s3_log_extraction stop`); what was placed stays.
   */
  signal?: AbortSignal;
}

/** What a run did. */
export interface CoordinatesResult {
  /** Labels that already had coordinates. */
  known: number;
  /** Labels placed from the built-in tables. */
  fromTables: number;
  /** Labels placed by OpenCage. */
  fromOpenCage: number;
  /** Labels without coordinates, with the reason (placeholders included). */
  unresolved: { label: string; reason: string }[];
  /** Whether the lookups stopped as asked (a signal, or `stop`) before the last label. */
  stopped: boolean;
}

type Lookup = { ok: true; at: Coordinates | undefined } | {
  ok: false;
  stop: boolean;
  message: string;
};

/** Asks OpenCage for one label; `stop` when the key is refused or the quota is spent. */
async function geocode(
  label: string,
  key: string,
  baseUrl: string,
  timing: { retryDelayMs: number; timeoutMs: number },
): Promise<Lookup> {
  const slash = label.indexOf("/");
  const country = slash === -1
    ? (/^[A-Z]{2}$/.test(label) ? label : undefined)
    : label.slice(0, slash);
  const query = slash === -1 ? label : label.slice(slash + 1);
  const url = new URL(baseUrl);
  url.searchParams.set("q", query);
  url.searchParams.set("key", key);
  url.searchParams.set("limit", "1");
  url.searchParams.set("no_annotations", "1");
  if (country !== undefined && /^[A-Z]{2}$/.test(country)) {
    url.searchParams.set("countrycode", country.toLowerCase());
  }
  const result = await withRetries<Lookup>(async (signal) => {
    const response = await fetch(url, { signal });
    return answerOf(response, await readText(response, BODY_LIMITS.opencage));
  }, { delayMs: timing.retryDelayMs, timeoutMs: timing.timeoutMs });
  if (result.ok) return result.answer;
  // A service that fails four times in a row is down: the other labels would only wait too.
  return { ok: false, stop: true, message: `OpenCage kept failing (${result.last})` };
}

/** What one OpenCage answer means: coordinates, none, a reason to stop, or to try again. */
function answerOf(response: Response, text: string): AttemptOutcome<Lookup> {
  if (response.status === 401 || response.status === 403) {
    const message = `OpenCage refused the key (HTTP ${response.status})`;
    return { answer: { ok: false, stop: true, message } };
  }
  if (response.status === 402) {
    return { answer: { ok: false, stop: true, message: "OpenCage's quota is used up (HTTP 402)" } };
  }
  if (response.status === 429) {
    // No wait, an unreadable one or one of hours: the quota counts as spent for the run.
    const after = retryAfterSeconds(response.headers.get("retry-after"));
    if (after === undefined) {
      const message = "OpenCage's rate limit is reached (HTTP 429)";
      return { answer: { ok: false, stop: true, message } };
    }
    return { again: "HTTP 429", waitMs: after * 1000 };
  }
  if (!response.ok) return { again: `HTTP ${response.status}` };
  const results = JSON.parse(text).results;
  const geometry = Array.isArray(results) ? results[0]?.geometry : undefined;
  if (typeof geometry?.lat === "number" && typeof geometry?.lng === "number") {
    return { answer: { ok: true, at: [geometry.lat, geometry.lng] } };
  }
  return { answer: { ok: true, at: undefined } };
}

function store(db: DatabaseSync, label: string, at: Coordinates, source: string): void {
  db.prepare(
    "INSERT OR REPLACE INTO region_coordinates (label, latitude, longitude, source, updated_at) VALUES (?, ?, ?, ?, ?)",
  ).run(label, at[0], at[1], source, new Date().toISOString());
}

/**
 * Gives every region label of the cache coordinates it can.
 *
 * @param options The cache, the environment (OpenCage key and URL), warnings and the stop signal.
 * @returns How many labels got coordinates, from which source, and how many are left.
 * A stop asked for ends the lookups: the result says so.
 * @throws {OperatorError} When the cache cannot be opened or is locked by another run, the password
 * does not match the cache, or the disk fails; the message says what to do.
 *
 * @example With nothing extracted
 * ```ts
 * import { updateRegionCodeCoordinates } from "./update_region_code_coordinates.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * await assert.rejects(
 *   () => updateRegionCodeCoordinates({ cacheDirectory, env: new Map(), warn: () => {} }),
 *   /holds no extraction yet/,
 * );
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function updateRegionCodeCoordinates(
  options: UpdateRegionCodeCoordinatesOptions,
): Promise<CoordinatesResult> {
  return await runCacheStep(
    options.cacheDirectory,
    "update_region_code_coordinates",
    "place the regions of",
    async (db) => {
      const labels = (db.prepare(
        `SELECT DISTINCT label FROM ip_regions
      WHERE label NOT IN (SELECT label FROM region_coordinates) ORDER BY label`,
      ).all() as { label: string }[]).map((row) => row.label);
      const summary: CoordinatesResult = {
        known:
          (db.prepare("SELECT count(*) AS n FROM region_coordinates").get() as { n: number }).n,
        fromTables: 0,
        fromOpenCage: 0,
        unresolved: [],
        stopped: false,
      };
      const key = options.env.get(OPENCAGE_KEY_VARIABLE);
      let stopped: string | undefined = key ? undefined : `${OPENCAGE_KEY_VARIABLE} is not set`;
      for (const label of labels) {
        const known = knownCoordinates(label);
        if (known === null) {
          summary.unresolved.push({ label, reason: "not a place" });
        } else if (known !== undefined) {
          store(db, label, known, "table");
          summary.fromTables++;
        } else if (/^(AWS|GCP|GitHub|VPN)\//.test(label)) {
          summary.unresolved.push({
            label,
            reason: "a cloud or service region this version does not know",
          });
        } else {
          if (
            stopped === undefined &&
            await stopRequested(options.cacheDirectory, { signal: options.signal })
          ) {
            summary.stopped = true;
            stopped = "stopped as asked; run again to place it";
          }
          if (stopped !== undefined) {
            summary.unresolved.push({ label, reason: `not looked up: ${stopped}` });
            continue;
          }
          const answer = await geocode(
            label,
            key!,
            options.env.get(OPENCAGE_URL_VARIABLE) || OPENCAGE_DEFAULT_URL,
            { retryDelayMs: options.retryDelayMs ?? 1000, timeoutMs: options.timeoutMs ?? 30_000 },
          );
          if (answer.ok && answer.at !== undefined) {
            store(db, label, answer.at, "opencage");
            summary.fromOpenCage++;
          } else if (answer.ok) {
            summary.unresolved.push({ label, reason: "OpenCage found no place" });
          } else {
            summary.unresolved.push({ label, reason: answer.message });
            if (answer.stop) stopped = answer.message;
          }
        }
      }
      if (
        stopped !== undefined && !summary.stopped &&
        summary.unresolved.some((u) => u.reason.startsWith("not looked up"))
      ) {
        options.warn(
          `warning: some regions were not placed: ${stopped}. Set ${OPENCAGE_KEY_VARIABLE} (or wait for ` +
            "the quota) and run update_region_code_coordinates again.",
        );
      }
      return summary;
    },
  );
}
