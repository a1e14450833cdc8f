import { OPERATION_GROUPS, STATUS_CLASSES } from "./operation_group.ts";
import assert from "node:assert/strict";
import { formatReferenceTimestamp } from "./civil_time.ts";
import { type ExtractionMode, LineOutcome } from "./line_parser.ts";
import { JsonRecordParser } from "./json_record_parser.ts";
import { PieceParser } from "./piece_parser.ts";

const text = (buf: Uint8Array, start: number, end: number) =>
  new TextDecoder().decode(buf.subarray(start, end));

function describe(
  record: string,
  mode: ExtractionMode = "generic",
  parser = new JsonRecordParser({ mode }),
): Record<string, unknown> {
  const bytes = new TextEncoder().encode(record);
  const outcome = parser.parse(bytes, 0, bytes.length);
  if (outcome === LineOutcome.Filtered) return { outcome: "filtered" };
  if (outcome === LineOutcome.Malformed) return { outcome: "malformed", reason: parser.reason };
  if (outcome === LineOutcome.Counted) {
    return {
      outcome: "counted",
      operation: OPERATION_GROUPS[parser.operation & 7],
      status_class: STATUS_CLASSES[parser.statusClass],
      key: parser.hasKey ? text(parser.keyBuffer, parser.keyStart, parser.keyEnd) : null,
    };
  }
  return {
    outcome: "kept",
    key: text(parser.keyBuffer, parser.keyStart, parser.keyEnd),
    ip: text(parser.ipBuffer, parser.ipStart, parser.ipEnd),
    timestamp: formatReferenceTimestamp(parser.time),
    bytes_sent: parser.bytesSent,
    download: parser.download ? 1 : 0,
    version: text(parser.versionBuffer, parser.versionStart, parser.versionEnd),
  };
}

/** A record as AWS documents it, with `changes` applied (`undefined` removes a field). */
function record(changes: Record<string, unknown> = {}): string {
  const fields: Record<string, unknown> = {
    schema_version_id: "V_1_0",
    bucket_arn: "arn:aws:s3:::dandiarchive",
    bucket_name: "dandiarchive",
    request_time: "2026-07-01T12:34:56.789Z",
    bucket_owner_id: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
    remote_ip: "192.0.2.3",
    requester: null,
    request_id: "3E57427F3EXAMPLE",
    operation: "REST.GET.OBJECT",
    key_name: "blobs/080/1d9/0801d996",
    request_uri: "GET /blobs/080/1d9/0801d996 HTTP/1.1",
    http_status: 200,
    error_code: null,
    bytes_sent: 2048,
    object_size: 2048,
    total_time: 70,
    turn_around_time: 10,
    referrer: null,
    user_agent: "python-requests/2.31",
    version_id: null,
  };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete fields[name];
    else fields[name] = value;
  }
  return JSON.stringify(fields);
}

const KEPT = {
  outcome: "kept",
  key: "blobs/080/1d9/0801d996",
  ip: "192.0.2.3",
  timestamp: "260701123456",
  bytes_sent: 2048,
  download: 1,
  version: "V_1_0",
};

Deno.test("a documented record is read: time in whole seconds, download at status 200", () => {
  assert.deepStrictEqual(describe(record()), KEPT);
  assert.deepStrictEqual(describe(record({ http_status: 206 })), { ...KEPT, download: 0 });
  // After a byte order mark (a file's first line), the same record.
  assert.deepStrictEqual(describe(`\ufeff${record()}`), KEPT);
  // Pretty-printed, with blanks and a CR at the end, it is the same record.
  const pretty = JSON.stringify(JSON.parse(record()), null, 1).replaceAll("\n", " ") + " \r";
  assert.deepStrictEqual(describe(pretty), KEPT);
});

Deno.test("null fields are read as the text format's '-'", () => {
  assert.deepStrictEqual(describe(record({ bytes_sent: null })), { ...KEPT, bytes_sent: 0 });
  assert.deepStrictEqual(describe(record({ bytes_sent: undefined })), { ...KEPT, bytes_sent: 0 });
  assert.deepStrictEqual(describe(record({ remote_ip: null })), { ...KEPT, ip: "-" });
  assert.deepStrictEqual(describe(record({ key_name: null })), { ...KEPT, key: "-" });
  assert.deepStrictEqual(describe(record({ operation: null })), { outcome: "filtered" });
  assert.deepStrictEqual(describe(record({ http_status: null })), {
    outcome: "malformed",
    reason: "missing_field",
  });
  assert.deepStrictEqual(describe(record({ request_time: undefined })), {
    outcome: "malformed",
    reason: "missing_field",
  });
});

