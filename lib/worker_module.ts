/**
 * Where a Web Worker's module is.
 *
 * @module
 */

/**
 * The URL of the worker module `name` beside the module at `base` (its `import.meta.url`): the
 * `.ts` file in the sources (and in a compiled binary, which keeps them), the `.js` file beside
 * the one-file bundle of `deno task bundle` (whose modules all have the bundle's URL).
 *
 * @example Usage
 * ```ts
 * import { workerModule } from "./worker_module.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(workerModule("file:///src/lib/a.ts", "b"), "file:///src/lib/b.ts");
 * assert.deepStrictEqual(workerModule("file:///dist/tool.js", "b"), "file:///dist/b.js");
 * ```
 */
export function workerModule(base: string, name: string): string {
  return new URL(`./${name}.${base.endsWith(".ts") ? "ts" : "js"}`, base).href;
}
