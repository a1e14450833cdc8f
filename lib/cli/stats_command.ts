/**
 * `s3_log_extraction stats [--inventory DIR]`: the reference's stats report (and, through
 * `completion_command.ts`, its completion report), in its exact text, from the cache's counts (never an IP).
 *
 * @module
 */

import { resolve } from "node:path";
import { type CacheStatus, cacheStatus, type LabelKind } from "./cache_status.ts";
import { configuredLogsDirectory } from "../config.ts";
import { UsageError } from "../errors.ts";
import { type Command, COMMON_HELP, expectPositionals, readCacheDirectory } from "./command.ts";

const KINDS: [LabelKind, string][] = [
  ["determined", "Determined"],
  ["missing", "Missing"],
  ["unknown", "Unknown"],
  ["undetermined", "Undetermined"],
  ["bogon", "Bogon"],
  ["vpn", "VPN"],
  ["cloud_service", "Cloud service"],
  ["github", "GitHub"],
];

/** `part` as a percentage of `whole` (0 of nothing). */
export const percent = (part: number, whole: number): number =>
  whole === 0 ? 0 : (part / whole) * 100;

/**
 * The lines of `stats`, as the reference prints them.
 *
 * @example Usage
 * ```ts
 * import { statsLines } from "./stats_command.ts";
 * import assert from "node:assert/strict";
 *
 * const lines = statsLines({
 *   ips: 4, labelledIps: 2,
 *   labelKinds: { determined: 1, missing: 0, unknown: 0, undetermined: 0, bogon: 1, vpn: 0, cloud_service: 0, github: 0 },
 * });
 * assert.deepStrictEqual(lines.slice(0, 4), [
 *   "Extracted IPs   : 4",
 *   "Classified IPs  : 2",
 *   "Percent classif.: 50.00%",
 *   "  Determined    :       1  ( 50.00%)",
 * ]);
 * ```
 */
export function statsLines(
  status: Pick<CacheStatus, "ips" | "labelledIps" | "labelKinds" | "inventory">,
): string[] {
  const lines: string[] = [];
  if (status.inventory !== undefined) {
    const { logObjects, done } = status.inventory;
    lines.push(
      `File count      : ${logObjects}`,
      `Processed files : ${done}`,
      `Percent complete: ${percent(done, logObjects).toFixed(2)}%`,
      "",
    );
  }
  lines.push(
    `Extracted IPs   : ${status.ips}`,
    `Classified IPs  : ${status.labelledIps}`,
    `Percent classif.: ${percent(status.labelledIps, status.ips).toFixed(2)}%`,
  );
  for (const [kind, label] of KINDS) {
    const count = status.labelKinds[kind];
    const share = percent(count, status.labelledIps).toFixed(2);
    lines.push(`  ${label.padEnd(14)}: ${String(count).padStart(7)}  (${share.padStart(6)}%)`);
  }
  return lines;
}

/** The cache status a report command reads, with the inventory when `--inventory` names one. */
export async function statusOf(
  values: Record<string, string | boolean | undefined>,
  context: Parameters<Command["run"]>[1],
): Promise<CacheStatus> {
  const cacheDirectory = await readCacheDirectory(values, context);
  const inventory = typeof values.inventory === "string" ? resolve(values.inventory) : undefined;
  const logs = await configuredLogsDirectory({ env: context.env });
  return await cacheStatus({
    cacheDirectory,
    inventory,
    // The bucket and prefix of a configured s3:// location narrow the inventory's objects.
    logsDirectory: logs?.startsWith("s3://") && inventory ? logs : undefined,
  });
}

/** The `stats` command. */
export const command: Command = {
  name: "stats",
  usage: "stats [--inventory DIR]",
  help: `Prints what the reference's \`stats\` prints, from the cache's counts (no IP, no
password): with --inventory, the log objects it lists, how many are extracted and the percent
complete; then the distinct client IPs, how many have a region label, and those labels by kind
(determined, missing, unknown, undetermined, bogon, VPN, cloud service, GitHub) with their share
of the labelled IPs.

Options:
  --inventory <dir>  a local copy of an S3 Inventory of the log bucket
  --encryption true  accepted (the cache is always encrypted); false is refused

${COMMON_HELP}`,
  options: { inventory: { type: "string" }, encryption: { type: "string" } },
  async run({ values, positionals }, context) {
    expectPositionals("stats", positionals, 0, 0, "");
    refuseNoEncryption("stats", values.encryption);
    const status = await statusOf(values, context);
    if (values.json) {
      context.out(JSON.stringify(
        {
          inventory: status.inventory,
          ips: status.ips,
          labelledIps: status.labelledIps,
          labelKinds: status.labelKinds,
        },
        null,
        2,
      ));
    } else if (!values.quiet) { for (const line of statsLines(status)) context.out(line); }
    return 0;
  },
};

function refuseNoEncryption(command: string, value: string | boolean | undefined): void {
  if (value === undefined || /^(true|1|yes|y|t|on)$/i.test(String(value))) return;
  throw new UsageError(
    `${command} --encryption ${value} is not supported: the cache is always encrypted, and ` +
      "these counts need no password. Drop the option.",
  );
}
