/**
 * The byte-level reader of S3 server access log records in JSON: the structured format of the
 * delivery to CloudWatch Logs (one JSON object per record), and of its exports to S3 (JSON lines,
 * each optionally after the event's ISO 8601 time and a blank, as CloudWatch Logs export tasks
 * write them).
 *
 * Like the text parser it builds no strings and no objects per record: one pass over the bytes
 * checks that the record is one whole JSON object and notes where the fields the rules need are
 * (`schema_version_id`, `request_time`, `remote_ip`, `operation`, `key_name`, `http_status`,
 * `bytes_sent`); every other field is skipped, whatever its type, and so are unknown ones. The
 * rules are the text format's: `REST.GET.OBJECT` with a 2xx status, the time in whole UTC seconds,
 * bytes `null` or absent read as 0, a download when the status is exactly 200, `null` where the
 * text format writes `-`. `key_name` holds the object key itself; it is written as the text
 * format's key field writes it ({@linkcode encodeLogKeyBytes}), so both formats give the same
 * cache keys.
 *
 * @module
 */

import { LogDays } from "./civil_time.ts";
import { isPlausibleTime, latestLogTime, MAX_BYTES_SENT } from "../log_bounds.ts";
import { encodeLogKeyBytes, isKeptAsIs } from "./log_key_encoding.ts";
import { statusClass, threadOperationCodes } from "./operation_group.ts";
import { ByteArena, nextQuote, nextQuoteOrBackslash, wordView } from "./byte_search.ts";
import {
  dandiKeyEnd,
  type ExtractionMode,
  hasIpShape,
  LineOutcome,
  type MalformedReason,
  MAX_LINE_BYTES,
} from "./line_parser.ts";

/** The schema versions whose field list this version of the tool was written for. */
export const KNOWN_SCHEMA_VERSIONS: readonly string[] = ["V_1_0"];

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
const DASH = 0x2d;
const ZERO = 0x30;
const SPACE = 0x20;

const ENCODER = new TextEncoder();
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });
const GET_OBJECT = ENCODER.encode("REST.GET.OBJECT");
const DASH_FIELD = ENCODER.encode("-");

/** Value kinds noted per field. */
const ABSENT = 0;
const STRING = 1;
const NULL = 2;
const NUMBER = 3;
const OTHER = 4;

/** The fields read, by index into the parser's tables. */
const FIELD_NAMES = [
  "schema_version_id",
  "request_time",
  "remote_ip",
  "operation",
  "key_name",
  "http_status",
  "bytes_sent",
  "logEvents",
  "user_agent",
  "object_size",
] as const;
const VERSION = 0;
const TIME = 1;
const IP = 2;
const OPERATION = 3;
const KEY = 4;
const STATUS = 5;
const BYTES = 6;
const LOG_EVENTS = 7;
const USER_AGENT = 8;
const OBJECT_SIZE = 9;
const FIELD_BYTES = FIELD_NAMES.map((name) => ENCODER.encode(name));
/** What `#readKey` returns when the key is read. */
const KEY_READ = -1;

function isWhitespace(byte: number): boolean {
  return byte === SPACE || byte === 0x09 || byte === 0x0a || byte === 0x0d;
}

function skipWhitespace(buf: Uint8Array, p: number, end: number): number {
  while (p < end && isWhitespace(buf[p])) p++;
  return p;
}

/** {@linkcode skipWhitespace} without a loop in the usual case: compact JSON has no blanks. */
function skipWhitespaceFast(buf: Uint8Array, p: number, end: number): number {
  return buf[p] > SPACE ? p : skipWhitespace(buf, p, end);
}

