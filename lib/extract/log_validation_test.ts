import { join } from "node:path";
import assert from "node:assert/strict";
import { extractLogs } from "./extract_logs.ts";
import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
import { validateLogs } from "./log_validation.ts";

const HARD = new URL("../../fixtures/hard_cases/", import.meta.url).pathname;
/** A JSON record of a kept download, with `changes`. */
const record = (changes: Record<string, unknown> = {}) =>
  JSON.stringify({
    schema_version_id: "V_1_0",
    request_time: "2026-07-01T00:00:00.000Z",
    remote_ip: "192.0.2.1",
    operation: "REST.GET.OBJECT",
    key_name: "ds1/a",
    http_status: 200,
    bytes_sent: 3,
    ...changes,
  });
const line = (op: string, uri: string, tail: string) =>
  `o b [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - R ${op} ds1/a "${uri}" ${tail} "-" "-" -`;

Deno.test("validate reports every quarantine reason of the hard cases, where extraction does", async () => {
  const expected = JSON.parse(await Deno.readTextFile(join(HARD, "expected.json")));
  const report = await validateLogs({ logsDirectory: join(HARD, "logs"), examples: 100 });
  const file = expected.file as string;
  const byLine = new Map<number, string[]>();
  for (const problem of report.problems) {
    for (const where of problem.examples) {
      const n = Number(where.slice(file.length + 1));
      byLine.set(n, [...(byLine.get(n) ?? []), problem.kind].sort());
    }
  }
  for (const entry of expected.lines as { line: number; outcome: string; reason?: string }[]) {
    const kinds = (byLine.get(entry.line) ?? []).filter((k) => k !== "protocol_repeated");
    // validate says more precisely why no status was found (line 7: bytes sent is "12x").
    const reason = entry.line === 7 ? "non_numeric_bytes" : entry.reason;
    assert.deepStrictEqual(
      kinds,
      entry.outcome === "malformed" ? [reason] : [],
      `line ${entry.line}`,
    );
  }
  assert.deepStrictEqual(byLine.get(2)?.includes("protocol_repeated"), true);
  assert.deepStrictEqual(
    report.kept,
    expected.lines.filter((l: { outcome: string }) => l.outcome === "kept").length,
  );
});

