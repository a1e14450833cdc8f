/**
 * The byte-level parser of one S3 server access log line.
 *
 * The parser never builds strings: it finds the fields it needs in a `Uint8Array` and leaves
 * their positions and values on the parser object, so a worker can parse millions of lines with
 * no allocation per line. The rules are the reference extractor's (keep `REST.GET.OBJECT` with a
 * 2xx status; time as UTC; bytes `-` as 0; download when the status is exactly 200), with one
 * deliberate difference: the status and bytes are located by the structure that follows the
 * request URI (`" <status> <error> <bytes> <size> <time> <turnaround>`), not by the first
 * `HTTP/1.` of the line, so request URIs that contain quotes, spaces or the text `HTTP/1.1` are
 * read correctly, and a line that allows two readings is reported instead of guessed.
 *
 * @module
 */

import { LogDays } from "./civil_time.ts";
import { isPlausibleTime, latestLogTime, MAX_BYTES_SENT } from "../log_bounds.ts";
import { statusClass, threadOperationCodes } from "./operation_group.ts";
import { hasQuote, nextQuote, wordView } from "./byte_search.ts";

/** What happened to a line: kept, filtered out by the rules, or malformed. */
export const LineOutcome = {
  /** A `REST.GET.OBJECT` request with a 2xx status: its fields are on the parser. */
  Kept: 0,
  /** A well-formed line the rules do not keep (another operation, a non-2xx status, a key
   * outside the DANDI prefixes). */
  Filtered: 1,
  /** A line that cannot be read; {@linkcode LogLineParser.reason} says why. */
  Malformed: 2,
  /**
   * A well-formed line the rules do not keep, whose operation, status class, time, bytes and
   * object size are on the parser, for the aggregate of operations (a line the rules filter
   * out and that does not read whole is {@linkcode LineOutcome.Filtered}).
   */
  Counted: 3,
} as const;

/** One of the values of {@linkcode LineOutcome}. */
export type LineOutcome = typeof LineOutcome[keyof typeof LineOutcome];

/** Why a line is malformed. Stable codes: they are stored in the quarantine. */
export type MalformedReason =
  | "blank_line"
  | "too_few_fields"
  | "bad_timestamp"
  | "bad_client_ip"
  | "missing_request_uri"
  | "missing_status"
  | "ambiguous_status"
  | "invalid_utf8"
  | "time_out_of_range"
  | "implausible_bytes"
  | "line_too_long"
  | "bad_object_key"
  | "bad_json"
  | "missing_field";

/** A sentence for each {@linkcode MalformedReason}, for reports. */
export const MALFORMED_REASON_TEXT: Readonly<Record<MalformedReason, string>> = {
  blank_line: "blank line",
  too_few_fields: "the line ends before the object key and request URI",
  bad_timestamp:
    "the time is not [dd/Mon/yyyy:hh:mm:ss +hhmm] (text) or yyyy-MM-ddTHH:mm:ss.SSSZ (JSON)",
  bad_client_ip: "the remote IP field is not an IPv4 or IPv6 address or '-'",
  missing_request_uri: "no quoted request URI follows the object key",
  missing_status: "no status, error code, bytes sent and object size follow the request URI",
  ambiguous_status: "the request URI can end in two places, giving two different statuses",
  invalid_utf8: "the object key or remote IP is not valid UTF-8",
  time_out_of_range: "the time is before S3 existed (2006) or more than a week in the future",
  implausible_bytes: "the bytes sent are more than S3's largest object (5 TiB)",
  line_too_long: "the line is longer than 1 MiB (no S3 log line is)",
  bad_object_key: "the object key holds a control character (NUL, tab, line break…)",
  bad_json: "the JSON record is not one whole JSON object",
  missing_field:
    "the JSON record lacks request_time or http_status, or holds a field with the wrong type",
};

/** The longest line read (1 MiB): longer ones are malformed, read in linear time. */
export const MAX_LINE_BYTES: number = 1024 * 1024;