function digitsAt(buf: Uint8Array, p: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) {
    const d = buf[p + i] - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * Where the JSON object of the line `buf[start..end)` begins (its `{`), or -1 when the line is
 * not a JSON record. A record may follow a byte order mark, blanks, or an ISO 8601 time and a
 * blank (CloudWatch Logs exports).
 * No text-format line qualifies: those begin with the bucket owner's id.
 *
 * @example Usage
 * ```ts
 * import { jsonRecordStart } from "./json_record_parser.ts";
 * import assert from "node:assert/strict";
 *
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * const exported = bytes('2026-07-01T00:00:00.000Z {"a":1}');
 * assert.deepStrictEqual(jsonRecordStart(bytes(' {"a":1}'), 0, 8), 1);
 * assert.deepStrictEqual(jsonRecordStart(exported, 0, exported.length), 25);
 * assert.deepStrictEqual(jsonRecordStart(bytes("79a59df9 bucket [06/Feb/2019:00:00:38 +0000]"), 0, 44), -1);
 * ```
 */
export function jsonRecordStart(buf: Uint8Array, start: number, end: number): number {
  let p = start;
  // A byte order mark, as some tools write at a file's start.
  if (buf[p] === 0xef && buf[p + 1] === 0xbb && buf[p + 2] === 0xbf && p + 3 <= end) p += 3;
  while (p < end && (buf[p] === SPACE || buf[p] === 0x09)) p++;
  if (p >= end) return -1;
  if (buf[p] === OPEN_BRACE) return p;
  // "2026-07-01T00:00:00.000Z {": a date, a "T", then a blank and the object.
  if (end - p < 22 || buf[p + 4] !== DASH || buf[p + 7] !== DASH || buf[p + 10] !== 0x54) {
    return -1;
  }
  if (digitsAt(buf, p, 4) < 0) return -1;
  const limit = Math.min(end, p + 40);
  for (let q = p + 11; q < limit; q++) {
    if (buf[q] === SPACE) {
      const brace = skipWhitespace(buf, q, end);
      return brace < end && buf[brace] === OPEN_BRACE ? brace : -1;
    }
  }
  return -1;
}

/**
 * Reads S3 server access log records in JSON held in a byte buffer. After
 * {@linkcode JsonRecordParser.parse} returns {@linkcode LineOutcome.Kept}, the fields of the
 * request are on the parser (the key and IP as byte ranges of `keyBuffer` and `ipBuffer`). After
 * any outcome but a malformed record, `versionBuffer[versionStart..versionEnd)` is the record's
 * `schema_version_id` (empty when it has none).
 *
 * @example Read one record
 * ```ts
 * import { JsonRecordParser } from "./json_record_parser.ts";
 * import { LineOutcome } from "./line_parser.ts";
 * import assert from "node:assert/strict";
 *
 * const record = new TextEncoder().encode(JSON.stringify({
 *   schema_version_id: "V_1_0", request_time: "2026-07-01T12:00:05.250Z", remote_ip: "192.0.2.7",
 *   operation: "REST.GET.OBJECT", key_name: "ds1/a b.nwb", http_status: 206, bytes_sent: 512,
 * }));
 * const parser = new JsonRecordParser();
 * assert.deepStrictEqual(parser.parse(record, 0, record.length), LineOutcome.Kept);
 * const text = (buf: Uint8Array, start: number, end: number) =>
 *   new TextDecoder().decode(buf.subarray(start, end));
 * assert.deepStrictEqual(text(parser.keyBuffer, parser.keyStart, parser.keyEnd), "ds1/a%2520b.nwb");
 * assert.deepStrictEqual(parser.time, Date.UTC(2026, 6, 1, 12, 0, 5) / 1000);
 * assert.deepStrictEqual([parser.bytesSent, parser.download], [512, false]);
 * ```
 */
export class JsonRecordParser {
  /** The buffer that holds the object key (the line's, or the parser's own once encoded). */
  keyBuffer: Uint8Array = DASH_FIELD;
  /** Start of the object key (after the DANDI Zarr pooling, if any). */
  keyStart = 0;
  /** End (exclusive) of the object key. */
  keyEnd = 0;
  /** The buffer that holds the remote IP. */
  ipBuffer: Uint8Array = DASH_FIELD;
  /** Start of the remote IP. */
  ipStart = 0;
  /** End (exclusive) of the remote IP. */
  ipEnd = 0;
  /** The buffer that holds the schema version. */
  versionBuffer: Uint8Array = DASH_FIELD;
  /** Start of the schema version. */
  versionStart = 0;
  /** End (exclusive) of the schema version; equal to the start when the record has none. */
  versionEnd = 0;
  /** UTC time of the request in seconds since the epoch. */
  time = 0;
  /** Bytes sent (`null` or absent read as 0). */
  bytesSent = 0;
  /** Whether the record has a `bytes_sent` field (a `null` one included). */
  hasBytesField = false;
  /** The object's size (`object_size`), or -1 when it is `null` or absent. */
  objectSize = -1;
  /** The buffer that holds the User-Agent (`-` when it is `null` or absent). */
  userAgentBuffer: Uint8Array = DASH_FIELD;
  /** Start of the User-Agent. */
  userAgentStart = 0;
  /** End (exclusive) of the User-Agent. */
  userAgentEnd = 1;
  /** The HTTP status of the request. */
  status = 0;
  /** Whether the status is exactly 200 (a whole-object download). */
  download = false;
  /** The operation's code (see `operationCode`): 0, a download, for a kept request. */
  operation = 0;
  /** The status class's code of a counted record (see `statusClass`). */
  statusClass = 0;
  /** Whether a counted record names an object (not `null` or `-`; in `dandi` mode a blob or Zarr). */
  hasKey = false;
  /** Why the last record was malformed. */
  reason: MalformedReason = "bad_json";
  /**
   * Whether the last object, filtered, was a CloudWatch Logs subscription envelope
   * (`{"messageType": …, "logEvents": [{"message": "<record>"}, …]}`, what Firehose writes when
   * it does not extract the messages): its records are in its `logEvents`.
   */
  envelope = false;

  #mode: ExtractionMode;
  #latest: number;
  #operations = threadOperationCodes();
  #days = new LogDays();
  #kinds = new Uint8Array(FIELD_NAMES.length);
  #starts = new Int32Array(FIELD_NAMES.length);
  #ends = new Int32Array(FIELD_NAMES.length);
  #escaped = new Uint8Array(FIELD_NAMES.length);
  /** Unescaped strings, and the encoded key. */
  #unescaped: Uint8Array[] = FIELD_NAMES.map(() => new Uint8Array(64));
  #encodedKey = new Uint8Array(320);
  /**
   * The names of the last record's members, by position (`NAME_BYTES` bytes a slot, length 0:
   * none known), and the field each is: records of one source list the same names in the same
   * order, so a name is checked against the one before it instead of searched for its quote.
   */
  #names = new ByteArena(NAME_SLOTS * NAME_BYTES);
  #nameLengths = new Uint8Array(NAME_SLOTS);
  #nameFields = new Int8Array(NAME_SLOTS);

  /**
   * Creates a parser for the given extraction mode (`generic` unless told); times after `now`
   * plus a week are out of range.
   */
  constructor(options: { mode?: ExtractionMode; now?: Date } = {}) {
    this.#mode = options.mode ?? "generic";
    this.#latest = latestLogTime(options.now);
  }

  /**
   * Parses the record of the line `buf[start..end)` (without its `\n`).
   *
   * @returns What happened to the record.
   */
  parse(buf: Uint8Array, start: number, end: number): LineOutcome {
    if (end - start > MAX_LINE_BYTES) return this.#malformed("line_too_long");
    const open = jsonRecordStart(buf, start, end);
    if (open < 0 || !this.#scan(buf, open, end) || !this.#unescape(buf)) {
      return this.#malformed("bad_json");
    }
    if (this.#kinds[VERSION] === STRING) {
      this.versionBuffer = this.#valueBuffer(buf, VERSION);
      this.versionStart = this.#starts[VERSION];
      this.versionEnd = this.#ends[VERSION];
    } else {
      this.versionBuffer = DASH_FIELD;
      this.versionStart = this.versionEnd = 0;
    }
    // The rules, in the text parser's order: the operation, the key, the status, then checks.
    this.envelope = false;
    if (this.#kinds[OPERATION] !== STRING) {
      const kind = this.#kinds[OPERATION];
      this.envelope = kind === ABSENT && this.#kinds[LOG_EVENTS] === OTHER;
      return kind === ABSENT || kind === NULL
        ? LineOutcome.Filtered
        : this.#malformed("missing_field");
    }
    // The download rules check the records they keep strictly; the others are only counted
    // when they read whole, and filtered out when not.
    let strict = this.#equals(OPERATION, buf, GET_OBJECT);
    this.operation = strict ? 0 : this.#operations.code(
      this.#valueBuffer(buf, OPERATION),
      this.#starts[OPERATION],
      this.#ends[OPERATION],
    );
    const keyOutcome = this.#readKey(buf);
    if (keyOutcome === LineOutcome.Filtered) strict = false;
    else if (keyOutcome !== KEY_READ) return strict ? keyOutcome : LineOutcome.Filtered;
    const status = this.#integer(buf, STATUS);
    if (status < 0) return strict ? this.#malformed("missing_field") : LineOutcome.Filtered;
    this.status = status;
    if (!strict || status < 200 || status > 299) return this.#counted(buf, keyOutcome);
    if (this.#kinds[TIME] !== STRING) return this.#malformed("missing_field");
    if (!this.#parseTime(this.#valueBuffer(buf, TIME), this.#starts[TIME], this.#ends[TIME])) {
      return this.#malformed("bad_timestamp");
    }
    if (!isPlausibleTime(this.time, this.#latest)) {
      return this.#malformed("time_out_of_range");
    }
    this.hasBytesField = this.#kinds[BYTES] !== ABSENT;
    this.bytesSent = this.#bytesSent(buf);
    if (this.bytesSent < 0) return this.#malformed("missing_field");
    if (this.bytesSent > MAX_BYTES_SENT) return this.#malformed("implausible_bytes");
    if (!this.#readIp(buf)) return this.#malformed("bad_client_ip");
    this.objectSize = this.#objectSize(buf);
    if (this.#kinds[USER_AGENT] === STRING) {
      this.userAgentBuffer = this.#valueBuffer(buf, USER_AGENT);
      this.userAgentStart = this.#starts[USER_AGENT];
      this.userAgentEnd = this.#ends[USER_AGENT];
    } else {
      this.userAgentBuffer = DASH_FIELD;
      this.userAgentStart = 0;
      this.userAgentEnd = 1;
    }
    this.download = status === 200;
    return LineOutcome.Kept;
  }

  /**
   * A record the rules do not keep (its key read, or left out in `dandi` mode): counted when
   * its status, time, bytes and IP are ones a kept request could have, else filtered out.
   */
  #counted(buf: Uint8Array, keyOutcome: LineOutcome | typeof KEY_READ): LineOutcome {
    this.hasKey = keyOutcome === KEY_READ &&
      !(this.keyEnd - this.keyStart === 1 && this.keyBuffer[this.keyStart] === DASH_FIELD[0]);
    this.statusClass = statusClass(this.status);
    this.bytesSent = this.#bytesSent(buf);
    this.objectSize = this.#objectSize(buf);
    if (
      this.statusClass < 0 || this.#kinds[TIME] !== STRING ||
      !this.#parseTime(this.#valueBuffer(buf, TIME), this.#starts[TIME], this.#ends[TIME]) ||
      !isPlausibleTime(this.time, this.#latest) || this.bytesSent < 0 ||
      this.bytesSent > MAX_BYTES_SENT || !this.#readIp(buf)
    ) {
      return LineOutcome.Filtered;
    }
    return LineOutcome.Counted;
  }

  /** The `bytes_sent` field: 0 when it is `null` or absent, -1 when it is no integer. */
  #bytesSent(buf: Uint8Array): number {
    const kind = this.#kinds[BYTES];
    return kind === ABSENT || kind === NULL ? 0 : this.#integer(buf, BYTES);
  }

  /** The `object_size` field, -1 when it is not a number. */
  #objectSize(buf: Uint8Array): number {
    return this.#kinds[OBJECT_SIZE] === NUMBER ? this.#integer(buf, OBJECT_SIZE) : -1;
  }

  #malformed(reason: MalformedReason): LineOutcome {
    this.reason = reason;
    return LineOutcome.Malformed;
  }

  /** Unescapes the escaped strings among the fields read; false for an invalid escape. */
  #unescape(buf: Uint8Array): boolean {
    for (let f = 0; f < FIELD_NAMES.length; f++) {
      if (this.#escaped[f] === 0) continue;
      const start = this.#starts[f];
      const end = this.#ends[f];
      // An escape is never shorter than the UTF-8 it stands for.
      if (this.#unescaped[f].length < end - start) this.#unescaped[f] = new Uint8Array(end - start);
      const length = unescapeInto(buf, start, end, this.#unescaped[f]);
      if (length < 0) return false;
      this.#starts[f] = 0;
      this.#ends[f] = length;
    }
    return true;
  }

  #valueBuffer(buf: Uint8Array, f: number): Uint8Array {
    return this.#escaped[f] === 0 ? buf : this.#unescaped[f];
  }

  #equals(f: number, buf: Uint8Array, expected: Uint8Array): boolean {
    const value = this.#valueBuffer(buf, f);
    const start = this.#starts[f];
    if (this.#ends[f] - start !== expected.length) return false;
    for (let i = 0; i < expected.length; i++) if (value[start + i] !== expected[i]) return false;
    return true;
  }

  /** A non-negative integer (a JSON number, or a string of digits), or -1. */
  #integer(buf: Uint8Array, f: number): number {
    const kind = this.#kinds[f];
    if (kind !== NUMBER && kind !== STRING) return -1;
    const value = this.#valueBuffer(buf, f);
    const start = this.#starts[f];
    const end = this.#ends[f];
    if (end === start) return -1;
    let n = 0;
    for (let p = start; p < end; p++) {
      const d = value[p] - ZERO;
      if (d < 0 || d > 9) return -1;
      if (n <= MAX_BYTES_SENT) n = n * 10 + d;
    }
    return n;
  }

  /** Sets the key fields: {@linkcode KEY_READ}, or the record's outcome (DANDI mode, bad UTF-8). */
  #readKey(buf: Uint8Array): LineOutcome | typeof KEY_READ {
    let source: Uint8Array = DASH_FIELD; // null, absent, empty or not a string: "-" as in the text format
    let start = 0;
    let end = 1;
    if (this.#kinds[KEY] === STRING && this.#ends[KEY] > this.#starts[KEY]) {
      source = this.#valueBuffer(buf, KEY);
      start = this.#starts[KEY];
      end = this.#ends[KEY];
      if (!isKeptAsIs(source, start, end)) {
        try {
          STRICT_UTF8.decode(source.subarray(start, end));
        } catch {
          return this.#malformed("invalid_utf8");
        }
        if (this.#encodedKey.length < (end - start) * 5) {
          this.#encodedKey = new Uint8Array((end - start) * 5);
        }
        end = encodeLogKeyBytes(source, start, end, this.#encodedKey);
        start = 0;
        source = this.#encodedKey;
      }
    }
    if (this.#mode === "dandi") {
      end = dandiKeyEnd(source, start, end);
      if (end < 0) return LineOutcome.Filtered;
    }
    this.keyBuffer = source;
    this.keyStart = start;
    this.keyEnd = end;
    return KEY_READ;
  }

  #readIp(buf: Uint8Array): boolean {
    const kind = this.#kinds[IP];
    if (kind === ABSENT || kind === NULL) {
      this.ipBuffer = DASH_FIELD;
      this.ipStart = 0;
      this.ipEnd = 1;
      return true;
    }
    if (kind !== STRING) return false;
    this.ipBuffer = this.#valueBuffer(buf, IP);
    this.ipStart = this.#starts[IP];
    this.ipEnd = this.#ends[IP];
    return hasIpShape(this.ipBuffer, this.ipStart, this.ipEnd);
  }

  /**
   * Checks that `buf[open..end)` is one JSON object followed by blanks only, and notes where the
   * fields read are. Nested values are skipped, checked for balance and closed strings only.
   */
  #scan(buf: Uint8Array, open: number, end: number): boolean {
    this.#kinds.fill(ABSENT);
    this.#escaped.fill(0);
    let p = skipWhitespaceFast(buf, open + 1, end);
    if (p < end && buf[p] === CLOSE_BRACE) return skipWhitespaceFast(buf, p + 1, end) === end;
    const words = wordView(buf);
    for (let member = 0;; member++) {
      if (p >= end || buf[p] !== QUOTE) return false;
      let nameEnd: number;
      let field: number;
      const length = member < NAME_SLOTS ? this.#nameLengths[member] : 0;
      // The same name as the last record's: those bytes and a quote, so no escape and no quote
      // inside (a known name has neither).
      if (
        length > 0 && p + 1 + length < end && buf[p + 1 + length] === QUOTE &&
        this.#names.holds(member * NAME_BYTES, buf, words, p + 1, length)
      ) {
        nameEnd = p + 1 + length;
        field = this.#nameFields[member];
      } else {
        nameEnd = stringEnd(buf, p + 1, end);
        if (nameEnd < 0) return false;
        field = fieldIndex(buf, p + 1, nameEnd);
        if (member < NAME_SLOTS) this.#learnName(member, buf, p + 1, nameEnd, field);
      }
      p = skipWhitespaceFast(buf, nameEnd + 1, end);
      if (p >= end || buf[p] !== COLON) return false;
      p = skipWhitespaceFast(buf, p + 1, end);
      if (p >= end) return false;
      const c = buf[p];
      let kind: number;
      let valueStart = p;
      let valueEnd: number;
      if (c === QUOTE) {
        valueStart = p + 1;
        valueEnd = field < 0
          ? skippedStringEnd(buf, valueStart, end)
          : stringEnd(buf, valueStart, end);
        if (valueEnd < 0) return false;
        kind = STRING;
        p = valueEnd + 1;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
        p = skipNested(buf, p, end);
        if (p < 0) return false;
        kind = OTHER;
        valueEnd = p;
      } else {
        while (p < end && !isWhitespace(buf[p]) && buf[p] !== COMMA && buf[p] !== CLOSE_BRACE) p++;
        valueEnd = p;
        kind = literalKind(buf, valueStart, valueEnd);
        if (kind < 0) return false;
      }
      if (field >= 0) {
        this.#kinds[field] = kind;
        this.#starts[field] = valueStart;
        this.#ends[field] = valueEnd;
        if (kind === STRING && sawBackslash) this.#escaped[field] = 1;
      }
      p = skipWhitespaceFast(buf, p, end);
      if (p >= end) return false;
      if (buf[p] === COMMA) {
        p = skipWhitespaceFast(buf, p + 1, end);
        continue;
      }
      if (buf[p] !== CLOSE_BRACE) return false;
      return skipWhitespaceFast(buf, p + 1, end) === end;
    }
  }

  /** Notes the name `buf[start..end)` of member `member` (when short and without escapes). */
  #learnName(member: number, buf: Uint8Array, start: number, end: number, field: number): void {
    const length = end - start;
    if (sawBackslash || length === 0 || length > NAME_BYTES) {
      this.#nameLengths[member] = 0;
      return;
    }
    this.#names.bytes.set(buf.subarray(start, end), member * NAME_BYTES);
    this.#nameLengths[member] = length;
    this.#nameFields[member] = field;
  }

  /**
   * Reads `yyyy-MM-ddTHH:mm:ss[.fraction][zone]` into `time` (whole seconds): AWS writes `Z`;
   * a blank for the `T`, and zones `±hh`, `±hhmm`, `±hh:mm` or none (UTC) are read too, as
   * conversions from Parquet or other tools write them.
   */
  #parseTime(buf: Uint8Array, start: number, end: number): boolean {
    if (end - start < 19) return false;
    const p = start;
    const year = digitsAt(buf, p, 4);
    const month = digitsAt(buf, p + 5, 2);
    const day = digitsAt(buf, p + 8, 2);
    const hour = digitsAt(buf, p + 11, 2);
    const minute = digitsAt(buf, p + 14, 2);
    const second = digitsAt(buf, p + 17, 2);
    if (
      buf[p + 4] !== DASH || buf[p + 7] !== DASH ||
      (buf[p + 10] !== 0x54 && buf[p + 10] !== SPACE) ||
      buf[p + 13] !== COLON || buf[p + 16] !== COLON || year < 0 || month < 1 || month > 12 ||
      day < 1 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 59
    ) {
      return false;
    }
    let z = p + 19;
    if (z < end && buf[z] === 0x2e) { // ".SSS": dropped, as the text format has whole seconds
      z++;
      const digits = z;
      while (z < end && buf[z] >= ZERO && buf[z] <= 0x39) z++;
      if (z === digits) return false;
    }
    const offset = zoneOffset(buf, z, end);
    if (offset === undefined) return false;
    const days = this.#days.of(year, month, day);
    if (Number.isNaN(days)) return false;
    this.time = days * 86400 + hour * 3600 + minute * 60 + second - offset;
    return true;
  }
}

