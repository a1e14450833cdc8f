import assert from "node:assert/strict";
import { roundForPrivacy } from "./privacy_rounding.ts";

Deno.test("the rounding table of reference-behaviour.md §7.1", () => {
  const table: [number, number | string][] = [
    [0, "<50"],
    [1, "<50"],
    [49, "<50"],
    [50, 40],
    [55, 60],
    [60, 60],
    [70, 80],
    [90, 80],
    [100, 100],
    [110, 120],
    [123, 120],
    [130, 120],
    [150, 160],
  ];
  for (const [count, published] of table) {
    assert.deepStrictEqual(roundForPrivacy(count), published, `${count}`);
  }
  const five = { modulo: 5, minimum: 5 };
  assert.deepStrictEqual([4, 5, 7, 8].map((n) => roundForPrivacy(n, five)), ["<5", 5, 5, 10]);
  assert.deepStrictEqual([9, 3].map((n) => roundForPrivacy(n, { modulo: 10, minimum: 5 })), [
    10,
    "<5",
  ]);
});
