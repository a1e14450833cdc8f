/**
 * `--isolate`: runs a step in a process of its own, started with only the permissions the step
 * needs ({@linkcode stepPermissions}) and only the environment variables it reads.
 *
 * @module
 */

import { AWS_ENDPOINT_URL_VARIABLE, AWS_VARIABLES, type Environment } from "../env.ts";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { awsRegion, credentialsFilePath } from "../s3/aws_credentials.ts";
import {
  configuredLogsDirectory,
  configuredPublish,
  PROGRAM_URL,
  settingsPath,
} from "../config.ts";
import { requestStop } from "../store/run_lock.ts";
import { parseS3Url } from "../s3/s3_client.ts";
import { stepPermissions } from "./step_permissions.ts";
import { COMMANDS } from "./commands.ts";
import { type CommandInput, readCacheDirectory } from "./command.ts";

/** The command line's entry module, which the isolated process runs. */
const CLI = fileURLToPath(new URL("cli.ts", PROGRAM_URL));

/** A step to run isolated. */
export interface IsolatedStep {
  /** The command. */
  name: string;
  /** Its parsed command line. */
  input: CommandInput;
  /** The environment to give it (only the variables it may read are passed). */
  env: Environment;
  /** Stops the step (SIGTERM) when aborted. */
  signal?: AbortSignal;
}

/**
 * Whether `name` can run isolated.
 *
 * @example Usage
 * ```ts
 * import { canIsolate } from "./isolation.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([canIsolate("extract_logs"), canIsolate("set_cache")], [true, false]);
 * ```
 */
export function canIsolate(name: string): boolean {
  return Object.hasOwn(COMMANDS, name) && COMMANDS[name].needs !== undefined;
}

/**
 * The command line of a parsed input: positionals, then `--name value` / `--flag`.
 *
 * @example Usage
 * ```ts
 * import { commandLine } from "./isolation.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(
 *   commandLine({ values: { cache: "/c", quiet: true, json: false, mode: undefined }, positionals: ["/logs"] }),
 *   ["/logs", "--cache", "/c", "--quiet"],
 * );
 * ```
 */
export function commandLine(input: CommandInput): string[] {
  const args = [...input.positionals];
  for (const [name, value] of Object.entries(input.values)) {
    if (value === true) args.push(`--${name}`);
    else if (typeof value === "string") args.push(`--${name}`, value);
  }
  return args;
}

/**
 * Runs a step in a new Deno process with its least permissions; resolves to its exit code.
 * Its output goes straight to this process's stdout and stderr. Aborting `signal` asks the step
 * to stop after its batch in flight (through the cache's stop file, not a second signal).
 *
 * @example Usage
 * ```ts ignore
 * import { runIsolated } from "./isolation.ts";
 *
 * const code = await runIsolated({
 *   name: "generate_totals", input: { values: { cache: "/srv/cache" }, positionals: [] }, env: Deno.env,
 * });
 * ```
 */
export async function runIsolated(step: IsolatedStep): Promise<number> {
  const { name, input, env } = step;
  const values = input.values;
  const cacheDirectory = await readCacheDirectory(values, { env });
  const asPath = (p: string) => (p.startsWith("s3://") ? p : resolve(p));
  const positional = input.positionals[0] === undefined ? undefined : asPath(input.positionals[0]);
  const logsDirectory = (name === "extract_logs" || name === "validate") && positional
    ? positional
    : typeof values.logs === "string"
    ? asPath(values.logs)
    : await configuredLogsDirectory({ env });
  const readPaths = [values["geo-db"], values.mapping, values.inventory, values.titles]
    .filter((v): v is string => typeof v === "string" && !/^[a-z0-9]+:\/\//i.test(v))
    .map((v) => resolve(v));
  // Reading the log bucket: its endpoint, the AWS variables and the credentials file.
  const s3 = logsDirectory?.startsWith("s3://") &&
    (name === "extract_logs" || name === "status");
  const hosts: string[] = [];
  if (s3 && name === "extract_logs") {
    const endpoint = env.get(AWS_ENDPOINT_URL_VARIABLE);
    const bucket = parseS3Url(logsDirectory!).bucket;
    hosts.push(endpoint ? new URL(endpoint).host : `${bucket}.s3.${awsRegion(env)}.amazonaws.com`);
    readPaths.push(credentialsFilePath(env));
  }
  if (name === "index_ips" && positional) readPaths.push(positional);
  const writePaths = name === "export_extraction" && positional ? [dirname(positional)] : [];
  if (name === "publish") {
    const target = positional ?? (await configuredPublish({ env }))?.directory;
    if (target !== undefined) writePaths.push(target);
  }
  const flags = stepPermissions(name, {
    cacheDirectory,
    logsDirectory,
    settingsFile: settingsPath(env),
    readPaths,
    writePaths,
    env,
    hosts,
    variables: s3 ? [...AWS_VARIABLES] : [],
  });
  const allowed = flags.find((flag) => flag.startsWith("--allow-env="))!.slice(12).split(",");
  const childEnv: Record<string, string> = {};
  for (const variable of [...allowed, "DENO_DIR", "PATH"]) {
    const value = env.get(variable);
    if (value !== undefined) childEnv[variable] = value;
  }
  const args = commandLine({
    values: { ...values, cache: cacheDirectory },
    positionals: input.positionals.map(asPath),
  });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...flags, CLI, name, ...args],
    env: childEnv,
    clearEnv: true,
    stdin: "null",
  }).spawn();
  // A terminal's Ctrl+C and systemd's stop signal the whole process group (or cgroup): the step
  // gets that signal itself. Signalling it again would count as a second, "quit at once"
  // signal; asking through the cache's stop file reaches it either way, and only once.
  const stop = () => void requestStop(cacheDirectory).catch(() => child.kill("SIGTERM"));
  step.signal?.addEventListener("abort", stop);
  try {
    return (await child.status).code;
  } finally {
    step.signal?.removeEventListener("abort", stop);
  }
}
