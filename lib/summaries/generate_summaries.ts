/**
 * The summary steps: per-dataset summaries and totals (datasets are top-level key prefixes, or
 * dandisets through the content-id mapping), and the archive's summaries and totals. All are
 * computed from the raw requests in the cache and written atomically into `<cache>/summaries/`.
 *
 * @module
 */

import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { repairFolder, replaceFolder, writeTextFileAtomic } from "../atomic_files.ts";
import { runCacheStep } from "../store/cache_step.ts";
import { finishRun, startRun } from "../store/run_history.ts";
import type { ContentMapping } from "./content_mapping.ts";
import { OperatorError, StoppedError } from "../errors.ts";
import { safeFolderName } from "../key_path.ts";
import type { PrivacyOptions } from "./privacy_rounding.ts";
import { COORDINATES_FILE, writePublishedCoordinates } from "./published_coordinates.ts";
import { formatPythonJson } from "./python_json.ts";
import { stopRequested } from "../store/run_lock.ts";
import {
  type AssetPlace,
  collectArchiveData,
  collectDatasetData,
  type Collected,
  type ScopeData,
} from "./summary_data.ts";
import type { FoldOptions, FoldReport, StopCheck } from "../store/request_folds.ts";
import { WalCheckpointer } from "../store/wal_checkpointer.ts";
import { DATABASE_FILE } from "../store/cache_database.ts";
import { archiveFiles, datasetFiles, publishedTotals } from "./summary_files.ts";
import {
  type ActivityCounts,
  activityCounts,
  type ActivityScope,
  collectActivity,
  dayRowsOf,
  listedDatasets,
} from "./activity_data.ts";
import { activityFiles } from "./activity_files.ts";
import { type FileWriter, withFileWriter } from "./file_writer.ts";

/**
 * A summary step on the cache: first repairs what an interrupted run left around
 * `<cache>/summaries/`, so that nothing published before is lost. The steps in `also` are
 * written by this one (`all`): each is a run of its own in the cache, as when it runs alone
 * (`publish` and `status` read them), ended by `write` through its `wrote` once its files are
 * there, or with this step's outcome.
 */
async function summaryStep<T>(
  options: SummaryOptions,
  command: string,
  collect: (db: DatabaseSync, scan: StepScan) => Promise<Pick<Collected<T>, "data" | "folds">>,
  write: (db: DatabaseSync, data: T, stop: StopCheck, wrote: Wrote) => Promise<WrittenFiles>,
  also: readonly string[] = [],
): Promise<SummaryResult> {
  const { cacheDirectory, signal } = options;
  const stop = () => stopRequested(cacheDirectory, { signal });
  return await runCacheStep(cacheDirectory, command, "summarise", async (db) => {
    const runs = new Map(also.map((name) => [name, startRun(db, name)]));
    const written: StepWritten[] = [];
    const wrote: Wrote = (name, files) => {
      finishRun(db, runs.get(name)!, "ok", { ...files, counts: [] });
      runs.delete(name);
      written.push({ command: name, ...files });
    };
    try {
      const result = await writeStep(db, { ...options, collect, write, wrote, stop });
      return written.length === 0 ? result : { ...result, also: written };
    } catch (error) {
      const stopped = error instanceof StoppedError;
      for (const id of runs.values()) {
        finishRun(db, id, stopped ? "stopped" : "failed", stopped ? {} : { error: String(error) });
      }
      throw error;
    }
  });
}

/** Tells a step written with another (`all`) that its files are written. */
type Wrote = (command: string, files: WrittenFiles) => void;

