/**
 * `s3_log_extraction daily`: every step of the nightly run, in order.
 *
 * @module
 */

import { join } from "node:path";
import { loadContentMapping } from "../summaries/content_mapping.ts";
import { openCacheDatabase } from "../store/cache_database.ts";
import { configuredPublish } from "../config.ts";
import { runsWithWarnings } from "../store/run_history.ts";
import { stopRequested } from "../store/run_lock.ts";
import { type DailySetup, resolveDailySetup } from "./daily_setup.ts";
import { errorText, OperatorError, UsageError } from "../errors.ts";
import {
  type Command,
  type CommandContext,
  type CommandInput,
  COMMON_HELP,
  expectPositionals,
  integerOption,
} from "./command.ts";
import { command as extractLogs } from "./extract_logs_command.ts";
import { command as indexIps } from "./index_ips_command.ts";
import { command as publishCommand } from "./publish_command.ts";
import { command as report } from "./report_command.ts";
import { command as updateCoordinates } from "./update_region_code_coordinates_command.ts";
import {
  command as updateIndexedRegionCodes,
  geoDatabase,
} from "./update_indexed_region_codes_command.ts";
import { command as refreshRegionCodes } from "./refresh_region_codes_command.ts";
import { GeoDatabase } from "../regions/geo_database.ts";
import { command as generateSummariesCommand } from "./generate_summaries_command.ts";
import { command as generateDandisetSummariesCommand } from "./generate_dandiset_summaries_command.ts";
import { command as generateArchiveSummariesCommand } from "./generate_archive_summaries_command.ts";
import { command as generateArchiveTotalsCommand } from "./generate_archive_totals_command.ts";
import { mappingSource } from "./summary_command.ts";
import { GEO_DB_VARIABLE, IPINFO_TOKEN_VARIABLE, MODE_VARIABLE } from "../env.ts";

function stepWarnings(cacheDirectory: string, since: string) {
  try {
    const db = openCacheDatabase(cacheDirectory);
    try {
      return runsWithWarnings(db, since);
    } finally {
      db.close();
    }
  } catch {
    return [];
  }
}

/** The `daily` command. */
export const command: Command = {
  name: "daily",
  usage:
    "daily [--mode generic|dandi] [--workers N] [--mapping <file|url>] [--geo-db FILE] [--sample]",
  help: `Runs the steps of the nightly run in order: extract_logs, index_ips --since-last-check
(checks what was stored since its last check of the IP table), update_indexed_region_codes,
refresh_region_codes, update_region_code_coordinates, then generate_summaries --all (which
writes what generate_totals, generate_archive_summaries and generate_archive_totals write too,
from one scan; in dandi mode generate_dandiset_summaries --all, through the content-id
mapping), report, and publish
when a publish folder is configured (set_publish or S3_LOG_EXTRACTION_PUBLISH). With no log directory
configured (set_logs or S3_LOG_EXTRACTION_LOGS) and no S3_LOG_EXTRACTION_PASSWORD set (or
with --sample) it runs on the sample logs bundled with the tool, into .sample-cache/ in the current directory, with a random password of its own kept in
.sample-cache/password and made-up offline geolocation (fixtures/sample_geo/). A step that
cannot run (no mapping, nothing to re-check labels with) is skipped with one line saying why;
a failing step stops the run (exit code 1) and names the step.

Options:
  --mode <mode>          generic or dandi (default: S3_LOG_EXTRACTION_MODE, else generic)
  --workers <n>          parse workers for extract_logs
  --mapping <file|url>   content-id mapping for dandi mode (see generate_dandiset_summaries)
  --geo-db <file>        MaxMind DB answering instead of ipinfo (see update_indexed_region_codes)
  --sample               run on the bundled sample logs, whatever is configured (a password
                         set without a configured log directory is an error otherwise)

${COMMON_HELP}`,
  options: {
    mode: { type: "string" },
    workers: { type: "string" },
    mapping: { type: "string" },
    "geo-db": { type: "string" },
    sample: { type: "boolean" },
  },
  async cacheOf({ values }, context) {
    const setup = await resolveDailySetup({
      env: context.env,
      cacheFlag: values.cache as string | undefined,
      sample: values.sample === true,
    });
    return setup.cacheDirectory;
  },
  async run({ values, positionals }, context) {
    expectPositionals("daily", positionals, 0, 0, "");
    const started = new Date().toISOString();
    integerOption("daily", "workers", values.workers, 0);
    const mode = dailyMode(values, context.env);
    const setup = await resolveDailySetup({
      env: context.env,
      cacheFlag: values.cache as string | undefined,
      sample: values.sample === true,
    });
    const quiet = values.quiet === true;
    if (setup.sample && !quiet) {
      context.err(
        `No log directory is configured: using the bundled sample logs, with the cache ` +
          `${setup.cacheDirectory}, a password of its own and made-up geolocation (its regions ` +
          "and map are not real). Look at it with `status --sample` and `report --sample`; " +
          "configure real logs with `set_logs <dir>` (and `set_cache <dir>`).",
      );
    }
    // Every input is checked before the first step: a bad one found at step 3 would leave the
    // night's run half done.
    const geoDb = geoDatabase(values, { env: setup.env });
    if (geoDb !== undefined) await GeoDatabase.open(geoDb);
    const steps = await plannedSteps({ values, context, setup, mode, quiet });
    const code = await runSteps(steps, { context, cacheDirectory: setup.cacheDirectory, quiet });
    if (code !== undefined) return code;
    // Steps run in processes of their own record their warnings in the cache.
    const warned = stepWarnings(setup.cacheDirectory, started);
    if (warned.length > 0) {
      context.err(
        `daily: steps with warnings: ${
          warned.map((w) => `${w.command} (${w.warnings})`).join(", ")
        } (see above).`,
      );
    }
    if (!quiet) {
      context.out(
        `Daily run finished${setup.sample ? " on the bundled sample logs" : ""}. Summaries: ` +
          `${join(setup.cacheDirectory, "summaries")}; report: ` +
          `${join(setup.cacheDirectory, "report", "index.html")}`,
      );
    }
    return 0;
  },
};

