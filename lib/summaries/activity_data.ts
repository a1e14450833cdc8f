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
import { OperatorError, StoppedError } from "../errors.ts";
import { readRequestBlocks } from "../store/request_blocks.ts";
import { readOperationBlocks } from "../store/operation_blocks.ts";
import { OPERATION_GROUPS } from "../extract/operation_group.ts";
import { comparePaths } from "./sort_orders.ts";
import {
  type AssetPlace,
  carryOf,
  exactBytes,
  placeObjects,
  SCAN_ROWS,
  type StopCheck,
} from "./summary_data.ts";

/** Requests and bytes of one day and operation (bytes received for uploads, else sent). */
export interface OperationDay {
  /** Days since 1970-01-01. */
  day: number;
  /** The operation group's code (an index of `OPERATION_GROUPS`). */
  group: number;
  /** The status class's code (an index of `STATUS_CLASSES`). */
  statusClass: number;
  /** Requests. */
  requests: number;
  /** Bytes sent, or for uploads bytes received. */
  bytes: number;
}

/** Requests, bytes sent and downloads of one day and client kind. */
export interface ClientKindDay {
  /** Days since 1970-01-01. */
  day: number;
  /** The kind's code (an index of `CLIENT_KINDS`). */
  kind: number;
  /** Requests. */
  requests: number;
  /** Bytes sent. */
  bytes: number;
  /** Requests with status 200. */
  downloads: number;
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
  /** Session lengths in seconds (first to last request), sorted. */
  seconds: Float64Array;
  /** Requests per session, sorted. */
  requests: Float64Array;
}

/** The activity of a dataset (its rows are its assets) or of the archive (rows: datasets). */
export interface ActivityScope {
  /** Per day, operation group and status class, in that order. */
  byOperation: OperationDay[];
  /** Per day and client kind, in that order. */
  byClientKind: ClientKindDay[];
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
   * session.
   *
   * @default {1800}
   */
  sessionGap?: number;
  /** Asked between parts of the work; a true answer throws {@linkcode StoppedError}. */
  stop?: StopCheck;
}

/** The default session gap: 30 minutes. */
export const DEFAULT_SESSION_GAP = 1800;

const DAY_KEYS = 2 ** 23;
const DAY_OFFSET = 2 ** 22;
/** Requests sorted at once for sessions (a chunk of objects; 32 MiB of keys). */
const SESSION_CHUNK = 1 << 22;
const UPLOAD = OPERATION_GROUPS.indexOf("upload");

/** Sums of up to three values per packed numeric key, in typed arrays. */
class Sums {
  slots = new Map<number, number>();
  a = new Float64Array(256);
  b = new Float64Array(256);
  c = new Float64Array(256);
  #lastKey = -1;
  #lastSlot = -1;

  add(key: number, a: number, b: number, c: number): void {
    let slot = key === this.#lastKey ? this.#lastSlot : this.slots.get(key);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(key, slot);
      if (slot === this.a.length) {
        for (const name of ["a", "b", "c"] as const) {
          const bigger = new Float64Array(slot * 2);
          bigger.set(this[name]);
          this[name] = bigger;
        }
      }
    }
    this.#lastKey = key;
    this.#lastSlot = slot;
    this.a[slot] += a;
    this.b[slot] += b;
    this.c[slot] += c;
  }

  /** The keys in numeric order, with their slot. */
  sorted(): [key: number, slot: number][] {
    return [...this.slots].sort(([x], [y]) => x - y);
  }
}

/** Per object: requests, downloads, bytes (low, high), size and the time it was reported. */
class ObjectTotals {
  requests: Float64Array;
  downloads: Float64Array;
  low: Float64Array;
  high: Float64Array;
  size: Float64Array;
  sizeTime: Float64Array;

  constructor(maxId: number) {
    const n = maxId + 1;
    this.requests = new Float64Array(n);
    this.downloads = new Float64Array(n);
    this.low = new Float64Array(n);
    this.high = new Float64Array(n);
    this.size = new Float64Array(n).fill(-1);
    this.sizeTime = new Float64Array(n).fill(-Infinity);
  }
}

