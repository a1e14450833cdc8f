import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { inTransaction, openCacheDatabase } from "./cache_database.ts";
import {
  BLOCK_ROWS,
  BlockWriter,
  countRequests,
  moveRequestRowsIntoBlocks,
  readRequestBlocks,
} from "./request_blocks.ts";

/** Every stored request as a row, in storage order: what any reader of the cache sees. */
function storedRows(db: DatabaseSync): number[][] {
  const rows: number[][] = [];
  for (const b of readRequestBlocks(db)) {
    for (let i = 0; i < b.rows; i++) {
      rows.push([
        b.fileId,
        b.lines[i],
        b.objectIds[i],
        b.times[i],
        b.bytesSent[i],
        b.ipIndexes[i],
        b.downloads[i],
      ]);
    }
  }
  return rows;
}

/** A table of schema 6 with `n` rows of a few files, values of every width the columns hold. */
function legacyRows(db: DatabaseSync, n: number): void {
  db.exec(`CREATE TABLE requests (file_id INTEGER NOT NULL, line INTEGER NOT NULL,
    object_id INTEGER NOT NULL, time INTEGER NOT NULL, bytes_sent INTEGER NOT NULL,
    ip_index INTEGER NOT NULL, download INTEGER NOT NULL)`);
  db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${n})
    INSERT INTO requests SELECT 1 + i / 100000, i, 1 + i % 977, 1577836800 + i * 37,
      (i * 7919) % 5000000000000, 9007199254740000 + i % 991, i % 3 = 0 FROM n`);
}

Deno.test("blocks keep every column exactly, a file per block, in the order written", () => {
  const dir = Deno.makeTempDirSync();
  const db = openCacheDatabase(dir);
  try {
    const writer = new BlockWriter(db);
    const written: number[][] = [];
    for (let i = 0; i < BLOCK_ROWS + 10; i++) {
      const row = [
        1 + Math.floor(i / 50_000),
        1000 + i,
        4_000_000_000 - i,
        1.7e9 + i,
        2 ** 53 - i,
        2 ** 53 - 1 - i,
        i % 2,
      ];
      writer.push(row[0], row[1], row[2], row[3], row[4], row[5], row[6]);
      written.push(row);
    }
    writer.flush();
    assert.deepStrictEqual(storedRows(db), written);
    // Files 1 and 2; file 2's 15,546 rows in one block.
    const blocks = db.prepare("SELECT file_id, rows, min_time, max_time FROM request_blocks")
      .all().map((r) => ({ ...r }));
    assert.deepStrictEqual(blocks, [
      { file_id: 1, rows: 50_000, min_time: 1.7e9, max_time: 1.7e9 + 49_999 },
      {
        file_id: 2,
        rows: BLOCK_ROWS + 10 - 50_000,
        min_time: 1.7e9 + 50_000,
        max_time: 1.7e9 + BLOCK_ROWS + 9,
      },
    ]);
    assert.deepStrictEqual([...readRequestBlocks(db, { fileIds: [2] })].map((b) => b.rows), [
      BLOCK_ROWS + 10 - 50_000,
    ]);
  } finally {
    db.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("rows of schema 6 move into blocks resumably: killed between chunks, readers see every request once, in order", () => {
  const dir = Deno.makeTempDirSync();
  const db = openCacheDatabase(dir);
  try {
    const n = BLOCK_ROWS * 4 + 1000; // two chunks
    legacyRows(db, n);
    const before = storedRows(db);
    assert.deepStrictEqual(before.length, n);
    // A kill after the first chunk's commit: the second transaction never starts.
    let chunks = 0;
    assert.throws(
      () =>
        moveRequestRowsIntoBlocks(db, (work) => {
          if (chunks++ === 1) throw new Error("killed");
          inTransaction(db, work);
        }),
      /killed/,
    );
    const half = { ...db.prepare("SELECT count(*) AS n FROM requests").get() };
    assert.deepStrictEqual(half, { n: 1000 });
    assert.deepStrictEqual(countRequests(db), n);
    assert.deepStrictEqual(storedRows(db), before);
    // The next writer goes on from there.
    db.close();
    const again = openCacheDatabase(dir);
    assert.deepStrictEqual(storedRows(again), before);
    assert.deepStrictEqual(
      again.prepare("SELECT name FROM sqlite_schema WHERE name = 'requests'").all(),
      [],
    );
    again.close();
  } finally {
    try {
      db.close();
    } catch {
      // closed above
    }
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a damaged block is named, with what to do", () => {
  const dir = Deno.makeTempDirSync();
  const db = openCacheDatabase(dir);
  try {
    const writer = new BlockWriter(db);
    writer.push(1, 1, 1, 0, 1, 1, 1);
    writer.flush();
    db.exec("UPDATE request_blocks SET times = x'00'");
    assert.throws(() => [...readRequestBlocks(db)], /damaged.*Restore cache\.sqlite from a backup/);
  } finally {
    db.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("blocks of schema 7 (no sizes, no client kinds) read as unknown, before and after the upgrade", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let db = openCacheDatabase(dir);
    const blocks = new BlockWriter(db);
    blocks.push(1, 1, 9, 86400, 100, 7, 1, 5000, 3);
    blocks.push(2, 1, 9, 86401, 50, 8, 0);
    blocks.flush();
    // The cache as schema 7 wrote it: the two columns did not exist.
    db.exec("UPDATE request_blocks SET object_sizes = NULL, client_kinds = NULL WHERE file_id = 2");
    db.exec("ALTER TABLE request_blocks DROP COLUMN object_sizes");
    db.exec("ALTER TABLE request_blocks DROP COLUMN client_kinds");
    db.exec("UPDATE meta SET value = '7' WHERE name = 'schema_version'");
    const read = (db: DatabaseSync) =>
      [...readRequestBlocks(db)].map((b) => [b.fileId, [...b.objectSizes], [...b.clientKinds]]);
    assert.deepStrictEqual(read(db), [[1, [-1], [0]], [2, [-1], [0]]]);
    db.close();
    db = openCacheDatabase(dir); // upgrades to schema 8: the columns come back, empty
    const kept = new BlockWriter(db);
    kept.push(3, 1, 9, 86402, 10, 9, 1, 1234, 2);
    kept.flush();
    assert.deepStrictEqual(read(db), [[1, [-1], [0]], [2, [-1], [0]], [3, [1234], [2]]]);
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
