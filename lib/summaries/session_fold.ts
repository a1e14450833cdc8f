/**
 * Each object's access sessions, kept up to date with the stored requests (see
 * `request_folds.ts`), so that `sessions.tsv` costs what a night adds instead of a sort of the
 * whole history. A session is a run of one client's requests for one object, each within the
 * session gap of the one before; its length is its last request's time less its first's.
 *
 * The state is every recent session, sorted by object, then client, then first request: per
 * session its client's number, first time, length and requests (20 bytes), and per object its
 * number of sessions. New requests are gathered, then merged in one sweep from the end: a
 * request within the gap of a session (or between two) extends it (or joins them), whatever
 * the order the requests come in, so the sessions are those of one sort of every request.
 *
 * A session that ended a week (`settleAfter`) before the latest request is settled when the
 * state is saved: only its object, length and requests are kept (12 bytes), in a list that
 * each save appends to, so that its saved chunks are kept as they are and a night writes and
 * merges what its week holds, not every session of the history. Requests that come in older
 * than the settled sessions' end plus the gap (logs delivered more than a week late) could
 * reach them: then the sessions are counted again from every request, as the first time.
 *
 * @module
 */

import { KeySlots } from "../key_slots.ts";
import type { RequestBlock } from "../store/request_blocks.ts";
import {
  type RequestFold,
  savedArray,
  type SavedColumns,
  type SavedFold,
} from "../store/request_folds.ts";
import { extend, release } from "../typed_columns.ts";

/** The default session gap: 30 minutes. */
export const DEFAULT_SESSION_GAP = 1800;

/** The sessions of objects, as the activity files read them. */
export interface ObjectSessions {
  /** Every session's length in seconds, object by object. */
  seconds: Uint32Array;
  /** Every session's requests, in the same order. */
  requests: Uint32Array;
  /** Where each object's sessions are in those lists, by object id. */
  ranges: Map<number, { start: number; end: number }>;
}

/** Options of {@linkcode SessionFold}. */
export interface SessionFoldOptions {
  /**
   * Longest gap, in seconds, between two requests of one client for one object within one
   * session (saved sessions cut at another gap are counted again).
   *
   * @default {1800}
   */
  gap?: number;
  /**
   * Requests gathered before they are merged into the sessions (16 bytes each, and 8 more
   * while they merge), at least: each merge moves every session, so up to an eighth of the
   * sessions kept are gathered (a merge's cost then stays within a few times its requests').
   *
   * @default {4194304}
   */
  pending?: number;
  /**
   * How long, in seconds, before the latest request a session must have ended to be settled
   * when the state is saved (see the module's documentation).
   *
   * @default {604800}
   */
  settleAfter?: number;
}

/** The default time after which a session is settled: a week. */
const SETTLE_AFTER = 7 * 86400;

/** A time in seconds as an ISO date and time (for messages). */
function isoTime(seconds: number): string {
  return Number.isFinite(seconds) && Math.abs(seconds) < 8.64e12
    ? new Date(seconds * 1000).toISOString().replace(".000Z", "Z")
    : String(seconds);
}

interface SessionsMeta {
  gap: number;
  sessions: number;
  objects: number;
  clients: number;
  /** The sessions that ended before this time are settled (null: none yet). */
  cutoff: number | null;
  settled: number;
  /** The latest request's time (null: none yet). */
  latest: number | null;
}

