/**
 * The numbers behind the summaries, aggregated by SQL from the cache: per dataset, by day, by
 * asset, by region (and by asset and week), the distinct requesters, and the same for the whole
 * archive. Counts here are raw; rounding happens when files are written.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { StoppedError } from "../errors.ts";
import { mondayOfWeek, weekNumber } from "./calendar_days.ts";
import { cleanLabel } from "../regions/region_labels.ts";
import { KeySet, KeySlots } from "../key_slots.ts";
import { PackedSums } from "./packed_sums.ts";
import { extend } from "../typed_columns.ts";
import { comparePaths } from "./sort_orders.ts";
import { readRequestBlocks } from "../store/request_blocks.ts";

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
  byDay: Map<number, Counts>;
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
 * Byte sums are kept exact whatever their size: each accumulator is a low part and a high part
 * holding whole multiples of 2^40, both exact floats (a request sends at most 5 TiB, 2^42.3).
 */
const SPLIT = 2 ** 40;

/**
 * The whole multiples of 2^40 that a low part moves into its high part (0 while it is small):
 * with {@linkcode exactBytes}, an exact byte sum in two floats.
 *
 * @example Usage
 * ```ts
 * import { carryOf } from "./summary_data.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([carryOf(5), carryOf(2 ** 40 + 5)], [0, 2 ** 40]);
 * ```
 */
export function carryOf(low: number): number {
  return low >= SPLIT ? low - (low % SPLIT) : 0;
}

/**
 * The exact value of a `high` + `low` accumulator: a number while it is safe, else a bigint.
 *
 * @example Usage
 * ```ts
 * import { exactBytes } from "./summary_data.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([exactBytes(2 ** 40, 5), exactBytes(2 ** 53, 1)], [2 ** 40 + 5, 2n ** 53n + 1n]);
 * ```
 */
