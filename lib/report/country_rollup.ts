/**
 * Regions rolled up into countries for the report: bytes are exact in the published files, so
 * they add up; the rounded counts do not, and are left out. Cloud regions, VPN and GitHub
 * ranges and labels that name no place stay rows of their own.
 *
 * @module
 */

import { countryOfLabel, PLACEHOLDER_LABELS } from "../regions/region_labels.ts";
import type { PublishedRow } from "./report_data.ts";

/** A country (or a group kept apart) with the bytes sent there. */
export interface CountryRow {
  /** An ISO 3166-1 code, or the group: `AWS`, `Google Cloud`, a placeholder label. */
  name: string;
  /** Bytes sent, exact. */
  bytes: number;
  /** Regions it holds. */
  regions: number;
}

/**
 * The countries of `regions`, most bytes first.
 *
 * @param regions Published region rows.
 * @returns One row per country or group.
 *
 * @example Usage
 * ```ts
 * import { countryRollup } from "./country_rollup.ts";
 * import assert from "node:assert/strict";
 *
 * const row = (key: string, bytes: number) => ({ key, bytes, requests: "<50", downloads: "<50" });
 * assert.deepStrictEqual(countryRollup([row("FR/Grand Est", 5), row("FR/Bretagne", 7),
 *   row("AWS/eu-west-3", 50), row("VPN", 3), row("Lima", 1)]), [
 *   { name: "AWS", bytes: 50, regions: 1 },
 *   { name: "FR", bytes: 12, regions: 2 },
 *   { name: "VPN", bytes: 3, regions: 1 },
 *   { name: "no country named", bytes: 1, regions: 1 },
 * ]);
 * ```
 */
export function countryRollup(regions: PublishedRow[]): CountryRow[] {
  const rows = new Map<string, CountryRow>();
  for (const region of regions) {
    const name = groupOf(region.key);
    const row = rows.get(name) ?? { name, bytes: 0, regions: 0 };
    row.bytes += region.bytes;
    row.regions++;
    rows.set(name, row);
  }
  return [...rows.values()].sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
}

function groupOf(label: string): string {
  if (label.startsWith("AWS/")) return "AWS";
  if (label.startsWith("GCP/")) return "Google Cloud";
  if (PLACEHOLDER_LABELS.has(label)) return label === "" ? "unknown" : label;
  return countryOfLabel(label) ?? "no country named";
}
