/**
 * `lib/` is grouped by stage, and each folder imports only from the folders before it (see
 * "How the code is laid out" in the README): a stage never reaches up into a later one.
 */

import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const LIB = fileURLToPath(new URL("../lib/", import.meta.url));
/** The folders in order; `.` is `lib/` itself. */
const ORDER = [
  ".",
  "crypto",
  "store",
  "extract",
  "s3",
  "regions",
  "reference",
  "summaries",
  "report",
  "cli",
];

async function* modules(folder: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(folder)) {
    const path = join(folder, entry.name);
    if (entry.isDirectory) yield* modules(path);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith("_test.ts")) yield path;
  }
}

Deno.test("every folder of lib/ imports only from itself and the folders before it", async () => {
  const wrong: string[] = [];
  const folders = new Set<string>();
  for await (const path of modules(LIB)) {
    const from = relative(LIB, dirname(path)) || ".";
    folders.add(from);
    const text = await Deno.readTextFile(path);
    // Imports of code (comments' examples are left out: they import their own module).
    const code = text.replace(/\/\*\*[\s\S]*?\*\//g, "");
    for (const match of code.matchAll(/(?:from|import\(?)\s*"(\.{1,2}\/[^"]+\.ts)"/g)) {
      const target = resolve(dirname(path), match[1]);
      if (!target.startsWith(LIB)) continue;
      const to = relative(LIB, dirname(target)) || ".";
      if (ORDER.indexOf(to) > ORDER.indexOf(from)) {
        wrong.push(`${relative(LIB, path)} imports ${relative(LIB, target)}`);
      }
    }
  }
  assert.deepStrictEqual(wrong, []);
  // Every folder is placed in the order.
  assert.deepStrictEqual([...folders].filter((f) => !ORDER.includes(f)), []);
});
