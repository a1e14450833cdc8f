import assert from "node:assert/strict";
import { readPiece, readTask } from "./piece_reader.ts";
import type { TaskPiece } from "./extraction_plan.ts";
import { TableMirror, ThreadTables } from "./thread_tables.ts";
import { createPieceExecutor } from "./piece_executor.ts";
import type { PieceOutcome } from "./piece_reader.ts";

const SAMPLE = new URL("../../fixtures/sample_logs/", import.meta.url);

async function samplePieces(): Promise<TaskPiece[]> {
  const paths: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.name !== "README.md") paths.push(path);
    }
  };
  await walk(SAMPLE.pathname.replace(/\/$/, ""));
  paths.sort();
  return await Promise.all(paths.map(async (path) => {
    const size = (await Deno.stat(path)).size;
    return { path, start: 0, end: size, whole: true };
  }));
}

/** Each kept request as key, IP and line, through its piece's tables. */
function requests(outcome: PieceOutcome): string[] {
  if (!outcome.ok) return [outcome.error];
  const p = outcome.parsed;
  const rows: string[] = [];
  for (let r = 0; r < p.rows; r++) {
    rows.push(`${p.keys[p.keyIds[r]]} ${p.ips[p.ipIds[r]]} ${p.lines[r]}`);
  }
  for (let g = 0; g < p.operations.rows; g++) {
    const key = p.operations.objects[g];
    rows.push(`op ${key < 0 ? "-" : p.keys[key]} ${p.operations.days[g]} ${p.operations.codes[g]}`);
  }
  return rows;
}

Deno.test("tables kept from task to task, sent as deltas and renewed past the limit, give every piece its own keys and IPs", async () => {
  const pieces = await samplePieces();
  assert(pieces.length > 20, "the sample has many files");
  // Each piece alone, with tables of its own: the independent answer.
  const alone = await Promise.all(pieces.map((piece) => readPiece(piece)));
  // Tasks of three pieces through a worker's protocol: structured clones, as postMessage makes.
  const thread = new ThreadTables(200);
  const mirror = new TableMirror();
  const mirrored: PieceOutcome[] = [];
  let renewals = 0;
  for (let i = 0; i < pieces.length; i += 3) {
    const outcomes = await readTask(pieces.slice(i, i + 3), { tables: thread.next() });
    const delta = thread.detach(outcomes);
    if (delta.renewed && i > 0) renewals++;
    const sent = structuredClone({ outcomes, delta });
    for (const outcome of sent.outcomes) {
      if (outcome.ok) assert.deepStrictEqual(outcome.parsed.keys, []);
    }
    mirror.attach(sent.delta, sent.outcomes);
    mirrored.push(...sent.outcomes);
  }
  assert(renewals >= 2, `the tables were renewed (${renewals} times)`);
  assert.deepStrictEqual(mirrored.map(requests), alone.map(requests));
  // Without the renewal the ids would be reused by another key: a mutation test of the above.
  const stale = new TableMirror();
  const staleThread = new ThreadTables(200);
  const wrong: PieceOutcome[] = [];
  for (let i = 0; i < pieces.length; i += 3) {
    const outcomes = await readTask(pieces.slice(i, i + 3), { tables: staleThread.next() });
    const delta = staleThread.detach(outcomes);
    stale.attach({ ...delta, renewed: i === 0 }, outcomes);
    wrong.push(...outcomes);
  }
  assert.notDeepStrictEqual(wrong.map(requests), alone.map(requests));
});

Deno.test("a worker's tables are not reused under another excluded-IP pattern or mode", async () => {
  const path = await Deno.makeTempFile();
  await Deno.writeTextFile(
    path,
    'o b [06/Apr/2022:03:05:53 +0000] 192.0.2.7 - R REST.GET.OBJECT blobs/a "GET /blobs/a HTTP/1.1" ' +
      '200 - 10 10 1 1 "-" "-" -\n',
  );
  const pieces = [{ path, start: 0, end: (await Deno.stat(path)).size, whole: true }];
  for (const count of [0, 1]) {
    const executor = createPieceExecutor(count);
    try {
      const run = async (excludedIps: string | null, mode: "generic" | "dandi" = "generic") => {
        const [outcome] = (await executor.run({ id: 1, pieces, mode, excludedIps })).outcomes;
        assert(outcome.ok);
        return [outcome.parsed.rows, outcome.parsed.excluded];
      };
      assert.deepStrictEqual(await run(null), [1, 0], `${count} workers`);
      assert.deepStrictEqual(await run("^(?:192\\.0\\.2\\.7)$"), [0, 1], `${count} workers`);
      assert.deepStrictEqual(await run(null, "dandi"), [1, 0], `${count} workers`);
    } finally {
      executor.close();
    }
  }
  await Deno.remove(path);
});
