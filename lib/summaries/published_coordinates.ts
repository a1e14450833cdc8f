/**
 * `summaries/region_codes_to_coordinates.yaml`: the coordinates of every region label, the file
 * the public map reads (DANDI's usage page and its plotting scripts load it beside the
 * summaries). Public data, so plaintext. Byte for byte the reference's file for the same labels:
 * its override table (with its `null` placeholders) and every label the cache placed.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { writeTextFileAtomic } from "../atomic_files.ts";
import {
  COORDINATE_OVERRIDES,
  REFERENCE_INTEGER_COORDINATES,
} from "../regions/known_coordinates.ts";
import { type CoordinatesEntry, formatCoordinatesYaml } from "./python_yaml.ts";

/** The file's name, in `<cache>/summaries/` and in a published folder. */
export const COORDINATES_FILE = "region_codes_to_coordinates.yaml";

/**
 * The text of `region_codes_to_coordinates.yaml` for the labels placed in `db`.
 *
 * @example Usage
 * ```ts
 * import { DatabaseSync } from "node:sqlite";
 * import { publishedCoordinates } from "./published_coordinates.ts";
 * import assert from "node:assert/strict";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE region_coordinates (label TEXT, latitude REAL, longitude REAL)");
 * db.exec("INSERT INTO region_coordinates VALUES ('US/Oregon', 44.0, -120.5)");
 * assert.match(publishedCoordinates(db), /\nUS\/Oregon:\n  latitude: 44\.0\n  longitude: -120\.5\n/);
 * assert.match(publishedCoordinates(db), /\nRU\/Mordoviya Republic:\n  latitude: 54\.5\n  longitude: 44\n/);
 * db.close();
 * ```
 */
export function publishedCoordinates(db: DatabaseSync): string {
  const entries = new Map<string, CoordinatesEntry>();
  const rows = db.prepare("SELECT label, latitude, longitude FROM region_coordinates").all() as {
    label: string;
    latitude: number;
    longitude: number;
  }[];
  for (const { label, latitude, longitude } of rows) {
    entries.set(label, { latitude: { float: latitude }, longitude: { float: longitude } });
  }
  // The reference's map starts from its override table; its values are as in its source.
  for (const [label, at] of Object.entries(COORDINATE_OVERRIDES)) {
    const ints = REFERENCE_INTEGER_COORDINATES[label];
    entries.set(label, {
      latitude: at === null ? null : ints?.[0] ? { int: at[0] } : { float: at[0] },
      longitude: at === null ? null : ints?.[1] ? { int: at[1] } : { float: at[1] },
    });
  }
  return formatCoordinatesYaml(entries);
}

/** Writes `<cache>/summaries/region_codes_to_coordinates.yaml` atomically. */
export async function writePublishedCoordinates(
  db: DatabaseSync,
  cacheDirectory: string,
): Promise<void> {
  const folder = join(cacheDirectory, "summaries");
  await Deno.mkdir(folder, { recursive: true });
  await writeTextFileAtomic(join(folder, COORDINATES_FILE), publishedCoordinates(db));
}
