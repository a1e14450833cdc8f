/**
 * Sums of three values per packed numeric key (see `key_slots.ts`), in typed arrays.
 *
 * @module
 */

import { KeySlots } from "../key_slots.ts";
import { extend } from "../typed_columns.ts";

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
      this.a = extend(this.a, new Float64Array(slot * 2));
      this.b = extend(this.b, new Float64Array(slot * 2));
      this.c = extend(this.c, new Float64Array(slot * 2));
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
