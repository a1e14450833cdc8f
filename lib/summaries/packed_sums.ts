/**
 * Sums of values per packed numeric key (an exact integer below 2^53, such as
 * `(dataset * DAYS + day) * 32 + code`), in typed arrays: an open-addressing table of slots, no
 * `Map` (whose entries, with keys past 2^31 stored as heap numbers, cost several times more
 * memory and time on millions of keys).
 *
 * @module
 */

/** The hash of a packed key: its low and high 32 bits mixed. */
function hashKey(key: number): number {
  const low = key >>> 0;
  const high = (key / 4294967296) >>> 0;
  const hash = Math.imul(low ^ Math.imul(high, 0x85ebca6b), 0x9e3779b1);
  return (hash ^ (hash >>> 15)) >>> 0;
}

/** A column twice as long, its values kept. */
function doubled(column: Float64Array): Float64Array {
  const bigger = new Float64Array(column.length * 2);
  bigger.set(column);
  return bigger;
}

/**
 * An index of packed keys (exact integers below 2^53): each new key gets the next slot, and
 * `keys[slot]` is its key. The tables of sums keep their columns by slot.
 *
 * @example Usage
 * ```ts
 * import { KeySlots } from "./packed_sums.ts";
 * import assert from "node:assert/strict";
 *
 * const slots = new KeySlots();
 * assert.deepStrictEqual([slots.slot(2 ** 40), slots.slot(5), slots.slot(2 ** 40)], [0, 1, 0]);
 * assert.deepStrictEqual([...slots.sortedSlots()], [1, 0]);
 * ```
 */
export class KeySlots {
  /** Each key's slot + 1 (0: empty), at its hash. */
  #table = new Int32Array(1024);
  #size = 0;
  #lastKey = -1;
  #lastSlot = -1;
  /** The key of each slot. */
  keys: Float64Array = new Float64Array(512);

  /** How many keys there are. */
  get size(): number {
    return this.#size;
  }

  /** The slot of `key` (a non-negative integer below 2^53), made when it is new. */
  slot(key: number): number {
    if (key === this.#lastKey) return this.#lastSlot;
    const mask = this.#table.length - 1;
    let at = hashKey(key) & mask;
    let slot = -1;
    for (;;) {
      const entry = this.#table[at];
      if (entry === 0) break;
      if (this.keys[entry - 1] === key) {
        slot = entry - 1;
        break;
      }
      at = (at + 1) & mask;
    }
    if (slot < 0) {
      slot = this.#size++;
      if (slot === this.keys.length) this.keys = doubled(this.keys);
      this.keys[slot] = key;
      this.#table[at] = slot + 1;
      if (this.#size * 2 > this.#table.length) this.#rehash();
    }
    this.#lastKey = key;
    this.#lastSlot = slot;
    return slot;
  }

  /** The slots in increasing order of their keys. */
  sortedSlots(): Int32Array {
    const keys = this.keys.slice(0, this.#size).sort();
    const slots = new Int32Array(keys.length);
    for (let i = 0; i < keys.length; i++) slots[i] = this.slot(keys[i]);
    return slots;
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

/**
 * Sums per key: `add(key, a, b, c)` adds to the key's three sums; `sortedSlots()` lists the
 * keys' slots in increasing key order, whose sums are `a[slot]`, `b[slot]`, `c[slot]`.
 *
 * @example Usage
 * ```ts
 * import { PackedSums } from "./packed_sums.ts";
 * import assert from "node:assert/strict";
 *
 * const sums = new PackedSums();
 * sums.add(2 ** 40 + 7, 1, 100, 0);
 * sums.add(3, 1, 5, 1);
 * sums.add(2 ** 40 + 7, 1, 50, 1);
 * const [first, second] = sums.sortedSlots();
 * assert.deepStrictEqual([sums.keys[first], sums.b[first]], [3, 5]);
 * assert.deepStrictEqual([sums.keys[second], sums.a[second], sums.b[second], sums.c[second]], [2 ** 40 + 7, 2, 150, 1]);
 * ```
 */
export class PackedSums {
  #slots = new KeySlots();
  /** The first sum of each slot. */
  a: Float64Array = new Float64Array(512);
  /** The second sum of each slot. */
  b: Float64Array = new Float64Array(512);
  /** The third sum of each slot. */
  c: Float64Array = new Float64Array(512);

  /** How many keys there are. */
  get size(): number {
    return this.#slots.size;
  }

  /** The key of each slot. */
  get keys(): Float64Array {
    return this.#slots.keys;
  }

  /** Adds `a`, `b` and `c` to the sums of `key` (a non-negative integer below 2^53). */
  add(key: number, a: number, b: number, c: number): void {
    const slot = this.#slots.slot(key);
    if (slot === this.a.length) {
      this.a = doubled(this.a);
      this.b = doubled(this.b);
      this.c = doubled(this.c);
    }
    this.a[slot] += a;
    this.b[slot] += b;
    this.c[slot] += c;
  }

  /** The slots in increasing order of their keys. */
  sortedSlots(): Int32Array {
    return this.#slots.sortedSlots();
  }
}
