/**
 * `update_indexed_region_codes`: a region label for every indexed IP that has none yet: cloud
 * and service ranges first (no paid lookup), then ipinfo, one committed batch at a time, so a
 * kill loses at most the batch in flight and a quota stop keeps everything learned. Labels are
 * stored by IP index (`ip_regions`); IPs are decrypted only in memory.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { inTransaction } from "../store/cache_database.ts";
import { stopRequested } from "../store/run_lock.ts";
import { cleanLabel } from "./region_labels.ts";
import { runCacheStep } from "../store/cache_step.ts";
import type { CacheSecrets } from "../crypto/cache_secrets.ts";
import { readIpTable } from "../store/ip_table.ts";
import { GeoDatabase } from "./geo_database.ts";
import { IpRangeTable } from "./ip_range_table.ts";
import { IPINFO_DEFAULT_URL, IpinfoClient, type IpinfoClientOptions } from "./ipinfo_client.ts";
import { loadServiceRanges } from "./service_ranges.ts";
import { type Environment, IPINFO_TOKEN_VARIABLE, IPINFO_URL_VARIABLE } from "../env.ts";

/** Labels per commit when the geo database answers. */
const GEO_BATCH = 10_000;

/** Options of {@linkcode updateIndexedRegionCodes}. */
export interface UpdateIndexedRegionCodesOptions {
  /** The cache directory. */
  cacheDirectory: string;
  /** Secrets of the cache (to decrypt the IPs in memory). */
  secrets: CacheSecrets;
  /** Environment: `IPINFO_API_KEY`, `IPINFO_API_URL` and the range URLs. */
  env: Environment;
  /** Reports warnings (a range source unreachable, ipinfo skipped or stopped). */
  warn: (message: string) => void;
  /** At most this many IPs are sent to ipinfo in this run (default: no limit). */
  maxLookups?: number;
  /** IPs per ipinfo call and per commit (default 1,000, ipinfo's batch limit). */
  batchSize?: number;
  /** Client settings (tests shorten the retry delays). */
  ipinfo?: Partial<IpinfoClientOptions>;
  /** Retry delay of the range sources in milliseconds (default 1,000). */
  rangeRetryDelayMs?: number;
  /** A MaxMind DB file that answers instead of ipinfo (offline, no quota). */
  geoDatabase?: string;
  /** Aborting ends the lookups after the batch in flight (what was learned is kept). */
  signal?: AbortSignal;
}

/** What a run did (counts only: never an IP). */
export interface RegionCodesResult {
  /** IPs in the cache. */
  ips: number;
  /** IPs that had a label already. */
  alreadyLabelled: number;
  /** IPs labelled from service ranges. */
  fromRanges: number;
  /** IPs labelled by ipinfo. */
  fromIpinfo: number;
  /** IPs labelled by the geo database (`--geo-db`). */
  fromGeoDb: number;
  /** IPs still without a label (next run). */
  left: number;
  /** Why ipinfo was not asked, or stopped, if it was. */
  ipinfo?: string;
}

type Classified = { fromRanges: number; fromIpinfo: number; fromGeoDb: number; ipinfo?: string };

/**
 * Labels the IPs of `indexes`: service ranges first, then the geo database or ipinfo in batches; every batch of
 * labels is handed to `save` as soon as it is known (so a kill loses at most one batch).
 */