/** The offset in seconds of the zone `buf[z..end)`: none or `Z` (0), `±hh`, `±hhmm`, `±hh:mm`. */
function zoneOffset(buf: Uint8Array, z: number, end: number): number | undefined {
  if (z === end || (z === end - 1 && buf[z] === 0x5a)) return 0;
  const sign = buf[z];
  if (sign !== 0x2b && sign !== DASH) return undefined;
  const hh = digitsAt(buf, z + 1, 2);
  let mm = 0;
  if (end - z === 5) mm = digitsAt(buf, z + 3, 2);
  else if (end - z === 6 && buf[z + 3] === COLON) mm = digitsAt(buf, z + 4, 2);
  else if (end - z !== 3) return undefined;
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59) return undefined;
  return (sign === DASH ? -1 : 1) * (hh * 3600 + mm * 60);
}

/** How many members' names a parser remembers, and the longest name it remembers. */
const NAME_SLOTS = 48;
const NAME_BYTES = 32;

/** The field read for a name's length and first byte (`length * 128 + byte`), or -1. */
const FIELD_BY_SHAPE = new Int8Array(64 * 128).fill(-1);
FIELD_BYTES.forEach((name, f) => FIELD_BY_SHAPE[name.length * 128 + name[0]] = f);

/** The index of the field named `buf[start..end)` among those read, or -1. */
function fieldIndex(buf: Uint8Array, start: number, end: number): number {
  const length = end - start;
  if (length >= 64 || buf[start] >= 128) return -1;
  const f = FIELD_BY_SHAPE[length * 128 + buf[start]];
  if (f < 0) return -1;
  const name = FIELD_BYTES[f];
  for (let i = 1; i < length; i++) if (name[i] !== buf[start + i]) return -1;
  return f;
}

