/**
 * `s3_log_extraction status`.
 *
 * @module
 */

import { CLIENT_KINDS } from "../extract/client_kind.ts";
import { OPERATION_GROUPS, STATUS_CLASSES } from "../extract/operation_group.ts";
import { resolve } from "node:path";
import { type CacheStatus, cacheStatus } from "./cache_status.ts";
import { configuredLogsDirectory } from "../config.ts";
import {
  type Command,
  COMMON_HELP,
  expectPositionals,
  readCacheDirectory,
  SAMPLE_HELP,
  SAMPLE_OPTION,
} from "./command.ts";

/** The `status` command. */
export const command: Command = {
  name: "status",
  usage: "status [--logs <dir> | --logs s3://bucket/prefix] [--inventory DIR] [--json] [--sample]",
  help: `Shows the cache location and size, the run holding it now (if any), log files done,
failed and pending, the last run of each step and its result, requests and distinct IPs
stored, the share of IPs with a region label, quarantined lines and the summaries' age. Reads
counts only: no password needed, nothing written. Pending files are counted in the log
directory (--logs, else the configured one), which means listing it.

Options:
  --logs <dir>       the log directory to count pending files in (default: the configured
                     one); an s3:// location names the bucket and prefix for --inventory
  --inventory <dir>  a local copy of an S3 Inventory of the log bucket: log objects listed,
                     done, failed, percent complete and total size
${SAMPLE_HELP}

${COMMON_HELP}`,
  options: { logs: { type: "string" }, inventory: { type: "string" }, ...SAMPLE_OPTION },
  async run({ values, positionals }, context) {
    expectPositionals("status", positionals, 0, 0, "");
    const cacheDirectory = await readCacheDirectory(values, context);
    const logsDirectory = typeof values.logs === "string"
      ? (values.logs.startsWith("s3://") ? values.logs : resolve(values.logs))
      : await configuredLogsDirectory({ env: context.env });
    const inventory = typeof values.inventory === "string" ? resolve(values.inventory) : undefined;
    const status = await cacheStatus({ cacheDirectory, logsDirectory, inventory });
    if (values.json) context.out(JSON.stringify(status, null, 2));
    else if (!values.quiet) { for (const line of describe(status, new Date())) context.out(line); }
    return 0;
  },
};

/** `part` of `whole` as a percentage with one decimal (`46.5%`). */
function percentOf(part: number, whole: number): string {
  return `${(Math.round(part / whole * 1000) / 10).toFixed(1)}%`;
}

/**
 * The lines of `status` for a person.
 *
 * @example Usage
 * ```ts
 * import { describe } from "./status_command.ts";
 * import assert from "node:assert/strict";
 *
 * const lines = describe({
 *   cacheDirectory: "/c", exists: true, databaseBytes: 2_500_000,
 *   logFiles: { done: 120, failed: 1, partial: 0, imported: 0 },
 *   pending: { logsDirectory: "/logs", logFiles: 125, pending: 5 },
 *   lastRuns: [{ id: 2, command: "generate_totals", started_at: "2026-01-01T00:00:00.000Z",
 *     finished_at: "2026-01-01T00:00:03.000Z", outcome: "ok", warnings: 0 },
 *     { id: 1, command: "extract_logs", started_at: "2025-12-31T23:59:00.000Z",
 *     finished_at: "2025-12-31T23:59:30.000Z", outcome: "ok", warnings: 2 }],
 *   requests: 1170, ips: 156, labelledIps: 78, quarantinedLines: 0,
 *   labelKinds: { determined: 70, missing: 0, unknown: 8, undetermined: 0, bogon: 0, vpn: 0,
 *     cloud_service: 0, github: 0 },
 *   summariesWrittenAt: "2026-01-01T00:00:03.000Z",
 * }, new Date("2026-01-01T02:00:03Z"));
 * assert.deepStrictEqual(lines, [
 *   "Cache: /c (2.5 MB); no run is holding it.",
 *   "Log files: 120 done, 1 failed, 0 partly read; 5 of 125 in /logs not extracted yet.",
 *   "Requests: 1,170; distinct IPs: 156, 78 with a region label (50%); quarantined lines: 0.",
 *   "Last run: generate_totals, ok, 2026-01-01T00:00:00.000Z (3 s).",
 *   "  last extract_logs: ok with 2 warnings, 2025-12-31T23:59:00.000Z",
 *   "Summaries written 2026-01-01T00:00:03.000Z (2.0 h ago).",
 * ]);
 * ```
 */
