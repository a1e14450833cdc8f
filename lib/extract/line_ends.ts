/**
 * The newlines of a buffer, found sixteen bytes at a time by a small WebAssembly function
 * (SIMD: one compare and one bit mask per sixteen bytes), each with the last quote before it.
 * Reading lines used to cost a sixth of a parse worker's time in a JavaScript loop of four
 * bytes at a time; this finds them in about half of that, copy into the module's memory
 * included, and the quote spares the parser a second reading of each kept line's tail (the
 * check that no quote follows the User-Agent).
 *
 * The module is assembled here from its instructions (below, one per line, with the text
 * format's names): no build step, no binary file in the repository.
 *
 * @module
 */

/** Bytes of the buffer copied into the module's memory and searched at once. */
const WINDOW = 256 * 1024;
/** Where a search leaves the last quote it saw (past the 16 bytes a load may read). */
const LAST_AT = WINDOW + 64;
/** Where the newlines found are written, each with the last quote before it. */
const OUT = WINDOW + 8192;
/** The module's memory: 6 pages of 64 KiB. */
const PAGES = 6;
/** Newlines one call writes at most (then the search goes on after the last one). */
const CAPACITY = (PAGES * 65536 - OUT) / 8;

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
const LAST = 4;
const MASK = 5;
const COUNT = 6;
const SCRATCH = 7;
const QUOTE_MASK = 8;
const BELOW = 9;
const NEWLINES = 10;
const QUOTES = 11;
const BYTES = 12;
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
const I32_EQZ = [0x45];
const I32_EQ = [0x46];
const I32_LT_U = [0x49];
const I32_GE_U = [0x4f];
const I32_CLZ = [0x67];
const I32_CTZ = [0x68];
const I32_ADD = [0x6a];
const I32_SUB = [0x6b];
const I32_AND = [0x71];
const I32_SHL = [0x74];
const i32Store = (offset: number) => [0x36, 2, offset]; // align 4
const V128_LOAD = [0xfd, 0x00, 0, 0]; // align 1, offset 0
const I8X16_SPLAT = [0xfd, 0x0f];
const I8X16_EQ = [0xfd, 0x23];
const I8X16_BITMASK = [0xfd, 0x64];
/** `last = from + 31 - clz(bits)`: the highest byte of a mask, as a position. */
const highest = (bits: number) => [
  ...get(FROM),
  ...i32(31),
  ...I32_ADD,
  ...get(bits),
  ...I32_CLZ,
  ...I32_SUB,
  ...set(LAST),
];

/**
 * `scan(from, to, out, limit, last)`: writes each newline of memory `[from, to)`, with the
 * last quote before it (`last` when none was seen since `from`), as two 32-bit integers at
 * `out`, at most `limit` newlines; returns how many it wrote, and leaves the last quote seen
 * at {@linkcode LAST_AT}.
 */
const SCAN = [
  [...i32(0x0a), ...I8X16_SPLAT, ...set(NEWLINES), ...i32(0x22), ...I8X16_SPLAT, ...set(QUOTES)],
  [...BLOCK, ...LOOP], // each sixteen bytes:
  [...get(FROM), ...get(TO), ...I32_GE_U, ...brIf(1)], // done at `to`
  [...get(FROM), ...V128_LOAD, ...set(BYTES)],
  [...get(BYTES), ...get(NEWLINES), ...I8X16_EQ, ...I8X16_BITMASK, ...set(MASK)],
  [...get(BYTES), ...get(QUOTES), ...I8X16_EQ, ...I8X16_BITMASK, ...set(QUOTE_MASK)],
  [...get(TO), ...get(FROM), ...I32_SUB, ...tee(SCRATCH), ...i32(16), ...I32_LT_U, ...IF],
  [...i32(1), ...get(SCRATCH), ...I32_SHL, ...i32(1), ...I32_SUB, ...set(SCRATCH)], // the bytes
  [...get(MASK), ...get(SCRATCH), ...I32_AND, ...set(MASK)], // before `to` only
  [...get(QUOTE_MASK), ...get(SCRATCH), ...I32_AND, ...set(QUOTE_MASK), ...END],
  [...BLOCK, ...LOOP], // each newline of the sixteen bytes:
  [...get(MASK), ...I32_EQZ, ...brIf(1)],
  [...get(QUOTE_MASK), ...get(MASK), ...i32(0), ...get(MASK), ...I32_SUB, ...I32_AND], // quotes
  [...i32(1), ...I32_SUB, ...I32_AND, ...tee(BELOW), ...IF, ...highest(BELOW), ...END], // before
  [...get(OUT_AT), ...get(COUNT), ...i32(3), ...I32_SHL, ...I32_ADD, ...tee(SCRATCH)],
  [...get(FROM), ...get(MASK), ...I32_CTZ, ...I32_ADD, ...i32Store(0)], // the newline
  [...get(SCRATCH), ...get(LAST), ...i32Store(4)], // the last quote before it
  [...get(COUNT), ...i32(1), ...I32_ADD, ...tee(COUNT), ...get(LIMIT), ...I32_EQ, ...brIf(3)],
  [...get(MASK), ...get(MASK), ...i32(1), ...I32_SUB, ...I32_AND, ...set(MASK)], // next bit
  [...br(0), ...END, ...END],
  [...get(QUOTE_MASK), ...IF, ...highest(QUOTE_MASK), ...END], // the last quote of the sixteen
  [...get(FROM), ...i32(16), ...I32_ADD, ...set(FROM), ...br(0), ...END, ...END],
  [...i32(LAST_AT), ...get(LAST), ...i32Store(0), ...get(COUNT), ...END],
].flat();

