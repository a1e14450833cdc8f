import assert from "node:assert/strict";
import { formatReferenceTimestamp } from "./civil_time.ts";
import { type ParsedPiece, PieceParser, QUARANTINE_LINES_PER_PIECE } from "./piece_parser.ts";

const HARD_CASES = new URL("../../fixtures/hard_cases/", import.meta.url);

/** Line number → what happened to it, from a parsed piece. */
function outcomesByLine(piece: ParsedPiece): Map<number, Record<string, unknown>> {
  const byLine = new Map<number, Record<string, unknown>>();
  for (let row = 0; row < piece.rows; row++) {
    byLine.set(piece.lines[row], {
      outcome: "kept",
      key: piece.keys[piece.keyIds[row]],
      timestamp: formatReferenceTimestamp(piece.times[row]),
      bytes_sent: piece.bytesSent[row],
      download: piece.downloads[row],
    });
  }
  for (const q of piece.quarantine) byLine.set(q.line, { outcome: "malformed", reason: q.reason });
  for (let line = 1; line <= piece.lineCount; line++) {
    if (!byLine.has(line)) byLine.set(line, { outcome: "filtered" });
  }
  return byLine;
}

Deno.test("every hand-written hard case is read as fixtures/hard_cases/expected.json says", async () => {
  const expected = JSON.parse(await Deno.readTextFile(new URL("expected.json", HARD_CASES)));
  const parser = new PieceParser();
  parser.push(await Deno.readFile(new URL(`logs/${expected.file}`, HARD_CASES)));
  const piece = parser.finish();
  assert.deepStrictEqual(piece.lineCount, expected.lines.length);
  const actual = outcomesByLine(piece);
  for (const { line, why, ...fields } of expected.lines) {
    assert.deepStrictEqual(actual.get(line), fields, `line ${line}: ${why}`);
  }
  assert.deepStrictEqual(piece.filtered + piece.malformed + piece.rows, piece.lineCount);
});

Deno.test("splitting the input anywhere gives the same result as one push", async () => {
  const expected = JSON.parse(await Deno.readTextFile(new URL("expected.json", HARD_CASES)));
  const bytes = await Deno.readFile(new URL(`logs/${expected.file}`, HARD_CASES));
  const whole = new PieceParser();
  whole.push(bytes);
  const reference = outcomesByLine(whole.finish());
  for (const cut of [1, 2, 100, 401, 402, 4096, bytes.length - 1]) {
    const parser = new PieceParser();
    parser.push(bytes.subarray(0, cut));
    parser.push(bytes.subarray(cut));
    assert.deepStrictEqual(outcomesByLine(parser.finish()), reference, `cut at ${cut}`);
  }
});

const REQUEST = (ip: string, key = "blobs/aaa/bbb/c") =>
  `o b [06/Apr/2022:03:05:53 +0000] ${ip} - R REST.GET.OBJECT ${key} "GET /${key} HTTP/1.1" ` +
  `200 - 10 10 1 1 "-" "-" -\n`;

Deno.test("excluded IPs: the whole IP must match, and dropped requests are counted", () => {
  const parser = new PieceParser({ mode: "dandi", excludedIps: /^(?:192\.0\.2\.1)$/ });
  parser.push(
    new TextEncoder().encode(
      REQUEST("192.0.2.1") + REQUEST("192.0.2.10") + REQUEST("192.0.2.1") + REQUEST("10.192.0.2.1"),
    ),
  );
  const piece = parser.finish();
  assert.deepStrictEqual([piece.rows, piece.excluded, piece.filtered, piece.malformed], [
    1,
    2,
    0,
    1,
  ]);
  assert.deepStrictEqual(piece.ips[piece.ipIds[0]], "192.0.2.10");
});

Deno.test("the quarantine keeps the first lines' text and counts the rest", () => {
  const parser = new PieceParser();
  parser.push(new TextEncoder().encode("garbage line\n".repeat(QUARANTINE_LINES_PER_PIECE + 5)));
  const piece = parser.finish();
  assert.deepStrictEqual(piece.malformed, QUARANTINE_LINES_PER_PIECE + 5);
  assert.deepStrictEqual(piece.quarantine.length, QUARANTINE_LINES_PER_PIECE);
  assert.deepStrictEqual(piece.malformedByReason, {
    too_few_fields: QUARANTINE_LINES_PER_PIECE + 5,
  });
  assert.deepStrictEqual(piece.quarantine[0], {
    line: 1,
    reason: "too_few_fields",
    text: "garbage line",
  });
});

