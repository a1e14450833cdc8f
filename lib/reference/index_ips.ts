/**
 * `index_ips`: imports a cache written by the reference (when one is given) and checks the IP
 * table of the cache: every request's IP index resolves, every sealed IP decrypts and matches
 * its keyed hash. Counts only: never an IP.
 *
 * @module
 */

import { join } from "node:path";
import { openCacheDatabase } from "../store/cache_database.ts";
import type { CacheSecrets } from "../crypto/cache_secrets.ts";
import { runCacheStep } from "../store/cache_step.ts";
import { OperatorError } from "../errors.ts";
import type { ExtractionMode } from "../extract/line_parser.ts";
import { checkIpTable, type IpTableCheck } from "../store/ip_table_check.ts";
import { importReferenceCache, type ImportResult } from "./reference_import.ts";
import { acquireRunLock } from "../store/run_lock.ts";

/** Options of {@linkcode indexIps}. */
export interface IndexIpsOptions {
  /** The cache directory. */
  cacheDirectory: string;
  /** Secrets of the cache. */
  secrets: CacheSecrets;
  /** A cache written by the reference to import first (holding `extraction/`, `ips/`, `records/`). */
  referenceDirectory?: string;
  /** Log directory, to make absolute paths of the reference's records relative. */
  logsDirectory?: string;
  /** Called after each committed import batch with the object folders seen so far. */
  onProgress?: (objects: number) => void;
  /** The imported tree's extraction mode (default: inferred from its keys). */
  mode?: ExtractionMode;
  /**
   * Check only what was stored since the last check that found nothing wrong (see
   * `IpCheckOptions`): the nightly check.
   *
   * @default {false}
   */
  sinceLastCheck?: boolean;
}

/** What `index_ips` did and found. */
export interface IndexIpsResult {
  /** The import, when a reference cache was given. */
  imported?: ImportResult;
  /** The check of the IP table. */
  table: IpTableCheck;
}

/**
 * Imports `referenceDirectory` (if given) into the cache, then checks the IP table.
 *
 * @param options The cache, the secrets, and optionally a reference cache to import first.
 * @returns What was imported and what the IP table check found.
 * @throws {OperatorError} When the cache cannot be opened or is locked by another run, the password
 * does not match the cache, or the disk fails; the message says what to do.
 *
 * @example Check a fresh extraction
 * ```ts
 * import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
 * import { extractLogs } from "../extract/extract_logs.ts";
 * import { indexIps } from "./index_ips.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * const secrets = await deriveCacheSecrets({ password: "example", iterations: 1 });
 * const logsDirectory = new URL("../../fixtures/sample_logs", import.meta.url).pathname;
 * await extractLogs({ logsDirectory, cacheDirectory, secrets, workers: 0 });
 * const { table } = await indexIps({ cacheDirectory, secrets });
 * assert.deepStrictEqual([table.unresolvedRequests, table.damagedIps], [0, 0]);
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function indexIps(options: IndexIpsOptions): Promise<IndexIpsResult> {
  const reference = options.referenceDirectory;
  if (reference === undefined) {
    return await runCacheStep(
      options.cacheDirectory,
      "index_ips",
      "check the IPs of",
      async (db) => ({
        table: await checkIpTable(db, options.secrets, { sinceLastCheck: options.sinceLastCheck }),
      }),
      options.secrets,
    );
  }
  await checkReferenceDirectory(reference);
  await Deno.mkdir(options.cacheDirectory, { recursive: true, mode: 0o700 });
  using _lock = await acquireRunLock(options.cacheDirectory);
  openCacheDatabase(options.cacheDirectory).close();
  return await runCacheStep(
    options.cacheDirectory,
    "index_ips",
    "import into",
    async (db, runId) => {
      const imported = await importReferenceCache({
        db,
        secrets: options.secrets,
        referenceDirectory: reference,
        logsDirectory: options.logsDirectory,
        runId,
        onProgress: options.onProgress,
        mode: options.mode,
      });
      return {
        imported,
        table: await checkIpTable(db, options.secrets, { sinceLastCheck: options.sinceLastCheck }),
      };
    },
    options.secrets,
  );
}

async function checkReferenceDirectory(directory: string): Promise<void> {
  for (const part of ["extraction", "ips", "records"]) {
    try {
      await Deno.stat(join(directory, part));
      return;
    } catch {
      // Try the next part.
    }
  }
  throw new OperatorError(
    `Cannot import ${directory}: it is not a cache written by the reference (it has no ` +
      "extraction/, ips/ or records/ folder). Give the folder the reference used as its cache.",
  );
}
