/**
 * The command line: `s3_log_extraction <command> [options]`.
 *
 * A thin entry: it parses the command name, loads that command's module, runs it, and maps
 * errors to one clear line on stderr and an exit code (0 ok, 1 failure, 2 usage).
 *
 * @example Run a command
 * ```ts ignore
 * import { main } from "./cli.ts";
 *
 * Deno.exit(await main(["extract_logs", "/srv/logs"]));
 * ```
 *
 * @module
 */

import denoJson from "./deno.json" with { type: "json" };
import type { Command, CommandContext, CommandInput } from "./lib/cli/command.ts";
import { parseCommandArgs } from "./lib/cli/command.ts";
import { type CommandEntry, COMMANDS } from "./lib/cli/commands.ts";
import { fileSystemError, OperatorError, storageError, UsageError } from "./lib/errors.ts";
import { type Environment, INIT_CWD_VARIABLE, RUN_TOKEN_VARIABLE } from "./lib/env.ts";

/** The tool's name as typed on the command line. */
export const TOOL = "s3_log_extraction";

/** First words of the Python tools' command lines that are translated to ours. */
const REFERENCE_COMMANDS = new Set(["extract", "config", "update"]);

function toolHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  const lines = Object.entries(COMMANDS).map(([name, { summary }]) =>
    `  ${name.padEnd(width)}  ${summary}`
  );
  return `${TOOL} ${denoJson.version}: privacy-safe access statistics from AWS S3 server access logs

Usage: ${TOOL} <command> [options]

Commands:
${lines.join("\n")}

The Python tools' command lines work too: extract, config cache set, update ip
indexes|regions|refresh|coordinates, update summaries|totals [--mode dandi|archive], stats,
completion, stop.

Run \`${TOOL} <command> --help\` for a command's options and environment variables.
Exit codes: 0 ok, 1 failure (the message says what to do), 2 usage error.`;
}

/** Removes a cache folder that holds nothing but lock files (made by a run that failed). */
function removeIfOnlyLocks(directory: string, locks: readonly string[]): void {
  try {
    const names = [...Deno.readDirSync(directory)].map((entry) => entry.name);
    if (names.every((name) => locks.includes(name))) {
      Deno.removeSync(directory, { recursive: true });
    }
  } catch {
    // Left as it is.
  }
}

/** A warning line: `warning: …`, or `<command>: warning: …`. */
const WARNING = /^(?:[\w-]+: )?warning: /;

function writeLine(stream: { writeSync(p: Uint8Array): number }, line: string): void {
  const bytes = new TextEncoder().encode(line + "\n");
  let written = 0;
  while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
}

function defaultContext(signal: AbortSignal): CommandContext {
  return {
    env: Deno.env,
    out: (line) => writeLine(Deno.stdout, line),
    err: (line) => writeLine(Deno.stderr, line),
    stderrIsTerminal: Deno.stderr.isTerminal(),
    signal,
  };
}

/**
 * Runs the command line `args` and returns the exit code.
 *
 * @example Usage
 * ```ts
 * import { main } from "./cli.ts";
 * import assert from "node:assert/strict";
 *
 * const lines: string[] = [];
 * const code = await main(["--version"], {
 *   env: new Map(), out: (line) => lines.push(line), err: () => {}, stderrIsTerminal: false,
 *   signal: new AbortController().signal,
 * });
 * assert.deepStrictEqual(code, 0);
 * assert.deepStrictEqual(lines[0].startsWith("s3_log_extraction "), true);
 * ```
 */
