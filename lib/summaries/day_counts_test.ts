import assert from "node:assert/strict";
import { CountsTable } from "./counts_table.ts";
import { DayCounts, forEachDay } from "./day_counts.ts";
import type { Counts } from "./summary_data.ts";

Deno.test("DayCounts reads each scope's days of a shared table as a Map of them would hold them", () => {
  let state = 5;
  const random = (n: number) => (state = (state * 48271) % 2147483647) % n;
  const SCOPE = 2 ** 23;
  const table = new CountsTable();
  const expected = new Map<number, Map<number, Counts>>();
  for (let i = 0; i < 5000; i++) {
    const scope = random(7);
    const day = random(400);
    const bytes = random(3) === 0 ? 2 ** 52 + random(1000) : random(1e6); // bytes past 2^53 too
    const download = random(2);
    table.add(scope * SCOPE + day, bytes, download, i);
    const days = expected.get(scope) ?? new Map<number, Counts>();
    expected.set(scope, days);
    const old = days.get(day) ?? { bytes: 0n, requests: 0, downloads: 0 };
    days.set(day, {
      bytes: BigInt(old.bytes) + BigInt(bytes),
      requests: old.requests + 1,
      downloads: old.downloads + download,
    });
  }
  const slots = table.slots.sortedSlots();
  const scopeOf = (slot: number) => Math.floor(table.slots.keys[slot] / SCOPE);
  for (const [scope, days] of expected) {
    const own = slots.filter((slot) => scopeOf(slot) === scope);
    const counts = new DayCounts(table, own, scope * SCOPE);
    const want = [...days].sort(([a], [b]) => a - b);
    const exact = (c: Counts): Counts => ({ ...c, bytes: BigInt(c.bytes) });
    assert.deepStrictEqual([...counts].map(([day, c]) => [day, exact(c)]), want);
    assert.deepStrictEqual([...counts.keys()], want.map(([day]) => day));
    assert.deepStrictEqual([...counts.values()].map(exact), want.map(([, c]) => c));
    const visited: number[] = [];
    counts.forEach((_, day) => visited.push(day));
    assert.deepStrictEqual(visited, want.map(([day]) => day));
    // The walk over the table's columns gives what the map gives, bytes past 2^53 exact.
    const walked: [number, Counts][] = [];
    forEachDay(counts, (day, bytes, requests, downloads) => {
      walked.push([day, { bytes: BigInt(bytes), requests, downloads }]);
    });
    assert.deepStrictEqual(walked, want);
    assert.strictEqual(counts.size, days.size);
    for (let day = -1; day <= 401; day++) {
      assert.strictEqual(counts.has(day), days.has(day), `scope ${scope}, day ${day}`);
      const c = counts.get(day);
      assert.deepStrictEqual(c === undefined ? undefined : exact(c), days.get(day));
    }
  }
});
