/**
 * Parses a run of log lines (a whole log file or a piece of a large one) into compact columns:
 * the shape in which workers hand their results to the writer.
 *
 * @module
 */

import { ByteInterner } from "./byte_interner.ts";
import { isIpAddress } from "../ip_address.ts";
import { envelopeRecords, JsonRecordParser, jsonRecordStart } from "./json_record_parser.ts";
import { OperationTally } from "./operation_tally.ts";
import { LineEnds } from "./line_ends.ts";
import { RequestColumns, type RequestSection } from "./request_columns.ts";
import type { OperationCounts } from "../store/operation_blocks.ts";
import { type ClientKindCache, clientKindCache, DEFAULT_ARCHIVE_CLIENTS } from "./client_kind.ts";
import {
  type ExtractionMode,
  hasControlCharacter,
  LineOutcome,
  LogLineParser,
  type MalformedReason,
  MAX_LINE_BYTES,
} from "./line_parser.ts";

/** How many malformed lines of one piece keep their text for the quarantine. */
export const QUARANTINE_LINES_PER_PIECE = 1000;
/** How many bytes of a malformed line the quarantine keeps. */
export const QUARANTINE_TEXT_BYTES = 4096;

/** A malformed line, with its 1-based line number within the piece. */
export interface QuarantinedLine {
  /** Line number within the piece (1-based). */
  line: number;
  /** Why it is malformed. */
  reason: MalformedReason;
  /** The start of the line as text (it may hold an IP: encrypt before storing). */
  text: string;
}

/**
 * The parsed content of a piece: kept requests as columns (ids index `keys` and `ips`), and
 * counts of the rest.
 */
export interface ParsedPiece extends RequestSection {
  /** Number of lines read. */
  lineCount: number;
  /** Distinct object keys, indexed by `keyIds`. */
  keys: string[];
  /** Distinct client IPs, indexed by `ipIds`. */
  ips: string[];
  /** Number of kept requests (the length of each column). */
  rows: number;
  /** Well-formed lines the rules do not keep. */
  filtered: number;
  /**
   * The lines the rules do not keep that read whole, per object (an index into `keys`, -1
   * for none), day, operation group and status class; excluded IPs left out.
   */
  operations: OperationCounts;
  /** Kept lines dropped because the client IP matched the excluded-IP pattern. */
  excluded: number;
  /** Malformed lines (all of them; `quarantine` holds the first ones). */
  malformed: number;
  /** Number of malformed lines by reason. */
  malformedByReason: Partial<Record<MalformedReason, number>>;
  /** Malformed lines with their text, at most {@linkcode QUARANTINE_LINES_PER_PIECE}. */
  quarantine: QuarantinedLine[];
  /** JSON records read (malformed ones aside), by `schema_version_id` (`""`: none). */
  jsonRecords: Record<string, number>;
  /** Kept JSON records without a `bytes_sent` field (their bytes count as 0). */
  jsonWithoutBytes: number;
}

/**
 * A piece whose last line is a JSON record cut short: the file is being written, or damaged.
 *
 * @example Usage
 * ```ts
 * import { PieceParser, TruncatedRecordError } from "./piece_parser.ts";
 * import assert from "node:assert/strict";
 *
 * const parser = new PieceParser();
 * parser.push(new TextEncoder().encode('{"operation": "REST.GET.OBJECT", "key_na'));
 * assert.throws(() => parser.finish(), TruncatedRecordError);
 * ```
 */
export class TruncatedRecordError extends Error {
  /** Creates the error. */
  constructor() {
    super(
      "the file ends inside a JSON record (cut short: still being written or copied?); it is " +
        "read again on the next run",
    );
    this.name = "TruncatedRecordError";
  }
}

/**
 * Tables shared by the pieces a thread parses (see `ThreadTables`): each distinct key and IP is
 * decoded, checked and sent to the writer once, not once per file or task. The `keys` and `ips`
 * arrays of those pieces are then the same (growing) arrays, and ids index into them.
 */
export class InternTables {
  /**
   * Object keys. A key's flag: 0 not checked yet, 1 a key, 2 one that holds a control
   * character (NUL, tab, line break…).
   */
  readonly keys: ByteInterner = new ByteInterner();
  /** Client IPs. An IP's flag: 0 not checked yet, else 1 kept, 2 excluded, 3 not an address. */
  readonly ips: ByteInterner = new ByteInterner();
}