/**
 * The position of the quote that closes the string starting at `from`, or -1 (escapes skipped,
 * noted in {@linkcode sawBackslash}).
 */
function stringEnd(buf: Uint8Array, from: number, end: number): number {
  let p = from;
  sawBackslash = false;
  for (;;) {
    p = nextQuoteOrBackslash(buf, p, end);
    if (p < 0 || buf[p] === QUOTE) return p;
    sawBackslash = true;
    p += 2;
  }
}

/** Whether the last string {@linkcode stringEnd} scanned holds an escape. */
let sawBackslash = false;

/**
 * {@linkcode stringEnd} for the values skipped: found by their quotes, backslashes counted back
 * from a quote only (escapes are rare, and not noted).
 */
function skippedStringEnd(buf: Uint8Array, from: number, end: number): number {
  let q = nextQuote(buf, from, end);
  while (q !== -1) {
    let backslashes = 0;
    while (q - 1 - backslashes >= from && buf[q - 1 - backslashes] === BACKSLASH) backslashes++;
    if ((backslashes & 1) === 0) return q;
    q = nextQuote(buf, q + 1, end);
  }
  return -1;
}

/** Skips a nested object or array at `p`; returns the position after it, or -1. */
function skipNested(buf: Uint8Array, p: number, end: number): number {
  let depth = 0;
  while (p < end) {
    const c = buf[p];
    if (c === QUOTE) {
      p = stringEnd(buf, p + 1, end);
      if (p < 0) return -1;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      depth++;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      if (--depth === 0) return p + 1;
    }
    p++;
  }
  return -1;
}

