import assert from "node:assert/strict";
import { join } from "node:path";
import { countRequests, readRequestBlocks, rowFileIds } from "../store/request_blocks.ts";
import { openCacheDatabase } from "../store/cache_database.ts";
import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
import { OperatorError } from "../errors.ts";
import { readPiece } from "./piece_reader.ts";
import { type BatchEntry, RequestStore } from "./request_store.ts";

Deno.test("a full disk during a commit names the cause, and stores nothing of the batch", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/2022-04-06-03-05-53-0123456789ABCDEF`;
    const line = (i: number) =>
      `o b [06/Apr/2022:03:05:53 +0000] 192.0.2.${i % 250} - R REST.GET.OBJECT ds1/${i} ` +
      `"GET /ds1/${i} HTTP/1.1" 200 - 12 12 5 3 "-" "-" -\n`;
    const text = Array.from({ length: 20_000 }, (_, i) => line(i)).join("");
    await Deno.writeTextFile(path, text);
    const size = new TextEncoder().encode(text).length;
    const file = {
      path: "2022-04-06-03-05-53-0123456789ABCDEF",
      location: path,
      size,
      mtime: 0,
      nextOffset: 0,
      nextLine: 0,
      state: "pending" as const,
    };
    const db = openCacheDatabase(dir);
    const secrets = await deriveCacheSecrets({ password: "full disk test", iterations: 1 });
    const store = new RequestStore(db, secrets);
    // SQLite reports SQLITE_FULL when the database may not grow: a full disk, for the test.
    const pages = (db.prepare("PRAGMA page_count").get() as { page_count: number }).page_count;
    db.exec(`PRAGMA max_page_count = ${pages + 2}`);
    const outcome = await readPiece({ path, start: 0, end: size, whole: true });
    const piece = { file, start: 0, end: size, last: true, whole: true };
    let message = "";
    await assert.rejects(async () => {
      try {
        await store.commit([{ piece, outcome }], 1);
      } catch (error) {
        message = (error as Error).message;
        throw error;
      }
    }, OperatorError);
    assert.deepStrictEqual(
      message.startsWith("The disk holding the cache is full. Free space, then run again"),
      true,
      message,
    );
    assert.deepStrictEqual(countRequests(db), 0);
    assert.deepStrictEqual(db.isTransaction, false);
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a commit says where each file stands and leaves the plan as it was", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const line = (i: number) =>
      `o b [06/Apr/2022:03:05:53 +0000] 192.0.2.${i} - R REST.GET.OBJECT ds1/${i} ` +
      `"GET /ds1/${i} HTTP/1.1" 200 - 12 12 5 3 "-" "-" -\n`;
    const path = `${dir}/2022-04-06-03-05-53-0123456789ABCDEF`;
    const text = line(1) + line(2) + line(3);
    await Deno.writeTextFile(path, text);
    const size = text.length;
    const cut = line(1).length;
    const file = {
      path: "2022-04-06-03-05-53-0123456789ABCDEF",
      location: path,
      size,
      mtime: 0,
      nextOffset: 0,
      nextLine: 0,
      state: "pending" as const,
    };
    const missing = { ...file, path: "2022-04-06-03-05-54-0123456789ABCDEF", location: `${dir}/x` };
    const db = openCacheDatabase(dir);
    const store = new RequestStore(db, await deriveCacheSecrets({ password: "p", iterations: 1 }));
    const first = { file, start: 0, end: cut, last: false, whole: false };
    const second = { file, start: cut, end: size, last: false, whole: false };
    const gone = { file: missing, start: 0, end: 10, last: true, whole: true };
    const result = await store.commit([
      { piece: first, outcome: await readPiece({ path, start: 0, end: cut, whole: false }) },
      { piece: second, outcome: await readPiece({ path, start: cut, end: size, whole: false }) },
      { piece: gone, outcome: await readPiece({ path: missing.location, ...gone }) },
    ], 1);
    assert.deepStrictEqual(result.files, [
      { file, state: "partial", nextOffset: size, nextLine: 3 },
      { file: missing, state: "failed", nextOffset: 0, nextLine: 0 },
    ]);
    assert.deepStrictEqual([result.requests, result.filesDone, result.filesFailed], [3, 0, 1]);
    // The plan is the caller's: nothing in it changed.
    assert.deepStrictEqual([file.state, file.nextOffset, file.nextLine], ["pending", 0, 0]);
    assert.deepStrictEqual({
      ...db.prepare("SELECT next_offset, next_line FROM log_files WHERE path = ?").get(file.path),
    }, { next_offset: size, next_line: 3 });
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a batch's log_files rows and requests are those of one commit per piece, in the same order", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const line = (i: number) =>
      `o b [06/Apr/2022:03:05:53 +0000] 192.0.2.${i % 250} - R REST.GET.OBJECT ds1/${i} ` +
      `"GET /ds1/${i} HTTP/1.1" 200 - 12 12 5 3 "-" "-" -\n`;
    const planned = async (name: string, text: string) => {
      await Deno.writeTextFile(join(dir, name), text);
      return {
        path: name,
        location: join(dir, name),
        size: text.length,
        mtime: 0,
        nextOffset: 0,
        nextLine: 0,
        state: "pending" as const,
      };
    };
    const entries: BatchEntry[] = [];
    const whole = async (file: Awaited<ReturnType<typeof planned>>) => {
      const piece = { file, start: 0, end: file.size, last: true, whole: true };
      entries.push({ piece, outcome: await readPiece({ path: file.location, ...piece }) });
    };
    // A file in two pieces; one whose second piece fails; one that fails; 300 more (a batch of
    // small files).
    const two = await planned("2022-04-06-03-05-53-00000000000000AA", line(1) + line(2) + line(3));
    const broken = await planned("2022-04-06-03-05-53-00000000000000BB", line(4) + line(5));
    const cut = line(1).length;
    for (
      const [file, start, end, last] of [[two, 0, cut, false], [two, cut, two.size, true], [
        broken,
        0,
        cut,
        false,
      ]] as const
    ) {
      const piece = { file, start, end, last, whole: false };
      entries.push({ piece, outcome: await readPiece({ path: file.location, ...piece }) });
    }
    entries.push({
      piece: { file: broken, start: cut, end: broken.size, last: true, whole: false },
      outcome: { ok: false, error: "read failed" },
    });
    const gone = { ...two, path: "2022-04-06-03-05-54-00000000000000CC", location: `${dir}/x` };
    entries.push({
      piece: { file: gone, start: 0, end: 10, last: true, whole: true },
      outcome: { ok: false, error: "not found" },
    });
    for (let i = 0; i < 300; i++) {
      await whole(await planned(`2022-04-07-00-00-00-${String(i).padStart(16, "0")}`, line(i)));
    }
    const secrets = await deriveCacheSecrets({ password: "p", iterations: 1 });
    const stored = async (batches: BatchEntry[][]) => {
      const cache = await Deno.makeTempDir({ dir });
      const db = openCacheDatabase(cache);
      const store = new RequestStore(db, secrets);
      const results = [];
      for (const batch of batches) {
        const result = await store.commit(batch, 1);
        results.push(result);
        // As extract_logs does between commits: the plan follows what was committed.
        if (batches.length > 1) {
          for (const { file, state, nextOffset, nextLine } of result.files) {
            Object.assign(file, {
              state: state === "partial" ? "pending" : state,
              nextOffset,
              nextLine,
            });
          }
        }
      }
      const files = db.prepare(
        "SELECT id, path, status, next_offset, next_line, lines_kept, reason FROM log_files " +
          "ORDER BY id",
      ).all().map((row) => ({ ...row }));
      // Each request's file and line (a commit puts a file's pieces into one block).
      const blocks = [...readRequestBlocks(db)].flatMap((b) => {
        const fileIds = rowFileIds(b);
        return [...b.lines].map((l, i) => [fileIds[i], l]);
      });
      db.close();
      return { files, blocks, results };
    };
    // The batch first: the commits one by one then move the plan on.
    const batched = await stored([entries]);
    const onePerCommit = await stored(entries.map((entry) => [entry]));
    assert.deepStrictEqual(batched.files, onePerCommit.files);
    assert.deepStrictEqual(batched.blocks, onePerCommit.blocks);
    assert.deepStrictEqual(batched.files.length, 303);
    assert.deepStrictEqual(batched.files.slice(0, 3), [
      {
        id: 1,
        path: two.path,
        status: "done",
        next_offset: two.size,
        next_line: 3,
        lines_kept: 3,
        reason: null,
      },
      {
        id: 2,
        path: broken.path,
        status: "failed",
        next_offset: cut,
        next_line: 1,
        lines_kept: 1,
        reason: "read failed",
      },
      {
        id: 3,
        path: gone.path,
        status: "failed",
        next_offset: 0,
        next_line: 0,
        lines_kept: 0,
        reason: "not found",
      },
    ]);
    assert.deepStrictEqual(batched.blocks.slice(0, 5), [[1, 1], [1, 2], [1, 3], [2, 1], [4, 1]]);
    const [result] = batched.results;
    assert.deepStrictEqual([result.filesDone, result.filesFailed, result.files.length], [
      301,
      2,
      303,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
