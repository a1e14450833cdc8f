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
  /** Requests whose IP index has no row in the table. */
  unresolvedRequests: number;
  /** IP rows whose sealed IP is missing or whose hash does not match it. */
  damagedIps: number;
}

/**
 * Checks the IP table of `db`.
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
 * blocks.push(1, 2, 1, 0, 10, 12345, 1);
 * blocks.flush();
 * assert.deepStrictEqual(await checkIpTable(db, secrets),
 *   { requests: 2, ips: 1, labelledIps: 0, unresolvedRequests: 1, damagedIps: 0 });
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkIpTable(db: DatabaseSync, secrets: CacheSecrets): Promise<IpTableCheck> {
  const count = (sql: string) => Number((db.prepare(sql).get() as { n: number }).n);
  const sealed = await readIpTable(db, secrets);
  let damagedIps = 0;
  const rows = db.prepare("SELECT ip_index, ip_hash FROM ips").iterate() as Iterable<
    { ip_index: number; ip_hash: Uint8Array }
  >;
  for (const row of rows) {
    const ip = sealed.get(row.ip_index);
    if (ip === undefined || !sameBytes(secrets.hashIp(ip), row.ip_hash)) damagedIps++;
  }
  const indexes = new Set(
    db.prepare("SELECT ip_index FROM ips").all().map((row) => row.ip_index as number),
  );
  let unresolvedRequests = 0;
  for (const ips of readIpIndexes(db)) {
    // A client's requests come in runs: each run is looked up once.
    let last = -1;
    let resolved = true;
    for (let i = 0; i < ips.length; i++) {
      if (ips[i] !== last) resolved = indexes.has(last = ips[i]);
      if (!resolved) unresolvedRequests++;
    }
  }
  return {
    requests: countRequests(db),
    ips: count("SELECT count(*) AS n FROM ips"),
    labelledIps: count(
      "SELECT count(*) AS n FROM ip_regions WHERE ip_index IN (SELECT ip_index FROM ips)",
    ),
    unresolvedRequests,
    damagedIps,
  };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