/** Counts, then writes, a summary step (the work of {@linkcode summaryStep}). */
async function writeStep<T>(
  db: DatabaseSync,
  { cacheDirectory, collect, write, wrote, stop }: {
    cacheDirectory: string;
    collect: (db: DatabaseSync, scan: StepScan) => Promise<Pick<Collected<T>, "data" | "folds">>;
    write: (db: DatabaseSync, data: T, stop: StopCheck, wrote: Wrote) => Promise<WrittenFiles>;
    wrote: Wrote;
    stop: StopCheck;
  },
): Promise<SummaryResult> {
  await repairFolder(join(cacheDirectory, "summaries"));
  // The counts' save is tens of megabytes of log, which SQLite would copy into the database
  // inside that commit; a worker copies it while the files are made (a night of the bench:
  // the commit 190 -> 81 ms). It starts only once a save wrote counts: a step whose counts
  // were up to date paid 25 ms for a worker with nothing to do. Without the worker the close
  // copies the log, as the last connection's close always does.
  db.exec("PRAGMA wal_autocheckpoint = 0");
  let checkpoints: WalCheckpointer | undefined;
  const committed = () =>
    (checkpoints ??= new WalCheckpointer(join(cacheDirectory, DATABASE_FILE))).committed();
  try {
    const { data, folds } = await collect(db, { stop, committed });
    // Asked to stop during the scan: nothing published changes.
    if (await stop()) throw new StoppedError();
    return { ...await write(db, data, stop, wrote), counts: folds };
  } finally {
    await checkpoints?.close();
  }
}

/** What a summary step's scan of the kept counts is given. */
type StepScan = Required<Pick<FoldOptions, "stop" | "committed">>;

/** Names inside `<cache>/summaries/` that are not datasets. */
export const SUMMARY_RESERVED_NAMES: ReadonlySet<string> = new Set([
  "archive",
  "totals.json",
  "archive_totals.json",
  COORDINATES_FILE,
]);

/** Options of the summary steps. */
export interface SummaryOptions {
  /** The cache directory. */
  cacheDirectory: string;
  /** Privacy rounding (default: below 50 → `<50`, else nearest multiple of 20). */
  privacy?: PrivacyOptions;
  /**
   * Longest gap in seconds between two requests of one session (the activity files'
   * `sessions.tsv`).
   *
   * @default {1800}
   */
  sessionGap?: number;
  /**
   * Stops the step (before it writes anything, throwing {@linkcode StoppedError}) when
   * aborted; so does `s3_log_extraction stop`.
   */
  signal?: AbortSignal;
  /**
   * Count every stored request again instead of only those stored since the counts were last
   * saved (the files are the same either way; this rebuilds the saved counts).
   *
   * @default {false}
   */
  rebuild?: boolean;
}

/** Options of the dataset steps (`generate_summaries`, `generate_dandiset_summaries`). */
export interface DatasetSummaryOptions extends SummaryOptions {
  /**
   * Also write, from this step's counts, what the totals step of its placement, the archive's
   * summaries (with the mapping's weekly asset types when it has one) and the archive's
   * totals write: the files are those of the four steps run one by one, from one scan of the
   * counts instead of four. Each is recorded as a run of its own (`SummaryResult.also`).
   *
   * @default {false}
   */
  all?: boolean;
}

/** Options of the dandiset steps. */
export interface DandisetSummaryOptions extends DatasetSummaryOptions {
  /** The content-id mapping (see `loadContentMapping`). */
  mapping: ContentMapping;
  /**
   * Write only these dandisets (the plugin's `--pick`); the other folders stay as they are.
   *
   * @default {undefined}
   */
  pick?: readonly string[];
  /**
   * Write every dandiset but these (the plugin's `--skip`); their folders stay as they are.
   *
   * @default {undefined}
   */
  skip?: readonly string[];
}

/** What a step's files are: how many datasets, where. */
type WrittenFiles = Omit<SummaryResult, "counts">;

/** What a summary step wrote. */
export interface SummaryResult {
  /** Datasets summarised. */
  datasets: number;
  /** Where the files are. */
  path: string;
  /** What each of the saved counts did: requests added, or why every request was counted again. */
  counts: FoldReport[];
  /** The steps written with this one (`all`), in the order they were written. */
  also?: StepWritten[];
}