Deno.test("the rules: other operations and statuses are counted, as in the text format", () => {
  const counted = (operation: string, statusClass: string, key: string | null) => ({
    outcome: "counted",
    operation,
    status_class: statusClass,
    key,
  });
  const blob = "blobs/080/1d9/0801d996";
  for (
    const [operation, group] of [
      ["REST.HEAD.OBJECT", "head"],
      ["REST.PUT.OBJECT", "upload"],
      ["REST.GET.OBJECTX", "other"],
    ]
  ) {
    assert.deepStrictEqual(describe(record({ operation })), counted(group, "2xx", blob));
  }
  for (const [status, statusClass] of [[304, "3xx"], [403, "4xx"], [404, "4xx"], [500, "5xx"]]) {
    assert.deepStrictEqual(
      describe(record({ http_status: status })),
      counted("download", statusClass as string, blob),
    );
  }
  // Statuses no S3 request has, a bucket operation without a key, and a broken record.
  for (const status of [199, 600]) {
    assert.deepStrictEqual(describe(record({ http_status: status })), { outcome: "filtered" });
  }
  assert.deepStrictEqual(
    describe(record({ operation: "REST.GET.BUCKET", key_name: null })),
    counted("list", "2xx", null),
  );
  assert.deepStrictEqual(
    describe(record({ operation: "REST.HEAD.OBJECT", request_time: "yesterday" })),
    { outcome: "filtered" },
    "a line the rules do not keep is counted only when it reads whole",
  );
  assert.deepStrictEqual(
    describe(record({ key_name: "other/a" }), "dandi"),
    counted("download", "2xx", null),
  );
  assert.deepStrictEqual(
    describe(record({ key_name: "zarr/ab12/0/0.1" }), "dandi").key,
    "zarr/ab12",
  );
});

Deno.test("unknown schema versions and extra fields of any type are read", () => {
  const later = record({
    schema_version_id: "V_2_0",
    a_new_number: -1.5e3,
    a_new_flag: true,
    a_new_object: { nested: { deeper: ["}", "{", '"', 1, null] } },
    a_new_list: [[], {}, "]"],
  });
  assert.deepStrictEqual(describe(later), { ...KEPT, version: "V_2_0" });
  assert.deepStrictEqual(describe(record({ schema_version_id: undefined })), {
    ...KEPT,
    version: "",
  });
});