async function classifyIps(
  indexes: number[],
  ips: Map<number, string>,
  options: Omit<UpdateIndexedRegionCodesOptions, "secrets">,
  save: (labels: Map<number, string>, source: string) => void,
): Promise<Classified> {
  const started = Date.now() - 1000; // a stop asked from now on (file times may be rounded)
  const table = new IpRangeTable(
    await loadServiceRanges({
      cacheDirectory: options.cacheDirectory,
      env: options.env,
      warn: options.warn,
      retryDelayMs: options.rangeRetryDelayMs,
    }),
  );
  const fromRanges = new Map<number, string>();
  const rest: number[] = [];
  for (const index of indexes) {
    const ip = ips.get(index)!;
    // "-" (no client IP) needs no paid lookup: nothing can be known of it.
    const label = ip === "-" ? "unknown" : table.lookup(ip);
    if (label === undefined) rest.push(index);
    else fromRanges.set(index, label);
  }
  save(fromRanges, "ranges");
  const outcome: Classified = { fromRanges: fromRanges.size, fromIpinfo: 0, fromGeoDb: 0 };
  if (options.geoDatabase !== undefined) {
    const geo = await GeoDatabase.open(options.geoDatabase);
    outcome.ipinfo = `not used: the geo database ${geo.description} answered`;
    for (let start = 0; start < rest.length; start += GEO_BATCH) {
      const batch = rest.slice(start, start + GEO_BATCH);
      save(new Map(batch.map((index) => [index, geo.label(ips.get(index)!)])), "geo-db");
      outcome.fromGeoDb += batch.length;
    }
    return outcome;
  }
  const token = options.env.get(IPINFO_TOKEN_VARIABLE);
  if (!token) {
    outcome.ipinfo = `skipped: ${IPINFO_TOKEN_VARIABLE} is not set`;
    if (rest.length > 0) {
      options.warn(
        `warning: ${rest.length} IPs are left without a region: ${IPINFO_TOKEN_VARIABLE} is not ` +
          "set. Set it to an ipinfo token to look them up.",
      );
    }
    return outcome;
  }
  const client = new IpinfoClient({
    token,
    baseUrl: options.env.get(IPINFO_URL_VARIABLE) || IPINFO_DEFAULT_URL,
    ...options.ipinfo,
  });
  const batchSize = Math.min(options.batchSize ?? 1000, 1000);
  const budget = Math.min(rest.length, options.maxLookups ?? Infinity);
  for (let start = 0; start < budget; start += batchSize) {
    if (await stopRequested(options.cacheDirectory, { since: started, signal: options.signal })) {
      outcome.ipinfo = "stopped, as asked, after the batch in flight";
      break;
    }
    const batch = rest.slice(start, Math.min(budget, start + batchSize));
    const answer = await client.lookup(batch.map((index) => ips.get(index)!));
    if (!answer.ok) {
      outcome.ipinfo = `stopped: ${answer.message}`;
      options.warn(
        `warning: ${answer.message}; lookups stopped for this run. Everything learned is ` +
          "kept; the rest is looked up on the next run" +
          (answer.stop === "refused" ? ` (check ${IPINFO_TOKEN_VARIABLE}).` : "."),
      );
      break;
    }
    // IPs ipinfo would not answer keep no label: they are looked up again on the next run.
    const answered = batch.filter((index) => answer.labels.has(ips.get(index)!));
    save(new Map(answered.map((index) => [index, answer.labels.get(ips.get(index)!)!])), "ipinfo");
    outcome.fromIpinfo += answered.length;
  }
  return outcome;
}

function store(db: DatabaseSync, labels: Map<number, string>, source: string): void {
  const insert = db.prepare(
    "INSERT OR REPLACE INTO ip_regions (ip_index, label, source, updated_at) VALUES (?, ?, ?, ?)",
  );
  const now = new Date().toISOString();
  inTransaction(db, () => {
    for (const [index, label] of labels) insert.run(index, cleanLabel(label), source, now);
  });
}

/**
 * Labels the indexed IPs that have no label.
 *
 * @param options The cache, the secrets, the environment (tokens, range URLs), an optional geo
 * database, warnings and the stop signal.
 * @returns How many IPs were labelled, from which source, and how many are left.
 * A stop asked for ends the lookups after the batch in flight: the result says so.
 * @throws {OperatorError} When the cache cannot be opened or is locked by another run, the password
 * does not match the cache, or the disk fails; the message says what to do.
 *
 * @example With nothing extracted
 * ```ts
 * import { updateIndexedRegionCodes } from "./update_indexed_region_codes.ts";
 * import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * const secrets = await deriveCacheSecrets({ password: "example password", iterations: 1 });
 * await assert.rejects(
 *   () => updateIndexedRegionCodes({ cacheDirectory, secrets, env: new Map(), warn: () => {} }),
 *   /holds no extraction yet/,
 * );
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function updateIndexedRegionCodes(
  options: UpdateIndexedRegionCodesOptions,
): Promise<RegionCodesResult> {
  return await runCacheStep(
    options.cacheDirectory,
    "update_indexed_region_codes",
    "label the IPs of",
    async (db) => {
      const ips = await readIpTable(db, options.secrets);
      const labelled = new Set(
        (db.prepare("SELECT ip_index FROM ip_regions").all() as { ip_index: number }[]).map((r) =>
          r.ip_index
        ),
      );
      const pending = [...ips.keys()].filter((index) => !labelled.has(index)).sort((a, b) => a - b);
      const summary: RegionCodesResult = {
        ips: ips.size,
        alreadyLabelled: ips.size - pending.length,
        fromRanges: 0,
        fromIpinfo: 0,
        fromGeoDb: 0,
        left: 0,
      };

      const outcome = await classifyIps(
        pending,
        ips,
        options,
        (labels, source) => store(db, labels, source),
      );
      Object.assign(summary, outcome);
      summary.left = pending.length - summary.fromRanges - summary.fromIpinfo - summary.fromGeoDb;
      return summary;
    },
    options.secrets,
  );
}

/** What a refresh did (by IP index and label only: never an IP). */
export interface RefreshResult {
  /** Today's partition (0–89). */
  partition: number;
  /** IPs re-checked. */
  checked: number;
  /** Labels that changed: IP index, old and new label. */
  changes: { ip_index: number; old: string; new: string }[];
  /** Why ipinfo was not asked, or stopped, if it was. */
  ipinfo?: string;
}