const NULL_BYTES = ENCODER.encode("null");
const TRUE_BYTES = ENCODER.encode("true");
const FALSE_BYTES = ENCODER.encode("false");

function isLiteral(buf: Uint8Array, start: number, end: number, literal: Uint8Array): boolean {
  if (end - start !== literal.length) return false;
  for (let i = 0; i < literal.length; i++) if (buf[start + i] !== literal[i]) return false;
  return true;
}

/** The kind of the bare value `buf[start..end)`: null, a number, true/false, or -1. */
function literalKind(buf: Uint8Array, start: number, end: number): number {
  if (isLiteral(buf, start, end, NULL_BYTES)) return NULL;
  if (isLiteral(buf, start, end, TRUE_BYTES) || isLiteral(buf, start, end, FALSE_BYTES)) {
    return OTHER;
  }
  if (end === start) return -1;
  let digits = false;
  for (let p = start; p < end; p++) {
    const c = buf[p];
    if (c >= ZERO && c <= 0x39) {
      digits = true;
    } else if (c !== DASH && c !== 0x2b && c !== 0x2e && c !== 0x65 && c !== 0x45) {
      return -1;
    }
  }
  if (!digits) return -1;
  // Plain non-negative integers are what the fields read hold; others are kept as "other".
  for (let p = start; p < end; p++) if (buf[p] < ZERO || buf[p] > 0x39) return OTHER;
  return NUMBER;
}