Deno.test("escapes in keys and URIs: the key becomes the text format's key field", () => {
  // \" and \u00e9 in the key; the text format writes the key URL-encoded twice.
  const escaped = record({
    key_name: 'data/caf\u00e9 "1".nwb',
    request_uri: 'GET /x?a="b" HTTP/1.1',
  });
  assert.match(escaped, /\\"/);
  assert.deepStrictEqual(describe(escaped).key, "data/caf%25C3%25A9%2520%25221%2522.nwb");
  // The same key with é written as the escape \u00e9 rather than as UTF-8.
  const asEscape = escaped.replace("é", "\\u00e9");
  assert.notStrictEqual(asEscape, escaped);
  assert.deepStrictEqual(describe(asEscape).key, "data/caf%25C3%25A9%2520%25221%2522.nwb");
  // A literal % and a +, a surrogate pair, a backslash, an escaped slash.
  assert.deepStrictEqual(
    describe(record({ key_name: "a/100% b+c" })).key,
    "a/100%2525%2520b%252Bc",
  );
  assert.deepStrictEqual(
    describe(record({ key_name: "a/\u{1F600}" })).key,
    "a/%25F0%259F%2598%2580",
  );
  assert.deepStrictEqual(describe(record({ key_name: "a\\b" })).key, "a%255Cb");
  assert.deepStrictEqual(describe(record().replace('"blobs/080', '"blobs\\/080')), KEPT);
});

Deno.test("records that are not one whole JSON object are malformed", () => {
  const whole = record();
  const cases = [
    whole.slice(0, -1), // cut short
    whole.slice(0, 100),
    `${whole} {}`, // two objects
    `${whole},`,
    whole.replace(":200,", ":200,,"),
    whole.replace('"http_status"', "http_status"),
    whole.replace(':"REST.GET.OBJECT"', ":REST.GET.OBJECT"),
    whole.replace('"blobs/080', '"blobs\\q080'), // an invalid escape
    whole.replace('"blobs/080', '"blobs\\u00g0'),
    "{",
    "{]",
  ];
  for (const bad of cases) {
    assert.deepStrictEqual(describe(bad), { outcome: "malformed", reason: "bad_json" }, bad);
  }
  assert.deepStrictEqual(describe("{}"), { outcome: "filtered" });
});

Deno.test("wrong types and values no S3 log holds are malformed with their reason", () => {
  const malformed = (reason: string) => ({ outcome: "malformed", reason });
  assert.deepStrictEqual(describe(record({ http_status: "200" })), KEPT); // digits as a string
  assert.deepStrictEqual(describe(record({ http_status: 200.5 })), malformed("missing_field"));
  assert.deepStrictEqual(describe(record({ operation: 7 })), malformed("missing_field"));
  assert.deepStrictEqual(describe(record({ bytes_sent: -5 })), malformed("missing_field"));
  assert.deepStrictEqual(
    describe(record({ bytes_sent: 6 * 1024 ** 4 })),
    malformed("implausible_bytes"),
  );
  assert.deepStrictEqual(
    describe(record({ request_time: "2026/07/01T12:34:56Z" })),
    malformed("bad_timestamp"),
  );
  assert.deepStrictEqual(
    describe(record({ request_time: "2026-02-30T12:34:56Z" })),
    malformed("bad_timestamp"),
  );
  assert.deepStrictEqual(
    describe(record({ request_time: "2001-07-01T12:34:56Z" })),
    malformed("time_out_of_range"),
  );
  assert.deepStrictEqual(describe(record({ remote_ip: "not an ip" })), malformed("bad_client_ip"));
  // Zones and the forms conversions write: the same instant each time.
  for (
    const time of [
      "2026-07-01T14:34:56+02:00",
      "2026-07-01T14:34:56+0200",
      "2026-07-01T10:04:56-02:30",
      "2026-07-01 12:34:56.5+00",
      "2026-07-01 12:34:56",
      "2026-07-01T12:34:56Z",
    ]
  ) {
    assert.deepStrictEqual(
      describe(record({ request_time: time })).timestamp,
      "260701123456",
      time,
    );
  }
  for (const time of ["2026-07-01T12:34:56+2", "2026-07-01T12:34:56.Z", "2026-07-01T12:34:5Z"]) {
    assert.deepStrictEqual(describe(record({ request_time: time })), malformed("bad_timestamp"));
  }
});

Deno.test("very long records: read up to 1 MiB, then quarantined as too long", () => {
  const long = record({ user_agent: "x".repeat(900_000), key_name: "ds/long" });
  assert.deepStrictEqual(describe(long).key, "ds/long");
  const parser = new PieceParser();
  const tooLong = record({ user_agent: "x".repeat(1_100_000) });
  parser.push(new TextEncoder().encode(`${long}\n${tooLong}\n${record()}\n`));
  const piece = parser.finish();
  assert.deepStrictEqual([piece.lineCount, piece.rows, piece.malformed], [3, 2, 1]);
  assert.deepStrictEqual(piece.malformedByReason, { line_too_long: 1 });
});

Deno.test("a piece mixes text lines, JSON records and export lines; each is read as itself", () => {
  const textLine = "8787a3c4 dandiarchive [01/Jul/2026:12:34:56 +0000] 192.0.2.3 - REQ " +
    'REST.GET.OBJECT blobs/080/1d9/0801d996 "GET /blobs/080/1d9/0801d996 HTTP/1.1" 200 - 2048 ' +
    '2048 70 10 "-" "python-requests/2.31" -';
  const parser = new PieceParser();
  // Escapes in one chunk, none in the next: what is learnt of one chunk is not reused.
  parser.push(new TextEncoder().encode(`${record({ key_name: 'q"' })}\n${textLine}\n`));
  parser.push(new TextEncoder().encode(`2026-07-01T12:34:56.789Z ${record()}\n${record()}`));
  const piece = parser.finish();
  assert.deepStrictEqual([piece.lineCount, piece.rows, piece.malformed], [4, 4, 0]);
  assert.deepStrictEqual(piece.keys, ["q%2522", "blobs/080/1d9/0801d996"]);
  assert.deepStrictEqual([...piece.keyIds], [0, 1, 1, 1]);
  assert.deepStrictEqual([...piece.lines], [1, 2, 3, 4]);
  assert.deepStrictEqual(piece.jsonRecords, { V_1_0: 3 });
});

Deno.test("schema versions are counted by name only when they look like one, and bounded", () => {
  const parser = new PieceParser();
  const versions = [
    "V_1_0",
    "V_1_0",
    "\u001b[31m192.0.2.1",
    ...Array.from({ length: 40 }, (_, i) => `V_${i}`),
  ];
  parser.push(
    new TextEncoder().encode(versions.map((v) => record({ schema_version_id: v })).join("\n")),
  );
  const counted = parser.finish().jsonRecords;
  assert.deepStrictEqual(counted["V_1_0"], 2);
  assert.deepStrictEqual(counted["(not a version name)"], 1);
  // 16 names (V_1_0, the non-name, V_0 … V_13), then the other 26 together.
  assert.deepStrictEqual(Object.keys(counted).length, 17);
  assert.deepStrictEqual([counted["V_13"], counted["V_14"]], [1, undefined]);
  assert.deepStrictEqual(counted["(other versions)"], 26);
});

Deno.test("CloudWatch Logs subscription envelopes (Firehose without extraction) give their records", () => {
  const envelope = (messageType: string, messages: unknown[]) =>
    JSON.stringify({
      messageType,
      owner: "123456789012",
      logGroup: "/aws/s3/server-access-logs",
      logStream: "dandiarchive",
      subscriptionFilters: ["to-firehose"],
      logEvents: messages.map((message, i) => ({
        id: String(i),
        timestamp: 1782908096789,
        message,
      })),
    });
  const parser = new PieceParser();
  parser.push(new TextEncoder().encode([
    envelope("DATA_MESSAGE", [
      record(),
      record({ key_name: 'ds/b "2".nwb' }),
      record({ http_status: 404 }),
    ]),
    envelope("CONTROL_MESSAGE", ["CWL CONTROL MESSAGE: Checking health of destination Firehose."]),
    envelope("DATA_MESSAGE", [record().slice(0, 50), 7, "not a record"]),
    record(),
  ].join("\n")));
  const piece = parser.finish();
  assert.deepStrictEqual(piece.keys, ["blobs/080/1d9/0801d996", "ds/b%2520%25222%2522.nwb"]);
  assert.deepStrictEqual([...piece.keyIds], [0, 1, 0]);
  // Every record of an envelope has the envelope's line.
  assert.deepStrictEqual([...piece.lines], [1, 1, 4]);
  // The envelope with three bad records is one bad line, quarantined once (the cache keeps one
  // quarantined text per line: three would fail the whole run).
  assert.deepStrictEqual([piece.rows, piece.filtered, piece.malformed], [3, 2, 1]);
  assert.deepStrictEqual(piece.malformedByReason, { bad_json: 1 });
  assert.deepStrictEqual(piece.quarantine.map((q) => q.line), [3]);
  assert.deepStrictEqual(piece.jsonRecords, { V_1_0: 4 });
});

Deno.test("one parser reads each record's own date, impossible dates rejected after valid ones", () => {
  const parser = new JsonRecordParser({ now: new Date("2026-12-01T00:00:00Z") });
  const read = (time: string) => {
    const bytes = new TextEncoder().encode(record({ request_time: time }));
    return parser.parse(bytes, 0, bytes.length) === LineOutcome.Kept
      ? Date.UTC(1970, 0, 1) + parser.time * 1000
      : parser.reason;
  };
  const times = [
    "2024-02-28T10:00:00Z",
    "2024-02-29T10:00:00Z",
    "2023-02-28T10:00:00Z",
    "2023-02-29T10:00:00Z",
    "2023-04-31T10:00:00Z",
    "2023-04-30T23:59:59Z",
  ];
  assert.deepStrictEqual(times.map(read), [
    Date.parse(times[0]),
    Date.parse(times[1]),
    Date.parse(times[2]),
    "bad_timestamp",
    "bad_timestamp",
    Date.parse(times[5]),
  ]);
});

Deno.test("a parser that read other records reads each one as a new parser would", () => {
  // The parser checks each member's name against the last record's: a name that only starts
  // like it, ends like it, is spelled with an escape, or moved, must still read as itself.
  const members = Object.entries(JSON.parse(record()) as Record<string, unknown>);
  const variants = (name: string) => [
    name,
    name + "2",
    name.slice(0, -1),
    name.slice(0, -1) + "~",
    name.replace("_", "\\u005f"),
    name.replace("_", "\\\\"),
    "x".repeat(40) + name,
  ];
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const records: string[] = ["{}", record(), '{"":1,' + record().slice(1)];
  for (let i = 0; i < 400; i++) {
    const chosen = members.filter(() => random(12) > 0);
    if (random(4) === 0) chosen.reverse();
    if (random(3) === 0) chosen.splice(random(chosen.length + 1), 0, ["é", "ü"]);
    const body = chosen.map(([name, value]) => {
      const spelled = random(6) === 0 ? variants(name)[random(7)] : name;
      return `"${spelled}":${JSON.stringify(value)}`;
    }).join(",");
    const line = `{${body}}`;
    records.push(random(10) === 0 ? line.slice(0, random(line.length)) : line);
    records.push(record()); // the usual layout again after a changed one
  }
  const shared = new JsonRecordParser();
  const outcomes = new Set<string>();
  for (const line of records) {
    const read = describe(line, "generic", shared);
    assert.deepStrictEqual(read, describe(line), line);
    outcomes.add(String(read.outcome) + (read.reason ?? ""));
  }
  // The mix reaches each kind of outcome, so the comparison covers them.
  assert.deepStrictEqual([...outcomes].sort(), [
    "filtered",
    "kept",
    "malformedbad_json",
    "malformedmissing_field",
  ]);
});
