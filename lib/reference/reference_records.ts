/**
 * The reference's records of the log files it read, in every form its versions and the DANDI
 * plugin write (reference-behaviour.md §2.5):
 *
 * - `records/<Extractor>_file-processing-{start,end}.txt` (local extraction): one log file per
 *   line, a path relative to the log directory (absolute in older versions);
 * - `records/<Extractor>_s3-url-processing-{start,end}.txt` (remote extraction, the reference's
 *   `RemoteS3LogAccessExtractor` and the plugin's `DandiRemoteS3LogAccessExtractor`): one log
 *   object per line, by its **basename** (log object names are unique in a bucket).
 *
 * A file in a `-start` record and in no `-end` record of its kind was being read when the
 * reference stopped: part of its requests may be in the reference's tree.
 *
 * @module
 */

import { join } from "node:path";

/** Log files named by the records, by the rule their writer used. */
export interface ReferenceRecords {
  /** Finished log files, as paths relative to the log directory (sorted, no repeats). */
  paths: string[];
  /** Finished log objects, by basename (sorted, no repeats). */
  names: string[];
  /** Started but unfinished log files, as relative paths. */
  unfinishedPaths: string[];
  /** Started but unfinished log objects, by basename. */
  unfinishedNames: string[];
  /** Entries that are not under the log directory (absolute or Windows paths elsewhere). */
  skipped: number;
}

const RECORD = /^(.+)_(file|s3-url)-processing-(start|end)\.txt$/;

/**
 * Reads the records of a reference cache. Absolute paths (older versions) become relative to
 * `logsDirectory` when they are below it; others are counted as skipped.
 *
 * @example Usage
 * ```ts
 * import { readReferenceRecords } from "./reference_records.ts";
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.makeTempDir();
 * await Deno.mkdir(`${root}/records`);
 * const records = `${root}/records`;
 * await Deno.writeTextFile(`${records}/S3LogAccessExtractor_file-processing-end.txt`,
 *   "2020/01/01.log\n/srv/logs/2020/01/02.log\nC:\\logs\\x.log\n");
 * await Deno.writeTextFile(`${records}/DandiRemoteS3LogAccessExtractor_s3-url-processing-start.txt`,
 *   "2020-01-01-05-06-35-0123456789ABCDEF\n2020-01-02-05-06-35-0123456789ABCDEF\n");
 * await Deno.writeTextFile(`${records}/DandiRemoteS3LogAccessExtractor_s3-url-processing-end.txt`,
 *   "2020-01-01-05-06-35-0123456789ABCDEF\n");
 * assert.deepStrictEqual(await readReferenceRecords(root, "/srv/logs"), {
 *   paths: ["2020/01/01.log", "2020/01/02.log"],
 *   names: ["2020-01-01-05-06-35-0123456789ABCDEF"],
 *   unfinishedPaths: [],
 *   unfinishedNames: ["2020-01-02-05-06-35-0123456789ABCDEF"],
 *   skipped: 1,
 * });
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function readReferenceRecords(
  referenceDirectory: string,
  logsDirectory?: string,
): Promise<ReferenceRecords> {
  const folder = join(referenceDirectory, "records");
  const files: { name: string; kind: string; phase: string }[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      const match = entry.isFile ? RECORD.exec(entry.name) : null;
      if (match) files.push({ name: entry.name, kind: match[2], phase: match[3] });
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const root = logsDirectory?.replace(/\/+$/, "");
  let skipped = 0;
  // A path record's key, relative to the log directory; undefined when it is elsewhere.
  const relative = (line: string): string | undefined => {
    if (line.includes("\\") || /^[A-Za-z]:/.test(line)) return undefined;
    if (!line.startsWith("/")) return line.replace(/^(\.\/)+/, "");
    if (root !== undefined && line.startsWith(root + "/")) return line.slice(root.length + 1);
    return undefined;
  };
  const sets = {
    "file:start": new Set<string>(),
    "file:end": new Set<string>(),
    "s3-url:start": new Set<string>(),
    "s3-url:end": new Set<string>(),
  };
  for (const { name, kind, phase } of files.sort((a, b) => a.name < b.name ? -1 : 1)) {
    const set = sets[`${kind}:${phase}` as keyof typeof sets];
    for (const raw of (await Deno.readTextFile(join(folder, name))).split(/\r?\n/)) {
      const line = raw.trim();
      if (line === "") continue;
      const key = kind === "file" ? relative(line) : line.slice(line.lastIndexOf("/") + 1);
      if (key === undefined) {
        if (phase === "end") skipped++;
      } else set.add(key);
    }
  }
  const sorted = (set: Set<string>) => [...set].sort();
  const unfinished = (start: Set<string>, end: Set<string>) =>
    sorted(new Set([...start].filter((key) => !end.has(key))));
  return {
    paths: sorted(sets["file:end"]),
    names: sorted(sets["s3-url:end"]),
    unfinishedPaths: unfinished(sets["file:start"], sets["file:end"]),
    unfinishedNames: unfinished(sets["s3-url:start"], sets["s3-url:end"]),
    skipped,
  };
}