/**
 * Whether `text` holds a control character (NUL, a tab, a line break, DEL…): no object key of
 * an S3 log's key field (URL-encoded) does, and SQLite would cut a key at its NUL.
 *
 * @example Usage
 * ```ts
 * import { hasControlCharacter } from "./line_parser.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([hasControlCharacter("ds1/a.nwb"), hasControlCharacter("ds1/a\u0000b")], [false, true]);
 * ```
 */
export function hasControlCharacter(text: string): boolean {
  // deno-lint-ignore no-control-regex
  return /[\u0000-\u001f\u007f]/.test(text);
}

/** Which objects a run extracts. */
export type ExtractionMode = "generic" | "dandi";

const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const DASH = 0x2d;
const SLASH = 0x2f;
const COLON = 0x3a;
const DOT = 0x2e;
const ZERO = 0x30;
const CR = 0x0d;

const GET_OBJECT = new TextEncoder().encode("REST.GET.OBJECT");
const ZARR_PREFIX = new TextEncoder().encode("zarr/");
const BLOBS_PREFIX = new TextEncoder().encode("blobs/");

/** Month abbreviations packed as 24-bit integers, mapped to 1–12. */
const MONTHS: ReadonlyMap<number, number> = new Map(
  ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"].map(
    (
      name,
      i,
    ) => [(name.charCodeAt(0) << 16) | (name.charCodeAt(1) << 8) | name.charCodeAt(2), i + 1],
  ),
);

function isBlank(byte: number): boolean {
  return byte === SPACE || byte === TAB;
}

function skipBlanks(buf: Uint8Array, p: number, end: number): number {
  while (p < end && (buf[p] === SPACE || buf[p] === TAB)) p++;
  return p;
}

function skipToken(buf: Uint8Array, p: number, end: number): number {
  // Four bytes at a time while none is at or below the blank (a word test: some byte < 0x21
  // sets its high bit in (x - 0x21212121) & ~x; a byte of 0x80 or more can only cause a false
  // alarm, which the byte loop below settles).
  if (end - p >= 8) {
    const words = wordView(buf);
    while (p + 4 <= end) {
      const x = words.getInt32(p, true);
      if (((x - 0x21212121) & ~x & 0x80808080) !== 0) break;
      p += 4;
    }
  }
  for (;;) {
    // One comparison per byte: a token's bytes are above the blank; a control character
    // other than a tab is part of the token, as any byte that is not a blank.
    while (p < end && buf[p] > SPACE) p++;
    if (p >= end || buf[p] === SPACE || buf[p] === TAB) return p;
    p++;
  }
}

