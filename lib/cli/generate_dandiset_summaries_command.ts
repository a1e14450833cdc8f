/**
 * `s3_log_extraction generate_dandiset_summaries`.
 *
 * @module
 */

import { generateDandisetSummaries } from "../summaries/generate_summaries.ts";
import type { Command } from "./command.ts";
import { summaryCommand } from "./summary_command.ts";

/** `generate_dandiset_summaries`. */
export const command: Command = summaryCommand({
  name: "generate_dandiset_summaries",
  help: `Like generate_summaries, with dandisets as datasets: each blob or Zarr is attributed to
the first dandiset and asset path the mapping gives, or to "undetermined". Adds
by_asset_per_week.tsv and by_asset_type_per_week.tsv (weeks start on Monday).`,
  mapping: "required",
  choice: true,
  sessions: true,
  all: ["generate_dandiset_totals", "generate_archive_summaries", "generate_archive_totals"],
  run: (options) => generateDandisetSummaries({ ...options, mapping: options.mapping! }),
});
