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

function escapeSegment(segment: string): string {
  if (
    segment !== "" && segment !== "." && segment !== ".." && !segment.startsWith("%%") &&
    !segment.includes("\0") && !RESERVED.has(segment)
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
  return key.split("/").map(escapeSegment).join("/");
}
