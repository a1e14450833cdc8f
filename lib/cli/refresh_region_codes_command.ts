/**
 * `s3_log_extraction refresh_region_codes`.
 *
 * @module
 */

import { secretsFromEnvironment } from "../crypto/cache_secrets.ts";
import { refreshRegionCodes } from "../regions/update_indexed_region_codes.ts";
import { type Command, commandCacheDirectory, COMMON_HELP, expectPositionals } from "./command.ts";
import { geoDatabase } from "./update_indexed_region_codes_command.ts";

const n = (value: number) => value.toLocaleString("en-US");

/** The `refresh_region_codes` command. */
export const command: Command = {
  name: "refresh_region_codes",
  usage: "refresh_region_codes [--geo-db FILE]",
  help: `Re-checks a deterministic 1/90 of the labelled IPs each day, as the reference does (IPs
sorted as text, ceil(n/90) a day, partition = the day's ordinal modulo 90), so every label is
re-checked within 90 days. Changed labels are stored and listed by label, never by IP; a
failed or stopped lookup never replaces a label, nor does a geo database that does not know
an IP. Same options (--geo-db) and environment as update_indexed_region_codes.

${COMMON_HELP}`,
  options: { "geo-db": { type: "string" } },
  async run({ values, positionals }, context) {
    expectPositionals("refresh_region_codes", positionals, 0, 0, "");
    const secrets = await secretsFromEnvironment(context.env);
    const cacheDirectory = await commandCacheDirectory(values, context);
    const summary = await refreshRegionCodes({
      cacheDirectory,
      secrets,
      env: context.env,
      warn: context.err,
      signal: context.signal,
      geoDatabase: geoDatabase(values, context),
    });
    if (values.json) context.out(JSON.stringify(summary, null, 2));
    else if (!values.quiet) {
      const changed = summary.changes.length;
      context.out(
        `Re-checked ${n(summary.checked)} IP${summary.checked === 1 ? "" : "s"} (partition ` +
          `${summary.partition} of 90): ${n(changed)} label${changed === 1 ? "" : "s"} changed` +
          (changed > 0 ? ":" : "."),
      );
      const transitions = new Map<string, number>();
      for (const change of summary.changes) {
        const key = `${change.old} -> ${change.new}`;
        transitions.set(key, (transitions.get(key) ?? 0) + 1);
      }
      for (const [transition, count] of transitions) context.out(`  ${transition}: ${count}`);
    }
    return 0;
  },
};
