/**
 * `s3_log_extraction daily`: every step of the nightly run, in order.
 *
 * @module
 */

import { resolveDailySetup } from "../daily_setup.ts";
import { type Command, COMMON_HELP, expectPositionals, integerOption } from "./command.ts";
import { command as extractLogs } from "./extract_logs_command.ts";

/** The `daily` command. */
export const command: Command = {
  name: "daily",
  summary: "Run the nightly pipeline (on the bundled sample when nothing is configured)",
  usage: "daily [--workers N]",
  help: `Runs the steps of the nightly run in order: extract_logs (more steps as they are
added). With no log directory configured (set_logs or S3_LOG_EXTRACTION_LOGS) it runs on the
sample logs bundled with the tool, into .sample-cache/ in the current directory, with a random
password of its own kept in .sample-cache/password. A failing step stops the run (exit code 1).

Options:
  --workers <n>   parse workers for extract_logs

${COMMON_HELP}`,
  options: { workers: { type: "string" } },
  async run({ values, positionals }, context) {
    expectPositionals("daily", positionals, 0, 0, "");
    integerOption("daily", "workers", values.workers, 0);
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
    const steps: [string, () => Promise<number>][] = [
      ["extract_logs", () =>
        extractLogs.run({
          values: { ...common, workers: values.workers },
          positionals: [setup.logsDirectory],
        }, stepContext)],
    ];
    for (const [index, [name, run]] of steps.entries()) {
      if (!quiet) context.err(`[${index + 1}/${steps.length}] ${name}`);
      const code = await run();
      if (code !== 0) return code;
      if (context.signal.aborted) return 0;
    }
    if (!quiet) {
      context.out(
        `Daily run finished${setup.sample ? " on the bundled sample logs" : ""}. Cache: ` +
          `${setup.cacheDirectory}`,
      );
    }
    return 0;
  },
};