/**
 * Unescapes the JSON string body `buf[start..end)` into `out` as UTF-8 and returns its length,
 * or -1 for an invalid escape. `out` must hold three bytes per input byte.
 */
function unescapeInto(buf: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let n = 0;
  let p = start;
  while (p < end) {
    const c = buf[p++];
    if (c !== BACKSLASH) {
      out[n++] = c;
      continue;
    }
    if (p >= end) return -1;
    const e = buf[p++];
    switch (e) {
      case QUOTE:
      case BACKSLASH:
      case 0x2f:
        out[n++] = e;
        break;
      case 0x62:
        out[n++] = 0x08;
        break;
      case 0x66:
        out[n++] = 0x0c;
        break;
      case 0x6e:
        out[n++] = 0x0a;
        break;
      case 0x72:
        out[n++] = 0x0d;
        break;
      case 0x74:
        out[n++] = 0x09;
        break;
      case 0x75: {
        let code = hex4(buf, p, end);
        if (code < 0) return -1;
        p += 4;
        if (code >= 0xd800 && code <= 0xdbff && buf[p] === BACKSLASH && buf[p + 1] === 0x75) {
          const low = hex4(buf, p + 2, end);
          if (low >= 0xdc00 && low <= 0xdfff) {
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
            p += 6;
          }
        }
        if (code >= 0xd800 && code <= 0xdfff) code = 0xfffd; // a lone surrogate
        n = writeUtf8(code, out, n);
        break;
      }
      default:
        return -1;
    }
  }
  return n;
}

