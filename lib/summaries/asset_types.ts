/**
 * The DANDI archive's asset types, from the suffixes of an asset path's last component (as
 * Python's `PurePath.suffixes`, lower-cased).
 *
 * @module
 */

/** Asset types in the order DANDI publishes their columns. */
export const ASSET_TYPE_ORDER: readonly string[] = [
  "Neurophysiology",
  "Microscopy",
  "Video",
  "Miscellaneous",
];

const MICROSCOPY = [".nii", ".ome", ".tiff", ".tif", ".bvecs", ".bvals", ".trk"];
const VIDEO = [".mp4", ".mov", ".wmv", ".avi", ".mkv"];

/**
 * Python's `PurePath(path).suffixes`, lower-cased.
 *
 * @example Usage
 * ```ts
 * import { pathSuffixes } from "./asset_types.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(pathSuffixes("sub-1/x.NII.gz"), [".nii", ".gz"]);
 * assert.deepStrictEqual(pathSuffixes(".hidden"), []);
 * ```
 */
export function pathSuffixes(path: string): string[] {
  const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  if (name.endsWith(".")) return [];
  return name.replace(/^\.+/, "").split(".").slice(1).map((s) => "." + s);
}

/**
 * The asset type of an asset path.
 *
 * @example Usage
 * ```ts
 * import { assetType } from "./asset_types.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(assetType("sub-1/x.nwb.zarr"), "Neurophysiology");
 * assert.deepStrictEqual(assetType("sub-1/x.ome.zarr"), "Microscopy");
 * assert.deepStrictEqual(assetType("sub-1/x.mp4"), "Video");
 * assert.deepStrictEqual(assetType("undetermined"), "Miscellaneous");
 * ```
 */
export function assetType(path: string): string {
  const suffixes = pathSuffixes(path);
  if (suffixes.includes(".nwb")) return "Neurophysiology";
  if (
    suffixes.some((s) => MICROSCOPY.includes(s)) ||
    (suffixes.length === 1 && suffixes[0] === ".zarr")
  ) {
    return "Microscopy";
  }
  if (suffixes.some((s) => VIDEO.includes(s))) return "Video";
  return "Miscellaneous";
}