function startsWith(buf: Uint8Array, p: number, end: number, prefix: Uint8Array): boolean {
  if (end - p < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (buf[p + i] !== prefix[i]) return false;
  return true;
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

function isIpByte(byte: number): boolean {
  return (byte >= ZERO && byte <= 0x39) || byte === DOT || byte === COLON ||
    (byte >= 0x61 && byte <= 0x66) || (byte >= 0x41 && byte <= 0x46);
}

/**
 * Where the DANDI key `buf[start..end)` ends once pooled: a Zarr store's objects count as the
 * store (`zarr/<id>`), blobs as themselves; -1 for any other key (not extracted in `dandi` mode).
 *
 * @example Usage
 * ```ts
 * import { dandiKeyEnd } from "./line_parser.ts";
 * import assert from "node:assert/strict";
 *
 * const key = new TextEncoder().encode("zarr/0a1b/0/0.0");
 * assert.deepStrictEqual([dandiKeyEnd(key, 0, key.length), dandiKeyEnd(key, 5, key.length)], [9, -1]);
 * ```
 */
export function dandiKeyEnd(buf: Uint8Array, start: number, end: number): number {
  if (startsWith(buf, start, end, ZARR_PREFIX)) {
    const slash = buf.indexOf(SLASH, start + ZARR_PREFIX.length);
    return slash !== -1 && slash < end ? slash : end;
  }
  return startsWith(buf, start, end, BLOBS_PREFIX) ? end : -1;
}

/**
 * Whether `buf[start..end)` has the shape of a client IP field: `-`, or 2 to 45 characters of
 * an IPv4 or IPv6 address (the address itself is checked once per distinct IP, later).
 *
 * @example Usage
 * ```ts
 * import { hasIpShape } from "./line_parser.ts";
 * import assert from "node:assert/strict";
 *
 * const field = new TextEncoder().encode("192.0.2.1 x");
 * assert.deepStrictEqual([hasIpShape(field, 0, 9), hasIpShape(field, 0, 11)], [true, false]);
 * ```
 */
export function hasIpShape(buf: Uint8Array, start: number, end: number): boolean {
  const length = end - start;
  if (length === 1) return buf[start] === DASH;
  if (length < 2 || length > 45) return false;
  for (let i = start; i < end; i++) if (!isIpByte(buf[i])) return false;
  return true;
}

/** The quote at or after `p` that a blank or the end follows (the end when there is none). */
function closingQuote(buf: Uint8Array, p: number, end: number): number {
  for (;;) {
    p = nextQuote(buf, p, end);
    if (p === -1) return end;
    if (p + 1 === end || isBlank(buf[p + 1])) return p;
    p++;
  }
}

/** `HTTP/<digit>` or `HTTP/<digit>.<digit>` right before `q`, after a blank. */
function endsWithProtocol(buf: Uint8Array, from: number, q: number): boolean {
  let p = q - 1;
  if (p - 1 >= from && buf[p - 1] === DOT) p -= 2; // ".1" of "HTTP/1.1"
  const digit = buf[p] - ZERO;
  if (digit < 0 || digit > 9 || p - 6 < from) return false;
  return buf[p - 1] === SLASH && buf[p - 2] === 0x50 && buf[p - 3] === 0x54 &&
    buf[p - 4] === 0x54 && buf[p - 5] === 0x48 && isBlank(buf[p - 6]);
}

/**
 * Parses S3 server access log lines held in a byte buffer. After {@linkcode LogLineParser.parse}
 * returns {@linkcode LineOutcome.Kept}, the fields of the request are on the parser.
 *
 * @example Parse one line
 * ```ts
 * import { LineOutcome, LogLineParser } from "./line_parser.ts";
 * import assert from "node:assert/strict";
 *
 * const line = new TextEncoder().encode(
 *   'owner bucket [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - REQ1 REST.GET.OBJECT ds1/a.json ' +
 *     '"GET /ds1/a.json HTTP/1.1" 200 - 12 174 205 35 "-" "curl/8" -',
 * );
 * const parser = new LogLineParser();
 * assert.deepStrictEqual(parser.parse(line, 0, line.length), LineOutcome.Kept);
 * assert.deepStrictEqual(new TextDecoder().decode(line.subarray(parser.keyStart, parser.keyEnd)), "ds1/a.json");
 * assert.deepStrictEqual(parser.time, Date.UTC(2022, 3, 6, 3, 5, 53) / 1000);
 * assert.deepStrictEqual([parser.bytesSent, parser.download], [12, true]);
 * ```
 */
export class LogLineParser {
  /** Start of the object key in the buffer (after the DANDI Zarr pooling, if any). */
  keyStart = 0;
  /** End (exclusive) of the object key. */
  keyEnd = 0;
  /** Start of the remote IP field. */
  ipStart = 0;
  /** End (exclusive) of the remote IP field. */
  ipEnd = 0;
  /** UTC time of the request in seconds since the epoch. */
  time = 0;
  /** Bytes sent (`-` read as 0). */
  bytesSent = 0;
  /** Where the closing quote of the request URI is (the status and sizes follow it). */
  uriEnd = 0;
  /** The HTTP status of the request. */
  status = 0;
  /** Whether the status is exactly 200 (a whole-object download). */
  download = false;
  /** The object's size (the object size field), or -1 when it is `-`. */
  objectSize = -1;
  /** Start of the User-Agent (without its quotes); equal to the end when there is none. */
  userAgentStart = 0;
  /** End (exclusive) of the User-Agent. */
  userAgentEnd = 0;
  /** The operation's code (see `operationCode`): 0, a download, for a kept request. */
  operation = 0;
  /** The status class's code of a counted line (see `statusClass`). */
  statusClass = 0;
  /** Whether a counted line names an object (not `-`, and in `dandi` mode a blob or Zarr). */
  hasKey = false;
  /** Why the last line was malformed. */
  reason: MalformedReason = "blank_line";

  #mode: ExtractionMode;
  #operations = threadOperationCodes();
  #tailStatus = 0;
  #tailBytes = 0;
  #tailSize = -1;
  #tailEnd = 0;
  /** Where the Referer of the chosen reading starts. */
  #refererStart = 0;
  /** Where the Referer's closing quote is (when it is quoted). */
  #refererEnd = 0;
  /** Whether the User-Agent of this line was located already. */
  #userAgentFound = false;
  #latest: number;
  /** The line's last quote, as `parse` was told (-2: not known). */
  #lastQuote = -2;
  #days = new LogDays();

  /**
   * Creates a parser for the given extraction mode (`generic` unless told); times after `now`
   * plus a week are out of range.
   */
  constructor(options: { mode?: ExtractionMode; now?: Date } = {}) {
    this.#mode = options.mode ?? "generic";
    this.#latest = latestLogTime(options.now);
  }

  /**
   * Parses the line `buf[start..end)` (without its `\n`; a trailing `\r` is ignored).
   *
   * @param lastQuote Where the line's last quote is when the caller knows it (a position
   *   before `start` when the line holds none: see `LineEnds`); the default, -2, has the
   *   parser read the line's tail when it must know.
   * @returns What happened to the line.
   */
  parse(buf: Uint8Array, start: number, end: number, lastQuote = -2): LineOutcome {
    this.#lastQuote = lastQuote;
    if (end - start > MAX_LINE_BYTES) return this.#malformed("line_too_long");
    if (end > start && buf[end - 1] === CR) end--;
    this.#userAgentFound = false;
    let p = skipBlanks(buf, start, end);
    if (p >= end) return this.#malformed("blank_line");
    // 1 bucket owner, 2 bucket
    p = skipBlanks(buf, skipToken(buf, p, end), end);
    p = skipBlanks(buf, skipToken(buf, p, end), end);
    // 3 time: "[" ... "]" (may contain a blank before the zone)
    if (p >= end) return this.#malformed("too_few_fields");
    const timeStart = p;
    if (buf[p] === OPEN_BRACKET) {
      while (p < end && buf[p] !== CLOSE_BRACKET) p++;
      p++;
    } else {
      p = skipToken(buf, p, end);
    }
    const timeEnd = p;
    p = skipBlanks(buf, p, end);
    // 4 remote IP
    const ipStart = p;
    p = skipToken(buf, p, end);
    const ipEnd = p;
    p = skipBlanks(buf, p, end);
    // 5 requester, 6 request id
    p = skipBlanks(buf, skipToken(buf, p, end), end);
    p = skipBlanks(buf, skipToken(buf, p, end), end);
    // 7 operation
    const opStart = p;
    p = skipToken(buf, p, end);
    if (p === opStart) return this.#malformed("too_few_fields");
    // The download rules check the lines they keep strictly; the other lines are only counted
    // when they read whole, and filtered out when not (as before they were counted).
    let strict = p - opStart === GET_OBJECT.length && startsWith(buf, opStart, p, GET_OBJECT);
    this.operation = strict ? 0 : this.#operations.code(buf, opStart, p);
    p = skipBlanks(buf, p, end);
    // 8 key
    const keyStart = p;
    p = skipToken(buf, p, end);
    let keyEnd = p;
    if (keyEnd === keyStart) {
      return strict ? this.#malformed("too_few_fields") : LineOutcome.Filtered;
    }
    let hasKey = keyEnd - keyStart !== 1 || buf[keyStart] !== DASH;
    if (this.#mode === "dandi" && hasKey) {
      const pooled = dandiKeyEnd(buf, keyStart, keyEnd);
      if (pooled < 0) strict = hasKey = false;
      else keyEnd = pooled;
    }
    p = skipBlanks(buf, p, end);
    // 9 request URI: quoted, or a bare "-" (AWS writes any field it has no value for as "-")
    let status: number;
    if (p < end && buf[p] === DASH && (p + 1 === end || isBlank(buf[p + 1]))) {
      if (!this.#readTail(buf, p + 1, end)) {
        return strict ? this.#malformed("missing_status") : LineOutcome.Filtered;
      }
      status = this.#tailStatus;
      this.bytesSent = this.#tailBytes;
      this.objectSize = this.#tailSize;
      this.#refererStart = this.#tailEnd;
      this.uriEnd = p + 1;
    } else {
      if (p >= end || buf[p] !== QUOTE) {
        return strict ? this.#malformed("missing_request_uri") : LineOutcome.Filtered;
      }
      status = this.#locateStatus(buf, p + 1, end, strict);
      if (status < 0) return strict ? LineOutcome.Malformed : LineOutcome.Filtered;
    }
    this.keyStart = keyStart;
    this.keyEnd = keyEnd;
    this.ipStart = ipStart;
    this.ipEnd = ipEnd;
    this.status = status;
    if (!strict || status < 200 || status > 299) {
      this.hasKey = hasKey;
      return this.#counted(buf, timeStart, timeEnd);
    }
    if (!this.#parseTime(buf, timeStart, timeEnd)) return this.#malformed("bad_timestamp");
    // Values no S3 log holds: stored, they would break or skew every later step.
    if (!isPlausibleTime(this.time, this.#latest)) {
      return this.#malformed("time_out_of_range");
    }
    if (this.bytesSent > MAX_BYTES_SENT) return this.#malformed("implausible_bytes");
    if (!hasIpShape(buf, ipStart, ipEnd)) return this.#malformed("bad_client_ip");
    this.download = status === 200;
    if (!this.#userAgentFound) this.#locateUserAgent(buf, this.#refererStart, end);
    return LineOutcome.Kept;
  }

  /**
   * A line the rules do not keep, whose status and sizes are read: counted when its status,
   * time, bytes and IP are ones a kept request could have, else filtered out.
   */
  #counted(buf: Uint8Array, timeStart: number, timeEnd: number): LineOutcome {
    this.statusClass = statusClass(this.status);
    if (
      this.statusClass < 0 || !this.#parseTime(buf, timeStart, timeEnd) ||
      !isPlausibleTime(this.time, this.#latest) ||
      this.bytesSent > MAX_BYTES_SENT || !hasIpShape(buf, this.ipStart, this.ipEnd)
    ) {
      return LineOutcome.Filtered;
    }
    return LineOutcome.Counted;
  }

  /**
   * Finds the User-Agent after the Referer at `p` (quoted, or a bare `-`): the quoted field
   * after it, up to a quote followed by a blank or the end. Values with quotes inside may be
   * cut short; the kind of client is read from their start.
   */
  #locateUserAgent(buf: Uint8Array, p: number, end: number): void {
    this.#userAgentFound = true;
    this.userAgentStart = this.userAgentEnd = p;
    if (p >= end) return;
    if (buf[p] === QUOTE) {
      this.#refererEnd = closingQuote(buf, p + 1, end);
      p = this.#refererEnd + 1;
    } else {
      p = skipToken(buf, p, end);
    }
    p = skipBlanks(buf, p, end);
    if (p >= end || buf[p] !== QUOTE) return;
    this.userAgentStart = p + 1;
    this.userAgentEnd = closingQuote(buf, p + 1, end);
  }

  #malformed(reason: MalformedReason): LineOutcome {
    this.reason = reason;
    return LineOutcome.Malformed;
  }

  /**
   * Finds where the request URI that starts at `from` ends: a `"` followed by a blank and six
   * fields of the right shape. Sets `bytesSent` and returns the status, or -1 (with `reason`).
   * A second reading ending with a protocol makes the line ambiguous only when `strict`.
   */
  #locateStatus(buf: Uint8Array, from: number, end: number, strict: boolean): number {
    let without = 0;
    let fallbackStatus = -1;
    let fallbackBytes = 0;
    let fallbackEnd = 0;
    let fallbackSize = -1;
    let fallbackReferer = 0;
    let q = from;
    while (q < end) {
      q = nextQuote(buf, q, end);
      if (q === -1) break;
      if (q + 1 < end && isBlank(buf[q + 1]) && this.#readTail(buf, q + 2, end)) {
        if (endsWithProtocol(buf, from, q)) {
          const status = this.#tailStatus;
          this.bytesSent = this.#tailBytes;
          this.objectSize = this.#tailSize;
          this.#refererStart = this.#tailEnd;
          this.uriEnd = q;
          // A line only counted takes this reading without looking for a second one: the
          // look costs a scan of the rest of the line, and at worst one count moves class.
          if (!strict || !this.#secondReading(buf, from, q, end)) return status;
          this.reason = "ambiguous_status";
          return -1;
        }
        without++;
        fallbackStatus = this.#tailStatus;
        fallbackBytes = this.#tailBytes;
        fallbackSize = this.#tailSize;
        fallbackReferer = this.#tailEnd;
        fallbackEnd = q;
      }
      q++;
    }
    if (without === 1) {
      this.bytesSent = fallbackBytes;
      this.objectSize = fallbackSize;
      this.#refererStart = fallbackReferer;
      this.uriEnd = fallbackEnd;
      return fallbackStatus;
    }
    this.reason = without === 0 ? "missing_status" : "ambiguous_status";
    return -1;
  }

  /**
   * Whether a second reading that ends with a protocol exists after the chosen one, whose
   * closing quote is at `q`. Such a reading ends at a quote followed by a blank. In a line of
   * the usual shape (no quote in the status fields, a quoted Referer and User-Agent, no quote
   * after them) the only such quotes are the Referer's and the User-Agent's closing ones, found
   * while locating the User-Agent: two checks instead of a scan of the rest of the line. Any
   * other shape is scanned.
   */
  #secondReading(buf: Uint8Array, uriStart: number, q: number, end: number): boolean {
    const referer = this.#refererStart;
    this.#locateUserAgent(buf, referer, end);
    const quotedReferer = buf[referer] === QUOTE;
    const firstQuote = nextQuote(buf, q + 1, end);
    const agentEnd = this.userAgentEnd;
    const usual = this.userAgentStart > referer && buf[this.userAgentStart - 1] === QUOTE &&
      firstQuote === (quotedReferer ? referer : this.userAgentStart - 1) &&
      (this.#lastQuote === -2 ? !hasQuote(buf, agentEnd + 1, end) : this.#lastQuote <= agentEnd);
    if (!usual) return this.#anotherProtocolReading(buf, uriStart, q + 1, end);
    return (quotedReferer && this.#readingEndsAt(buf, uriStart, this.#refererEnd, end)) ||
      this.#readingEndsAt(buf, uriStart, agentEnd, end);
  }

  /** Whether a reading that ends with a protocol has its closing quote at `q`. */
  #readingEndsAt(buf: Uint8Array, uriStart: number, q: number, end: number): boolean {
    return q + 1 < end && buf[q] === QUOTE && isBlank(buf[q + 1]) &&
      endsWithProtocol(buf, uriStart, q) && this.#readTail(buf, q + 2, end);
  }

  /**
   * Whether a second reading that ends with a protocol exists after `from`. It needs the text
   * `HTTP/` before its quote, so only the `P/` of the rest of the line are visited.
   */
  #anotherProtocolReading(buf: Uint8Array, uriStart: number, from: number, end: number): boolean {
    let p = from;
    while (p < end) {
      p = buf.indexOf(0x50, p); // "P" of "HTTP/"
      if (p === -1 || p >= end) return false;
      if (buf[p + 1] === SLASH && buf[p - 1] === 0x54) {
        // after "HTTP/1.1" or "HTTP/2"
        if (
          this.#readingEndsAt(buf, uriStart, p + 5, end) ||
          this.#readingEndsAt(buf, uriStart, p + 3, end)
        ) {
          return true;
        }
      }
      p++;
    }
    return false;
  }

  /** Reads `<status> <error> <bytes> <size> <time> <turnaround>`, then end, a quote or `-`. */
  #readTail(buf: Uint8Array, p: number, end: number): boolean {
    p = skipBlanks(buf, p, end);
    if (end - p < 3) return false;
    const status = digitsAt(buf, p, 3);
    p += 3;
    if (status < 0 || p >= end || !isBlank(buf[p])) return false;
    p = skipBlanks(buf, p, end);
    const errorStart = p;
    p = skipToken(buf, p, end);
    if (p === errorStart || buf[errorStart] === QUOTE) return false;
    let bytes = 0;
    let size = -1;
    for (let field = 0; field < 4; field++) {
      p = skipBlanks(buf, p, end);
      const fieldStart = p;
      if (p < end && buf[p] === DASH) {
        p++;
      } else {
        let value = 0;
        while (p < end) {
          const d = buf[p] - ZERO;
          if (d < 0 || d > 9) break;
          // Past S3's largest object the value is implausible anyway: stop growing it, so
          // that 400 digits never become Infinity.
          if (value <= MAX_BYTES_SENT) value = value * 10 + d;
          p++;
        }
        if (p === fieldStart) return false;
        if (field === 0) bytes = value;
        else if (field === 1) size = value;
      }
      if (p < end && !isBlank(buf[p])) return false;
    }
    p = skipBlanks(buf, p, end);
    // Then the end of the line, the quoted Referer, or a bare "-" for it.
    const bareDash = p < end && buf[p] === DASH && (p + 1 === end || isBlank(buf[p + 1]));
    if (p < end && buf[p] !== QUOTE && !bareDash) return false;
    this.#tailStatus = status;
    this.#tailBytes = bytes;
    this.#tailSize = size;
    this.#tailEnd = p;
    return true;
  }

  /** Reads `[dd/Mon/yyyy:hh:mm:ss +hhmm]` into `time`. */
  #parseTime(buf: Uint8Array, start: number, end: number): boolean {
    if (end - start < 22 || buf[start] !== OPEN_BRACKET || buf[end - 1] !== CLOSE_BRACKET) {
      return false;
    }
    const p = start + 1;
    const day = digitsAt(buf, p, 2);
    const month = MONTHS.get((buf[p + 3] << 16) | (buf[p + 4] << 8) | buf[p + 5]);
    const year = digitsAt(buf, p + 7, 4);
    const hour = digitsAt(buf, p + 12, 2);
    const minute = digitsAt(buf, p + 15, 2);
    const second = digitsAt(buf, p + 18, 2);
    if (
      buf[p + 2] !== SLASH || buf[p + 6] !== SLASH || buf[p + 11] !== COLON ||
      buf[p + 14] !== COLON || buf[p + 17] !== COLON || month === undefined || year < 0 ||
      day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59
    ) {
      return false;
    }
    const days = this.#days.of(year, month, day);
    if (Number.isNaN(days)) return false;
    let offset = 0;
    let z = skipBlanks(buf, p + 20, end - 1);
    if (z < end - 1) {
      const sign = buf[z];
      const hh = digitsAt(buf, z + 1, 2);
      const mm = digitsAt(buf, z + 3, 2);
      z += 5;
      if ((sign !== 0x2b && sign !== DASH) || hh < 0 || mm < 0 || z !== end - 1) return false;
      offset = (sign === DASH ? -1 : 1) * (hh * 3600 + mm * 60);
    }
    this.time = days * 86400 + hour * 3600 + minute * 60 + second - offset;
    return true;
  }
}
