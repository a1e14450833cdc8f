import assert from "node:assert/strict";
import { countRequests } from "../store/request_blocks.ts";
import { openCacheDatabase } from "../store/cache_database.ts";
import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
import { OperatorError } from "../errors.ts";
import { readPiece } from "./piece_reader.ts";
import { RequestStore } from "./request_store.ts";

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
