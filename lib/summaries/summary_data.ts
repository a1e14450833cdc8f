/**
 * The numbers behind the summaries, aggregated by SQL from the cache: per dataset, by day, by
 * asset, by region (and by asset and week), the distinct requesters, and the same for the whole
 * archive. Counts here are raw; rounding happens when files are written.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { mondayOfWeek } from "./calendar_days.ts";
import { comparePaths, sortByPath } from "./sort_orders.ts";
import { DayCounts } from "./day_counts.ts";
import { carryOf, exactBytes } from "./counts_table.ts";
import { SessionFold } from "./session_fold.ts";
import {
  ArchiveCounts,
  DatasetCounts,
  DAY_KEYS,
  DAY_OFFSET,
  LABEL_KEYS,
  OperationSums,
  requesterLabels,
  WEEK_KEYS,
  WEEK_OFFSET,
  WeekBytes,
} from "./count_folds.ts";
import {
  type BlockFold,
  type FoldReport,
  foldRequests,
  hasSavedFold,
  type StopCheck,
} from "../store/request_folds.ts";

/** Bytes, requests and downloads of a group of requests. */
export interface Counts {
  /** Sum of bytes sent: exact, a bigint once it passes `Number.MAX_SAFE_INTEGER` (9 PB). */
  bytes: number | bigint;
  /** Number of requests. */
  requests: number;
  /** Number of requests with status 200. */
  downloads: number;
}

/** The numbers of one dataset (or of the archive). */
export interface ScopeData {
  /** Counts per day (days since 1970-01-01), in day order. */
  byDay: ReadonlyMap<number, Counts>;
  /** Counts per asset path, in asset path order (component by component). */
  byAsset: [asset: string, counts: Counts][];
  /** Counts per region label, in order of their first request. */
  byRegion: Map<string, Counts>;
  /** Bytes per asset and week (Monday's day number); only when asked for. */
  byAssetWeek: Map<string, Map<number, number>>;
  /** Distinct client IPs. */
  requesters: number;
}

/** Where an object belongs: its dataset and its asset path within it. */
export interface AssetPlace {
  /** Dataset name. */
  dataset: string;
  /** Asset path within the dataset. */
  asset: string;
  /** A pool of objects (a Zarr store in `dandi` mode), not one object with one size. */
  pooled?: boolean;
  /**
   * Where the asset's row goes in `by_asset.tsv` (the content's position in the DANDI mapping,
   * as the plugin orders it); rows without one follow, in path order.
   */
  rank?: number;
}

function emptyScope(): ScopeData {
  return {
    byDay: new Map(),
    byAsset: [],
    byRegion: new Map(),
    byAssetWeek: new Map(),
    requesters: 0,
  };
}

/**
 * The exact sum of two byte counts (a number while it is safe, else a bigint).
 *
 * @example Usage
 * ```ts
 * import { addBytes } from "./summary_data.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(addBytes(1, 2), 3);
 * assert.deepStrictEqual(addBytes(Number.MAX_SAFE_INTEGER, 2), 9007199254740993n);
 * ```
 */
export function addBytes(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === "number" && typeof b === "number" && a + b <= Number.MAX_SAFE_INTEGER) {
    return a + b;
  }
  const sum = BigInt(a) + BigInt(b);
  return sum <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(sum) : sum;
}

function add(
  map: Map<string | number, Counts>,
  key: string | number,
  bytes: number | bigint,
  requests: number,
  downloads: number,
) {
  const counts = map.get(key);
  if (counts === undefined) map.set(key, { bytes, requests, downloads });
  else {
    counts.bytes = addBytes(counts.bytes, bytes);
    counts.requests += requests;
    counts.downloads += downloads;
  }
}

/** Every object's id and key, read as two JSON arrays (a row at a time costs more). */
function objectKeys(db: DatabaseSync): { ids: number[]; keys: string[] } {
  const row = db.prepare(
    "SELECT json_group_array(id) AS ids, json_group_array(key) AS keys FROM objects",
  ).get() as { ids: string; keys: string };
  return { ids: JSON.parse(row.ids), keys: JSON.parse(row.keys) };
}

