/**
 * `s3_log_extraction generate_archive_totals`.
 *
 * @module
 */

import { generateArchiveTotals } from "../summaries/generate_summaries.ts";
import type { Command } from "./command.ts";
import { summaryCommand } from "./summary_command.ts";

/** `generate_archive_totals`. */
export const command: Command = summaryCommand({
  name: "generate_archive_totals",
  help: `Writes <cache>/summaries/archive_totals.json: the six totals of the whole archive,
from raw counts rounded once (requesters are distinct over all datasets).`,
  mapping: "none",
  run: generateArchiveTotals,
});
