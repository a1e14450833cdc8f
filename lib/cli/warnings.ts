/**
 * Keeping a run's warnings in the cache, so that `status` can say which runs had some.
 *
 * @module
 */

import { join } from "node:path";
import { DATABASE_FILE, openCacheDatabase } from "../store/cache_database.ts";
import { recordRunWarnings } from "../store/run_history.ts";

/**
 * Adds `count` warnings to the run of `command` started at `since` or later in the cache, if
 * the cache has a database (a command that failed before creating one records nothing).
 *
 * @example Usage
 * ```ts
 * import { recordWarnings } from "./warnings.ts";
 *
 * const dir = await Deno.makeTempDir();
 * recordWarnings(dir, "extract_logs", new Date().toISOString(), 1); // no database: nothing to do
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function recordWarnings(
  cacheDirectory: string,
  command: string,
  since: string,
  count: number,
): void {
  try {
    Deno.statSync(join(cacheDirectory, DATABASE_FILE));
  } catch {
    return;
  }
  try {
    const db = openCacheDatabase(cacheDirectory);
    try {
      recordRunWarnings(db, command, since, count);
    } finally {
      db.close();
    }
  } catch {
    // The warnings were printed; failing to count them must not fail the run.
  }
}
