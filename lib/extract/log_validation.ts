/**
 * `validate`: reads log files without storing anything and reports, per kind of problem, how
 * many lines have it and where the first ones are. One pass does what the reference ran as five
 * separate awk validators (protocol text repeated or missing, timestamps, status detection,
 * downloads shorter than the object), plus every reason the extraction quarantines a line.
 *
 * @module
 */

import { join } from "node:path";
import { gunzipStream, isGzip } from "../gzip.ts";
import {
  hasControlCharacter,
  LineOutcome,
  LogLineParser,
  MALFORMED_REASON_TEXT,
  type MalformedReason,
} from "./line_parser.ts";
import { discoverLogFiles } from "./log_discovery.ts";
import { envelopeRecords, JsonRecordParser, jsonRecordStart } from "./json_record_parser.ts";
import { errorText } from "../errors.ts";
import { isIpAddress } from "../ip_address.ts";

/** A kind of problem `validate` reports. */
export type ProblemKind =
  | MalformedReason
  | "unknown_operation"
  | "protocol_repeated"
  | "missing_protocol"
  | "non_numeric_bytes"
  | "non_numeric_object_size"
  | "short_download";

/** What each kind of problem means, for reports. */
export const PROBLEM_TEXT: Readonly<Record<ProblemKind, string>> = {
  ...MALFORMED_REASON_TEXT,
  unknown_operation: "the operation field is not of the form REST.GET.OBJECT",
  protocol_repeated:
    "the text HTTP/1. occurs more than once (the reference's rule misreads such lines)",
  missing_protocol: "a GET request whose request URI does not end in HTTP/x (kept: read by shape)",
  non_numeric_bytes: "the bytes-sent field is neither a number nor '-'",
  non_numeric_object_size: "the object-size field is neither a number nor '-'",
  short_download: "status 200 (a download) with fewer bytes sent than the object size",
};

/**
 * Kinds that describe ordinary, correctly read lines (partial downloads, request URIs with a
 * second `HTTP/1.` or none): reported, but not failures unless `validate --strict`.
 */
export const INFORMATIONAL_KINDS: ReadonlySet<ProblemKind> = new Set<ProblemKind>([
  "short_download",
  "protocol_repeated",
  "missing_protocol",
]);

/** One kind of problem found. */
export interface ProblemCount {
  /** The kind. */
  kind: ProblemKind;
  /** Whether it is informational (see {@linkcode INFORMATIONAL_KINDS}). */
  informational: boolean;
  /** What it means. */
  description: string;
  /** Lines that have it. */
  lines: number;
  /** The first of them, as `path:line` (relative to the log directory). */
  examples: string[];
}

/** What `validate` found. */
export interface ValidationReport {
  /** Log files read. */
  files: number;
  /** Lines read. */
  lines: number;
  /** `REST.GET.OBJECT` lines with a 2xx status (what extraction keeps). */
  kept: number;
  /** Files that could not be read, with why. */
  unreadable: { path: string; reason: string }[];
  /** Problems, most frequent first. */
  problems: ProblemCount[];
}

/** Options of {@linkcode validateLogs}. */
export interface ValidateLogsOptions {
  /** The log directory. */
  logsDirectory: string;
  /** Examples kept per kind (default 5). */
  examples?: number;
  /** Called after each file with the files and lines read so far. */
  onProgress?: (files: number, lines: number) => void;
}

const PREFIX = /^\S+ +\S+ +\[[^\]]*\] +\S+ +\S+ +\S+ +(\S+)/;
const OPERATION = /^[A-Z0-9]+\.[A-Z0-9_]+(\.[A-Z0-9_]+)?$/;
const TAIL = /^" +(\d{3}) +\S+ +(\S+) +(\S+)/;
const NUMBER = /^(\d+|-)$/;
const DECODER = new TextDecoder();
const STRICT = new TextDecoder("utf-8", { fatal: true });

