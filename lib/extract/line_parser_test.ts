import { CARRIES_DATA, OPERATION_GROUPS, STATUS_CLASSES } from "./operation_group.ts";
import assert from "node:assert/strict";
import { formatReferenceTimestamp } from "./civil_time.ts";
import { type ExtractionMode, LineOutcome, LogLineParser } from "./line_parser.ts";

function describe(line: Uint8Array, mode: ExtractionMode = "generic"): Record<string, unknown> {
  const parser = new LogLineParser({ mode });
  const outcome = parser.parse(line, 0, line.length);
  if (outcome === LineOutcome.Filtered) return { outcome: "filtered" };
  if (outcome === LineOutcome.Malformed) return { outcome: "malformed", reason: parser.reason };
  if (outcome === LineOutcome.Counted) {
    return {
      outcome: "counted",
      operation: OPERATION_GROUPS[parser.operation & 7],
      status_class: STATUS_CLASSES[parser.statusClass],
      key: parser.hasKey
        ? new TextDecoder().decode(line.subarray(parser.keyStart, parser.keyEnd))
        : null,
    };
  }
  return {
    outcome: "kept",
    key: new TextDecoder().decode(line.subarray(parser.keyStart, parser.keyEnd)),
    timestamp: formatReferenceTimestamp(parser.time),
    bytes_sent: parser.bytesSent,
    download: parser.download ? 1 : 0,
  };
}

const line = (key: string, uri: string, rest: string, ip = "192.0.2.0") =>
  new TextEncoder().encode(
    `8787a3c4 dandiarchive [06/Apr/2022:03:05:53 +0000] ${ip} - REQ REST.GET.OBJECT ${key} ` +
      `${uri} ${rest} "-" "-" -`,
  );

Deno.test("dandi mode keeps blobs whole and pools zarr chunks into zarr/<id>", () => {
  assert.deepStrictEqual(
    describe(
      line(
        "blobs/11e/c89/11ec8933-1456",
        '"GET /blobs/11e/c89/11ec8933-1456 HTTP/1.1"',
        "206 - 512 9 1 1",
      ),
      "dandi",
    ).key,
    "blobs/11e/c89/11ec8933-1456",
  );
  assert.deepStrictEqual(
    describe(
      line(
        "zarr/cb65c877/0/0/0/1/5/19",
        '"GET /zarr/cb65c877/0/0/0/1/5/19?versionId=x HTTP/1.1"',
        "200 - 7 7 1 1",
      ),
      "dandi",
    ).key,
    "zarr/cb65c877",
  );
  // Other keys are not extracted: their lines are counted for the archive, with no object.
  const noObject = { outcome: "counted", operation: "download", status_class: "2xx", key: null };
  assert.deepStrictEqual(
    describe(line("ds001/a.json", '"GET /ds001/a.json HTTP/1.1"', "200 - 7 7 1 1"), "dandi"),
    noObject,
  );
  assert.deepStrictEqual(
    describe(line("blobsX/a", '"GET /blobsX/a HTTP/1.1"', "200 - 7 7 1 1"), "dandi"),
    noObject,
    "the reference's 5-character prefix test lets blobsX through; we require blobs/",
  );
});

Deno.test("a URI with HTTP/1.1 inside is read by its structure, not its first HTTP/1.", () => {
  // The reference splits at the first "HTTP/1." and would read status 404 here.
  assert.deepStrictEqual(
    describe(
      line("a/b", '"GET /a/b?note=" HTTP/1.1" 404 - 1 2&x=1 HTTP/1.1"', "206 - 300 900 1 1"),
    ),
    { outcome: "kept", key: "a/b", timestamp: "220406030553", bytes_sent: 300, download: 0 },
  );
});

Deno.test("a request URI without protocol is still read when only one reading exists", () => {
  // cocoonlife/s3-log-parse#1: `"GET /" HTTP/1.1"` for key %2522
  assert.deepStrictEqual(
    describe(line("%2522", '"GET /" HTTP/1.1"', "200 - 5 5 1 1")),
    { outcome: "kept", key: "%2522", timestamp: "220406030553", bytes_sent: 5, download: 1 },
  );
  assert.deepStrictEqual(describe(line("a", '"GET /a"', "200 - 5 5 1 1")).outcome, "kept");
});

