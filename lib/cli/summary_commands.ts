/**
 * The summary commands: `generate_summaries`, `generate_dandiset_summaries`, `generate_totals`,
 * `generate_dandiset_totals`, `generate_archive_summaries`, `generate_archive_totals`.
 *
 * @module
 */

import {
  type ContentMapping,
  DEFAULT_MAPPING_URL,
  loadContentMapping,
} from "../summaries/content_mapping.ts";
import {
  generateArchiveSummaries,
  generateArchiveTotals,
  generateDandisetSummaries,
  generateDandisetTotals,
  generateSummaries,
  generateTotals,
  type SummaryOptions,
  type SummaryResult,
} from "../summaries/generate_summaries.ts";
import { StoppedError, UsageError } from "../errors.ts";
import {
  type Command,
  commandCacheDirectory,
  type CommandContext,
  type CommandInput,
  COMMON_HELP,
  expectPositionals,
  integerOption,
} from "./command.ts";
import { MAPPING_URL_VARIABLE } from "../env.ts";

const PRIVACY_HELP = `  --privacy-minimum <n>  counts below n are published as "<n>" (default 50)
  --privacy-modulo <n>   other counts are rounded to a multiple of n, halves to even
                         (default 20)`;
const CHOICE_HELP =
  `  --pick <ids>           only these dandisets (comma-separated); other folders stay
  --skip <ids>           every dandiset but these; their folders stay as they are`;
const MAPPING_HELP =
  `  --mapping <file|url>   content-id mapping {content_id: {dandiset_id: asset_path}},
                         gzipped or plain JSON (default: S3_LOG_EXTRACTION_MAPPING_URL, else
                         DANDI's published mapping); a URL is fetched at most once a day`;

/**
 * The mapping source of a command: `--mapping`, else `S3_LOG_EXTRACTION_MAPPING_URL`, else
 * DANDI's published mapping.
 *
 * @example Usage
 * ```ts
 * import { mappingSource } from "./summary_commands.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(mappingSource(undefined, new Map([["S3_LOG_EXTRACTION_MAPPING_URL", "http://x/m.json"]])), "http://x/m.json");
 * ```
 */
export function mappingSource(
  flag: string | boolean | undefined,
  env: CommandContext["env"],
): string {
  return (typeof flag === "string" && flag) || env.get(MAPPING_URL_VARIABLE) || DEFAULT_MAPPING_URL;
}

interface StepOptions extends SummaryOptions {
  mapping?: ContentMapping;
  pick?: string[];
  skip?: string[];
}

interface Step {
  name: string;
  help: string;
  mapping: "none" | "required" | "optional";
  /** Whether it takes the plugin's `--pick` and `--skip` (comma-separated dandisets). */
  choice?: boolean;
  /** Runs the step; `mapping`, `pick` and `skip` as the step takes them. */
  run(options: StepOptions): Promise<SummaryResult>;
  done(result: SummaryResult): string;
}

function summaryCommand(step: Step): Command {
  const options = {
    "privacy-minimum": { type: "string" as const },
    "privacy-modulo": { type: "string" as const },
    ...(step.mapping === "none" ? {} : { mapping: { type: "string" as const } }),
    ...(step.choice
      ? { pick: { type: "string" as const }, skip: { type: "string" as const } }
      : {}),
  };
  return {
    name: step.name,
    usage: `${step.name}${step.mapping === "none" ? "" : " [--mapping <file|url>]"} ` +
      `${step.choice ? "[--pick ID,ID | --skip ID,ID] " : ""}[--privacy-minimum N] ` +
      "[--privacy-modulo N]",
    help: `${step.help}

Options:
${PRIVACY_HELP}${step.mapping === "none" ? "" : "\n" + MAPPING_HELP}${
      step.choice ? "\n" + CHOICE_HELP : ""
    }

${COMMON_HELP}`,
    options,
    async run({ values, positionals }: CommandInput, context: CommandContext): Promise<number> {
      expectPositionals(step.name, positionals, 0, 0, "");
      const privacy = {
        minimum: integerOption(step.name, "privacy-minimum", values["privacy-minimum"], 1),
        modulo: integerOption(step.name, "privacy-modulo", values["privacy-modulo"], 1),
      };
      const cacheDirectory = await commandCacheDirectory(values, context);
      const wantsMapping = step.mapping === "required" ||
        (step.mapping === "optional" && typeof values.mapping === "string");
      const mapping = wantsMapping
        ? await loadContentMapping({
          source: mappingSource(values.mapping, context.env),
          cacheDirectory,
          warn: context.err,
        })
        : undefined;
      const list = (value: string | boolean | undefined) =>
        typeof value === "string"
          ? value.split(",").map((id) => id.trim()).filter(Boolean)
          : undefined;
      const choice = { pick: list(values.pick), skip: list(values.skip) };
      if (choice.pick && choice.skip) {
        throw new UsageError(`Give --pick or --skip, not both, for ${step.name}.`);
      }
      let result: SummaryResult;
      try {
        result = await step.run({
          cacheDirectory,
          privacy,
          mapping,
          ...choice,
          signal: context.signal,
        });
      } catch (error) {
        if (!(error instanceof StoppedError)) throw error;
        if (!values.quiet) {
          context.out(`Stopped as asked, before writing: ${step.name} changed nothing.`);
        }
        return 0;
      }
      if (values.json) context.out(JSON.stringify(result, null, 2));
      else if (!values.quiet) context.out(step.done(result));
      return 0;
    },
  };
}

