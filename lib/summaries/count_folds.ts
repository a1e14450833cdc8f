/**
 * The counts behind the summary files, kept up to date with the stored requests (see
 * `request_folds.ts`): the archive's (per day, per requester, per object), bytes per object
 * and week, each placement's per-dataset counts (per day, per region, distinct requesters),
 * and the aggregated other lines per object, day and operation.
 *
 * What can change after requests were counted is kept out of the saved state or checked: asset
 * paths and region labels are looked up when files are written, from object and requester ids;
 * a dataset's counts record which dataset each counted object was in and which region each
 * counted requester was in, and are recounted when either changed (a new mapping moved an
 * object, a requester's region was looked up again).
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { OperatorError } from "../errors.ts";
import { KeySet, KeySlots } from "../key_slots.ts";
import { cleanLabel } from "../regions/region_labels.ts";
import type { CountedKinds, RequestBlock } from "../store/request_blocks.ts";
import {
  type OperationFold,
  readKeptArray,
  type RequestFold,
  savedArray,
  type SavedColumns,
  type SavedFold,
} from "../store/request_folds.ts";
import type { OperationBlock } from "../store/operation_blocks.ts";
import { OPERATION_GROUPS } from "../extract/operation_group.ts";
import { extend, release } from "../typed_columns.ts";
import { weekNumber } from "./calendar_days.ts";
import { CLIENT_KINDS } from "../extract/client_kind.ts";
import { carryOf, COUNTS_COLUMNS, type CountsColumns, CountsTable } from "./counts_table.ts";

/**
 * Packed day keys: `scope * DAY_KEYS + day + DAY_OFFSET`, so that any day a stored time can give
 * (years 0 to 9999, written by older versions or other tools) keeps its own key.
 */
export const DAY_KEYS = 2 ** 23;
/** See {@linkcode DAY_KEYS}. */
export const DAY_OFFSET = 2 ** 22;
/** Packed week keys: `object * WEEK_KEYS + week + WEEK_OFFSET`. */
export const WEEK_KEYS = 2 ** 20;
/** See {@linkcode WEEK_KEYS}. */
export const WEEK_OFFSET = 2 ** 19;
/** Packed region keys: `dataset * LABEL_KEYS + label`. */
export const LABEL_KEYS = 2 ** 20;
/** Packed requester pairs: `requester number * DATASET_KEYS + dataset`. */
export const DATASET_KEYS = 2 ** 21;
/** The client-kind codes a day's cells hold (a new kind changes the folds' formats). */
export const KIND_CODES: number = CLIENT_KINDS.length;
/** Numbers per day slot for the client kinds: per code, requests, bytes sent, downloads. */
const KIND_CELLS = KIND_CODES * 3;

/**
 * Adds a request of client kind `kind` to a day slot's cells (made long enough); returns the
 * cells. Bytes are plain sums, added in storage order (as a scan of every request adds them).
 */
function addKind(
  cells: Float64Array,
  slot: number,
  kind: number,
  bytes: number,
  download: number,
): Float64Array {
  const at = slot * KIND_CELLS + kind * 3;
  // The whole slot must fit: a write past a typed array's end is dropped without a word.
  if ((slot + 1) * KIND_CELLS > cells.length) cells = atLeast(cells, (slot + 1) * KIND_CELLS);
  cells[at]++;
  cells[at + 1] += bytes;
  cells[at + 2] += download;
  return cells;
}

/**
 * A saved array that a fold's saved state always has, as a `Float64Array` (on the bytes read,
 * which are this call's own: it may be changed and kept).
 *
 * @throws {OperatorError} When it is missing or cut short.
 */
function floats(columns: SavedColumns, name: string): Float64Array {
  return savedArray(columns, name, Float64Array) ?? incomplete(name);
}

/** A saved array as an `Int32Array` (see {@linkcode floats}). */
function int32s(columns: SavedColumns, name: string): Int32Array {
  return savedArray(columns, name, Int32Array) ?? incomplete(name);
}