/** A step written with another (`all`), and what it wrote. */
export interface StepWritten {
  /** The step's command. */
  command: string;
  /** Datasets summarised. */
  datasets: number;
  /** Where its files are. */
  path: string;
}

/**
 * The generic place of an object key: the dataset is the first path segment, the asset the rest
 * (`.` for a key without `/`, as the reference's folder layout gives).
 *
 * @example Usage
 * ```ts
 * import { genericPlace } from "./generate_summaries.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(genericPlace("ds001161/sub-23/anat/T1w.nii.gz"), { dataset: "ds001161", asset: "sub-23/anat/T1w.nii.gz" });
 * assert.deepStrictEqual(genericPlace("robots.txt"), { dataset: "robots.txt", asset: "." });
 * ```
 */
export function genericPlace(key: string): AssetPlace {
  const slash = key.indexOf("/");
  return slash === -1
    ? { dataset: key, asset: "." }
    : { dataset: key.slice(0, slash), asset: key.slice(slash + 1) };
}

/**
 * The dandiset place of an object key (`blobs/…/<id>` or `zarr/<id>`) through the mapping:
 * its first dandiset and path, or `undetermined` for content the mapping does not know. Its
 * rank is the content's position in the mapping: `by_asset.tsv` lists a dandiset's contents in
 * the mapping's order, one row each, as the DANDI plugin does.
 *
 * @example Usage
 * ```ts
 * import { dandisetPlace } from "./generate_summaries.ts";
 * import assert from "node:assert/strict";
 *
 * const place = dandisetPlace({ "1004eb73": { "000026": "sub-I38/x.json" } });
 * assert.deepStrictEqual(place("blobs/100/4eb/1004eb73"), { dataset: "000026", asset: "sub-I38/x.json", rank: 0 });
 * assert.deepStrictEqual(place("zarr/ffff"), { dataset: "undetermined", asset: "undetermined", pooled: true });
 * ```
 */
export function dandisetPlace(mapping: ContentMapping): (key: string) => AssetPlace | undefined {
  // The plugin writes by_asset.tsv in the mapping's order (Python dicts keep the JSON's order).
  const ranks = new Map(Object.keys(mapping).map((id, i) => [id, i]));
  return (key) => {
    const id = key.startsWith("zarr/")
      ? key.slice(5)
      : key.startsWith("blobs/")
      ? key.slice(key.lastIndexOf("/") + 1)
      : undefined;
    if (id === undefined) return undefined;
    const entry = Object.hasOwn(mapping, id) ? mapping[id] : undefined;
    const first = entry === undefined ? undefined : Object.entries(entry)[0];
    const spot: AssetPlace = first === undefined
      ? { dataset: "undetermined", asset: "undetermined" }
      : { dataset: first[0], asset: first[1], rank: ranks.get(id) };
    if (key.startsWith("zarr/")) spot.pooled = true;
    return spot;
  };
}

/**
 * The counts of a dataset step (the activity is scanned while writing), under `placement`'s
 * saved counts.
 */
async function collectDatasets(
  db: DatabaseSync,
  options: DatasetSummaryOptions,
  { place, placement, weeks, scan }: DatasetPlacement & { scan: StepScan },
): Promise<Pick<Collected<CountedDatasets>, "data" | "folds">> {
  const { data, folds, counted, archive } = await collectDatasetData(db, place, {
    placement,
    archive: options.all,
    activity: true,
    sessionGap: options.sessionGap,
    parts: weeks
      ? { days: true, assets: true, regions: true, weeks }
      : { days: true, assets: true, regions: true },
    ...scan,
    rebuild: options.rebuild,
  });
  // What the activity files need, taken out: the kept counts' memory goes now.
  return {
    data: {
      scopes: data,
      activity: activityCounts(db, place, counted, { datasets: true }),
      archive,
    },
    folds,
  };
}

/** How a dataset step places objects, and whether it adds the weekly files. */
interface DatasetPlacement {
  place: (key: string) => AssetPlace | undefined;
  /** The name its kept counts are saved under. */
  placement: string;
  weeks: boolean;
}

