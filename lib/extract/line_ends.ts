/**
 * The newlines of a buffer, found sixteen bytes at a time by a small WebAssembly function
 * (SIMD: one compare and one bit mask per sixteen bytes). Reading lines used to cost a sixth
 * of a parse worker's time in a JavaScript loop of four bytes at a time; this finds them in
 * about a third of that, copy into the module's memory included.
 *
 * The module is assembled here from its instructions (below, one per line, with the text
 * format's names): no build step, no binary file in the repository.
 *
 * @module
 */

/** Bytes of the buffer copied into the module's memory and searched at once. */
const WINDOW = 256 * 1024;
/** Where the newlines found are written (after the window and 16 bytes a load may overrun). */
const OUT = WINDOW + 8192;
/** The module's memory: 6 pages of 64 KiB. */
const PAGES = 6;
/** Newlines one call writes at most (then the search goes on after the last one). */
const CAPACITY = (PAGES * 65536 - OUT) / 4;

/** Unsigned LEB128. */
function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 (of small constants). */
function sleb(value: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, items: number[][]): number[] {
  const body = vector(items);
  return [id, ...uleb(body.length), ...body];
}

function name(text: string): number[] {
  return vector([...text].map((char) => [char.charCodeAt(0)]));
}

const I32 = 0x7f;
const V128 = 0x7b;
// Parameters, then locals.
const FROM = 0;
const TO = 1;
const OUT_AT = 2;
const LIMIT = 3;
const MASK = 4;
const COUNT = 5;
const LEFT = 6;
const NEWLINES = 7;
// Instructions (the text format's names), with their immediates.
const get = (index: number) => [0x20, index];
const set = (index: number) => [0x21, index];
const tee = (index: number) => [0x22, index];
const i32 = (value: number) => [0x41, ...sleb(value)];
const BLOCK = [0x02, 0x40];
const LOOP = [0x03, 0x40];
const IF = [0x04, 0x40];
const END = [0x0b];
const br = (depth: number) => [0x0c, depth];
const brIf = (depth: number) => [0x0d, depth];
const RETURN = [0x0f];
const I32_EQZ = [0x45];
const I32_EQ = [0x46];
const I32_LT_U = [0x49];
const I32_GE_U = [0x4f];
const I32_CTZ = [0x68];
const I32_ADD = [0x6a];
const I32_SUB = [0x6b];
const I32_AND = [0x71];
const I32_SHL = [0x74];
const I32_STORE = [0x36, 2, 0]; // align 4, offset 0
const V128_LOAD = [0xfd, 0x00, 0, 0]; // align 1, offset 0
const I8X16_SPLAT = [0xfd, 0x0f];
const I8X16_EQ = [0xfd, 0x23];
const I8X16_BITMASK = [0xfd, 0x64];

/**
 * `scan(from, to, out, limit)`: writes the offsets of the newlines of memory `[from, to)` as
 * 32-bit integers at `out`, at most `limit` of them; returns how many it wrote.
 */
const SCAN = [
  [...i32(0x0a), ...I8X16_SPLAT, ...set(NEWLINES)], // sixteen newlines
  [...BLOCK, ...LOOP], // each sixteen bytes:
  [...get(FROM), ...get(TO), ...I32_GE_U, ...brIf(1)], // done at `to`
  [...get(FROM), ...V128_LOAD, ...get(NEWLINES), ...I8X16_EQ, ...I8X16_BITMASK, ...set(MASK)],
  [...get(TO), ...get(FROM), ...I32_SUB, ...tee(LEFT), ...i32(16), ...I32_LT_U, ...IF],
  [...get(MASK), ...i32(1), ...get(LEFT), ...I32_SHL, ...i32(1), ...I32_SUB, ...I32_AND], // bytes
  [...set(MASK), ...END], // past `to` masked off
  [...BLOCK, ...LOOP], // each bit of the mask:
  [...get(MASK), ...I32_EQZ, ...brIf(1)],
  [...get(OUT_AT), ...get(COUNT), ...i32(2), ...I32_SHL, ...I32_ADD], // out + count * 4
  [...get(FROM), ...get(MASK), ...I32_CTZ, ...I32_ADD, ...I32_STORE], // = from + ctz(mask)
  [...get(COUNT), ...i32(1), ...I32_ADD, ...tee(COUNT), ...get(LIMIT), ...I32_EQ, ...IF],
  [...get(COUNT), ...RETURN, ...END], // the limit reached
  [...get(MASK), ...get(MASK), ...i32(1), ...I32_SUB, ...I32_AND, ...set(MASK)], // next bit
  [...br(0), ...END, ...END],
  [...get(FROM), ...i32(16), ...I32_ADD, ...set(FROM), ...br(0), ...END, ...END],
  [...get(COUNT), ...END],
].flat();

