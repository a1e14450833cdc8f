/**
 * Runs a command and times it, for the measuring tasks (`bench.ts`, `compare.ts`): wall time,
 * and with `/usr/bin/time` (GNU time) installed, CPU time and peak memory too; and their one way
 * to say something on stderr.
 *
 * @module
 */

/** What one timed run took. */
export interface TimedRun {
  /** Wall time, seconds. */
  seconds: number;
  /** User plus system CPU time of the process and its threads, seconds (needs GNU time). */
  cpuSeconds?: number;
  /** Maximum resident set size, MB (needs GNU time). */
  peakMegabytes?: number;
  /** What the command wrote to stdout. */
  stdout: string;
}

const GNU_TIME = "/usr/bin/time";

/**
 * Runs `command` with `args` (and `env` added to this process's environment), and times
 * it.
 *
 * @throws {Error} When the command fails, with its stderr.
 *
 * @example Usage
 * ```ts
 * import { timedRun } from "./_timed_run.ts";
 * import assert from "node:assert/strict";
 *
 * const run = await timedRun(Deno.execPath(), ["eval", "console.log(1)"]);
 * assert.deepStrictEqual([run.stdout, run.seconds > 0], ["1\n", true]);
 * ```
 */
export async function timedRun(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<TimedRun> {
  const time = await Deno.stat(GNU_TIME).then(() => true, () => false);
  const report = time ? await Deno.makeTempFile({ prefix: "s3le-time-" }) : "";
  const started = performance.now();
  const output = await new Deno.Command(time ? GNU_TIME : command, {
    args: time ? ["-o", report, "-f", "%U %S %M", command, ...args] : args,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const fields = time ? (await Deno.readTextFile(report)).trim().split("\n").pop()!.split(" ") : [];
  if (time) await Deno.remove(report);
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed:\n${new TextDecoder().decode(output.stderr)}`,
    );
  }
  const [user, system, kilobytes] = fields.map(Number);
  return {
    seconds,
    cpuSeconds: Number.isFinite(user + system) ? user + system : undefined,
    peakMegabytes: Number.isFinite(kilobytes) ? kilobytes / 1024 : undefined,
    stdout: new TextDecoder().decode(output.stdout),
  };
}

/**
 * Waits until what was written before is on disk (the `sync` command, where there is one), so
 * that a timed run does not pay for the writeback of what ran before it: a summary step timed
 * right after a gigabyte's copy of its cache took 7.6–8.9 s, against 6.0–6.3 s after `sync`
 * (a night's step finds the disk as the extraction left it, a few megabytes to write).
 *
 * @example Usage
 * ```ts
 * import { settleDisk } from "./_timed_run.ts";
 *
 * await settleDisk();
 * ```
 */
export async function settleDisk(): Promise<void> {
  try {
    await new Deno.Command("sync", { stdout: "null", stderr: "null" }).output();
  } catch {
    // No sync command (Windows): the runs are timed as they come.
  }
}

/** The password of the caches the measuring tasks create (throwaway caches of public logs). */
const PASSWORD = "benchmark password, not a secret: 8d41c7e2b5";

/**
 * Deno's own cache, kept across the runs measured: with HOME pointing at a fresh folder, every
 * run would compile the CLI again (about a second), which an installed tool never does.
 */
const DENO_DIR: string = Deno.env.get("DENO_DIR") ||
  `${Deno.env.get("XDG_CACHE_HOME") || `${Deno.env.get("HOME") ?? "/root"}/.cache`}/deno`;

/**
 * The environment every measured run gets, and nothing else (no password, no settings): this
 * PATH and Deno's warm cache (`DENO_DIR`, as set, or Deno's default under this HOME).
 *
 * @example Usage
 * ```ts
 * import { toolEnv } from "./_timed_run.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(Object.keys(toolEnv()), ["PATH", "DENO_DIR"]);
 * ```
 */
export function toolEnv(): Record<string, string> {
  return { PATH: Deno.env.get("PATH") ?? "", DENO_DIR };
}

/**
 * The arguments of `deno run` for the CLI of the tree at `root`, with the permissions of its
 * tasks, then `args`.
 *
 * @example Usage
 * ```ts
 * import { cliArgs } from "./_timed_run.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(cliArgs("/src", "status").slice(-2), ["/src/cli.ts", "status"]);
 * ```
 */
export function cliArgs(root: string, ...args: string[]): string[] {
  const permissions = ["--allow-read", "--allow-write", "--allow-env", "--allow-sys=hostname"];
  return ["run", ...permissions, `${root.replace(/\/$/, "")}/cli.ts`, ...args];
}

/**
 * The environment of a measured CLI run whose HOME (and cache) is `home`: the measuring
 * password, {@linkcode toolEnv}, then `extra`.
 *
 * @example Usage
 * ```ts
 * import { runEnv } from "./_timed_run.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(runEnv("/tmp/x").HOME, "/tmp/x");
 * ```
 */
export function runEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return { S3_LOG_EXTRACTION_PASSWORD: PASSWORD, HOME: home, ...toolEnv(), ...extra };
}

/**
 * Writes `line` to stderr (the measuring tasks' progress and errors; stdout holds their tables).
 *
 * @example Usage
 * ```ts
 * import { log } from "./_timed_run.ts";
 *
 * log("measuring …");
 * ```
 */
export function log(line: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(line + "\n"));
}