/** What to compute. */
export interface SummaryParts {
  /** Counts per day. */
  days?: boolean;
  /** Counts per asset. */
  assets?: boolean;
  /** Counts per region and distinct requesters. */
  regions?: boolean;
  /** Bytes per asset and week. */
  weeks?: boolean;
}

/** Options of {@linkcode collectDatasetData} and {@linkcode collectArchiveData}. */
export interface CollectOptions {
  /** Asked between parts of the scan; a true answer throws a `StoppedError`. */
  stop?: StopCheck;
  /**
   * Called once the kept counts' save has committed (see `FoldOptions.committed`).
   *
   * @default {undefined}
   */
  committed?: () => void;
  /**
   * Count every request again instead of only those stored since the counts were saved.
   *
   * @default {false}
   */
  rebuild?: boolean;
  /**
   * Whether the activity files will be read from the counts too (their sessions are then
   * kept up to date as well, and a dataset step's client kinds read from the cache).
   *
   * @default {false}
   */
  activity?: boolean;
  /**
   * The session gap of the activity files, in seconds (see `collectActivity`).
   *
   * @default {1800}
   */
  sessionGap?: number;
}

/** Options of {@linkcode collectDatasetData}. */
export interface DatasetCollectOptions extends CollectOptions {
  /**
   * The name the placement's counts are saved under (one per way of placing objects; a
   * placement that moved counted objects is recounted whatever its name).
   *
   * @default {"datasets"}
   */
  placement?: string;
  /** What to compute. @default {{ days: true, assets: true, regions: true }} */
  parts?: SummaryParts;
  /**
   * Also the archive's numbers, from the same counts (`archive` of the result; with
   * `parts.weeks`, its bytes per asset and week too), as {@linkcode collectArchiveData} gives
   * them.
   *
   * @default {false}
   */
  archive?: boolean;
}

/** The counts kept in the cache, as a summary step brought them up to date. */
export interface CountedRequests {
  /** The archive's. */
  archive: ArchiveCounts;
  /** The datasets' of the step's placement, when it has one. */
  datasets?: DatasetCounts;
  /** The objects as that placement placed them. */
  objects?: PlacedObjects;
  /** The objects' sessions, when the activity files read them. */
  sessions?: SessionFold;
  /** The aggregated other lines, when the activity files read them. */
  operations?: OperationSums;
}

/** Scopes with what their counts' folds did. */
export interface Collected<T> {
  /** The numbers. */
  data: T;
  /** What each fold of the counts did (requests added, or why all were counted again). */
  folds: FoldReport[];
  /** The counts themselves (the activity files read theirs from them). */
  counted: CountedRequests;
}

