/**
 * `s3_log_extraction report`.
 *
 * @module
 */

import { TITLES_VARIABLE } from "../env.ts";
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
  usage: "report [--titles FILE] [--sample]",
  help: `Writes <cache>/report/index.html, all_datasets.html and a page per dataset in datasets/:
self-contained pages (inline CSS and SVG, no script, nothing loaded from the network) with the
archive's totals, bytes, requests and downloads over time for the archive and every dataset, a
world map of the regions sized by bytes sent (cloud regions marked apart), countries, the
datasets and the assets with the most bytes sent. It is drawn only from the published
summaries and totals (run the generate_* steps or daily first), with their privacy rounding, so
it can be shared publicly. The sample's report says that its data is made up.

Options:
  --titles <file>  a JSON object of dataset name → title, shown beside each dataset's name
                   (default: S3_LOG_EXTRACTION_TITLES)
${SAMPLE_HELP}

${COMMON_HELP}`,
  options: { titles: { type: "string" }, ...SAMPLE_OPTION },
  async run({ values, positionals }, context) {
    expectPositionals("report", positionals, 0, 0, "");
    const cacheDirectory = await commandCacheDirectory(values, context);
    const titles = (values.titles as string | undefined) ||
      context.env.get(TITLES_VARIABLE) || undefined;
    const result = await generateReport({ cacheDirectory, titles });
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
