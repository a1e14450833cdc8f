/**
 * Finds raw S3 log files below a directory, each optionally with `.gz`: S3 log objects
 * (`2020-01-01-05-06-35-0123456789ABCDEF`, flat or in `YYYY/MM/DD/` folders), consolidated files
 * ending in `.log`, and the JSON deliveries: files ending in `.json`, `.jsonl` or `.ndjson`,
 * CloudWatch Logs export objects (`<prefix>/<task id>/<log stream>/000000.gz`) and Firehose
 * objects (`<stream>-<version>-2026-07-01-12-00-00-<uuid>`). Parquet files are reported as not
 * readable, with what to do. Everything else is counted and reported, not read.
 *
 * @module
 */

import { join } from "node:path";
import { OperatorError } from "../errors.ts";

/** A log file found below the log directory. */
export interface FoundLogFile {
  /** Path relative to the log directory, `/`-separated: the file's identity in the cache. */
  path: string;
  /** Where to read it: an absolute path, or the object's key in the log bucket. */
  location: string;
  /** Size in bytes. */
  size: number;
  /** Modification time in milliseconds since the epoch. */
  mtime: number;
}

/** What {@linkcode discoverLogFiles} yields: a log file, or a file that is not one. */
export type DiscoveredEntry =
  | { kind: "log"; file: FoundLogFile }
  | { kind: "other"; path: string }
  | { kind: "unreadable"; path: string; reason: string };

const S3_LOG_OBJECT = /^\d{4}-\d{1,2}-\d{1,2}-\d{1,2}-\d{1,2}-\d{1,2}-[0-9A-Za-z]+(\.gz)?$/;
const CONSOLIDATED_LOG = /\.log(\.gz)?$/;
const JSON_LINES = /\.(json|jsonl|ndjson)(\.gz)?$/;
const EXPORT_TASK_OBJECT = /^\d{6}(\.gz)?$/;
const FIREHOSE_OBJECT =
  /-\d+-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.gz)?$/;
const PARQUET = /\.parquet$/i;

/** Why a Parquet file is not read, and what to do. */
export const PARQUET_REASON =
  "a Parquet file, which this version does not read: convert it to JSON lines with DuckDB " +
  '(see the README, "JSON deliveries") and put the .json file beside it';

/**
 * Whether a file name is the name of a raw S3 log (an S3 log object or a `.log` file).
 *
 * @example Usage
 * ```ts
 * import { isLogFileName } from "./log_discovery.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(isLogFileName("2020-01-01-05-06-35-0123456789ABCDEF"), true);
 * assert.deepStrictEqual(isLogFileName("01.log.gz"), true);
 * assert.deepStrictEqual(isLogFileName("README.md"), false);
 * ```
 */
export function isLogFileName(name: string): boolean {
  return !name.startsWith(".") &&
    (S3_LOG_OBJECT.test(name) || CONSOLIDATED_LOG.test(name) || JSON_LINES.test(name) ||
      EXPORT_TASK_OBJECT.test(name) || FIREHOSE_OBJECT.test(name));
}

/**
 * What discovery makes of a file that is not a log file by its name: a Parquet file is reported
 * as not readable (with {@linkcode PARQUET_REASON}), anything else as another file.
 *
 * @example Usage
 * ```ts
 * import { notLogEntry } from "./log_discovery.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(notLogEntry("notes.txt"), { kind: "other", path: "notes.txt" });
 * assert.deepStrictEqual(notLogEntry("2026/07/part-0.parquet").kind, "unreadable");
 * ```
 */
export function notLogEntry(path: string): DiscoveredEntry {
  return PARQUET.test(path) ? { kind: "unreadable", path, reason: PARQUET_REASON } : {
    kind: "other",
    path,
  };
}

/**
 * Walks `root` depth-first, entries of each folder sorted by name (so the order is the
 * same on every run), and yields every file: log files with their size and mtime, others by
 * path. Links to files inside the root are followed; links to folders, and to files outside the
 * root, are not (they are reported as other).
 * Synchronous on purpose: a file system call per file is many times cheaper that way, and the
 * run has nothing else to do while it lists its files.
 *
 * @example Usage
 * ```ts
 * import { discoverLogFiles } from "./log_discovery.ts";
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/2020/01/01`, { recursive: true });
 * await Deno.writeTextFile(`${root}/2020/01/01/2020-01-01-05-06-35-0123456789ABCDEF`, "");
 * await Deno.writeTextFile(`${root}/notes.txt`, "");
 * const found = [];
 * for (const entry of discoverLogFiles(root)) {
 *   found.push(entry.kind === "log" ? entry.file.path : `other:${entry.path}`);
 * }
 * assert.deepStrictEqual(found, ["2020/01/01/2020-01-01-05-06-35-0123456789ABCDEF", "other:notes.txt"]);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export function* discoverLogFiles(root: string): Generator<DiscoveredEntry> {
  checkLogDirectory(root);
  const inside = Deno.realPathSync(root);
  yield* walk(root, "", inside.endsWith("/") ? inside : `${inside}/`);
}

/**
 * Throws an {@linkcode OperatorError} unless `root` is a readable directory: what a run checks
 * before it creates or changes anything.
 *
 * @example Usage
 * ```ts
 * import { checkLogDirectory } from "./log_discovery.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => checkLogDirectory("/nonexistent/logs"), /it does not exist/);
 * ```
 */
export function checkLogDirectory(root: string): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(root);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ? "it does not exist" : String(error);
    throw new OperatorError(
      `Cannot read log directory ${root}: ${why}. Check the path, or configure the log ` +
        "directory with `s3_log_extraction set_logs <dir>`.",
    );
  }
  if (!info.isDirectory) {
    throw new OperatorError(
      `Cannot read log directory ${root}: it is a file, not a directory. Give the directory ` +
        "that holds the log files.",
    );
  }
}

function* walk(absolute: string, relative: string, inside: string): Generator<DiscoveredEntry> {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(absolute)];
  } catch (error) {
    const reason = `cannot be listed (${error instanceof Error ? error.message : error})`;
    if (relative === "") {
      throw new OperatorError(
        `Cannot list log folder ${absolute}: ${reason}. Check its permissions.`,
      );
    }
    // One folder that cannot be listed must not stop the others: it is reported, and tried
    // again next run.
    yield { kind: "unreadable", path: `${relative}/`, reason: `this folder ${reason}` };
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
    const location = join(absolute, entry.name);
    if (entry.isDirectory) {
      yield* walk(location, path, inside);
      continue;
    }
    if (!isLogFileName(entry.name)) {
      yield notLogEntry(path);
      continue;
    }
    let info: Deno.FileInfo;
    try {
      // A link is followed only to a file inside the log directory: a link elsewhere
      // (/etc/shadow) is never read.
      if (entry.isSymlink && !Deno.realPathSync(location).startsWith(inside)) {
        yield { kind: "other", path };
        continue;
      }
      info = Deno.statSync(location);
    } catch {
      yield { kind: "other", path };
      continue;
    }
    if (!info.isFile) {
      yield { kind: "other", path };
      continue;
    }
    yield {
      kind: "log",
      file: { path, location, size: info.size, mtime: info.mtime?.getTime() ?? 0 },
    };
  }
}
