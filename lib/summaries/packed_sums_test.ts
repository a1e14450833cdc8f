import assert from "node:assert/strict";
import { PackedSums } from "./packed_sums.ts";

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
