/**
 * Object keys as relative folder paths, safely: a key never escapes the target folder, never
 * collides with another key's files, and never reaches a shell.
 *
 * A segment is kept as it is unless it is empty, `.` or `..`, starts with `%%`, contains NUL,
 * or is one of the four file names of the reference's tree; such a segment becomes `%%` followed
 * by the hex of its UTF-8 bytes (`..` → `%%2e2e`, empty → `%%`). The mapping is one-to-one.
 *
 * Names a file system cannot hold are shortened, stably: a segment of more than 200 bytes
 * becomes `%%h` and 40 hex digits of its SHA-256, a key whose path would pass 3,000 bytes one
 * segment `%%k` and the hash of the whole key. An export lists them in `long_names.json`
 * (shortened → original), which an import reads back.
 *
 * @module
 */

import { sha256 } from "./sha256.ts";

/** The per-object files of the reference's extraction tree. */
export const EXTRACTION_FILES: readonly string[] = [
  "timestamps.txt",
  "bytes_sent.txt",
  "ips.txt",
  "download.txt",
];

/** The manifest of shortened names at the top of an exported tree. */
export const LONG_NAMES_FILE = "long_names.json";

const RESERVED = new Set([...EXTRACTION_FILES, LONG_NAMES_FILE]);
const MAX_SEGMENT_BYTES = 200;
const MAX_PATH_BYTES = 3000;
const encoder = new TextEncoder();

function shortened(kind: "h" | "k", text: string): string {
  const hash = Array.from(sha256(encoder.encode(text)), (b) => b.toString(16).padStart(2, "0"));
  return `%%${kind}${hash.join("").slice(0, 40)}`;
}

/** `segment`, or its shortened form when it is too long to be a file name. */
function fitSegment(segment: string, original: string, longNames?: Map<string, string>): string {
  if (encoder.encode(segment).length <= MAX_SEGMENT_BYTES) return segment;
  const short = shortened("h", original);
  longNames?.set(short, original);
  return short;
}

/**
 * A name that is safe as one folder name: kept as it is unless it is empty, `.` or `..`,
 * contains `/` or NUL, starts with `%%`, or is in `reserved`; then `%%` and the hex of its UTF-8
 * bytes. One-to-one.
 *
 * @example Usage
 * ```ts
 * import { safeFolderName } from "./key_path.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(safeFolderName("ds001161"), "ds001161");
 * assert.deepStrictEqual(safeFolderName("archive", new Set(["archive"])), "%%61726368697665");
 * ```
 */
export function safeFolderName(name: string, reserved: ReadonlySet<string> = new Set()): string {
  return fitSegment(escapeSegment(name.includes("/") ? "%%" + name : name, reserved), name);
}

function escapeSegment(segment: string, reserved: ReadonlySet<string> = RESERVED): string {
  if (
    segment !== "" && segment !== "." && segment !== ".." && !segment.startsWith("%%") &&
    !segment.includes("\0") && !reserved.has(segment)
  ) {
    return segment;
  }
  const hex = Array.from(new TextEncoder().encode(segment), (b) => b.toString(16).padStart(2, "0"));
  return "%%" + hex.join("");
}

/**
 * The relative folder path (with `/`) of an object key in an extraction tree.
 *
 * @example Usage
 * ```ts
 * import { keyToRelativePath } from "./key_path.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(keyToRelativePath("ds001161/sub-23/anat/T1w.nii.gz"), "ds001161/sub-23/anat/T1w.nii.gz");
 * assert.deepStrictEqual(keyToRelativePath("../../etc/passwd"), "%%2e2e/%%2e2e/etc/passwd");
 * assert.deepStrictEqual(keyToRelativePath("a//b/"), "a/%%/b/%%");
 * assert.deepStrictEqual(keyToRelativePath("ds1/ips.txt"), "ds1/%%6970732e747874");
 * // Too long for a file system: shortened, and listed.
 * const longNames = new Map<string, string>();
 * assert.deepStrictEqual(keyToRelativePath(`ds1/${"x".repeat(300)}`, longNames).length, 4 + 43);
 * assert.deepStrictEqual([...longNames.values()], ["x".repeat(300)]);
 * ```
 */
export function keyToRelativePath(key: string, longNames?: Map<string, string>): string {
  const path = key.split("/")
    .map((segment) => fitSegment(escapeSegment(segment), segment, longNames)).join("/");
  if (encoder.encode(path).length <= MAX_PATH_BYTES) return path;
  const short = shortened("k", key);
  longNames?.set(short, key);
  return short;
}

/**
 * The object key of a relative folder path of an extraction tree: the inverse of
 * {@linkcode keyToRelativePath} (a tree written by the reference, which never escapes, reads
 * back as its raw keys).
 *
 * @example Usage
 * ```ts
 * import { keyToRelativePath, relativePathToKey } from "./key_path.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(relativePathToKey("ds001161/sub-23/anat/T1w.nii.gz"), "ds001161/sub-23/anat/T1w.nii.gz");
 * for (const key of ["../../etc/passwd", "a//b/", "ds1/ips.txt", "%%x"]) {
 *   assert.deepStrictEqual(relativePathToKey(keyToRelativePath(key)), key);
 * }
 * const longNames = new Map<string, string>();
 * for (const key of [`a/${"y".repeat(300)}/b`, "z/".repeat(2000)]) {
 *   assert.deepStrictEqual(relativePathToKey(keyToRelativePath(key, longNames), longNames), key);
 * }
 * ```
 */
export function relativePathToKey(
  path: string,
  longNames: ReadonlyMap<string, string> = new Map(),
): string {
  const whole = longNames.get(path);
  if (whole !== undefined && path.startsWith("%%k")) return whole;
  return path.split("/").map((segment) =>
    segment.startsWith("%%h") && longNames.has(segment)
      ? longNames.get(segment)!
      : unescapeSegment(segment)
  ).join("/");
}

function unescapeSegment(segment: string): string {
  if (!/^%%(?:[0-9a-f]{2})*$/.test(segment)) return segment;
  const hex = segment.slice(2).match(/../g) ?? [];
  return new TextDecoder().decode(new Uint8Array(hex.map((pair) => parseInt(pair, 16))));
}
