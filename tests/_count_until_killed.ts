/**
 * Test helper: brings the generic counts of the cache given as argument up to date, and at the
 * first look at a stop (mid-scan) says "counting" and waits to be killed.
 *
 * @module
 */

import { openCacheDatabase } from "../lib/store/cache_database.ts";
import { collectDatasetData } from "../lib/summaries/summary_data.ts";
import { genericPlace } from "../lib/summaries/generate_summaries.ts";

const db = openCacheDatabase(Deno.args[0]);
await collectDatasetData(db, genericPlace, {
  placement: "generic",
  stop: async () => {
    await Deno.stdout.write(new TextEncoder().encode("counting\n"));
    // A timer keeps the process alive (a promise alone would end it).
    return await new Promise<boolean>(() => setInterval(() => {}, 60_000));
  },
});
