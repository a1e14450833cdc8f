import assert from "node:assert/strict";
import { join } from "node:path";
import { acquireRunLock, LOCK_FILE, readLockHolder } from "./run_lock.ts";

Deno.test("a released lock leaves no record: a reader never takes a finished run for the next", async () => {
  const cache = await Deno.makeTempDir();
  try {
    {
      using _lock = await acquireRunLock(cache);
      assert.deepStrictEqual((await readLockHolder(cache))?.pid, Deno.pid);
    }
    assert.deepStrictEqual(await Deno.readTextFile(join(cache, LOCK_FILE)), "");
    assert.deepStrictEqual(await readLockHolder(cache), undefined);
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
});
