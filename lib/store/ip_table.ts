/**
 * The IP table: every client IP gets an opaque random index. The `ips` table keeps, per index, a
 * keyed hash of the IP (to find it again without decrypting anything) and the batch of
 * `sealed_ips` whose Fernet token holds the IP. Requests hold only the index. IPs are sealed one
 * token per committed batch, not one per IP: encryption costs a call per batch, not per IP.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { CacheSecrets } from "../crypto/cache_secrets.ts";

/** How many IP → index pairs stay in memory before the map is cleared. */
const MEMORY_LIMIT = 1_000_000;

/** New IPs to insert in the transaction that uses them. */
export interface PendingIps {
  /** Index of every IP asked for. */
  indexes: Map<string, number>;
  /** New rows: index and keyed hash. */
  rows: { index: number; hash: Uint8Array }[];
  /** Fernet token of the new `[index, ip]` pairs (JSON), or undefined when there are none. */
  sealed: string | undefined;
}

/**
 * Assigns indexes to IPs. {@linkcode IpIndex.prepare} does the asynchronous work (sealing the
 * new IPs) before a transaction; {@linkcode IpIndex.insert} writes the new rows inside it.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
 * import { IpIndex, readIpTable } from "./ip_table.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const secrets = await deriveCacheSecrets({ password: "example", iterations: 1 });
 * const ipIndex = new IpIndex(db, secrets);
 * const pending = await ipIndex.prepare(["192.0.2.0", "2001:db8::1", "192.0.2.0"]);
 * assert.deepStrictEqual(pending.rows.length, 2);
 * ipIndex.insert(pending);
 * const again = await new IpIndex(db, secrets).prepare(["192.0.2.0"]);
 * assert.deepStrictEqual(again.indexes.get("192.0.2.0"), pending.indexes.get("192.0.2.0"));
 * assert.deepStrictEqual(again.rows.length, 0);
 * assert.deepStrictEqual((await readIpTable(db, secrets)).get(pending.indexes.get("2001:db8::1")!), "2001:db8::1");
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class IpIndex {
  #secrets: CacheSecrets;
  #known = new Map<string, number>();
  #byHash: StatementSync;
  #indexTaken: StatementSync;
  #insertSealed: StatementSync;
  #insert: StatementSync;

  /** Creates the index over the `ips` table of `db`. */
  constructor(db: DatabaseSync, secrets: CacheSecrets) {
    this.#secrets = secrets;
    this.#byHash = db.prepare("SELECT ip_index FROM ips WHERE ip_hash = ?");
    this.#indexTaken = db.prepare("SELECT 1 FROM ips WHERE ip_index = ?");
    this.#insertSealed = db.prepare("INSERT INTO sealed_ips (token) VALUES (?) RETURNING id");
    this.#insert = db.prepare("INSERT INTO ips (ip_index, ip_hash, sealed_id) VALUES (?, ?, ?)");
  }

  /** Finds or creates the index of each IP; new ones are sealed into one token. */
  async prepare(ips: Iterable<string>): Promise<PendingIps> {
    const indexes = new Map<string, number>();
    const rows: PendingIps["rows"] = [];
    const fresh: [number, string][] = [];
    const used = new Set<number>();
    for (const ip of ips) {
      if (indexes.has(ip)) continue;
      const known = this.#known.get(ip);
      if (known !== undefined) {
        indexes.set(ip, known);
        continue;
      }
      const hash = this.#secrets.hashIp(ip);
      const row = this.#byHash.get(hash) as { ip_index: number } | undefined;
      if (row !== undefined) {
        indexes.set(ip, row.ip_index);
        continue;
      }
      let index: number;
      do index = randomIndex(); while (
        used.has(index) || this.#indexTaken.get(index) !== undefined
      );
      used.add(index);
      indexes.set(ip, index);
      rows.push({ index, hash });
      fresh.push([index, ip]);
    }
    const sealed = fresh.length === 0
      ? undefined
      : await this.#secrets.fernet.encrypt(JSON.stringify(fresh));
    return { indexes, rows, sealed };
  }

  /** Inserts the new rows of `pending` (call inside the transaction that uses them). */
  insert(pending: PendingIps): void {
    if (pending.sealed === undefined) return;
    const { id } = this.#insertSealed.get(pending.sealed) as { id: number };
    for (const row of pending.rows) this.#insert.run(row.index, row.hash, id);
  }

  /** Remembers the indexes of `pending` once its transaction has committed. */
  remember(pending: PendingIps): void {
    if (this.#known.size + pending.indexes.size > MEMORY_LIMIT) this.#known.clear();
    for (const [ip, index] of pending.indexes) this.#known.set(ip, index);
  }
}

/**
 * Decrypts the whole IP table (with `afterSealed`, only the batches sealed after that one):
 * index → IP. Keep the result in memory only.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
 * import { readIpTable } from "./ip_table.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const secrets = await deriveCacheSecrets({ password: "example", iterations: 1 });
 * assert.deepStrictEqual((await readIpTable(db, secrets)).size, 0);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function readIpTable(
  db: DatabaseSync,
  secrets: CacheSecrets,
  afterSealed = 0,
): Promise<Map<number, string>> {
  const ips = new Map<number, string>();
  const rows = db.prepare("SELECT token FROM sealed_ips WHERE id > ? ORDER BY id")
    .all(afterSealed) as { token: string }[];
  const texts = await Promise.all(rows.map((row) => secrets.fernet.decryptText(row.token)));
  for (const text of texts) {
    for (const [index, ip] of JSON.parse(text) as [number, string][]) ips.set(index, ip);
  }
  return ips;
}

/** A random positive integer below 2^53 (exact in JavaScript and in SQLite). */
function randomIndex(): number {
  const [high, low] = crypto.getRandomValues(new Uint32Array(2));
  return (high & 0x1fffff) * 0x100000000 + low || 1;
}
