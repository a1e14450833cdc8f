import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import type { ParsedPiece } from "./piece_parser.ts";
import { readPiece, readTask } from "./piece_reader.ts";
import { REQUEST_COLUMNS } from "./request_columns.ts";
import { COUNT_COLUMNS } from "./operation_tally.ts";

const HARD = new URL(
  "../../fixtures/hard_cases/logs/2024-05-01-10-20-30-0123456789HARD01",
  import.meta.url,
);

/** Kept rows as "line key bytes", with line numbers made absolute. */
function rows(piece: ParsedPiece, firstLine: number): string[] {
  const out: string[] = [];
  for (let r = 0; r < piece.rows; r++) {
    out.push(`${firstLine + piece.lines[r]} ${piece.keys[piece.keyIds[r]]} ${piece.bytesSent[r]}`);
  }
  return out;
}

async function readInPieces(path: string, size: number, pieceBytes: number) {
  const all: string[] = [];
  let lines = 0;
  let bytes = 0;
  for (let start = 0; start < size; start += pieceBytes) {
    const end = Math.min(size, start + pieceBytes);
    const outcome = await readPiece({ path, start, end, whole: false });
    assert(outcome.ok);
    all.push(...rows(outcome.parsed, lines));
    lines += outcome.parsed.lineCount;
    bytes += outcome.bytesRead;
  }
  return { all, lines, bytes };
}

Deno.test("pieces cut anywhere partition the lines: same rows, lines and bytes as the whole", async () => {
  const path = HARD.pathname;
  const size = (await Deno.stat(path)).size;
  const whole = await readPiece({ path, start: 0, end: size, whole: true });
  assert(whole.ok);
  const expected = rows(whole.parsed, 0);
  for (const pieceBytes of [1, 7, 100, 313, 1000, 4096, size]) {
    const { all, lines, bytes } = await readInPieces(path, size, pieceBytes);
    assert.deepStrictEqual(all, expected, `pieces of ${pieceBytes} bytes`);
    assert.deepStrictEqual(lines, whole.parsed.lineCount);
    assert.deepStrictEqual(bytes, size);
  }
});

