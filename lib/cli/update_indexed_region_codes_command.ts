/**
 * `s3_log_extraction update_indexed_region_codes`.
 *
 * @module
 */

import { secretsFromEnvironment } from "../crypto/cache_secrets.ts";
import { updateIndexedRegionCodes } from "../regions/update_indexed_region_codes.ts";
import {
  type Command,
  commandCacheDirectory,
  type CommandContext,
  type CommandInput,
  COMMON_HELP,
  expectPositionals,
  integerOption,
} from "./command.ts";
import { GEO_DB_VARIABLE } from "../env.ts";

/**
 * The geo database of a command: `--geo-db`, else `S3_LOG_EXTRACTION_GEO_DB`, else none.
 *
 * @example Usage
 * ```ts
 * import { geoDatabase } from "./update_indexed_region_codes_command.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new Map([["S3_LOG_EXTRACTION_GEO_DB", "/srv/dbip-city-lite.mmdb"]]);
 * assert.deepStrictEqual(geoDatabase({}, { env }), "/srv/dbip-city-lite.mmdb");
 * assert.deepStrictEqual(geoDatabase({ "geo-db": "x.mmdb" }, { env }), "x.mmdb");
 * ```
 */
export function geoDatabase(
  values: CommandInput["values"],
  context: Pick<CommandContext, "env">,
): string | undefined {
  const flag = values["geo-db"];
  return (typeof flag === "string" && flag) || context.env.get(GEO_DB_VARIABLE) || undefined;
}

const n = (value: number) => value.toLocaleString("en-US");

/** The `update_indexed_region_codes` command. */
export const command: Command = {
  name: "update_indexed_region_codes",
  usage: "update_indexed_region_codes [--max-lookups N] [--batch-size N] [--geo-db FILE]",
  help: `Labels the IPs of the cache that have no region yet. First the published ranges of
GitHub, AWS, Google Cloud and a VPN/datacenter list (labels GitHub, AWS/<region>,
GCP/<region>, VPN; fetched at most once a day into <cache>/ranges/), then ipinfo's batch
endpoint for the rest (labels CC/Region, CC, Region, bogon, unknown). Every batch is committed,
so a kill loses at most one batch; a used-up quota or a refused token stops the lookups for
this run and keeps everything learned. IPs are decrypted in memory only and never printed.

Options:
  --max-lookups <n>  send at most n IPs to ipinfo in this run (paid lookups)
  --batch-size <n>   IPs per ipinfo call and per commit (default and maximum 1000)
  --geo-db <file>    a MaxMind DB file (.mmdb, e.g. DB-IP's free City Lite) answers instead
                     of ipinfo: offline, no quota (default: S3_LOG_EXTRACTION_GEO_DB)

Environment:
  S3_LOG_EXTRACTION_PASSWORD, S3_LOG_EXTRACTION_SALT  as for extract_logs
  IPINFO_API_KEY     ipinfo token (unset: only the service ranges are used)
  S3_LOG_EXTRACTION_GEO_DB  the geo database file, as --geo-db
  IPINFO_API_URL     ipinfo base URL (default https://ipinfo.io)
  GITHUB_META_URL, AWS_IP_RANGES_URL, GCP_IP_RANGES_URL, VPN_RANGES_URL   range sources

${COMMON_HELP}`,
  options: {
    "max-lookups": { type: "string" },
    "batch-size": { type: "string" },
    "geo-db": { type: "string" },
  },
  async run({ values, positionals }, context) {
    expectPositionals("update_indexed_region_codes", positionals, 0, 0, "");
    const maxLookups = integerOption(
      "update_indexed_region_codes",
      "max-lookups",
      values["max-lookups"],
      0,
    );
    const batchSize = integerOption(
      "update_indexed_region_codes",
      "batch-size",
      values["batch-size"],
      1,
    );
    const secrets = await secretsFromEnvironment(context.env);
    const cacheDirectory = await commandCacheDirectory(values, context);
    const summary = await updateIndexedRegionCodes({
      cacheDirectory,
      secrets,
      env: context.env,
      warn: context.err,
      signal: context.signal,
      maxLookups,
      batchSize,
      geoDatabase: geoDatabase(values, context),
    });
    if (values.json) context.out(JSON.stringify(summary, null, 2));
    else if (!values.quiet) {
      context.out(
        `Labelled ${n(summary.fromRanges + summary.fromIpinfo + summary.fromGeoDb)} of ` +
          `${n(summary.ips)} IPs (${n(summary.fromRanges)} from service ranges, ` +
          (summary.fromGeoDb > 0
            ? `${n(summary.fromGeoDb)} by the geo database); `
            : `${n(summary.fromIpinfo)} by ipinfo); `) +
          `${n(summary.alreadyLabelled)} had a label, ${n(summary.left)} ` +
          `${summary.left === 1 ? "is" : "are"} left for the next run.`,
      );
    }
    return 0;
  },
};