Deno.test("many distinct keys and IPs keep their identities through table growth", () => {
  const parser = new PieceParser();
  const lines: string[] = [];
  for (let i = 0; i < 5000; i++) lines.push(REQUEST(`10.0.${i >> 8}.${i & 255}`, `ds/${i % 3000}`));
  parser.push(new TextEncoder().encode(lines.join("")));
  const piece = parser.finish();
  assert.deepStrictEqual([piece.rows, piece.keys.length, piece.ips.length], [5000, 3000, 5000]);
  for (let row = 0; row < piece.rows; row++) {
    assert.deepStrictEqual(piece.keys[piece.keyIds[row]], `ds/${row % 3000}`);
  }
  assert(piece.ips.every((ip, i) => ip === `10.0.${i >> 8}.${i & 255}`));
});

Deno.test("a huge line without a newline is quarantined as too long in linear time, and the lines after it are read", () => {
  const parser = new PieceParser({ mode: "generic" });
  const good = new TextEncoder().encode(
    'o b [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - R REST.GET.OBJECT ds1/a "GET /ds1/a HTTP/1.1" 200 - 12 12 5 3 "-" "-" -\n',
  );
  parser.push(good);
  // 50 MB of one line, in the small chunks a gzip stream gives: quadratic before, linear now.
  const chunk = new Uint8Array(64 * 1024).fill(0x41);
  for (let i = 0; i < 800; i++) parser.push(chunk);
  parser.push(new Uint8Array([0x41, 0x0a]));
  parser.push(good);
  const parsed = parser.finish();
  assert.deepStrictEqual([parsed.lineCount, parsed.rows, parsed.malformed], [3, 2, 1]);
  assert.deepStrictEqual(parsed.malformedByReason, { line_too_long: 1 });
  assert.deepStrictEqual(parsed.quarantine.map((q) => [q.line, q.reason, q.text.length]), [[
    2,
    "line_too_long",
    4096,
  ]]);
  // Also when it is the last line, with no newline at all.
  const last = new PieceParser({ mode: "generic" });
  for (let i = 0; i < 20; i++) last.push(chunk);
  assert.deepStrictEqual(last.finish().malformedByReason, { line_too_long: 1 });
});

Deno.test("an object key with a control character (NUL, tab) is quarantined, never stored cut short", () => {
  const parser = new PieceParser({ mode: "generic" });
  const line = (key: string) =>
    `o b [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - R REST.GET.OBJECT ${key} "GET /x HTTP/1.1" 200 - 12 12 5 3 "-" "-" -\n`;
  parser.push(
    new TextEncoder().encode(line("ds1/a\u0000b") + line("ds1/c\u0001d") + line("ds1/ok")),
  );
  const parsed = parser.finish();
  assert.deepStrictEqual([parsed.rows, parsed.malformed], [1, 2]);
  assert.deepStrictEqual(parsed.malformedByReason, { bad_object_key: 2 });
  assert.deepStrictEqual(parsed.keys[parsed.keyIds[0]], "ds1/ok");
});

Deno.test("a quote after the User-Agent is seen in lines read from chunks, wherever they are cut", () => {
  const text = (agent: string, after: string) =>
    `o b [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - R REST.GET.OBJECT ds/a ` +
    `"GET /ds/a HTTP/1.1" 200 - 12 12 5 3 "-" "${agent}" ${after}\n`;
  // A second reading after the User-Agent (ambiguous), then lines with no quote after it, whose
  // earlier quotes (and those of the line before) must not count as ones after it.
  const lines = [];
  for (let pad = 0; pad < 6; pad++) {
    lines.push(text("curl/8", `- x HTTP/1.1" 206 - 99 99 1 1 "y" ${"z".repeat(pad)}-`));
    lines.push(text(`curl/8 "q" ${"w".repeat(pad)}`, "- host SigV4 TLSv1.2"));
  }
  const log = new TextEncoder().encode(lines.join(""));
  const reasons = (piece: ParsedPiece) =>
    [...outcomesByLine(piece)].sort(([a], [b]) => a - b).map(([, o]) => o.reason);
  const whole = new PieceParser();
  whole.push(log);
  const expected = reasons(whole.finish());
  assert.deepStrictEqual(
    expected,
    lines.map((_, i) => i % 2 === 0 ? "ambiguous_status" : undefined),
  );
  for (let cut = 1; cut < log.length; cut += 7) {
    const parser = new PieceParser();
    parser.push(log.subarray(0, cut));
    parser.push(log.subarray(cut));
    assert.deepStrictEqual(reasons(parser.finish()), expected, `cut at ${cut}`);
  }
});
