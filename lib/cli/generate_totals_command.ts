/**
 * `s3_log_extraction generate_totals`.
 *
 * @module
 */

import { generateTotals } from "../summaries/generate_summaries.ts";
import type { Command } from "./command.ts";
import { summaryCommand } from "./summary_command.ts";

/** `generate_totals`. */
export const command: Command = summaryCommand({
  name: "generate_totals",
  help: `Writes <cache>/summaries/totals.json: per dataset, total_bytes_sent,
total_number_of_requests, total_number_of_downloads, number_of_requesters (rounded once from
raw counts), number_of_unique_regions and number_of_unique_countries.`,
  mapping: "none",
  run: generateTotals,
});