function incomplete(name: string): never {
  throw new OperatorError(
    `The summaries' kept counts in the cache are damaged (their array ${name} is missing or ` +
      "cut short). Run the summary step again with --rebuild: it counts every stored request " +
      "again and keeps the new counts.",
  );
}

/** A {@linkcode CountsTable}'s columns under `prefix`, into `saved`. */
function saveTable(saved: SavedFold, prefix: string, table: CountsTable): void {
  const columns = table.columns();
  for (const name of COUNTS_COLUMNS) {
    saved.columns[`${prefix}${name}`] = columns[name];
    saved.unchanged![`${prefix}${name}`] = table.changedFrom * 8;
  }
}

/** The kinds' cells of a day table's slots, into `saved`. */
function saveKinds(saved: SavedFold, days: CountsTable, kinds: Float64Array): void {
  saved.columns.kinds = kinds.subarray(0, days.slots.size * KIND_CELLS);
  saved.unchanged!.kinds = days.changedFrom * KIND_CELLS * 8;
}

function loadTable(prefix: string, columns: SavedColumns): CountsTable {
  return CountsTable.fromColumns(
    Object.fromEntries(
      COUNTS_COLUMNS.map((name) => [name, floats(columns, `${prefix}${name}`)]),
    ) as unknown as CountsColumns,
  );
}

/** `array` made at least `length` long (doubling), new entries `fill`. */
function atLeast<T extends Float64Array | Int32Array>(array: T, length: number, fill = 0): T {
  if (length <= array.length) return array;
  // Twice as long at a time: a quarter more copied the largest (a rebuild's client-kind cells,
  // 160 MB on 10 M requests) five times their final size over, 1.4 s of a 21 s rebuild. Room
  // not written yet takes no memory: the system maps fresh pages when they are first written
  // (the arrays filled with another value are the small ones, per object).
  const grown = new (array.constructor as new (n: number) => T)(
    Math.max(length, array.length * 2),
  );
  if (fill !== 0) grown.fill(fill, array.length);
  return extend(array, grown);
}

/**
 * The stored requests per client kind that the archive's kept counts hold, and the last block
 * they counted (undefined when none are kept in this version's format): what `status` adds the
 * later blocks to instead of reading every block.
 *
 * @param db The cache database (inside a read transaction, with the blocks read after).
 * @returns The last block counted and the requests per kind code.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "../store/cache_database.ts";
 * import { keptClientKinds } from "./count_folds.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * assert.deepStrictEqual(keptClientKinds(db), undefined);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function keptClientKinds(db: DatabaseSync): CountedKinds | undefined {
  const kept = readKeptArray(db, ARCHIVE_COUNTS, "kinds", Float64Array);
  if (kept === undefined || kept.array.length % KIND_CELLS !== 0) return undefined;
  const cells = kept.array;
  const counts = new Array<number>(KIND_CODES).fill(0);
  for (let at = 0; at < cells.length; at += KIND_CELLS) {
    for (let kind = 0; kind < KIND_CODES; kind++) counts[kind] += cells[at + kind * 3];
  }
  return { through: kept.through, counts };
}

/** The archive counts' name and saved format (see {@linkcode ArchiveCounts}). */
const ARCHIVE_COUNTS = { name: "archive_counts", format: 3 };

/**
 * The archive's counts: per day (with its client kinds), per requester (IP index) and per
 * object (with the size the latest request reported), and the time range, over every stored
 * request.
 */
export class ArchiveCounts implements RequestFold {
  /** Its name in the cache. */
  readonly name = ARCHIVE_COUNTS.name;
  /** Its saved format (3: the client kinds of states saved before it may miss a few cells). */
  readonly format = ARCHIVE_COUNTS.format;
  /** Per day (key `day + DAY_OFFSET`). */
  days: CountsTable = new CountsTable();
  /** Per day slot, {@linkcode KIND_CODES} × (requests, bytes, downloads). */
  kinds: Float64Array = new Float64Array(1024 * KIND_CELLS);
  /** Per requester (key: its IP index). */
  requesters: CountsTable = new CountsTable();
  /** Per object id, four numbers: low bytes, requests, downloads, high bytes. */
  objects: Float64Array = new Float64Array(4096);
  /** Per object id, the size its latest request reported (-1: none). */
  sizes: Float64Array = new Float64Array(1024).fill(-1);
  /** Per object id, the time of that request. */
  sizeTimes: Float64Array = new Float64Array(1024).fill(-Infinity);

