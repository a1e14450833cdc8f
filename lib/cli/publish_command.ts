/**
 * `s3_log_extraction publish [<dir>] [--git]`.
 *
 * @module
 */

import { configuredPublish } from "../config.ts";
import { UsageError } from "../errors.ts";
import { publishSummaries } from "../summaries/publish.ts";
import { type Command, commandCacheDirectory, COMMON_HELP, expectPositionals } from "./command.ts";

/** The `publish` command. */
export const command: Command = {
  name: "publish",
  usage: "publish [<dir>] [--git]",
  help: `Writes the cache's current summaries into <dir> in the layout DANDI's usage page reads
(dandi/access-summaries' content/):
  <dir>/summaries/<dataset>/by_day.tsv, by_asset.tsv, by_region.tsv, requester_count.tsv, ...
  <dir>/summaries/archive/...
  <dir>/totals.json, archive_totals.json, region_codes_to_coordinates.yaml
Datasets that no longer exist are removed; nothing else in <dir> is touched. The new tree is
staged completely beside the old one and put in place by renames, so a reader never sees a
half-written file or a summaries/ folder mixed from two runs; an interrupted publish is
repaired by the next. It refuses (exit 1) when the summaries are missing or older than the
last extraction or region step: run the summary steps (or daily) first.

Arguments:
  <dir>     where to publish (default: S3_LOG_EXTRACTION_PUBLISH, or set_publish)

Options:
  --git     commit the change in the git checkout holding <dir> (only those paths; nothing
            when nothing changed). Default: S3_LOG_EXTRACTION_PUBLISH_GIT, or set_publish --git

${COMMON_HELP}`,
  options: { git: { type: "boolean" } },
  async run({ values, positionals }, context) {
    expectPositionals("publish", positionals, 0, 1, "[<dir>]");
    const configured = await configuredPublish({ env: context.env });
    const targetDirectory = positionals[0] ?? configured?.directory;
    if (targetDirectory === undefined) {
      throw new UsageError(
        "publish needs <dir>, or a configured one: run `s3_log_extraction set_publish <dir>` or " +
          "set S3_LOG_EXTRACTION_PUBLISH.",
      );
    }
    const cacheDirectory = await commandCacheDirectory(values, context);
    const result = await publishSummaries({
      cacheDirectory,
      targetDirectory,
      git: values.git === true || (positionals[0] === undefined && configured?.git === true),
    });
    if (values.json) context.out(JSON.stringify(result, null, 2));
    else if (!values.quiet) {
      const datasets = `${result.datasets} dataset${result.datasets === 1 ? "" : "s"}`;
      context.out(
        `Published the summaries of ${result.summariesWrittenAt} (${datasets}) into ` +
          `${result.targetDirectory}` +
          (result.commit ? `; committed ${result.commit.slice(0, 12)}.` : "."),
      );
    }
    return 0;
  },
};
