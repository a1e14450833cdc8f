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

/**
 * Sums of three values per packed group key and small code (`0 <= code < width`), the codes of
 * a group side by side: one key lookup per group, not per code, and one place of memory for all
 * of a group's sums (the client kinds of a dataset's day). A code's first sum counts its
 * additions (each adds at least 1 to it): 0 means the code never came.
 *
 * @example Usage
 * ```ts
 * import { CodedSums } from "./packed_sums.ts";
 * import assert from "node:assert/strict";
 *
 * const sums = new CodedSums(8);
 * sums.add(2 ** 40, 3, 1, 100, 0);
 * sums.add(7, 5, 1, 5, 1);
 * sums.add(2 ** 40, 3, 1, 50, 1);
 * const [first, second] = sums.sortedSlots();
 * assert.deepStrictEqual([sums.keys[first], sums.keys[second]], [7, 2 ** 40]);
 * const at = (second * sums.width + 3) * 3;
 * assert.deepStrictEqual([...sums.cells.subarray(at, at + 3)], [2, 150, 1]);
 * ```
 */
export class CodedSums {
  #slots = new KeySlots();
  /** How many codes a group has. */
  readonly width: number;
  /** The three sums of code `code` of slot `slot` start at `(slot * width + code) * 3`. */
  cells: Float64Array;

  /** Sums for codes `0 <= code < width`. */
  constructor(width: number) {
    this.width = width;
    this.cells = new Float64Array(512 * width * 3);
  }

  /** How many group keys there are. */
  get size(): number {
    return this.#slots.size;
  }

  /** The group key of each slot. */
  get keys(): Float64Array {
    return this.#slots.keys;
  }

  /** Adds `a` (at least 1), `b` and `c` to the sums of `code` in group `key`. */
  add(key: number, code: number, a: number, b: number, c: number): void {
    const slot = this.#slots.slot(key);
    const start = slot * this.width * 3;
    if (start === this.cells.length) {
      this.cells = extend(this.cells, new Float64Array(start * 2));
    }
    const at = start + code * 3;
    const cells = this.cells;
    cells[at] += a;
    cells[at + 1] += b;
    cells[at + 2] += c;
  }

  /** The slots in increasing order of their keys. */
  sortedSlots(): Int32Array {
    return this.#slots.sortedSlots();
  }
}
