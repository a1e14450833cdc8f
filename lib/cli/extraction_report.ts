/**
 * The human-readable end-of-run report of `extract_logs`: a summary on stdout, and warnings on
 * stderr for what the operator should look at (failed, changed and malformed input).
 *
 * @module
 */

import type { ExtractionResult } from "../extract/extract_logs.ts";
import { MALFORMED_REASON_TEXT, type MalformedReason } from "../extract/line_parser.ts";
import { KNOWN_SCHEMA_VERSIONS } from "../extract/json_record_parser.ts";

/**
 * The summary lines of a run.
 *
 * @example Usage
 * ```ts
 * import { summaryLines } from "./extraction_report.ts";
 * import assert from "node:assert/strict";
 *
 * const run = {
 *   mode: "generic" as const, logsDirectory: "/logs", cacheDirectory: "/cache",
 *   files: { found: 2, done: 2, failed: 0, alreadyDone: 0, changed: 0, pending: 0, held: 0, notLogs: 1 },
 *   lines: { kept: 7, filtered: 3, excluded: 0, malformed: 0 },
 *   malformedByReason: {}, jsonRecords: {}, jsonWithoutBytes: 0, malformedExamples: [], failures: [], changedFiles: [], heldFiles: [],
 *   notLogExamples: ["README.md"], newIps: 1, bytesRead: 6307, seconds: 0.5, stopped: false,
 * };
 * const lines = summaryLines(run);
 * assert.deepStrictEqual(lines[0], "Extracted 2 log files from /logs into /cache (generic mode): 0.0 MB in 0.5 s (0 MB/s).");
 * // A stop that came before every file was listed says so.
 * const stopped = summaryLines({ ...run, stopped: true, unlisted: true });
 * assert.match(stopped[1], /^  files: 2 found before the stop \(the rest not listed yet\), 2 done/);
 * ```
 */
export function summaryLines(summary: ExtractionResult): string[] {
  const f = summary.files;
  const l = summary.lines;
  const n = (value: number) => value.toLocaleString("en-US");
  const mb = summary.bytesRead / 1e6;
  const rate = summary.seconds > 0 ? Math.round(mb / summary.seconds) : 0;
  const head = summary.stopped ? "Stopped after the batch in flight. Extracted" : "Extracted";
  const found = summary.unlisted
    ? `${n(f.found)} found before the stop (the rest not listed yet)`
    : `${n(f.found)} found`;
  const versions = Object.entries(summary.jsonRecords);
  const json = versions.reduce((total, [, count]) => total + count, 0);
  const jsonLine = json === 0 ? [] : [
    `  JSON records: ${n(json)} (${
      versions.map(([version, count]) => `${version || "no schema version"}: ${n(count)}`).join(
        ", ",
      )
    })`,
  ];
  return [
    `${head} ${n(f.done)} log file${f.done === 1 ? "" : "s"} from ${summary.logsDirectory} into ` +
    `${summary.cacheDirectory} (${summary.mode} mode): ${mb.toFixed(1)} MB in ` +
    `${summary.seconds.toFixed(1)} s (${rate} MB/s).`,
    `  files: ${found}, ${n(f.done)} done, ${n(f.failed)} failed, ` +
    `${n(f.alreadyDone)} already done, ${n(f.changed)} changed, ${n(f.pending)} left for ` +
    `later, ${f.held > 0 ? `${n(f.held)} held, ` : ""}${n(f.notLogs)} not log files`,
    `  lines: ${n(l.kept)} kept, ${n(l.filtered)} filtered, ${n(l.excluded)} excluded, ` +
    `${n(l.malformed)} malformed; ${n(summary.newIps)} new client IPs`,
    ...jsonLine,
  ];
}