/** A growing list of numbers. */
class Numbers {
  values = new Float64Array(64);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }

  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
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
 * assert.deepStrictEqual([...ds1.sessions[0][1].seconds], [60]);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function collectActivity(
  db: DatabaseSync,
  place: (key: string) => AssetPlace | undefined,
  options: ActivityOptions = {},
): Promise<{ datasets: Map<string, ActivityScope>; archive: ActivityScope }> {
  const gap = options.sessionGap ?? DEFAULT_SESSION_GAP;
  const objects = placeObjects(db, place);
  const archive = objects.names.length;
  const scopeOf = (objectId: number) => {
    const dataset = objects.datasetOf[objectId];
    return dataset === undefined ? -1 : dataset;
  };
  // The archive's sums apart: one lookup each per request, cached while keys repeat.
  const operations = new Sums();
  const kinds = new Sums();
  const archiveOperations = new Sums();
  const archiveKinds = new Sums();
  const totals = new ObjectTotals(objects.maxId);
  let minTime = Infinity;
  let maxTime = -Infinity;
  let scanned = 0;
  for (const block of readRequestBlocks(db)) {
    if ((scanned += block.rows) >= SCAN_ROWS) {
      scanned = 0;
      if (await options.stop?.()) throw new StoppedError();
    }
    const { objectIds, times, bytesSent, downloads, objectSizes, clientKinds } = block;
    for (let i = 0; i < block.rows; i++) {
      const id = objectIds[i];
      const time = times[i];
      const bytes = bytesSent[i];
      const download = downloads[i];
      const dayKey = Math.floor(time / 86400) + DAY_OFFSET;
      const dataset = scopeOf(id);
      const kind = clientKinds[i];
      if (dataset >= 0) {
        operations.add((dataset * DAY_KEYS + dayKey) * 32, 1, bytes, 0);
        kinds.add((dataset * DAY_KEYS + dayKey) * 8 + kind, 1, bytes, download);
      }
      archiveOperations.add(dayKey * 32, 1, bytes, 0);
      archiveKinds.add(dayKey * 8 + kind, 1, bytes, download);
      if (time < minTime) minTime = time;
      if (time > maxTime) maxTime = time;
      if (id > objects.maxId) continue;
      totals.requests[id]++;
      totals.downloads[id] += download;
      const low = totals.low[id] + bytes;
      const carry = carryOf(low);
      totals.high[id] += carry;
      totals.low[id] = low - carry;
      if (objectSizes[i] >= 0 && time >= totals.sizeTime[id]) {
        totals.size[id] = objectSizes[i];
        totals.sizeTime[id] = time;
      }
    }
  }
  for (const block of readOperationBlocks(db)) {
    for (let g = 0; g < block.rows; g++) {
      const code = block.codes[g];
      const bytes = code >> 2 === UPLOAD ? block.bytesReceived[g] : block.bytesSent[g];
      const dataset = block.objects[g] === 0 ? -1 : scopeOf(block.objects[g]);
      const dayKey = block.days[g] + DAY_OFFSET;
      const requests = block.requests[g];
      if (dataset >= 0) {
        operations.add((dataset * DAY_KEYS + dayKey) * 32 + code, requests, bytes, 0);
      }
      archiveOperations.add(dayKey * 32 + code, requests, bytes, 0);
    }
  }
  const scopes = [...objects.names, "archive"].map((): ActivityScope => ({
    byOperation: [],
    byClientKind: [],
    delivery: [],
    sessions: [],
    ratios: new Float64Array(0),
    ratioBytes: 0,
    ratioSizes: 0,
  }));
  const addOperations = (sums: Sums, fixed?: ActivityScope) => {
    for (const [key, slot] of sums.sorted()) {
      const code = key % 32;
      const dayKey = (key - code) / 32;
      (fixed ?? scopes[Math.floor(dayKey / DAY_KEYS)]).byOperation.push({
        day: dayKey % DAY_KEYS - DAY_OFFSET,
        group: code >> 2,
        statusClass: code & 3,
        requests: sums.a[slot],
        bytes: sums.b[slot],
      });
    }
  };
  const addKinds = (sums: Sums, fixed?: ActivityScope) => {
    for (const [key, slot] of sums.sorted()) {
      const kind = key % 8;
      const dayKey = (key - kind) / 8;
      (fixed ?? scopes[Math.floor(dayKey / DAY_KEYS)]).byClientKind.push({
        day: dayKey % DAY_KEYS - DAY_OFFSET,
        kind,
        requests: sums.a[slot],
        bytes: sums.b[slot],
        downloads: sums.c[slot],
      });
    }
  };
  addOperations(operations);
  addOperations(archiveOperations, scopes[archive]);
  addKinds(kinds);
  addKinds(archiveKinds, scopes[archive]);
  const sessions = await collectSessions(db, objects, totals, {
    gap,
    range: maxTime - minTime + 1,
    minTime,
    stop: options.stop,
  });
  addDeliveryAndSessions(scopes, objects, totals, sessions);
  const datasets = new Map<string, ActivityScope>();
  objects.names.map((name, i) => [name, i] as const)
    .sort(([a], [b]) => comparePaths(a, b))
    .forEach(([name, i]) => {
      const scope = scopes[i];
      // A dataset is one that served a request or took one (2xx): keys that only ever failed
      // (a crawler probing made-up paths) are counted in the archive alone.
      if (scope.delivery.length > 0 || scope.byOperation.some((r) => r.statusClass === 0)) {
        datasets.set(name, scope);
      }
    });
  return { datasets, archive: scopes[archive] };
}

