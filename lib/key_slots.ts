/**
 * An index of packed numeric keys (exact integers below 2^53, such as
 * `(dataset * DAYS + day) * 32 + code`) to slots, in typed arrays: an open-addressing table, no
 * `Map` (whose entries, with keys past 2^31 stored as heap numbers, cost several times more
 * memory and time on millions of keys). Tables of sums keep their columns by slot; a set of
 * keys that only counts them keeps the keys in its table itself.
 *
 * @module
 */

import { extend } from "./typed_columns.ts";

/** The hash of a packed key: its low and high 32 bits mixed. */
function hashKey(key: number): number {
  const low = key >>> 0;
  const high = (key / 4294967296) >>> 0;
  const hash = Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1);
  return (hash ^ (hash >>> 15)) >>> 0;
}

/**
 * An index of packed keys (exact integers below 2^53): each new key gets the next slot, and
 * `keys[slot]` is its key. The tables of sums keep their columns by slot.
 *
 * @example Usage
 * ```ts
 * import { KeySlots } from "./key_slots.ts";
 * import assert from "node:assert/strict";
 *
 * const slots = new KeySlots();
 * assert.deepStrictEqual([slots.slot(2 ** 40), slots.slot(5), slots.slot(2 ** 40)], [0, 1, 0]);
 * assert.deepStrictEqual([slots.find(5), slots.find(6), slots.size], [1, -1, 2]);
 * assert.deepStrictEqual([...slots.sortedSlots()], [1, 0]);
 * slots.clear();
 * assert.deepStrictEqual([slots.slot(5), slots.size], [0, 1]);
 * ```
 */
export class KeySlots {
  /** Each key's slot + 1 (0: empty), at its hash. */
  #table = new Int32Array(1024);
  #size = 0;
  #lastKey = -1;
  #lastSlot = -1;
  /** The slots in key order, once asked for, until a key is added. */
  #sorted: Int32Array | undefined;
  /** The key of each slot. */
  keys: Float64Array = new Float64Array(512);

  /**
   * The slots of distinct `keys`: key `keys[i]` at slot `i` (as adding them in that order gives
   * them), placed in the table region by region: added in their own order, each key would be
   * a cache miss in a table larger than the caches (several times slower on millions). `keys`
   * becomes the slots' {@linkcode KeySlots.keys} (not copied).
   *
   * @example Usage
   * ```ts
   * import { KeySlots } from "./key_slots.ts";
   * import assert from "node:assert/strict";
   *
   * const slots = KeySlots.of(Float64Array.of(2 ** 40, 5));
   * assert.deepStrictEqual([slots.slot(5), slots.slot(2 ** 40), slots.slot(9), slots.size], [1, 0, 2, 3]);
   * ```
   */
  static of(keys: Float64Array): KeySlots {
    const slots = new KeySlots();
    let length = slots.#table.length;
    while (length < keys.length * 2) length *= 2;
    const table = slots.#table = new Int32Array(length);
    const mask = length - 1;
    const placed = byRegion(keys, length, true);
    for (let j = 0; j < keys.length; j++) {
      let at = hashKey(placed.keys[j]) & mask;
      while (table[at] !== 0) at = (at + 1) & mask;
      table[at] = placed.indexes[j] + 1;
    }
    if (keys.length > 0) slots.keys = keys; // (an empty array could not double as it grows)
    slots.#size = keys.length;
    return slots;
  }

  /** How many keys there are. */
  get size(): number {
    return this.#size;
  }

  /** Forgets every key (the next one gets slot 0); the memory is kept for the next keys. */
  clear(): void {
    this.#table.fill(0);
    this.#size = 0;
    this.#lastKey = -1;
    this.#sorted = undefined;
  }

