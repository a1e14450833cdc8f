import assert from "node:assert/strict";
import { comparePaths, sortByPath } from "./sort_orders.ts";

/** Random paths over an alphabet around `/`: neighbours of it, case, accents, the end of the BMP. */
function randomPaths(count: number, alphabet: string[], seed: number): string[] {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: count }, () => {
    const length = Math.floor(random() * 8);
    return Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join("");
  });
}

const PLAIN = ["/", "/", "-", ".", "0", "a", "b", "B", "_", " ", "\u00e9", "\uffff", "\u0001"];

Deno.test("sortByPath gives comparePaths' order, with and without the characters it cannot key", () => {
  for (const extra of [[], ["\u0000"], ["\ud83d\ude00", "\ud83d"]]) {
    const paths = randomPaths(3000, [...PLAIN, ...extra], 7 + extra.length);
    const ids = paths.map((_, id) => id).reverse();
    const expected = [...ids].sort((a, b) => comparePaths(paths[a], paths[b]) || a - b);
    assert.deepStrictEqual(sortByPath(ids, { path: (id) => paths[id] }), expected);
    const rank = (id: number) => id % 3 === 0 ? id % 5 : Infinity;
    const ranked = [...ids].sort((a, b) =>
      rank(a) - rank(b) || comparePaths(paths[a], paths[b]) || a - b
    );
    assert.deepStrictEqual(sortByPath(ids, { path: (id) => paths[id], rank }), ranked);
  }
});

Deno.test("sortByPath orders components before what follows them, as pathlib does", () => {
  const paths = ["a-b", "a/b", "a//b", "a", "a/", "a/b/c", "a.b/c", "ab"];
  const sorted = sortByPath(paths.map((_, id) => id), { path: (id) => paths[id] })
    .map((id) => paths[id]);
  assert.deepStrictEqual(sorted, ["a", "a/", "a//b", "a/b", "a/b/c", "a-b", "a.b/c", "ab"]);
});