/** Each object's sessions: lengths and requests per session (unsorted), by object id. */
type ObjectSessions = Map<number, { seconds: Numbers; requests: Numbers }>;

/**
 * The sessions of every placed object, a chunk of objects at a time (at most
 * {@linkcode SESSION_CHUNK} requests, unless one object has more): a pass over the requests
 * per chunk gathers each request as `client * range + time offset` at its object's place, each
 * object's keys are sorted, and a sweep cuts sessions at a new client or a gap.
 */
async function collectSessions(
  db: DatabaseSync,
  objects: ReturnType<typeof placeObjects>,
  totals: ObjectTotals,
  { gap, range, minTime, stop }: { gap: number; range: number; minTime: number; stop?: StopCheck },
): Promise<ObjectSessions> {
  const result: ObjectSessions = new Map();
  const placed: number[] = [];
  for (let id = 1; id <= objects.maxId; id++) {
    if (totals.requests[id] > 0 && objects.places[id] !== undefined) placed.push(id);
  }
  // Per object id: where its requests start in the chunk's keys, and where the next goes
  // (-1: not in the chunk).
  const starts = new Float64Array(objects.maxId + 1);
  const next = new Float64Array(objects.maxId + 1).fill(-1);
  for (let first = 0; first < placed.length;) {
    // The chunk: objects placed[first..last).
    let rows = 0;
    let last = first;
    while (
      last < placed.length &&
      (last === first || rows + totals.requests[placed[last]] <= SESSION_CHUNK)
    ) {
      starts[placed[last]] = next[placed[last]] = rows;
      rows += totals.requests[placed[last]];
      last++;
    }
    if (await stop?.()) throw new StoppedError();
    const keys = new Float64Array(rows);
    const clients = new Map<number, number>();
    for (const block of readRequestBlocks(db)) {
      const { objectIds, ipIndexes, times } = block;
      for (let i = 0; i < block.rows; i++) {
        const id = objectIds[i];
        const at = id <= objects.maxId ? next[id] : -1;
        if (at < 0) continue;
        let client = clients.get(ipIndexes[i]);
        if (client === undefined) clients.set(ipIndexes[i], client = clients.size);
        keys[at] = client * range + (times[i] - minTime);
        next[id] = at + 1;
      }
    }
    if (clients.size * range >= Number.MAX_SAFE_INTEGER) {
      throw new OperatorError(
        `Cannot compute sessions: ${clients.size} clients over ${range} seconds exceed the ` +
          "exact range of the sort keys. Report this with the cache's size.",
      );
    }
    for (let k = first; k < last; k++) {
      const id = placed[k];
      next[id] = -1;
      const start = starts[id];
      const end = start + totals.requests[id];
      const sorted = keys.subarray(start, end).sort();
      const seconds = new Numbers();
      const requests = new Numbers();
      let i = 0;
      while (i < sorted.length) {
        const firstTime = sorted[i] % range;
        const client = sorted[i] - firstTime;
        let lastTime = firstTime;
        let j = i + 1;
        while (j < sorted.length) {
          const time = sorted[j] % range;
          if (sorted[j] - time !== client || time - lastTime > gap) break;
          lastTime = time;
          j++;
        }
        seconds.push(lastTime - firstTime);
        requests.push(j - i);
        i = j;
      }
      result.set(id, { seconds, requests });
    }
    first = last;
  }
  return result;
}