  /** Where `key` is in the table, or the empty place where it would go. */
  #placeOf(key: number): number {
    const table = this.#table;
    const mask = table.length - 1;
    const keys = this.keys;
    for (let at = hashKey(key) & mask;; at = (at + 1) & mask) {
      const entry = table[at];
      if (entry === 0 || keys[entry - 1] === key) return at;
    }
  }

  /** The slot of `key`, -1 when it has none (none is made). */
  find(key: number): number {
    return this.#table[this.#placeOf(key)] - 1;
  }

  /** The slot of `key` (a non-negative integer below 2^53), made when it is new. */
  slot(key: number): number {
    if (key === this.#lastKey) return this.#lastSlot;
    const at = this.#placeOf(key);
    let slot = this.#table[at] - 1;
    if (slot < 0) {
      this.#sorted = undefined;
      slot = this.#size++;
      if (slot === this.keys.length) this.keys = extend(this.keys, new Float64Array(slot * 2));
      this.keys[slot] = key;
      this.#table[at] = slot + 1;
      if (this.#size * 2 > this.#table.length) this.#rehash();
    }
    this.#lastKey = key;
    this.#lastSlot = slot;
    return slot;
  }

  /**
   * The slots in increasing order of their keys: the same array until a key is added (the day
   * tables' millions of keys are sorted once for the summaries and once more for the activity
   * files otherwise), so do not change it.
   */
  sortedSlots(): Int32Array {
    if (this.#sorted !== undefined) return this.#sorted;
    return this.#sorted = slotsByKey(this.keys, this.#size);
  }

  #rehash(): void {
    const table = new Int32Array(this.#table.length * 2);
    const mask = table.length - 1;
    for (let slot = 0; slot < this.#size; slot++) {
      let at = hashKey(this.keys[slot]) & mask;
      while (table[at] !== 0) at = (at + 1) & mask;
      table[at] = slot + 1;
    }
    this.#table = table;
  }
}

/** The radix sort's digits of a key: bits of its low 32 (word 0) and of the rest (word 1). */
const KEY_DIGITS: readonly (readonly [word: number, shift: number, bits: number])[] = [
  [0, 0, 11],
  [0, 11, 11],
  [0, 22, 10],
  [1, 0, 11],
  [1, 11, 10],
];

/**
 * The slots `0` to `n − 1` in increasing order of `keys[slot]` (distinct integers below 2^53):
 * a radix sort of the keys with their slots carried beside them, reading both in order. Sorting
 * the keys, then looking each up in the table for its slot, was a cache miss a key (0.26 s of
 * the 2 million day keys of a 10 million request night); a digit all keys share is skipped.
 */
function slotsByKey(keys: Float64Array, n: number): Int32Array {
  let order = keys.slice(0, n);
  let slots = new Int32Array(n);
  for (let slot = 0; slot < n; slot++) slots[slot] = slot;
  let nextOrder = new Float64Array(n);
  let nextSlots = new Int32Array(n);
  const starts = new Int32Array(1 << 11);
  const digits = new Uint16Array(n);
  for (const [word, shift, bits] of KEY_DIGITS) {
    const mask = (1 << bits) - 1;
    starts.fill(0);
    for (let i = 0; i < n; i++) {
      const part = word === 0 ? order[i] >>> 0 : Math.floor(order[i] / 4294967296);
      const digit = (part >>> shift) & mask;
      digits[i] = digit;
      starts[digit]++;
    }
    if (n === 0 || starts[digits[0]] === n) continue; // one digit for all: the order stands
    for (let digit = 0, at = 0; digit <= mask; digit++) {
      const count = starts[digit];
      starts[digit] = at;
      at += count;
    }
    for (let i = 0; i < n; i++) {
      const at = starts[digits[i]]++;
      nextOrder[at] = order[i];
      nextSlots[at] = slots[i];
    }
    [order, nextOrder] = [nextOrder, order];
    [slots, nextSlots] = [nextSlots, slots];
  }
  return slots;
}

/** Tables are filled region by region of 2^REGION_BITS places (32 KiB or less). */
const REGION_BITS = 12;

/**
 * `keys` (with their indexes when asked) in the order of the regions of a table of `length`
 * places (a power of two) their hashes fall in: added in that order, each key is placed near
 * the last one, not at a cache miss (a counting sort, one pass).
 */
function byRegion(
  keys: ArrayLike<number>,
  length: number,
  withIndexes = false,
): { keys: Float64Array; indexes: Int32Array } {
  const mask = length - 1;
  const shift = Math.min(REGION_BITS, Math.log2(length));
  const starts = new Int32Array((length >>> shift) + 1);
  for (let i = 0; i < keys.length; i++) starts[((hashKey(keys[i]) & mask) >>> shift) + 1]++;
  for (let r = 1; r < starts.length; r++) starts[r] += starts[r - 1];
  const ordered = new Float64Array(keys.length);
  const indexes = new Int32Array(withIndexes ? keys.length : 0);
  for (let i = 0; i < keys.length; i++) {
    const at = starts[(hashKey(keys[i]) & mask) >>> shift]++;
    ordered[at] = keys[i];
    if (withIndexes) indexes[at] = i;
  }
  return { keys: ordered, indexes };
}

/**
 * A set of packed keys (exact integers below 2^53 − 1), to count distinct ones: the keys are in
 * the hash table itself, so a lookup reads one place of memory, not a table and then a key (on
 * millions of keys, each a cache miss). Four bytes a place while every key is below 2^32 − 1,
 * eight from the first one that is not.
 *
 * @example Usage
 * ```ts
 * import { KeySet } from "./key_slots.ts";
 * import assert from "node:assert/strict";
 *
 * const set = new KeySet();
 * assert.deepStrictEqual([set.add(7), set.add(0), set.add(2 ** 40), set.add(7)], [true, true, true, false]);
 * const keys: number[] = [];
 * set.forEach((key) => keys.push(key));
 * assert.deepStrictEqual([set.size, keys.sort((a, b) => a - b)], [3, [0, 7, 2 ** 40]]);
 * assert.deepStrictEqual([set.has(2 ** 40), set.has(8)], [true, false]);
 * ```
 */
export class KeySet {
  /** Each key + 1 (0: empty), at its hash. */
  #table: Uint32Array | Float64Array = new Uint32Array(1024);
  #size = 0;
  #lastKey = -1;

  /** How many keys there are. */
  get size(): number {
    return this.#size;
  }

  /** Adds `key` (a non-negative integer below 2^53 − 1); true when it was not there. */
  add(key: number): boolean {
    if (key === this.#lastKey) return false;
    this.#lastKey = key;
    const stored = key + 1;
    if (stored > 0xffffffff && this.#table instanceof Uint32Array) {
      this.#rehash(new Float64Array(this.#table.length));
    }
    const table = this.#table;
    const at = this.#placeOf(stored);
    if (table[at] === stored) return false;
    table[at] = stored;
    // Three quarters full at most: probes stay short, as neighbours share a cache line.
    if (++this.#size * 4 > table.length * 3) {
      const length = table.length * 2;
      this.#rehash(
        table instanceof Uint32Array ? new Uint32Array(length) : new Float64Array(length),
      );
    }
    return true;
  }

  /** Whether `key` was added. */
  has(key: number): boolean {
    return this.#table[this.#placeOf(key + 1)] !== 0;
  }

  /** Where `stored` (a key + 1) is in the table, or the empty place where it would go. */
  #placeOf(stored: number): number {
    const table = this.#table;
    const mask = table.length - 1;
    for (let at = hashKey(stored - 1) & mask;; at = (at + 1) & mask) {
      const entry = table[at];
      if (entry === 0 || entry === stored) return at;
    }
  }

  /**
   * The keys of `keys` that are in this set, as a set of their own. One pass over `keys`
   * through a filter of 16 bits a key of this set (a miss there is certain, and the filter
   * is several times smaller than the table): 5.3 million keys against a set of 0.8 million
   * (a third of them there), 270 ms with a lookup each, 167 ms so.
   *
   * @example Usage
   * ```ts
   * import { KeySet } from "./key_slots.ts";
   * import assert from "node:assert/strict";
   *
   * const set = new KeySet();
   * [3, 2 ** 40, 9].forEach((key) => set.add(key));
   * const common: number[] = [];
   * set.intersect([1, 9, 2 ** 40, 4, 9]).forEach((key) => common.push(key));
   * assert.deepStrictEqual(common.sort((a, b) => a - b), [9, 2 ** 40]);
   * ```
   */
  intersect(keys: ArrayLike<number>): KeySet {
    const table = this.#table;
    let bits = 1024;
    while (bits < this.#size * 16) bits *= 2;
    const mask = bits - 1;
    const filter = new Int32Array(bits >>> 5);
    for (let at = 0; at < table.length; at++) {
      if (table[at] === 0) continue;
      const bit = hashKey(table[at] - 1) & mask;
      filter[bit >>> 5] |= 1 << (bit & 31);
    }
    const found = new KeySet();
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const bit = hashKey(key) & mask;
      if ((filter[bit >>> 5] & (1 << (bit & 31))) !== 0 && this.has(key)) found.add(key);
    }
    return found;
  }

  /** Calls `visit` with each key, in no particular order. */
  forEach(visit: (key: number) => void): void {
    const table = this.#table;
    for (let at = 0; at < table.length; at++) if (table[at] !== 0) visit(table[at] - 1);
  }

  /** Moves the keys into `table` (empty, a power of two long). */
  #rehash(table: Uint32Array | Float64Array): void {
    const old = this.#table;
    const mask = table.length - 1;
    for (let i = 0; i < old.length; i++) {
      const stored = old[i];
      if (stored === 0) continue;
      let at = hashKey(stored - 1) & mask;
      while (table[at] !== 0) at = (at + 1) & mask;
      table[at] = stored;
    }
    this.#table = table;
  }
}