/**
 * Per-dataset numbers of the cache's requests: `place` assigns each object key to a dataset
 * and asset (or undefined to leave it out). Regions are listed in the order of their first
 * request; days in order; assets by rank, then path (component by component). The counts are
 * kept in the cache and brought up to date with the requests stored since (see
 * `count_folds.ts`), together with the archive's; `parts` says what to read out of them.
 *
 * @example Generic datasets: the first path segment
 * ```ts
 * import { openCacheDatabase } from "../store/cache_database.ts";
 * import { BlockWriter } from "../store/request_blocks.ts";
 * import { collectDatasetData } from "./summary_data.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * db.exec("INSERT INTO objects VALUES (1, 'ds1/a.nwb')");
 * const blocks = new BlockWriter(db);
 * blocks.push(1, 1, 1, 86400, 100, 7, 1);
 * blocks.push(1, 2, 1, 86401, 50, 8, 0);
 * blocks.flush();
 * const { data } = await collectDatasetData(db, (key) => ({ dataset: "ds1", asset: key.slice(4) }));
 * assert.deepStrictEqual(data.get("ds1")?.byAsset, [["a.nwb", { bytes: 150, requests: 2, downloads: 1 }]]);
 * assert.deepStrictEqual(data.get("ds1")?.requesters, 2);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function collectDatasetData(
  db: DatabaseSync,
  place: (key: string) => AssetPlace | undefined,
  options: DatasetCollectOptions = {},
): Promise<Collected<Map<string, ScopeData>> & { archive?: ScopeData }> {
  const parts = options.parts ?? { days: true, assets: true, regions: true };
  let objects!: PlacedObjects;
  let counts!: DatasetCounts;
  let labels!: RequesterLabels;
  const archive = new ArchiveCounts();
  let weeks: WeekBytes | undefined;
  const activity = activityFolds(options);
  const folds = await foldRequests(db, () => {
    objects = placeObjects(db, place);
    labels = requesterLabels(db);
    counts = new DatasetCounts(options.placement ?? "datasets", objects, labels, {
      kinds: options.activity ?? false,
      days: parts.days ?? false,
    });
    weeks = parts.weeks || hasSavedFold(db, "week_bytes") ? new WeekBytes() : undefined;
    return [counts, archive, ...(weeks ? [weeks] : []), ...activity.folds];
  }, options);
  const scopes = counts.datasets.map(() => emptyScope());
  const datasetNow = counts.datasetNow;
  if (parts.days) {
    // Each dataset's days are a run of the slots in key order (dataset * DAY_KEYS + day).
    const days = counts.days;
    const slots = days.slots.sortedSlots();
    for (let start = 0, end = 0; start < slots.length; start = end) {
      const dataset = Math.floor(days.slots.keys[slots[start]] / DAY_KEYS);
      while (end < slots.length && Math.floor(days.slots.keys[slots[end]] / DAY_KEYS) === dataset) {
        end++;
      }
      scopes[dataset].byDay = new DayCounts(
        days,
        slots.subarray(start, end),
        dataset * DAY_KEYS + DAY_OFFSET,
      );
    }
  }
  if (parts.assets) addAssets(scopes, objects, datasetNow, archive.objects);
  if (parts.regions) {
    const regions = counts.regions;
    const slots = Array.from({ length: regions.slots.size }, (_, slot) => slot)
      .sort((a, b) => regions.first[a] - regions.first[b]);
    for (const slot of slots) {
      const key = regions.slots.keys[slot];
      const { bytes, requests, downloads } = regions.counts(slot);
      const scope = scopes[Math.floor(key / LABEL_KEYS)];
      add(scope.byRegion, counts.labels[key % LABEL_KEYS], bytes, requests, downloads);
    }
    const requesters = counts.requestersPerDataset();
    scopes.forEach((scope, dataset) => scope.requesters += requesters[dataset]);
  }
  if (parts.weeks && weeks !== undefined) {
    const table = weeks.weeks;
    for (let slot = 0; slot < table.slots.size; slot++) {
      const key = table.slots.keys[slot];
      const id = Math.floor(key / WEEK_KEYS);
      if (datasetNow[id] < 0 || objects.places[id] === undefined) continue;
      const bytes = table.high[slot] + table.low[slot];
      addWeek(
        scopes[datasetNow[id]],
        objects.places[id]!.asset,
        key % WEEK_KEYS - WEEK_OFFSET,
        bytes,
      );
    }
  }
  const order = counts.datasets.map((name, i) => [name, i] as const)
    .sort(([a], [b]) => comparePaths(a, b));
  const data = new Map(
    order.map(([name, i]) => [name, scopes[i]] as const).filter(([, scope]) =>
      scope.byDay.size + scope.byAsset.length + scope.byRegion.size > 0
    ),
  );
  const { sessions, operations } = activity;
  return {
    data,
    folds,
    counted: { archive, datasets: counts, objects, sessions, operations },
    ...(options.archive
      ? {
        archive: archiveScope(archive, labels, parts.weeks && weeks ? { objects, weeks } : {}),
      }
      : {}),
  };
}

/** The folds of the activity files' sessions and other lines, when they read the counts. */
function activityFolds(
  options: CollectOptions,
): { sessions?: SessionFold; operations?: OperationSums; folds: BlockFold[] } {
  if (!options.activity) return { folds: [] };
  const sessions = new SessionFold({ gap: options.sessionGap });
  const operations = new OperationSums();
  return { sessions, operations, folds: [sessions, operations] };
}

