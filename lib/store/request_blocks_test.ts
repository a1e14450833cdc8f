import assert from "node:assert/strict";
import type { DatabaseSync } from "node:sqlite";
import { inTransaction, openCacheDatabase } from "./cache_database.ts";
import { seeded, withCacheDatabase } from "../../tests/_helpers.ts";
import {
  BLOCK_ROWS,
  BlockWriter,
  countRequests,
  deleteFileRequests,
  moveRequestRowsIntoBlocks,
  readRequestBlocks,
  rowFileIds,
} from "./request_blocks.ts";

/** Every stored request as a row, in storage order: what any reader of the cache sees. */
function storedRows(db: DatabaseSync): number[][] {
  const rows: number[][] = [];
  for (const b of readRequestBlocks(db)) {
    const fileIds = rowFileIds(b);
    for (let i = 0; i < b.rows; i++) {
      rows.push([
        fileIds[i],
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
    assert.deepStrictEqual([...readRequestBlocks(db, { ids: [2] })].map((b) => [...b.files]), [
      [2, BLOCK_ROWS + 10 - 50_000],
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
    // A list of files that does not add up to the block's rows.
    writer.push(2, 1, 1, 0, 1, 1, 1);
    writer.shareNext();
    writer.push(3, 1, 1, 0, 1, 1, 1);
    writer.flush();
    db.exec("DELETE FROM request_blocks WHERE file_id = 1");
    assert.deepStrictEqual([...readRequestBlocks(db)].map((b) => [...b.files]), [[2, 1, 3, 1]]);
    db.exec(`UPDATE request_blocks SET file_runs = (SELECT file_runs FROM request_blocks),
      rows = 3, lines = zeroblob(12), object_ids = zeroblob(12), times = zeroblob(24),
      bytes_sent = zeroblob(24), ip_indexes = zeroblob(24), downloads = zeroblob(3),
      object_sizes = zeroblob(24), client_kinds = zeroblob(3)`);
    assert.throws(
      () => [...readRequestBlocks(db)],
      /damaged: a block of 3 requests lists files of 2.*Restore cache\.sqlite from a backup/,
    );
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
      [...readRequestBlocks(db)].map((b) => [b.files[0], [...b.objectSizes], [...b.clientKinds]]);
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

/**
 * Files written as `request_store.ts` writes them: a file read from its start may share the
 * open block (its id kept in `log_files.block_id`), its later pieces go on where it is last or
 * begin a block, and transactions end between files and between a file's pieces.
 */
function writeSharedFiles(db: DatabaseSync, random: () => number, files: number, firstId = 1) {
  const written: number[][] = [];
  const addFile = db.prepare(`INSERT INTO log_files (id, path, size, mtime, status, updated_at,
    block_id) VALUES (?, ?, 0, 0, 'done', '', ?)`);
  const writer = new BlockWriter(db);
  const later: { fileId: number; rows: number; line: number }[] = [];
  const push = (fileId: number, line: number) => {
    const row = [
      fileId,
      line,
      1 + Math.floor(random() * 1000),
      1.7e9 + Math.floor(random() * 1e6),
      Math.floor(random() * 2 ** 40),
      Math.floor(random() * 2 ** 53),
      random() < 0.5 ? 1 : 0,
    ];
    writer.push(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[2] * 10, row[6] + 1);
    written.push(row);
  };
  db.exec("BEGIN IMMEDIATE");
  for (let f = 0; f < files; f++) {
    const fileId = firstId + f;
    const size = random();
    const rows = size < 0.1
      ? 0
      : size < 0.97
      ? Math.floor(random() * 300)
      : 20_000 + Math.floor(random() * 60_000);
    const shared = rows > 0 ? writer.shareNext() : undefined;
    addFile.run(fileId, `f${fileId}`, shared ?? null);
    // A large file's second piece: right after its first, or in a later transaction.
    const first = rows > 1000 && random() < 0.5 ? Math.floor(rows / 2) : rows;
    for (let line = 0; line < first; line++) push(fileId, line);
    if (first < rows) {
      if (random() < 0.5) { for (let line = first; line < rows; line++) push(fileId, line); }
      else later.push({ fileId, rows, line: first });
    }
    if (random() < 0.05 || f === files - 1) {
      writer.flush();
      db.exec("COMMIT");
      db.exec("BEGIN IMMEDIATE");
      for (const { fileId, rows, line } of later.splice(0)) {
        for (let l = line; l < rows; l++) push(fileId, l);
      }
    }
  }
  writer.flush();
  db.exec("COMMIT");
  return written;
}

/** Each file's rows in order of storage: what a reader sees, grouped by file. */
function rowsByFile(rows: number[][]): Map<number, number[][]> {
  const by = new Map<number, number[][]>();
  for (const row of rows) {
    const file = by.get(row[0]);
    if (file === undefined) by.set(row[0], [row]);
    else file.push(row);
  }
  return by;
}

Deno.test("small files share blocks: every row kept with its file, found again by file_id and block_id", async () => {
  await withCacheDatabase(async (db) => {
    await Promise.resolve();
    const random = seeded(91);
    const written = writeSharedFiles(db, random, 600);
    const stored = storedRows(db);
    // A file's rows in its order; files in the order their first rows were written.
    assert.deepStrictEqual(rowsByFile(stored), rowsByFile(written));
    assert.deepStrictEqual(stored.length, written.length);
    const blocks = [...readRequestBlocks(db)];
    assert(blocks.length < 100, `${blocks.length} blocks for 600 files`);
    assert(blocks.some((b) => b.files.length > 10), "blocks of many files");
    // Every block holding a file is found from the file.
    const find = db.prepare(`SELECT id FROM request_blocks WHERE file_id = ?
      UNION SELECT block_id FROM log_files WHERE id = ? AND block_id IS NOT NULL ORDER BY 1`);
    const holding = new Map<number, Set<number>>();
    for (const b of blocks) {
      assert.deepStrictEqual(
        { ...db.prepare("SELECT file_id FROM request_blocks WHERE id = ?").get(b.id) },
        { file_id: b.files[0] },
      );
      for (let r = 0; r < b.files.length; r += 2) {
        holding.set(b.files[r], (holding.get(b.files[r]) ?? new Set()).add(b.id));
      }
    }
    for (const [fileId, ids] of holding) {
      const found = find.all(fileId, fileId).map((row) => row.id as number);
      assert.deepStrictEqual(found.filter((id) => ids.has(id)), [...ids].sort((a, b) => a - b));
    }
    // A block of one file has no list of files.
    const single = db.prepare("SELECT count(*) AS n FROM request_blocks WHERE file_runs IS NULL")
      .get() as { n: number };
    assert.deepStrictEqual(single.n, blocks.filter((b) => b.files.length === 2).length);
  });
});

Deno.test("deleting files of shared blocks keeps every other file's rows, in order, under the blocks' ids", async () => {
  await withCacheDatabase(async (db) => {
    await Promise.resolve();
    const random = seeded(7);
    let expected = writeSharedFiles(db, random, 400);
    const ids = () => [...readRequestBlocks(db)].map((b) => b.id);
    for (let round = 0; round < 4; round++) {
      const before = ids();
      const files = [...new Set(expected.map((row) => row[0]))];
      const removed = files.filter(() => random() < 0.3);
      inTransaction(db, () => deleteFileRequests(db, removed));
      const gone = new Set(removed);
      expected = expected.filter((row) => !gone.has(row[0]));
      assert.deepStrictEqual(rowsByFile(storedRows(db)), rowsByFile(expected));
      assert.deepStrictEqual(countRequests(db), expected.length);
      const after = ids();
      assert(after.every((id) => before.includes(id)), "blocks keep their ids");
      const cleared = db.prepare(
        `SELECT count(*) AS n FROM log_files WHERE block_id IS NOT NULL AND id IN (${
          removed.join(", ") || 0
        })`,
      ).get() as { n: number };
      assert.deepStrictEqual(cleared.n, 0);
      // Files added after a delete go into blocks after every kept one.
      const more = writeSharedFiles(db, random, 30, 10_000 * (round + 1));
      expected = [...expected, ...more];
      assert(ids().filter((id) => !after.includes(id)).every((id) => id > Math.max(0, ...after)));
    }
    assert.deepStrictEqual(rowsByFile(storedRows(db)), rowsByFile(expected));
  });
});

Deno.test("a file read again from its start after a commit shares nothing it was not let to", async () => {
  await withCacheDatabase(async (db) => {
    await Promise.resolve();
    const writer = new BlockWriter(db);
    const files = () => [...readRequestBlocks(db)].map((b) => [...b.files]);
    inTransaction(db, () => {
      writer.push(1, 1, 9, 0, 10, 7, 1);
      writer.flush();
    });
    // File 1 read again: its rows gone, then written from its start; file 2 goes on from an
    // earlier read (not let to share).
    inTransaction(db, () => {
      deleteFileRequests(db, [1]);
      assert.deepStrictEqual(writer.shareNext(), undefined);
      writer.push(1, 1, 9, 0, 10, 7, 1);
      writer.push(2, 5, 9, 0, 10, 7, 1);
      assert.deepStrictEqual(writer.shareNext(), 2); // the ids of deleted blocks come again
      writer.push(3, 1, 9, 0, 10, 7, 1);
      writer.push(3, 2, 9, 0, 10, 7, 1);
      writer.flush();
    });
    assert.deepStrictEqual(files(), [[1, 1], [2, 1, 3, 2]]);
  });
});
