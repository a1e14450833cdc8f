import assert from "node:assert/strict";
import { ByteInterner } from "./byte_interner.ts";

Deno.test("equal bytes share an id across table growth", () => {
  const interner = new ByteInterner();
  const encoder = new TextEncoder();
  const words = Array.from({ length: 20000 }, (_, i) => encoder.encode(`key-${i * 7919}`));
  const ids = words.map((w) => interner.intern(w, 0, w.length));
  assert.deepStrictEqual(ids, words.map((_, i) => i));
  assert.deepStrictEqual(words.map((w) => interner.intern(w, 0, w.length)), ids);
  assert.deepStrictEqual(interner.values[5], "key-39595");
});

Deno.test("a prefix is not equal to the longer string, and invalid UTF-8 gets -1", () => {
  const interner = new ByteInterner();
  const bytes = new TextEncoder().encode("abcabcd");
  assert.deepStrictEqual(interner.intern(bytes, 0, 3), 0);
  assert.deepStrictEqual(interner.intern(bytes, 3, 7), 1);
  assert.deepStrictEqual(interner.intern(new Uint8Array([0x61, 0xff]), 0, 2), -1);
  assert.deepStrictEqual(interner.values, ["abc", "abcd"]);
});
