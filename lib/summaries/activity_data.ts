/**
 * The numbers behind the activity files (`by_operation.tsv`, `by_client_kind.tsv`,
 * `delivery.tsv`, `sessions.tsv`, `delivery_totals.json`) of each dataset and of the archive:
 * from the stored requests (their object sizes, client kinds, client indexes and times) and the
 * aggregated operations of the other lines. Counts here are raw; rounding happens when files
 * are written.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { type ObjectSessions, SessionFold } from "./session_fold.ts";
import { type BlockFold, foldRequests } from "../store/request_folds.ts";
import { comparePaths, sortByPath } from "./sort_orders.ts";
import { PackedSums } from "./packed_sums.ts";
import { extend } from "../typed_columns.ts";
import {
  type AssetPlace,
  type CountedRequests,
  type PlacedObjects,
  placeObjects,
} from "./summary_data.ts";
import { carryOf, type CountsTable, exactBytes } from "./counts_table.ts";
import type { StopCheck } from "../store/request_folds.ts";
import {
  ArchiveCounts,
  DatasetCounts,
  DAY_KEYS,
  DAY_OFFSET,
  KIND_CODES,
  OPERATION_DAYS,
  OperationSums,
  requesterLabels,
} from "./count_folds.ts";

/**
 * Rows per day and code, by column: for operations the code is `group * 4 + class` (an index
 * of `OPERATION_GROUPS`, one of `STATUS_CLASSES`), for client kinds the kind's code (an index of
 * `CLIENT_KINDS`). Rows are in the order of day, then code.
 */
export interface DayRows {
  /** Number of rows. */
  length: number;
  /** Days since 1970-01-01. */
  days: Float64Array;
  /** Each row's code. */
  codes: Uint8Array;
  /** Requests. */
  requests: Float64Array;
  /** Bytes sent (operations: for uploads, bytes received). */
  bytes: Float64Array;
  /** Requests with status 200 (client kinds; 0 for operations). */
  downloads: Float64Array;
}

/**
 * {@linkcode DayRows} from rows given one by one (for examples and tests), or none.
 *
 * @example Usage
 * ```ts
 * import { dayRowsOf } from "./activity_data.ts";
 * import assert from "node:assert/strict";
 *
 * const rows = dayRowsOf([{ day: 19723, code: 9, requests: 3, bytes: 900 }]);
 * assert.deepStrictEqual([rows.length, rows.codes[0], rows.downloads[0]], [1, 9, 0]);
 * ```
 */
export function dayRowsOf(
  rows: readonly {
    day: number;
    code: number;
    requests: number;
    bytes: number;
    downloads?: number;
  }[],
): DayRows {
  return {
    length: rows.length,
    days: Float64Array.from(rows, (r) => r.day),
    codes: Uint8Array.from(rows, (r) => r.code),
    requests: Float64Array.from(rows, (r) => r.requests),
    bytes: Float64Array.from(rows, (r) => r.bytes),
    downloads: Float64Array.from(rows, (r) => r.downloads ?? 0),
  };
}

/** How an asset (or a dataset, summed over its assets) was delivered. */
export interface Delivery {
  /** The object's size (the latest a request reported), or -1 when unknown or pooled. */
  size: number;
  /** Bytes sent. */
  bytes: number | bigint;
  /** Requests with status 200 (the whole object). */
  fullDownloads: number;
  /** Other kept requests (206: a part). */
  partialRequests: number;
  /**
   * Bytes sent / size (for a dataset, summed over its assets of known size), NaN when no size
   * is known.
   */
  ratio: number;
}

/** The distribution of a group of access sessions. */
export interface Sessions {
  /** Number of sessions. */
  sessions: number;
  /** Session lengths in seconds (first to last request): the median and the 90th percentile. */
  seconds: Quantiles;
  /** Requests per session: the median and the 90th percentile. */
  requests: Quantiles;
}

/** The median and the 90th percentile of some values (NaN for none). */
export interface Quantiles {
  /** The median. */
  p50: number;
  /** The 90th percentile. */
  p90: number;
}