  /** Takes a saved state (always valid: nothing in it depends on a placement or label). */
  load(_meta: unknown, columns: SavedColumns): undefined {
    this.days = loadTable("days_", columns);
    this.kinds = floats(columns, "kinds");
    this.requesters = loadTable("requesters_", columns);
    this.objects = floats(columns, "objects");
    this.sizes = floats(columns, "sizes");
    this.sizeTimes = floats(columns, "size_times");
    return undefined;
  }

  /** Counts a block's requests. */
  add(block: RequestBlock): void {
    const { objectIds, times, bytesSent, ipIndexes, downloads, objectSizes, clientKinds } = block;
    let maxObject = 0;
    for (let i = 0; i < block.rows; i++) if (objectIds[i] > maxObject) maxObject = objectIds[i];
    const objects = this.objects = atLeast(this.objects, (maxObject + 1) * 4);
    const sizes = this.sizes = atLeast(this.sizes, maxObject + 1, -1);
    const sizeTimes = this.sizeTimes = atLeast(this.sizeTimes, maxObject + 1, -Infinity);
    const { days, requesters } = this;
    for (let i = 0; i < block.rows; i++) {
      const bytes = bytesSent[i];
      const download = downloads[i];
      const time = times[i];
      const day = days.add(Math.floor(time / 86400) + DAY_OFFSET, bytes, download, 0);
      this.kinds = addKind(this.kinds, day, clientKinds[i], bytes, download);
      requesters.add(ipIndexes[i], bytes, download, 0);
      const id = objectIds[i];
      if (objectSizes[i] >= 0 && time >= sizeTimes[id]) {
        sizes[id] = objectSizes[i];
        sizeTimes[id] = time;
      }
      const at = objectIds[i] * 4;
      const low = objects[at] + bytes;
      const carry = carryOf(low);
      objects[at + 3] += carry;
      objects[at] = low - carry;
      objects[at + 1]++;
      objects[at + 2] += download;
    }
  }

  /** The state to save. */
  save(): SavedFold {
    const saved: SavedFold = {
      meta: {},
      columns: {
        objects: this.objects,
        sizes: this.sizes,
        size_times: this.sizeTimes,
      },
      unchanged: {},
    };
    saveTable(saved, "days_", this.days);
    saveKinds(saved, this.days, this.kinds);
    saveTable(saved, "requesters_", this.requesters);
    return saved;
  }
}

/** Bytes sent per object and week (key `object * WEEK_KEYS + week + WEEK_OFFSET`). */
export class WeekBytes implements RequestFold {
  /** Its name in the cache. */
  readonly name = "week_bytes";
  /** Its saved format. */
  readonly format = 1;
  /** The counts per key (the bytes are what is read). */
  weeks: CountsTable = new CountsTable();

  /** Takes a saved state (always valid). */
  load(_meta: unknown, columns: SavedColumns): undefined {
    this.weeks = loadTable("", columns);
    return undefined;
  }

  /** Counts a block's requests. */
  add(block: RequestBlock): void {
    const { objectIds, times, bytesSent } = block;
    for (let i = 0; i < block.rows; i++) {
      const key = objectIds[i] * WEEK_KEYS + weekNumber(Math.floor(times[i] / 86400)) +
        WEEK_OFFSET;
      this.weeks.add(key, bytesSent[i], 0, 0);
    }
  }

  /** The state to save. */
  save(): SavedFold {
    const saved: SavedFold = { meta: {}, columns: {}, unchanged: {} };
    saveTable(saved, "", this.weeks);
    return saved;
  }
}