/**
 * The warnings of a run, each saying what happened and what to do.
 *
 * @example Usage
 * ```ts
 * import { warningLines } from "./extraction_report.ts";
 * import assert from "node:assert/strict";
 *
 * const lines = warningLines({
 *   mode: "generic", logsDirectory: "/logs", cacheDirectory: "/cache",
 *   files: { found: 1, done: 0, failed: 1, alreadyDone: 0, changed: 0, pending: 0, held: 0, notLogs: 0 },
 *   lines: { kept: 0, filtered: 0, excluded: 0, malformed: 0 },
 *   malformedByReason: {}, jsonRecords: {}, jsonWithoutBytes: 0, malformedExamples: [], changedFiles: [], heldFiles: [], notLogExamples: [],
 *   failures: [{ path: "a.log.gz", reason: "truncated or corrupt gzip data" }],
 *   newIps: 0, bytesRead: 0, seconds: 0, stopped: false,
 * });
 * assert.deepStrictEqual(lines[0], "warning: 1 log file could not be read; it is retried on the next run:");
 * ```
 */
export function warningLines(summary: ExtractionResult): string[] {
  const lines: string[] = [];
  const f = summary.files;
  if (f.found === 0) {
    lines.push(
      `warning: no log files were found in ${summary.logsDirectory}` +
        (f.notLogs > 0 ? ` (${f.notLogs} other files)` : "") +
        ". Check the path: log files are named like 2020-01-01-05-06-35-0123456789ABCDEF or " +
        "end in .log, .json or .jsonl (the README lists every name read).",
    );
  }
  if (f.failed > 0) {
    lines.push(
      `warning: ${f.failed} log file${f.failed === 1 ? "" : "s"} could not be read; ` +
        `${f.failed === 1 ? "it is" : "they are"} retried on the next run:`,
    );
    for (const failure of summary.failures) lines.push(`  ${failure.path}: ${failure.reason}`);
  }
  if (f.changed > 0) {
    lines.push(
      `warning: ${f.changed} log file${f.changed === 1 ? "" : "s"} changed since ` +
        "extraction (size or modification time) and were read again, their earlier requests " +
        "replaced. S3 log objects never change: check what rewrites them (a mirror still " +
        "syncing?). Files:",
    );
    for (const path of summary.changedFiles) lines.push(`  ${path}`);
  }
  if (f.held > 0) {
    lines.push(
      `warning: ${f.held} log file${f.held === 1 ? " was" : "s were"} not read: the cache ` +
        "holds an imported cache of the Python tools, and their requests may already be in it. " +
        "If the old tools never read them, run extract_logs once with --unrecorded read; if " +
        "they did, run it once with --unrecorded skip. Files:",
    );
    for (const held of summary.heldFiles) lines.push(`  ${held.path}: ${held.reason}`);
  }
  const unknown = Object.entries(summary.jsonRecords).filter(([version]) =>
    !KNOWN_SCHEMA_VERSIONS.includes(version)
  );
  if (unknown.length > 0) {
    const count = unknown.reduce((total, [, n]) => total + n, 0);
    lines.push(
      `warning: ${count} JSON record${count === 1 ? " has" : "s have"} a schema version this ` +
        `version of s3-log-extraction does not know (${
          unknown.map(([version, n]) => `${version || "none"}: ${n}`).join(", ")
        }); ${count === 1 ? "it was" : "they were"} read with the fields of ` +
        `${KNOWN_SCHEMA_VERSIONS.join(", ")}. Check that their numbers look right, and update ` +
        "s3-log-extraction.",
    );
  }
  if (summary.jsonWithoutBytes > 0) {
    const n = summary.jsonWithoutBytes;
    lines.push(
      `warning: ${n} kept JSON record${n === 1 ? " has" : "s have"} no bytes_sent field ` +
        `(absent, not null), so ${n === 1 ? "its" : "their"} bytes count as 0. AWS's records ` +
        "have it: if yours name it otherwise, their bytes are lost; report it, and keep the " +
        "files to extract them again once the tool reads the name.",
    );
  }
  if (summary.lines.malformed > 0) {
    const reasons = Object.entries(summary.malformedByReason).map(([reason, count]) =>
      `${count} ${MALFORMED_REASON_TEXT[reason as MalformedReason]}`
    );
    lines.push(
      `warning: ${summary.lines.malformed} malformed line${
        summary.lines.malformed === 1 ? " was" : "s were"
      } quarantined in the cache (encrypted) and not counted: ${reasons.join("; ")}. First ones:`,
    );
    for (const m of summary.malformedExamples) lines.push(`  ${m.path}:${m.line} ${m.reason}`);
  }
  return lines;
}
