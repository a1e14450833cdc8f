/**
 * The IP table: every client IP gets an opaque random index; the table keeps a keyed hash of the
 * IP (to find it again) and the IP encrypted as a Fernet token. Requests hold only the index.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { CacheSecrets } from "./cache_secrets.ts";

/** How many IP → index pairs stay in memory before the map is cleared. */
const MEMORY_LIMIT = 1_000_000;

/** New IP rows to insert in the transaction that uses them. */
export interface PendingIps {
  /** Index of every IP asked for. */
  indexes: Map<string, number>;
  /** Rows to insert: index, keyed hash, encrypted IP. */
  rows: { index: number; hash: Uint8Array; token: string }[];
}

/**
 * Assigns indexes to IPs. {@linkcode IpIndex.prepare} does the slow, asynchronous work (hash,
 * encrypt) before a transaction; {@linkcode IpIndex.insert} writes the new rows inside it.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { deriveCacheSecrets } from "./cache_secrets.ts";
 * import { IpIndex } from "./ip_index.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const ipIndex = new IpIndex(db, await deriveCacheSecrets({ password: "example", iterations: 1 }));
 * const pending = await ipIndex.prepare(["192.0.2.0", "2001:db8::1"]);
 * ipIndex.insert(pending);
 * const again = await new IpIndex(db, await deriveCacheSecrets({ password: "example", iterations: 1 }))
 *   .prepare(["192.0.2.0"]);
 * assertEquals(again.indexes.get("192.0.2.0"), pending.indexes.get("192.0.2.0"));
 * assertEquals(again.rows.length, 0);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class IpIndex {
  #secrets: CacheSecrets;
  #known = new Map<string, number>();
  #byHash: StatementSync;
  #indexTaken: StatementSync;
  #insert: StatementSync;

  /** Creates the index over the `ips` table of `db`. */
  constructor(db: DatabaseSync, secrets: CacheSecrets) {
    this.#secrets = secrets;
    this.#byHash = db.prepare("SELECT ip_index FROM ips WHERE ip_hash = ?");
    this.#indexTaken = db.prepare("SELECT 1 FROM ips WHERE ip_index = ?");
    this.#insert = db.prepare("INSERT INTO ips (ip_index, ip_hash, ip_token) VALUES (?, ?, ?)");
  }

  /** Finds or creates the index of each IP; new ones are returned as rows to insert. */
  async prepare(ips: Iterable<string>): Promise<PendingIps> {
    const indexes = new Map<string, number>();
    const unknown: string[] = [];
    for (const ip of ips) {
      const index = this.#known.get(ip);
      if (index === undefined) unknown.push(ip);
      else indexes.set(ip, index);
    }
    const hashes = await Promise.all(unknown.map((ip) => this.#secrets.hashIp(ip)));
    const fresh: { ip: string; hash: Uint8Array }[] = [];
    const used = new Set<number>();
    for (let i = 0; i < unknown.length; i++) {
      const row = this.#byHash.get(hashes[i]) as { ip_index: number } | undefined;
      if (row === undefined) fresh.push({ ip: unknown[i], hash: hashes[i] });
      else indexes.set(unknown[i], row.ip_index);
    }
    const tokens = await Promise.all(fresh.map(({ ip }) => this.#secrets.fernet.encrypt(ip)));
    const rows = fresh.map(({ ip, hash }, i) => {
      let index: number;
      do index = randomIndex(); while (
        used.has(index) || this.#indexTaken.get(index) !== undefined
      );
      used.add(index);
      indexes.set(ip, index);
      return { index, hash, token: tokens[i] };
    });
    return { indexes, rows };
  }

  /** Inserts the new rows of `pending` (call inside the transaction that uses them). */
  insert(pending: PendingIps): void {
    for (const row of pending.rows) this.#insert.run(row.index, row.hash, row.token);
  }

  /** Remembers the indexes of `pending` once its transaction has committed. */
  remember(pending: PendingIps): void {
    if (this.#known.size + pending.indexes.size > MEMORY_LIMIT) this.#known.clear();
    for (const [ip, index] of pending.indexes) this.#known.set(ip, index);
  }
}

/** A random positive integer below 2^53 (exact in JavaScript and in SQLite). */
function randomIndex(): number {
  const [high, low] = crypto.getRandomValues(new Uint32Array(2));
  return (high & 0x1fffff) * 0x100000000 + low || 1;
}
