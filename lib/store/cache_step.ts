/**
 * The frame of a step that works on an existing cache: it refuses a cache without an
 * extraction, and records the step in the `runs` table with its outcome and result.
 *
 * @module
 */

import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { DATABASE_FILE, openCacheDatabase, verifyCachePassword } from "./cache_database.ts";
import type { CacheSecrets } from "../crypto/cache_secrets.ts";
import { OperatorError, StoppedError } from "../errors.ts";
import { finishRun, startRun } from "./run_history.ts";

/**
 * Runs `work` on the cache database as the step `command` (with the id of its run); `what` says what the step does,
 * for the message when the cache holds no extraction yet.
 *
 * @example Usage
 * ```ts
 * import { runCacheStep } from "./cache_step.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * await assert.rejects(
 *   () => runCacheStep(cacheDirectory, "generate_summaries", "summarise", async () => 0),
 *   /Cannot summarise cache .*: it holds no extraction yet/,
 * );
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function runCacheStep<T>(
  cacheDirectory: string,
  command: string,
  what: string,
  work: (db: DatabaseSync, runId: number) => Promise<T>,
  secrets?: CacheSecrets,
): Promise<T> {
  try {
    await Deno.stat(join(cacheDirectory, DATABASE_FILE));
  } catch {
    throw new OperatorError(
      `Cannot ${what} cache ${cacheDirectory}: it holds no extraction yet. Run extract_logs ` +
        "first (or give the right cache with --cache).",
    );
  }
  const db = openCacheDatabase(cacheDirectory);
  if (secrets !== undefined) {
    // A wrong password is refused before the run is recorded.
    try {
      await verifyCachePassword(db, secrets);
    } catch (error) {
      db.close();
      throw error;
    }
  }
  const runId = startRun(db, command);
  try {
    const result = await work(db, runId);
    finishRun(db, runId, "ok", result);
    return result;
  } catch (error) {
    if (error instanceof StoppedError) finishRun(db, runId, "stopped", {});
    else finishRun(db, runId, "failed", { error: String(error) });
    throw error;
  } finally {
    db.close();
  }
}