/** Problems for which extraction quarantines a line its parser kept. */
const REJECTED_AFTER_PARSING: readonly ProblemKind[] = [
  "invalid_utf8",
  "bad_client_ip",
  "bad_object_key",
];

/**
 * Reads every log file below `options.logsDirectory` and reports its problems.
 *
 * @param options The log directory and how many example lines to keep per kind of problem.
 * @returns Files and lines read, lines kept, and each kind of problem with its count and examples
 * (file and line).
 * @throws {OperatorError} When the log directory cannot be read.
 *
 * @example Usage
 * ```ts
 * import { validateLogs } from "./log_validation.ts";
 * import assert from "node:assert/strict";
 *
 * const logsDirectory = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${logsDirectory}/2022-04-06-03-05-53-0123456789ABCDEF`,
 *   'o b [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - R REST.GET.OBJECT ds1/a "GET /ds1/a HTTP/1.1" 200 - 12 99 5 3 "-" "-" -\n');
 * const report = await validateLogs({ logsDirectory });
 * assert.deepStrictEqual(report.problems.map((p) => [p.kind, p.lines, p.examples]), [
 *   ["short_download", 1, ["2022-04-06-03-05-53-0123456789ABCDEF:1"]],
 * ]);
 * await Deno.remove(logsDirectory, { recursive: true });
 * ```
 */
export async function validateLogs(options: ValidateLogsOptions): Promise<ValidationReport> {
  const keep = options.examples ?? 5;
  const report: ValidationReport = { files: 0, lines: 0, kept: 0, unreadable: [], problems: [] };
  const found = new Map<ProblemKind, ProblemCount>();
  const note = (kind: ProblemKind, path: string, line: number) => {
    let entry = found.get(kind);
    if (entry === undefined) {
      entry = {
        kind,
        informational: INFORMATIONAL_KINDS.has(kind),
        description: PROBLEM_TEXT[kind],
        lines: 0,
        examples: [],
      };
      found.set(kind, entry);
    }
    entry.lines++;
    if (entry.examples.length < keep) entry.examples.push(`${path}:${line}`);
  };
  const parser = new LogLineParser();
  const json = new JsonRecordParser();
  for (const entry of discoverLogFiles(options.logsDirectory)) {
    if (entry.kind !== "log") continue;
    const path = entry.file.path;
    let bytes: Uint8Array;
    try {
      bytes = await readLogBytes(join(options.logsDirectory, path));
    } catch (error) {
      report.unreadable.push({ path, reason: errorText(error) });
      continue;
    }
    report.files++;
    let start = 0;
    let line = 0;
    while (start < bytes.length) {
      let end = bytes.indexOf(0x0a, start);
      if (end === -1) end = bytes.length;
      line++;
      // Each read of the line: the line itself, or the records of a CloudWatch Logs envelope
      // (on the envelope's line, as extraction quarantines them).
      const reads: [LineOutcome, ProblemKind[]][] = [];
      if (jsonRecordStart(bytes, start, end) >= 0) {
        const outcome = json.parse(bytes, start, end);
        if (!json.envelope) {
          reads.push([outcome, recordProblems(json, outcome)]);
        } else {
          const envelope = envelopeRecords(bytes, start, end);
          if (envelope.kind === "bad") reads.push([LineOutcome.Malformed, ["bad_json"]]);
          for (const record of envelope.kind === "records" ? envelope.records : []) {
            if (record === undefined) reads.push([LineOutcome.Malformed, ["bad_json"]]);
            else {
              const outcome = json.parse(record, 0, record.length);
              reads.push([outcome, recordProblems(json, outcome)]);
            }
          }
        }
      } else {
        const outcome = parser.parse(bytes, start, end);
        const text = DECODER.decode(bytes.subarray(start, end));
        reads.push([
          outcome,
          lineProblems(parser, outcome, text, bytes.subarray(start, end), start),
        ]);
      }
      // A kind of problem counts once per line, as extraction quarantines a line once.
      for (const kind of new Set(reads.flatMap(([, problems]) => problems))) note(kind, path, line);
      for (const [outcome, problems] of reads) {
        // Kept as extraction keeps it: not a line it quarantines after parsing.
        const rejected = REJECTED_AFTER_PARSING.some((kind) => problems.includes(kind));
        if (outcome === LineOutcome.Kept && !rejected) report.kept++;
      }
      start = end + 1;
    }
    report.lines += line;
    options.onProgress?.(report.files, report.lines);
  }
  report.problems = [...found.values()].sort((a, b) =>
    b.lines - a.lines || (a.kind < b.kind ? -1 : 1)
  );
  return report;
}