/** Options of {@linkcode PieceParser}. */
export interface PieceParserOptions {
  /** Tables shared with the other pieces the thread parses (default: the piece's own). */
  tables?: InternTables;
  /**
   * The tally the piece adds its counted lines to, in a section of its own (default: the
   * piece's own); the pieces of a task share one, so that its columns are allocated once.
   */
  operations?: OperationTally;
  /** The columns the piece adds its kept requests to, in a section of its own (as `operations`). */
  requests?: RequestColumns;
  /** `generic` (every object) or `dandi` (blobs and pooled Zarr stores). */
  mode?: ExtractionMode;
  /** Kept lines whose whole client IP matches this pattern are dropped and counted. */
  excludedIps?: RegExp;
  /**
   * User-Agent prefixes of the archive's own tools (client kind `archive-client`).
   *
   * @default {DEFAULT_ARCHIVE_CLIENTS}
   */
  archiveClients?: readonly string[];
}

const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;
const SPACE = 0x20;
const TAB = 0x09;
const DASH = 0x2d;
const BYTE_ORDER_MARK = 0xef;
/** What a schema version counted by name looks like (`V_1_0`). */
const VERSION_NAME = /^[A-Za-z0-9_.-]{1,32}$/;
/** Schema versions counted by name (in a piece, and in a run); the rest are counted together. */
const MAX_VERSIONS = 16;

/**
 * Adds `count` JSON records of schema version `name` to `counts`: by name for the first
 * {@linkcode MAX_VERSIONS} names, under `(other versions)` after them (a log of ever-new values
 * must not grow the map).
 *
 * @example Usage
 * ```ts
 * import { countSchemaVersion } from "./piece_parser.ts";
 * import assert from "node:assert/strict";
 *
 * const counts: Record<string, number> = {};
 * for (let i = 0; i < 20; i++) countSchemaVersion(counts, `V_${i}`, 2);
 * assert.deepStrictEqual([counts["V_0"], counts["V_19"], counts["(other versions)"]], [2, undefined, 8]);
 * ```
 */
export function countSchemaVersion(
  counts: Record<string, number>,
  name: string,
  count: number,
): void {
  const key = name in counts || Object.keys(counts).length < MAX_VERSIONS
    ? name
    : "(other versions)";
  counts[key] = (counts[key] ?? 0) + count;
}
const QUARANTINE_DECODER = new TextDecoder();
const KEPT_IP = 0;
const EXCLUDED_IP = 1;
const BAD_IP = 2;

/**
 * Accumulates parsed lines from one or more chunks of bytes; a line may span chunks.
 *
 * @example Parse a small log
 * ```ts
 * import { PieceParser } from "./piece_parser.ts";
 * import assert from "node:assert/strict";
 *
 * const log = 'o b [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - R REST.GET.OBJECT ds1/a ' +
 *   '"GET /ds1/a HTTP/1.1" 206 - 12 174 205 35 "-" "-" -\n' +
 *   'o b [06/Apr/2022:03:05:54 +0000] 192.0.2.0 - R REST.HEAD.OBJECT ds1/a ' +
 *   '"HEAD /ds1/a HTTP/1.1" 200 - - 174 5 3 "-" "-" -\n';
 * const parser = new PieceParser();
 * parser.push(new TextEncoder().encode(log));
 * const piece = parser.finish();
 * assert.deepStrictEqual([piece.lineCount, piece.rows, piece.filtered], [2, 1, 1]);
 * assert.deepStrictEqual([piece.keys, piece.bytesSent[0], piece.downloads[0]], [["ds1/a"], 12, 0]);
 * ```
 */
export class PieceParser {
  #parser: LogLineParser;
  #mode: PieceParserOptions["mode"];
  /** Made at the first JSON record: most pieces hold none. */
  #jsonParser: JsonRecordParser | undefined;
  #jsonRecords: Record<string, number> = {};
  #jsonWithoutBytes = 0;
  /** The schema version of the last JSON record, and its counter's name. */
  #lastVersion = new Uint8Array(0);
  #lastVersionName = "";
  #excludedIps: RegExp | undefined;
  #keys: ByteInterner;
  #ips: ByteInterner;
  #carry: Uint8Array | null = null;
  /** The head of an over-long line being skipped up to its newline. */
  #overlong: Uint8Array | null = null;
  #lineCount = 0;
  #requests: RequestColumns;
  #clientKindCache: ClientKindCache;
  #filtered = 0;
  #operations: OperationTally;
  #excluded = 0;
  #malformed = 0;
  /** The line quarantined last (0: none yet). */
  #lastRejected = 0;
  #quarantine: QuarantinedLine[] = [];
  #reasons: Partial<Record<MalformedReason, number>> = {};