/**
 * One row per object requested (a content of the mapping in dandi mode, as the plugin writes
 * them), by rank, then by path; `counts` holds four numbers per object id (low bytes,
 * requests, downloads, high bytes).
 */
function addAssets(
  scopes: ScopeData[],
  { maxId, places }: PlacedObjects,
  datasetOf: Int32Array,
  counts: Float64Array,
): void {
  const objects: number[] = [];
  for (let id = 1; id <= maxId && id * 4 < counts.length; id++) {
    if (counts[id * 4 + 1] > 0 && places[id] && datasetOf[id] >= 0) objects.push(id);
  }
  const order = sortByPath(objects, {
    path: (id) => places[id]!.asset,
    rank: (id) => places[id]!.rank ?? Infinity,
  });
  for (const id of order) {
    scopes[datasetOf[id]].byAsset.push([places[id]!.asset, {
      bytes: exactBytes(counts[id * 4 + 3], counts[id * 4]),
      requests: counts[id * 4 + 1],
      downloads: counts[id * 4 + 2],
    }]);
  }
}

/** The cache's objects placed in datasets: by object id, its dataset's number and its place. */
export interface PlacedObjects {
  /** The largest object id. */
  maxId: number;
  /** Per object id, the number of its dataset (an index in `names`), or -1 when left out. */
  datasetOf: Int32Array;
  /** Per object id, its place. */
  places: (AssetPlace | undefined)[];
  /** The datasets' names, in the order of their first object. */
  names: string[];
}

/**
 * Places every object of the cache with `place`: its dataset's number and its place, by id.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "../store/cache_database.ts";
 * import { placeObjects } from "./summary_data.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * db.exec("INSERT INTO objects VALUES (1, 'ds1/a.nwb'), (2, 'x')");
 * const placed = placeObjects(db, (key) => key.startsWith("ds1/") ? { dataset: "ds1", asset: key.slice(4) } : undefined);
 * assert.deepStrictEqual([placed.names, [...placed.datasetOf]], [["ds1"], [-1, 0, -1]]);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function placeObjects(
  db: DatabaseSync,
  place: (key: string) => AssetPlace | undefined,
): PlacedObjects {
  const maxId =
    (db.prepare("SELECT coalesce(max(id), 0) AS m FROM objects").get() as { m: number }).m;
  const datasetOf = new Int32Array(maxId + 1).fill(-1);
  const places: (AssetPlace | undefined)[] = [];
  const datasetIds = new Map<string, number>();
  const objects = objectKeys(db);
  objects.ids.forEach((objectId, i) => {
    const spot = place(objects.keys[i]);
    if (spot === undefined) return;
    let id = datasetIds.get(spot.dataset);
    if (id === undefined) datasetIds.set(spot.dataset, id = datasetIds.size);
    datasetOf[objectId] = id;
    places[objectId] = spot;
  });
  return { maxId, datasetOf, places, names: [...datasetIds.keys()] };
}

/**
 * The archive's numbers (every request, placed or not): by day, by region (and distinct
 * requesters), and, given `place`, bytes per asset and week. The counts are kept in the cache
 * and brought up to date with the requests stored since.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "../store/cache_database.ts";
 * import { BlockWriter } from "../store/request_blocks.ts";
 * import { collectArchiveData } from "./summary_data.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const blocks = new BlockWriter(db);
 * blocks.push(1, 1, 1, 86400, 100, 7, 1);
 * blocks.push(1, 2, 2, 86401, 50, 7, 0);
 * blocks.flush();
 * const { data: archive } = await collectArchiveData(db);
 * assert.deepStrictEqual(archive.byDay.get(1), { bytes: 150, requests: 2, downloads: 1 });
 * assert.deepStrictEqual(archive.requesters, 1);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function collectArchiveData(
  db: DatabaseSync,
  options: CollectOptions & { place?: (key: string) => AssetPlace | undefined } = {},
): Promise<Collected<ScopeData>> {
  const counts = new ArchiveCounts();
  let weeks: WeekBytes | undefined;
  let labels!: RequesterLabels;
  let objects: PlacedObjects | undefined;
  const place = options.place;
  const activity = activityFolds(options);
  const folds = await foldRequests(db, () => {
    labels = requesterLabels(db);
    if (place !== undefined) objects = placeObjects(db, place);
    weeks = place !== undefined || hasSavedFold(db, "week_bytes") ? new WeekBytes() : undefined;
    return [counts, ...(weeks ? [weeks] : []), ...activity.folds];
  }, options);
  const { sessions, operations } = activity;
  return {
    data: archiveScope(counts, labels, { objects, weeks }),
    folds,
    counted: { archive: counts, objects, sessions, operations },
  };
}

/** The requesters' region labels, as {@linkcode requesterLabels} reads them. */
type RequesterLabels = ReturnType<typeof requesterLabels>;

