/**
 * `publish <dir>`: the cache's current summaries in the layout an archive serves, the layout of
 * dandi/access-summaries' `content/` that DANDI's usage page reads:
 *
 * ```
 * <dir>/summaries/<dataset>/by_day.tsv, by_asset.tsv, by_region.tsv, requester_count.tsv, …
 * <dir>/summaries/archive/…
 * <dir>/totals.json, archive_totals.json, region_codes_to_coordinates.yaml
 * ```
 *
 * Nothing else in `<dir>` is touched (it is usually a git checkout). The new tree is staged
 * beside the old one, completely, then put in place: `summaries/` by two renames (a reader
 * sees the old folder or the new one, never a mix of the two; between the renames the folder is
 * briefly absent), each top-level file by one rename. A publish killed anywhere is repaired by
 * the next one. `git: true` then commits exactly those paths.
 *
 * @module
 */

import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { pathExists } from "../atomic_files.ts";
import { runCacheStep } from "../store/cache_step.ts";
import { errorText, OperatorError } from "../errors.ts";
import { COORDINATES_FILE } from "./published_coordinates.ts";

/** The top-level files of a published folder. */
export const PUBLISHED_FILES: readonly string[] = [
  "totals.json",
  "archive_totals.json",
  COORDINATES_FILE,
];

/** Options of {@linkcode publishSummaries}. */
export interface PublishOptions {
  /** The cache directory (its `summaries/` is published). */
  cacheDirectory: string;
  /** The folder to publish into (created when missing). */
  targetDirectory: string;
  /**
   * Commit the change in the git checkout holding `targetDirectory`.
   *
   * @default {false}
   */
  git?: boolean;
}

/** What a publish did. */
export interface PublishResult {
  /** The folder published into. */
  targetDirectory: string;
  /** Datasets published (the archive not counted). */
  datasets: number;
  /** When the oldest of the published summary files was written (ISO 8601). */
  summariesWrittenAt: string;
  /** The commit made (`git`), or undefined when nothing changed or git was not asked for. */
  commit?: string;
}

const STAGE_PREFIX = ".s3-log-extraction-publish-";
const COMPLETE = "complete";
const LEFTOVER = /\.(?:new|old|tmp)-[0-9a-f]{8}$/;

/** The summary steps, by the files they write: each group must have run since the data changed. */
const SUMMARY_GROUPS: readonly (readonly string[])[] = [
  ["generate_summaries", "generate_dandiset_summaries"],
  ["generate_totals", "generate_dandiset_totals"],
  ["generate_archive_summaries"],
  ["generate_archive_totals"],
];
const DATA_STEPS = [
  "extract_logs",
  "index_ips",
  "update_indexed_region_codes",
  "refresh_region_codes",
  "update_region_code_coordinates",
];

/** When the summaries were written, or an {@linkcode OperatorError} saying what to run. */
function checkFresh(db: DatabaseSync): string {
  const lastOk = (commands: readonly string[]) =>
    (db.prepare(
      `SELECT max(finished_at) AS at FROM runs WHERE outcome = 'ok' AND command IN (${
        commands.map(() => "?").join(", ")
      })`,
    ).get(...commands) as { at: string | null }).at;
  const written = SUMMARY_GROUPS.map((group) => ({ group, at: lastOk(group) }));
  const missing = written.find(({ at }) => at === null);
  if (missing !== undefined) {
    throw new OperatorError(
      `Cannot publish: ${missing.group.join(" or ")} has not run on this cache. Run the summary ` +
        "steps (or daily) first.",
    );
  }
  const summariesAt = written.map(({ at }) => at!).sort()[0];
  const changed = db.prepare(
    `SELECT command, finished_at FROM runs WHERE outcome IN ('ok', 'stopped') AND command IN (${
      DATA_STEPS.map(() => "?").join(", ")
    }) AND finished_at > ? ORDER BY finished_at DESC LIMIT 1`,
  ).get(...DATA_STEPS, summariesAt) as { command: string; finished_at: string } | undefined;
  if (changed !== undefined) {
    throw new OperatorError(
      `Cannot publish: the summaries (written ${summariesAt}) are older than the last ` +
        `${changed.command} (${changed.finished_at}). Run the summary steps (or daily) first, ` +
        "so that what is published matches the cache.",
    );
  }
  return summariesAt;
}

async function copyFolder(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (LEFTOVER.test(entry.name)) continue;
    const source = join(from, entry.name);
    if (entry.isDirectory) await copyFolder(source, join(to, entry.name));
    else if (entry.isFile) await Deno.copyFile(source, join(to, entry.name));
  }
}

/**
 * Repairs what an interrupted publish left in `target`: a complete staged tree whose
 * `summaries/` was moved away is put in place (or the old one back), then every stage is removed.
 */