Deno.test("bytes sent beyond 2^32 are exact", () => {
  const parsed = describe(line("a", '"GET /a HTTP/1.1"', "200 - 53687091200 53687091200 1 1"));
  assert.deepStrictEqual(parsed.bytes_sent, 53687091200);
});

Deno.test("the parser reads a line inside a larger buffer without looking outside it", () => {
  const text = new TextEncoder().encode(
    'xx\n8787 b [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - R REST.GET.OBJECT k "GET /k HTTP/1.1" ' +
      '200 - 1 1 1 1\n"trailing" 200 - 5 5 5 5 "',
  );
  const start = 3;
  const end = text.indexOf(0x0a, start);
  const parser = new LogLineParser();
  assert.deepStrictEqual(parser.parse(text, start, end), LineOutcome.Kept);
  assert.deepStrictEqual(parser.bytesSent, 1);
});

Deno.test("a bare - for the request URI, Referer or User-Agent is a field like any other (AWS writes - for no value)", () => {
  const parser = new LogLineParser();
  const parse = (text: string) => {
    const bytes = new TextEncoder().encode(text);
    return [parser.parse(bytes, 0, bytes.length), parser.status, parser.bytesSent];
  };
  const head =
    "8787a3c4 dandiarchive [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - REQ REST.GET.OBJECT k ";
  const uri = '"GET /k HTTP/1.1"';
  assert.deepStrictEqual(parse(`${head}- 200 - 512 512 10 9 "-" "curl/8" -`), [
    LineOutcome.Kept,
    200,
    512,
  ]);
  assert.deepStrictEqual(parse(`${head}${uri} 206 - 100 512 10 9 - - -`), [
    LineOutcome.Kept,
    206,
    100,
  ]);
  assert.deepStrictEqual(parse(`${head}${uri} 200 - 7 7 10 9 - "curl/8" -`), [
    LineOutcome.Kept,
    200,
    7,
  ]);
  assert.deepStrictEqual(parse(`${head}- 200 - - 512 10 9 - - - hid SigV4`), [
    LineOutcome.Kept,
    200,
    0,
  ]);
  assert.deepStrictEqual(parse(`${head}- 404 NoSuchKey 300 - 10 9 - - -`)[0], LineOutcome.Counted);
  // A dash that is not a whole field is no request URI.
  assert.deepStrictEqual(parse(`${head}-x 200 - 512 512 10 9 - - -`)[0], LineOutcome.Malformed);
  assert.deepStrictEqual(parser.reason, "missing_request_uri");
});

Deno.test("values no S3 log holds are quarantined: times outside 2006..now+a week, bytes above 5 TiB", () => {
  const parser = new LogLineParser({ now: new Date("2026-12-01T00:00:00Z") });
  const parse = (time: string, bytes: string) => {
    const bytesLine = new TextEncoder().encode(
      `o b [${time}] 192.0.2.0 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - ${bytes} 12 5 3 "-" "-" -`,
    );
    const outcome = parser.parse(bytesLine, 0, bytesLine.length);
    return outcome === LineOutcome.Malformed ? parser.reason : [outcome, parser.bytesSent];
  };
  assert.deepStrictEqual(parse("06/Apr/2022:03:05:53 +0000", "5497558138880"), [
    LineOutcome.Kept,
    5497558138880,
  ]);
  assert.deepStrictEqual(parse("06/Apr/2022:03:05:53 +0000", "5497558138881"), "implausible_bytes");
  assert.deepStrictEqual(
    parse("06/Apr/2022:03:05:53 +0000", "9007199254740993"),
    "implausible_bytes",
  );
  assert.deepStrictEqual(parse("06/Apr/2022:03:05:53 +0000", "9".repeat(400)), "implausible_bytes");
  for (
    const time of [
      "01/Jan/0000:00:00:00 +0000",
      "01/Jan/1900:00:00:00 +0000",
      "31/Dec/2005:23:59:59 +0000",
      "01/Jan/2200:00:00:00 +0000",
      "31/Dec/9999:23:59:59 -1400",
      "09/Dec/2026:00:00:00 +0000",
    ]
  ) {
    assert.deepStrictEqual(parse(time, "1"), "time_out_of_range", time);
  }
  assert.deepStrictEqual(parse("01/Jan/2006:00:00:00 +0000", "1"), [LineOutcome.Kept, 1]);
  assert.deepStrictEqual(
    parse("07/Dec/2026:00:00:00 +0000", "1"),
    [LineOutcome.Kept, 1],
    "clock a few days ahead",
  );
});

