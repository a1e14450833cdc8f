/**
 * Object keys as relative folder paths, safely: a key never escapes the target folder, never
 * collides with another key's files, and never reaches a shell.
 *
 * A segment is kept as it is unless it is empty, `.` or `..`, starts with `%%`, contains NUL,
 * or is one of the four file names of the reference's tree; such a segment becomes `%%` followed
 * by the hex of its UTF-8 bytes (`..` → `%%2e2e`, empty → `%%`). The mapping is one-to-one.
 *
 * @module
 */

/** The per-object files of the reference's extraction tree. */
export const EXTRACTION_FILES: readonly string[] = [
  "timestamps.txt",
  "bytes_sent.txt",
  "ips.txt",
  "download.txt",
];

const RESERVED = new Set(EXTRACTION_FILES);

/**
 * A name that is safe as one folder name: kept as it is unless it is empty, `.` or `..`,
 * contains `/` or NUL, starts with `%%`, or is in `reserved`; then `%%` and the hex of its UTF-8
 * bytes. One-to-one.
 *
 * @example Usage
 * ```ts
 * import { safeFolderName } from "./key_path.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * assertEquals(safeFolderName("ds001161"), "ds001161");
 * assertEquals(safeFolderName("archive", new Set(["archive"])), "%%61726368697665");
 * ```
 */
export function safeFolderName(name: string, reserved: ReadonlySet<string> = new Set()): string {
  return escapeSegment(name.includes("/") ? "%%" + name : name, reserved);
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
 * import { assertEquals } from "./_assert.ts";
 *
 * assertEquals(keyToRelativePath("ds001161/sub-23/anat/T1w.nii.gz"), "ds001161/sub-23/anat/T1w.nii.gz");
 * assertEquals(keyToRelativePath("../../etc/passwd"), "%%2e2e/%%2e2e/etc/passwd");
 * assertEquals(keyToRelativePath("a//b/"), "a/%%/b/%%");
 * assertEquals(keyToRelativePath("ds1/ips.txt"), "ds1/%%6970732e747874");
 * ```
 */
export function keyToRelativePath(key: string): string {
  return key.split("/").map((segment) => escapeSegment(segment)).join("/");
}

/**
 * The object key of a relative folder path of an extraction tree: the inverse of
 * {@linkcode keyToRelativePath} (a tree written by the reference, which never escapes, reads
 * back as its raw keys).
 *
 * @example Usage
 * ```ts
 * import { keyToRelativePath, relativePathToKey } from "./key_path.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * assertEquals(relativePathToKey("ds001161/sub-23/anat/T1w.nii.gz"), "ds001161/sub-23/anat/T1w.nii.gz");
 * for (const key of ["../../etc/passwd", "a//b/", "ds1/ips.txt", "%%x"]) {
 *   assertEquals(relativePathToKey(keyToRelativePath(key)), key);
 * }
 * ```
 */
export function relativePathToKey(path: string): string {
  return path.split("/").map(unescapeSegment).join("/");
}

function unescapeSegment(segment: string): string {
  if (!/^%%(?:[0-9a-f]{2})*$/.test(segment)) return segment;
  const hex = segment.slice(2).match(/../g) ?? [];
  return new TextDecoder().decode(new Uint8Array(hex.map((pair) => parseInt(pair, 16))));
}
