/**
 * `s3_log_extraction daily`: every step of the nightly run, in order.
 *
 * @module
 */

import { join } from "node:path";
import { loadContentMapping } from "../content_mapping.ts";
import { resolveDailySetup } from "../daily_setup.ts";
import { errorText, UsageError } from "../errors.ts";
import { type Command, COMMON_HELP, expectPositionals, integerOption } from "./command.ts";
import { command as extractLogs } from "./extract_logs_command.ts";
import {
  generateArchiveSummariesCommand,
  generateArchiveTotalsCommand,
  generateDandisetSummariesCommand,
  generateDandisetTotalsCommand,
  generateSummariesCommand,
  generateTotalsCommand,
  mappingSource,
} from "./summary_commands.ts";

/** The variable holding the default extraction mode of `daily`. */
export const MODE_VARIABLE = "S3_LOG_EXTRACTION_MODE";

/** The `daily` command. */
export const command: Command = {
  name: "daily",
  summary: "Run the nightly pipeline (on the bundled sample when nothing is configured)",
  usage: "daily [--mode generic|dandi] [--workers N] [--mapping <file|url>]",
  help: `Runs the steps of the nightly run in order: extract_logs, then generate_summaries,
generate_totals, generate_archive_summaries, generate_archive_totals (in dandi mode the
dandiset variants, through the content-id mapping). With no log directory configured (set_logs
or S3_LOG_EXTRACTION_LOGS) it runs on the sample logs bundled with the tool, into
.sample-cache/ in the current directory, with a random password of its own kept in
.sample-cache/password. A step that cannot run (no mapping) is skipped with one line saying
why; a failing step stops the run (exit code 1).

Options:
  --mode <mode>          generic or dandi (default: S3_LOG_EXTRACTION_MODE, else generic)
  --workers <n>          parse workers for extract_logs
  --mapping <file|url>   content-id mapping for dandi mode (see generate_dandiset_summaries)

${COMMON_HELP}`,
  options: {
    mode: { type: "string" },
    workers: { type: "string" },
    mapping: { type: "string" },
  },
  async run({ values, positionals }, context) {
    expectPositionals("daily", positionals, 0, 0, "");
    integerOption("daily", "workers", values.workers, 0);
    const mode = (values.mode as string | undefined) ?? context.env.get(MODE_VARIABLE) ?? "generic";
    if (mode !== "generic" && mode !== "dandi") {
      throw new UsageError(
        `--mode must be generic or dandi (got ${JSON.stringify(mode)}) for daily.`,
      );
    }
    const setup = await resolveDailySetup({
      env: context.env,
      cacheFlag: values.cache as string | undefined,
    });
    const quiet = values.quiet === true;
    if (setup.sample && !quiet) {
      context.err(
        `No log directory is configured: using the bundled sample logs, with the cache ` +
          `${setup.cacheDirectory} and a password of its own. Configure real logs with ` +
          "`set_logs <dir>` (and `set_cache <dir>`).",
      );
    }
    const stepContext = { ...context, env: setup.env };
    const common = { cache: setup.cacheDirectory, quiet: values.quiet, json: values.json };
    const step = (command: Command, values: Record<string, unknown> = {}) =>
      [
        command.name,
        () => command.run({ values: { ...common, ...values }, positionals: [] }, stepContext),
      ] as const;
    const steps: (readonly [string, () => Promise<number>])[] = [
      ["extract_logs", () =>
        extractLogs.run({
          values: { ...common, workers: values.workers, mode },
          positionals: [setup.logsDirectory],
        }, stepContext)],
    ];
    if (mode === "generic") {
      steps.push(step(generateSummariesCommand), step(generateTotalsCommand));
      steps.push(step(generateArchiveSummariesCommand), step(generateArchiveTotalsCommand));
    } else {
      const mapping = mappingSource(values.mapping, setup.env);
      const readable = await loadContentMapping({
        source: mapping,
        cacheDirectory: setup.cacheDirectory,
      })
        .then(() => true, (error) => {
          context.err(
            `generate_dandiset_summaries and generate_dandiset_totals skipped: ${
              errorText(error)
            } ` +
              "Set S3_LOG_EXTRACTION_MAPPING_URL or give --mapping.",
          );
          return false;
        });
      if (readable) {
        steps.push(step(generateDandisetSummariesCommand, { mapping }));
        steps.push(step(generateDandisetTotalsCommand, { mapping }));
      }
      steps.push(step(generateArchiveSummariesCommand, readable ? { mapping } : {}));
      steps.push(step(generateArchiveTotalsCommand));
    }
    for (const [index, [name, run]] of steps.entries()) {
      if (!quiet) context.err(`[${index + 1}/${steps.length}] ${name}`);
      const code = await run();
      if (code !== 0) return code;
      if (context.signal.aborted) return 0;
    }
    if (!quiet) {
      context.out(
        `Daily run finished${setup.sample ? " on the bundled sample logs" : ""}. Summaries: ` +
          `${join(setup.cacheDirectory, "summaries")}`,
      );
    }
    return 0;
  },
};
