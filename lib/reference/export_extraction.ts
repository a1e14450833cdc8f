/**
 * `export_extraction`: writes the cache's requests as the reference's per-object tree
 * (`<key>/timestamps.txt`, `bytes_sent.txt`, `ips.txt`, `download.txt`), so outputs can be
 * compared with the reference byte for byte and a reference user can move either way.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import { openCacheDatabase, verifyCachePassword } from "../store/cache_database.ts";
import type { CacheSecrets } from "../crypto/cache_secrets.ts";
import { formatReferenceTimestamp } from "../extract/civil_time.ts";
import { errorText, OperatorError, StoppedError } from "../errors.ts";
import { stopRequested } from "../store/run_lock.ts";
import { readIpTable } from "../store/ip_table.ts";
import { keyToRelativePath, LONG_NAMES_FILE } from "../key_path.ts";

/** Options of {@linkcode exportExtraction}. */
export interface ExportExtractionOptions {
  /** The cache directory. */
  cacheDirectory: string;
  /** The folder to create (it must not exist, or be empty). */
  targetDirectory: string;
  /** Secrets of the cache (to decrypt IPs, and to encrypt `ips.txt`). */
  secrets: CacheSecrets;
  /** Write `ips.txt` as plain text instead of one Fernet token (default false). */
  plaintextIps?: boolean;
  /**
   * Stops the export (throwing {@linkcode StoppedError}, leaving nothing behind) when aborted;
   * so does `s3_log_extraction stop`. Looked at every thousand objects.
   */
  signal?: AbortSignal;
}

/** What an export wrote. */
export interface ExportResult {
  /** Objects (folders with files) written. */
  objects: number;
  /** Requests written. */
  requests: number;
}

interface RequestRow {
  key: string;
  time: number;
  bytes_sent: number;
  ip_index: number;
  download: number;
}