export async function main(args: string[], context?: CommandContext): Promise<number> {
  const controller = new AbortController();
  const ctx = context ?? defaultContext(controller.signal);
  const debug = args.includes("--debug");
  const isolate = args[0] === "--isolate";
  try {
    const chosen = await chooseCommand(isolate ? args.slice(1) : args, ctx);
    if (typeof chosen === "number") return chosen;
    const { name, entry, command, input } = chosen;
    if (input.values.help) {
      ctx.out(`Usage: ${TOOL} ${command.usage}\n\n${entry.summary}.\n\n${command.help}`);
      return 0;
    }
    if (isolate && name !== "daily") {
      const isolation = await import("./lib/cli/isolation.ts");
      if (!isolation.canIsolate(name)) {
        throw new UsageError(`--isolate does not apply to ${name}: run it without.`);
      }
      return await isolation.runIsolated({ name, input, env: ctx.env, signal: ctx.signal });
    }
    // Warnings always reach stderr (--quiet silences progress and results only); a run that
    // printed any says so in its last line, and in the cache's record of the run.
    const warnings = new WarningCount(ctx.err);
    // `--isolate daily` runs here and starts each of its steps isolated.
    const run = {
      ...ctx,
      err: warnings.err,
      runStep: isolate ? isolatedStep(ctx.signal) : undefined,
    };
    if (!entry.writes) {
      const code = await command.run(input, run);
      warnings.finish(name);
      return code;
    }
    return await runWriting(chosen, run, warnings);
  } catch (thrown) {
    return failureCode(thrown, ctx, debug);
  }
}

/** A command chosen on the command line, loaded, with its arguments parsed. */
interface ChosenCommand {
  name: string;
  entry: CommandEntry;
  command: Command;
  input: CommandInput;
}

/**
 * The command `args` name, loaded and with its arguments parsed; or the exit code when the
 * command line asked for the tool's help or version, or named no command.
 */
async function chooseCommand(
  args: string[],
  ctx: CommandContext,
): Promise<ChosenCommand | number> {
  // The Python tools' command lines (`extract`, `config cache set`, `update …`) as ours.
  if (REFERENCE_COMMANDS.has(args[0])) {
    const { fromReferenceCommand } = await import("./lib/cli/reference_commands.ts");
    args = await fromReferenceCommand(args, ctx.env) ?? args;
  }
  let [name, ...rest] = args;
  // `help <command>` is `<command> --help`.
  if (name === "help" && rest.length > 0) [name, rest] = [rest[0], ["--help"]];
  if (name === undefined) {
    ctx.err(toolHelp());
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    ctx.out(toolHelp());
    return 0;
  }
  if (name === "--version" || name === "-V") {
    ctx.out(`${TOOL} ${denoJson.version}`);
    return 0;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (entry === undefined) {
    throw new UsageError(`Unknown command '${name}'. Run \`${TOOL} --help\` for the commands.`);
  }
  const command = await entry.load();
  return { name, entry, command, input: parseCommandArgs(name, rest, command.options) };
}

/** How `daily --isolate` runs each step: in its own process with its own permissions. */
function isolatedStep(signal: AbortSignal): CommandContext["runStep"] {
  return async (step: string, input: CommandInput, env: Environment) =>
    await (await import("./lib/cli/isolation.ts")).runIsolated({ name: step, input, env, signal });
}

/** Counts the warnings a run prints, and says how many at its end. */
class WarningCount {
  count = 0;
  readonly started: string = new Date().toISOString();
  readonly err: (line: string) => void;
  #err: (line: string) => void;

  constructor(err: (line: string) => void) {
    this.#err = err;
    this.err = (line) => {
      if (WARNING.test(line)) this.count++;
      err(line);
    };
  }

  /** Prints the closing line when there were warnings; returns their count. */
  finish(name: string): number {
    if (this.count > 0) {
      this.#err(
        `${name} finished with ${this.count} warning${this.count === 1 ? "" : "s"} (see above).`,
      );
    }
    return this.count;
  }
}

/**
 * Runs a command that writes to the cache: under the pipeline lock (the steps `daily` starts run
 * under its lock, through the run token), on a new cache if asked, recording its warnings in
 * the cache; a first run that fails leaves no empty cache folder behind.
 */
