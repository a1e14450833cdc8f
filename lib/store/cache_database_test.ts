import assert from "node:assert/strict";
import { openCacheDatabase, SCHEMA_VERSION } from "./cache_database.ts";

Deno.test("a cache of schema 5 loses objects.dataset on upgrade and keeps its objects", async () => {
  const dir = await Deno.makeTempDir();
  try {
    let db = openCacheDatabase(dir);
    // As schema 5 wrote it: a dataset column beside each key.
    db.exec("DROP TABLE objects");
    db.exec(
      "CREATE TABLE objects (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, dataset TEXT NOT NULL)",
    );
    db.exec("INSERT INTO objects VALUES (1, 'ds1/a.nwb', 'ds1'), (2, 'robots.txt', 'robots.txt')");
    db.exec("UPDATE meta SET value = '5' WHERE name = 'schema_version'");
    db.close();
    db = openCacheDatabase(dir);
    assert.deepStrictEqual(
      db.prepare("SELECT * FROM objects ORDER BY id").all().map((row) => ({ ...row })),
      [{ id: 1, key: "ds1/a.nwb" }, { id: 2, key: "robots.txt" }],
    );
    assert.deepStrictEqual(
      { ...db.prepare("SELECT value FROM meta WHERE name = 'schema_version'").get() },
      { value: String(SCHEMA_VERSION) },
    );
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
