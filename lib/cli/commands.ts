/**
 * The command table: each command's name, one-line summary, whether it writes to the cache
 * (then it runs under the pipeline lock), what it may touch when run isolated, and where its
 * module is. Declared once here and used by the tool's help, each command's `--help`, the lock,
 * `--isolate`'s permissions and (checked by a test) the `deno task` descriptions.
 *
 * @module
 */

import type { Command } from "./command.ts";
import { DEFAULT_MAPPING_URL } from "../summaries/content_mapping.ts";
import { EXCLUDED_IP_VARIABLES } from "../extract/excluded_ips.ts";
import { IPINFO_DEFAULT_URL } from "../regions/ipinfo_client.ts";
import { RANGE_SOURCES } from "../regions/service_ranges.ts";
import { OPENCAGE_DEFAULT_URL } from "../regions/update_region_code_coordinates.ts";
import {
  ARCHIVE_CLIENTS_VARIABLE,
  GEO_DB_VARIABLE,
  IPINFO_TOKEN_VARIABLE,
  IPINFO_URL_VARIABLE,
  MAPPING_URL_VARIABLE,
  MODE_VARIABLE,
  OPENCAGE_KEY_VARIABLE,
  OPENCAGE_URL_VARIABLE,
  PASSWORD_VARIABLE,
  PUBLISH_GIT_VARIABLE,
  PUBLISH_VARIABLE,
  SALT_VARIABLE,
  SESSION_GAP_VARIABLE,
  TITLES_VARIABLE,
} from "../env.ts";

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
  env: [
    ...SECRETS,
    ...EXCLUDED_IP_VARIABLES.map((v) => v.name),
    MODE_VARIABLE,
    ARCHIVE_CLIENTS_VARIABLE,
  ],
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
/** The summary steps that write `sessions.tsv` also read the session gap. */
const SESSION_SUMMARIES: StepNeeds = {
  ...SUMMARIES,
  env: [...SUMMARIES.env, SESSION_GAP_VARIABLE],
};

/** A command of the table. */
export interface CommandEntry {
  /** One line for the tool's help, the command's help and its `deno task` description. */
  summary: string;
  /** Whether it writes to the cache (or publishes a snapshot of it): one run at a time. */
  writes: boolean;
  /** What it may touch besides the cache when run isolated; absent: it cannot be. */
  needs?: StepNeeds;
  /** Loads its module. */
  load(): Promise<Command>;
}

