/**
 * `update_indexed_region_codes`: a region label for every indexed IP that has none yet: cloud
 * and service ranges first (no paid lookup), then ipinfo, one committed batch at a time, so a
 * kill loses at most the batch in flight and a quota stop keeps everything learned. Labels are
 * stored by IP index (`ip_regions`); IPs are decrypted only in memory.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { verifyCachePassword } from "./cache_database.ts";
import { runCacheStep } from "./cache_step.ts";
import type { CacheSecrets } from "./cache_secrets.ts";
import type { Environment } from "./config.ts";
import { readIpTable } from "./ip_index.ts";
import { IpRangeTable } from "./ip_range_table.ts";
import {
  IPINFO_DEFAULT_URL,
  IPINFO_TOKEN_VARIABLE,
  IPINFO_URL_VARIABLE,
  IpinfoClient,
  type IpinfoClientOptions,
} from "./ipinfo_client.ts";
import { loadServiceRanges } from "./service_ranges.ts";

/** Options of {@linkcode updateRegionCodes}. */
export interface UpdateRegionCodesOptions {
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
}

/** What a run did (counts only: never an IP). */
export interface RegionCodesSummary {
  /** IPs in the cache. */
  ips: number;
  /** IPs that had a label already. */
  alreadyLabelled: number;
  /** IPs labelled from service ranges. */
  fromRanges: number;
  /** IPs labelled by ipinfo. */
  fromIpinfo: number;
  /** IPs still without a label (next run). */
  left: number;
  /** Why ipinfo was not asked, or stopped, if it was. */
  ipinfo?: string;
}

function store(db: DatabaseSync, labels: Map<number, string>, source: string): void {
  const insert = db.prepare(
    "INSERT OR REPLACE INTO ip_regions (ip_index, label, source, updated_at) VALUES (?, ?, ?, ?)",
  );
  const now = new Date().toISOString();
  db.exec("BEGIN IMMEDIATE");
  try {
    for (const [index, label] of labels) insert.run(index, label, source, now);
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}

/**
 * Labels the indexed IPs that have no label.
 *
 * @example With nothing extracted
 * ```ts
 * import { updateRegionCodes } from "./update_region_codes.ts";
 * import { deriveCacheSecrets } from "./cache_secrets.ts";
 * import { assertRejects } from "./_assert.ts";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * const secrets = await deriveCacheSecrets({ password: "example password", iterations: 1 });
 * await assertRejects(
 *   () => updateRegionCodes({ cacheDirectory, secrets, env: new Map(), warn: () => {} }),
 *   /holds no extraction yet/,
 * );
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function updateRegionCodes(
  options: UpdateRegionCodesOptions,
): Promise<RegionCodesSummary> {
  return await runCacheStep(
    options.cacheDirectory,
    "update_indexed_region_codes",
    "label the IPs of",
    async (db) => {
      await verifyCachePassword(db, options.secrets);
      const ips = await readIpTable(db, options.secrets);
      const labelled = new Set(
        (db.prepare("SELECT ip_index FROM ip_regions").all() as { ip_index: number }[]).map((r) =>
          r.ip_index
        ),
      );
      const pending = [...ips.keys()].filter((index) => !labelled.has(index)).sort((a, b) => a - b);
      const summary: RegionCodesSummary = {
        ips: ips.size,
        alreadyLabelled: ips.size - pending.length,
        fromRanges: 0,
        fromIpinfo: 0,
        left: 0,
      };

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
      for (const index of pending) {
        const ip = ips.get(index)!;
        // "-" (no client IP) needs no paid lookup: nothing can be known of it.
        const label = ip === "-" ? "unknown" : table.lookup(ip);
        if (label === undefined) rest.push(index);
        else fromRanges.set(index, label);
      }
      store(db, fromRanges, "ranges");
      summary.fromRanges = fromRanges.size;

      const token = options.env.get(IPINFO_TOKEN_VARIABLE);
      if (!token) {
        summary.ipinfo = `skipped: ${IPINFO_TOKEN_VARIABLE} is not set`;
        options.warn(
          `warning: ${rest.length} IPs are left without a region: ${IPINFO_TOKEN_VARIABLE} is not ` +
            "set. Set it to an ipinfo token to look them up.",
        );
      } else {
        const client = new IpinfoClient({
          token,
          baseUrl: options.env.get(IPINFO_URL_VARIABLE) || IPINFO_DEFAULT_URL,
          ...options.ipinfo,
        });
        const batchSize = Math.min(options.batchSize ?? 1000, 1000);
        const budget = Math.min(rest.length, options.maxLookups ?? Infinity);
        for (let start = 0; start < budget; start += batchSize) {
          const batch = rest.slice(start, Math.min(budget, start + batchSize));
          const answer = await client.lookup(batch.map((index) => ips.get(index)!));
          if (!answer.ok) {
            summary.ipinfo = `stopped: ${answer.message}`;
            options.warn(
              `warning: ${answer.message}; lookups stopped for this run. Everything learned is ` +
                "kept; the rest is looked up on the next run" +
                (answer.stop === "refused" ? ` (check ${IPINFO_TOKEN_VARIABLE}).` : "."),
            );
            break;
          }
          store(
            db,
            new Map(batch.map((index) => [index, answer.labels.get(ips.get(index)!)!])),
            "ipinfo",
          );
          summary.fromIpinfo += batch.length;
        }
      }
      summary.left = pending.length - summary.fromRanges - summary.fromIpinfo;
      return summary;
    },
  );
}