function hex4(buf: Uint8Array, p: number, end: number): number {
  if (end - p < 4) return -1;
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const c = buf[p + i];
    const d = c >= ZERO && c <= 0x39
      ? c - ZERO
      : c >= 0x61 && c <= 0x66
      ? c - 0x57
      : c >= 0x41 && c <= 0x46
      ? c - 0x37
      : -1;
    if (d < 0) return -1;
    value = value * 16 + d;
  }
  return value;
}

function writeUtf8(code: number, out: Uint8Array, n: number): number {
  if (code < 0x80) {
    out[n++] = code;
  } else if (code < 0x800) {
    out[n++] = 0xc0 | (code >> 6);
    out[n++] = 0x80 | (code & 63);
  } else if (code < 0x10000) {
    out[n++] = 0xe0 | (code >> 12);
    out[n++] = 0x80 | ((code >> 6) & 63);
    out[n++] = 0x80 | (code & 63);
  } else {
    out[n++] = 0xf0 | (code >> 18);
    out[n++] = 0x80 | ((code >> 12) & 63);
    out[n++] = 0x80 | ((code >> 6) & 63);
    out[n++] = 0x80 | (code & 63);
  }
  return n;
}

/** The records of a CloudWatch Logs subscription envelope, as {@linkcode envelopeRecords} reads them. */
export type EnvelopeRecords =
  /** Not an envelope that reads: the line is bad JSON. */
  | { kind: "bad" }
  /** A control message: no record. */
  | { kind: "control" }
  /** Each event's record as bytes, or undefined for an event without a record (bad JSON). */
  | { kind: "records"; records: (Uint8Array | undefined)[] };

