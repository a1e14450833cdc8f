/**
 * `s3_log_extraction completion --inventory DIR`.
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { type Command, COMMON_HELP, expectPositionals } from "./command.ts";
import { percent, statusOf } from "./stats_command.ts";

/** The `completion` command. */
export const command: Command = {
  name: "completion",
  usage: "completion --inventory DIR",
  help: `Prints what the reference's \`completion\` prints: how many of the log objects a local
copy of an S3 Inventory lists are extracted, how many it lists, and the percent complete.

Options:
  --inventory <dir>  a local copy of an S3 Inventory of the log bucket (required)

${COMMON_HELP}`,
  options: { inventory: { type: "string" } },
  async run({ values, positionals }, context) {
    expectPositionals("completion", positionals, 0, 0, "");
    if (typeof values.inventory !== "string") {
      throw new UsageError("completion needs --inventory <dir>, a local copy of an S3 Inventory.");
    }
    const { inventory } = await statusOf(values, context);
    const { logObjects, done } = inventory!;
    if (values.json) context.out(JSON.stringify(inventory, null, 2));
    else if (!values.quiet) {
      context.out(`Processed files  : ${done}`);
      context.out(`Inventory files  : ${logObjects}`);
      context.out(`Percent complete : ${percent(done, logObjects).toFixed(2)}%`);
    }
    return 0;
  },
};
