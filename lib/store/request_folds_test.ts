import assert from "node:assert/strict";
import { withCacheDatabase, withTmpDir } from "../../tests/_helpers.ts";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { DATABASE_FILE, openCacheDatabase } from "./cache_database.ts";
import { BlockWriter, type RequestBlock } from "./request_blocks.ts";
import {
  foldRequests,
  hasSavedFold,
  type RequestFold,
  type SavedColumns,
} from "./request_folds.ts";

/** A fold that keeps every request's bytes sent, in storage order (an append-only array). */
class BytesList implements RequestFold {
  name = "bytes_list";
  format: number;
  values = new Float64Array(4);
  length = 0;
  loadedLength = 0;
  behind: boolean | undefined;
  constructor(format = 1) {
    this.format = format;
  }
  load(meta: unknown, columns: SavedColumns): string | undefined {
    const { length } = meta as { length: number };
    const bytes = columns.get("values");
    this.behind = columns.behind;
    if (bytes === undefined || bytes.length !== length * 8) return "the saved list is cut short";
    this.values = new Float64Array(Math.max(4, length * 2));
    this.values.set(new Float64Array(bytes.slice().buffer));
    this.length = this.loadedLength = length;
    return undefined;
  }
  add(block: RequestBlock): void {
    for (let i = 0; i < block.rows; i++) {
      if (this.length === this.values.length) {
        const grown = new Float64Array(this.values.length * 2);
        grown.set(this.values);
        this.values = grown;
      }
      this.values[this.length++] = block.bytesSent[i];
    }
  }
  save() {
    return {
      meta: { length: this.length },
      columns: { values: this.values.subarray(0, this.length) },
      unchanged: { values: this.loadedLength * 8 },
    };
  }
}

/** The values a fold holds. */
function listed(fold: BytesList): number[] {
  return [...fold.values.subarray(0, fold.length)];
}

function writeBytes(db: DatabaseSync, fileId: number, bytes: number[]): void {
  const blocks = new BlockWriter(db);
  bytes.forEach((b, i) => blocks.push(fileId, i + 1, 1, 86400 + i, b, 7, 1));
  blocks.flush();
}

