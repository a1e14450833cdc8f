/**
 * The numbers behind the summaries, aggregated by SQL from the cache: per dataset, by day, by
 * asset, by region (and by asset and week), the distinct requesters, and the same for the whole
 * archive. Counts here are raw; rounding happens when files are written.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { comparePaths } from "./sort_orders.ts";
import { weekStart } from "./calendar_days.ts";

/** Bytes, requests and downloads of a group of requests. */
export interface Counts {
  /** Sum of bytes sent. */
  bytes: number;
  /** Number of requests. */
  requests: number;
  /** Number of requests with status 200. */
  downloads: number;
}

/** The numbers of one dataset (or of the archive). */
export interface ScopeData {
  /** Counts per day (days since 1970-01-01), in day order. */
  byDay: Map<number, Counts>;
  /** Counts per asset path, in asset path order (component by component). */
  byAsset: Map<string, Counts>;
  /** Counts per region label, in order of first appearance (assets in order, then log order). */
  byRegion: Map<string, Counts>;
  /** Bytes per asset and week (Monday's day number); only when asked for. */
  byAssetWeek: Map<string, Map<number, number>>;
  /** Distinct client IPs. */
  requesters: number;
}

/** Where an object belongs: its dataset and its asset path within it. */
export interface AssetPlace {
  /** Dataset name. */
  dataset: string;
  /** Asset path within the dataset. */
  asset: string;
}

/** All the numbers: per dataset (in name order) and for the whole archive. */
export interface SummaryData {
  /** Datasets with at least one request. */
  datasets: Map<string, ScopeData>;
  /** The whole archive. */
  archive: ScopeData;
}

function emptyScope(): ScopeData {
  return {
    byDay: new Map(),
    byAsset: new Map(),
    byRegion: new Map(),
    byAssetWeek: new Map(),
    requesters: 0,
  };
}

function add(
  map: Map<string | number, Counts>,
  key: string | number,
  bytes: number,
  requests: number,
  downloads: number,
) {
  const counts = map.get(key);
  if (counts === undefined) map.set(key, { bytes, requests, downloads });
  else {
    counts.bytes += bytes;
    counts.requests += requests;
    counts.downloads += downloads;
  }
}

/**
 * Aggregates the cache's requests. `place` assigns each object key to a dataset and asset (or
 * undefined to leave it out); `weeks` also computes bytes per asset and week.
 *
 * @example Generic datasets: the first path segment
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { collectSummaryData } from "./summary_data.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * db.exec("INSERT INTO objects VALUES (1, 'ds1/a.nwb', 'ds1')");
 * db.exec("INSERT INTO requests VALUES (1, 1, 1, 86400, 100, 7, 1), (1, 2, 1, 86401, 50, 8, 0)");
 * const data = collectSummaryData(db, (key) => ({ dataset: "ds1", asset: key.slice(4) }));
 * assertEquals(data.datasets.get("ds1")?.byAsset.get("a.nwb"), { bytes: 150, requests: 2, downloads: 1 });
 * assertEquals([...data.archive.byRegion.keys()], ["missing"]);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function collectSummaryData(
  db: DatabaseSync,
  place: (key: string) => AssetPlace | undefined,
  options: { weeks?: boolean } = {},
): SummaryData {
  const places = new Map<number, AssetPlace>();
  db.exec("DROP TABLE IF EXISTS temp.summary_places");
  db.exec(
    "CREATE TEMP TABLE summary_places (object_id INTEGER PRIMARY KEY, dataset TEXT NOT NULL)",
  );
  const insert = db.prepare("INSERT INTO temp.summary_places VALUES (?, ?)");
  db.exec("BEGIN");
  for (const row of db.prepare("SELECT id, key FROM objects").iterate()) {
    const spot = place(row.key as string);
    if (spot === undefined) continue;
    places.set(row.id as number, spot);
    insert.run(row.id as number, spot.dataset);
  }
  db.exec("COMMIT");

  const names = [...new Set([...places.values()].map((p) => p.dataset))].sort(comparePaths);
  const datasets = new Map(names.map((name) => [name, emptyScope()]));
  const archive = emptyScope();

  for (
    const row of db.prepare(`
      SELECT p.dataset AS dataset, r.time / 86400 AS day, sum(r.bytes_sent) AS bytes,
        count(*) AS requests, sum(r.download) AS downloads
      FROM requests r JOIN temp.summary_places p ON p.object_id = r.object_id
      GROUP BY p.dataset, day ORDER BY day`).iterate()
  ) {
    const args = [row.bytes as number, row.requests as number, row.downloads as number] as const;
    add(datasets.get(row.dataset as string)!.byDay, row.day as number, ...args);
    add(archive.byDay, row.day as number, ...args);
  }

  const perObject = db.prepare(`
    SELECT r.object_id AS object_id, coalesce(g.label, 'missing') AS region,
      min(r.rowid) AS first, sum(r.bytes_sent) AS bytes, count(*) AS requests,
      sum(r.download) AS downloads
    FROM requests r LEFT JOIN ip_regions g ON g.ip_index = r.ip_index
    GROUP BY r.object_id, region`).all();
  // Assets in path order, then regions in order of their first request.
  perObject.sort((a, b) => {
    const x = places.get(a.object_id as number);
    const y = places.get(b.object_id as number);
    if (x === undefined || y === undefined) return 0;
    return comparePaths(x.asset, y.asset) || (a.first as number) - (b.first as number);
  });
  for (const row of perObject) {
    const spot = places.get(row.object_id as number);
    if (spot === undefined) continue;
    const scope = datasets.get(spot.dataset)!;
    const args = [row.bytes as number, row.requests as number, row.downloads as number] as const;
    add(scope.byAsset, spot.asset, ...args);
    add(scope.byRegion, row.region as string, ...args);
    add(archive.byRegion, row.region as string, ...args);
    add(archive.byAsset, `${spot.dataset}/${spot.asset}`, ...args);
  }

  for (
    const row of db.prepare(`
      SELECT p.dataset AS dataset, count(DISTINCT r.ip_index) AS requesters
      FROM requests r JOIN temp.summary_places p ON p.object_id = r.object_id
      GROUP BY p.dataset`).iterate()
  ) {
    datasets.get(row.dataset as string)!.requesters = row.requesters as number;
  }
  archive.requesters = (db.prepare(`
    SELECT count(DISTINCT r.ip_index) AS n
    FROM requests r JOIN temp.summary_places p ON p.object_id = r.object_id`).get() as {
    n: number;
  })
    .n;

  if (options.weeks) {
    for (
      const row of db.prepare(`
        SELECT object_id, time / 86400 AS day, sum(bytes_sent) AS bytes
        FROM requests GROUP BY object_id, day`).iterate()
    ) {
      const spot = places.get(row.object_id as number);
      if (spot === undefined) continue;
      const week = weekStart(row.day as number);
      for (
        const [scope, asset] of [[datasets.get(spot.dataset)!, spot.asset], [
          archive,
          `${spot.dataset}/${spot.asset}`,
        ]] as const
      ) {
        let weeks = scope.byAssetWeek.get(asset);
        if (weeks === undefined) scope.byAssetWeek.set(asset, weeks = new Map());
        weeks.set(week, (weeks.get(week) ?? 0) + (row.bytes as number));
      }
    }
  }
  db.exec("DROP TABLE temp.summary_places");
  for (const scope of [...datasets.values(), archive]) {
    scope.byDay = new Map([...scope.byDay].sort(([a], [b]) => a - b));
  }
  return { datasets: new Map([...datasets].filter(([, s]) => s.byDay.size > 0)), archive };
}
