/**
 * The aggregate of the lines the download rules do not keep: requests, bytes sent and bytes
 * received per object, UTC day, operation group and status class, summed while a piece is
 * parsed (memory grows with the distinct groups, not with the lines).
 *
 * @module
 */

import { CARRIES_DATA } from "./operation_group.ts";
import { KeySlots } from "../key_slots.ts";
import { extend } from "../typed_columns.ts";
import type { OperationCounts } from "../store/operation_blocks.ts";

/** The earliest day a counted line's time can have (2006-01-01: times before are not counted). */
const FIRST_DAY = 13149;
/** Days a group's key has room for after {@linkcode FIRST_DAY} (up to the year 2185). */
const DAY_SPAN = 65536;

/**
 * The columns of the groups {@linkcode OperationTally.counts} gives (the ones a parse task's
 * answer packs, see `packSections`).
 *
 * @example Usage
 * ```ts
 * import { COUNT_COLUMNS } from "./operation_tally.ts";
 * import assert from "node:assert/strict";
 *
 * assert(COUNT_COLUMNS.includes("requests"));
 * ```
 */
export const COUNT_COLUMNS = [
  "objects",
  "days",
  "codes",
  "requests",
  "bytesSent",
  "bytesReceived",
] as const satisfies readonly (keyof OperationCounts)[];

/**
 * Sums counted lines per object, day, operation and status class.
 *
 * @example Usage
 * ```ts
 * import { OperationTally } from "./operation_tally.ts";
 * import assert from "node:assert/strict";
 *
 * const tally = new OperationTally();
 * const time = Date.UTC(2024, 0, 1) / 1000;
 * tally.add(3, time, 1, 2, 0, 100);
 * tally.add(3, time + 60, 1, 2, 0, 100);
 * const counts = tally.counts();
 * assert.deepStrictEqual([counts.rows, counts.requests[0], counts.codes[0]], [1, 2, 1 * 4 + 2]);
 * tally.section();
 * tally.add(3, time, 1, 2, 0, 100);
 * assert.deepStrictEqual([tally.counts().rows, tally.counts().requests[0], counts.requests[0]], [1, 1, 2]);
 * ```
 */
export class OperationTally {
  /** The current section's groups, by key (see `add`), to their row after `#first`. */
  #index = new KeySlots();
  #rows = 0;
  /** The first row of the current section. */
  #first = 0;
  /** The columns, all empty until the first line. */
  #objects = new Int32Array(0);
  #days = new Uint32Array(0);
  #codes = new Uint8Array(0);
  #requests = new Float64Array(0);
  #bytesSent = new Float64Array(0);
  #bytesReceived = new Float64Array(0);

  /**
   * Starts a new section: the lines added from here on are summed apart from those before (the
   * pieces of a task share one tally, each its own section, so that a task of many small files
   * allocates its columns once).
   */
  section(): void {
    this.#index.clear();
    this.#first = this.#rows;
  }

  /**
   * Adds one line: its object (`-1`: none), time (seconds), operation code (see
   * `operationCode`), status class code, bytes sent and object size (-1: unknown).
   */
  add(
    object: number,
    time: number,
    operation: number,
    statusClass: number,
    bytesSent: number,
    objectSize: number,
  ): void {
    const day = Math.floor(time / 86400);
    const code = (operation & 7) * 4 + statusClass;
    // Object -1 (none) and up, a day of a plausible time, a code below 32: an exact integer.
    const slot = this.#first +
      this.#index.slot(((object + 1) * DAY_SPAN + day - FIRST_DAY) * 32 + code);
    if (slot === this.#rows) {
      this.#rows++;
      if (slot === this.#days.length) this.#grow();
      this.#objects[slot] = object;
      this.#days[slot] = day;
      this.#codes[slot] = code;
    }
    this.#requests[slot]++;
    this.#bytesSent[slot] += bytesSent;
    if (operation & CARRIES_DATA && objectSize > 0) this.#bytesReceived[slot] += objectSize;
  }

  /**
   * The groups of the current section: views of the tally's columns, which later sections
   * leave as they are (a growing column is copied, the views keep the old one).
   */
  counts(): OperationCounts {
    const first = this.#first;
    const end = this.#rows;
    return {
      rows: end - first,
      objects: this.#objects.subarray(first, end),
      days: this.#days.subarray(first, end),
      codes: this.#codes.subarray(first, end),
      requests: this.#requests.subarray(first, end),
      bytesSent: this.#bytesSent.subarray(first, end),
      bytesReceived: this.#bytesReceived.subarray(first, end),
    };
  }

  #grow(): void {
    const size = Math.max(64, this.#days.length * 2);
    this.#objects = extend(this.#objects, new Int32Array(size));
    this.#days = extend(this.#days, new Uint32Array(size));
    this.#codes = extend(this.#codes, new Uint8Array(size));
    this.#requests = extend(this.#requests, new Float64Array(size));
    this.#bytesSent = extend(this.#bytesSent, new Float64Array(size));
    this.#bytesReceived = extend(this.#bytesReceived, new Float64Array(size));
  }
}
