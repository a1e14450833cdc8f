/**
 * Every environment variable the tool reads is declared in `lib/env.ts`, and the README's table
 * documents exactly those: a variable added in code and not in the README (or the reverse)
 * fails here.
 */

import assert from "node:assert/strict";
import * as env from "../lib/env.ts";

/** Set by `daily` for the steps it starts, or by `deno task`: never by an operator. */
const INTERNAL = [env.RUN_TOKEN_VARIABLE, env.INIT_CWD_VARIABLE];

Deno.test("the README's table of environment variables lists exactly those lib/env.ts declares", async () => {
  const declared = Object.values(env).flatMap((value) =>
    typeof value === "string" ? [value] : Array.isArray(value) ? value : []
  );
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const section = readme.slice(
    readme.indexOf("## Environment variables"),
    readme.indexOf("\n## ", readme.indexOf("## Environment variables") + 1),
  );
  const documented = section.split("\n").filter((line) => line.startsWith("| `"))
    .flatMap((line) => [...line.split("|")[1].matchAll(/`([A-Z0-9_]+)`/g)].map((m) => m[1]));
  assert.deepStrictEqual(
    documented.sort(),
    [...new Set(declared)].filter((name) => !INTERNAL.includes(name)).sort(),
  );
});
