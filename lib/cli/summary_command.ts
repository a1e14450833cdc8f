/**
 * What the six summary commands share (`generate_summaries`, `generate_dandiset_summaries`,
 * `generate_totals`, `generate_dandiset_totals`, `generate_archive_summaries`,
 * `generate_archive_totals`, each in its own file): their options, help and run.
 *
 * @module
 */

import {
  type ContentMapping,
  DEFAULT_MAPPING_URL,
  loadContentMapping,
} from "../summaries/content_mapping.ts";
import type {
  DatasetSummaryOptions,
  StepWritten,
  SummaryResult,
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
import { MAPPING_URL_VARIABLE, SESSION_GAP_VARIABLE } from "../env.ts";
import { DEFAULT_SESSION_GAP } from "../summaries/session_fold.ts";

const PRIVACY_HELP = `  --privacy-minimum <n>  counts below n are published as "<n>" (default 50)
  --privacy-modulo <n>   other counts are rounded to a multiple of n, halves to even
                         (default 20)`;
const REBUILD_HELP =
  `  --rebuild              count every stored request again instead of only those stored
                         since the counts kept in the cache (same files; rebuilds the counts)`;
const SESSION_HELP =
  `  --session-gap <s>      seconds of silence that end an access session in sessions.tsv
                         (default: S3_LOG_EXTRACTION_SESSION_GAP, else ${DEFAULT_SESSION_GAP})`;
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
 * import { mappingSource } from "./summary_command.ts";
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

/**
 * The session gap of a command in seconds: `--session-gap`, else `S3_LOG_EXTRACTION_SESSION_GAP`,
 * else undefined (the default); a bad value is a {@linkcode UsageError} naming where it came from.
 *
 * @example Usage
 * ```ts
 * import { sessionGapOption } from "./summary_command.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new Map([["S3_LOG_EXTRACTION_SESSION_GAP", "600"]]);
 * assert.equal(sessionGapOption("generate_summaries", undefined, env), 600);
 * assert.equal(sessionGapOption("generate_summaries", "60", env), 60);
 * assert.throws(
 *   () => sessionGapOption("generate_summaries", undefined, new Map([["S3_LOG_EXTRACTION_SESSION_GAP", "soon"]])),
 *   /S3_LOG_EXTRACTION_SESSION_GAP must be/,
 * );
 * ```
 */
export function sessionGapOption(
  command: string,
  flag: string | boolean | undefined,
  env: CommandContext["env"],
): number | undefined {
  if (flag !== undefined) return integerOption(command, "session-gap", flag, 1);
  const value = env.get(SESSION_GAP_VARIABLE);
  if (value === undefined || value === "") return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError(
      `${SESSION_GAP_VARIABLE} must be a whole number of seconds, at least 1 (got ` +
        `${JSON.stringify(value)}). Fix the variable (in the service's environment file, if it ` +
        "is set there) or give --session-gap.",
    );
  }
  return Number(value);
}

interface StepOptions extends DatasetSummaryOptions {
  mapping?: ContentMapping;
  pick?: string[];
  skip?: string[];
}

/** A summary step as its command describes it. */
export interface Step {
  name: string;
  help: string;
  mapping: "none" | "required" | "optional";
  /** Whether it takes the plugin's `--pick` and `--skip` (comma-separated dandisets). */
  choice?: boolean;
  /** Whether it writes `sessions.tsv` (then it takes `--session-gap`). */
  sessions?: boolean;
  /** The steps `--all` writes with it (a dataset step's totals and the archive's two). */
  all?: readonly string[];
  /** Runs the step; `mapping`, `pick`, `skip` and `all` as the step takes them. */
  run(options: StepOptions): Promise<SummaryResult>;
}