/**
 * Every object's sessions over the stored requests, as a {@linkcode RequestFold}.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "../store/cache_database.ts";
 * import { BlockWriter } from "../store/request_blocks.ts";
 * import { foldRequests } from "../store/request_folds.ts";
 * import { SessionFold } from "./session_fold.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const blocks = new BlockWriter(db);
 * // Object 1: client 7 at 0 s and 60 s (one session), client 8 once.
 * for (const [time, ip] of [[86400, 7], [86460, 7], [86400, 8]]) blocks.push(1, 1, 1, time, 10, ip, 1);
 * blocks.flush();
 * await foldRequests(db, () => [new SessionFold()]);
 * // A later night: client 7 again 20 minutes later (the same session), an hour after (a new one).
 * blocks.push(2, 1, 1, 86460 + 1200, 10, 7, 1);
 * blocks.push(2, 2, 1, 86460 + 1200 + 3600, 10, 7, 1);
 * blocks.flush();
 * const fold = new SessionFold();
 * await foldRequests(db, () => [fold]);
 * const { seconds, requests, ranges } = fold.sessions(() => true);
 * assert.deepStrictEqual([[...seconds], [...requests], ranges.get(1)], [[1260, 0, 0], [3, 1, 1], { start: 0, end: 3 }]);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SessionFold implements RequestFold {
  /** The saved state's name. */
  readonly name = "object_sessions";
  /** The saved state's format. */
  readonly format = 2;
  readonly #gap: number;
  readonly #pendingLimit: number;
  readonly #settleAfter: number;
  /** Sessions that ended before this time are settled. */
  #cutoff = -Infinity;
  #latest = -Infinity;
  /** Client IP index → client number. */
  #clients = new KeySlots();
  #loadedClients = 0;
  /** Sessions per object id. */
  #perObject = new Uint32Array(0);
  /** Objects at the start whose session counts are as they were loaded. */
  #unchangedObjects = 0;
  #length = 0;
  // Per session, sorted by object, client, first time.
  #sessionClients = new Uint32Array(0);
  #firsts = new Float64Array(0);
  #seconds = new Uint32Array(0);
  #requests = new Uint32Array(0);
  /** Sessions at the start that are as they were loaded. */
  #unchanged = 0;
  // The settled sessions, in the order they settled: object id, length, requests.
  #settledObjects = new Uint32Array(0);
  #settledSeconds = new Uint32Array(0);
  #settledRequests = new Uint32Array(0);
  #settled = 0;
  #loadedSettled = 0;
  // Requests not merged yet.
  #pendingObjects = new Uint32Array(0);
  #pendingClients = new Uint32Array(0);
  #pendingTimes = new Float64Array(0);
  #pending = 0;
  #spent = false;

  /** A fold of no sessions yet. */
  constructor(options: SessionFoldOptions = {}) {
    this.#gap = options.gap ?? DEFAULT_SESSION_GAP;
    this.#pendingLimit = options.pending ?? 1 << 22;
    this.#settleAfter = options.settleAfter ?? SETTLE_AFTER;
  }

  /** Takes the saved sessions (see {@linkcode RequestFold.load}). */
  load(meta: unknown, columns: SavedColumns): string | undefined {
    const saved = meta as SessionsMeta;
    if (saved.gap !== this.#gap) {
      return `the sessions were cut at a gap of ${saved.gap} s, now ${this.#gap} s`;
    }
    const cutoff = saved.cutoff ?? -Infinity;
    if (columns.earliest < cutoff + this.#gap) {
      return `requests from ${isoTime(columns.earliest)} came in, after the sessions that ` +
        `ended before ${isoTime(cutoff)} were settled`;
    }
    const perObject = savedArray(columns, "per_object", Uint32Array, saved.objects);
    // Behind, room for a night as large as a quarter of the sessions (or a million): the merge
    // writes into it, instead of a copy of every session into larger arrays.
    const { sessions } = saved;
    const room = columns.behind ? sessions + Math.max(sessions >> 2, 1 << 20) : sessions;
    const seconds = savedArray(columns, "seconds", Uint32Array, sessions, room);
    const requests = savedArray(columns, "requests", Uint32Array, sessions, room);
    // The clients and first times are needed only to add requests.
    const clients = columns.behind
      ? savedArray(columns, "clients", Uint32Array, sessions, room)
      : new Uint32Array(0);
    const firsts = columns.behind
      ? savedArray(columns, "firsts", Float64Array, sessions, room)
      : new Float64Array(0);
    const keys = columns.behind
      ? savedArray(columns, "client_keys", Float64Array, saved.clients)
      : new Float64Array(0);
    const settled = saved.settled;
    // The settled list has room for every session: the recent ones join it when read.
    const settledRoom = settled + room;
    const [settledObjects, settledSeconds, settledRequests] = [
      "settled_objects",
      "settled_seconds",
      "settled_requests",
    ].map((name) => savedArray(columns, name, Uint32Array, settled, settledRoom));
    if (
      !perObject || !seconds || !requests || !clients || !firsts || !keys || !settledObjects ||
      !settledSeconds || !settledRequests
    ) {
      return "the saved sessions are incomplete";
    }
    this.#cutoff = cutoff;
    this.#latest = saved.latest ?? -Infinity;
    this.#settledObjects = settledObjects;
    this.#settledSeconds = settledSeconds;
    this.#settledRequests = settledRequests;
    this.#settled = this.#loadedSettled = settled;
    this.#perObject = perObject;
    this.#seconds = seconds;
    this.#requests = requests;
    this.#sessionClients = clients;
    this.#firsts = firsts;
    this.#clients = KeySlots.of(keys);
    this.#loadedClients = keys.length;
    this.#length = this.#unchanged = saved.sessions;
    this.#unchangedObjects = saved.objects;
    return undefined;
  }

  /** Gathers the requests of `block` (see {@linkcode RequestFold.add}). */
  add(block: RequestBlock): void {
    const { objectIds, ipIndexes, times } = block;
    for (let i = 0; i < block.rows; i++) {
      if (this.#pending === this.#pendingObjects.length) {
        if (this.#pending >= this.#mergeAt()) this.#merge();
        else this.#growPending();
      }
      const at = this.#pending++;
      this.#pendingObjects[at] = objectIds[i];
      this.#pendingClients[at] = this.#clients.slot(ipIndexes[i]);
      this.#pendingTimes[at] = times[i];
      if (times[i] > this.#latest) this.#latest = times[i];
    }
  }

  /** The state to save (see {@linkcode RequestFold.save}). */
  save(): SavedFold {
    if (this.#spent) throw new Error("SessionFold.save after sessions() handed its lists over");
    this.#merge();
    this.#settle(this.#latest - this.#settleAfter);
    const n = this.#length;
    const meta: SessionsMeta = {
      gap: this.#gap,
      sessions: n,
      objects: this.#perObject.length,
      clients: this.#clients.size,
      cutoff: Number.isFinite(this.#cutoff) ? this.#cutoff : null,
      settled: this.#settled,
      latest: Number.isFinite(this.#latest) ? this.#latest : null,
    };
    const settled = this.#settled;
    return {
      meta,
      columns: {
        per_object: this.#perObject,
        clients: this.#sessionClients.subarray(0, n),
        firsts: this.#firsts.subarray(0, n),
        seconds: this.#seconds.subarray(0, n),
        requests: this.#requests.subarray(0, n),
        client_keys: this.#clients.keys.subarray(0, this.#clients.size),
        settled_objects: this.#settledObjects.subarray(0, settled),
        settled_seconds: this.#settledSeconds.subarray(0, settled),
        settled_requests: this.#settledRequests.subarray(0, settled),
      },
      unchanged: {
        per_object: this.#unchangedObjects * 4,
        clients: this.#unchanged * 4,
        firsts: this.#unchanged * 8,
        seconds: this.#unchanged * 4,
        requests: this.#unchanged * 4,
        client_keys: this.#loadedClients * 8,
        settled_objects: this.#loadedSettled * 4,
        settled_seconds: this.#loadedSettled * 4,
        settled_requests: this.#loadedSettled * 4,
      },
    };
  }

  /**
   * The sessions of the objects `counted` keeps (by id), recent and settled, with every
   * request merged. The lists are the caller's (it may sort their ranges in place); the fold's
   * own go: it is neither saved nor asked again after.
   */
  sessions(counted: (id: number) => boolean): ObjectSessions {
    if (this.#spent) throw new Error("SessionFold.sessions after it handed its lists over");
    this.#merge();
    this.#spent = true;
    const perObject = this.#perObject;
    const n = this.#settled + this.#length;
    // The recent sessions join the settled list (in the room it was given for them), then the
    // list is grouped by object.
    this.#growSettled(n);
    const objects = this.#settledObjects;
    const seconds = this.#settledSeconds;
    const requests = this.#settledRequests;
    seconds.set(this.#seconds.subarray(0, this.#length), this.#settled);
    requests.set(this.#requests.subarray(0, this.#length), this.#settled);
    let at = this.#settled;
    for (let id = 0; id < perObject.length; id++) {
      objects.fill(id, at, at + perObject[id]);
      at += perObject[id];
    }
    release(this.#sessionClients, this.#seconds, this.#requests, this.#firsts);
    this.#sessionClients = this.#seconds = this.#requests = new Uint32Array(0);
    this.#firsts = new Float64Array(0);
    this.#settledObjects = this.#settledSeconds = this.#settledRequests = new Uint32Array(0);
    let buckets = perObject.length;
    for (let s = 0; s < n; s++) if (objects[s] >= buckets) buckets = objects[s] + 1;
    const grouped = groupByObject({ objects, seconds, requests }, n, buckets);
    // The grouping's scratch and the list it read (the grouped lists are one new array and the
    // seconds' reused one).
    release(objects, requests);
    const starts = grouped.starts;
    const ranges = new Map<number, { start: number; end: number }>();
    for (let id = 0; id < buckets; id++) {
      if (starts[id + 1] > starts[id] && counted(id)) {
        ranges.set(id, { start: starts[id], end: starts[id + 1] });
      }
    }
    return { seconds: grouped.seconds, requests: grouped.requests, ranges };
  }

  /**
   * Settles the recent sessions that ended before `cutoff` (when it is later than the last
   * cutoff): appends them to the settled list, and packs the others where they were.
   */
  #settle(cutoff: number): void {
    if (!(cutoff > this.#cutoff)) return;
    this.#cutoff = cutoff;
    const perObject = this.#perObject;
    const clients = this.#sessionClients;
    const firsts = this.#firsts;
    const seconds = this.#seconds;
    const requests = this.#requests;
    this.#growSettled(this.#settled + this.#length);
    let read = 0;
    let write = 0;
    for (let id = 0; id < perObject.length; id++) {
      let kept = 0;
      for (let k = perObject[id]; k > 0; k--, read++) {
        if (firsts[read] + seconds[read] < cutoff) {
          const at = this.#settled++;
          this.#settledObjects[at] = id;
          this.#settledSeconds[at] = seconds[read];
          this.#settledRequests[at] = requests[read];
          continue;
        }
        if (write !== read) {
          this.#unchanged = Math.min(this.#unchanged, write);
          clients[write] = clients[read];
          firsts[write] = firsts[read];
          seconds[write] = seconds[read];
          requests[write] = requests[read];
        }
        write++;
        kept++;
      }
      if (kept !== perObject[id]) {
        this.#unchangedObjects = Math.min(this.#unchangedObjects, id);
        perObject[id] = kept;
      }
    }
    this.#unchanged = Math.min(this.#unchanged, write);
    this.#length = write;
  }

  /** Requests gathered before a merge. */
  #mergeAt(): number {
    return Math.max(this.#pendingLimit, this.#length >> 3);
  }

  /** Grows the settled list to hold `needed` sessions, when it holds fewer (by a quarter at least). */
  #growSettled(needed: number): void {
    if (this.#settledObjects.length >= needed) return;
    const length = Math.max(needed, Math.floor(this.#settledObjects.length * 1.25));
    this.#settledObjects = extend(this.#settledObjects, new Uint32Array(length));
    this.#settledSeconds = extend(this.#settledSeconds, new Uint32Array(length));
    this.#settledRequests = extend(this.#settledRequests, new Uint32Array(length));
  }

  #growPending(): void {
    const length = Math.min(this.#mergeAt(), Math.max(1024, this.#pending * 2));
    this.#pendingObjects = extend(this.#pendingObjects, new Uint32Array(length));
    this.#pendingClients = extend(this.#pendingClients, new Uint32Array(length));
    this.#pendingTimes = extend(this.#pendingTimes, new Float64Array(length));
  }

  /** Merges the gathered requests into the sessions. */
  #merge(): void {
    const n = this.#pending;
    if (n === 0) return;
    this.#pending = 0;
    const objects = this.#pendingObjects;
    const clients = this.#pendingClients;
    const times = this.#pendingTimes;
    let maxObject = this.#perObject.length - 1;
    for (let i = 0; i < n; i++) if (objects[i] > maxObject) maxObject = objects[i];
    // The requests by object (a counting sort), then each object's by client and time.
    const starts = new Uint32Array(maxObject + 2);
    for (let i = 0; i < n; i++) starts[objects[i] + 1]++;
    let firstObject = -1;
    for (let id = 0; id <= maxObject; id++) {
      if (firstObject < 0 && starts[id + 1] > 0) firstObject = id;
      starts[id + 1] += starts[id];
    }
    const next = starts.slice(0, maxObject + 1);
    const byClient = new Uint32Array(n);
    const byTime = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const at = next[objects[i]]++;
      byClient[at] = clients[i];
      byTime[at] = times[i];
    }
    sortByClientAndTime(byClient, byTime, starts, maxObject);
    // Objects before the first with new requests keep their sessions where they are.
    let before = 0;
    for (let id = 0; id < firstObject && id < this.#perObject.length; id++) {
      before += this.#perObject[id];
    }
    this.#unchanged = Math.min(this.#unchanged, before);
    this.#unchangedObjects = Math.min(this.#unchangedObjects, firstObject);
    if (maxObject >= this.#perObject.length) {
      this.#perObject = extend(this.#perObject, new Uint32Array(maxObject + 1));
    }
    const capacity = this.#length + n;
    if (this.#seconds.length < capacity) {
      const length = Math.max(capacity, Math.floor(this.#seconds.length * 1.25));
      this.#sessionClients = extend(this.#sessionClients, new Uint32Array(length));
      this.#firsts = extend(this.#firsts, new Float64Array(length));
      this.#seconds = extend(this.#seconds, new Uint32Array(length));
      this.#requests = extend(this.#requests, new Uint32Array(length));
    }
    const written = this.#sweep({ byClient, byTime }, starts, maxObject);
    const from = capacity - written;
    if (from > 0) {
      for (const array of [this.#sessionClients, this.#firsts, this.#seconds, this.#requests]) {
        array.copyWithin(0, from, capacity);
      }
    }
    this.#length = written;
  }

  /**
   * Merges the sorted new requests (object `id`'s from `starts[id]`) into the sessions from
   * the last object to the first, writing from the end of the arrays (as long as the sessions
   * and the requests) towards their start: a write never reaches a session not read yet, as
   * every session and request not read yet still has its place below. Returns the sessions
   * written (they end the arrays).
   */
  #sweep(
    { byClient, byTime }: { byClient: Uint32Array; byTime: Float64Array },
    starts: Uint32Array,
    maxObject: number,
  ): number {
    const gap = this.#gap;
    const perObject = this.#perObject;
    const clients = this.#sessionClients;
    const firsts = this.#firsts;
    const seconds = this.#seconds;
    const requests = this.#requests;
    const end = this.#length + byTime.length;
    let write = end;
    let read = this.#length;
    // Sessions of objects without new requests, moved as one run: [runStart, read) of the old.
    let runEnd = read;
    const moveRun = () => {
      const count = runEnd - read;
      if (count > 0 && write !== runEnd) {
        for (const array of [clients, firsts, seconds, requests]) {
          array.copyWithin(write - count, read, runEnd);
        }
      }
      write -= count;
    };
    for (let id = maxObject; id >= 0; id--) {
      const old = perObject[id];
      const low = read - old;
      let j = starts[id + 1];
      const lowKey = starts[id];
      if (j === lowKey) {
        read = low;
        continue;
      }
      moveRun();
      let i = read - 1;
      read = low;
      runEnd = low;
      // The session being built: client, first and last time, requests.
      let client = -1;
      let first = 0;
      let last = 0;
      let count = 0;
      let made = 0;
      while (i >= low || j > lowKey) {
        let itemClient: number;
        let itemFirst: number;
        let itemLast: number;
        let itemRequests: number;
        const keyClient = j > lowKey ? byClient[j - 1] : 0;
        const keyTime = j > lowKey ? byTime[j - 1] : 0;
        if (
          i >= low &&
          (j === lowKey || clients[i] > keyClient ||
            (clients[i] === keyClient && firsts[i] + seconds[i] >= keyTime))
        ) {
          itemClient = clients[i];
          itemFirst = firsts[i];
          itemLast = itemFirst + seconds[i];
          itemRequests = requests[i];
          i--;
        } else {
          itemClient = keyClient;
          itemFirst = itemLast = keyTime;
          itemRequests = 1;
          j--;
        }
        if (count > 0 && itemClient === client && first - itemLast <= gap) {
          if (itemFirst < first) first = itemFirst;
          count += itemRequests;
          continue;
        }
        if (count > 0) {
          write--;
          clients[write] = client;
          firsts[write] = first;
          seconds[write] = last - first;
          requests[write] = count;
          made++;
        }
        client = itemClient;
        first = itemFirst;
        last = itemLast;
        count = itemRequests;
      }
      write--;
      clients[write] = client;
      firsts[write] = first;
      seconds[write] = last - first;
      requests[write] = count;
      perObject[id] = made + 1;
    }
    moveRun();
    return end - write;
  }
}

/**
 * Groups the first `n` sessions of the lists by object (ids below `buckets`): a counting sort
 * whose destinations are written over `objects`, then each session's length is moved to a new
 * list, and its requests to the old list of lengths (free by then). The lists are the largest
 * arrays of the step: this holds 16 bytes a session at most, where two new lists would hold 20
 * (and sorting in place, 12, took five times as long: each move a cache miss). Returns the two
 * lists, and where each object's range starts (and, at `buckets`, where the last ends).
 */
function groupByObject(
  lists: { objects: Uint32Array; seconds: Uint32Array; requests: Uint32Array },
  n: number,
  buckets: number,
): { seconds: Uint32Array; requests: Uint32Array; starts: Uint32Array } {
  const { objects, seconds, requests } = lists;
  const starts = new Uint32Array(buckets + 1);
  for (let i = 0; i < n; i++) starts[objects[i] + 1]++;
  for (let id = 0; id < buckets; id++) starts[id + 1] += starts[id];
  const next = starts.slice(0, buckets);
  const places = objects;
  for (let i = 0; i < n; i++) places[i] = next[objects[i]]++;
  const grouped = new Uint32Array(n);
  for (let i = 0; i < n; i++) grouped[places[i]] = seconds[i];
  for (let i = 0; i < n; i++) seconds[places[i]] = requests[i];
  return { seconds: grouped, requests: seconds.subarray(0, n), starts };
}

/**
 * Sorts each object's requests (object `id`'s from `starts[id]` to `starts[id + 1]`) by client,
 * then time. Where `client * span + time offset` is exact (below 2^53, as for any night's
 * requests) those keys are sorted as numbers; an object whose requests span too long for its
 * clients' numbers (a line dated years before the rest) is sorted by a comparison instead.
 */
function sortByClientAndTime(
  byClient: Uint32Array,
  byTime: Float64Array,
  starts: Uint32Array,
  maxObject: number,
): void {
  let keys = new Float64Array(0);
  for (let id = 0; id <= maxObject; id++) {
    const start = starts[id];
    const count = starts[id + 1] - start;
    if (count < 2) continue;
    let maxClient = 0;
    let minTime = Infinity;
    let maxTime = -Infinity;
    for (let i = start; i < start + count; i++) {
      if (byClient[i] > maxClient) maxClient = byClient[i];
      if (byTime[i] < minTime) minTime = byTime[i];
      if (byTime[i] > maxTime) maxTime = byTime[i];
    }
    const span = maxTime - minTime + 1;
    if ((maxClient + 1) * span < Number.MAX_SAFE_INTEGER) {
      if (keys.length < count) keys = new Float64Array(Math.max(count, keys.length * 2));
      const sorted = keys.subarray(0, count);
      for (let k = 0; k < count; k++) {
        sorted[k] = byClient[start + k] * span + (byTime[start + k] - minTime);
      }
      sorted.sort();
      for (let k = 0; k < count; k++) {
        const offset = sorted[k] % span;
        byClient[start + k] = (sorted[k] - offset) / span;
        byTime[start + k] = offset + minTime;
      }
    } else {
      const clients = byClient.slice(start, start + count);
      const times = byTime.slice(start, start + count);
      const order = Array.from({ length: count }, (_, k) => k)
        .sort((a, b) => clients[a] - clients[b] || times[a] - times[b]);
      order.forEach((k, at) => {
        byClient[start + at] = clients[k];
        byTime[start + at] = times[k];
      });
    }
  }
}