const ENVELOPE_DECODER = new TextDecoder();
const ENVELOPE_ENCODER = new TextEncoder();

/**
 * The records of the CloudWatch Logs subscription envelope `buf[start..end)` (a line the JSON
 * parser marked `envelope`; rare, so read with `JSON.parse`): extraction and `validate` read
 * them alike.
 *
 * @example Usage
 * ```ts
 * import { envelopeRecords } from "./json_record_parser.ts";
 * import assert from "node:assert/strict";
 *
 * const line = new TextEncoder().encode(JSON.stringify({
 *   messageType: "DATA_MESSAGE", logEvents: [{ message: '{"a": 1}' }, { message: 7 }],
 * }));
 * const read = envelopeRecords(line, 0, line.length);
 * assert.equal(read.kind, "records");
 * assert.deepStrictEqual(read.kind === "records" && read.records.map((r) => r?.length), [8, undefined]);
 * ```
 */
export function envelopeRecords(buf: Uint8Array, start: number, end: number): EnvelopeRecords {
  let envelope: { messageType?: unknown; logEvents?: unknown };
  try {
    envelope = JSON.parse(ENVELOPE_DECODER.decode(buf.subarray(start, end)));
  } catch {
    return { kind: "bad" };
  }
  if (envelope.messageType === "CONTROL_MESSAGE") return { kind: "control" };
  if (!Array.isArray(envelope.logEvents)) return { kind: "bad" };
  return {
    kind: "records",
    records: envelope.logEvents.map((event) => {
      const message = (event as { message?: unknown } | null)?.message;
      if (typeof message !== "string") return undefined;
      const record = ENVELOPE_ENCODER.encode(message);
      return jsonRecordStart(record, 0, record.length) < 0 ? undefined : record;
    }),
  };
}
