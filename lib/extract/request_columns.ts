/**
 * The columns of the requests a parser keeps, shared by the pieces of a task: each piece writes
 * a section of its own and keeps views of it, so that a task of many small files allocates its
 * columns a few times instead of once per file, and its answer transfers them without a copy.
 *
 * @module
 */

import { extend } from "../typed_columns.ts";

/** The kept requests of one section, as views of the columns. */
export interface RequestSection {
  /** Object key of each request (an index into the thread's keys). */
  keyIds: Uint32Array;
  /** Client IP of each request (an index into the thread's IPs). */
  ipIds: Uint32Array;
  /** 1-based line number of each request within its piece. */
  lines: Uint32Array;
  /** UTC seconds since the epoch of each request. */
  times: Float64Array;
  /** Bytes sent of each request. */
  bytesSent: Float64Array;
  /** 1 when the status was exactly 200, else 0. */
  downloads: Uint8Array;
  /** The object's size of each request, or -1 when the log does not say. */
  objectSizes: Float64Array;
  /** The client kind of each request (a code of `CLIENT_KINDS`). */
  clientKinds: Uint8Array;
}

/**
 * The columns of a {@linkcode RequestSection} (the ones a parse task's answer packs, see
 * `packSections`).
 *
 * @example Usage
 * ```ts
 * import { REQUEST_COLUMNS } from "./request_columns.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(REQUEST_COLUMNS.slice(0, 2), ["keyIds", "ipIds"]);
 * ```
 */
export const REQUEST_COLUMNS = [
  "keyIds",
  "ipIds",
  "lines",
  "times",
  "bytesSent",
  "downloads",
  "objectSizes",
  "clientKinds",
] as const satisfies readonly (keyof RequestSection)[];

/**
 * Growing columns of kept requests, in sections.
 *
 * @example Usage
 * ```ts
 * import { RequestColumns } from "./request_columns.ts";
 * import assert from "node:assert/strict";
 *
 * const columns = new RequestColumns();
 * columns.section();
 * const row = columns.add();
 * columns.bytesSent[row] = 12;
 * const first = columns.view();
 * columns.section();
 * columns.bytesSent[columns.add()] = 7;
 * assert.deepStrictEqual([first.bytesSent, columns.view().bytesSent], [Float64Array.of(12), Float64Array.of(7)]);
 * ```
 */
export class RequestColumns {
  /** Rows written, all sections together. */
  rows = 0;
  /** The first row of the current section. */
  #first = 0;
  /** The columns, written by index (rows from {@linkcode RequestColumns.add}). */
  keyIds: Uint32Array = new Uint32Array(0);
  /** See {@linkcode RequestSection.ipIds}. */
  ipIds: Uint32Array = new Uint32Array(0);
  /** See {@linkcode RequestSection.lines}. */
  lines: Uint32Array = new Uint32Array(0);
  /** See {@linkcode RequestSection.times}. */
  times: Float64Array = new Float64Array(0);
  /** See {@linkcode RequestSection.bytesSent}. */
  bytesSent: Float64Array = new Float64Array(0);
  /** See {@linkcode RequestSection.downloads}. */
  downloads: Uint8Array = new Uint8Array(0);
  /** See {@linkcode RequestSection.objectSizes}. */
  objectSizes: Float64Array = new Float64Array(0);
  /** See {@linkcode RequestSection.clientKinds}. */
  clientKinds: Uint8Array = new Uint8Array(0);
  #capacity: number;

  /**
   * Columns that start with room for `capacity` rows (allocated at the first row).
   *
   * @param capacity Rows the first allocation holds.
   * @default {256}
   */
  constructor(capacity = 256) {
    this.#capacity = Math.max(1, Math.ceil(capacity));
  }

  /** Starts a new section: the rows added from here on are viewed apart from those before. */
  section(): void {
    this.#first = this.rows;
  }

  /** Rows of the current section. */
  get sectionRows(): number {
    return this.rows - this.#first;
  }

  /**
   * A new row's index (its values are written into the columns by the caller). A full column
   * is copied into one twice its size; views taken before keep the old one.
   */
  add(): number {
    const row = this.rows++;
    if (row === this.keyIds.length) this.#grow();
    return row;
  }

  /** The current section's rows: views that later sections leave as they are. */
  view(): RequestSection {
    const first = this.#first;
    const end = this.rows;
    return {
      keyIds: this.keyIds.subarray(first, end),
      ipIds: this.ipIds.subarray(first, end),
      lines: this.lines.subarray(first, end),
      times: this.times.subarray(first, end),
      bytesSent: this.bytesSent.subarray(first, end),
      downloads: this.downloads.subarray(first, end),
      objectSizes: this.objectSizes.subarray(first, end),
      clientKinds: this.clientKinds.subarray(first, end),
    };
  }

  #grow(): void {
    const size = Math.max(this.#capacity, this.keyIds.length * 2);
    this.keyIds = extend(this.keyIds, new Uint32Array(size));
    this.ipIds = extend(this.ipIds, new Uint32Array(size));
    this.lines = extend(this.lines, new Uint32Array(size));
    this.times = extend(this.times, new Float64Array(size));
    this.bytesSent = extend(this.bytesSent, new Float64Array(size));
    this.downloads = extend(this.downloads, new Uint8Array(size));
    this.objectSizes = extend(this.objectSizes, new Float64Array(size));
    this.clientKinds = extend(this.clientKinds, new Uint8Array(size));
  }
}