Deno.test("a line longer than several pieces is read once, by the piece where it starts", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/2024-01-01-00-00-00-0000000000000001`;
  const line = (key: string, ua: string) =>
    `o b [01/Jan/2024:00:00:00 +0000] 192.0.2.1 - R REST.GET.OBJECT ${key} "GET /${key} HTTP/1.1" ` +
    `200 - 5 5 1 1 "-" "${ua}" -\n`;
  const text = line("a", "x") + line("long", "y".repeat(200_000)) + line("c", "z");
  await Deno.writeTextFile(path, text);
  const { all, lines, bytes } = await readInPieces(path, text.length, 65536);
  assert.deepStrictEqual(all, ["1 a 5", "2 long 5", "3 c 5"]);
  assert.deepStrictEqual([lines, bytes], [3, text.length]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("gzip content is detected by its bytes, whatever the name", async () => {
  const dir = await Deno.makeTempDir();
  const plain = await Deno.readFile(HARD);
  const compressed = new Uint8Array(
    await new Response(new Blob([plain]).stream().pipeThrough(new CompressionStream("gzip")))
      .arrayBuffer(),
  );
  const path = `${dir}/2024-05-01-10-20-30-0123456789HARD01`;
  await Deno.writeFile(path, compressed);
  const fromGzip = await readPiece({ path, start: 0, end: compressed.length, whole: true });
  const fromPlain = await readPiece({
    path: HARD.pathname,
    start: 0,
    end: plain.length,
    whole: true,
  });
  assert(fromGzip.ok && fromPlain.ok);
  assert.deepStrictEqual(rows(fromGzip.parsed, 0), rows(fromPlain.parsed, 0));
  assert.deepStrictEqual(fromGzip.bytesRead, compressed.length);

  await Deno.writeFile(path, compressed.subarray(0, compressed.length - 100));
  const truncated = await readPiece({ path, start: 0, end: compressed.length - 100, whole: true });
  assert.deepStrictEqual(truncated.ok, false);
  assert(!truncated.ok && /truncated or corrupt gzip data/.test(truncated.error));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a gzip file of several members (cat a.gz b.gz, Firehose's objects) is read whole", async () => {
  const dir = await Deno.makeTempDir();
  const plain = await Deno.readFile(HARD);
  // Cut at a line boundary into three members, each compressed on its own.
  const cuts = [
    0,
    plain.indexOf(10, plain.length / 3) + 1,
    plain.indexOf(10, plain.length / 2) + 1,
  ];
  const members = cuts.map((start, i) =>
    gzipSync(plain.subarray(start, cuts[i + 1] ?? plain.length))
  );
  const joined = new Uint8Array(members.reduce((total, m) => total + m.length, 0));
  members.reduce((offset, m) => (joined.set(m, offset), offset + m.length), 0);
  const path = `${dir}/2024-05-01-10-20-30-0123456789HARD01.gz`;
  await Deno.writeFile(path, joined);
  const fromMembers = await readPiece({ path, start: 0, end: joined.length, whole: true });
  const fromPlain = await readPiece({
    path: HARD.pathname,
    start: 0,
    end: plain.length,
    whole: true,
  });
  assert(fromMembers.ok && fromPlain.ok);
  assert.deepStrictEqual(fromMembers.parsed.lineCount, fromPlain.parsed.lineCount);
  assert.deepStrictEqual(rows(fromMembers.parsed, 0), rows(fromPlain.parsed, 0));
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a file that cannot be read gives a reason instead of an exception", async () => {
  const outcome = await readPiece({ path: "/nonexistent/x.log", start: 0, end: 10, whole: true });
  assert.deepStrictEqual(outcome, { ok: false, error: "the file disappeared before it was read" });
});

Deno.test("a gzip bomb fails its file with the reason, after bounded work", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // 200 MB of zeros compress to about 200 KB: past 1,000 times its size.
    const zeros = new Uint8Array(1024 * 1024);
    const stream = new ReadableStream<BufferSource>({
      start(controller) {
        for (let i = 0; i < 200; i++) controller.enqueue(zeros);
        controller.close();
      },
    }).pipeThrough(new CompressionStream("gzip"));
    const bomb = new Uint8Array(await new Response(stream).arrayBuffer());
    await Deno.writeFile(`${dir}/2024-01-01-00-00-00-0123456789ABCDEF`, bomb);
    const outcome = await readPiece({
      path: `${dir}/2024-01-01-00-00-00-0123456789ABCDEF`,
      start: 0,
      end: bomb.length,
      whole: true,
    });
    assert.deepStrictEqual(outcome.ok, false);
    if (!outcome.ok) assert.match(outcome.error, /gzip data expands more than 1000 times/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a task's answer holds each column once, exact size, the pieces' rows as read alone", async () => {
  const size = (await Deno.stat(HARD)).size;
  const half = Math.floor(size / 2);
  const pieces = [
    { path: HARD.pathname, start: 0, end: half, whole: false },
    { path: HARD.pathname, start: half, end: size, whole: false },
    { path: HARD.pathname, start: 0, end: size, whole: true },
  ];
  const outcomes = await readTask(pieces, {});
  const parsed = outcomes.map((outcome) => {
    assert(outcome.ok);
    return outcome.parsed;
  });
  const rowsOf = (p: ParsedPiece) => p.rows;
  const groupsOf = (p: ParsedPiece) => p.operations.rows;
  for (
    const [columns, count, view] of [
      [REQUEST_COLUMNS, rowsOf, (p: ParsedPiece, c: string) => p[c as "keyIds"]],
      [COUNT_COLUMNS, groupsOf, (p: ParsedPiece, c: string) => p.operations[c as "days"]],
    ] as const
  ) {
    const total = parsed.reduce((sum, p) => sum + count(p), 0);
    assert.ok(total > 0);
    for (const column of columns) {
      const views = parsed.map((p) => view(p, column));
      assert.ok(views.every((v) => v.buffer === views[0].buffer), column);
      assert.deepStrictEqual(
        views[0].buffer.byteLength,
        total * views[0].BYTES_PER_ELEMENT,
        column,
      );
    }
  }
  // The same rows as each piece read on its own.
  for (const [i, piece] of pieces.entries()) {
    const alone = await readPiece(piece);
    assert(alone.ok);
    assert.deepStrictEqual(rows(parsed[i], 0), rows(alone.parsed, 0));
    assert.deepStrictEqual([...parsed[i].operations.requests], [
      ...alone.parsed.operations.requests,
    ]);
  }
});