/** The region labels of the cache's requesters, cleaned, as numbers. */
export interface RequesterLabels {
  /**
   * The clean labels: `"missing"` first (requesters without a region yet), then in the order
   * their first IPs have in the table.
   */
  names: string[];
  /** The number in `names` of the clean label of IP index `ip` (0 when it has no region). */
  labelOf: (ip: number) => number;
}

/**
 * The cache's requesters' region labels, cleaned (no control character reaches a published
 * file, and labels that clean alike are one region).
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "../store/cache_database.ts";
 * import { requesterLabels } from "./count_folds.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * db.exec("INSERT INTO ip_regions VALUES (12, 'US/Ohio', 'test', '2026-01-01')");
 * const labels = requesterLabels(db);
 * assert.deepStrictEqual([labels.names, labels.labelOf(12), labels.labelOf(13)], [["missing", "US/Ohio"], 1, 0]);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function requesterLabels(db: DatabaseSync): RequesterLabels {
  // One pass over the table, two JSON arrays: rows one by one, or an array per label (a sort
  // by label), cost more at a few hundred thousand IPs.
  const row = db.prepare(
    "SELECT json_group_array(ip_index) AS ips, json_group_array(label) AS labels FROM ip_regions",
  ).get() as { ips: string; labels: string };
  const ipList = JSON.parse(row.ips) as number[];
  const labels = JSON.parse(row.labels) as string[];
  // Labels numbered in the order they first come, cleaned (those that clean alike share one).
  const names = ["missing"];
  const cleanIds = new Map<string, number>();
  const labelIds = new Map<string, number>();
  const labelNumbers = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let id = labelIds.get(labels[i]);
    if (id === undefined) {
      const clean = cleanLabel(labels[i]);
      id = cleanIds.get(clean);
      if (id === undefined) {
        cleanIds.set(clean, id = names.length);
        names.push(clean);
      }
      labelIds.set(labels[i], id);
    }
    labelNumbers[i] = id;
  }
  // IP indexes are opaque numbers up to 2^53, each on the heap as a Map's key; an IP has one
  // row (ip_index is the table's key), so the keys are distinct.
  const slots = KeySlots.of(Float64Array.from(ipList));
  return {
    names,
    labelOf: (ip) => {
      const slot = slots.find(ip);
      return slot < 0 ? 0 : labelNumbers[slot];
    },
  };
}

/** Objects placed in datasets, as {@linkcode DatasetCounts} needs them. */
export interface Placement {
  /** Per object id, the number of its dataset in `names`, or -1 when it is left out. */
  datasetOf: Int32Array;
  /** The datasets' names. */
  names: string[];
}

/** The saved facts of a {@linkcode DatasetCounts}. */
interface DatasetMeta {
  datasets: string[];
  labels: string[];
}

const UNSEEN = -2;

/**
 * Each dataset's counts under one placement: per day (with its client kinds), per region (with
 * the position of its first request) and its distinct requesters. Datasets, labels and requesters are numbered in
 * the order this state first met them; it records the dataset of every object it counted and
 * the label of every requester it counted, to see when either changed.
 */
