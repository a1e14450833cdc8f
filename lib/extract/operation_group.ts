/**
 * The group of an S3 operation (`download`, `head`, `upload`, `delete`, `list`, `other`) and
 * the class of an HTTP status (`2xx` to `5xx`): how the lines the download rules do not keep
 * are counted, per object and day, in the cache's aggregate of operations.
 *
 * @module
 */

/** The groups, by their stored code (the index). */
export const OPERATION_GROUPS = ["download", "head", "upload", "delete", "list", "other"] as const;

/** A group of operations. */
export type OperationGroup = typeof OPERATION_GROUPS[number];

/** The status classes, by their stored code (the index). */
export const STATUS_CLASSES = ["2xx", "3xx", "4xx", "5xx"] as const;

/** Set on a code of {@linkcode operationCode} when the request carries the object's data. */
export const CARRIES_DATA = 8;

/**
 * The rules, in order (first match wins), on the operation field: exact names, or a text the
 * name contains. An upload's object size counts as bytes received only for the operations that
 * carry data ({@linkcode CARRIES_DATA}): a multipart upload's start and end carry none, and a
 * copy moves data inside S3.
 */
export const OPERATION_RULES: readonly {
  group: OperationGroup;
  names: readonly string[];
  contains?: readonly string[];
  carriesData?: readonly string[];
}[] = [
  { group: "download", names: ["REST.GET.OBJECT"] },
  { group: "head", names: ["REST.HEAD.OBJECT"] },
  {
    group: "upload",
    names: [
      "REST.PUT.OBJECT",
      "REST.POST.OBJECT",
      "REST.PUT.PART",
      "REST.POST.UPLOADS",
      "REST.POST.UPLOAD",
      "REST.COPY.OBJECT",
      "REST.COPY.PART",
    ],
    carriesData: ["REST.PUT.OBJECT", "REST.POST.OBJECT", "REST.PUT.PART"],
  },
  {
    group: "delete",
    names: [
      "REST.DELETE.OBJECT",
      "REST.DELETE.UPLOAD",
      "REST.POST.MULTI_OBJECT_DELETE",
      "BATCH.DELETE.OBJECT",
    ],
  },
  { group: "list", names: ["REST.GET.UPLOADS", "REST.GET.UPLOAD"], contains: [".BUCKET"] },
];

/**
 * The stored code of an operation name: its group's index, plus {@linkcode CARRIES_DATA} when
 * its object size is data the client sent.
 *
 * @example Usage
 * ```ts
 * import { CARRIES_DATA, operationCode, OPERATION_GROUPS } from "./operation_group.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(OPERATION_GROUPS[operationCode("REST.GET.BUCKETVERSIONS")], "list");
 * assert.deepStrictEqual(operationCode("REST.PUT.PART"), OPERATION_GROUPS.indexOf("upload") | CARRIES_DATA);
 * assert.deepStrictEqual(OPERATION_GROUPS[operationCode("REST.OPTIONS.PREFLIGHT")], "other");
 * ```
 */
export function operationCode(name: string): number {
  for (const rule of OPERATION_RULES) {
    if (rule.names.includes(name) || rule.contains?.some((text) => name.includes(text))) {
      const group = OPERATION_GROUPS.indexOf(rule.group);
      return rule.carriesData?.includes(name) ? group | CARRIES_DATA : group;
    }
  }
  return OPERATION_GROUPS.indexOf("other");
}

/** Distinct operation names remembered by one {@linkcode OperationCodes} (hostile logs aside). */
const REMEMBERED = 256;
const DECODER = new TextDecoder();

/**
 * {@linkcode operationCode} for operation fields read from bytes, each distinct name decoded
 * once (a log holds a few dozen; past {@linkcode REMEMBERED} new names are decoded each time).
 *
 * @example Usage
 * ```ts
 * import { OperationCodes, OPERATION_GROUPS } from "./operation_group.ts";
 * import assert from "node:assert/strict";
 *
 * const line = new TextEncoder().encode("x REST.HEAD.OBJECT y");
 * assert.deepStrictEqual(OPERATION_GROUPS[new OperationCodes().code(line, 2, 18)], "head");
 * ```
 */
export class OperationCodes {
  #known = new Map<number, { bytes: Uint8Array; code: number }[]>();
  #size = 0;

  /** The code of the operation `buf[start..end)`. */
  code(buf: Uint8Array, start: number, end: number): number {
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ buf[i], 0x01000193);
    const entries = this.#known.get(hash);
    if (entries !== undefined) {
      for (const entry of entries) {
        if (sameBytes(entry.bytes, buf, start, end)) return entry.code;
      }
    }
    const code = operationCode(DECODER.decode(buf.subarray(start, end)));
    if (this.#size < REMEMBERED) {
      this.#size++;
      const entry = { bytes: buf.slice(start, end), code };
      if (entries === undefined) this.#known.set(hash, [entry]);
      else entries.push(entry);
    }
    return code;
  }
}

let threadCodes: OperationCodes | undefined;

/**
 * The {@linkcode OperationCodes} of this thread: a worker decodes each operation name once for
 * its life, not once per piece (a piece is made per small file).
 *
 * @example Usage
 * ```ts
 * import { threadOperationCodes } from "./operation_group.ts";
 * import assert from "node:assert/strict";
 *
 * assert.strictEqual(threadOperationCodes(), threadOperationCodes());
 * ```
 */
export function threadOperationCodes(): OperationCodes {
  return threadCodes ??= new OperationCodes();
}

function sameBytes(known: Uint8Array, buf: Uint8Array, start: number, end: number): boolean {
  if (known.length !== end - start) return false;
  for (let i = 0; i < known.length; i++) if (known[i] !== buf[start + i]) return false;
  return true;
}

/**
 * The class code of an HTTP status (0 for 2xx … 3 for 5xx), or -1 outside 200–599.
 *
 * @example Usage
 * ```ts
 * import { statusClass, STATUS_CLASSES } from "./operation_group.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([STATUS_CLASSES[statusClass(404)], statusClass(101)], ["4xx", -1]);
 * ```
 */
export function statusClass(status: number): number {
  return status >= 200 && status <= 599 ? Math.floor(status / 100) - 2 : -1;
}
