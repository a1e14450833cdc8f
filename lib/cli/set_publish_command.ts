/**
 * `s3_log_extraction set_publish <dir> [--git]`.
 *
 * @module
 */

import { setPublish, settingsPath } from "../config.ts";
import { type Command, COMMON_HELP, expectPositionals } from "./command.ts";

/** The `set_publish` command. */
export const command: Command = {
  name: "set_publish",
  usage: "set_publish <dir> [--git]",
  help: `Saves <dir> (made absolute) in the settings file as the folder daily ends by publishing
into (see publish); --git makes it commit there too. S3_LOG_EXTRACTION_PUBLISH and
S3_LOG_EXTRACTION_PUBLISH_GIT override both.

${COMMON_HELP}`,
  options: { git: { type: "boolean" } },
  async run({ values, positionals }, context) {
    expectPositionals("set_publish", positionals, 1, 1, "<dir>");
    const git = values.git === true;
    const saved = await setPublish(positionals[0], { env: context.env, git });
    if (values.json) context.out(JSON.stringify({ publish_directory: saved, publish_git: git }));
    else if (!values.quiet) {
      context.out(
        `Publish folder set to ${saved}${git ? ", with a git commit" : ""} (saved in ` +
          `${settingsPath(context.env)}).`,
      );
    }
    return 0;
  },
};