/** The activity of a dataset (its rows are its assets) or of the archive (rows: datasets). */
export interface ActivityScope {
  /** Per day, operation group and status class, in that order. */
  byOperation: DayRows;
  /** Per day and client kind, in that order. */
  byClientKind: DayRows;
  /** Per asset (per dataset for the archive), in path order. */
  delivery: [name: string, delivery: Delivery][];
  /** Per asset (per dataset for the archive), in path order. */
  sessions: [name: string, sessions: Sessions][];
  /** The delivery ratio (bytes sent / size) of every asset with a known size, sorted. */
  ratios: Float64Array;
  /** Bytes sent summed over those assets. */
  ratioBytes: number;
  /** Sizes summed over those assets. */
  ratioSizes: number;
}

/** Options of {@linkcode collectActivity}. */
export interface ActivityOptions {
  /**
   * Longest gap, in seconds, between two requests of one client for one asset within one
   * session (when the counts are not given; theirs were cut at the step's gap).
   *
   * @default {1800}
   */
  sessionGap?: number;
  /** Asked between parts of the work; a true answer throws a `StoppedError`. */
  stop?: StopCheck;
  /**
   * Whether to compute each dataset's own files too; without, only the archive's (whose rows
   * are the datasets), in a fraction of the memory.
   *
   * @default {true}
   */
  datasets?: boolean;
  /**
   * What the activity files read of the counts kept in the cache, as a summary step just
   * brought them up to date (see {@linkcode activityCounts}); without, they are brought up to
   * date here.
   */
  counts?: ActivityCounts;
  /**
   * The name the placement's counts are saved under (see `collectDatasetData`).
   *
   * @default {"datasets"}
   */
  placement?: string;
}

/** {@linkcode DayRows} of `n` rows, all 0. */
function newDayRows(n: number): DayRows {
  return {
    length: n,
    days: new Float64Array(n),
    codes: new Uint8Array(n),
    requests: new Float64Array(n),
    bytes: new Float64Array(n),
    downloads: new Float64Array(n),
  };
}

/**
 * The rows of `sums` (keys `(scope * DAY_KEYS + dayKey) * span + code`), split by scope: each
 * scope's rows are views of one set of columns, in key order (day, then code).
 */
function rowsByScope(sums: PackedSums, span: number, scopes: number): DayRows[] {
  const slots = sums.sortedSlots();
  const n = slots.length;
  const all = newDayRows(n);
  const starts = new Int32Array(scopes + 1);
  for (let i = 0; i < n; i++) {
    const slot = slots[i];
    const key = sums.keys[slot];
    const code = key % span;
    const rest = (key - code) / span;
    const dayKey = rest % DAY_KEYS;
    starts[(rest - dayKey) / DAY_KEYS + 1]++;
    all.days[i] = dayKey - DAY_OFFSET;
    all.codes[i] = code;
    all.requests[i] = sums.a[slot];
    all.bytes[i] = sums.b[slot];
    all.downloads[i] = sums.c[slot];
  }
  return splitByScope(all, starts, scopes);
}

/**
 * `all`'s rows as one {@linkcode DayRows} per scope (views of `all`'s columns); `starts[s + 1]`
 * holds how many rows scope `s` has, and the rows are in scope order.
 */
function splitByScope(all: DayRows, starts: Int32Array, scopes: number): DayRows[] {
  for (let scope = 0; scope < scopes; scope++) starts[scope + 1] += starts[scope];
  return Array.from({ length: scopes }, (_, scope) => {
    const start = starts[scope];
    const end = starts[scope + 1];
    return {
      length: end - start,
      days: all.days.subarray(start, end),
      codes: all.codes.subarray(start, end),
      requests: all.requests.subarray(start, end),
      bytes: all.bytes.subarray(start, end),
      downloads: all.downloads.subarray(start, end),
    };
  });
}

/**
 * The client-kind rows of a day table (keys `scope * DAY_KEYS + dayKey`) and its cells
 * ({@linkcode KIND_CODES} × requests, bytes, downloads per slot), one {@linkcode DayRows} per
 * scope, each in columns of its own (so that a dataset's can be moved to the summary file
 * writer's thread): in order of day, then code; codes that never came have no row.
 */
