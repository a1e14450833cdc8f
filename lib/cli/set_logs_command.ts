/**
 * `s3_log_extraction set_logs <dir>`.
 *
 * @module
 */

import { setLogs, settingsPath } from "../config.ts";
import { type Command, COMMON_HELP, expectPositionals } from "./command.ts";

/** The `set_logs` command. */
export const command: Command = {
  name: "set_logs",
  usage: "set_logs <dir> | set_logs s3://bucket[/prefix]",
  help: `Saves <dir> (made absolute) as the log directory in the settings file, or an S3
location that extract_logs and daily then read straight from the bucket. The
S3_LOG_EXTRACTION_LOGS variable overrides it; a directory given to extract_logs wins over both.

${COMMON_HELP}`,
  options: {},
  async run({ values, positionals }, context) {
    expectPositionals("set_logs", positionals, 1, 1, "<dir>");
    const saved = await setLogs(positionals[0], { env: context.env });
    if (!saved.startsWith("s3://")) {
      const info = await Deno.stat(saved).catch(() => undefined);
      if (info === undefined || !info.isDirectory) {
        context.err(
          `warning: ${saved} ${info ? "is not a directory" : "does not exist"} (yet): ` +
            "extract_logs and daily will fail until it does. Check the path, or mount it.",
        );
      }
    }
    if (values.json) context.out(JSON.stringify({ logs_directory: saved }));
    else if (!values.quiet) {
      context.out(`Log directory set to ${saved} (saved in ${settingsPath(context.env)}).`);
    }
    return 0;
  },
};