/** Records which chunks of the list the following runs write (a temporary trigger). */
function watchWrites(db: DatabaseSync): () => number[] {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS written (chunk INTEGER);
    DELETE FROM written;
    CREATE TEMP TRIGGER IF NOT EXISTS chunk_written AFTER INSERT ON main.request_fold_chunks
    BEGIN INSERT INTO written VALUES (new.chunk); END;`);
  return () => db.prepare("SELECT chunk FROM written").all().map((row) => row.chunk as number);
}

/** The saved chunks' numbers. */
function savedChunks(db: DatabaseSync): number[] {
  return db.prepare(
    "SELECT chunk FROM request_fold_chunks WHERE fold = 'bytes_list' ORDER BY chunk",
  ).all().map((row) => row.chunk as number);
}

// Two values per saved chunk.
const chunkBytes = 16;

Deno.test("a fold adds only the blocks stored since it was saved, and keeps its unchanged chunks", async () => {
  await withCacheDatabase(async (db) => {
    writeBytes(db, 1, [10, 11, 12, 13, 14]);
    const first = new BytesList();
    assert.deepStrictEqual(await foldRequests(db, () => [first], { chunkBytes }), [
      { name: "bytes_list", added: 5 },
    ]);
    assert.deepStrictEqual(first.behind, undefined); // nothing saved yet: nothing loaded
    assert.deepStrictEqual(savedChunks(db), [0, 1, 2]);

    writeBytes(db, 2, [20, 21, 22]);
    const written = watchWrites(db);
    const second = new BytesList();
    assert.deepStrictEqual(await foldRequests(db, () => [second], { chunkBytes }), [
      { name: "bytes_list", added: 3 },
    ]);
    assert.deepStrictEqual(second.behind, true);
    const twoNights = [10, 11, 12, 13, 14, 20, 21, 22];
    assert.deepStrictEqual(listed(second), twoNights);
    assert.deepStrictEqual(savedChunks(db), [0, 1, 2, 3]);
    // The two full chunks of loaded values are kept as they were; the half full one and the
    // new one are written.
    assert.deepStrictEqual(written(), [2, 3]);

    // Nothing new: nothing read behind, nothing written.
    const third = new BytesList();
    assert.deepStrictEqual(await foldRequests(db, () => [third], { chunkBytes }), [
      { name: "bytes_list", added: 0 },
    ]);
    assert.deepStrictEqual(third.behind, false);
    assert.deepStrictEqual(written(), [2, 3]);

    // Saved rows cut at another size are all written again, at the new size.
    writeBytes(db, 3, [30]);
    await foldRequests(db, () => [new BytesList()], { chunkBytes: 24 });
    assert.deepStrictEqual(written(), [2, 3, 0, 1, 2]);
    const reread = new BytesList();
    await foldRequests(db, () => [reread], { chunkBytes: 24 });
    assert.deepStrictEqual(listed(reread), [...twoNights, 30]);
    assert.deepStrictEqual(listed(third), twoNights);
  });
});

Deno.test("a fold run tells of its save once the saved counts are committed, and only of a save that wrote", async () => {
  await withTmpDir(async (dir) => {
    const db = openCacheDatabase(dir);
    try {
      writeBytes(db, 1, [10, 11, 12]);
      // Another connection, as the checkpoint worker has: it sees only what was committed.
      const other = new DatabaseSync(join(dir, DATABASE_FILE));
      const seen: (number | undefined)[] = [];
      const committed = () => {
        const row = other.prepare("SELECT through FROM request_folds WHERE name = 'bytes_list'")
          .get() as { through: number } | undefined;
        seen.push(row?.through);
      };
      await foldRequests(db, () => [new BytesList()], { committed });
      writeBytes(db, 2, [20]);
      await foldRequests(db, () => [new BytesList()], { committed });
      // Nothing new: nothing written, nothing to tell of.
      await foldRequests(db, () => [new BytesList()], { committed });
      other.close();
      const last = db.prepare("SELECT max(id) AS id FROM request_blocks").get() as { id: number };
      assert.deepStrictEqual(seen, [last.id - 1, last.id]);
    } finally {
      db.close();
    }
  });
});

Deno.test("a rebuild, a new format or a state the fold refuses counts everything again and writes every chunk", async () => {
  await withCacheDatabase(async (db) => {
    writeBytes(db, 1, [1, 2, 3, 4, 5]);
    await foldRequests(db, () => [new BytesList()], { chunkBytes });
    const written = watchWrites(db);

    const rebuilt = new BytesList();
    assert.deepStrictEqual(await foldRequests(db, () => [rebuilt], { rebuild: true, chunkBytes }), [
      { name: "bytes_list", added: 5, recounted: "asked for (--rebuild)" },
    ]);
    assert.deepStrictEqual(listed(rebuilt), [1, 2, 3, 4, 5]);
    assert.deepStrictEqual(written(), [0, 1, 2]);

    assert.deepStrictEqual(await foldRequests(db, () => [new BytesList(2)], { chunkBytes }), [
      { name: "bytes_list", added: 5, recounted: "the saved counts are of an older format" },
    ]);

    // A saved chunk lost: the fold says why it recounts.
    db.exec("DELETE FROM request_fold_chunks WHERE chunk = 1");
    const refused = new BytesList(2);
    assert.deepStrictEqual(await foldRequests(db, () => [refused], { chunkBytes }), [
      { name: "bytes_list", added: 5, recounted: "the saved list is cut short" },
    ]);
    assert.deepStrictEqual(listed(refused), [1, 2, 3, 4, 5]);
  });
});

Deno.test("deleting or changing a stored block drops every saved fold's counts (the triggers)", async () => {
  await withCacheDatabase(async (db) => {
    writeBytes(db, 1, [1, 2]);
    writeBytes(db, 2, [3]);
    await foldRequests(db, () => [new BytesList()], { chunkBytes });
    const format = () =>
      (db.prepare("SELECT format FROM request_folds WHERE name = 'bytes_list'").get() as {
        format: number;
      }).format;
    assert.deepStrictEqual(format(), 1);
    db.exec("DELETE FROM request_blocks WHERE file_id = 2");
    // The row stays (the fold is still one a step keeps), its counts gone.
    assert.ok(hasSavedFold(db, "bytes_list"));
    assert.deepStrictEqual(format(), 0);
    assert.deepStrictEqual(db.prepare("SELECT count(*) AS n FROM request_fold_chunks").get()?.n, 0);
    const recount = new BytesList();
    assert.deepStrictEqual(await foldRequests(db, () => [recount], { chunkBytes }), [
      {
        name: "bytes_list",
        added: 2,
        recounted: "log files read again replaced requests it had counted",
      },
    ]);
    assert.deepStrictEqual(listed(recount), [1, 2]);
    assert.deepStrictEqual(format(), 1);

    db.exec("UPDATE request_blocks SET file_id = 1");
    assert.deepStrictEqual(format(), 1); // the file a block came from is not a count
    db.exec("UPDATE request_blocks SET bytes_sent = bytes_sent");
    assert.deepStrictEqual(format(), 0);
  });
});

Deno.test("rows of schema 6 not moved into blocks yet are counted, not saved, and a recount still says why", async () => {
  await withCacheDatabase(async (db) => {
    writeBytes(db, 1, [1, 2]);
    await foldRequests(db, () => [new BytesList()], { chunkBytes });
    // A table of schema 6 still holding rows (as while a cache is moved into blocks).
    db.exec(`CREATE TABLE requests (file_id INTEGER NOT NULL, line INTEGER NOT NULL,
      object_id INTEGER NOT NULL, time INTEGER NOT NULL, bytes_sent INTEGER NOT NULL,
      ip_index INTEGER NOT NULL, download INTEGER NOT NULL)`);
    db.exec("INSERT INTO requests VALUES (2, 1, 1, 86400, 7, 7, 1), (2, 2, 1, 86401, 8, 7, 0)");
    const written = watchWrites(db);
    const rebuilt = new BytesList();
    assert.deepStrictEqual(await foldRequests(db, () => [rebuilt], { rebuild: true, chunkBytes }), [
      { name: "bytes_list", added: 4, recounted: "asked for (--rebuild)" },
    ]);
    assert.deepStrictEqual(listed(rebuilt), [1, 2, 7, 8]);
    assert.deepStrictEqual(written(), []);
  });
});
