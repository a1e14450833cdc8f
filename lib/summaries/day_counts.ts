/**
 * A scope's counts per day, read where the kept counts hold them.
 *
 * @module
 */

import { type CountsTable, exactBytes } from "./counts_table.ts";
import type { Counts } from "./summary_data.ts";

/**
 * The counts per day of one scope as a read-only map, read from a day table: the table's slots
 * of the scope's days, in day order, and each count made when it is read. Over an archive's
 * history a dataset has a count a day, millions in all: a `Map` of objects held them a second
 * time, and its making was a tenth of a night.
 *
 * @example Usage
 * ```ts
 * import { CountsTable } from "./counts_table.ts";
 * import { DayCounts } from "./day_counts.ts";
 * import assert from "node:assert/strict";
 *
 * // Keys are `offset + day`: here the days 20 and 3 of the scope at offset 1000.
 * const table = new CountsTable();
 * table.add(1020, 100, 1, 0);
 * table.add(1003, 50, 0, 1);
 * table.add(2005, 1, 0, 2); // another scope's
 * const days = new DayCounts(table, Int32Array.of(1, 0), 1000);
 * assert.deepStrictEqual([...days.keys()], [3, 20]);
 * assert.deepStrictEqual(days.get(20), { bytes: 100, requests: 1, downloads: 1 });
 * assert.deepStrictEqual([days.size, days.has(5)], [2, false]);
 * ```
 */
export class DayCounts implements ReadonlyMap<number, Counts> {
  #table: CountsTable;
  #slots: Int32Array;
  #offset: number;

  /**
   * The days of `table` at `slots` (in increasing order of their keys), each key `offset` plus
   * its day. The table and the slots are read, not copied: neither may change after.
   */
  constructor(table: CountsTable, slots: Int32Array, offset: number) {
    this.#table = table;
    this.#slots = slots;
    this.#offset = offset;
  }

  /** The number of days. */
  get size(): number {
    return this.#slots.length;
  }

  /** The counts of `day`, if it has any. */
  get(day: number): Counts | undefined {
    const at = this.#find(day);
    return at < 0 ? undefined : this.#table.counts(this.#slots[at]);
  }

  /** Whether `day` has counts. */
  has(day: number): boolean {
    return this.#find(day) >= 0;
  }

  /** The days and their counts, in day order. */
  *entries(): MapIterator<[number, Counts]> {
    const { keys } = this.#table.slots;
    for (const slot of this.#slots) yield [keys[slot] - this.#offset, this.#table.counts(slot)];
  }

  /** The days, in order. */
  *keys(): MapIterator<number> {
    const { keys } = this.#table.slots;
    for (const slot of this.#slots) yield keys[slot] - this.#offset;
  }

  /** The counts, in day order. */
  *values(): MapIterator<Counts> {
    for (const slot of this.#slots) yield this.#table.counts(slot);
  }

  /** The days and their counts, in day order. */
  [Symbol.iterator](): MapIterator<[number, Counts]> {
    return this.entries();
  }

  /**
   * Calls `visit` with each day and its counts as numbers, in day order, reading the table's
   * columns (see {@linkcode forEachDay}).
   */
  forEachCount(visit: DayVisit): void {
    const slots = this.#slots;
    const n = slots.length;
    const offset = this.#offset;
    const { slots: { keys }, high, low, requests, downloads } = this.#table;
    // The slots are in key order, not in memory order: gathered column by column first, each
    // read is a cache miss the processor overlaps with the next (a row's five misses, taken
    // together with the formatting between them, were not: 0.3 s of a night).
    if (gathered.length < n * 5) gathered = new Float64Array(Math.max(n * 5, gathered.length * 2));
    const g = gathered;
    for (let i = 0; i < n; i++) g[i] = keys[slots[i]];
    for (let i = 0; i < n; i++) g[n + i] = high[slots[i]];
    for (let i = 0; i < n; i++) g[2 * n + i] = low[slots[i]];
    for (let i = 0; i < n; i++) g[3 * n + i] = requests[slots[i]];
    for (let i = 0; i < n; i++) g[4 * n + i] = downloads[slots[i]];
    for (let i = 0; i < n; i++) {
      visit(g[i] - offset, exactBytes(g[n + i], g[2 * n + i]), g[3 * n + i], g[4 * n + i]);
    }
  }

  /** Calls `visit` with each day's counts, in day order. */
  forEach(visit: (counts: Counts, day: number, map: ReadonlyMap<number, Counts>) => void): void {
    for (const [day, counts] of this.entries()) visit(counts, day, this);
  }

  /** Where `day` is in the slots (binary search), or -1. */
  #find(day: number): number {
    const { keys } = this.#table.slots;
    const key = day + this.#offset;
    let low = 0;
    let high = this.#slots.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const found = keys[this.#slots[middle]];
      if (found === key) return middle;
      if (found < key) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }
}

/** The columns {@linkcode DayCounts.forEachCount} gathers, reused. */
let gathered = new Float64Array(0);

/** What {@linkcode forEachDay} calls with each day: its number and its counts. */
export type DayVisit = (
  day: number,
  bytes: number | bigint,
  requests: number,
  downloads: number,
) => void;

/**
 * Calls `visit` with each day of `days` and its counts, in the map's order: from the table's
 * columns gathered in day order when `days` is a {@linkcode DayCounts} (a by_day.tsv has a line
 * a day, millions over a history; read an entry at a time, each row's reads were cache misses:
 * 0.48 s of a 10 million request night, 0.28 s so), else entry by entry.
 *
 * @example Usage
 * ```ts
 * import { CountsTable } from "./counts_table.ts";
 * import { DayCounts, forEachDay } from "./day_counts.ts";
 * import assert from "node:assert/strict";
 *
 * const table = new CountsTable();
 * table.add(1020, 100, 1, 0);
 * table.add(1003, 50, 0, 1);
 * const rows: number[][] = [];
 * forEachDay(new DayCounts(table, Int32Array.of(1, 0), 1000), (day, bytes, requests, downloads) => {
 *   rows.push([day, Number(bytes), requests, downloads]);
 * });
 * forEachDay(new Map([[7, { bytes: 5, requests: 2, downloads: 0 }]]), (day, bytes, requests, downloads) => {
 *   rows.push([day, Number(bytes), requests, downloads]);
 * });
 * assert.deepStrictEqual(rows, [[3, 50, 1, 0], [20, 100, 1, 1], [7, 5, 2, 0]]);
 * ```
 */
export function forEachDay(days: ReadonlyMap<number, Counts>, visit: DayVisit): void {
  if (days instanceof DayCounts) {
    days.forEachCount(visit);
    return;
  }
  for (const [day, { bytes, requests, downloads }] of days) visit(day, bytes, requests, downloads);
}