/**
 * A dataset step's numbers, what the activity files read of the kept counts, and the
 * archive's numbers when the step writes the archive's files too (`all`).
 */
interface CountedDatasets {
  scopes: Map<string, ScopeData>;
  activity: ActivityCounts;
  archive?: ScopeData;
}

/** What writing a dataset step needs beyond its counts. */
interface DatasetWriting {
  db: DatabaseSync;
  counts: ActivityCounts;
  place: (key: string) => AssetPlace | undefined;
  weeks: boolean;
  stop: StopCheck;
}

/**
 * Hands each dataset's summary files to `writer`, each in its folder under `temporary`; returns
 * the folders by dataset. A function of its own so that no scope outlives it: the last one of
 * a loop stays in the registers of an async function waiting further on, and every dataset's
 * days are views of one shared table (89 MB on the bench's 10 million requests), which then
 * stayed alive through the activity's scan, the step's peak.
 */
async function writeDatasetFolders(
  writer: FileWriter,
  scopes: ReadonlyMap<string, ScopeData>,
  { temporary, folderOf, privacy, weeks }: {
    temporary: string;
    folderOf: (name: string) => string;
    privacy?: PrivacyOptions;
    weeks: boolean;
  },
): Promise<Map<string, string>> {
  const folders = new Map<string, string>();
  for (const [name, scope] of scopes) {
    const folder = join(temporary, folderOf(name));
    folders.set(name, folder);
    await writer.write(folder, datasetFiles(scope, { privacy, weeks }), true);
  }
  return folders;
}

/**
 * Moves the client-kind rows of the datasets in `folders` sure to have activity files to
 * `writer`, whose thread makes and writes their `by_client_kind.tsv` (the largest of a night's
 * files: 127 of 243 MB on the 10 M bench) while this one scans the activity, instead of after
 * it; returns their names. Their rows in `counts` are empty then.
 */
async function writeClientKinds(
  writer: FileWriter,
  folders: ReadonlyMap<string, string>,
  counts: ActivityCounts,
  privacy: PrivacyOptions,
): Promise<Set<string>> {
  const listed = listedDatasets(counts);
  const ahead = new Set<string>();
  for (const [d, name] of counts.objects.names.entries()) {
    const folder = folders.get(name);
    if (folder === undefined || listed[d] === 0) continue;
    await writer.write(
      folder,
      new Map([["by_client_kind.tsv", { clientKinds: counts.kinds.datasets[d], privacy }]]),
    );
    // Moved: what is left of them here is empty.
    counts.kinds.datasets[d] = dayRowsOf([]);
    ahead.add(name);
  }
  return ahead;
}