/**
 * Every command, in the order the tool's help lists them.
 *
 * @example Usage
 * ```ts
 * import { COMMANDS } from "./commands.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(COMMANDS.extract_logs.writes, true);
 * assert.equal((await COMMANDS.extract_logs.load()).name, "extract_logs");
 * ```
 */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  daily: {
    summary: "Run the nightly pipeline (on the bundled sample when nothing is configured)",
    writes: true,
    load: async () => (await import("./daily_command.ts")).command,
  },
  set_cache: {
    summary: "Save the cache directory (created when missing)",
    writes: false,
    load: async () => (await import("./set_cache_command.ts")).command,
  },
  set_logs: {
    summary: "Save the log directory used by extract_logs and daily",
    writes: false,
    load: async () => (await import("./set_logs_command.ts")).command,
  },
  extract_logs: {
    summary: "Extract new log files into the cache (parallel, resumable, exactly once per file)",
    writes: true,
    needs: EXTRACTION,
    load: async () => (await import("./extract_logs_command.ts")).command,
  },
  status: {
    summary: "Show what the cache holds and how the last runs went",
    writes: false,
    needs: { env: [], logs: true },
    load: async () => (await import("./status_command.ts")).command,
  },
  validate: {
    summary: "Check log files for problems, without storing anything",
    writes: false,
    needs: { env: [], logs: true },
    load: async () => (await import("./validate_command.ts")).command,
  },
  export_extraction: {
    summary: "Write the cache as the reference's per-object extraction tree",
    writes: true,
    needs: { env: SECRETS },
    load: async () => (await import("./export_extraction_command.ts")).command,
  },
  index_ips: {
    summary: "Import a cache of the Python reference, and check the IP table",
    writes: true,
    needs: { env: SECRETS, logs: true },
    load: async () => (await import("./index_ips_command.ts")).command,
  },
  update_indexed_region_codes: {
    summary: "Give every indexed IP a region label (service ranges, then ipinfo)",
    writes: true,
    needs: REGIONS,
    load: async () => (await import("./update_indexed_region_codes_command.ts")).command,
  },
  refresh_region_codes: {
    summary: "Re-check today's 1/90 of the labelled IPs and record the labels that changed",
    writes: true,
    needs: REGIONS,
    load: async () => (await import("./refresh_region_codes_command.ts")).command,
  },
  update_region_code_coordinates: {
    summary: "Give every region label coordinates (built-in tables, then OpenCage)",
    writes: true,
    needs: {
      env: [OPENCAGE_KEY_VARIABLE, OPENCAGE_URL_VARIABLE],
      urls: [[OPENCAGE_URL_VARIABLE, OPENCAGE_DEFAULT_URL]],
    },
    load: async () => (await import("./update_region_code_coordinates_command.ts")).command,
  },
  generate_summaries: {
    summary: "Write per-dataset summaries (datasets = top-level key prefixes)",
    writes: true,
    needs: { env: [SESSION_GAP_VARIABLE] },
    load: async () => (await import("./generate_summaries_command.ts")).command,
  },
  generate_dandiset_summaries: {
    summary: "Write per-dandiset summaries through the content-id mapping",
    writes: true,
    needs: SESSION_SUMMARIES,
    load: async () => (await import("./generate_dandiset_summaries_command.ts")).command,
  },
  generate_totals: {
    summary: "Write summaries/totals.json for every dataset",
    writes: true,
    needs: { env: [] },
    load: async () => (await import("./generate_totals_command.ts")).command,
  },
  generate_dandiset_totals: {
    summary: "Write summaries/totals.json for every dandiset",
    writes: true,
    needs: SUMMARIES,
    load: async () => (await import("./generate_dandiset_totals_command.ts")).command,
  },
  generate_archive_summaries: {
    summary: "Write the whole archive's summaries (summaries/archive/)",
    writes: true,
    needs: SESSION_SUMMARIES,
    load: async () => (await import("./generate_archive_summaries_command.ts")).command,
  },
  generate_archive_totals: {
    summary: "Write summaries/archive_totals.json",
    writes: true,
    needs: { env: [] },
    load: async () => (await import("./generate_archive_totals_command.ts")).command,
  },
  report: {
    summary:
      "Write the report: <cache>/report/, an overview with charts and a map, a page per dataset",
    writes: true,
    needs: { env: [TITLES_VARIABLE], files: [TITLES_VARIABLE] },
    load: async () => (await import("./report_command.ts")).command,
  },
  publish: {
    summary: "Copy the summaries into the folder the archive serves (optionally a git commit)",
    writes: true,
    needs: { env: [PUBLISH_VARIABLE, PUBLISH_GIT_VARIABLE], run: ["git"] },
    load: async () => (await import("./publish_command.ts")).command,
  },
  set_publish: {
    summary: "Save the folder daily publishes into (and whether it commits there)",
    writes: false,
    load: async () => (await import("./set_publish_command.ts")).command,
  },
  stats: {
    summary: "The reference's stats: files processed, IPs extracted and classified by kind",
    writes: false,
    needs: { env: [] },
    load: async () => (await import("./stats_command.ts")).command,
  },
  completion: {
    summary: "The reference's completion: log objects of an S3 Inventory extracted so far",
    writes: false,
    needs: { env: [] },
    load: async () => (await import("./completion_command.ts")).command,
  },
  stop: {
    summary: "Stop the run working on the cache after its batch in flight, and wait for it",
    writes: false,
    needs: { env: [] },
    load: async () => (await import("./stop_command.ts")).command,
  },
};
