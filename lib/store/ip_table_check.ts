/**
 * Checks the IP table of a cache: every request's IP index resolves to a row of `ips`, every
 * row's sealed IP decrypts, and its keyed hash matches (a cache mixed from two passwords or a
 * damaged table shows here). Counts only: never an IP.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import type { CacheSecrets } from "../crypto/cache_secrets.ts";
import { readIpTable } from "./ip_table.ts";
import { countRequests, readIpIndexes } from "./request_blocks.ts";

/** What the check found. */
export interface IpTableCheck {
  /** Requests stored. */
  requests: number;
  /** IPs in the table. */
  ips: number;
  /** IPs with a region label. */
  labelledIps: number;
  /** Requests whose IP index has no row in the table (of those checked). */
  unresolvedRequests: number;
  /** IP rows whose sealed IP is missing or whose hash does not match it (of those checked). */
  damagedIps: number;
  /**
   * With `sinceLastCheck`, what was checked: the requests and IP rows stored since the last
   * check that found nothing wrong. Absent when everything was checked.
   */
  since?: { requests: number; ips: number };
}

/** Options of {@linkcode checkIpTable}. */
export interface IpCheckOptions {
  /**
   * Check only the requests and IP rows stored since the last check that found nothing wrong
   * (the nightly check: rows are only ever added, so those are all that can have gone wrong
   * since); everything when there was no such check.
   *
   * @default {false}
   */
  sinceLastCheck?: boolean;
}

/** Where the last check that found nothing wrong ended: `meta.ip_check`. */
interface CheckMark {
  /** The last request block it checked. */
  block: number;
  /** The last batch of sealed IPs it checked. */
  sealed: number;
}

const MARK = "ip_check";

/**
 * Checks the IP table of `db`: every request's IP index has a row, every sealed IP decrypts and
 * its keyed hash matches. A check that finds nothing wrong notes where it ended, for
 * `sinceLastCheck`.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
 * import { IpIndex } from "./ip_table.ts";
 * import { checkIpTable } from "./ip_table_check.ts";
 * import { BlockWriter } from "./request_blocks.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const secrets = await deriveCacheSecrets({ password: "example", iterations: 1 });
 * const ipIndex = new IpIndex(db, secrets);
 * const pending = await ipIndex.prepare(["192.0.2.0"]);
 * ipIndex.insert(pending);
 * const blocks = new BlockWriter(db);
 * blocks.push(1, 1, 1, 0, 10, pending.indexes.get("192.0.2.0")!, 1);
 * blocks.flush();
 * assert.deepStrictEqual(await checkIpTable(db, secrets),
 *   { requests: 1, ips: 1, labelledIps: 0, unresolvedRequests: 0, damagedIps: 0 });
 * // A request stored since, whose IP has no row: the nightly check looks at it alone.
 * blocks.push(2, 1, 1, 0, 10, 12345, 1);
 * blocks.flush();
 * assert.deepStrictEqual(await checkIpTable(db, secrets, { sinceLastCheck: true }),
 *   { requests: 2, ips: 1, labelledIps: 0, unresolvedRequests: 1, damagedIps: 0,
 *     since: { requests: 1, ips: 0 } });
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkIpTable(
  db: DatabaseSync,
  secrets: CacheSecrets,
  options: IpCheckOptions = {},
): Promise<IpTableCheck> {
  const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
  // Where this check will end, read before it: rows stored meanwhile are the next one's.
  const end: CheckMark = {
    block: count("SELECT coalesce(max(id), 0) AS n FROM request_blocks"),
    sealed: count("SELECT coalesce(max(id), 0) AS n FROM sealed_ips"),
  };
  const mark = options.sinceLastCheck ? lastMark(db, end) : undefined;
  const from: CheckMark = mark ?? { block: 0, sealed: 0 };
  const sealed = await readIpTable(db, secrets, from.sealed);
  let damagedIps = 0;
  let checkedIps = 0;
  // Every row, or those sealed since the mark (a row naming a batch that is not there is
  // damaged either way).
  const since = mark === undefined ? [] : [mark.sealed];
  const rows = db.prepare(
    `SELECT ip_index, ip_hash FROM ips${mark === undefined ? "" : " WHERE sealed_id > ?"}`,
  ).iterate(...since) as Iterable<{ ip_index: number; ip_hash: Uint8Array }>;
  for (const row of rows) {
    checkedIps++;
    const ip = sealed.get(row.ip_index);
    if (ip === undefined || !sameBytes(secrets.hashIp(ip), row.ip_hash)) damagedIps++;
  }
  const indexes = new Set(
    db.prepare("SELECT ip_index FROM ips").all().map((row) => row.ip_index as number),
  );
  let unresolvedRequests = 0;
  let checkedRequests = 0;
  for (const ips of readIpIndexes(db, from.block)) {
    checkedRequests += ips.length;
    // A client's requests come in runs: each run is looked up once.
    let last = -1;
    let resolved = true;
    for (let i = 0; i < ips.length; i++) {
      if (ips[i] !== last) resolved = indexes.has(last = ips[i]);
      if (!resolved) unresolvedRequests++;
    }
  }
  if (unresolvedRequests === 0 && damagedIps === 0) {
    db.prepare("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)")
      .run(MARK, JSON.stringify(end));
  }
  return {
    requests: countRequests(db),
    ips: count("SELECT count(*) AS n FROM ips"),
    labelledIps: count(
      "SELECT count(*) AS n FROM ip_regions WHERE ip_index IN (SELECT ip_index FROM ips)",
    ),
    unresolvedRequests,
    damagedIps,
    ...(mark === undefined ? {} : { since: { requests: checkedRequests, ips: checkedIps } }),
  };
}

/**
 * The last clean check's end, when it can be built on: not past the blocks and batches there
 * are now (a cache restored from an older backup, or a mark from elsewhere, is checked whole).
 */
function lastMark(db: DatabaseSync, end: CheckMark): CheckMark | undefined {
  const row = db.prepare("SELECT value FROM meta WHERE name = ?").get(MARK) as
    | { value: string }
    | undefined;
  if (row === undefined) return undefined;
  try {
    const mark = JSON.parse(row.value) as CheckMark;
    const fits = (value: unknown, limit: number) =>
      Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= limit;
    return fits(mark.block, end.block) && fits(mark.sealed, end.sealed) ? mark : undefined;
  } catch {
    return undefined;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
