/**
 * `s3_log_extraction report`.
 *
 * @module
 */

import { generateReport } from "../report/generate_report.ts";
import {
  type Command,
  commandCacheDirectory,
  COMMON_HELP,
  expectPositionals,
  SAMPLE_HELP,
  SAMPLE_OPTION,
} from "./command.ts";

const plural = (count: number, word: string) =>
  `${count.toLocaleString("en-US")} ${word}${count === 1 ? "" : "s"}`;

/** The `report` command. */
export const command: Command = {
  name: "report",
  usage: "report [--sample]",
  help: `Writes <cache>/report/index.html: one self-contained page (inline CSS and SVG, no script,
nothing loaded from the network) with the archive's totals, bytes sent over time for the
archive and every dataset, a world map of the regions sized by bytes sent (cloud regions
marked apart), the datasets and the most requested assets. It is drawn only from the published
summaries and totals (run the generate_* steps or daily first), with their privacy rounding, so
it can be shared publicly. The sample's report says that its data is made up.

Options:
${SAMPLE_HELP}

${COMMON_HELP}`,
  options: { ...SAMPLE_OPTION },
  async run({ values, positionals }, context) {
    expectPositionals("report", positionals, 0, 0, "");
    const cacheDirectory = await commandCacheDirectory(values, context);
    const result = await generateReport({ cacheDirectory });
    if (values.json) context.out(JSON.stringify(result, null, 2));
    else if (!values.quiet) {
      context.out(
        `Wrote the report to ${result.path} (${(result.bytes / 1000).toFixed(0)} KB, ` +
          `${plural(result.datasets, "dataset")}, ${plural(result.regionsOnMap, "region")} on ` +
          "the map).",
      );
    }
    return 0;
  },
};