export class DatasetCounts implements RequestFold {
  /** Its name in the cache. */
  readonly name: string;
  /** Its saved format (3: the client kinds of states saved before it may miss a few cells). */
  readonly format = 3;
  /** Dataset names, by number. */
  datasets: string[] = [];
  /** Clean region labels, by number. */
  labels: string[] = [];
  /** Per dataset and day (key `dataset * DAY_KEYS + day + DAY_OFFSET`). */
  days: CountsTable = new CountsTable();
  /**
   * Per day slot, {@linkcode KIND_CODES} × (requests, bytes, downloads); not read from the
   * cache unless asked for or added to (see the constructor).
   */
  kinds: Float64Array = new Float64Array(1024 * KIND_CELLS);
  /** Whether {@linkcode DatasetCounts.kinds} holds what was saved. */
  #kindsRead = true;
  #withKinds: boolean;
  /** Whether {@linkcode DatasetCounts.days} holds what was saved. */
  #daysRead = true;
  #withDays: boolean;
  /** Per dataset and region (key `dataset * LABEL_KEYS + label`). */
  regions: CountsTable = new CountsTable();
  /**
   * The (requester, dataset) pairs (key `requester number * DATASET_KEYS + dataset`) added
   * since the state was loaded: a new one goes on the list at once, and is checked against
   * the loaded ones only when the list is read (one pass over them through a filter of this
   * small set: 0.17 s on the bench's 5.3 million loaded pairs and 0.8 million new ones, where
   * a set of every pair, made again each night, cost 0.26 s and 64 MB).
   */
  #pairs = new KeySet();
  /** The distinct pairs in the order they came (those loaded first), as they are saved. */
  #pairList: Float64Array = new Float64Array(1024);
  #pairCount = 0;
  #loadedPairs = 0;
  /** The pairs on the list before this one are checked against the loaded ones. */
  #checkedPairs = 0;
  /** Whether the pairs saved were read (only when requests are to be added, or counted). */
  #pairsRead = true;
  /**
   * Per dataset number, its distinct requesters: the checked pairs counted by dataset, and
   * saved, so that a state with nothing to add reads these instead of every pair (43 MB on
   * the bench's 10 million requests).
   */
  #datasetRequesters: Float64Array = new Float64Array(1024);
  #loadedRequesters = 0;
  /** The requesters counted (IP indexes), numbered in the order they came. */
  #requesters = new KeySlots();
  /** Per requester number, the label number it was counted with. */
  #requesterLabel: Int32Array = new Int32Array(1024);
  /** Requesters whose label is recorded (the next new requester's number). */
  #labelCount = 0;
  /** Per object id, the dataset number it was counted in (-1: left out, -2: not counted). */
  #counted: Int32Array;
  #placement: Placement;
  #labelsNow: RequesterLabels;
  /** Per object id, its dataset number now (-1: left out). */
  #datasetNow = new Int32Array(0);
  /** Per clean label of {@linkcode requesterLabels}, its number here. */
  #labelNumber: number[] = [];

  /**
   * Counts of placement `name` (one saved state per name), where objects are as `placement`
   * places them now and requesters' regions as `labels` say now; `kinds` and `days` say
   * whether the client kinds and the day counts will be read (the kinds' cells are most of the
   * saved state; neither is needed for totals). A state with requests to add reads both.
   */
  constructor(
    name: string,
    placement: Placement,
    labels: RequesterLabels,
    { kinds = true, days = true }: { kinds?: boolean; days?: boolean } = {},
  ) {
    this.name = `dataset_counts:${name}`;
    this.#withKinds = kinds;
    this.#withDays = days || kinds;
    this.#placement = placement;
    this.#labelsNow = labels;
    this.#counted = new Int32Array(placement.datasetOf.length).fill(UNSEEN);
    this.#number();
  }

