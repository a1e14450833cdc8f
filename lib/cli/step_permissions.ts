/**
 * The least permissions each step needs, as `deno run` flags: reading and writing only the
 * cache (and reading the log directory and the settings file), only the environment variables
 * it reads, and network access only to the hosts of the services it calls. `--isolate` runs
 * every step (and each step of `daily`) in a process started with these flags, so a parsing
 * bug or a hostile log line cannot reach anything else.
 *
 * @module
 */

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PROGRAM_URL } from "../config.ts";
import { DEFAULT_MAPPING_URL } from "../summaries/content_mapping.ts";
import { OperatorError } from "../errors.ts";
import { EXCLUDED_IP_VARIABLES } from "../extract/excluded_ips.ts";
import { IPINFO_DEFAULT_URL } from "../regions/ipinfo_client.ts";
import { RANGE_SOURCES } from "../regions/service_ranges.ts";
import { OPENCAGE_DEFAULT_URL } from "../regions/update_region_code_coordinates.ts";
import {
  CACHE_VARIABLE,
  CONFIG_VARIABLE,
  type Environment,
  GEO_DB_VARIABLE,
  IPINFO_TOKEN_VARIABLE,
  IPINFO_URL_VARIABLE,
  LOGS_VARIABLE,
  MAPPING_URL_VARIABLE,
  MODE_VARIABLE,
  OPENCAGE_KEY_VARIABLE,
  OPENCAGE_URL_VARIABLE,
  PASSWORD_VARIABLE,
  PUBLISH_GIT_VARIABLE,
  PUBLISH_VARIABLE,
  RUN_TOKEN_VARIABLE,
  SALT_VARIABLE,
} from "../env.ts";

/** Variables every step may read: where the cache and settings are, and `NO_COLOR`. */
const BASE_VARIABLES = [
  CACHE_VARIABLE,
  CONFIG_VARIABLE,
  LOGS_VARIABLE,
  "HOME",
  "XDG_CACHE_HOME",
  "XDG_DATA_HOME",
  "XDG_CONFIG_HOME",
  "NO_COLOR",
  RUN_TOKEN_VARIABLE,
];
const SECRETS = [PASSWORD_VARIABLE, SALT_VARIABLE];
const REGION_VARIABLES = [
  ...SECRETS,
  IPINFO_TOKEN_VARIABLE,
  IPINFO_URL_VARIABLE,
  GEO_DB_VARIABLE,
  ...RANGE_SOURCES.map((source) => source.variable),
];

/** What a step may touch besides the cache. */
export interface StepNeeds {
  /** Environment variables it reads. */
  env: string[];
  /** URL variables (with defaults) whose hosts it calls. */
  urls?: [variable: string, fallback: string][];
  /** Whether it reads the log directory. */
  logs?: boolean;
  /** Variables naming files it reads (a geo database, a mapping file). */
  files?: string[];
  /** Programs it runs. */
  run?: string[];
}

const EXTRACTION: StepNeeds = {
  env: [...SECRETS, ...EXCLUDED_IP_VARIABLES.map((v) => v.name), MODE_VARIABLE],
  logs: true,
};
const REGIONS: StepNeeds = {
  env: REGION_VARIABLES,
  urls: [
    [IPINFO_URL_VARIABLE, IPINFO_DEFAULT_URL],
    ...RANGE_SOURCES.map((source): [string, string] => [source.variable, source.url]),
  ],
  files: [GEO_DB_VARIABLE, ...RANGE_SOURCES.map((source) => source.variable)],
};
const SUMMARIES: StepNeeds = {
  env: [MAPPING_URL_VARIABLE],
  urls: [[MAPPING_URL_VARIABLE, DEFAULT_MAPPING_URL]],
  files: [MAPPING_URL_VARIABLE],
};

/** The needs of each command that can run isolated. */
export const STEP_NEEDS: Readonly<Record<string, StepNeeds>> = {
  extract_logs: EXTRACTION,
  index_ips: { env: SECRETS, logs: true },
  update_indexed_region_codes: REGIONS,
  refresh_region_codes: REGIONS,
  update_region_code_coordinates: {
    env: [OPENCAGE_KEY_VARIABLE, OPENCAGE_URL_VARIABLE],
    urls: [[OPENCAGE_URL_VARIABLE, OPENCAGE_DEFAULT_URL]],
  },
  generate_summaries: { env: [] },
  generate_totals: { env: [] },
  generate_archive_summaries: SUMMARIES,
  generate_archive_totals: { env: [] },
  generate_dandiset_summaries: SUMMARIES,
  generate_dandiset_totals: SUMMARIES,
  report: { env: [] },
  publish: { env: [PUBLISH_VARIABLE, PUBLISH_GIT_VARIABLE], run: ["git"] },
  export_extraction: { env: SECRETS },
  status: { env: [], logs: true },
  stats: { env: [] },
  completion: { env: [] },
  validate: { env: [], logs: true },
  stop: { env: [] },
};

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
  const needs = STEP_NEEDS[step];
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
