import assert from "node:assert/strict";
import {
  classifyUserAgent,
  CLIENT_KIND_CODES,
  CLIENT_KINDS,
  ClientKindCache,
  clientKindRules,
  DEFAULT_ARCHIVE_CLIENTS,
} from "./client_kind.ts";
import { PieceParser } from "./piece_parser.ts";

const rules = clientKindRules(DEFAULT_ARCHIVE_CLIENTS);

Deno.test("User-Agents of every kind, as real logs hold them", () => {
  const cases: [string, string][] = [
    ["-", "unknown"],
    ["", "unknown"],
    ["dandi/0.58.0 requests/2.31.0 CPython/3.11.4-final", "archive-client"],
    ["dandidav/0.4.0 (https://github.com/dandi/dandidav)", "archive-client"],
    ["python-requests/2.31.0", "library"],
    ["Python-urllib/3.10", "library"],
    ["Boto3/1.28.57 md/Botocore#1.31.57 ua/2.0 os/linux#6.1", "library"],
    ["aws-cli/2.13.25 Python/3.11.5 Linux/6.2", "library"],
    ["aws-sdk-java/1.12.500 Linux/5.10", "library"],
    ["curl/8.4.0", "library"],
    ["Wget/1.21.3", "library"],
    ["s3fs/2023.9.2 aiobotocore/2.6.0", "library"],
    ["git-annex/10.20230926", "library"],
    ["datalad/0.19.3", "library"],
    ["rclone/v1.65.0", "library"],
    ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "crawler"],
    ["Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", "crawler"],
    ["Mozilla/5.0 (compatible; Baiduspider/2.0)", "crawler"],
    ["Mozilla/5.0 (compatible; YandexBot/3.0)", "crawler"],
    ["SomeCrawler/1.0", "crawler"],
    ["Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "browser"],
    [
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15",
      "browser",
    ],
    ['Mozilla/5.0 "compatible" (X11; "Linux" x86_64) Gecko "quoted" 1.0', "browser"],
    ["S3Console/0.4", "other"],
    ["MyOwnTool/1.0", "other"],
  ];
  for (const [userAgent, kind] of cases) {
    assert.deepStrictEqual(classifyUserAgent(userAgent, rules), kind, userAgent);
  }
  // Every kind is reached, and each has its stored code.
  assert.deepStrictEqual(new Set(cases.map(([, kind]) => kind)), new Set(CLIENT_KINDS));
  assert.deepStrictEqual(CLIENT_KINDS.map((kind) => CLIENT_KIND_CODES[kind]), [0, 1, 2, 3, 4, 5]);
  // botocore is no bot; the archive's list is configurable.
  assert.deepStrictEqual(classifyUserAgent("Botocore/1.31.0", rules), "library");
  assert.deepStrictEqual(
    classifyUserAgent("MyOwnTool/1.0", clientKindRules(["myowntool/"])),
    "archive-client",
  );
});

Deno.test("extraction keeps each request's client kind and object size, text and JSON alike", () => {
  const line = (userAgent: string, size: string) =>
    "8787a3c4 dandiarchive [01/Jul/2026:12:34:56 +0000] 192.0.2.3 - REQ REST.GET.OBJECT " +
    `blobs/a "GET /blobs/a HTTP/1.1" 200 - 2048 ${size} 70 10 "https://x.org/?q=\\"a\\"" ` +
    `${userAgent} - host SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader dandiarchive.s3.amazonaws.com TLSv1.2`;
  const record = (fields: Record<string, unknown>) =>
    JSON.stringify({
      request_time: "2026-07-01T12:34:56.000Z",
      remote_ip: "192.0.2.3",
      operation: "REST.GET.OBJECT",
      key_name: "blobs/a",
      http_status: 200,
      bytes_sent: 2048,
      ...fields,
    });
  const lines = [
    line('"dandi/0.58.0 requests/2.31.0"', "4096"),
    line('"Mozilla/5.0 (compatible; Googlebot/2.1)"', "-"),
    line('"-"', "10"),
    line('"Mozilla/5.0 "compatible" (X11) Gecko"', "7"),
    record({ user_agent: "curl/8.4.0", object_size: 123 }),
    record({ user_agent: null, object_size: null }),
    record({ user_agent: 'Mozilla/5.0 (X11; "Linux") Firefox/128.0' }),
  ];
  const parser = new PieceParser();
  parser.push(new TextEncoder().encode(lines.join("\n")));
  const piece = parser.finish();
  assert.deepStrictEqual(piece.rows, 7);
  assert.deepStrictEqual(
    [...piece.clientKinds].map((code) => CLIENT_KINDS[code]),
    ["archive-client", "crawler", "unknown", "browser", "library", "unknown", "browser"],
  );
  assert.deepStrictEqual([...piece.objectSizes], [4096, -1, 10, 7, 123, -1, -1]);
});

Deno.test("the User-Agent cache gives each User-Agent its own kind past its arena's size and for very long ones", () => {
  const rules = clientKindRules(DEFAULT_ARCHIVE_CLIENTS);
  const cache = new ClientKindCache(rules);
  const encoder = new TextEncoder();
  const agents = [
    "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    "python-requests/2.31.0",
    "Googlebot/2.1 (+http://www.google.com/bot.html)",
    "dandi/0.58.0 requests/2.31.0 CPython/3.11",
    "something else entirely",
  ];
  // 30,000 distinct User-Agents of about 100 bytes: three times the arena, which starts again.
  for (let i = 0; i < 30_000; i++) {
    const text = `${agents[i % agents.length]} ${"x".repeat(40)} build/${i}`;
    const bytes = encoder.encode(`"${text}"`);
    for (let twice = 0; twice < 2; twice++) {
      assert.deepStrictEqual(
        CLIENT_KINDS[cache.kind(bytes, 1, bytes.length - 1)],
        classifyUserAgent(text, rules),
        text,
      );
    }
  }
  const long = `python-requests/2.31.0 ${"y".repeat(5000)}`;
  const bytes = encoder.encode(long);
  assert.deepStrictEqual(CLIENT_KINDS[cache.kind(bytes, 0, bytes.length)], "library");
  assert.deepStrictEqual(CLIENT_KINDS[cache.kind(bytes, 0, bytes.length)], "library");
});