  /** Takes a saved state, unless an object it counted moved or a requester's region changed. */
  load(meta: unknown, columns: SavedColumns): string | undefined {
    const { datasets, labels } = meta as DatasetMeta;
    const counted = int32s(columns, "counted");
    const requesters = floats(columns, "requesters");
    const requesterLabel = int32s(columns, "requester_labels");
    const datasetIds = new Map(datasets.map((name, i) => [name, i]));
    const { datasetOf, names } = this.#placement;
    let moved = 0;
    for (let id = 0; id < counted.length; id++) {
      if (counted[id] === UNSEEN) continue;
      const now = id < datasetOf.length && datasetOf[id] >= 0
        ? datasetIds.get(names[datasetOf[id]]) ?? -3
        : -1;
      if (now !== counted[id]) moved++;
    }
    if (moved > 0) {
      return `${moved.toLocaleString("en-US")} counted objects are in another dataset now ` +
        "(the mapping changed)";
    }
    const labelIds = new Map(labels.map((name, i) => [name, i]));
    const { names: labelNames, labelOf } = this.#labelsNow;
    let relabelled = 0;
    requesters.forEach((ip, n) => {
      if (labelIds.get(labelNames[labelOf(ip)]) !== requesterLabel[n]) relabelled++;
    });
    if (relabelled > 0) {
      return `${relabelled.toLocaleString("en-US")} counted requesters are in another region ` +
        "now (their regions were looked up again)";
    }
    this.datasets = datasets;
    this.labels = labels;
    this.#counted = atLeast(counted, this.#counted.length, UNSEEN);
    this.#requesters = KeySlots.of(requesters);
    this.#requesterLabel = atLeast(requesterLabel, 1024);
    this.#labelCount = requesters.length;
    this.#daysRead = columns.behind || this.#withDays;
    if (this.#daysRead) this.days = loadTable("days_", columns);
    this.#kindsRead = columns.behind || this.#withKinds;
    if (this.#kindsRead) {
      // Behind, with room for a night's new day slots: growing the cells (most of the kept
      // state) would copy them all into fresh memory (0.6 s of CPU in a 10 M night's profile).
      const cells = this.days.slots.size * KIND_CELLS;
      const room = columns.behind ? Math.max(1024, this.days.slots.size >> 3) * KIND_CELLS : 0;
      this.kinds = savedArray(columns, "kinds", Float64Array, cells, cells + room) ??
        incomplete("kinds");
    }
    this.regions = loadTable("regions_", columns);
    // Saved by this version with the counts per dataset (one per dataset saved); counted from
    // the pairs otherwise.
    const saved = savedArray(columns, "dataset_requesters", Float64Array);
    const perDataset = saved?.length === datasets.length ? saved : undefined;
    this.#pairsRead = columns.behind || perDataset === undefined;
    this.#pairs = new KeySet();
    this.#pairCount = this.#loadedPairs = this.#checkedPairs = 0;
    if (this.#pairsRead) {
      this.#pairList = floats(columns, "pairs");
      this.#pairCount = this.#loadedPairs = this.#checkedPairs = this.#pairList.length;
    }
    if (perDataset !== undefined) this.#datasetRequesters = perDataset;
    else this.#countRequesters(0);
    this.#loadedRequesters = requesters.length;
    this.#number();
    return undefined;
  }

  /** Numbers the datasets and labels of now in this state's numbering (new ones last). */
  #number(): void {
    const datasetIds = new Map(this.datasets.map((name, i) => [name, i]));
    const { datasetOf, names } = this.#placement;
    const numbers = names.map((name) => {
      let id = datasetIds.get(name);
      if (id === undefined) {
        datasetIds.set(name, id = this.datasets.length);
        this.datasets.push(name);
      }
      return id;
    });
    if (this.datasets.length > DATASET_KEYS) {
      throw new OperatorError(
        `Cannot summarise ${this.datasets.length.toLocaleString("en-US")} datasets: at most ` +
          `${DATASET_KEYS.toLocaleString("en-US")} fit. Check the placement (top-level key ` +
          "prefixes, or the content mapping).",
      );
    }
    this.#datasetNow = datasetOf.map((d) => d < 0 ? -1 : numbers[d]);
    const labelIds = new Map(this.labels.map((name, i) => [name, i]));
    this.#labelNumber = this.#labelsNow.names.map((name) => {
      let id = labelIds.get(name);
      if (id === undefined) {
        labelIds.set(name, id = this.labels.length);
        this.labels.push(name);
      }
      return id;
    });
  }

  /** Per object id, its dataset number in this state (-1: left out). */
  get datasetNow(): Int32Array {
    return this.#datasetNow;
  }

  /**
   * Per dataset number (as in {@linkcode DatasetCounts.datasets}), how many distinct
   * requesters it has. Do not change it.
   */
  requestersPerDataset(): Float64Array {
    this.#checkPairs();
    return this.#datasetRequesters = atLeast(this.#datasetRequesters, this.datasets.length);
  }

  /** Adds the pairs of the list from `from` on to their datasets' requesters. */
  #countRequesters(from: number): void {
    let counts = atLeast(this.#datasetRequesters, this.datasets.length);
    for (let i = from; i < this.#pairCount; i++) {
      const dataset = this.#pairList[i] % DATASET_KEYS;
      if (dataset >= counts.length) counts = atLeast(counts, dataset + 1);
      counts[dataset]++;
    }
    this.#datasetRequesters = counts;
  }

  /**
   * Takes off the list the pairs added since it was last read that were among those loaded:
   * any loaded pair in {@linkcode DatasetCounts.#pairs} is one of them (those checked before
   * were not loaded ones).
   */
  #checkPairs(): void {
    if (this.#checkedPairs === this.#pairCount) return;
    const list = this.#pairList;
    const loaded = this.#pairs.intersect(list.subarray(0, this.#loadedPairs));
    if (loaded.size > 0) {
      let kept = this.#checkedPairs;
      for (let i = kept; i < this.#pairCount; i++) {
        if (!loaded.has(list[i])) list[kept++] = list[i];
      }
      this.#pairCount = kept;
    }
    this.#countRequesters(this.#checkedPairs);
    this.#checkedPairs = this.#pairCount;
  }

  /** Counts a block's requests. */
  add(block: RequestBlock, position: number): void {
    const { objectIds, times, bytesSent, ipIndexes, downloads, clientKinds } = block;
    const datasetNow = this.#datasetNow;
    const counted = this.#counted;
    const requesters = this.#requesters;
    const pairs = this.#pairs;
    for (let i = 0; i < block.rows; i++) {
      const id = objectIds[i];
      const dataset = id < datasetNow.length ? datasetNow[id] : -1;
      counted[id] = dataset;
      if (dataset < 0) continue;
      const ip = ipIndexes[i];
      const requester = requesters.slot(ip);
      if (requester === this.#labelCount) this.#addRequester(requester, ip);
      const label = this.#requesterLabel[requester];
      const bytes = bytesSent[i];
      const download = downloads[i];
      const day = Math.floor(times[i] / 86400);
      const slot = this.days.add(dataset * DAY_KEYS + day + DAY_OFFSET, bytes, download, 0);
      this.kinds = addKind(this.kinds, slot, clientKinds[i], bytes, download);
      this.regions.add(dataset * LABEL_KEYS + label, bytes, download, position + i);
      const pair = requester * DATASET_KEYS + dataset;
      if (pairs.add(pair)) {
        if (this.#pairCount === this.#pairList.length) {
          this.#pairList = atLeast(this.#pairList, this.#pairCount + 1);
        }
        this.#pairList[this.#pairCount++] = pair;
      }
    }
  }

  /** Records the label of a new requester. */
  #addRequester(requester: number, ip: number): void {
    this.#requesterLabel = atLeast(this.#requesterLabel, requester + 1);
    this.#requesterLabel[requester] = this.#labelNumber[this.#labelsNow.labelOf(ip)];
    this.#labelCount = requester + 1;
  }

  /**
   * Frees {@linkcode DatasetCounts.kinds} once they are read out (the activity's rows): they
   * are most of the kept state. Such counts cannot be saved any more.
   */
  releaseKinds(): void {
    release(this.kinds);
    this.kinds = new Float64Array(0);
    this.#kindsRead = false;
  }

  /** The state to save. */
  save(): SavedFold {
    // Not read means nothing was added: such a state is never saved.
    if (!this.#kindsRead || !this.#daysRead || !this.#pairsRead) {
      throw new Error("Dataset counts saved without their client kinds, days or pairs.");
    }
    const perDataset = this.requestersPerDataset().subarray(0, this.datasets.length);
    const requesters = this.#requesters.size;
    const saved: SavedFold = {
      meta: { datasets: this.datasets, labels: this.labels } satisfies DatasetMeta,
      columns: {
        counted: this.#counted,
        requesters: this.#requesters.keys.subarray(0, requesters),
        requester_labels: this.#requesterLabel.subarray(0, requesters),
        pairs: this.#pairList.subarray(0, this.#pairCount),
        dataset_requesters: perDataset,
      },
      unchanged: {
        requesters: this.#loadedRequesters * 8,
        requester_labels: this.#loadedRequesters * 4,
        pairs: this.#loadedPairs * 8,
      },
    };
    saveTable(saved, "days_", this.days);
    saveKinds(saved, this.days, this.kinds);
    saveTable(saved, "regions_", this.regions);
    return saved;
  }
}

