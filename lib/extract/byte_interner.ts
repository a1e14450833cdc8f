/**
 * A hash table from byte ranges to small integer ids, so that a parser decodes each distinct
 * object key or IP once per piece instead of once per line.
 *
 * @module
 */

const EMPTY = 0;
const DECODER = new TextDecoder("utf-8", { fatal: true });

/**
 * Interns byte ranges: equal bytes get the same id (0, 1, 2, …) and the decoded string is kept
 * in {@linkcode ByteInterner.values}. Bytes that are not valid UTF-8 get id -1.
 *
 * @example Usage
 * ```ts
 * import { ByteInterner } from "./byte_interner.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = new TextEncoder().encode("a/b c/d a/b");
 * const interner = new ByteInterner();
 * assert.deepStrictEqual(interner.intern(bytes, 0, 3), 0);
 * assert.deepStrictEqual(interner.intern(bytes, 4, 7), 1);
 * assert.deepStrictEqual(interner.intern(bytes, 8, 11), 0);
 * assert.deepStrictEqual(interner.values, ["a/b", "c/d"]);
 * ```
 */
export class ByteInterner {
  /** The decoded strings, indexed by id. */
  values: string[] = [];
  #slots = new Int32Array(256); // id + 1, or EMPTY
  #hashes: number[] = [];
  #starts: number[] = [];
  #arena = new Uint8Array(2048);
  #arenaUsed = 0;

  /** The id of `buf[start..end)`, adding it when new; -1 if it is not valid UTF-8. */
  intern(buf: Uint8Array, start: number, end: number): number {
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i], 0x01000193);
    hash >>>= 0;
    const mask = this.#slots.length - 1;
    let slot = hash & mask;
    const length = end - start;
    for (;;) {
      const entry = this.#slots[slot];
      if (entry === EMPTY) break;
      const id = entry - 1;
      if (this.#hashes[id] === hash && this.#equals(id, buf, start, length)) return id;
      slot = (slot + 1) & mask;
    }
    let value: string;
    try {
      value = DECODER.decode(buf.subarray(start, end));
    } catch {
      return -1;
    }
    const id = this.values.length;
    this.values.push(value);
    this.#hashes.push(hash);
    this.#store(buf, start, end);
    this.#slots[slot] = id + 1;
    if ((id + 1) * 2 > this.#slots.length) this.#grow();
    return id;
  }

  #equals(id: number, buf: Uint8Array, start: number, length: number): boolean {
    const from = this.#starts[id];
    const to = id + 1 < this.#starts.length ? this.#starts[id + 1] : this.#arenaUsed;
    if (to - from !== length) return false;
    const arena = this.#arena;
    for (let i = 0; i < length; i++) if (arena[from + i] !== buf[start + i]) return false;
    return true;
  }

  #store(buf: Uint8Array, start: number, end: number): void {
    const length = end - start;
    if (this.#arenaUsed + length > this.#arena.length) {
      const bigger = new Uint8Array(Math.max(this.#arena.length * 2, this.#arenaUsed + length));
      bigger.set(this.#arena.subarray(0, this.#arenaUsed));
      this.#arena = bigger;
    }
    this.#starts.push(this.#arenaUsed);
    this.#arena.set(buf.subarray(start, end), this.#arenaUsed);
    this.#arenaUsed += length;
  }

  #grow(): void {
    const slots = new Int32Array(this.#slots.length * 2);
    const mask = slots.length - 1;
    for (let id = 0; id < this.#hashes.length; id++) {
      let slot = this.#hashes[id] & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = id + 1;
    }
    this.#slots = slots;
  }
}