Deno.test("validate finds unknown operations, missing protocols, bad sizes and short downloads", async () => {
  const logs = await Deno.makeTempDir();
  const text = [
    line("REST.GET.OBJECT", "GET /ds1/a HTTP/1.1", "200 - 100 100 1 1"), // fine
    line("rest.get.object", "GET /ds1/a HTTP/1.1", "200 - 100 100 1 1"), // unknown operation
    line("REST.GET.OBJECT", "GET /ds1/a", "206 - 10 100 1 1"), // missing protocol
    line("REST.GET.OBJECT", "GET /ds1/a HTTP/1.1", "200 - 10 1x 1 1"), // bad object size
    line("REST.GET.OBJECT", "GET /ds1/a HTTP/1.1", "200 - 10 100 1 1"), // short download
    line("REST.GET.OBJECT", "GET /ds1/a HTTP/1.1", "200 - - 100 1 1"), // '-' passes
    line("REST.PUT.OBJECT", "PUT /ds1/a HTTP/1.1", "200 - 10 100 1 1"), // not a GET: fine
  ].join("\n") + "\n";
  const name = "2022-04-06-03-05-53-0123456789ABCDEF";
  await Deno.writeTextFile(join(logs, name), text);
  const gz = new Response(new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")));
  const gzipped = new Uint8Array(await gz.arrayBuffer());
  await Deno.writeFile(join(logs, "2022-04-06-03-05-54-0123456789ABCDEF"), gzipped);
  await Deno.writeFile(join(logs, "2022-04-06-03-05-55-0123456789ABCDEF"), gzipped.slice(0, 40));
  const report = await validateLogs({ logsDirectory: logs });
  assert.deepStrictEqual(
    report.problems.map((p) => [p.kind, p.lines, p.examples[0]]),
    [
      ["missing_protocol", 2, `${name}:3`],
      ["non_numeric_object_size", 2, `${name}:4`],
      ["short_download", 2, `${name}:5`],
      ["unknown_operation", 2, `${name}:2`],
    ],
  );
  assert.deepStrictEqual([report.files, report.lines, report.kept], [2, 14, 8]);
  assert.deepStrictEqual(report.unreadable.map((u) => u.path), [
    "2022-04-06-03-05-55-0123456789ABCDEF",
  ]);
  await Deno.remove(logs, { recursive: true });
});

Deno.test("validate keeps what extraction keeps, and writes nothing", async () => {
  const logsDirectory = new URL("../../fixtures/sample_logs", import.meta.url).pathname;
  const cacheDirectory = await Deno.makeTempDir();
  const secrets = await deriveCacheSecrets({ password: "validate", iterations: 1 });
  const extraction = await extractLogs({ logsDirectory, cacheDirectory, secrets, workers: 0 });
  const report = await validateLogs({ logsDirectory });
  assert.deepStrictEqual([report.files, report.kept], [
    extraction.files.done,
    extraction.lines.kept,
  ]);
  await Deno.remove(cacheDirectory, { recursive: true });
});

Deno.test("validate checks client IPs as extraction does: 999.1.1.1 and 1.2.3 are not addresses", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const line = (ip: string) =>
      `o b [06/Apr/2022:03:05:53 +0000] ${ip} - R REST.GET.OBJECT ds1/a "GET /ds1/a HTTP/1.1" 200 - 12 12 5 3 "-" "-" -\n`;
    await Deno.writeTextFile(
      `${dir}/2022-04-06-03-05-53-0123456789ABCDEF`,
      line("999.1.1.1") + line("1.2.3") + line("192.0.2.1"),
    );
    const report = await validateLogs({ logsDirectory: dir });
    assert.deepStrictEqual(report.kept, 1);
    assert.deepStrictEqual(report.problems.map((p) => [p.kind, p.lines]), [["bad_client_ip", 2]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("validate reads JSON records as extraction does, with file:line of the bad ones", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      join(dir, "records.json"),
      [
        record({}),
        record({ http_status: 404 }),
        record({}).slice(0, 40),
        record({ remote_ip: "999.1.1.1" }),
        record({ http_status: null }),
        line("REST.GET.OBJECT", "GET /ds1/a HTTP/1.1", "200 - 3 3 1 1"),
      ].join("\n") + "\n",
    );
    const report = await validateLogs({ logsDirectory: dir });
    assert.deepStrictEqual([report.files, report.lines, report.kept], [1, 6, 2]);
    assert.deepStrictEqual(
      report.problems.map((p) => [p.kind, p.examples]).sort(),
      [
        ["bad_client_ip", ["records.json:4"]],
        ["bad_json", ["records.json:3"]],
        ["missing_field", ["records.json:5"]],
      ],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("validate reads the records inside CloudWatch Logs envelopes, as extraction does", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const envelope = (messageType: string, messages: unknown[]) =>
      JSON.stringify({
        messageType,
        logGroup: "/aws/s3/server-access-logs",
        logEvents: messages.map((message, i) => ({ id: String(i), timestamp: 0, message })),
      });
    await Deno.writeTextFile(
      join(dir, "firehose.json"),
      [
        envelope("DATA_MESSAGE", [record(), record({ remote_ip: "999.1.1.1" }), record()]),
        envelope("CONTROL_MESSAGE", ["CWL CONTROL MESSAGE: Checking health of destination."]),
        envelope("DATA_MESSAGE", [record().slice(0, 50), 7, record({ http_status: 404 })]),
      ].join("\n") + "\n",
    );
    const report = await validateLogs({ logsDirectory: dir });
    // Two records kept (the bad IP is quarantined by extraction, the 404 is not kept).
    assert.deepStrictEqual([report.files, report.lines, report.kept], [1, 3, 2]);
    assert.deepStrictEqual(
      report.problems.map((p) => [p.kind, p.lines, p.examples]).sort(),
      [
        ["bad_client_ip", 1, ["firehose.json:1"]],
        ["bad_json", 1, ["firehose.json:3"]],
      ],
    );
    // Extraction keeps the same two and quarantines the same two lines (an envelope with two
    // bad records is one bad line: quarantined once, not a failed run).
    const secrets = await deriveCacheSecrets({ password: "validate", iterations: 1 });
    const cacheDirectory = await Deno.makeTempDir();
    const extraction = await extractLogs({
      logsDirectory: dir,
      cacheDirectory,
      secrets,
      workers: 0,
    });
    assert.deepStrictEqual([extraction.lines.kept, extraction.lines.malformed], [2, 2]);
    assert.deepStrictEqual(extraction.files.failed, 0);
    await Deno.remove(cacheDirectory, { recursive: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
