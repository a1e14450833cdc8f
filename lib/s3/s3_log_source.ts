/**
 * Log files in an S3 bucket as a source of extraction: listed with ListObjectsV2 or read from
 * an S3 Inventory, fetched whole with GetObject, a bounded number at a time. A log's identity
 * in the cache is its key below the prefix, as a local copy's relative path would be, so the
 * same logs extracted either way give the same cache.
 *
 * @module
 */

import { errorText } from "../errors.ts";
import { taskPieceOf } from "../extract/extraction_plan.ts";
import { type DiscoveredEntry, isLogFileName, notLogEntry } from "../extract/log_discovery.ts";
import type { LogSource } from "../extract/log_source.ts";
import type { S3Client, S3Location, S3Object } from "./s3_client.ts";
import { readInventory } from "./s3_inventory.ts";

/** Options of {@linkcode s3LogSource}. */
export interface S3LogSourceOptions {
  /** The bucket and prefix. */
  location: S3Location;
  /** The client. */
  client: S3Client;
  /** A local copy of an S3 Inventory to list from instead of ListObjectsV2. */
  inventory?: string;
  /** Downloads at a time (default 8). */
  downloads?: number;
}

/**
 * The log files below `s3://bucket/prefix`, listed when the run starts and fetched whole (never
 * in pieces), at most `downloads` at a time, while the workers parse the ones fetched before.
 *
 * @param options The bucket and prefix, the client, an inventory to list from, downloads at a time.
 * @returns The source of the bucket's log files.
 *
 * @example Usage
 * ```ts
 * import { S3Client } from "./s3_client.ts";
 * import { s3LogSource } from "./s3_log_source.ts";
 * import assert from "node:assert/strict";
 *
 * const client = new S3Client({ credentials: { accessKeyId: "a", secretAccessKey: "b" }, region: "us-east-1" });
 * const source = s3LogSource({ location: { bucket: "logs", prefix: "server/" }, client });
 * assert.deepStrictEqual(source.description, "s3://logs/server/");
 * ```
 */
export function s3LogSource(options: S3LogSourceOptions): LogSource {
  const { location, client } = options;
  const limit = options.downloads ?? 8;
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    description: `s3://${location.bucket}/${location.prefix}`,
    async list() {
      let objects: AsyncIterable<S3Object> | S3Object[];
      if (options.inventory !== undefined) {
        const inventory = await readInventory(options.inventory);
        objects = inventory.bucket === location.bucket ? inventory.objects : [];
      } else {
        objects = client.list(location);
      }
      const entries: DiscoveredEntry[] = [];
      for await (const object of objects) {
        const entry = objectEntry(object, location.prefix);
        if (entry !== undefined) entries.push(entry);
      }
      const pathOf = (e: DiscoveredEntry) => (e.kind === "log" ? e.file.path : e.path);
      return entries.sort((a, b) => (pathOf(a) < pathOf(b) ? -1 : pathOf(a) > pathOf(b) ? 1 : 0));
    },
    check() {}, // the listing says what is wrong with the bucket
    splittable: () => false,
    async taskPiece(piece) {
      // A finished download hands its slot to the next waiting one.
      if (running < limit) running++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        const data = await client.get(location.bucket, piece.file.location);
        return { ...taskPieceOf(piece), data, end: data.length };
      } catch (error) {
        return { ...taskPieceOf(piece), fetchError: `cannot be fetched: ${errorText(error)}` };
      } finally {
        const next = waiting.shift();
        if (next) next();
        else running--;
      }
    },
  };
}

/**
 * What an object below `prefix` is for extraction: a log file whose identity is its key below
 * the prefix (as a local copy's relative path would be), another object, or nothing (outside
 * the prefix, or a folder marker).
 *
 * @example Usage
 * ```ts
 * import { objectEntry } from "./s3_log_source.ts";
 * import assert from "node:assert/strict";
 *
 * const object = { key: "logs/2020/01/01/2020-01-01-00-00-00-ABC", size: 5, lastModified: 0 };
 * assert.deepStrictEqual(objectEntry(object, "logs/"), {
 *   kind: "log",
 *   file: { path: "2020/01/01/2020-01-01-00-00-00-ABC", location: object.key, size: 5, mtime: 0 },
 * });
 * assert.deepStrictEqual(objectEntry({ ...object, key: "logs/notes.txt" }, "logs/"), { kind: "other", path: "notes.txt" });
 * assert.deepStrictEqual(objectEntry(object, "elsewhere/"), undefined);
 * ```
 */
export function objectEntry(object: S3Object, prefix: string): DiscoveredEntry | undefined {
  if (!object.key.startsWith(prefix) || object.key.endsWith("/")) return undefined;
  const path = object.key.slice(prefix.length);
  if (!isLogFileName(path.slice(path.lastIndexOf("/") + 1))) return notLogEntry(path);
  return {
    kind: "log",
    file: { path, location: object.key, size: object.size, mtime: object.lastModified },
  };
}