/** Packed operation keys: `(object * OPERATION_DAYS + day) * 32 + code`. */
export const OPERATION_DAYS = 2 ** 22;
/** Objects a packed operation key can hold. */
const OPERATION_OBJECTS = 2 ** 26;
const UPLOAD = OPERATION_GROUPS.indexOf("upload");

/**
 * The aggregated other lines (`operation_blocks`) per object (0: none), UTC day and code
 * (`group * 4 + status class`): their requests and bytes (received for uploads, sent for the
 * rest), kept up to date with each night's blocks. Nothing in it depends on a placement.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "../store/cache_database.ts";
 * import { OperationBlockWriter } from "../store/operation_blocks.ts";
 * import { foldRequests } from "../store/request_folds.ts";
 * import { OperationSums, OPERATION_DAYS } from "./count_folds.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * // 3 uploads (group 2) of object 5 with status 4xx (class 2): code 2 * 4 + 2.
 * const block = {
 *   rows: 1, objects: new Uint32Array([5]), days: new Uint32Array([19723]), codes: new Uint8Array([10]),
 *   requests: new Float64Array([3]), bytesSent: new Float64Array([0]), bytesReceived: new Float64Array([900]),
 * };
 * new OperationBlockWriter(db).write(1, block);
 * await foldRequests(db, () => [new OperationSums()]);
 * new OperationBlockWriter(db).write(2, block);
 * const sums = new OperationSums();
 * assert.deepStrictEqual(await foldRequests(db, () => [sums]), [{ name: "operation_sums", added: 1 }]);
 * const slot = sums.groups.slots.slot((5 * OPERATION_DAYS + 19723) * 32 + 10);
 * assert.deepStrictEqual(sums.groups.counts(slot), { bytes: 1800, requests: 6, downloads: 0 });
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class OperationSums implements OperationFold {
  /** The saved state's name. */
  readonly name = "operation_sums";
  /** The saved state's format. */
  readonly format = 1;
  /** The fold reads the other lines' blocks. */
  readonly source = "operations";
  /** Per packed key (see {@linkcode OPERATION_DAYS}): requests and bytes. */
  groups: CountsTable = new CountsTable();

  /** Takes a saved state (always valid). */
  load(_meta: unknown, columns: SavedColumns): undefined {
    this.groups = loadTable("groups_", columns);
    return undefined;
  }

  /** Adds a block's groups. */
  add(block: OperationBlock): void {
    const { objects, days, codes, requests, bytesSent, bytesReceived } = block;
    for (let g = 0; g < block.rows; g++) {
      const code = codes[g];
      if (objects[g] >= OPERATION_OBJECTS || days[g] >= OPERATION_DAYS) {
        throw new OperatorError(
          `Cannot count the other lines: object ${objects[g]} on day ${days[g]} is past what ` +
            "the counts can key. Report this with the cache's size.",
        );
      }
      const bytes = code >> 2 === UPLOAD ? bytesReceived[g] : bytesSent[g];
      const key = (objects[g] * OPERATION_DAYS + days[g]) * 32 + code;
      this.groups.add(key, bytes, 0, block.id, requests[g]);
    }
  }

  /** The state to save. */
  save(): SavedFold {
    const saved: SavedFold = { meta: {}, columns: {}, unchanged: {} };
    saveTable(saved, "groups_", this.groups);
    return saved;
  }
}
