import assert from "node:assert/strict";
import { seeded } from "../tests/_helpers.ts";
import { KeySet, KeySlots } from "./key_slots.ts";

/** Keys as the summaries pack them: small, past 2^32, near 2^53, repeated, in runs and not. */
function packedKeys(count: number): number[] {
  const random = seeded(11);
  const keys: number[] = [0, 2 ** 53 - 2, 2 ** 32, 2 ** 32 - 1];
  for (let i = 0; i < count; i++) {
    const r = random();
    const key = r < 0.3
      ? Math.floor(random() * 1000)
      : r < 0.6
      ? Math.floor(random() * 2 ** 20) * 2 ** 23 + Math.floor(random() * 4000)
      : Math.floor(random() * (2 ** 53 - 2));
    keys.push(key);
    if (random() < 0.2) keys.push(key); // the same key twice in a row
  }
  return keys;
}

Deno.test("KeySet holds exactly the keys added, through its table's growth and widening", () => {
  const set = new KeySet();
  const reference = new Set<number>();
  // Four-byte places first (every key below 2^32 − 1, the largest such too), through growth;
  // then 2^32 − 1, the first key that needs eight; then keys of every size.
  const narrow = packedKeys(100_000).map((key) => key % (2 ** 32 - 1));
  for (const key of [...narrow, 2 ** 32 - 2, 2 ** 32 - 1, ...packedKeys(200_000)]) {
    assert.strictEqual(set.add(key), !reference.has(key), `add(${key})`);
    reference.add(key);
  }
  assert.strictEqual(set.size, reference.size);
  const seen: number[] = [];
  set.forEach((key) => seen.push(key));
  assert.deepStrictEqual(seen.sort((a, b) => a - b), [...reference].sort((a, b) => a - b));
});

Deno.test("KeySlots gives each key one slot, in order of first use, and sorts them", () => {
  const slots = new KeySlots();
  const reference = new Map<number, number>();
  for (const key of packedKeys(100_000)) {
    if (!reference.has(key)) reference.set(key, reference.size);
    assert.strictEqual(slots.slot(key), reference.get(key));
  }
  assert.strictEqual(slots.size, reference.size);
  const sorted = [...reference.keys()].sort((a, b) => a - b);
  assert.deepStrictEqual([...slots.sortedSlots()], sorted.map((key) => reference.get(key)));
});

Deno.test("KeySlots sorts keys that differ only in some digits of the radix sort", () => {
  const random = seeded(7);
  const cases: [string, () => number][] = [
    ["below 2^11 (one digit)", () => Math.floor(random() * 2 ** 11)],
    ["multiples of 2^32 (the high word only)", () => Math.floor(random() * 2 ** 21) * 2 ** 32],
    ["2^32 − 1 apart", () => Math.floor(random() * 2 ** 20) * (2 ** 32 - 1)],
    [
      "a dataset and a day",
      () => Math.floor(random() * 1000) * 2 ** 23 + Math.floor(random() * 4000),
    ],
    ["up to 2^53 − 1", () => Math.floor(random() * 2 ** 53)],
  ];
  for (const [what, key] of cases) {
    const keys = new Set<number>([0]);
    while (keys.size < 2000) keys.add(key());
    if (what.startsWith("up to")) keys.add(2 ** 53 - 1);
    const order = [...keys].sort(() => random() - 0.5);
    const slots = new KeySlots();
    order.forEach((key) => slots.slot(key));
    const expected = [...order].sort((a, b) => a - b).map((key) => order.indexOf(key));
    assert.deepStrictEqual([...slots.sortedSlots()], expected, what);
  }
  assert.deepStrictEqual([...new KeySlots().sortedSlots()], []);
});

Deno.test("KeySet.has answers for the keys added, narrow or wide, through growth", () => {
  for (
    const keys of [
      [...new Set(packedKeys(50_000).map((key) => key % (2 ** 32 - 1)))],
      [...new Set(packedKeys(50_000))],
    ]
  ) {
    const set = new KeySet();
    const added = new Set<number>();
    for (const key of keys.slice(0, keys.length >> 1)) {
      set.add(key);
      added.add(key);
    }
    for (const key of keys) assert.strictEqual(set.has(key), added.has(key), `has(${key})`);
    assert.ok(added.size > 1000 && added.size < keys.length, `${added.size} of ${keys.length}`);
    assert.strictEqual(set.has(2 ** 40 + 3), added.has(2 ** 40 + 3));
  }
});

Deno.test("KeySlots.of gives keys[i] slot i, as adding them in order does, then new slots", () => {
  for (const keys of [[], [...new Set(packedKeys(60_000))]]) {
    const slots = KeySlots.of(Float64Array.from(keys));
    const added = new KeySlots();
    for (const key of keys) added.slot(key);
    assert.strictEqual(slots.size, keys.length);
    keys.forEach((key, i) => assert.strictEqual(slots.slot(key), i, `slot(${key})`));
    for (const key of packedKeys(20_000).map((key) => (key + 1) % (2 ** 53 - 2))) {
      assert.strictEqual(slots.slot(key), added.slot(key), `slot(${key})`);
    }
    assert.strictEqual(slots.size, added.size);
    assert.deepStrictEqual([...slots.sortedSlots()], [...added.sortedSlots()]);
  }
});

Deno.test("KeySlots.sortedSlots is made again after a key is added or the slots cleared", () => {
  const slots = KeySlots.of(Float64Array.of(30, 10));
  const first = slots.sortedSlots();
  assert.deepStrictEqual([...first], [1, 0]);
  assert.strictEqual(slots.sortedSlots(), first); // nothing added: the same array
  slots.slot(10); // a key it has: nothing changes
  assert.strictEqual(slots.sortedSlots(), first);
  slots.slot(20);
  assert.deepStrictEqual([...slots.sortedSlots()], [1, 2, 0]);
  slots.clear();
  assert.deepStrictEqual([...slots.sortedSlots()], []);
  slots.slot(5);
  assert.deepStrictEqual([...slots.sortedSlots()], [0]);
});

Deno.test("KeySet.intersect gives exactly the keys given that are in the set, narrow or wide", () => {
  for (const wide of [false, true]) {
    const keys = [...new Set(packedKeys(60_000).map((key) => wide ? key : key % (2 ** 32 - 1)))];
    const [third, twoThirds] = [Math.floor(keys.length / 3), Math.floor(keys.length * 2 / 3)];
    const set = new KeySet();
    for (const key of keys.slice(third)) set.add(key);
    // Some given twice, and keys of the set left out: each common key once.
    const given = Float64Array.from([
      ...keys.slice(0, twoThirds),
      ...keys.slice((third + twoThirds) >> 1, twoThirds),
    ]);
    const common: number[] = [];
    set.intersect(given).forEach((key) => common.push(key));
    assert.ok(twoThirds - third > 1000, `${keys.length} keys`);
    assert.deepStrictEqual(
      common.sort((a, b) => a - b),
      keys.slice(third, twoThirds).sort((a, b) => a - b),
    );
    assert.strictEqual(new KeySet().intersect(given).size, 0);
  }
});