function codedRowsByScope(days: CountsTable, cells: Float64Array, scopes: number): DayRows[] {
  const slots = days.slots.sortedSlots();
  const keys = days.slots.keys;
  const width = KIND_CODES;
  const n = slots.length;
  const scopeOf = (slot: number) => Math.floor(keys[slot] / DAY_KEYS);
  // The cells are read in memory order, not a slot at a time in key order (a cache miss or
  // two each: 0.39 s of the 1.1 million dataset-days of a 10 million request night). First
  // each slot's rows are counted, then each slot's first row in its scope is found in key
  // order, then the rows are written where they go.
  const firstRow = new Int32Array(n);
  const lengths = new Int32Array(scopes);
  for (let slot = 0, at = 0; slot < n; slot++) {
    let count = 0;
    for (let code = 0; code < width; code++, at += 3) if (cells[at] !== 0) count++;
    firstRow[slot] = count;
    lengths[scopeOf(slot)] += count;
  }
  const rows = Array.from(lengths, (length) => newDayRows(length));
  const next = new Int32Array(scopes);
  for (let s = 0; s < n; s++) {
    const slot = slots[s];
    const scope = scopeOf(slot);
    const count = firstRow[slot];
    firstRow[slot] = next[scope];
    next[scope] += count;
  }
  for (let slot = 0, at = 0; slot < n; slot++) {
    const key = keys[slot];
    const dayKey = key % DAY_KEYS;
    const { days: rowDays, codes, requests, bytes, downloads } = rows[(key - dayKey) / DAY_KEYS];
    let i = firstRow[slot];
    for (let code = 0; code < width; code++, at += 3) {
      if (cells[at] === 0) continue;
      rowDays[i] = dayKey - DAY_OFFSET;
      codes[i] = code;
      requests[i] = cells[at];
      bytes[i] = cells[at + 1];
      downloads[i] = cells[at + 2];
      i++;
    }
  }
  return rows;
}

/**
 * Client-kind rows summed per day (requests and bytes, in row order; code 0): what the
 * operation rows take of them as downloads.
 */
function daySums(kinds: DayRows): DayRows {
  let days = 0;
  for (let k = 0; k < kinds.length; k++) if (k === 0 || kinds.days[k] !== kinds.days[k - 1]) days++;
  const sums = newDayRows(days);
  for (let k = 0, d = -1; k < kinds.length; k++) {
    if (k === 0 || kinds.days[k] !== kinds.days[k - 1]) sums.days[++d] = kinds.days[k];
    sums.requests[d] += kinds.requests[k];
    sums.bytes[d] += kinds.bytes[k];
  }
  return sums;
}

/** The dataset (an index of `objects.names`) of object `id`, -1 for none. */
function datasetIndex(objects: ReturnType<typeof placeObjects>, id: number): number {
  return objects.datasetOf[id] ?? -1;
}

/** Each scope's client-kind rows (its datasets', and the archive's), from sums per key. */
interface KindRows {
  /** Each dataset's rows, in columns of their own. */
  datasets: DayRows[];
  archive: DayRows;
  /** Each dataset's rows summed per day ({@linkcode daySums}): once the rows above are gone. */
  datasetDays: DayRows[];
  archiveDays: DayRows;
}

/**
 * Per dataset (in `counts.objects`' numbering), 1 when {@linkcode collectActivity} is sure to
 * list it: it has a requested object, whose delivery row puts it there (whatever its other
 * activity). Its files can then be made before that scan.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "../store/cache_database.ts";
 * import { BlockWriter } from "../store/request_blocks.ts";
 * import { collectDatasetData } from "./summary_data.ts";
 * import { activityCounts, listedDatasets } from "./activity_data.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * db.exec("INSERT INTO objects VALUES (1, 'ds1/a.nwb'), (2, 'ds2/b.nwb')");
 * const blocks = new BlockWriter(db);
 * blocks.push(1, 1, 1, 86400, 100, 7, 1, 100, 3);
 * blocks.flush();
 * const place = (key: string) => ({ dataset: key.slice(0, 3), asset: key.slice(4) });
 * const { counted } = await collectDatasetData(db, place, { activity: true });
 * const counts = activityCounts(db, place, counted, { datasets: true });
 * assert.deepStrictEqual([counts.objects.names, [...listedDatasets(counts)]], [["ds1", "ds2"], [1, 0]]);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function listedDatasets(counts: ActivityCounts): Uint8Array {
  const listed = new Uint8Array(counts.objects.names.length);
  for (const id of counts.sessions.ranges.keys()) listed[counts.objects.datasetOf[id]] = 1;
  return listed;
}

/** What the activity files read of the counts kept in the cache. */
export interface ActivityCounts {
  /** The objects, placed. */
  objects: PlacedObjects;
  /** Client-kind rows of each dataset (in `objects`' numbering) and of the archive. */
  kinds: KindRows;
  /** Each object's totals. */
  totals: ObjectTotals;
  /** The sessions of the objects placed and requested. */
  sessions: ObjectSessions;
  /** The aggregated other lines. */
  operations: OperationSums;
}