Deno.test("a second reading ending with a protocol later in the line makes it ambiguous; one without stays kept", () => {
  const text = (agent: string, after = "-") =>
    new TextEncoder().encode(
      `o b [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - R REST.GET.OBJECT ds/a ` +
        `"GET /ds/a HTTP/1.1" 200 - 12 12 5 3 "-" "${agent}" ${after}`,
    );
  const reason = (agent: string, after?: string) => describe(text(agent, after)).reason ?? "kept";
  // The second reading may end in the fields after the User-Agent, near the line's end.
  for (let pad = 0; pad < 9; pad++) {
    // At every alignment of the quote against the words the line is read back by.
    const after = `- x HTTP/1.1" 206 - 99 99 1 1 "y" ${"z".repeat(pad)}-`;
    assert.deepStrictEqual(reason("curl/8", after), "ambiguous_status", after);
  }
  assert.deepStrictEqual(reason("curl/8", '- x HTTP/1.1 206 "y" - - - -'), "kept");
  // A User-Agent that holds a whole second request tail, after HTTP/1.1 or HTTP/2.
  assert.deepStrictEqual(reason('x HTTP/1.1" 206 - 99 99 1 1 "y'), "ambiguous_status");
  assert.deepStrictEqual(reason('x HTTP/2" 206 - 99 99 1 1 "y'), "ambiguous_status");
  // A protocol without a tail after it, a tail without a protocol, quotes elsewhere: kept.
  assert.deepStrictEqual(reason('x HTTP/1.1" y'), "kept");
  assert.deepStrictEqual(reason('x" 206 - 99 99 1 1 "y'), "kept");
  assert.deepStrictEqual(reason("Mozilla/5.0 (X11; PPC) AppleWebKit"), "kept");
});