/**
 * The archive's numbers out of its counts: by day, by region (summed over each label's
 * requesters) and the distinct requesters; given the placed objects and their weeks, bytes per
 * asset and week.
 */
function archiveScope(
  counts: ArchiveCounts,
  labels: RequesterLabels,
  { objects, weeks }: { objects?: PlacedObjects; weeks?: WeekBytes },
): ScopeData {
  const archive = emptyScope();
  archive.byDay = new DayCounts(counts.days, counts.days.slots.sortedSlots(), DAY_OFFSET);
  // Per clean label (labels that clean alike share a region): low bytes, requests, downloads,
  // high bytes, summed over the label's requesters.
  const perLabel = new Float64Array(labels.names.length * 4);
  const requesters = counts.requesters;
  archive.requesters = requesters.slots.size;
  for (let slot = 0; slot < requesters.slots.size; slot++) {
    const at = labels.labelOf(requesters.slots.keys[slot]) * 4;
    const low = perLabel[at] + requesters.low[slot];
    const carry = carryOf(low);
    perLabel[at] = low - carry;
    perLabel[at + 1] += requesters.requests[slot];
    perLabel[at + 2] += requesters.downloads[slot];
    perLabel[at + 3] += requesters.high[slot] + carry;
  }
  labels.names.forEach((name, label) => {
    const at = label * 4;
    if (perLabel[at + 1] === 0) return;
    const bytes = exactBytes(perLabel[at + 3], perLabel[at]);
    add(archive.byRegion, name, bytes, perLabel[at + 1], perLabel[at + 2]);
  });
  if (objects !== undefined && weeks !== undefined) {
    const table = weeks.weeks;
    for (let slot = 0; slot < table.slots.size; slot++) {
      const key = table.slots.keys[slot];
      const spot = objects.places[Math.floor(key / WEEK_KEYS)];
      if (spot === undefined) continue;
      const bytes = table.high[slot] + table.low[slot];
      addWeek(archive, `${spot.dataset}/${spot.asset}`, key % WEEK_KEYS - WEEK_OFFSET, bytes);
    }
  }
  return archive;
}

/** Adds bytes to an asset's week. */
function addWeek(scope: ScopeData, asset: string, week: number, bytes: number): void {
  const monday = mondayOfWeek(week);
  let weeks = scope.byAssetWeek.get(asset);
  if (weeks === undefined) scope.byAssetWeek.set(asset, weeks = new Map());
  weeks.set(monday, (weeks.get(monday) ?? 0) + bytes);
}