/** The mode of the run: `--mode`, else `S3_LOG_EXTRACTION_MODE`, else generic. */
function dailyMode(values: CommandInput["values"], env: CommandContext["env"]): string {
  const flagMode = values.mode as string | undefined;
  const mode = flagMode ?? env.get(MODE_VARIABLE) ?? "generic";
  if (mode === "generic" || mode === "dandi") return mode;
  if (flagMode !== undefined) {
    throw new UsageError(
      `--mode must be generic or dandi (got ${JSON.stringify(mode)}) for daily.`,
    );
  }
  throw new OperatorError(
    `${MODE_VARIABLE} must be generic or dandi (got ${JSON.stringify(mode)}). Fix the ` +
      "variable (in the service's environment file, if it is set there).",
  );
}

/** A step of the run: its name, and how to run it (its exit code). */
type PlannedStep = readonly [name: string, run: () => Promise<number>];

/** What the run's steps are planned from. */
interface StepPlanInput {
  values: CommandInput["values"];
  context: CommandContext;
  setup: DailySetup;
  mode: string;
  quiet: boolean;
}

/** The steps of the night, in order; a step that cannot run is left out with a line why. */
async function plannedSteps(
  { values, context, setup, mode, quiet }: StepPlanInput,
): Promise<PlannedStep[]> {
  const stepContext = { ...context, env: setup.env };
  const common = { cache: setup.cacheDirectory, quiet: values.quiet, json: values.json };
  const runStep = (command: Command, input: CommandInput) =>
    context.runStep
      ? context.runStep(command.name, input, setup.env)
      : command.run(input, stepContext);
  const step = (command: Command, values: CommandInput["values"] = {}) =>
    [
      command.name,
      () => runStep(command, { values: { ...common, ...values }, positionals: [] }),
    ] as const;
  const steps: PlannedStep[] = [
    ["extract_logs", () =>
      runStep(extractLogs, {
        values: { ...common, workers: values.workers, mode },
        positionals: [setup.logsDirectory],
      })],
    // The IP table's check, of what was stored since the last one (the whole history each
    // night would grow with it).
    step(indexIps, { "since-last-check": true }),
    step(updateIndexedRegionCodes, { "geo-db": values["geo-db"] }),
  ];
  if (geoDatabase(values, { env: setup.env }) || setup.env.get(IPINFO_TOKEN_VARIABLE)) {
    steps.push(step(refreshRegionCodes, { "geo-db": values["geo-db"] }));
  } else if (!quiet) {
    context.err(
      `refresh_region_codes skipped: nothing to re-check labels with. Set ` +
        `${IPINFO_TOKEN_VARIABLE} or ${GEO_DB_VARIABLE} (or give --geo-db).`,
    );
  }
  steps.push(step(updateCoordinates));
  // A dataset step with --all writes its totals and the archive's files too, from one scan of
  // the counts (on the bench's night of 10 M requests, 1 to 2 s less than four steps).
  const all = (command: Command, values: CommandInput["values"] = {}): PlannedStep => [
    `${command.name} --all`,
    step(command, { ...values, all: true })[1],
  ];
  if (mode === "generic") {
    steps.push(all(generateSummariesCommand));
  } else {
    const mapping = mappingSource(values.mapping, setup.env);
    const readable = await loadContentMapping({
      source: mapping,
      cacheDirectory: setup.cacheDirectory,
    })
      .then(() => true, (error) => {
        context.err(
          `warning: generate_dandiset_summaries and generate_dandiset_totals skipped: ${
            errorText(error)
          } ` +
            "Set S3_LOG_EXTRACTION_MAPPING_URL or give --mapping.",
        );
        return false;
      });
    if (readable) steps.push(all(generateDandisetSummariesCommand, { mapping }));
    else steps.push(step(generateArchiveSummariesCommand), step(generateArchiveTotalsCommand));
  }
  steps.push(step(report));
  const publish = setup.sample ? undefined : await configuredPublish({ env: setup.env });
  if (publish !== undefined) {
    steps.push([
      "publish",
      () =>
        runStep(publishCommand, {
          values: { ...common, git: publish.git },
          positionals: [publish.directory],
        }),
    ]);
  }
  return steps;
}

/**
 * Runs the steps in order until one fails or a stop is asked for: undefined when all ran, else
 * the run's exit code.
 */
async function runSteps(
  steps: PlannedStep[],
  { context, cacheDirectory, quiet }: {
    context: CommandContext;
    cacheDirectory: string;
    quiet: boolean;
  },
): Promise<number | undefined> {
  for (const [index, [name, run]] of steps.entries()) {
    if (!quiet) context.err(`[${index + 1}/${steps.length}] ${name}`);
    let code: number;
    try {
      code = await run();
    } catch (error) {
      if (error instanceof UsageError || !(error instanceof OperatorError)) throw error;
      throw new OperatorError(`daily stopped at step ${name}: ${error.message}`, {
        cause: error,
      });
    }
    if (code !== 0) {
      context.err(`daily stopped at step ${name} (exit code ${code}); later steps did not run.`);
      return code;
    }
    const asked = await stopRequested(cacheDirectory, { signal: context.signal });
    if (asked) {
      if (index < steps.length - 1) {
        context.err(
          `daily stopped after step ${name}, as asked; later steps did not run. The next run ` +
            "goes on from there.",
        );
      }
      return 0;
    }
  }
  return undefined;
}
