/**
 * `s3_log_extraction generate_dandiset_totals`.
 *
 * @module
 */

import { generateDandisetTotals } from "../summaries/generate_summaries.ts";
import type { Command } from "./command.ts";
import { summaryCommand } from "./summary_command.ts";

/** `generate_dandiset_totals`. */
export const command: Command = summaryCommand({
  name: "generate_dandiset_totals",
  help: `Like generate_totals, with dandisets as datasets (through the content-id mapping).`,
  mapping: "required",
  run: (options) => generateDandisetTotals({ ...options, mapping: options.mapping! }),
});
