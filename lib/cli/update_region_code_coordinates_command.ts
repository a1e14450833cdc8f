/**
 * `s3_log_extraction update_region_code_coordinates`.
 *
 * @module
 */

import { updateRegionCodeCoordinates } from "../regions/update_region_code_coordinates.ts";
import { type Command, commandCacheDirectory, COMMON_HELP, expectPositionals } from "./command.ts";

/** The `update_region_code_coordinates` command. */
export const command: Command = {
  name: "update_region_code_coordinates",
  usage: "update_region_code_coordinates",
  help: `Places every region label of the cache on the map: the reference's override table and
the locations of AWS and Google Cloud regions first, then OpenCage, asked within the label's
country. Labels that are no place (VPN, GitHub, unknown, bogon…) or that cannot be resolved
are listed with the reason. Coordinates are public data: they are stored in plain text.

Environment:
  OPENCAGE_API_KEY   OpenCage key (unset: only the built-in tables are used)
  OPENCAGE_API_URL   OpenCage endpoint (default https://api.opencagedata.com/geocode/v1/json)

${COMMON_HELP}`,
  options: {},
  async run({ values, positionals }, context) {
    expectPositionals("update_region_code_coordinates", positionals, 0, 0, "");
    const cacheDirectory = await commandCacheDirectory(values, context);
    const summary = await updateRegionCodeCoordinates({
      cacheDirectory,
      env: context.env,
      warn: context.err,
      signal: context.signal,
    });
    if (values.json) context.out(JSON.stringify(summary, null, 2));
    else if (!values.quiet) {
      const n = (value: number) => value.toLocaleString("en-US");
      const placed = summary.fromTables + summary.fromOpenCage;
      const left = summary.unresolved.length;
      context.out(
        `Placed ${n(placed)} region label${placed === 1 ? "" : "s"} ` +
          `(${n(summary.fromTables)} from the built-in tables, ${n(summary.fromOpenCage)} by ` +
          `OpenCage); ${n(summary.known)} ${summary.known === 1 ? "was" : "were"} placed before; ` +
          `${n(left)} ${left === 1 ? "has" : "have"} no coordinates${left > 0 ? ":" : "."}`,
      );
      for (const { label, reason } of summary.unresolved) context.out(`  ${label}: ${reason}`);
    }
    return 0;
  },
};
