/**
 * The least permissions each step needs, as `deno run` flags: reading and writing only the
 * cache (and reading the log directory and the settings file), only the environment variables
 * it reads, and network access only to the hosts of the services it calls. `--isolate` runs
 * every step (and each step of `daily`) in a process started with these flags, so a parsing
 * bug or a hostile log line cannot reach anything else.
 *
 * @module
 */

import {
  CACHE_VARIABLE,
  CONFIG_VARIABLE,
  type Environment,
  LOGS_VARIABLE,
  RUN_TOKEN_VARIABLE,
  USER_FOLDER_VARIABLES,
} from "../env.ts";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PROGRAM_URL } from "../config.ts";
import { OperatorError } from "../errors.ts";
import { COMMANDS } from "./commands.ts";

/** Variables every step may read: where the cache and settings are, and `NO_COLOR`. */
const BASE_VARIABLES = [
  CACHE_VARIABLE,
  CONFIG_VARIABLE,
  LOGS_VARIABLE,
  ...USER_FOLDER_VARIABLES,
  "NO_COLOR",
  RUN_TOKEN_VARIABLE,
];
/** Where a step works. */
export interface StepScope {
  /** The cache directory (read and written). */
  cacheDirectory: string;
  /** The log directory (read by the steps that read logs). */
  logsDirectory?: string;
  /** The settings file (read). */
  settingsFile: string;
  /** Other paths the command line names to write (an export target). */
  writePaths?: string[];
  /** Other paths the command line names to read (a reference cache, a geo database, a mapping). */
  readPaths?: string[];
  /** The environment the step will get (URL overrides, file variables). */
  env: Environment;
  /** Other hosts it calls (an S3 endpoint). */
  hosts?: string[];
  /** Other variables it reads (AWS credentials). */
  variables?: string[];
}

/** The folder of the program's own modules (the parse worker is loaded from there). */

/**
 * The `deno run` permission flags of `step` in `scope`.
 *
 * @example Usage
 * ```ts
 * import { stepPermissions } from "./step_permissions.ts";
 * import assert from "node:assert/strict";
 *
 * const flags = stepPermissions("update_region_code_coordinates", {
 *   cacheDirectory: "/srv/cache", settingsFile: "/home/op/.config/s3-log-extraction/config.json",
 *   env: new Map(),
 * });
 * assert.deepStrictEqual(flags.find((f) => f.startsWith("--allow-net")), "--allow-net=api.opencagedata.com");
 * assert.deepStrictEqual(flags.some((f) => f.startsWith("--allow-run")), false);
 * ```
 */
export function stepPermissions(step: string, scope: StepScope): string[] {
  const needs = Object.hasOwn(COMMANDS, step) ? COMMANDS[step].needs : undefined;
  if (needs === undefined) throw new Error(`no permissions are defined for ${step}`);
  const read = new Set([scope.cacheDirectory, scope.settingsFile]);
  if (PROGRAM_URL.protocol === "file:") read.add(fileURLToPath(PROGRAM_URL).replace(/\/$/, ""));
  const write = new Set([scope.cacheDirectory]);
  if (needs.logs && scope.logsDirectory) read.add(scope.logsDirectory);
  for (const path of scope.writePaths ?? []) {
    read.add(path);
    write.add(path);
  }
  for (const path of scope.readPaths ?? []) read.add(path);
  for (const variable of needs.files ?? []) {
    const value = scope.env.get(variable);
    if (!value) continue;
    if (value.startsWith("file:")) read.add(fileURLToPath(value));
    else if (!/^[a-z]+:\/\//i.test(value)) read.add(resolve(value));
  }
  const hosts = new Set<string>(scope.hosts ?? []);
  for (const [variable, fallback] of needs.urls ?? []) {
    const url = new URL(scope.env.get(variable) || fallback, "file:///");
    if (url.protocol === "http:" || url.protocol === "https:") hosts.add(url.host);
  }
  for (const path of [...read, ...write]) {
    if (path.includes(",")) {
      throw new OperatorError(
        `Cannot run ${step} isolated: the path ${path} holds a comma, which Deno's permission ` +
          "flags cannot express. Rename it, or run without --isolate.",
      );
    }
  }
  const flags = [
    "--no-prompt",
    `--allow-read=${[...read].join(",")}`,
    `--allow-write=${[...write].join(",")}`,
    `--allow-env=${[...BASE_VARIABLES, ...needs.env, ...(scope.variables ?? [])].join(",")}`,
    "--allow-sys=hostname",
  ];
  if (hosts.size > 0) flags.push(`--allow-net=${[...hosts].join(",")}`);
  if (needs.run) flags.push(`--allow-run=${needs.run.join(",")}`);
  return flags;
}
