import assert from "node:assert/strict";
import { inTransaction } from "../store/cache_database.ts";
import { seeded, withCacheDatabase } from "../../tests/_helpers.ts";
import { KnownFiles } from "./known_files.ts";

/** Path parts that SQLite's order and `<` order differently, and ones `/` sorts among. */
const PARTS = ["2020", "2020-01", "a", "a.b", "Z", "\ue000", "\uffff", "😀", "é", "01", "0"];

Deno.test("known files are answered as one query per path answers them, in any order of asking", async () => {
  await withCacheDatabase(async (db) => {
    await Promise.resolve();
    const random = seeded(5);
    const pick = () => PARTS[Math.floor(random() * PARTS.length)];
    const paths = new Set<string>();
    while (paths.size < 12_000) {
      const depth = 1 + Math.floor(random() * 3);
      paths.add(
        Array.from({ length: depth }, () => pick() + (random() < 0.5 ? pick() : "")).join("/") +
          random().toString(36).slice(2, 5),
      );
    }
    const all = [...paths];
    const stored = all.filter(() => random() < 0.6);
    const insert = db.prepare(`INSERT INTO log_files (path, size, mtime, status, next_offset,
      next_line, updated_at) VALUES (?, ?, ?, 'partial', ?, ?, '')`);
    inTransaction(db, () => stored.forEach((path, i) => insert.run(path, i, i * 2, i * 3, i * 4)));
    const one = db.prepare(
      "SELECT status, size, mtime, next_offset, next_line FROM log_files WHERE path = ?",
    );
    const truth = (path: string) => {
      const row = one.get(path);
      return row === undefined ? undefined : { ...row };
    };
    const orders = {
      "JS order": [...all].sort(),
      "SQLite order": db.prepare("SELECT path FROM log_files ORDER BY path").all()
        .map((row) => row.path as string),
      "random": [...all].sort(() => random() - 0.5),
      "depth first, each folder sorted": [...all].sort((a, b) => {
        const [x, y] = [a.split("/"), b.split("/")];
        for (let i = 0; i < Math.min(x.length, y.length); i++) {
          if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;
        }
        return x.length - y.length;
      }),
    };
    for (const [name, order] of Object.entries(orders)) {
      const known = new KnownFiles(db);
      const wrong = order.filter((path) => {
        const got = known.get(path);
        return JSON.stringify(
          got === undefined ? undefined : {
            status: got.status,
            size: got.size,
            mtime: got.mtime,
            next_offset: got.next_offset,
            next_line: got.next_line,
          },
        ) !== JSON.stringify(truth(path));
      });
      assert.deepStrictEqual(wrong.length, 0, `${name}: ${wrong.slice(0, 3)}`);
    }
  });
});

Deno.test("a path holding a lone surrogate is looked up alone", async () => {
  await withCacheDatabase(async (db) => {
    await Promise.resolve();
    db.exec(`INSERT INTO log_files (path, size, mtime, status, updated_at)
      VALUES ('a/\ufffd', 1, 1, 'done', ''), ('b', 2, 2, 'done', '')`);
    const known = new KnownFiles(db);
    // SQLite stores U+FFFD for a lone surrogate: the stored row is the one a query finds.
    assert.deepStrictEqual(known.get("a/\ud800")?.size, 1);
    assert.deepStrictEqual(known.get("b")?.size, 2);
    assert.deepStrictEqual(known.get("c"), undefined);
  });
});