/** The function's body: its locals (three i32, one v128), then its code. */
const BODY = [...vector([[3, I32], [1, V128]]), ...SCAN];

const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0], // "\0asm", version 1
  // Types: (i32, i32, i32, i32) -> i32. Functions: one, of that type. Memory: PAGES pages.
  // Exports: "scan" (function 0), "memory" (memory 0). Code: the body.
  ...section(1, [[0x60, ...vector([[I32], [I32], [I32], [I32]]), ...vector([[I32]])]]),
  ...section(3, [[0]]),
  ...section(5, [[0x00, ...uleb(PAGES)]]),
  ...section(7, [[...name("scan"), 0x00, 0], [...name("memory"), 0x02, 0]]),
  ...section(10, [[...uleb(BODY.length), ...BODY]]),
]);

/** The module of this thread, made at the first search. */
let module: { scan: (from: number, to: number, out: number, limit: number) => number } | undefined;
let memory: Uint8Array;
let found: Int32Array;
/** The search whose window the module's memory holds. */
let owner: LineEnds | undefined;

function instance(): NonNullable<typeof module> {
  if (module === undefined) {
    const exports = new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports;
    const buffer = (exports.memory as WebAssembly.Memory).buffer;
    memory = new Uint8Array(buffer);
    found = new Int32Array(buffer, OUT, CAPACITY);
    module = exports as unknown as NonNullable<typeof module>;
  }
  return module;
}

/**
 * The newlines of one buffer, asked for in increasing order.
 *
 * @example Usage
 * ```ts
 * import { LineEnds } from "./line_ends.ts";
 * import assert from "node:assert/strict";
 *
 * const lines = new LineEnds(new TextEncoder().encode("ab\ncd\n\nef"));
 * assert.deepStrictEqual([lines.next(0), lines.next(3), lines.next(6), lines.next(7)], [2, 5, 6, -1]);
 * ```
 */
export class LineEnds {
  #buf: Uint8Array;
  /** Where the window searched last starts and ends in `buf`. */
  #windowStart = 0;
  #windowEnd = 0;
  /** The newlines found in the window (offsets from its start), and the next one to give. */
  #count = 0;
  #cursor = 0;
  /** Whether the window's search stopped at `CAPACITY` newlines (more may follow). */
  #full = false;

  /** The newlines of `buf` (which must not change while they are asked for). */
  constructor(buf: Uint8Array) {
    this.#buf = buf;
  }

  /** The first newline at or after `from`, or -1 (`from` never decreases from call to call). */
  next(from: number): number {
    for (;;) {
      let start = from;
      if (owner === this) {
        while (this.#cursor < this.#count) {
          const at = this.#windowStart + found[this.#cursor];
          if (at >= from) return at;
          this.#cursor++;
        }
        // The window is used up: search after it, or after its last newline when it had more.
        const after = this.#full ? this.#windowStart + found[this.#count - 1] + 1 : this.#windowEnd;
        start = Math.max(from, after);
      }
      if (start >= this.#buf.length) return -1;
      this.#search(start);
    }
  }

  /** Searches the window of bytes that starts at `start`. */
  #search(start: number): void {
    const { scan } = instance();
    const end = Math.min(this.#buf.length, start + WINDOW);
    memory.set(this.#buf.subarray(start, end), 0);
    owner = this;
    this.#windowStart = start;
    this.#windowEnd = end;
    this.#count = scan(0, end - start, OUT, CAPACITY);
    this.#cursor = 0;
    this.#full = this.#count === CAPACITY;
  }
}