const datasets = (r: SummaryResult) => `${r.datasets} dataset${r.datasets === 1 ? "" : "s"}`;

/** `generate_summaries`. */
export const generateSummariesCommand: Command = summaryCommand({
  name: "generate_summaries",
  help: `Writes <cache>/summaries/<dataset>/by_day.tsv, by_asset.tsv, by_region.tsv and
requester_count.tsv for every dataset (the first segment of the object keys), with the
reference's columns and privacy rounding. Regions come from the IP labels (missing until
update_indexed_region_codes has run). The folder is replaced atomically.`,
  mapping: "none",
  run: generateSummaries,
  done: (r) => `Wrote the summaries of ${datasets(r)} to ${r.path}.`,
});

/** `generate_dandiset_summaries`. */
export const generateDandisetSummariesCommand: Command = summaryCommand({
  name: "generate_dandiset_summaries",
  help: `Like generate_summaries, with dandisets as datasets: each blob or Zarr is attributed to
the first dandiset and asset path the mapping gives, or to "undetermined". Adds
by_asset_per_week.tsv and by_asset_type_per_week.tsv (weeks start on Monday).`,
  mapping: "required",
  choice: true,
  run: (options) => generateDandisetSummaries({ ...options, mapping: options.mapping! }),
  done: (r) => `Wrote the summaries of ${datasets(r)} to ${r.path}.`,
});

/** `generate_totals`. */
export const generateTotalsCommand: Command = summaryCommand({
  name: "generate_totals",
  help: `Writes <cache>/summaries/totals.json: per dataset, total_bytes_sent,
total_number_of_requests, total_number_of_downloads, number_of_requesters (rounded once from
raw counts), number_of_unique_regions and number_of_unique_countries.`,
  mapping: "none",
  run: generateTotals,
  done: (r) => `Wrote the totals of ${datasets(r)} to ${r.path}.`,
});

/** `generate_dandiset_totals`. */
export const generateDandisetTotalsCommand: Command = summaryCommand({
  name: "generate_dandiset_totals",
  help: `Like generate_totals, with dandisets as datasets (through the content-id mapping).`,
  mapping: "required",
  run: (options) => generateDandisetTotals({ ...options, mapping: options.mapping! }),
  done: (r) => `Wrote the totals of ${datasets(r)} to ${r.path}.`,
});

/** `generate_archive_summaries`. */
export const generateArchiveSummariesCommand: Command = summaryCommand({
  name: "generate_archive_summaries",
  help: `Writes <cache>/summaries/archive/by_day.tsv, by_region.tsv and requester_count.tsv
(distinct client IPs of the whole archive) from raw counts, rounded once; with --mapping also
by_asset_type_per_week.tsv.`,
  mapping: "optional",
  run: generateArchiveSummaries,
  done: (r) => `Wrote the archive's summaries to ${r.path}.`,
});

/** `generate_archive_totals`. */
export const generateArchiveTotalsCommand: Command = summaryCommand({
  name: "generate_archive_totals",
  help: `Writes <cache>/summaries/archive_totals.json: the six totals of the whole archive,
from raw counts rounded once (requesters are distinct over all datasets).`,
  mapping: "none",
  run: generateArchiveTotals,
  done: (r) => `Wrote the archive's totals to ${r.path}.`,
});