/**
 * What the activity files read of the kept counts `counted` (as `collectDatasetData` or
 * `collectArchiveData` return them): taken out, so that the counts' own memory can go before
 * the activity's work. Without `datasets`, the datasets' client kinds are left out.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "../store/cache_database.ts";
 * import { BlockWriter } from "../store/request_blocks.ts";
 * import { collectArchiveData } from "./summary_data.ts";
 * import { activityCounts } from "./activity_data.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * db.exec("INSERT INTO objects VALUES (1, 'ds1/a.nwb')");
 * const blocks = new BlockWriter(db);
 * blocks.push(1, 1, 1, 86400, 100, 7, 1, 100, 3);
 * blocks.flush();
 * const { counted } = await collectArchiveData(db, { activity: true });
 * const place = (key: string) => ({ dataset: "ds1", asset: key.slice(4) });
 * const counts = activityCounts(db, place, counted, { datasets: false });
 * assert.deepStrictEqual([counts.sessions.ranges.get(1), counts.kinds.archive.codes[0]], [{ start: 0, end: 1 }, 3]);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function activityCounts(
  db: DatabaseSync,
  place: (key: string) => AssetPlace | undefined,
  { archive, datasets, objects = placeObjects(db, place), sessions, operations }: CountedRequests,
  options: { datasets: boolean },
): ActivityCounts {
  if (sessions === undefined || operations === undefined) {
    throw new Error("activityCounts needs counts collected with their sessions (activity: true)");
  }
  const [archiveRows] = codedRowsByScope(archive.days, archive.kinds, 1);
  let datasetRows = objects.names.map(() => newDayRows(0));
  if (datasets !== undefined && options.datasets) {
    const rows = codedRowsByScope(datasets.days, datasets.kinds, datasets.datasets.length);
    const numbers = new Map(datasets.datasets.map((name, i) => [name, i]));
    datasetRows = objects.names.map((name) => rows[numbers.get(name)!]);
    // The datasets' client-kind cells (160 MB on the bench's 10 million requests) are in the
    // rows now, and nothing reads them again: freed here, not at V8's next full collection
    // (after the activity's scan, the step's peak).
    datasets.releaseKinds();
  }
  const totals = new ObjectTotals(objects.maxId);
  const counts = archive.objects;
  for (let id = 1; id <= objects.maxId && id * 4 < counts.length; id++) {
    totals.low[id] = counts[id * 4];
    totals.requests[id] = counts[id * 4 + 1];
    totals.downloads[id] = counts[id * 4 + 2];
    totals.high[id] = counts[id * 4 + 3];
    if (id < archive.sizes.length) totals.size[id] = archive.sizes[id];
  }
  return {
    objects,
    kinds: {
      datasets: datasetRows,
      archive: archiveRows,
      datasetDays: datasetRows.map(daySums),
      archiveDays: daySums(archiveRows),
    },
    totals,
    sessions: sessions.sessions((id) =>
      id <= objects.maxId && objects.places[id] !== undefined && totals.requests[id] > 0
    ),
    operations,
  };
}

/**
 * The operation rows of each dataset and (last) of the archive: the aggregated lines, and the
 * kept requests as downloads with a 2xx status.
 */