/** The command of a summary step. */
export function summaryCommand(step: Step): Command {
  const options = {
    "privacy-minimum": { type: "string" as const },
    "privacy-modulo": { type: "string" as const },
    rebuild: { type: "boolean" as const },
    ...(step.sessions ? { "session-gap": { type: "string" as const } } : {}),
    ...(step.mapping === "none" ? {} : { mapping: { type: "string" as const } }),
    ...(step.choice
      ? { pick: { type: "string" as const }, skip: { type: "string" as const } }
      : {}),
    ...(step.all ? { all: { type: "boolean" as const } } : {}),
  };
  return {
    name: step.name,
    usage: `${step.name}${step.mapping === "none" ? "" : " [--mapping <file|url>]"} ` +
      `${step.choice ? "[--pick ID,ID | --skip ID,ID] " : ""}[--privacy-minimum N] ` +
      `[--privacy-modulo N]${step.sessions ? " [--session-gap S]" : ""} [--rebuild]` +
      `${step.all ? " [--all]" : ""}`,
    help: `${step.help}

Options:
${PRIVACY_HELP}
${REBUILD_HELP}${step.sessions ? "\n" + SESSION_HELP : ""}${
      step.mapping === "none" ? "" : "\n" + MAPPING_HELP
    }${step.choice ? "\n" + CHOICE_HELP : ""}${step.all ? "\n" + allHelp(step.all) : ""}

${COMMON_HELP}`,
    options,
    async run({ values, positionals }: CommandInput, context: CommandContext): Promise<number> {
      expectPositionals(step.name, positionals, 0, 0, "");
      const privacy = {
        minimum: integerOption(step.name, "privacy-minimum", values["privacy-minimum"], 1),
        modulo: integerOption(step.name, "privacy-modulo", values["privacy-modulo"], 1),
      };
      const sessionGap = step.sessions
        ? sessionGapOption(step.name, values["session-gap"], context.env)
        : undefined;
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
          sessionGap,
          mapping,
          ...choice,
          rebuild: values.rebuild === true,
          all: values.all === true,
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
      else if (!values.quiet) {
        context.out(writtenLine({ command: step.name, ...result }));
        for (const also of result.also ?? []) context.out(writtenLine(also));
        for (const line of recountLines(result)) context.out(line);
      }
      return 0;
    },
  };
}

/** The help of `--all`, for a step that writes `steps` with it. */
function allHelp(steps: readonly string[]): string {
  const names = `${steps.slice(0, -1).join(", ")} and ${steps.at(-1)}`;
  return `  --all                  also write what ${names}
                         write, from this step's counts: the same files as the steps one by
                         one, from one scan instead of four (each is recorded as a run of its
                         own; daily runs this)`;
}

/**
 * What a summary step wrote, in one line.
 *
 * @example Usage
 * ```ts
 * import { writtenLine } from "./summary_command.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(
 *   writtenLine({ command: "generate_totals", datasets: 2, path: "/c/summaries/totals.json" }),
 *   "Wrote the totals of 2 datasets to /c/summaries/totals.json.",
 * );
 * ```
 */
export function writtenLine({ command, datasets, path }: StepWritten): string {
  const what = command.endsWith("_totals") ? "totals" : "summaries";
  const whose = command.startsWith("generate_archive_")
    ? `the archive's ${what}`
    : `the ${what} of ${datasets} dataset${datasets === 1 ? "" : "s"}`;
  return `Wrote ${whose} to ${path}.`;
}

/**
 * A line per kept count that was counted again from every request, and why (a slower run than
 * usual deserves a reason); nothing when only new requests were added.
 *
 * @example Usage
 * ```ts
 * import { recountLines } from "./summary_command.ts";
 * import assert from "node:assert/strict";
 *
 * const counts = [{ name: "archive_counts", added: 5 }, { name: "dataset_counts:dandi", added: 9, recounted: "asked for (--rebuild)" }];
 * assert.deepStrictEqual(recountLines({ datasets: 1, path: "x", counts }), [
 *   "Counted all 9 stored requests again for dataset_counts:dandi: asked for (--rebuild).",
 * ]);
 * ```
 */
export function recountLines(result: SummaryResult): string[] {
  return result.counts.filter((fold) => fold.recounted !== undefined).map((fold) =>
    `Counted all ${fold.added.toLocaleString("en-US")} stored requests again for ${fold.name}: ` +
    `${fold.recounted}.`
  );
}
