/**
 * What every command of the command line shares: its description, option parsing with clear
 * usage errors, and the common options (`--cache`, `--quiet`, `--json`, `--debug`, `--help`).
 *
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UsageError } from "../errors.ts";
import { cacheDirectoryPath, resolveCacheDirectory } from "../config.ts";
import { sampleCache } from "./daily_setup.ts";
import type { Environment } from "../env.ts";

/** Where a command writes, and what it may read of its environment. */
export interface CommandContext {
  /** Environment variables. */
  env: Environment;
  /** Writes a line of output (data, results) to stdout. */
  out(line: string): void;
  /** Writes a line of diagnostics (warnings, notes) to stderr. */
  err(line: string): void;
  /** Whether stderr is a terminal (progress is shown only then). */
  stderrIsTerminal: boolean;
  /** Aborted by SIGINT / SIGTERM. */
  signal: AbortSignal;
  /**
   * Runs a step of `daily` somewhere else (`--isolate`: a process with the step's least
   * permissions); unset, steps run in this process.
   */
  runStep?: (name: string, input: CommandInput, env: Environment) => Promise<number>;
}

/** A command of the command line. */
export interface Command {
  /** Name, as typed. */
  name: string;
  /** Usage line (after the tool name). */
  usage: string;
  /** Longer help: what it does, its options and environment. */
  help: string;
  /** Options beyond the common ones. */
  options: ParseArgsOptionsConfig;
  /** Runs with parsed values; returns the exit code. */
  run(input: CommandInput, context: CommandContext): Promise<number>;
  /**
   * The cache the command works on, when it is not the one `--cache` and the settings name
   * (`daily` on the bundled sample).
   */
  cacheOf?(input: CommandInput, context: CommandContext): Promise<string>;
}

/** Parsed command line of one command. */
export interface CommandInput {
  /** Option values. */
  values: Record<string, string | boolean | undefined>;
  /** Positional arguments. */
  positionals: string[];
}

/** The option of the commands that can look at the sample's cache after `daily` made it. */
export const SAMPLE_OPTION: ParseArgsOptionsConfig = { sample: { type: "boolean" } };

/** Help text of {@linkcode SAMPLE_OPTION}. */
export const SAMPLE_HELP =
  `  --sample        the bundled sample's cache (.sample-cache/ here), made by daily when
                  nothing is configured`;

/** Options every command accepts. */
export const COMMON_OPTIONS: ParseArgsOptionsConfig = {
  help: { type: "boolean", short: "h" },
  cache: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  json: { type: "boolean" },
  debug: { type: "boolean" },
  "new-cache": { type: "boolean" },
};

/** Help text of the common options. */
export const COMMON_HELP = `Common options:
  --cache <dir>   cache directory for this run (else S3_LOG_EXTRACTION_CACHE, set_cache, or
                  the user cache folder)
  --json          print the result as JSON
  --quiet, -q     print nothing but errors
  --debug         show stack traces of unexpected errors
  --new-cache     start a new, empty cache where one lost its database (deleted or emptied);
                  without it such a cache is an error, never silently a new one
  --help, -h      show this help`;

/**
 * Parses a command's arguments, turning every mistake into a {@linkcode UsageError}.
 *
 * @example Usage
 * ```ts
 * import { parseCommandArgs } from "./command.ts";
 * import assert from "node:assert/strict";
 *
 * const input = parseCommandArgs("extract_logs", ["logs", "--workers", "2"], {
 *   workers: { type: "string" },
 * });
 * assert.deepStrictEqual(input.positionals, ["logs"]);
 * assert.deepStrictEqual(input.values.workers, "2");
 * assert.throws(() => parseCommandArgs("extract_logs", ["--nope"], {}), /Unknown option --nope/);
 * // A negative value is a value, for the option's own check to refuse clearly.
 * assert.deepStrictEqual(parseCommandArgs("extract_logs", ["--workers", "-1"], { workers: { type: "string" } }).values.workers, "-1");
 * ```
 */