  /** Creates a parser for one piece. */
  constructor(options: PieceParserOptions = {}) {
    this.#parser = new LogLineParser({ mode: options.mode });
    this.#mode = options.mode;
    this.#excludedIps = options.excludedIps;
    const tables = options.tables ?? new InternTables();
    this.#keys = tables.keys;
    this.#ips = tables.ips;
    this.#operations = options.operations ?? new OperationTally();
    this.#operations.section();
    this.#requests = options.requests ?? new RequestColumns();
    this.#requests.section();
    this.#clientKindCache = clientKindCache(options.archiveClients ?? DEFAULT_ARCHIVE_CLIENTS);
  }

  get #json(): JsonRecordParser {
    return this.#jsonParser ??= new JsonRecordParser({ mode: this.#mode });
  }

  /**
   * Parses every complete line of `chunk` and keeps the incomplete tail for later. A tail that
   * grows past {@linkcode MAX_LINE_BYTES} is not kept: the rest of that line is skipped up to
   * its newline and the line is quarantined as too long, so a file without newlines costs
   * linear time and bounded memory.
   */
  push(chunk: Uint8Array): void {
    if (this.#overlong !== null) {
      const newline = chunk.indexOf(NEWLINE);
      if (newline === -1) return;
      this.#endOverlong();
      chunk = chunk.subarray(newline + 1);
    }
    let buf = chunk;
    if (this.#carry !== null) {
      buf = new Uint8Array(this.#carry.length + chunk.length);
      buf.set(this.#carry);
      buf.set(chunk, this.#carry.length);
      this.#carry = null;
    }
    let start = 0;
    // From the line's start, carry included (a line's last quote may be in it).
    const lines = new LineEnds(buf);
    for (;;) {
      const newline = lines.next(start);
      if (newline === -1) break;
      this.#line(buf, start, newline, lines.lastQuote);
      start = newline + 1;
    }
    if (buf.length - start > MAX_LINE_BYTES) {
      this.#overlong = buf.slice(start, start + QUARANTINE_TEXT_BYTES);
    } else if (start < buf.length) {
      this.#carry = buf.slice(start);
    }
  }

  /** Counts and quarantines the over-long line being skipped. */
  #endOverlong(): void {
    const head = this.#overlong!;
    this.#overlong = null;
    this.#reject(head, 0, head.length, ++this.#lineCount, "line_too_long");
  }

  /**
   * Parses the last line (if it has no `\n`) and returns the result.
   *
   * @throws {TruncatedRecordError} When that line is a JSON record cut short.
   */
  finish(): ParsedPiece {
    if (this.#overlong !== null) this.#endOverlong();
    if (this.#carry !== null) {
      const last = this.#carry;
      this.#carry = null;
      if (
        jsonRecordStart(last, 0, last.length) >= 0 &&
        this.#json.parse(last, 0, last.length) === LineOutcome.Malformed &&
        this.#json.reason === "bad_json"
      ) {
        throw new TruncatedRecordError();
      }
      this.#line(last, 0, last.length);
    }
    return {
      lineCount: this.#lineCount,
      keys: this.#keys.values,
      ips: this.#ips.values,
      rows: this.#requests.sectionRows,
      // Views, not copies: later sections leave them as they are.
      ...this.#requests.view(),
      filtered: this.#filtered,
      operations: this.#operations.counts(),
      excluded: this.#excluded,
      malformed: this.#malformed,
      malformedByReason: this.#reasons,
      quarantine: this.#quarantine,
      jsonRecords: this.#jsonRecords,
      jsonWithoutBytes: this.#jsonWithoutBytes,
    };
  }

  /** A line; `lastQuote` as `LogLineParser.parse` takes it (-2: not known). */
  #line(buf: Uint8Array, start: number, end: number, lastQuote = -2): void {
    const line = ++this.#lineCount;
    // A JSON record starts with "{" (or blanks, or an export's time, "2026-…"): the text
    // format's lines (a bucket owner's id first) go straight to their parser.
    const first = buf[start];
    if (
      first === OPEN_BRACE || first === SPACE || first === TAB || first === BYTE_ORDER_MARK ||
      buf[start + 4] === DASH
    ) {
      if (jsonRecordStart(buf, start, end) >= 0) return this.#record(buf, start, end, line);
    }
    const parser = this.#parser;
    const outcome = parser.parse(buf, start, end, lastQuote);
    if (outcome === LineOutcome.Counted) return this.#count(parser, buf, buf);
    if (!this.#kept(outcome, buf, start, end, line, parser.reason)) return;
    this.#keep(
      buf,
      start,
      end,
      line,
      parser,
      buf,
      parser.userAgentStart,
      parser.userAgentEnd,
    );
  }

  /**
   * Counts a line the rules do not keep (filtered, or quarantined for `reason`); true when it
   * is kept.
   */
  #kept(
    outcome: LineOutcome,
    buf: Uint8Array,
    start: number,
    end: number,
    line: number,
    reason: MalformedReason,
  ): boolean {
    if (outcome === LineOutcome.Filtered) {
      this.#filtered++;
      return false;
    }
    if (outcome === LineOutcome.Malformed) {
      this.#reject(buf, start, end, line, reason);
      return false;
    }
    return true;
  }

  /**
   * A JSON record: as {@linkcode PieceParser.#line}, with the JSON parser. A record found in an
   * envelope is parsed from `record`, and quarantined (when it is bad) with the envelope's line.
   */
  #record(
    buf: Uint8Array,
    start: number,
    end: number,
    line: number,
    record: Uint8Array = buf,
  ): void {
    const json = this.#json;
    const outcome = record === buf
      ? json.parse(buf, start, end)
      : json.parse(record, 0, record.length);
    if (json.envelope && record === buf) return this.#envelope(buf, start, end, line);
    if (outcome !== LineOutcome.Malformed) this.#countVersion(json);
    if (outcome === LineOutcome.Counted) return this.#count(json, json.keyBuffer, json.ipBuffer);
    if (!this.#kept(outcome, buf, start, end, line, json.reason)) return;
    if (
      this.#keep(
        buf,
        start,
        end,
        line,
        json,
        json.userAgentBuffer,
        json.userAgentStart,
        json.userAgentEnd,
      ) &&
      !json.hasBytesField
    ) {
      this.#jsonWithoutBytes++;
    }
  }

  /**
   * The records of a CloudWatch Logs subscription envelope (rare: read with `JSON.parse`, then
   * each record as any other); a control message (`CONTROL_MESSAGE`) holds none.
   */
  #envelope(buf: Uint8Array, start: number, end: number, line: number): void {
    const read = envelopeRecords(buf, start, end);
    if (read.kind === "bad") return this.#reject(buf, start, end, line, "bad_json");
    if (read.kind === "control") {
      this.#filtered++;
      return;
    }
    for (const record of read.records) {
      if (record === undefined) this.#reject(buf, start, end, line, "bad_json");
      else this.#record(buf, start, end, line, record);
    }
  }

  /**
   * Adds the request the parser just read (`request`: its key and IP, in the parser's buffers
   * or `buf`; time, bytes, download and object size) unless a check of its key or IP rejects
   * it, with the client kind of its User-Agent `userAgent[userAgentStart..userAgentEnd)`.
   * Positional numbers, not an object: this runs once per request.
   */
  #keep(
    buf: Uint8Array,
    start: number,
    end: number,
    line: number,
    request: LogLineParser | JsonRecordParser,
    userAgent: Uint8Array,
    userAgentStart: number,
    userAgentEnd: number,
  ): boolean {
    const keyBuffer = request instanceof JsonRecordParser ? request.keyBuffer : buf;
    const ipBuffer = request instanceof JsonRecordParser ? request.ipBuffer : buf;
    const keyId = this.#keys.intern(keyBuffer, request.keyStart, request.keyEnd);
    const ipId = this.#ips.intern(ipBuffer, request.ipStart, request.ipEnd);
    if (keyId < 0 || ipId < 0) {
      this.#reject(buf, start, end, line, "invalid_utf8");
      return false;
    }
    if (this.#isBadKey(keyId)) {
      this.#reject(buf, start, end, line, "bad_object_key");
      return false;
    }
    const verdict = this.#verdict(ipId);
    if (verdict === BAD_IP) {
      this.#reject(buf, start, end, line, "bad_client_ip");
      return false;
    }
    if (verdict === EXCLUDED_IP) {
      this.#excluded++;
      return false;
    }
    const columns = this.#requests;
    const row = columns.add();
    columns.keyIds[row] = keyId;
    columns.ipIds[row] = ipId;
    columns.lines[row] = line;
    columns.times[row] = request.time;
    columns.bytesSent[row] = request.bytesSent;
    columns.downloads[row] = request.download ? 1 : 0;
    columns.objectSizes[row] = request.objectSize;
    columns.clientKinds[row] = this.#clientKindCache.kind(userAgent, userAgentStart, userAgentEnd);
    return true;
  }

  /**
   * Whether the key of id `keyId` holds a control character (a NUL SQLite would cut the key
   * at, a tab or line break for a TSV): no S3 log's key field does, where keys are URL-encoded.
   * Checked once per distinct key.
   */
  #isBadKey(keyId: number): boolean {
    const keys = this.#keys;
    let flag = keys.flags[keyId];
    if (flag === 0) flag = keys.flags[keyId] = hasControlCharacter(keys.values[keyId]) ? 2 : 1;
    return flag === 2;
  }

  /** Whether the IP of id `ipId` is kept, excluded or not an address (decided once per IP). */
  #verdict(ipId: number): number {
    const ips = this.#ips;
    const flag = ips.flags[ipId];
    if (flag !== 0) return flag - 1;
    const ip = ips.values[ipId];
    const verdict = ip !== "-" && !isIpAddress(ip)
      ? BAD_IP
      : this.#excludedIps?.test(ip)
      ? EXCLUDED_IP
      : KEPT_IP;
    ips.flags[ipId] = verdict + 1;
    return verdict;
  }

  /**
   * Adds a counted line (read by `request`, its key in `keyBuffer` and IP in `ipBuffer`) to the
   * aggregate of operations; a line of an excluded IP, or with an invalid key, is only filtered
   * out.
   */
  #count(
    request: LogLineParser | JsonRecordParser,
    keyBuffer: Uint8Array,
    ipBuffer: Uint8Array,
  ): void {
    this.#filtered++;
    // The IP's shape was checked; it is looked up only to leave excluded IPs out.
    if (this.#excludedIps !== undefined) {
      const ipId = this.#ips.intern(ipBuffer, request.ipStart, request.ipEnd);
      if (ipId < 0 || this.#verdict(ipId) !== KEPT_IP) return;
    }
    let keyId = -1;
    if (request.hasKey) {
      keyId = this.#keys.intern(keyBuffer, request.keyStart, request.keyEnd);
      if (keyId < 0) return;
      if (this.#isBadKey(keyId)) return;
    }
    this.#operations.add(
      keyId,
      request.time,
      request.operation,
      request.statusClass,
      request.bytesSent,
      request.objectSize,
    );
  }

  /** Counts a JSON record under its schema version (decoded once per run of equal versions). */
  #countVersion(json: JsonRecordParser): void {
    const { versionBuffer, versionStart, versionEnd } = json;
    const last = this.#lastVersion;
    let same = last.length === versionEnd - versionStart;
    for (let i = 0; same && i < last.length; i++) {
      same = last[i] === versionBuffer[versionStart + i];
    }
    if (!same) {
      this.#lastVersion = versionBuffer.slice(versionStart, versionEnd);
      // The value comes from the log: printed in the run's summary, it must be a plain name
      // (no terminal escapes, no address), and a log of ever-new values must not grow the map.
      const name = QUARANTINE_DECODER.decode(this.#lastVersion);
      this.#lastVersionName = !VERSION_NAME.test(name) && name !== ""
        ? "(not a version name)"
        : name;
    }
    countSchemaVersion(this.#jsonRecords, this.#lastVersionName, 1);
  }

  #reject(
    buf: Uint8Array,
    start: number,
    end: number,
    line: number,
    reason: MalformedReason,
  ): void {
    // A line is quarantined once: an envelope with several bad records is one bad line.
    if (line === this.#lastRejected) return;
    this.#lastRejected = line;
    this.#malformed++;
    this.#reasons[reason] = (this.#reasons[reason] ?? 0) + 1;
    if (this.#quarantine.length >= QUARANTINE_LINES_PER_PIECE) return;
    const stop = Math.min(end, start + QUARANTINE_TEXT_BYTES);
    const text = QUARANTINE_DECODER.decode(buf.subarray(start, stop));
    this.#quarantine.push({ line, reason, text });
  }
}
