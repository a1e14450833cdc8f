/**
 * `deno task world_outline <land-110m.json>`: writes `lib/report/world_outline.ts`, the report map's
 * land outline, from Natural Earth's 1:110m land polygons (public domain) in the TopoJSON that
 * the npm package `world-atlas` redistributes (`npm pack world-atlas@2.0.2`, then
 * `package/land-110m.json`). The outline is one SVG path in an equirectangular projection of
 * 720 × 360 units (half a degree each), rounded to whole units: about 20 KB.
 *
 * @module
 */

interface Topology {
  transform: { scale: [number, number]; translate: [number, number] };
  arcs: [number, number][][];
  objects: Record<string, { type: string; geometries?: Geometry[] } & Geometry>;
}

interface Geometry {
  type: string;
  arcs?: number[][] | number[][][];
}

/** The SVG path of the land polygons of a TopoJSON topology (object `land`). */
export function landPath(topology: Topology): string {
  const { scale, translate } = topology.transform;
  const arcs = topology.arcs.map((arc) => {
    let x = 0;
    let y = 0;
    return arc.map(([dx, dy]): [number, number] => {
      x += dx;
      y += dy;
      return [x * scale[0] + translate[0], y * scale[1] + translate[1]];
    });
  });
  const ring = (indexes: number[]) => {
    const points: [number, number][] = [];
    for (const index of indexes) {
      const arc = index < 0 ? [...arcs[~index]].reverse() : arcs[index];
      points.push(...(points.length === 0 ? arc : arc.slice(1)));
    }
    return points;
  };
  const land = topology.objects.land;
  const geometries = land.geometries ?? [land];
  const parts: string[] = [];
  for (const geometry of geometries) {
    const polygons =
      (geometry.type === "Polygon" ? [geometry.arcs] : geometry.arcs) as number[][][];
    for (const polygon of polygons) {
      for (const indexes of polygon) {
        // Rings that cross the antimeridian are unwrapped (longitudes continue past ±180) and
        // drawn once more a world-width away, so that no sliver crosses the whole map.
        const unwrapped: [number, number][] = [];
        for (const [lon, lat] of ring(indexes)) {
          const previous = unwrapped.at(-1)?.[0];
          let x = lon;
          while (previous !== undefined && x - previous > 180) x -= 360;
          while (previous !== undefined && previous - x > 180) x += 360;
          unwrapped.push([x, lat]);
        }
        const xs = unwrapped.map(([x]) => x);
        const shifts = [0];
        if (Math.max(...xs) > 180) shifts.push(-360);
        if (Math.min(...xs) < -180) shifts.push(360);
        for (const shift of shifts) {
          let last = "";
          const points: string[] = [];
          for (const [lon, lat] of unwrapped) {
            const point = `${Math.round((lon + shift + 180) * 2)} ${Math.round((90 - lat) * 2)}`;
            if (point !== last) points.push(point);
            last = point;
          }
          if (points.length >= 3) parts.push(`M${points.join("L")}Z`);
        }
      }
    }
  }
  return parts.join("");
}

if (import.meta.main) {
  const source = Deno.args[0];
  if (!source) throw new Error("usage: deno task world_outline <path of land-110m.json>");
  const path = landPath(JSON.parse(await Deno.readTextFile(source)));
  const target = new URL("../lib/report/world_outline.ts", import.meta.url);
  await Deno.writeTextFile(
    target,
    `/**
 * The land outline of the report's world map: Natural Earth 1:110m land (public domain, via
 * the npm package world-atlas 2.0.2), as one SVG path in an equirectangular projection of
 * 720 × 360 units (x = (longitude + 180) × 2, y = (90 − latitude) × 2). Written by
 * \`deno task world_outline\` (tasks/world_outline.ts); do not edit.
 *
 * @module
 */

/**
 * The SVG path data of the land, for a \`viewBox="0 0 720 360"\`.
 *
 * @example Usage
 * \`\`\`ts
 * import { WORLD_OUTLINE } from "./world_outline.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(WORLD_OUTLINE.startsWith("M"), true);
 * \`\`\`
 */
export const WORLD_OUTLINE: string =
  ${JSON.stringify(path)};
`,
  );
}
