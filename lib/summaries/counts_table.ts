/**
 * Requests, downloads and exact byte sums per packed key, in typed arrays (no object, no `Map`
 * entry per group), with the position of each key's first request; saved and loaded as columns.
 *
 * @module
 */

import { KeySlots } from "../key_slots.ts";
import { extend } from "../typed_columns.ts";

/**
 * Byte sums are kept exact whatever their size: each accumulator is a low part and a high part
 * holding whole multiples of 2^40, both exact floats (a request sends at most 5 TiB, 2^42.3).
 */
const SPLIT = 2 ** 40;

/**
 * The whole multiples of 2^40 that a low part moves into its high part (0 while it is small):
 * with {@linkcode exactBytes}, an exact byte sum in two floats.
 *
 * @example Usage
 * ```ts
 * import { carryOf } from "./counts_table.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([carryOf(5), carryOf(2 ** 40 + 5)], [0, 2 ** 40]);
 * ```
 */
export function carryOf(low: number): number {
  return low >= SPLIT ? low - (low % SPLIT) : 0;
}

/**
 * The exact value of a `high` + `low` accumulator: a number while it is safe, else a bigint.
 *
 * @example Usage
 * ```ts
 * import { exactBytes } from "./counts_table.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([exactBytes(2 ** 40, 5), exactBytes(2 ** 53, 1)], [2 ** 40 + 5, 2n ** 53n + 1n]);
 * ```
 */
export function exactBytes(high: number, low: number): number | bigint {
  const total = high + low;
  return total <= Number.MAX_SAFE_INTEGER ? total : BigInt(high) + BigInt(low);
}

/** The columns of a {@linkcode CountsTable}, one entry per key, in the order keys came. */
export interface CountsColumns {
  /** The packed keys. */
  keys: Float64Array;
  /** Bytes below 2^40. */
  low: Float64Array;
  /** Bytes in whole multiples of 2^40. */
  high: Float64Array;
  /** Requests. */
  requests: Float64Array;
  /** Requests with status 200. */
  downloads: Float64Array;
  /** The position of the key's first request (see {@linkcode CountsTable.add}). */
  first: Float64Array;
}

/** The names of {@linkcode CountsColumns}, as saved. */
export const COUNTS_COLUMNS: readonly (keyof CountsColumns)[] = [
  "keys",
  "low",
  "high",
  "requests",
  "downloads",
  "first",
];

/**
 * Counts per packed key (a non-negative integer below 2^53). Slots are given in the order keys
 * first come, so a table loaded from its columns goes on exactly as the one that saved them.
 *
 * @example Usage
 * ```ts
 * import { CountsTable } from "./counts_table.ts";
 * import assert from "node:assert/strict";
 *
 * const table = new CountsTable();
 * table.add(7, 100, 1, 10);
 * table.add(7, 50, 0, 11);
 * const again = CountsTable.fromColumns(table.columns());
 * again.add(3, 5, 0, 12);
 * assert.deepStrictEqual(again.counts(again.slots.slot(7)), { bytes: 150, requests: 2, downloads: 1 });
 * assert.deepStrictEqual([...again.columns().first], [10, 12]);
 * ```
 */
export class CountsTable {
  /** The keys' slots. */
  slots: KeySlots = new KeySlots();
  /** Per slot: bytes below 2^40. */
  low: Float64Array = new Float64Array(1024);
  /** Per slot: bytes in whole multiples of 2^40. */
  high: Float64Array = new Float64Array(1024);
  /** Per slot: requests. */
  requests: Float64Array = new Float64Array(1024);
  /** Per slot: requests with status 200. */
  downloads: Float64Array = new Float64Array(1024);
  /** Per slot: the position of the key's first request. */
  first: Float64Array = new Float64Array(1024);
  #changedFrom = 0;

  /**
   * The first slot changed since the table was made (from its columns: the slots before it
   * hold what those columns held; for a new table, 0).
   */
  get changedFrom(): number {
    return Math.min(this.#changedFrom, this.slots.size);
  }

  /**
   * Counts `requests` requests (one unless told) of `key` at `position` (a number that grows in
   * storage order); returns the key's slot.
   */
  add(key: number, bytes: number, download: number, position: number, requests = 1): number {
    const slot = this.slots.slot(key);
    if (slot === this.low.length) this.#grow(slot + (slot >> 1));
    if (slot < this.#changedFrom) this.#changedFrom = slot;
    if (this.requests[slot] === 0) this.first[slot] = position;
    const low = this.low[slot] + bytes;
    const carry = carryOf(low);
    this.high[slot] += carry;
    this.low[slot] = low - carry;
    this.requests[slot] += requests;
    this.downloads[slot] += download;
    return slot;
  }

  /** The counts of a slot, its bytes exact. */
  counts(slot: number): { bytes: number | bigint; requests: number; downloads: number } {
    return {
      bytes: exactBytes(this.high[slot], this.low[slot]),
      requests: this.requests[slot],
      downloads: this.downloads[slot],
    };
  }

  /** The table as columns (copies, one entry per key). */
  columns(): CountsColumns {
    const n = this.slots.size;
    return {
      keys: this.slots.keys.slice(0, n),
      low: this.low.slice(0, n),
      high: this.high.slice(0, n),
      requests: this.requests.slice(0, n),
      downloads: this.downloads.slice(0, n),
      first: this.first.slice(0, n),
    };
  }

  /** A table holding what `columns` (from {@linkcode CountsTable.columns}) hold. */
  static fromColumns(columns: CountsColumns): CountsTable {
    const table = new CountsTable();
    const n = columns.keys.length;
    table.#grow(Math.max(1024, n + (n >> 3)));
    table.slots = KeySlots.of(columns.keys);
    table.low.set(columns.low);
    table.high.set(columns.high);
    table.requests.set(columns.requests);
    table.downloads.set(columns.downloads);
    table.first.set(columns.first);
    table.#changedFrom = n;
    return table;
  }

  #grow(length: number): void {
    this.low = extend(this.low, new Float64Array(length));
    this.high = extend(this.high, new Float64Array(length));
    this.requests = extend(this.requests, new Float64Array(length));
    this.downloads = extend(this.downloads, new Float64Array(length));
    this.first = extend(this.first, new Float64Array(length));
  }
}