Deno.test("lines the rules do not keep: every operation group and status class is counted", () => {
  const parser = new LogLineParser();
  const read = (operation: string, key: string, tail: string, time = "06/Apr/2022:03:05:53") => {
    const bytes = new TextEncoder().encode(
      `8787a3c4 dandiarchive [${time} +0000] 192.0.2.0 - REQ ${operation} ${key} ` +
        `"X /${key} HTTP/1.1" ${tail} "-" "aws-cli/2" -`,
    );
    const outcome = parser.parse(bytes, 0, bytes.length);
    return outcome !== LineOutcome.Counted ? outcome : [
      OPERATION_GROUPS[parser.operation & 7],
      STATUS_CLASSES[parser.statusClass],
      parser.hasKey,
      parser.bytesSent,
      parser.objectSize,
      (parser.operation & CARRIES_DATA) !== 0,
    ];
  };
  const cases: [string, string, string, unknown[]][] = [
    ["REST.GET.OBJECT", "k", "404 NoSuchKey 243 - 9 -", ["download", "4xx", true, 243, -1, false]],
    ["REST.GET.OBJECT", "k", "304 - - 512 9 -", ["download", "3xx", true, 0, 512, false]],
    ["REST.GET.OBJECT", "k", "503 SlowDown 231 - 9 -", ["download", "5xx", true, 231, -1, false]],
    ["REST.HEAD.OBJECT", "k", "200 - - 512 9 8", ["head", "2xx", true, 0, 512, false]],
    ["REST.PUT.OBJECT", "k", "200 - - 4096 9 8", ["upload", "2xx", true, 0, 4096, true]],
    ["REST.POST.OBJECT", "k", "204 - - 10 9 8", ["upload", "2xx", true, 0, 10, true]],
    ["REST.PUT.PART", "k", "200 - - 8388608 9 8", ["upload", "2xx", true, 0, 8388608, true]],
    ["REST.POST.UPLOADS", "k", "200 - 300 - 9 8", ["upload", "2xx", true, 300, -1, false]],
    ["REST.POST.UPLOAD", "k", "200 - 300 9000 9 8", ["upload", "2xx", true, 300, 9000, false]],
    ["REST.COPY.OBJECT", "k", "200 - 200 9000 9 8", ["upload", "2xx", true, 200, 9000, false]],
    ["REST.DELETE.OBJECT", "k", "204 - - - 9 8", ["delete", "2xx", true, 0, -1, false]],
    ["BATCH.DELETE.OBJECT", "k", "204 - - - 9 8", ["delete", "2xx", true, 0, -1, false]],
    ["REST.POST.MULTI_OBJECT_DELETE", "-", "200 - 118 - 9 8", [
      "delete",
      "2xx",
      false,
      118,
      -1,
      false,
    ]],
    ["REST.GET.BUCKET", "-", "200 - 4000 - 9 8", ["list", "2xx", false, 4000, -1, false]],
    ["REST.GET.BUCKETVERSIONS", "-", "403 AccessDenied 243 - 9 -", [
      "list",
      "4xx",
      false,
      243,
      -1,
      false,
    ]],
    ["REST.HEAD.BUCKET", "-", "200 - - - 9 8", ["list", "2xx", false, 0, -1, false]],
    ["REST.GET.UPLOADS", "-", "200 - 300 - 9 8", ["list", "2xx", false, 300, -1, false]],
    ["REST.OPTIONS.PREFLIGHT", "k", "200 - - - 9 8", ["other", "2xx", true, 0, -1, false]],
    ["REST.GET.ACL", "k", "200 - 500 - 9 8", ["other", "2xx", true, 500, -1, false]],
    ["WEBSITE.GET.OBJECT", "k", "200 - 12 12 9 8", ["other", "2xx", true, 12, 12, false]],
  ];
  for (const [operation, key, tail, expected] of cases) {
    assert.deepStrictEqual(read(operation, key, tail), expected, operation);
  }
  // Counted only when whole: lifecycle actions have no status; a broken time, or a status
  // outside 200-599 are filtered out (not quarantined: as before).
  assert.deepStrictEqual(read("S3.EXPIRE.OBJECT", "k", "- - - 512 - -"), LineOutcome.Filtered);
  assert.deepStrictEqual(
    read("REST.HEAD.OBJECT", "k", "200 - - 512 9 8", "06/Apr/2022:99:05:53"),
    LineOutcome.Filtered,
  );
  assert.deepStrictEqual(read("REST.HEAD.OBJECT", "k", "101 - - 512 9 8"), LineOutcome.Filtered);
  assert.deepStrictEqual(read("REST.HEAD.OBJECT", "k", "no status here"), LineOutcome.Filtered);
});

Deno.test("one parser reads each line's own date, impossible dates rejected, after any other", () => {
  const parser = new LogLineParser({ now: new Date("2025-01-01T00:00:00Z") });
  const dated = (time: string) =>
    new TextEncoder().encode(
      `o b [${time} +0000] 192.0.2.0 - R REST.GET.OBJECT k "GET /k HTTP/1.1" 200 - 1 1 1 1 "-" "-" -`,
    );
  const read = (time: string) => {
    const bytes = dated(time);
    const outcome = parser.parse(bytes, 0, bytes.length);
    return outcome === LineOutcome.Kept ? parser.time : parser.reason;
  };
  const at = (text: string) => Date.parse(text) / 1000;
  // The same date again, the next day, back, a leap day, then impossible days of known months.
  assert.deepStrictEqual(
    [
      "28/Feb/2023:10:00:00",
      "28/Feb/2023:11:00:00",
      "01/Mar/2023:00:00:01",
      "28/Feb/2023:00:00:00",
      "29/Feb/2024:12:00:00",
      "29/Feb/2023:12:00:00",
      "31/Apr/2023:12:00:00",
      "30/Apr/2023:12:00:00",
      "31/Dec/2024:23:59:59",
    ].map(read),
    [
      at("2023-02-28T10:00:00Z"),
      at("2023-02-28T11:00:00Z"),
      at("2023-03-01T00:00:01Z"),
      at("2023-02-28T00:00:00Z"),
      at("2024-02-29T12:00:00Z"),
      "bad_timestamp",
      "bad_timestamp",
      at("2023-04-30T12:00:00Z"),
      at("2024-12-31T23:59:59Z"),
    ],
  );
});
