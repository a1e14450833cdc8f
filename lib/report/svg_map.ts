/**
 * The world map of the report as inline SVG: Natural Earth's land outline, one mark per region
 * label with coordinates, its area proportional to the bytes sent there; cloud and service
 * regions (AWS, Google Cloud) as squares in another colour. Each mark has a title.
 *
 * @module
 */

import { formatBytes } from "./byte_units.ts";
import { escapeHtml } from "./html_text.ts";
import { WORLD_OUTLINE } from "./world_outline.ts";

/** A region on the map. */
export interface MapRegion {
  /** Its label (`US/California`, `AWS/us-east-2`, …). */
  label: string;
  /** Bytes sent there. */
  bytes: number;
  /** Latitude in degrees. */
  latitude: number;
  /** Longitude in degrees. */
  longitude: number;
}

/**
 * Whether a label is a cloud or service region rather than a place people are.
 *
 * @example Usage
 * ```ts
 * import { isCloudLabel } from "./svg_map.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([isCloudLabel("AWS/us-east-2"), isCloudLabel("US/Ohio")], [true, false]);
 * ```
 */
export function isCloudLabel(label: string): boolean {
  return label.startsWith("AWS/") || label.startsWith("GCP/");
}

/**
 * The map of `regions` (largest drawn first, so small marks stay visible on top).
 *
 * @example Usage
 * ```ts
 * import { worldMap } from "./svg_map.ts";
 * import assert from "node:assert/strict";
 *
 * const svg = worldMap([
 *   { label: "FR/Grand Est", bytes: 2e9, latitude: 48.58, longitude: 7.75 },
 *   { label: "AWS/us-east-2", bytes: 1e9, latitude: 39.96, longitude: -83 },
 * ]);
 * assert.deepStrictEqual(svg.match(/<circle /g)?.length, 1);
 * assert.deepStrictEqual(svg.match(/<rect class="cloud"/g)?.length, 1);
 * ```
 */
export function worldMap(regions: MapRegion[]): string {
  const max = Math.max(1, ...regions.map((r) => r.bytes));
  const marks = [...regions].sort((a, b) => b.bytes - a.bytes).map((region) => {
    const x = ((region.longitude + 180) * 2).toFixed(1);
    const y = ((90 - region.latitude) * 2).toFixed(1);
    const r = 2 + 16 * Math.sqrt(region.bytes / max);
    const title = `<title>${escapeHtml(region.label)}: ${formatBytes(region.bytes)}</title>`;
    if (isCloudLabel(region.label)) {
      const side = (r * 1.6).toFixed(1);
      return `<rect class="cloud" x="${(Number(x) - r * 0.8).toFixed(1)}" y="${
        (Number(y) - r * 0.8).toFixed(1)
      }" width="${side}" height="${side}">${title}</rect>`;
    }
    return `<circle class="place" cx="${x}" cy="${y}" r="${r.toFixed(1)}">${title}</circle>`;
  });
  const top = [...regions].sort((a, b) => b.bytes - a.bytes).slice(0, 5)
    .map((r) => `${r.label} (${formatBytes(r.bytes)})`).join(", ");
  return `<svg class="map" viewBox="0 0 720 360" role="img" aria-labelledby="map-title map-desc" ` +
    `xmlns="http://www.w3.org/2000/svg"><title id="map-title">Where the bytes went</title>` +
    `<desc id="map-desc">${regions.length} regions on a world map, marks sized by bytes sent. ` +
    `Largest: ${escapeHtml(top || "none")}.</desc>` +
    `<rect class="sea" width="720" height="360"/><path class="land" d="${WORLD_OUTLINE}"/>` +
    marks.join("") + `</svg>`;
}
