import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import assert from "node:assert/strict";
import { WalCheckpointer } from "./wal_checkpointer.ts";

/** A database in WAL mode whose own commits never checkpoint (only the worker's do). */
function walDatabase(dir: string): { path: string; db: DatabaseSync } {
  const path = join(dir, "cache.sqlite");
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0");
  db.exec("CREATE TABLE t (n INTEGER, data BLOB)");
  return { path, db };
}

/** Bytes of the database file itself (what a checkpoint copied there), not of its log. */
function fileBytes(path: string): number {
  return Deno.statSync(path).size;
}

/** Waits until the database file holds `bytes` (a checkpoint copied them), a minute at most. */
async function untilFileHolds(path: string, bytes: number): Promise<void> {
  for (const started = Date.now(); fileBytes(path) < bytes;) {
    if (Date.now() - started > 60_000) throw new Error(`no checkpoint: ${fileBytes(path)} bytes`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

Deno.test("WalCheckpointer copies the commits it is told of into the database file", async () => {
  const dir = await Deno.makeTempDir();
  const { path, db } = walDatabase(dir);
  try {
    const checkpoints = new WalCheckpointer(path, { interval: 0 });
    const before = fileBytes(path);
    // While it runs: each commit told of is copied, with no close.
    for (let n = 0; n < 3; n++) {
      db.exec(`INSERT INTO t VALUES (${n}, randomblob(100000))`);
      checkpoints.committed();
      await untilFileHolds(path, before + (n + 1) * 100000);
    }
    // Commits meanwhile, each told of: the close copies what is still asked for.
    for (let n = 3; n < 40; n++) {
      db.exec(`INSERT INTO t VALUES (${n}, randomblob(50000))`);
      checkpoints.committed();
    }
    assert.deepStrictEqual(await checkpoints.close(), undefined);
    // Every page is in the file, none left only in the log.
    assert(fileBytes(path) >= before + 300000 + 37 * 50000, `${fileBytes(path)} bytes`);
    const log = db.prepare("PRAGMA wal_checkpoint(PASSIVE)").get() as Record<string, number>;
    assert.deepStrictEqual(log.log, log.checkpointed);
    assert.deepStrictEqual(
      { ...db.prepare("SELECT count(*) AS rows, sum(n) AS sum FROM t").get() },
      { rows: 40, sum: 780 },
    );
    assert.deepStrictEqual(
      { ...db.prepare("PRAGMA integrity_check").get() },
      { integrity_check: "ok" },
    );
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("WalCheckpointer checkpoints only when told of a commit", async () => {
  const dir = await Deno.makeTempDir();
  const { path, db } = walDatabase(dir);
  try {
    const checkpoints = new WalCheckpointer(path);
    db.exec("INSERT INTO t VALUES (1, randomblob(200000))");
    const before = fileBytes(path);
    assert.deepStrictEqual(await checkpoints.close(), undefined);
    assert.deepStrictEqual(fileBytes(path), before);
    // Ended: told of commits, it does nothing, and says the same again.
    checkpoints.committed();
    assert.deepStrictEqual(await checkpoints.close(), undefined);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("WalCheckpointer on a database that is not there says why, and makes none", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "deleted.sqlite");
    const checkpoints = new WalCheckpointer(path, { interval: 0 });
    checkpoints.committed();
    assert.match(await checkpoints.close() ?? "", /No such file/);
    assert.deepStrictEqual(await Array.fromAsync(Deno.readDir(dir)), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
