/**
 * `s3_log_extraction set_cache <dir>`.
 *
 * @module
 */

import { setCache, settingsPath } from "../config.ts";
import { type Command, COMMON_HELP, expectPositionals } from "./command.ts";

/** The `set_cache` command. */
export const command: Command = {
  name: "set_cache",
  usage: "set_cache <dir>",
  help: `Saves <dir> (made absolute) as the cache directory in the settings file
($XDG_CONFIG_HOME/s3-log-extraction/config.json, or S3_LOG_EXTRACTION_CONFIG) and creates it.
S3_LOG_EXTRACTION_CACHE and --cache override it for one run.

${COMMON_HELP}`,
  options: {},
  async run({ values, positionals }, context) {
    expectPositionals("set_cache", positionals, 1, 1, "<dir>");
    const saved = await setCache(positionals[0], { env: context.env });
    if (values.json) context.out(JSON.stringify({ cache_directory: saved }));
    else if (!values.quiet) {
      context.out(`Cache directory set to ${saved} (saved in ${settingsPath(context.env)}).`);
    }
    return 0;
  },
};