/**
 * The reference's daily partition of the IPs to re-check: IPs sorted as strings, `ceil(n / 90)`
 * a day, partition number = Python's `date.toordinal() % 90` (0001-01-01 is day 1).
 *
 * @example The reference's example: 2026-07-01 is partition 88
 * ```ts
 * import { refreshPartition } from "./update_indexed_region_codes.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(refreshPartition(new Date("2026-07-01T12:00:00Z"), 900), { partition: 88, start: 880, end: 890 });
 * // With few IPs most days check none: 5 IPs, 1 a day, partitions 0-4 only.
 * assert.deepStrictEqual(refreshPartition(new Date("2026-07-01T12:00:00Z"), 5), { partition: 88, start: 5, end: 5 });
 * ```
 */
export function refreshPartition(
  date: Date,
  count: number,
): { partition: number; start: number; end: number } {
  const ordinal = Math.floor(date.getTime() / 86_400_000) + 719_163;
  const partition = ordinal % 90;
  const size = Math.max(1, Math.ceil(count / 90));
  const start = partition * size;
  return { partition, start: Math.min(start, count), end: Math.min(start + size, count) };
}

/**
 * `refresh_region_codes`: re-checks today's 1/90 of the labelled IPs (so every label is
 * re-checked within 90 days) and records the labels that changed. A temporary failure never
 * replaces a good label: only answers are compared, and a stopped lookup changes nothing.
 *
 * @example With nothing extracted
 * ```ts
 * import { refreshRegionCodes } from "./update_indexed_region_codes.ts";
 * import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * const secrets = await deriveCacheSecrets({ password: "example password", iterations: 1 });
 * await assert.rejects(
 *   () => refreshRegionCodes({ cacheDirectory, secrets, env: new Map(), warn: () => {} }),
 *   /holds no extraction yet/,
 * );
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function refreshRegionCodes(
  options: UpdateIndexedRegionCodesOptions & { date?: Date },
): Promise<RefreshResult> {
  return await runCacheStep(
    options.cacheDirectory,
    "refresh_region_codes",
    "refresh the regions of",
    async (db) => {
      const ips = await readIpTable(db, options.secrets);
      const current = new Map(
        (db.prepare("SELECT ip_index, label FROM ip_regions").all() as {
          ip_index: number;
          label: string;
        }[]).map((r) => [r.ip_index, r.label]),
      );
      const labelled = [...current.keys()].filter((index) => ips.has(index)).sort((a, b) => {
        const x = ips.get(a)!;
        const y = ips.get(b)!;
        return x < y ? -1 : x > y ? 1 : 0;
      });
      const { partition, start, end } = refreshPartition(
        options.date ?? new Date(),
        labelled.length,
      );
      const today = labelled.slice(start, end);
      const summary: RefreshResult = { partition, checked: today.length, changes: [] };
      const outcome = await classifyIps(today, ips, options, (labels, source) => {
        const changed = new Map<number, string>();
        for (const [index, label] of labels) {
          const old = current.get(index)!;
          // A geo database that does not know an IP is no reason to forget what was known.
          if (label === old || (source === "geo-db" && label === "unknown")) continue;
          changed.set(index, label);
          summary.changes.push({ ip_index: index, old, new: label });
        }
        store(db, changed, `refresh-${source}`);
      });
      if (outcome.ipinfo !== undefined) summary.ipinfo = outcome.ipinfo;
      return summary;
    },
    options.secrets,
  );
}