/**
 * Writes the extraction tree. Requests of an object are in log order: by log file path, then
 * line, whatever the order in which they were extracted. The tree is written into a temporary
 * sibling folder and renamed into place, so it appears complete or not at all.
 *
 * @param options The cache, the password's secrets and the folder to write the reference's
 * per-object tree into.
 * @returns How many objects and requests were written, and where.
 * @throws {StoppedError} When the signal aborts the export: nothing is left behind.
 * @throws {OperatorError} When the target holds something else than an earlier export, the password
 * does not match, or writing fails.
 *
 * @example Usage
 * ```ts
 * import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
 * import { exportExtraction } from "./export_extraction.ts";
 * import { extractLogs } from "../extract/extract_logs.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * const secrets = await deriveCacheSecrets({ password: "example password", iterations: 1 });
 * await extractLogs({
 *   logsDirectory: new URL("../../fixtures/sample_logs", import.meta.url).pathname,
 *   cacheDirectory, secrets, workers: 0,
 * });
 * const target = `${cacheDirectory}/extraction`;
 * const summary = await exportExtraction({ cacheDirectory, targetDirectory: target, secrets, plaintextIps: true });
 * assert.deepStrictEqual(summary.objects > 0, true);
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function exportExtraction(options: ExportExtractionOptions): Promise<ExportResult> {
  const target = options.targetDirectory.replace(/\/+$/, "");
  await checkTarget(target);
  await removePartialExports(target);
  const temporary = `${target}.partial-${crypto.randomUUID().slice(0, 8)}`;
  const db = openCacheDatabase(options.cacheDirectory);
  try {
    await verifyCachePassword(db, options.secrets);
    // Only its owner may read an export: a plaintext one holds client IPs.
    await Deno.mkdir(temporary, { recursive: true, mode: 0o700 });
    const ips = await readIpTable(db, options.secrets);
    const summary: ExportResult = { objects: 0, requests: 0 };
    // Names too long for a file system are shortened and listed here.
    const longNames = new Map<string, string>();
    const rows = db.prepare(`
      SELECT o.key AS key, r.time AS time, r.bytes_sent AS bytes_sent, r.ip_index AS ip_index,
        r.download AS download
      FROM requests r JOIN objects o ON o.id = r.object_id JOIN log_files f ON f.id = r.file_id
      ORDER BY o.key, f.path, r.line`).iterate() as Iterable<RequestRow>;
    let current: string | undefined;
    let columns = { timestamps: "", bytes: "", ips: "", downloads: "" };
    const flush = async () => {
      if (current === undefined) return;
      if (
        summary.objects % 1000 === 0 &&
        await stopRequested(options.cacheDirectory, { signal: options.signal })
      ) {
        throw new StoppedError();
      }
      await writeObject(temporary, current, columns, options, longNames);
      summary.objects++;
    };
    for (const row of rows) {
      if (row.key !== current) {
        await flush();
        current = row.key;
        columns = { timestamps: "", bytes: "", ips: "", downloads: "" };
      }
      columns.timestamps += formatReferenceTimestamp(row.time) + "\n";
      columns.bytes += row.bytes_sent + "\n";
      columns.ips += ips.get(row.ip_index) + "\n";
      columns.downloads += row.download + "\n";
      summary.requests++;
    }
    await flush();
    if (longNames.size > 0) {
      const manifest = Object.fromEntries([...longNames].sort(([a], [b]) => a < b ? -1 : 1));
      await Deno.writeTextFile(
        join(temporary, LONG_NAMES_FILE),
        JSON.stringify(manifest, null, 2) + "\n",
      );
    }
    await Deno.remove(target).catch(() => {});
    await Deno.rename(temporary, target);
    return summary;
  } catch (error) {
    await Deno.remove(temporary, { recursive: true }).catch(() => {});
    if (error instanceof OperatorError || error instanceof StoppedError) throw error;
    throw new OperatorError(
      `Cannot export the extraction to ${target}: ${errorText(error)}. Nothing was written; ` +
        "check the folder and the free space, then run export_extraction again.",
      { cause: error },
    );
  } finally {
    db.close();
  }
}

/** Removes what exports into `target` killed before their rename left beside it. */
async function removePartialExports(target: string): Promise<void> {
  const name = basename(target);
  try {
    for await (const entry of Deno.readDir(dirname(target))) {
      if (entry.name.startsWith(`${name}.partial-`) && /-[0-9a-f]{8}$/.test(entry.name)) {
        await Deno.remove(join(dirname(target), entry.name), { recursive: true });
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

async function checkTarget(target: string): Promise<void> {
  try {
    for await (const _ of Deno.readDir(target)) {
      throw new OperatorError(
        `Cannot export into ${target}: the folder is not empty. Give a new folder name, or ` +
          "remove this one first.",
      );
    }
  } catch (error) {
    if (error instanceof OperatorError || error instanceof StoppedError) throw error;
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new OperatorError(`Cannot export into ${target}: ${errorText(error)}.`);
    }
  }
}

async function writeObject(
  root: string,
  key: string,
  columns: { timestamps: string; bytes: string; ips: string; downloads: string },
  options: ExportExtractionOptions,
  longNames: Map<string, string>,
): Promise<void> {
  const folder = join(root, keyToRelativePath(key, longNames));
  if (!folder.startsWith(root + "/")) {
    throw new Error(`object key ${JSON.stringify(key)} does not map inside the target`);
  }
  await Deno.mkdir(folder, { recursive: true });
  const ips = options.plaintextIps
    ? columns.ips
    : await options.secrets.fernet.encrypt(columns.ips);
  await Deno.writeTextFile(join(folder, "timestamps.txt"), columns.timestamps);
  await Deno.writeTextFile(join(folder, "bytes_sent.txt"), columns.bytes);
  await Deno.writeTextFile(join(folder, "ips.txt"), ips, { mode: 0o600 });
  await Deno.writeTextFile(join(folder, "download.txt"), columns.downloads);
}