async function writeDatasets(
  options: SummaryOptions & { pick?: readonly string[]; skip?: readonly string[] },
  data: Map<string, ScopeData>,
  { db, counts, place, weeks, stop }: DatasetWriting,
): Promise<WrittenFiles & { archiveActivity: ActivityScope }> {
  const path = join(options.cacheDirectory, "summaries");
  const { pick, skip } = options;
  if (pick !== undefined && skip !== undefined) {
    throw new OperatorError("Give the dandisets to pick or those to skip, not both.");
  }
  // Only datasets with requests get a folder; one with only other activity (uploads, errors)
  // gets none: a consumer that lists the folders finds by_day.tsv in each, as before, and
  // that activity is in the archive's files.
  const chosen = pick === undefined && skip === undefined
    ? data
    : new Map([...data].filter(([name]) => pick ? pick.includes(name) : !skip!.includes(name)));
  const folderOf = (name: string) => safeFolderName(name, SUMMARY_RESERVED_NAMES);
  // With a choice of datasets, every other folder is kept as it is.
  const keep = [...SUMMARY_RESERVED_NAMES];
  if (chosen !== data) {
    const written = new Set([...chosen.keys()].map(folderOf));
    try {
      for await (const entry of Deno.readDir(path)) {
        if (!written.has(entry.name) && !keep.includes(entry.name)) keep.push(entry.name);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  const written = chosen.size;
  let archiveActivity!: ActivityScope;
  await replaceFolder(path, (temporary) =>
    withFileWriter(async (writer) => {
      const folders = await writeDatasetFolders(writer, chosen, {
        temporary,
        folderOf,
        privacy: options.privacy,
        weeks,
      });
      // The counts are made into files: their memory goes before the activity's scan needs its
      // own (while the files are written).
      data.clear();
      chosen.clear();
      const ahead = await writeClientKinds(writer, folders, counts, options.privacy ?? {});
      const { datasets: activity, archive } = await collectActivity(db, place, { stop, counts });
      archiveActivity = archive;
      for (const [name, folder] of folders) {
        const active = activity.get(name);
        if (active === undefined) continue;
        await writer.write(
          folder,
          activityFiles(active, {
            rowName: "asset_path",
            privacy: options.privacy,
            clientKinds: !ahead.has(name),
          }),
        );
      }
    }), keep);
  return { datasets: written, path, archiveActivity };
}

async function writeTotals(
  options: SummaryOptions,
  data: Map<string, ScopeData>,
): Promise<WrittenFiles> {
  const path = join(options.cacheDirectory, "summaries", "totals.json");
  const totals = Object.fromEntries(
    [...data].map(([name, scope]) => [name, publishedTotals(scope, options.privacy)]),
  );
  await writeTextFileAtomic(path, formatPythonJson(totals));
  return { datasets: data.size, path };
}

/**
 * `generate_summaries`: one folder per dataset (top-level key prefix) in `<cache>/summaries/`
 * with `by_day.tsv`, `by_asset.tsv`, `by_region.tsv` and `requester_count.tsv`; with `all`,
 * also what `generate_totals`, `generate_archive_summaries` and `generate_archive_totals` write.
 *
 * @param options The cache, the privacy rounding (minimum and modulo), the stop signal and
 * whether to write the other three steps' files too.
 * @returns Where the files were written and how many datasets they cover (and with `all`, what
 * the other steps wrote).
 * @throws {OperatorError} When the cache cannot be read or another run holds it; the message says
 * what to do.
 * @throws {StoppedError} When `stop` asked the run to end: nothing is written.
 *
 * @example Usage
 * ```ts
 * import { generateSummaries } from "./generate_summaries.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * await assert.rejects(() => generateSummaries({ cacheDirectory }), /holds no extraction yet/);
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function generateSummaries(
  options: DatasetSummaryOptions,
): Promise<SummaryResult> {
  return await datasetStep(options, {
    command: "generate_summaries",
    totals: "generate_totals",
    place: genericPlace,
    placement: "generic",
    weeks: false,
  });
}

/**
 * `generate_dandiset_summaries`: one folder per dandiset, plus `by_asset_per_week.tsv` and
 * `by_asset_type_per_week.tsv`; content the mapping does not know goes to `undetermined`. With
 * `all`, also what `generate_dandiset_totals`, `generate_archive_summaries` (with the mapping)
 * and `generate_archive_totals` write.
 *
 * @param options The cache, the privacy rounding (minimum and modulo) and the stop signal, the
 * content-id mapping, the dandisets to pick or skip, and whether to write the other three steps'
 * files too.
 * @returns Where the files were written and how many datasets they cover (and with `all`, what
 * the other steps wrote).
 * @throws {OperatorError} When the cache cannot be read or another run holds it; the message says
 * what to do.
 * @throws {StoppedError} When `stop` asked the run to end: nothing is written.
 *
 * @example Usage
 * ```ts
 * import { generateDandisetSummaries } from "./generate_summaries.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * await assert.rejects(() => generateDandisetSummaries({ cacheDirectory, mapping: {} }), /run extract_logs/i);
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function generateDandisetSummaries(
  options: DandisetSummaryOptions,
): Promise<SummaryResult> {
  return await datasetStep(options, {
    command: "generate_dandiset_summaries",
    totals: "generate_dandiset_totals",
    place: dandisetPlace(options.mapping),
    placement: "dandi",
    weeks: true,
  });
}

/**
 * A dataset step: its folders, and with `all` what its totals step and the archive's two steps
 * write, from the same counts (the totals first: the dataset folders' writing frees their
 * numbers).
 */
async function datasetStep(
  options: DatasetSummaryOptions & { pick?: readonly string[]; skip?: readonly string[] },
  { command, totals, ...placement }: DatasetPlacement & { command: string; totals: string },
): Promise<SummaryResult> {
  const { place, weeks } = placement;
  return await summaryStep(
    options,
    command,
    (db, scan) => collectDatasets(db, options, { ...placement, scan }),
    async (db, data, stop, wrote) => {
      await writePublishedCoordinates(db, options.cacheDirectory);
      if (data.archive !== undefined) wrote(totals, await writeTotals(options, data.scopes));
      const { archiveActivity, ...files } = await writeDatasets(options, data.scopes, {
        db,
        counts: data.activity,
        place,
        weeks,
        stop,
      });
      if (data.archive !== undefined) {
        wrote(
          "generate_archive_summaries",
          await writeArchive(options, { archive: data.archive, activity: archiveActivity, weeks }),
        );
        wrote("generate_archive_totals", await writeArchiveTotals(options, data.archive));
      }
      return files;
    },
    options.all ? [totals, "generate_archive_summaries", "generate_archive_totals"] : [],
  );
}

/**
 * `generate_totals`: `<cache>/summaries/totals.json`, the six totals of every dataset, from raw
 * counts rounded once.
 *
 * @param options The cache, the privacy rounding (minimum and modulo) and the stop signal.
 * @returns Where the files were written and how many datasets they cover.
 * @throws {OperatorError} When the cache cannot be read or another run holds it; the message says
 * what to do.
 * @throws {StoppedError} When `stop` asked the run to end: nothing is written.
 *
 * @example Usage
 * ```ts
 * import { generateTotals } from "./generate_summaries.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * await assert.rejects(() => generateTotals({ cacheDirectory }), /holds no extraction yet/);
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function generateTotals(options: SummaryOptions): Promise<SummaryResult> {
  return await summaryStep(
    options,
    "generate_totals",
    (db, scan) =>
      collectDatasetData(db, genericPlace, {
        placement: "generic",
        parts: { regions: true },
        ...scan,
        rebuild: options.rebuild,
      }),
    (_db, data) => writeTotals(options, data),
  );
}

/**
 * `generate_dandiset_totals`: `totals.json` keyed by dandiset.
 *
 * @param options The cache, the privacy rounding (minimum and modulo) and the stop signal, and the
 * content-id mapping.
 * @returns Where the files were written and how many datasets they cover.
 * @throws {OperatorError} When the cache cannot be read or another run holds it; the message says
 * what to do.
 * @throws {StoppedError} When `stop` asked the run to end: nothing is written.
 *
 * @example Usage
 * ```ts
 * import { generateDandisetTotals } from "./generate_summaries.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * await assert.rejects(() => generateDandisetTotals({ cacheDirectory, mapping: {} }), /run extract_logs/i);
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function generateDandisetTotals(
  options: DandisetSummaryOptions,
): Promise<SummaryResult> {
  const place = dandisetPlace(options.mapping);
  return await summaryStep(
    options,
    "generate_dandiset_totals",
    (db, scan) =>
      collectDatasetData(db, place, {
        placement: "dandi",
        parts: { regions: true },
        ...scan,
        rebuild: options.rebuild,
      }),
    (_db, data) => writeTotals(options, data),
  );
}

/**
 * `generate_archive_summaries`: `<cache>/summaries/archive/` with `by_day.tsv`,
 * `by_region.tsv`, `requester_count.tsv` (distinct IPs of the whole archive) and, given the
 * DANDI mapping, `by_asset_type_per_week.tsv`. From raw counts, rounded once.
 *
 * @param options The cache, the privacy rounding (minimum and modulo) and the stop signal, and
 * optionally the content-id mapping (adds the weekly asset types).
 * @returns Where the files were written and how many datasets they cover.
 * @throws {OperatorError} When the cache cannot be read or another run holds it; the message says
 * what to do.
 * @throws {StoppedError} When `stop` asked the run to end: nothing is written.
 *
 * @example Usage
 * ```ts
 * import { generateArchiveSummaries } from "./generate_summaries.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * await assert.rejects(() => generateArchiveSummaries({ cacheDirectory }), /holds no extraction yet/);
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function generateArchiveSummaries(
  options: SummaryOptions & { mapping?: ContentMapping },
): Promise<SummaryResult> {
  const weeks = options.mapping !== undefined;
  const place = options.mapping === undefined ? undefined : dandisetPlace(options.mapping);
  return await summaryStep(
    options,
    "generate_archive_summaries",
    async (db, scan) => {
      const { data, folds, counted } = await collectArchiveData(db, {
        place,
        ...scan,
        rebuild: options.rebuild,
        activity: true,
        sessionGap: options.sessionGap,
      });
      const activity = await collectActivity(db, place ?? genericPlace, {
        stop: scan.stop,
        datasets: false,
        counts: activityCounts(db, place ?? genericPlace, counted, { datasets: false }),
      });
      return { data: { archive: data, activity: activity.archive }, folds };
    },
    async (db, { archive, activity }) => {
      await writePublishedCoordinates(db, options.cacheDirectory);
      return await writeArchive(options, { archive, activity, weeks });
    },
  );
}

/** Writes `<cache>/summaries/archive/`: the archive's numbers and its activity files. */
async function writeArchive(
  options: SummaryOptions,
  { archive, activity, weeks }: { archive: ScopeData; activity: ActivityScope; weeks: boolean },
): Promise<WrittenFiles> {
  const path = join(options.cacheDirectory, "summaries", "archive");
  const files = archiveFiles(archive, { privacy: options.privacy, weeks });
  for (
    const [file, text] of activityFiles(activity, { rowName: "dataset", privacy: options.privacy })
  ) {
    files.set(file, text);
  }
  await replaceFolder(
    path,
    (temporary) => withFileWriter((writer) => writer.write(temporary, files)),
  );
  return { datasets: 1, path };
}

/** Writes `<cache>/summaries/archive_totals.json`. */
async function writeArchiveTotals(
  options: SummaryOptions,
  archive: ScopeData,
): Promise<WrittenFiles> {
  const path = join(options.cacheDirectory, "summaries", "archive_totals.json");
  await writeTextFileAtomic(path, formatPythonJson(publishedTotals(archive, options.privacy)));
  return { datasets: 1, path };
}

/**
 * `generate_archive_totals`: `<cache>/summaries/archive_totals.json`, the six totals of the
 * whole archive (distinct requesters over all datasets, not a sum of rounded values).
 *
 * @param options The cache, the privacy rounding (minimum and modulo) and the stop signal.
 * @returns Where the files were written and how many datasets they cover.
 * @throws {OperatorError} When the cache cannot be read or another run holds it; the message says
 * what to do.
 * @throws {StoppedError} When `stop` asked the run to end: nothing is written.
 *
 * @example Usage
 * ```ts
 * import { generateArchiveTotals } from "./generate_summaries.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * await assert.rejects(() => generateArchiveTotals({ cacheDirectory }), /holds no extraction yet/);
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function generateArchiveTotals(options: SummaryOptions): Promise<SummaryResult> {
  return await summaryStep(
    options,
    "generate_archive_totals",
    (db, scan) => collectArchiveData(db, { ...scan, rebuild: options.rebuild }),
    (_db, archive) => writeArchiveTotals(options, archive),
  );
}