export function exactBytes(high: number, low: number): number | bigint {
  const total = high + low;
  return total <= Number.MAX_SAFE_INTEGER ? total : BigInt(high) + BigInt(low);
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

/** A running count of requests with an exact byte sum (see {@linkcode SPLIT}). */
interface Tally {
  low: number;
  high: number;
  requests: number;
  downloads: number;
}

function tally(t: Tally, bytes: number, download: number): void {
  const low = t.low + bytes;
  const carry = carryOf(low);
  t.high += carry;
  t.low = low - carry;
  t.requests++;
  t.downloads += download;
}

function countsOf(t: Tally): Counts {
  return { bytes: exactBytes(t.high, t.low), requests: t.requests, downloads: t.downloads };
}

interface Row {
  [column: string]: unknown;
}

/** Requests between two looks at a stop (about a second of work). */
export const SCAN_ROWS: number = 1 << 21;

/** Whether the step was asked to stop (looked at between parts of the scan). */
export type StopCheck = () => Promise<boolean>;

/** One request as the scan hands it over. */
type Visit = (
  objectId: number,
  ip: number,
  label: number,
  time: number,
  bytes: number,
  download: number,
  order: number,
) => void;

/**
 * Calls `visit` for every request, in storage order (`order` counts them from 0), reading the
 * blocks of requests column by column. IPs arrive as dense small integers with their label id
 * (0: missing), so the caller's tables stay small-integer keyed. Between parts of the scan,
 * `stop` is asked and a true answer throws {@linkcode StoppedError}.
 */
async function scanRequests(
  db: DatabaseSync,
  visit: Visit,
  stop: StopCheck | undefined,
): Promise<{ labels: string[] }> {
  // Labels stored before they were cleaned on the way in are cleaned here: no control
  // character reaches a published file, and labels that clean alike are one region.
  const names = ["missing"];
  const cleanIds = new Map<string, number>();
  const labelIds = new Map<string, number>();
  for (
    const row of db.prepare("SELECT DISTINCT label FROM ip_regions").iterate() as Iterable<Row>
  ) {
    const clean = cleanLabel(row.label as string);
    let id = cleanIds.get(clean);
    if (id === undefined) {
      cleanIds.set(clean, id = names.length);
      names.push(clean);
    }
    labelIds.set(row.label as string, id);
  }
  // IP index → label id, read as one JSON array per label (rows one by one cost more than the
  // scan itself at a few hundred thousand IPs).
  const labelled = new Map<number, number>();
  const perLabel = db.prepare(
    "SELECT label, json_group_array(ip_index) AS ips FROM ip_regions GROUP BY label",
  ).all() as { label: string; ips: string }[];
  for (const { label, ips } of perLabel) {
    const id = labelIds.get(label) ?? 0;
    for (const ip of JSON.parse(ips) as number[]) labelled.set(ip, id);
  }
  // Dense small ids in the order IPs are met, each with its label id.
  const dense = new Map<number, number>();
  const labelOf: number[] = [];
  let order = 0;
  let nextStop = SCAN_ROWS;
  for (const block of readRequestBlocks(db)) {
    if (order >= nextStop) {
      if (await stop?.()) throw new StoppedError();
      nextStop = order + SCAN_ROWS;
    }
    const { objectIds, ipIndexes, times, bytesSent, downloads } = block;
    for (let i = 0; i < block.rows; i++) {
      let ip = dense.get(ipIndexes[i]);
      if (ip === undefined) {
        dense.set(ipIndexes[i], ip = labelOf.length);
        labelOf.push(labelled.get(ipIndexes[i]) ?? 0);
      }
      visit(objectIds[i], ip, labelOf[ip], times[i], bytesSent[i], downloads[i], order++);
    }
  }
  return { labels: names };
}

/** Every object's id and key, read as two JSON arrays (a row at a time costs more). */
function objectKeys(db: DatabaseSync): { ids: number[]; keys: string[] } {
  const row = db.prepare(
    "SELECT json_group_array(id) AS ids, json_group_array(key) AS keys FROM objects",
  ).get() as { ids: string; keys: string };
  return { ids: JSON.parse(row.ids), keys: JSON.parse(row.keys) };
}

/** Counts per packed key, in typed arrays (no object, no `Map` entry per group). */
class CountsTable {
  slots = new KeySlots();
  bytes = new Float64Array(1024);
  high = new Float64Array(1024);
  requests = new Float64Array(1024);
  downloads = new Float64Array(1024);

  add(key: number, bytes: number, download: number): void {
    const slot = this.slots.slot(key);
    if (slot === this.bytes.length) {
      this.bytes = extend(this.bytes, new Float64Array(slot * 2));
      this.high = extend(this.high, new Float64Array(slot * 2));
      this.requests = extend(this.requests, new Float64Array(slot * 2));
      this.downloads = extend(this.downloads, new Float64Array(slot * 2));
    }
    const low = this.bytes[slot] + bytes;
    const carry = carryOf(low);
    this.high[slot] += carry;
    this.bytes[slot] = low - carry;
    this.requests[slot]++;
    this.downloads[slot] += download;
  }

  counts(slot: number): Counts {
    return {
      bytes: exactBytes(this.high[slot], this.bytes[slot]),
      requests: this.requests[slot],
      downloads: this.downloads[slot],
    };
  }
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

// Packed keys: `high * SPAN + low + OFFSET`, so that any day or week a stored time can give
// (years 0 to 9999, written by older versions or other tools) keeps its own key and never
// spills into the next dataset or object.
const DAY_KEYS = 2 ** 23;
const DAY_OFFSET = 2 ** 22;
const WEEK_KEYS = 2 ** 20;
const WEEK_OFFSET = 2 ** 19;

/**
 * Aggregates the cache's requests per dataset: `place` assigns each object key to a dataset
 * and asset (or undefined to leave it out). Regions are listed in the order of their first
 * request; days in order; assets in path order (component by component). One scan of the
 * requests, whatever `parts` asks for.
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
 * const data = await collectDatasetData(db, (key) => ({ dataset: "ds1", asset: key.slice(4) }));
 * assert.deepStrictEqual(data.get("ds1")?.byAsset, [["a.nwb", { bytes: 150, requests: 2, downloads: 1 }]]);
 * assert.deepStrictEqual(data.get("ds1")?.requesters, 2);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function collectDatasetData(
  db: DatabaseSync,
  place: (key: string) => AssetPlace | undefined,
  parts: SummaryParts = { days: true, assets: true, regions: true },
  stop?: StopCheck,
): Promise<Map<string, ScopeData>> {
  const objects = placeObjects(db, place);
  const labelCount = 1 + (db.prepare("SELECT count(DISTINCT label) AS n FROM ip_regions").get() as {
    n: number;
  }).n;
  const counts = new DatasetCounts(objects, parts, labelCount);
  const scanned = await scanRequests(
    db,
    (objectId, ip, label, time, bytes, download, rowid) =>
      counts.add(objectId, ip, label, time, bytes, download, rowid),
    stop,
  );
  const scopes = counts.scopes(scanned.labels);
  const order = objects.names.map((name, i) => [name, i] as const)
    .sort(([a], [b]) => comparePaths(a, b));
  return new Map(
    order.map(([name, i]) => [name, scopes[i]] as const).filter(([, scope]) =>
      scope.byDay.size + scope.byAsset.length + scope.byRegion.size > 0
    ),
  );
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

/** The counts of one scan of the requests, kept per dataset in packed tables. */
class DatasetCounts {
  #objects: PlacedObjects;
  #parts: SummaryParts;
  #labelCount: number;
  #datasetCount: number;
  #days = new CountsTable();
  /** Per object: low bytes, requests, downloads, high bytes (see SPLIT). */
  #objectCounts: Float64Array;
  #regions = new Map<number, Tally & { first: number }>();
  /** Distinct (requester, dataset) pairs, packed. */
  #requesterPairs = new KeySet();
  /** Bytes per object and week, packed (in the order of first request, as a Map keeps it). */
  #weeks = new PackedSums();

  constructor(objects: PlacedObjects, parts: SummaryParts, labelCount: number) {
    this.#objects = objects;
    this.#parts = parts;
    this.#labelCount = labelCount;
    this.#datasetCount = Math.max(1, objects.names.length);
    this.#objectCounts = new Float64Array(parts.assets ? (objects.maxId + 1) * 4 : 0);
  }

  /** Counts one request (the arguments of `scanRequests`' callback). */
  add(
    objectId: number,
    ip: number,
    label: number,
    time: number,
    bytes: number,
    download: number,
    rowid: number,
  ): void {
    const dataset = this.#objects.datasetOf[objectId];
    if (dataset === undefined || dataset < 0) return;
    const parts = this.#parts;
    const day = Math.floor(time / 86400);
    if (parts.days) this.#days.add(dataset * DAY_KEYS + day + DAY_OFFSET, bytes, download);
    if (parts.assets) {
      const counts = this.#objectCounts;
      const at = objectId * 4;
      const low = counts[at] + bytes;
      const carry = carryOf(low);
      counts[at + 3] += carry;
      counts[at] = low - carry;
      counts[at + 1]++;
      counts[at + 2] += download;
    }
    if (parts.regions) {
      const key = dataset * this.#labelCount + label;
      let counts = this.#regions.get(key);
      if (counts === undefined) {
        counts = { low: 0, high: 0, requests: 0, downloads: 0, first: rowid };
        this.#regions.set(key, counts);
      }
      tally(counts, bytes, download);
      this.#requesterPairs.add(ip * this.#datasetCount + dataset);
    }
    if (parts.weeks) {
      const key = objectId * WEEK_KEYS + weekNumber(day) + WEEK_OFFSET;
      this.#weeks.add(key, bytes, 0, 0);
    }
  }

  /** Each dataset's data (by its number), from what was counted; `labels` names the regions. */
  scopes(labels: string[]): ScopeData[] {
    const { datasetOf, places } = this.#objects;
    const scopes = this.#objects.names.map(() => emptyScope());
    // By dataset, then day: each dataset's days in order (a numeric sort of typed keys).
    const days = this.#days;
    for (const slot of days.slots.sortedSlots()) {
      const key = days.slots.keys[slot];
      scopes[Math.floor(key / DAY_KEYS)].byDay.set(key % DAY_KEYS - DAY_OFFSET, days.counts(slot));
    }
    if (this.#parts.assets) this.#addAssets(scopes);
    if (this.#parts.regions) {
      const regions = [...this.#regions].sort(([, a], [, b]) => a.first - b.first);
      for (const [key, c] of regions) {
        const counts = countsOf(c);
        add(
          scopes[Math.floor(key / this.#labelCount)].byRegion,
          labels[key % this.#labelCount],
          counts.bytes,
          counts.requests,
          counts.downloads,
        );
      }
      this.#requesterPairs.forEach((pair) => {
        scopes[pair % this.#datasetCount].requesters++;
      });
    }
    const weeks = this.#weeks;
    for (let slot = 0; slot < weeks.size; slot++) {
      const key = weeks.keys[slot];
      const bytes = weeks.a[slot];
      const id = Math.floor(key / WEEK_KEYS);
      addWeek(scopes[datasetOf[id]], places[id]!.asset, key % WEEK_KEYS - WEEK_OFFSET, bytes);
    }
    return scopes;
  }

  /**
   * One row per object requested (a content of the mapping in dandi mode, as the plugin writes
   * them), by rank, then by path.
   */
  #addAssets(scopes: ScopeData[]): void {
    const { maxId, datasetOf, places } = this.#objects;
    const counts = this.#objectCounts;
    const objects: number[] = [];
    for (let id = 1; id <= maxId; id++) {
      if (counts[id * 4 + 1] > 0 && places[id]) objects.push(id);
    }
    const rank = (id: number) => places[id]!.rank ?? Infinity;
    objects.sort((a, b) =>
      rank(a) - rank(b) || comparePaths(places[a]!.asset, places[b]!.asset) || a - b
    );
    for (const id of objects) {
      scopes[datasetOf[id]].byAsset.push([places[id]!.asset, {
        bytes: exactBytes(counts[id * 4 + 3], counts[id * 4]),
        requests: counts[id * 4 + 1],
        downloads: counts[id * 4 + 2],
      }]);
    }
  }
}

/**
 * Aggregates all requests of the cache (the archive): by day, by region (and distinct
 * requesters), and, given `place`, bytes per asset and week. One scan of the requests.
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
 * const archive = await collectArchiveData(db);
 * assert.deepStrictEqual(archive.byDay.get(1), { bytes: 150, requests: 2, downloads: 1 });
 * assert.deepStrictEqual(archive.requesters, 1);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function collectArchiveData(
  db: DatabaseSync,
  options: { place?: (key: string) => AssetPlace | undefined; stop?: StopCheck } = {},
): Promise<ScopeData> {
  const archive = emptyScope();
  const regionCounts: Tally[] = [];
  let seen = new Uint8Array(1024);
  let requesters = 0;
  const days = new CountsTable();
  const weeks = new PackedSums();
  const withWeeks = options.place !== undefined;
  const scanned = await scanRequests(db, (objectId, ip, label, time, bytes, download) => {
    const day = Math.floor(time / 86400);
    days.add(day + DAY_OFFSET, bytes, download);
    tally(regionCounts[label] ??= { low: 0, high: 0, requests: 0, downloads: 0 }, bytes, download);
    if (ip >= seen.length) seen = extend(seen, new Uint8Array(Math.max(seen.length * 2, ip + 1)));
    if (seen[ip] === 0) {
      seen[ip] = 1;
      requesters++;
    }
    if (withWeeks) {
      const key = objectId * WEEK_KEYS + weekNumber(day) + WEEK_OFFSET;
      weeks.add(key, bytes, 0, 0);
    }
  }, options.stop);
  // Days before 1970 are negative: offset, as the datasets' keys are, so that keys stay
  // non-negative for the table.
  archive.byDay = new Map(
    [...days.slots.sortedSlots()].map((slot) => [
      days.slots.keys[slot] - DAY_OFFSET,
      days.counts(slot),
    ]),
  );
  scanned.labels.forEach((name, i) => {
    if (regionCounts[i] !== undefined) {
      // Labels that clean alike share a region.
      const counts = countsOf(regionCounts[i]);
      add(archive.byRegion, name, counts.bytes, counts.requests, counts.downloads);
    }
  });
  archive.requesters = requesters;
  if (withWeeks) {
    const keys = new Map<number, string>();
    const objects = objectKeys(db);
    objects.ids.forEach((id, i) => keys.set(id, objects.keys[i]));
    for (let slot = 0; slot < weeks.size; slot++) {
      const key = weeks.keys[slot];
      const bytes = weeks.a[slot];
      const spot = options.place!(keys.get(Math.floor(key / WEEK_KEYS)) ?? "");
      if (spot !== undefined) {
        addWeek(archive, `${spot.dataset}/${spot.asset}`, key % WEEK_KEYS - WEEK_OFFSET, bytes);
      }
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