/** Fills each scope's delivery, sessions and ratios from the objects' totals and sessions. */
function addDeliveryAndSessions(
  scopes: ActivityScope[],
  objects: ReturnType<typeof placeObjects>,
  totals: ObjectTotals,
  sessions: ObjectSessions,
): void {
  const archive = scopes.length - 1;
  const datasetDelivery = objects.names.map(() => ({
    size: 0,
    fullDownloads: 0,
    partialRequests: 0,
    high: 0,
    low: 0,
  }));
  const datasetSessions = objects.names.map(() => ({
    seconds: new Numbers(),
    requests: new Numbers(),
  }));
  const ratios = scopes.map(() => new Numbers());
  const ratioBytes = scopes.map(() => 0);
  const ratioSizes = scopes.map(() => 0);
  const ids = [...sessions.keys()].sort((a, b) =>
    comparePaths(objects.places[a]!.asset, objects.places[b]!.asset) || a - b
  );
  for (const id of ids) {
    const dataset = objects.datasetOf[id];
    const spot = objects.places[id]!;
    const size = spot.pooled ? -1 : totals.size[id];
    const bytes = exactBytes(totals.high[id], totals.low[id]);
    const full = totals.downloads[id];
    const partial = totals.requests[id] - full;
    scopes[dataset].delivery.push([spot.asset, {
      size,
      bytes,
      fullDownloads: full,
      partialRequests: partial,
      ratio: size > 0 ? Number(bytes) / size : NaN,
    }]);
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
    const own = sessions.get(id)!;
    scopes[dataset].sessions.push([spot.asset, sessionsOf(own)]);
    for (let i = 0; i < own.seconds.length; i++) {
      datasetSessions[dataset].seconds.push(own.seconds.values[i]);
      datasetSessions[dataset].requests.push(own.requests.values[i]);
    }
  }
  const order = objects.names.map((name, i) => [name, i] as const)
    .sort(([a], [b]) => comparePaths(a, b));
  for (const [name, i] of order) {
    if (datasetSessions[i].seconds.length === 0) continue;
    const { high, low, size, ...delivery } = datasetDelivery[i];
    scopes[archive].delivery.push([name, {
      ...delivery,
      size: size > 0 ? size : -1,
      bytes: exactBytes(high, low),
      ratio: ratioSizes[i] > 0 ? ratioBytes[i] / ratioSizes[i] : NaN,
    }]);
    scopes[archive].sessions.push([name, sessionsOf(datasetSessions[i])]);
  }
  scopes.forEach((scope, i) => {
    scope.ratios = ratios[i].sorted();
    scope.ratioBytes = ratioBytes[i];
    scope.ratioSizes = ratioSizes[i];
  });
}

function sessionsOf(lists: { seconds: Numbers; requests: Numbers }): Sessions {
  return {
    sessions: lists.seconds.length,
    seconds: lists.seconds.sorted(),
    requests: lists.requests.sorted(),
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
export function quantile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo);
}