/** The function's body: its locals (five i32, three v128), then its code. */
const BODY = [...vector([[5, I32], [3, V128]]), ...SCAN];

const MODULE = new Uint8Array([
  ...[0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0], // "\0asm", version 1
  // Types: (i32, i32, i32, i32, i32) -> i32. Functions: one, of that type. Memory: PAGES pages.
  // Exports: "scan" (function 0), "memory" (memory 0). Code: the body.
  ...section(1, [[0x60, ...vector([[I32], [I32], [I32], [I32], [I32]]), ...vector([[I32]])]]),
  ...section(3, [[0]]),
  ...section(5, [[0x00, ...uleb(PAGES)]]),
  ...section(7, [[...name("scan"), 0x00, 0], [...name("memory"), 0x02, 0]]),
  ...section(10, [[...uleb(BODY.length), ...BODY]]),
]);

/** The module of this thread, made at the first search. */
let module: {
  scan: (from: number, to: number, out: number, limit: number, last: number) => number;
} | undefined;
let memory: Uint8Array;
/** Pairs: a newline, the last quote before it (offsets from the window's start). */
let found: Int32Array;
let lastSeen: Int32Array;
/** The search whose window the module's memory holds. */
let owner: LineEnds | undefined;

function instance(): NonNullable<typeof module> {
  if (module === undefined) {
    const exports = new WebAssembly.Instance(new WebAssembly.Module(MODULE)).exports;
    const buffer = (exports.memory as WebAssembly.Memory).buffer;
    memory = new Uint8Array(buffer);
    found = new Int32Array(buffer, OUT, CAPACITY * 2);
    lastSeen = new Int32Array(buffer, LAST_AT, 1);
    module = exports as unknown as NonNullable<typeof module>;
  }
  return module;
}

/**
 * The newlines of one buffer, asked for in increasing order, each with the last quote before
 * it (which tells whether a line holds a quote after a given point without reading it again).
 *
 * @example Usage
 * ```ts
 * import { LineEnds } from "./line_ends.ts";
 * import assert from "node:assert/strict";
 *
 * const lines = new LineEnds(new TextEncoder().encode('ab\n"cd"\n\nef'));
 * assert.deepStrictEqual([lines.next(0), lines.lastQuote], [2, -1]);
 * assert.deepStrictEqual([lines.next(3), lines.lastQuote], [7, 6]);
 * assert.deepStrictEqual([lines.next(8), lines.lastQuote, lines.next(9)], [8, 6, -1]);
 * ```
 */
export class LineEnds {
  /**
   * The last quote before the newline `next` returned last: a position in its line, or one
   * before the line's start (-1 or a quote of an earlier line) when the line holds none.
   */
  lastQuote = -1;
  #buf: Uint8Array;
  /** Where the window searched last starts and ends in `buf`. */
  #windowStart = 0;
  #windowEnd = 0;
  /** The newlines found in the window, and the next one to give. */
  #count = 0;
  #cursor = 0;
  /** Whether the window's search stopped at `CAPACITY` newlines (more may follow). */
  #full = false;
  /** The last quote of the window (a position in `buf`, -1: none). */
  #windowLast = -1;

  /**
   * The newlines of `buf` (which must not change while they are asked for); the first call of
   * `next` starts at a line's start.
   */
  constructor(buf: Uint8Array) {
    this.#buf = buf;
  }

  /**
   * The first newline at or after `from`, or -1. `from` never decreases from call to call and
   * is a line's start (the byte after the newline before, or where the first line starts).
   */
  next(from: number): number {
    for (;;) {
      let start = from;
      let last = -1;
      if (owner === this) {
        while (this.#cursor < this.#count) {
          const at = this.#windowStart + found[this.#cursor * 2];
          if (at >= from) {
            this.lastQuote = this.#windowStart + found[this.#cursor * 2 + 1];
            return at;
          }
          this.#cursor++;
        }
        // The window is used up: search after it, or after its last newline when it had more.
        const after = this.#full
          ? this.#windowStart + found[this.#count * 2 - 2] + 1
          : this.#windowEnd;
        if (after >= from) {
          start = after;
          last = this.#full ? this.#windowStart + found[this.#count * 2 - 1] : this.#windowLast;
        }
      }
      if (start >= this.#buf.length) return -1;
      this.#search(start, last);
    }
  }

  /** Searches the window of bytes that starts at `start`, after a last quote at `last`. */
  #search(start: number, last: number): void {
    const { scan } = instance();
    const end = Math.min(this.#buf.length, start + WINDOW);
    memory.set(this.#buf.subarray(start, end), 0);
    owner = this;
    this.#windowStart = start;
    this.#windowEnd = end;
    // Offsets from the window's start: `last` stays below 0 until a quote is seen.
    this.#count = scan(0, end - start, OUT, CAPACITY, last - start);
    this.#cursor = 0;
    this.#full = this.#count === CAPACITY;
    this.#windowLast = start + lastSeen[0];
  }
}
