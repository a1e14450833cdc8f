/**
 * A converter of S3 text log lines into the structured JSON records of the delivery to
 * CloudWatch Logs (AWS's field list, `null` where the text format writes `-`), written for the
 * tests independently of the extraction's parsers: regular expressions and `JSON.stringify`.
 *
 * @module
 */

import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { textOfMaybeGzip } from "../lib/gzip.ts";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * Bucket owner, bucket, [time], IP, requester, request id, operation, key, then the request URI
 * (quoted, lazily up to the first place followed by the six fields of the right shape, or `-`),
 * status, error code, bytes sent, object size, total time, turn-around time, and the rest.
 */
const LINE =
  /^(\S+) (\S+) \[(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) \+0000\] (\S+) (\S+) (\S+) (\S+) (\S+) ("(.*?)"|-) (\d{3}|-) (\S+) (\d+|-) (\d+|-) (\d+|-) (\d+|-)(?: (.*))?$/;
const QUOTED_REST = /^"(.*?)" "(.*?)"(?: (.*))?$/;
const LATER_FIELDS = [
  "version_id",
  "host_id",
  "signature_version",
  "cipher_suite",
  "authentication_type",
  "host_header",
  "tls_version",
  "access_point_arn",
  "acl_required",
  "source_region",
];

const orNull = (field: string | undefined) => (field === undefined || field === "-" ? null : field);
const numberOrNull = (field: string | undefined) => {
  const value = orNull(field);
  return value === null ? null : Number(value);
};

/** The object key of a text key field (URL-encoded twice for REST and WEBSITE operations). */
function objectKey(field: string, operation: string): string | null {
  if (field === "-") return null;
  const once = decodeURIComponent(field);
  return /^(REST|WEBSITE)\./.test(operation) ? decodeURIComponent(once) : once;
}

/**
 * The JSON record of a text log line, or `undefined` when the line is not one this converter
 * reads (it is then kept as text). `milliseconds` fills the `.SSS` the text format lacks.
 */
export function jsonRecordOfLine(line: string, milliseconds = 0): string | undefined {
  const m = LINE.exec(line);
  if (m === null) return undefined;
  const month = MONTHS.indexOf(m[4]) + 1;
  if (month === 0) return undefined;
  let key: string | null;
  try {
    key = objectKey(m[13], m[12]);
  } catch {
    return undefined; // a key field that is not valid percent-encoding
  }
  const ms = String(milliseconds % 1000).padStart(3, "0");
  const record: Record<string, unknown> = {
    schema_version_id: "V_1_0",
    bucket_arn: `arn:aws:s3:::${m[2]}`,
    bucket_name: m[2],
    request_time: `${m[5]}-${String(month).padStart(2, "0")}-${m[3]}T${m[6]}:${m[7]}:${
      m[8]
    }.${ms}Z`,
    bucket_owner_id: m[1],
    remote_ip: orNull(m[9]),
    requester: orNull(m[10]),
    request_id: orNull(m[11]),
    operation: orNull(m[12]),
    key_name: key,
    request_uri: m[14] === "-" ? null : m[15],
    http_status: numberOrNull(m[16]),
    error_code: orNull(m[17]),
    bytes_sent: numberOrNull(m[18]),
    object_size: numberOrNull(m[19]),
    total_time: numberOrNull(m[20]),
    turn_around_time: numberOrNull(m[21]),
  };
  const rest = QUOTED_REST.exec(m[22] ?? "");
  if (rest !== null) {
    record.referrer = orNull(rest[1]);
    record.user_agent = orNull(rest[2]);
    const later = (rest[3] ?? "").split(" ").filter((field) => field !== "");
    later.forEach((field, i) => {
      if (i < LATER_FIELDS.length) record[LATER_FIELDS[i]] = orNull(field);
    });
  }
  return JSON.stringify(record);
}

/** How {@linkcode convertLogTree} writes each file. */
export interface ConvertOptions {
  /** Which files to convert (by path relative to the root): the others are copied as they are. */
  convert?: (path: string, index: number) => boolean;
  /** The converted file's name (default: the same). */
  rename?: (path: string) => string;
  /** Whether to write the converted file gzip-compressed (default: as the original was). */
  gzip?: (path: string, wasGzip: boolean) => boolean;
  /** Whether its lines follow the event time and a blank, as CloudWatch Logs exports write. */
  exportPrefix?: (path: string) => boolean;
}

/**
 * Writes below `to` a copy of the log tree `from` in which the chosen files hold JSON records:
 * line for line, lines the converter does not read kept as they are. Returns how many lines were
 * converted.
 */
export async function convertLogTree(
  from: string,
  to: string,
  options: ConvertOptions = {},
): Promise<number> {
  let converted = 0;
  let index = 0;
  const walk = async (relative: string) => {
    const entries = [];
    for await (const entry of Deno.readDir(join(from, relative))) entries.push(entry);
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory) {
        await Deno.mkdir(join(to, path), { recursive: true });
        await walk(path);
        continue;
      }
      const bytes = await Deno.readFile(join(from, path));
      if (!(options.convert ?? (() => true))(path, index++) || path.endsWith(".md")) {
        await Deno.writeFile(join(to, path), bytes);
        continue;
      }
      const wasGzip = bytes[0] === 0x1f && bytes[1] === 0x8b;
      const lines = (await textOfMaybeGzip(bytes)).split("\n");
      const prefix = options.exportPrefix?.(path) ?? false;
      const out = lines.map((line, i) => {
        const record = jsonRecordOfLine(line, i * 37);
        if (record === undefined) return line;
        converted++;
        return prefix ? `${JSON.parse(record).request_time} ${record}` : record;
      }).join("\n");
      const encoded = new TextEncoder().encode(out);
      const target = join(to, options.rename?.(path) ?? path);
      const compress = options.gzip?.(path, wasGzip) ?? wasGzip;
      await Deno.writeFile(target, compress ? gzipSync(encoded) : encoded);
    }
  };
  await Deno.mkdir(to, { recursive: true });
  await walk("");
  return converted;
}
