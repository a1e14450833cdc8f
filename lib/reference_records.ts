/**
 * The reference's records of finished log files (`records/*_file-processing-end.txt`), as
 * paths relative to the log directory: after an import, extraction skips these files instead of
 * counting their requests a second time.
 *
 * @module
 */

import { join } from "node:path";

/** Log files named by the records. */
export interface ReferenceRecords {
  /** Relative paths of the finished log files (sorted, without repeats). */
  paths: string[];
  /** Entries that are not under the log directory (absolute or Windows paths elsewhere). */
  skipped: number;
}

const SUFFIX = "_file-processing-end.txt";

/**
 * Reads the finished-file records of a reference cache. Absolute paths (older versions) become
 * relative to `logsDirectory` when they are below it; others are counted as skipped.
 *
 * @example Usage
 * ```ts
 * import { readReferenceRecords } from "./reference_records.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/records`);
 * await Deno.writeTextFile(`${root}/records/S3LogAccessExtractor_file-processing-end.txt`,
 *   "2020/01/01.log\n/srv/logs/2020/01/02.log\nC:\\logs\\x.log\n");
 * assertEquals(await readReferenceRecords(root, "/srv/logs"), {
 *   paths: ["2020/01/01.log", "2020/01/02.log"], skipped: 1,
 * });
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function readReferenceRecords(
  referenceDirectory: string,
  logsDirectory?: string,
): Promise<ReferenceRecords> {
  const folder = join(referenceDirectory, "records");
  const paths = new Set<string>();
  let skipped = 0;
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (entry.isFile && entry.name.endsWith(SUFFIX)) names.push(entry.name);
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { paths: [], skipped: 0 };
    throw error;
  }
  const root = logsDirectory?.replace(/\/+$/, "");
  for (const name of names.sort()) {
    for (const raw of (await Deno.readTextFile(join(folder, name))).split(/\r?\n/)) {
      const line = raw.trim();
      if (line === "") continue;
      if (line.includes("\\") || /^[A-Za-z]:/.test(line)) skipped++;
      else if (!line.startsWith("/")) paths.add(line.replace(/^(\.\/)+/, ""));
      else if (root !== undefined && line.startsWith(root + "/")) {
        paths.add(line.slice(root.length + 1));
      } else skipped++;
    }
  }
  return { paths: [...paths].sort(), skipped };
}
