/**
 * `export_extraction`: writes the cache's requests as the reference's per-object tree
 * (`<key>/timestamps.txt`, `bytes_sent.txt`, `ips.txt`, `download.txt`), so outputs can be
 * compared with the reference byte for byte and a reference user can move either way.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { openCacheDatabase, verifyCachePassword } from "../store/cache_database.ts";
import type { CacheSecrets } from "../crypto/cache_secrets.ts";
import { formatReferenceTimestamp } from "../extract/civil_time.ts";
import { errorText, OperatorError, StoppedError } from "../errors.ts";
import { stopRequested } from "../store/run_lock.ts";
import { readIpTable } from "../store/ip_table.ts";
import { readRequestBlocks, rowFileIds } from "../store/request_blocks.ts";
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

/** Requests gathered for a window of objects: one column per field, a row per request. */
interface RequestWindow {
  fileRanks: Float64Array;
  lines: Float64Array;
  times: Float64Array;
  bytesSent: Float64Array;
  ipIndexes: Float64Array;
  downloads: Uint8Array;
}

/** An object's requests: the rows of its window, in file path and line order. */
interface ObjectRequests {
  key: string;
  window: RequestWindow;
  rows: number[];
}

/** Requests gathered per pass over the blocks: bounds the export's memory whatever the cache. */
const WINDOW_ROWS = 1 << 20;

/**
 * Every object's requests as the reference's tree orders them: objects by key, each one's
 * requests by log file path, then line (both compared as SQLite compares text). The blocks are
 * read once to count requests per object, then once per window of objects holding at most
 * {@linkcode WINDOW_ROWS} requests.
 */
function* requestsByObject(db: DatabaseSync): Generator<ObjectRequests> {
  const maxObject = (db.prepare("SELECT coalesce(max(id), 0) AS n FROM objects").get() as {
    n: number;
  }).n;
  const counts = new Uint32Array(maxObject + 1);
  for (const block of readRequestBlocks(db)) {
    for (let i = 0; i < block.rows; i++) counts[block.objectIds[i]]++;
  }
  const maxFile = (db.prepare("SELECT coalesce(max(id), 0) AS n FROM log_files").get() as {
    n: number;
  }).n;
  const fileRanks = new Float64Array(maxFile + 1);
  let rank = 0;
  for (const row of db.prepare("SELECT id FROM log_files ORDER BY path").iterate()) {
    fileRanks[row.id as number] = rank++;
  }
  const slots = new Int32Array(maxObject + 1).fill(-1);
  let window: { id: number; key: string }[] = [];
  let rows = 0;
  const objects = db.prepare("SELECT id, key FROM objects ORDER BY key").iterate();
  for (const row of objects) {
    const id = row.id as number;
    if (counts[id] === 0) continue;
    if (window.length > 0 && rows + counts[id] > WINDOW_ROWS) {
      yield* windowRequests(db, window, { counts, slots, fileRanks, rows });
      window = [];
      rows = 0;
    }
    window.push({ id, key: row.key as string });
    rows += counts[id];
  }
  if (window.length > 0) yield* windowRequests(db, window, { counts, slots, fileRanks, rows });
}

function* windowRequests(
  db: DatabaseSync,
  objects: { id: number; key: string }[],
  { counts, slots, fileRanks, rows }: {
    counts: Uint32Array;
    slots: Int32Array;
    fileRanks: Float64Array;
    rows: number;
  },
): Generator<ObjectRequests> {
  // Each object's rows start where the counts of the objects before it end.
  const starts = new Uint32Array(objects.length + 1);
  objects.forEach(({ id }, slot) => {
    slots[id] = slot;
    starts[slot + 1] = starts[slot] + counts[id];
  });
  const filled = starts.slice(0, objects.length);
  const window: RequestWindow = {
    fileRanks: new Float64Array(rows),
    lines: new Float64Array(rows),
    times: new Float64Array(rows),
    bytesSent: new Float64Array(rows),
    ipIndexes: new Float64Array(rows),
    downloads: new Uint8Array(rows),
  };
  for (const block of readRequestBlocks(db)) {
    const fileIds = rowFileIds(block);
    for (let i = 0; i < block.rows; i++) {
      const slot = slots[block.objectIds[i]];
      if (slot < 0) continue;
      const at = filled[slot]++;
      window.fileRanks[at] = fileRanks[fileIds[i]];
      window.lines[at] = block.lines[i];
      window.times[at] = block.times[i];
      window.bytesSent[at] = block.bytesSent[i];
      window.ipIndexes[at] = block.ipIndexes[i];
      window.downloads[at] = block.downloads[i];
    }
  }
  for (const { id } of objects) slots[id] = -1;
  for (let slot = 0; slot < objects.length; slot++) {
    const order = Array.from(
      { length: starts[slot + 1] - starts[slot] },
      (_, i) => starts[slot] + i,
    );
    order.sort((a, b) =>
      window.fileRanks[a] - window.fileRanks[b] || window.lines[a] - window.lines[b]
    );
    yield { key: objects[slot].key, window, rows: order };
  }
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
    for (const object of requestsByObject(db)) {
      if (
        summary.objects % 1000 === 0 &&
        await stopRequested(options.cacheDirectory, { signal: options.signal })
      ) {
        throw new StoppedError();
      }
      const columns = { timestamps: "", bytes: "", ips: "", downloads: "" };
      for (const i of object.rows) {
        columns.timestamps += formatReferenceTimestamp(object.window.times[i]) + "\n";
        columns.bytes += object.window.bytesSent[i] + "\n";
        columns.ips += ips.get(object.window.ipIndexes[i]) + "\n";
        columns.downloads += object.window.downloads[i] + "\n";
      }
      await writeObject(temporary, object.key, columns, options, longNames);
      summary.objects++;
      summary.requests += object.rows.length;
    }
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