function sumOperations(
  operations: OperationSums,
  objects: ReturnType<typeof placeObjects>,
  { kinds, datasets }: { kinds: KindRows; datasets: boolean },
): DayRows[] {
  const byDataset = new PackedSums();
  const archive = new PackedSums();
  const { slots, requests, high, low } = operations.groups;
  for (let slot = 0; slot < slots.size; slot++) {
    const key = slots.keys[slot];
    const code = key % 32;
    const rest = (key - code) / 32;
    const day = rest % OPERATION_DAYS;
    const object = (rest - day) / OPERATION_DAYS;
    const dataset = object === 0 ? -1 : datasetIndex(objects, object);
    const dayKey = day + DAY_OFFSET;
    const bytes = Number(exactBytes(high[slot], low[slot]));
    if (dataset >= 0 && datasets) {
      byDataset.add((dataset * DAY_KEYS + dayKey) * 32 + code, requests[slot], bytes, 0);
    }
    archive.add(dayKey * 32 + code, requests[slot], bytes, 0);
  }
  const scopes = objects.names.length;
  return [
    ...rowsByScope(byDataset, 32, scopes).map((rows, d) =>
      withDownloads(rows, kinds.datasetDays[d])
    ),
    withDownloads(rowsByScope(archive, 32, 1)[0], kinds.archiveDays),
  ];
}

/**
 * A scope's operation rows (in order of day, then code) with the kept requests of its
 * client-kind rows summed per day ({@linkcode daySums}) added as downloads with a 2xx status
 * (code 0), a day at a time: the two lists are merged, not summed in a table of every scope's
 * days (2 million keys on the 10 M bench, each a hash lookup, then sorted).
 */
function withDownloads(operations: DayRows, kindDays: DayRows | undefined): DayRows {
  if (kindDays === undefined || kindDays.length === 0) return operations;
  const out = newDayRows(operations.length + kindDays.length);
  let n = 0;
  const copy = (i: number) => {
    out.days[n] = operations.days[i];
    out.codes[n] = operations.codes[i];
    out.requests[n] = operations.requests[i];
    out.bytes[n] = operations.bytes[i];
    out.downloads[n] = operations.downloads[i];
    n++;
  };
  let i = 0;
  for (let k = 0; k < kindDays.length; k++) {
    const day = kindDays.days[k];
    const requests = kindDays.requests[k];
    const bytes = kindDays.bytes[k];
    while (i < operations.length && operations.days[i] < day) copy(i++);
    if (i < operations.length && operations.days[i] === day && operations.codes[i] === 0) {
      copy(i++);
      out.requests[n - 1] += requests;
      out.bytes[n - 1] += bytes;
    } else {
      out.days[n] = day;
      out.requests[n] = requests;
      out.bytes[n] = bytes;
      n++;
    }
  }
  while (i < operations.length) copy(i++);
  return {
    length: n,
    days: out.days.subarray(0, n),
    codes: out.codes.subarray(0, n),
    requests: out.requests.subarray(0, n),
    bytes: out.bytes.subarray(0, n),
    downloads: out.downloads.subarray(0, n),
  };
}

/** Per object: requests, downloads, bytes (low, high) and size (-1: unknown). */
class ObjectTotals {
  requests: Float64Array;
  downloads: Float64Array;
  low: Float64Array;
  high: Float64Array;
  size: Float64Array;

  constructor(maxId: number) {
    const n = maxId + 1;
    this.requests = new Float64Array(n);
    this.downloads = new Float64Array(n);
    this.low = new Float64Array(n);
    this.high = new Float64Array(n);
    this.size = new Float64Array(n).fill(-1);
  }
}

/** A growing list of numbers, in typed arrays of one kind. */
class Numbers<T extends Float64Array | Uint32Array> {
  values: T;
  length = 0;
  #make: (length: number) => T;

  constructor(make: (length: number) => T) {
    this.#make = make;
    this.values = make(64);
  }

