/**
 * `s3_log_extraction generate_summaries`.
 *
 * @module
 */

import { generateSummaries } from "../summaries/generate_summaries.ts";
import type { Command } from "./command.ts";
import { summaryCommand } from "./summary_command.ts";

/** `generate_summaries`. */
export const command: Command = summaryCommand({
  name: "generate_summaries",
  help: `Writes <cache>/summaries/<dataset>/by_day.tsv, by_asset.tsv, by_region.tsv and
requester_count.tsv for every dataset (the first segment of the object keys), with the
reference's columns and privacy rounding. Regions come from the IP labels (missing until
update_indexed_region_codes has run). The folder is replaced atomically.`,
  mapping: "none",
  sessions: true,
  all: ["generate_totals", "generate_archive_summaries", "generate_archive_totals"],
  run: generateSummaries,
});