async function runWriting(
  { name, command, input }: ChosenCommand,
  run: CommandContext,
  warnings: WarningCount,
): Promise<number> {
  const lockFiles = await import("./lib/store/run_lock.ts");
  const { commandCacheDirectory, readCacheDirectory } = await import("./lib/cli/command.ts");
  const { pathExists } = await import("./lib/atomic_files.ts");
  // A first run that fails (a mistyped log folder) must not leave an empty cache behind.
  const fresh = !command.cacheOf && !await pathExists(await readCacheDirectory(input.values, run));
  const cacheDirectory = command.cacheOf
    ? await command.cacheOf(input, run)
    : await commandCacheDirectory(input.values, run);
  let ok = false;
  using _cleanup = {
    [Symbol.dispose]: () =>
      fresh && !ok &&
      removeIfOnlyLocks(cacheDirectory, [
        lockFiles.LOCK_FILE,
        lockFiles.PIPELINE_LOCK_FILE,
        lockFiles.STEP_LOCK_FILE,
        lockFiles.STOP_FILE,
      ]),
  };
  using lock = await lockFiles.acquirePipelineLock(cacheDirectory, name, run.env);
  if (input.values["new-cache"] === true) {
    const { startNewCache } = await import("./lib/store/cache_database.ts");
    startNewCache(cacheDirectory);
  }
  const env = run.env;
  const withToken = { get: (v: string) => v === RUN_TOKEN_VARIABLE ? lock.token : env.get(v) };
  try {
    const code = await command.run(input, { ...run, env: withToken });
    ok = code === 0;
    return code;
  } finally {
    if (warnings.finish(name) > 0) {
      const { recordWarnings } = await import("./lib/cli/warnings.ts");
      recordWarnings(cacheDirectory, name, warnings.started, warnings.count);
    }
  }
}

/** One clear line for what stopped the run, and its exit code; the stack only with --debug. */
function failureCode(thrown: unknown, ctx: CommandContext, debug: boolean): number {
  // A failure of the file system or of the cache's database (read-only, full, damaged), wherever
  // it was met, says what to do.
  const error = fileSystemError(thrown) ?? storageError(thrown);
  if (error instanceof OperatorError) {
    ctx.err(`error: ${error.message}`);
    if (debug && error.cause) ctx.err(String((error.cause as Error).stack ?? error.cause));
    return error.exitCode;
  }
  ctx.err(
    `error: unexpected failure: ${(error as Error)?.message ?? error}. This is a bug: ` +
      "please report it with the output of the same command run with --debug.",
  );
  if (debug) ctx.err(String((error as Error)?.stack ?? error));
  return 1;
}

/**
 * `deno task` runs the CLI in the repository's folder and names the caller's folder in
 * `INIT_CWD`: relative paths on the command line are meant from there.
 */
function enterCallersFolder(): void {
  try {
    const caller = Deno.env.get(INIT_CWD_VARIABLE);
    if (caller && caller !== Deno.cwd()) Deno.chdir(caller);
  } catch {
    // Not allowed to read it (an isolated step: its paths come absolute), or gone.
  }
}

/**
 * A step that `daily --isolate` started stops after its batch in flight when that `daily` ends
 * without it (killed with SIGKILL: its process is gone and the step has a new parent), instead
 * of working on as an orphan.
 */
async function stopWhenLauncherEnds(controller: AbortController): Promise<void> {
  const { watchLauncher } = await import("./lib/store/run_lock.ts");
  try {
    if (!Deno.env.get(RUN_TOKEN_VARIABLE)) return;
  } catch {
    return; // not allowed to read it: not a step of a daily run
  }
  watchLauncher(() => {
    writeLine(
      Deno.stderr,
      "warning: the daily run that started this step has ended; stopping after the batch in flight.",
    );
    controller.abort();
  });
}

/** A stop signal this long after the first (or later) quits at once; sooner, it is the same. */
const REPEATED_SIGNAL_MS = 1000;

if (import.meta.main) {
  enterCallersFolder();
  const controller = new AbortController();
  let stopAskedAt: number | undefined;
  // A launcher (`--isolate`) leaves the message to the step it runs, which gets the same signal.
  const launcher = Deno.args[0] === "--isolate";
  const onSignal = () => {
    const now = performance.now();
    if (stopAskedAt !== undefined) {
      // The same stop can come twice at once: systemd or a terminal signals the whole process
      // group, and `deno task` passes the signal it got on to its child. Only a later one (a
      // second Ctrl+C) quits at once.
      if (now - stopAskedAt >= REPEATED_SIGNAL_MS) Deno.exit(130);
      return;
    }
    stopAskedAt = now;
    if (!launcher) {
      writeLine(Deno.stderr, "Stopping after the batch in flight (Ctrl+C again quits at once)…");
    }
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  await stopWhenLauncherEnds(controller);
  const code = await main(Deno.args, defaultContext(controller.signal));
  Deno.exit(code);
}