export function parseCommandArgs(
  command: string,
  args: string[],
  options: ParseArgsOptionsConfig,
): CommandInput {
  // A negative number after an option is its value (`--workers -1`), not an option: say so
  // to parseArgs, which otherwise calls it ambiguous. The value is then checked as a number.
  const all = { ...COMMON_OPTIONS, ...options };
  args = args.flatMap((arg, i) =>
    /^-\d/.test(arg) && i > 0 && all[args[i - 1].slice(2)]?.type === "string" ? [] : [
      /^--[\w-]+$/.test(arg) && /^-\d/.test(args[i + 1] ?? "") &&
        all[arg.slice(2)]?.type === "string"
        ? `${arg}=${args[i + 1]}`
        : arg,
    ]
  );
  try {
    const { values, positionals } = parseArgs({
      args,
      options: all,
      allowPositionals: true,
      strict: true,
    });
    return { values: values as CommandInput["values"], positionals };
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    const what = unknown ? `Unknown option ${unknown[1]}` : message.replace(/\.$/, "");
    throw new UsageError(`${what} for ${command}. Run \`s3_log_extraction ${command} --help\`.`);
  }
}

/**
 * Reads a whole-number option, or throws a {@linkcode UsageError}.
 *
 * @example Usage
 * ```ts
 * import { integerOption } from "./command.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(integerOption("extract_logs", "workers", "3", 0), 3);
 * assert.deepStrictEqual(integerOption("extract_logs", "workers", undefined, 0), undefined);
 * assert.throws(() => integerOption("extract_logs", "workers", "x", 0), /--workers must be/);
 * ```
 */
export function integerOption(
  command: string,
  name: string,
  value: string | boolean | undefined,
  minimum: number,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (typeof value !== "string" || !/^\d+$/.test(value) || number < minimum) {
    throw new UsageError(
      `--${name} must be a whole number of at least ${minimum} (got ${JSON.stringify(value)}) ` +
        `for ${command}.`,
    );
  }
  return number;
}

/**
 * Throws a {@linkcode UsageError} unless there are between `min` and `max` positionals.
 *
 * @example Usage
 * ```ts
 * import { expectPositionals } from "./command.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => expectPositionals("set_cache", [], 1, 1, "<dir>"), /set_cache needs <dir>/);
 * ```
 */
export function expectPositionals(
  command: string,
  positionals: string[],
  min: number,
  max: number,
  names: string,
): void {
  if (positionals.length < min) {
    throw new UsageError(
      `${command} needs ${names}. Usage: s3_log_extraction ${command} ${names}`,
    );
  }
  if (positionals.length > max) {
    throw new UsageError(
      `${command} takes ${max === 0 ? "no arguments" : names} but got ` +
        `${positionals.slice(max).map((p) => JSON.stringify(p)).join(" ")} too. Run ` +
        `\`s3_log_extraction ${command} --help\`.`,
    );
  }
}

/**
 * The cache directory of a command: its `--cache`, else the environment and settings (see
 * `resolveCacheDirectory`), created when missing.
 *
 * @example Usage
 * ```ts
 * import { commandCacheDirectory } from "./command.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const env = new Map([["S3_LOG_EXTRACTION_CACHE", `${dir}/from-env`]]);
 * assert.deepStrictEqual(await commandCacheDirectory({ cache: `${dir}/flag` }, { env }), `${dir}/flag`);
 * assert.deepStrictEqual(await commandCacheDirectory({}, { env }), `${dir}/from-env`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function commandCacheDirectory(
  values: CommandInput["values"],
  context: Pick<CommandContext, "env">,
): Promise<string> {
  if (values.sample === true) return (await sampleCache()).cacheDirectory;
  const flag = typeof values.cache === "string" ? values.cache : undefined;
  return await resolveCacheDirectory({ flag, env: context.env });
}

/**
 * The cache directory a reading command looks at (as {@linkcode commandCacheDirectory} chooses
 * it), without creating it: `status` on a mistyped `--cache` must not make a folder.
 *
 * @example Usage
 * ```ts
 * import { readCacheDirectory } from "./command.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new Map([["S3_LOG_EXTRACTION_CACHE", "/nonexistent/cache"]]);
 * assert.deepStrictEqual(await readCacheDirectory({}, { env }), "/nonexistent/cache");
 * ```
 */
export async function readCacheDirectory(
  values: CommandInput["values"],
  context: Pick<CommandContext, "env">,
): Promise<string> {
  if (values.sample === true) return (await sampleCache()).cacheDirectory;
  const flag = typeof values.cache === "string" ? values.cache : undefined;
  return await cacheDirectoryPath({ flag, env: context.env });
}
