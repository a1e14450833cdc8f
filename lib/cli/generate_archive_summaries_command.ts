/**
 * `s3_log_extraction generate_archive_summaries`.
 *
 * @module
 */

import { generateArchiveSummaries } from "../summaries/generate_summaries.ts";
import type { Command } from "./command.ts";
import { summaryCommand } from "./summary_command.ts";

/** `generate_archive_summaries`. */
export const command: Command = summaryCommand({
  name: "generate_archive_summaries",
  help: `Writes <cache>/summaries/archive/by_day.tsv, by_region.tsv and requester_count.tsv
(distinct client IPs of the whole archive) from raw counts, rounded once; with --mapping also
by_asset_type_per_week.tsv.`,
  mapping: "optional",
  sessions: true,
  run: generateArchiveSummaries,
});
