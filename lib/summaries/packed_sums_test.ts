import assert from "node:assert/strict";
import { CodedSums, PackedSums } from "./packed_sums.ts";

Deno.test("PackedSums sums like a Map of the same keys, past 2^32 and through growth, and sorts its keys", () => {
  let seed = 11;
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const sums = new PackedSums();
  const expected = new Map<number, [number, number, number]>();
  for (let i = 0; i < 50_000; i++) {
    // Keys as the activity scan packs them: (scope * 2^23 + day) * 32 + code.
    const key = (Math.floor(random() * 3000) * 2 ** 23 + Math.floor(random() * 40)) * 32 +
      Math.floor(random() * 24);
    const values: [number, number, number] = [
      1,
      Math.floor(random() * 1e9),
      random() < 0.5 ? 1 : 0,
    ];
    sums.add(key, ...values);
    const sum = expected.get(key) ?? [0, 0, 0];
    expected.set(key, [sum[0] + values[0], sum[1] + values[1], sum[2] + values[2]]);
  }
  assert(expected.size > 20_000, `many keys (${expected.size})`);
  assert.equal(sums.size, expected.size);
  const slots = sums.sortedSlots();
  const keys = [...expected.keys()].sort((a, b) => a - b);
  assert.deepStrictEqual([...slots].map((slot) => sums.keys[slot]), keys);
  for (const slot of slots) {
    assert.deepStrictEqual(
      [sums.a[slot], sums.b[slot], sums.c[slot]],
      expected.get(sums.keys[slot]),
    );
  }
});

Deno.test("CodedSums sums like a Map of (group, code), past 2^32 and through growth", () => {
  let seed = 5;
  const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const sums = new CodedSums(8);
  const expected = new Map<string, [number, number, number]>();
  for (let i = 0; i < 60_000; i++) {
    // Groups as the activity scan packs them: scope * 2^23 + day; codes the client kinds.
    const group = Math.floor(random() * 3000) * 2 ** 23 + Math.floor(random() * 40);
    const code = Math.floor(random() * 8);
    const values: [number, number, number] = [
      1,
      Math.floor(random() * 1e9),
      random() < 0.5 ? 1 : 0,
    ];
    sums.add(group, code, ...values);
    const sum = expected.get(`${group} ${code}`) ?? [0, 0, 0];
    expected.set(`${group} ${code}`, [sum[0] + 1, sum[1] + values[1], sum[2] + values[2]]);
  }
  const groups = new Set([...expected.keys()].map((key) => Number(key.split(" ")[0])));
  assert(groups.size > 20_000, `many groups (${groups.size})`);
  assert.equal(sums.size, groups.size);
  const slots = sums.sortedSlots();
  assert.deepStrictEqual(
    [...slots].map((slot) => sums.keys[slot]),
    [...groups].sort((a, b) => a - b),
  );
  let cells = 0;
  for (const slot of slots) {
    for (let code = 0; code < 8; code++) {
      const at = (slot * 8 + code) * 3;
      const want = expected.get(`${sums.keys[slot]} ${code}`) ?? [0, 0, 0];
      assert.deepStrictEqual([...sums.cells.subarray(at, at + 3)], want);
      if (want[0] !== 0) cells++;
    }
  }
  assert.equal(cells, expected.size);
});