async function repair(target: string): Promise<void> {
  for await (const entry of Deno.readDir(target)) {
    if (!entry.name.startsWith(STAGE_PREFIX) || !entry.isDirectory) continue;
    const stage = join(target, entry.name);
    if (!await pathExists(join(target, "summaries"))) {
      if (await pathExists(join(stage, COMPLETE)) && await pathExists(join(stage, "summaries"))) {
        await finish(stage, target);
        continue;
      }
      if (await pathExists(join(stage, "old-summaries"))) {
        await Deno.rename(join(stage, "old-summaries"), join(target, "summaries"));
      }
    }
    await Deno.remove(stage, { recursive: true });
  }
}

/** Puts a complete stage in place and removes it. */
async function finish(stage: string, target: string): Promise<void> {
  const summaries = join(target, "summaries");
  if (await pathExists(summaries)) await Deno.rename(summaries, join(stage, "old-summaries"));
  await Deno.rename(join(stage, "summaries"), summaries);
  for (const file of PUBLISHED_FILES) {
    await Deno.rename(join(stage, file), join(target, file));
  }
  await Deno.remove(stage, { recursive: true });
}

async function git(target: string, args: string[]): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("git", {
      args: ["-C", target, ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new OperatorError(
      `Cannot run git for publish --git: ${errorText(error)}. Install git and put it on PATH ` +
        "(cron's PATH is /usr/bin:/bin), or publish without --git.",
    );
  }
  if (!output.success) {
    const message = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-3)
      .join(" ");
    throw new OperatorError(
      `git ${args[0]} in ${target} failed: ${message}. The files are published; fix the ` +
        "checkout (a git repository, with user.name and user.email set for this user) and run " +
        "publish --git again to commit them.",
    );
  }
  return new TextDecoder().decode(output.stdout).trim();
}

/**
 * Publishes the summaries of `options.cacheDirectory` into `options.targetDirectory`.
 *
 * @param options The cache, the folder the archive serves, and whether to commit there with git.
 * @returns What was copied, and the commit made, if any.
 * @throws {OperatorError} When the summaries are missing or older than the last extraction, the
 * target is not a folder the tool may write, or git fails; the message says what to do.
 *
 * @example Usage
 * ```ts
 * import { publishSummaries } from "./publish.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * await assert.rejects(
 *   () => publishSummaries({ cacheDirectory, targetDirectory: `${cacheDirectory}/site` }),
 *   /holds no extraction yet/,
 * );
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function publishSummaries(options: PublishOptions): Promise<PublishResult> {
  const target = options.targetDirectory;
  return await runCacheStep(options.cacheDirectory, "publish", "publish", async (db, runId) => {
    const summariesAt = checkFresh(db);
    const source = join(options.cacheDirectory, "summaries");
    try {
      await Deno.mkdir(target, { recursive: true });
      await repair(target);
      const stage = join(target, `${STAGE_PREFIX}${crypto.randomUUID().slice(0, 8)}`);
      await Deno.mkdir(stage);
      let datasets = 0;
      await Deno.mkdir(join(stage, "summaries"));
      for await (const entry of Deno.readDir(source)) {
        if (!entry.isDirectory || LEFTOVER.test(entry.name)) continue;
        await copyFolder(join(source, entry.name), join(stage, "summaries", entry.name));
        if (entry.name !== "archive") datasets++;
      }
      for (const file of PUBLISHED_FILES) {
        await Deno.copyFile(join(source, file), join(stage, file)).catch((error) => {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
          throw new OperatorError(
            `Cannot publish: ${join(source, file)} is missing. Run the summary steps (or ` +
              "daily) first.",
          );
        });
      }
      await Deno.writeTextFile(join(stage, COMPLETE), `${runId}\n`);
      await finish(stage, target);
      const result: PublishResult = {
        targetDirectory: target,
        datasets,
        summariesWrittenAt: summariesAt,
      };
      if (options.git) result.commit = await commit(target, result);
      return result;
    } catch (error) {
      if (error instanceof OperatorError) throw error;
      throw new OperatorError(
        `Cannot publish into ${target}: ${errorText(error)}. Check that it is a folder you ` +
          "can write to; what was published before is kept.",
        { cause: error },
      );
    }
  });
}

async function commit(target: string, result: PublishResult): Promise<string | undefined> {
  const paths = ["summaries", ...PUBLISHED_FILES];
  await git(target, ["add", "--all", "--", ...paths]);
  const staged = await git(target, ["diff", "--cached", "--name-only", "--", ...paths]);
  if (staged === "") return undefined;
  await git(target, [
    "commit",
    "--quiet",
    "-m",
    `Update access summaries: ${result.datasets} datasets, summaries of ` +
    `${result.summariesWrittenAt}`,
    "-m",
    "Published by s3-log-extraction.",
    "--",
    ...paths,
  ]);
  return await git(target, ["rev-parse", "HEAD"]);
}