export function describe(status: CacheStatus, now: Date): string[] {
  const n = (value: number) => value.toLocaleString("en-US");
  if (!status.exists) {
    return [
      `Cache: ${status.cacheDirectory}: nothing extracted yet. Run extract_logs (or daily).`,
      ...(status.pending
        ? [`Log files: ${n(status.pending.logFiles)} in ${status.pending.logsDirectory}.`]
        : []),
      ...(status.note === undefined ? [] : [`Note: ${status.note}.`]),
    ];
  }
  const lines = [
    `Cache: ${status.cacheDirectory} (${(status.databaseBytes / 1e6).toFixed(1)} MB); ` +
    (status.running
      ? `a run (pid ${status.running.pid}, since ${status.running.started_at}) is holding it.`
      : "no run is holding it."),
  ];
  const files = status.logFiles;
  lines.push(
    `Log files: ${n(files.done)} done, ${n(files.failed)} failed, ${n(files.partial)} partly read` +
      (files.imported > 0 ? `, ${n(files.imported)} object folders imported` : "") +
      (status.pending
        ? `; ${n(status.pending.pending)} of ${n(status.pending.logFiles)} in ` +
          `${status.pending.logsDirectory} not extracted yet.`
        : "."),
  );
  if (status.replacedLogFiles !== undefined) {
    const { count, examples } = status.replacedLogFiles;
    lines.push(
      `Re-read: ${n(count)} log file${count === 1 ? "" : "s"} had changed since extraction and ` +
        `${count === 1 ? "was" : "were"} read again by the last extraction, earlier requests ` +
        `replaced: ${examples.slice(0, 5).join(", ")}${count > 5 ? ", …" : ""}.`,
    );
  }
  if (status.heldLogFiles !== undefined) {
    lines.push(
      `Held: ${n(status.heldLogFiles)} log files were not read by the last extraction: their ` +
        "requests may be in the imported cache of the Python tools (see extract_logs " +
        "--unrecorded).",
    );
  }
  const share = status.ips === 0 ? 0 : Math.floor((status.labelledIps / status.ips) * 1000) / 10;
  lines.push(
    `Requests: ${n(status.requests)}; distinct IPs: ${n(status.ips)}, ${n(status.labelledIps)} ` +
      `with a region label (${share}%); quarantined lines: ${n(status.quarantinedLines)}.`,
  );
  if (status.requests > 0 && status.clientKinds !== undefined) {
    const shares = status.clientKinds.map((count, code) =>
      `${CLIENT_KINDS[code]} ${percentOf(count, status.requests)}`
    );
    lines.push(`Client kinds of the requests: ${shares.join(", ")}.`);
  }
  const operations = status.operations;
  const counted = operations?.groups.reduce((total, n) => total + n, 0) ?? 0;
  if (operations !== undefined && counted > status.requests) {
    const groups = operations.groups.map((count, code) =>
      `${OPERATION_GROUPS[code]} ${percentOf(count, counted)}`
    );
    const classes = operations.classes.map((count, code) =>
      `${STATUS_CLASSES[code]} ${percentOf(count, counted)}`
    );
    lines.push(
      `Operations of the ${n(counted)} lines counted: ${groups.join(", ")}; statuses: ` +
        `${classes.join(", ")}.`,
    );
  }
  const last = status.lastRuns[0];
  if (last !== undefined) {
    const seconds = last.finished_at === null
      ? undefined
      : (Date.parse(last.finished_at) - Date.parse(last.started_at)) / 1000;
    const warned = (run: { warnings: number }) =>
      run.warnings > 0 ? ` with ${run.warnings} warning${run.warnings === 1 ? "" : "s"}` : "";
    lines.push(
      `Last run: ${last.command}, ${last.outcome ?? "did not finish"}${warned(last)}, ` +
        `${last.started_at}` + (seconds === undefined ? "." : ` (${Math.round(seconds)} s).`),
    );
    for (const run of status.lastRuns.slice(1)) {
      if (run.outcome !== "ok" || run.warnings > 0) {
        lines.push(
          `  last ${run.command}: ${run.outcome ?? "did not finish"}${warned(run)}, ` +
            run.started_at,
        );
      }
    }
  }
  const inventory = status.inventory;
  if (inventory !== undefined) {
    lines.push(
      `Inventory ${inventory.partition}: ${n(inventory.logObjects)} log objects ` +
        `(${(inventory.bytes / 1e6).toFixed(1)} MB) below ${inventory.location}: ` +
        `${n(inventory.done)} done, ${n(inventory.failed)} failed, ` +
        `${inventory.percentComplete.toFixed(1)}% complete.`,
    );
  }
  if (status.note !== undefined) lines.push(`Note: ${status.note}.`);
  if (status.summariesWrittenAt !== undefined) {
    const hours = (now.getTime() - Date.parse(status.summariesWrittenAt)) / 3_600_000;
    lines.push(`Summaries written ${status.summariesWrittenAt} (${hours.toFixed(1)} h ago).`);
  } else lines.push("No summaries yet: run generate_summaries (or daily).");
  if (status.summariesFailed !== undefined) {
    const { command, started_at } = status.summariesFailed;
    lines.push(
      `The last summary step, ${command} of ${started_at}, did not succeed: the summaries are ` +
        "older than the cache. Run it again (or daily).",
    );
  }
  return lines;
}