/** The problems of one line, given what the extraction's parser made of it. */
function lineProblems(
  parser: LogLineParser,
  outcome: LineOutcome,
  text: string,
  line: Uint8Array,
  lineStart: number,
): ProblemKind[] {
  const problems: ProblemKind[] = [];
  if (text.split("HTTP/1.").length > 2) problems.push("protocol_repeated");
  const operation = PREFIX.exec(text)?.[1];
  if (operation !== undefined && !OPERATION.test(operation)) problems.push("unknown_operation");
  if (outcome === LineOutcome.Malformed) {
    problems.push(parser.reason === "missing_status" ? tailProblem(text) : parser.reason);
    return problems;
  }
  if (outcome !== LineOutcome.Kept) return problems;
  let ip: string;
  let key: string;
  try {
    key = STRICT.decode(line.subarray(parser.keyStart - lineStart, parser.keyEnd - lineStart));
    ip = STRICT.decode(line.subarray(parser.ipStart - lineStart, parser.ipEnd - lineStart));
  } catch {
    problems.push("invalid_utf8");
    return problems;
  }
  if (hasControlCharacter(key)) {
    problems.push("bad_object_key");
    return problems;
  }
  // The address check extraction makes (999.1.1.1 and 1.2.3 have the right characters only).
  if (ip !== "-" && !isIpAddress(ip)) {
    problems.push("bad_client_ip");
    return problems;
  }
  const uriEnd = parser.uriEnd - lineStart;
  const uri = DECODER.decode(line.subarray(0, uriEnd));
  // A bare "-" (no request URI recorded) is a field like any other.
  if (!uri.endsWith(" -") && !/HTTP\/\d(\.\d)?$/.test(uri)) {
    problems.push("missing_protocol");
  }
  if (parser.status === 200) {
    const tail = TAIL.exec(DECODER.decode(line.subarray(uriEnd)));
    const [sent, size] = [tail?.[2], tail?.[3]];
    if (sent && size && /^\d+$/.test(sent) && /^\d+$/.test(size) && Number(sent) < Number(size)) {
      problems.push("short_download");
    }
  }
  return problems;
}

/** The problems of one JSON record: those extraction quarantines it for. */
function recordProblems(json: JsonRecordParser, outcome: LineOutcome): ProblemKind[] {
  if (outcome === LineOutcome.Malformed) return [json.reason];
  if (outcome !== LineOutcome.Kept) return [];
  const ip = DECODER.decode(json.ipBuffer.subarray(json.ipStart, json.ipEnd));
  return ip !== "-" && !isIpAddress(ip) ? ["bad_client_ip"] : [];
}

/** Why no status was found: a sizes field that is not a number, or no status at all. */
function tailProblem(text: string): ProblemKind {
  const at = text.search(/HTTP\/\d(\.\d)?" /);
  const tail = at === -1 ? null : TAIL.exec(text.slice(text.indexOf('"', at)));
  if (tail !== null && !NUMBER.test(tail[2])) return "non_numeric_bytes";
  if (tail !== null && !NUMBER.test(tail[3])) return "non_numeric_object_size";
  return "missing_status";
}

async function readLogBytes(path: string): Promise<Uint8Array> {
  const bytes = await Deno.readFile(path);
  if (!isGzip(bytes)) return bytes;
  return new Uint8Array(await new Response(gunzipStream(bytes)).arrayBuffer());
}