  push(value: number): void {
    if (this.length === this.values.length) {
      this.values = extend(this.values, this.#make(this.length * 2));
    }
    this.values[this.length++] = value;
  }

  sorted(): T {
    return this.values.slice(0, this.length).sort() as T;
  }
}

/**
 * Aggregates the cache's activity per dataset (`place` assigns each object key to a dataset
 * and asset, or undefined to leave it out) and for the whole archive (every request and line,
 * placed or not).
 *
 * Sessions: the requests of one client (IP index) for one asset, in time order, where each
 * follows the one before it by at most `sessionGap` seconds.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "../store/cache_database.ts";
 * import { BlockWriter } from "../store/request_blocks.ts";
 * import { collectActivity } from "./activity_data.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * db.exec("INSERT INTO objects VALUES (1, 'ds1/a.nwb')");
 * const blocks = new BlockWriter(db);
 * blocks.push(1, 1, 1, 86400, 100, 7, 1, 100, 3);
 * blocks.push(1, 2, 1, 86460, 50, 7, 0, 100, 3);
 * blocks.flush();
 * const { datasets } = await collectActivity(db, (key) => ({ dataset: "ds1", asset: key.slice(4) }));
 * const ds1 = datasets.get("ds1")!;
 * assert.deepStrictEqual(ds1.delivery, [["a.nwb", { size: 100, bytes: 150, fullDownloads: 1, partialRequests: 1, ratio: 1.5 }]]);
 * assert.deepStrictEqual(ds1.sessions[0][1], { sessions: 1, seconds: { p50: 60, p90: 60 }, requests: { p50: 2, p90: 2 } });
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function collectActivity(
  db: DatabaseSync,
  place: (key: string) => AssetPlace | undefined,
  options: ActivityOptions = {},
): Promise<{ datasets: Map<string, ActivityScope>; archive: ActivityScope }> {
  const withDatasets = options.datasets ?? true;
  let counts = options.counts;
  if (counts === undefined) {
    const archive = new ArchiveCounts();
    const sessions = new SessionFold({ gap: options.sessionGap });
    const operations = new OperationSums();
    let datasets: DatasetCounts | undefined;
    let placed: PlacedObjects | undefined;
    await foldRequests(db, () => {
      placed = placeObjects(db, place);
      if (!withDatasets) return [archive, sessions, operations];
      datasets = new DatasetCounts(options.placement ?? "datasets", placed, requesterLabels(db));
      return [datasets, archive, sessions, operations] as BlockFold[];
    }, { stop: options.stop });
    const counted = { archive, datasets, objects: placed, sessions, operations };
    counts = activityCounts(db, place, counted, { datasets: withDatasets });
  }
  const { objects, kinds, totals, sessions, operations } = counts;
  const archive = objects.names.length;
  const byOperation = sumOperations(operations, objects, { kinds, datasets: withDatasets });
  const byClientKind = [...kinds.datasets, kinds.archive];
  const scopes = byOperation.map((rows, i): ActivityScope => ({
    byOperation: rows,
    byClientKind: byClientKind[i],
    delivery: [],
    sessions: [],
    ratios: new Float64Array(0),
    ratioBytes: 0,
    ratioSizes: 0,
  }));
  addDeliveryAndSessions(scopes, objects, { totals, sessions, datasets: withDatasets });
  const datasets = new Map<string, ActivityScope>();
  objects.names.map((name, i) => [name, i] as const)
    .sort(([a], [b]) => comparePaths(a, b))
    .forEach(([name, i]) => {
      const scope = scopes[i];
      // A dataset is one that served a request or took one (2xx): keys that only ever failed
      // (a crawler probing made-up paths) are counted in the archive alone. (Those with a
      // delivery row are known before: listedDatasets.)
      if (scope.delivery.length > 0 || scope.byOperation.codes.some((code) => (code & 3) === 0)) {
        datasets.set(name, scope);
      }
    });
  return { datasets, archive: scopes[archive] };
}

/** Fills each scope's delivery, sessions and ratios from the objects' totals and sessions. */
function addDeliveryAndSessions(
  scopes: ActivityScope[],
  objects: ReturnType<typeof placeObjects>,
  { totals, sessions, datasets }: {
    totals: ObjectTotals;
    sessions: ObjectSessions;
    datasets: boolean;
  },
): void {
  const archive = scopes.length - 1;
  const datasetDelivery = objects.names.map(() => ({
    size: 0,
    fullDownloads: 0,
    partialRequests: 0,
    high: 0,
    low: 0,
  }));
  // Per dataset, where its objects' sessions are.
  const datasetRanges = objects.names.map((): { start: number; end: number }[] => []);
  const ratios = scopes.map(() => new Numbers((length) => new Float64Array(length)));
  const ratioBytes = scopes.map(() => 0);
  const ratioSizes = scopes.map(() => 0);
  const ids = sortByPath([...sessions.ranges.keys()], { path: (id) => objects.places[id]!.asset });
  const scratch = { values: new Uint32Array(0) };
  for (const id of ids) {
    const dataset = objects.datasetOf[id];
    const spot = objects.places[id]!;
    const size = spot.pooled ? -1 : totals.size[id];
    const bytes = exactBytes(totals.high[id], totals.low[id]);
    const full = totals.downloads[id];
    const partial = totals.requests[id] - full;
    if (datasets) {
      scopes[dataset].delivery.push([spot.asset, {
        size,
        bytes,
        fullDownloads: full,
        partialRequests: partial,
        ratio: size > 0 ? Number(bytes) / size : NaN,
      }]);
    }
    const summed = datasetDelivery[dataset];
    const low = summed.low + totals.low[id];
    const carry = carryOf(low);
    summed.high += totals.high[id] + carry;
    summed.low = low - carry;
    summed.fullDownloads += full;
    summed.partialRequests += partial;
    if (size > 0) {
      summed.size += size;
      for (const scope of [dataset, archive]) {
        ratios[scope].push(Number(bytes) / size);
        ratioBytes[scope] += Number(bytes);
        ratioSizes[scope] += size;
      }
    }
    const range = sessions.ranges.get(id)!;
    if (datasets) {
      scopes[dataset].sessions.push([spot.asset, sessionsOf(sessions, [range], scratch)]);
    }
    datasetRanges[dataset].push(range);
  }
  const order = objects.names.map((name, i) => [name, i] as const)
    .sort(([a], [b]) => comparePaths(a, b));
  for (const [name, i] of order) {
    if (datasetRanges[i].length === 0) continue;
    const { high, low, size, ...delivery } = datasetDelivery[i];
    scopes[archive].delivery.push([name, {
      ...delivery,
      size: size > 0 ? size : -1,
      bytes: exactBytes(high, low),
      ratio: ratioSizes[i] > 0 ? ratioBytes[i] / ratioSizes[i] : NaN,
    }]);
    scopes[archive].sessions.push([name, sessionsOf(sessions, datasetRanges[i], scratch)]);
  }
  scopes.forEach((scope, i) => {
    scope.ratios = ratios[i].sorted();
    scope.ratioBytes = ratioBytes[i];
    scope.ratioSizes = ratioSizes[i];
  });
}

/**
 * The sessions in `ranges` of the lists of `sessions`: their number and quantiles. One range
 * (an asset's) is sorted where it is; several (a dataset's) are copied together into `scratch`
 * first, one list at a time: the archive's rows copy every dataset's sessions, and a copy of
 * each (88 MB on the bench's 10 million requests, all garbage at once) raised the step's peak.
 */
function sessionsOf(
  sessions: ObjectSessions,
  ranges: { start: number; end: number }[],
  scratch: { values: Uint32Array },
): Sessions {
  const sorted = (list: Uint32Array) => {
    if (ranges.length === 1) return list.subarray(ranges[0].start, ranges[0].end).sort();
    const length = ranges.reduce((sum, r) => sum + r.end - r.start, 0);
    if (scratch.values.length < length) {
      scratch.values = new Uint32Array(Math.max(length, scratch.values.length * 2));
    }
    const values = scratch.values.subarray(0, length);
    let at = 0;
    for (const { start, end } of ranges) {
      values.set(list.subarray(start, end), at);
      at += end - start;
    }
    return values.sort();
  };
  const quantiles = (values: Uint32Array): Quantiles => ({
    p50: quantile(values, 0.5),
    p90: quantile(values, 0.9),
  });
  // The seconds' quantiles are taken before the requests reuse the scratch.
  const seconds = sorted(sessions.seconds);
  const count = seconds.length;
  const secondsQuantiles = quantiles(seconds);
  return {
    sessions: count,
    seconds: secondsQuantiles,
    requests: quantiles(sorted(sessions.requests)),
  };
}

/**
 * The `p` quantile (0 to 1) of sorted values, interpolated linearly between the two nearest
 * ranks (NumPy's default): NaN for no values.
 *
 * @example Usage
 * ```ts
 * import { quantile } from "./activity_data.ts";
 * import assert from "node:assert/strict";
 *
 * const values = Float64Array.of(1, 2, 3, 11);
 * assert.deepStrictEqual([quantile(values, 0.5), quantile(values, 0.75), quantile(values, 0)], [2.5, 5, 1]);
 * ```
 */
export function quantile(sorted: Float64Array | Uint32Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo);
}
