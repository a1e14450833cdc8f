/**
 * Each command is declared once, in `lib/cli/commands.ts`: its module answers to the same name,
 * and the tool's help, the command's `--help` and its `deno task` say the table's summary.
 */

import assert from "node:assert/strict";
import { COMMANDS } from "../lib/cli/commands.ts";
import { main } from "../cli.ts";
import denoJson from "../deno.json" with { type: "json" };

function run(args: string[]): { code: Promise<number>; out: string[] } {
  const out: string[] = [];
  const code = main(args, {
    env: new Map(),
    out: (line) => out.push(line),
    err: (line) => out.push(line),
    stderrIsTerminal: false,
    signal: new AbortController().signal,
  });
  return { code, out };
}

Deno.test("every command of the table is named, summarised and described once", async () => {
  const tasks = denoJson.tasks as Record<string, string | { description?: string }>;
  const help = run(["--help"]);
  assert.equal(await help.code, 0);
  for (const [name, entry] of Object.entries(COMMANDS)) {
    const command = await entry.load();
    assert.equal(command.name, name);
    assert.equal("summary" in command, false, `${name} declares a summary of its own`);
    assert.ok(
      help.out[0].split("\n").some((line) =>
        line.trim().startsWith(name + " ") && line.trim().endsWith(entry.summary)
      ),
      `the tool's help lists ${name} with its summary`,
    );
    const own = run([name, "--help"]);
    assert.equal(await own.code, 0);
    assert.ok(own.out[0].includes(`\n\n${entry.summary}.\n\n`), `${name} --help`);
    const task = tasks[name];
    if (task !== undefined) {
      assert.equal(typeof task === "string" ? undefined : task.description, entry.summary, name);
    }
  }
});

Deno.test("every option a command parses is in its --help, and its --help offers no other", async () => {
  const { COMMON_OPTIONS } = await import("../lib/cli/command.ts");
  const wrong: string[] = [];
  for (const entry of Object.values(COMMANDS)) {
    const command = await entry.load();
    const parsed = new Set([...Object.keys(command.options ?? {}), ...Object.keys(COMMON_OPTIONS)]);
    const help = `${command.usage}\n${command.help}`;
    // Options as the help writes them: "--name" at the start of an option line or in the usage.
    const offered = new Set(
      [...help.matchAll(/(?:^|\n| \[|\|)\s*--([a-z][a-z0-9-]*)/g)].map((m) => m[1]),
    );
    for (const name of parsed) {
      if (!help.includes(`--${name}`) && !COMMON_HELP_NAMES.has(name)) {
        wrong.push(`${command.name}: --${name} is parsed but not in its help`);
      }
    }
    for (const name of offered) {
      if (!parsed.has(name)) wrong.push(`${command.name}: --${name} is in its help but not parsed`);
    }
  }
  assert.deepStrictEqual(wrong, []);
});

/** The common options, described once in `COMMON_HELP` under every command's help. */
const COMMON_HELP_NAMES = new Set(["cache", "json", "quiet", "debug", "new-cache", "help"]);
