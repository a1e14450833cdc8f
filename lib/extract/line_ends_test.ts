import assert from "node:assert/strict";
import { LineEnds } from "./line_ends.ts";

/** Every newline of `buf`, by `indexOf` (the reader this is checked against). */
function newlines(buf: Uint8Array): number[] {
  const found: number[] = [];
  for (let p = buf.indexOf(10); p !== -1; p = buf.indexOf(10, p + 1)) found.push(p);
  return found;
}

function everyLineEnd(lines: LineEnds): number[] {
  const found: number[] = [];
  for (let p = lines.next(0); p !== -1; p = lines.next(p + 1)) found.push(p);
  return found;
}

/** A deterministic buffer of `length` bytes where about one byte in `every` is a newline. */
function randomBuffer(length: number, every: number, seed: number): Uint8Array {
  let state = seed;
  const buf = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    buf[i] = state % every === 0 ? 10 : 0x20 + (state >>> 24) % 90;
  }
  return buf;
}

Deno.test("LineEnds finds the newlines indexOf finds, at every density and alignment", () => {
  for (const [length, every] of [[0, 1], [1, 1], [15, 3], [17, 500], [1000, 1], [700_000, 600]]) {
    const buf = randomBuffer(length + 3, every, length + every);
    for (let offset = 0; offset < 3; offset++) {
      const view = buf.subarray(offset, offset + length);
      assert.deepStrictEqual(everyLineEnd(new LineEnds(view)), newlines(view), `${length}`);
    }
  }
});

Deno.test("LineEnds goes on past a window holding more newlines than one search writes", () => {
  // 600,000 newlines: more than one window's search writes at once, over three windows.
  const buf = new Uint8Array(600_000).fill(10);
  buf[300_000] = 0x41;
  const found = everyLineEnd(new LineEnds(buf));
  assert.deepStrictEqual([found.length, found.includes(300_000)], [599_999, false]);
  assert.deepStrictEqual(found, newlines(buf));
});

Deno.test("LineEnds never reports bytes past its buffer's end, left by an earlier search", () => {
  // The module's memory still holds the newlines of the first buffer past the second's end.
  everyLineEnd(new LineEnds(new Uint8Array(64).fill(10)));
  const short = new TextEncoder().encode("no newline here");
  assert.deepStrictEqual(new LineEnds(short).next(0), -1);
  assert.deepStrictEqual(everyLineEnd(new LineEnds(new TextEncoder().encode("a\nb"))), [1]);
});

Deno.test("LineEnds searches interleaved with another buffer's stay right", () => {
  const first = randomBuffer(600_000, 40, 1);
  const second = randomBuffer(600_000, 70, 2);
  const a = new LineEnds(first);
  const b = new LineEnds(second);
  const foundA: number[] = [];
  const foundB: number[] = [];
  let pa = a.next(0);
  let pb = b.next(0);
  while (pa !== -1 || pb !== -1) {
    if (pa !== -1) {
      foundA.push(pa);
      pa = a.next(pa + 1);
    }
    if (pb !== -1) {
      foundB.push(pb);
      pb = b.next(pb + 1);
    }
  }
  assert.deepStrictEqual([foundA, foundB], [newlines(first), newlines(second)]);
});

Deno.test("LineEnds skips ahead when asked from further on", () => {
  const buf = randomBuffer(900_000, 100, 3);
  const all = newlines(buf);
  const lines = new LineEnds(buf);
  for (const from of [0, 10, 500_000, 500_001, 899_000]) {
    assert.deepStrictEqual(lines.next(from), all.find((p) => p >= from) ?? -1, `${from}`);
  }
});

/** Each line's last quote, by `lastIndexOf` (-1: none), beside the one `LineEnds` gave. */
function lastQuotes(buf: Uint8Array, lines: LineEnds): [number, number][] {
  const pairs: [number, number][] = [];
  let start = 0;
  for (let p = lines.next(0); p !== -1; p = lines.next(p + 1)) {
    const own = buf.subarray(start, p).lastIndexOf(0x22);
    pairs.push([own === -1 ? -1 : start + own, lines.lastQuote < start ? -1 : lines.lastQuote]);
    start = p + 1;
  }
  return pairs;
}

Deno.test("LineEnds gives each line's last quote, across windows and searches", () => {
  for (const [length, every] of [[40, 3], [5_000, 7], [700_000, 40], [700_000, 2]]) {
    const buf = randomBuffer(length, every, length);
    // Quotes at every fourth place a newline is not.
    for (let i = 0; i < buf.length; i += 5) if (buf[i] !== 10 && i % 3 === 0) buf[i] = 0x22;
    const pairs = lastQuotes(buf, new LineEnds(buf));
    assert.deepStrictEqual(pairs.map(([own]) => own), pairs.map(([, given]) => given));
    assert.ok(pairs.some(([own]) => own !== -1) && pairs.some(([own]) => own === -1));
  }
  // A line longer than a window whose only quote is in the first window.
  const long = new Uint8Array(600_000).fill(0x41);
  long[10] = 0x22;
  long[599_999] = 10;
  assert.deepStrictEqual(lastQuotes(long, new LineEnds(long)), [[10, 10]]);
});
