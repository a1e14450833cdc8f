/**
 * The numbers behind the summaries, aggregated by SQL from the cache: per dataset, by day, by
 * asset, by region (and by asset and week), the distinct requesters, and the same for the whole
 * archive. Counts here are raw; rounding happens when files are written.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { mondayOfWeek } from "./calendar_days.ts";
import { comparePaths } from "./sort_orders.ts";

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
  /** Counts per region label, in order of their first request. */
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

interface Row {
  [column: string]: unknown;
}

function rows(db: DatabaseSync, sql: string): Iterable<Row> {
  return db.prepare(sql).iterate() as Iterable<Row>;
}

/** What to compute (each part costs a scan of the requests). */
export interface SummaryParts {
  /** Counts per day. */
  days?: boolean;
  /** Counts per asset. */
  assets?: boolean;
  /** Counts per region and distinct requesters. */
  regions?: boolean;
  /** Bytes per asset and week. */
  weeks?: boolean;
}

/**
 * Aggregates the cache's requests per dataset: `place` assigns each object key to a dataset
 * and asset (or undefined to leave it out). Regions are listed in the order of their first
 * request; days in order; assets in path order (component by component).
 *
 * @example Generic datasets: the first path segment
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { collectDatasetData } from "./summary_data.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * db.exec("INSERT INTO objects VALUES (1, 'ds1/a.nwb', 'ds1')");
 * db.exec("INSERT INTO requests VALUES (1, 1, 1, 86400, 100, 7, 1), (1, 2, 1, 86401, 50, 8, 0)");
 * const data = collectDatasetData(db, (key) => ({ dataset: "ds1", asset: key.slice(4) }));
 * assertEquals(data.get("ds1")?.byAsset.get("a.nwb"), { bytes: 150, requests: 2, downloads: 1 });
 * assertEquals(data.get("ds1")?.requesters, 2);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function collectDatasetData(
  db: DatabaseSync,
  place: (key: string) => AssetPlace | undefined,
  parts: SummaryParts = { days: true, assets: true, regions: true },
): Map<string, ScopeData> {
  const places = new Map<number, AssetPlace>();
  const datasetIds = new Map<string, number>();
  db.exec("DROP TABLE IF EXISTS temp.summary_places");
  db.exec(
    "CREATE TEMP TABLE summary_places (object_id INTEGER PRIMARY KEY, dataset INTEGER NOT NULL)",
  );
  const insert = db.prepare("INSERT INTO temp.summary_places VALUES (?, ?)");
  db.exec("BEGIN");
  for (const row of rows(db, "SELECT id, key FROM objects")) {
    const spot = place(row.key as string);
    if (spot === undefined) continue;
    places.set(row.id as number, spot);
    let id = datasetIds.get(spot.dataset);
    if (id === undefined) datasetIds.set(spot.dataset, id = datasetIds.size);
    insert.run(row.id as number, id);
  }
  db.exec("COMMIT");
  const names = [...datasetIds.keys()];
  const scopes = names.map(() => emptyScope());

  if (parts.days) {
    for (
      const row of rows(
        db,
        `SELECT p.dataset AS dataset, r.time / 86400 AS day, sum(r.bytes_sent) AS bytes,
          count(*) AS requests, sum(r.download) AS downloads
        FROM requests r JOIN temp.summary_places p ON p.object_id = r.object_id
        GROUP BY p.dataset, day ORDER BY day`,
      )
    ) {
      add(scopes[row.dataset as number].byDay, row.day as number, ...counts(row));
    }
  }
  if (parts.assets) {
    const perObject = [...rows(
      db,
      `SELECT object_id, sum(bytes_sent) AS bytes, count(*) AS requests,
        sum(download) AS downloads FROM requests GROUP BY object_id`,
    )].filter((row) => places.has(row.object_id as number));
    const assetOrder = new Map(
      [...new Set([...places.values()].map((p) => p.asset))].sort(comparePaths).map((
        a,
        i,
      ) => [a, i]),
    );
    perObject.sort((a, b) =>
      assetOrder.get(places.get(a.object_id as number)!.asset)! -
      assetOrder.get(places.get(b.object_id as number)!.asset)!
    );
    for (const row of perObject) {
      const spot = places.get(row.object_id as number)!;
      add(scopes[datasetIds.get(spot.dataset)!].byAsset, spot.asset, ...counts(row));
    }
  }
  if (parts.regions) {
    // An IP has one label, so distinct IPs per dataset = the sum over its labels of the distinct
    // IPs per (dataset, label): one grouping gives regions and requesters.
    for (
      const row of rows(
        db,
        `SELECT p.dataset AS dataset, coalesce(g.label, 'missing') AS region,
          min(r.rowid) AS first, sum(r.bytes_sent) AS bytes, count(*) AS requests,
          sum(r.download) AS downloads, count(DISTINCT r.ip_index) AS requesters
        FROM requests r JOIN temp.summary_places p ON p.object_id = r.object_id
          LEFT JOIN ip_regions g ON g.ip_index = r.ip_index
        GROUP BY p.dataset, region ORDER BY first`,
      )
    ) {
      const scope = scopes[row.dataset as number];
      add(scope.byRegion, row.region as string, ...counts(row));
      scope.requesters += row.requesters as number;
    }
  }
  if (parts.weeks) {
    for (
      const row of rows(
        db,
        `SELECT object_id, (time / 86400 + 3) / 7 AS week, sum(bytes_sent) AS bytes
        FROM requests GROUP BY object_id, week`,
      )
    ) {
      const spot = places.get(row.object_id as number);
      if (spot === undefined) continue;
      addWeek(
        scopes[datasetIds.get(spot.dataset)!],
        spot.asset,
        row.week as number,
        row.bytes as number,
      );
    }
  }
  db.exec("DROP TABLE temp.summary_places");
  const order = names.map((name, i) => [name, i] as const).sort(([a], [b]) => comparePaths(a, b));
  return new Map(
    order.map(([name, i]) => [name, scopes[i]] as const).filter(([, scope]) =>
      scope.byDay.size + scope.byAsset.size + scope.byRegion.size > 0
    ),
  );
}

/**
 * Aggregates all requests of the cache (the archive): by day, by region (and distinct
 * requesters), and, given `place`, bytes per asset type and week. No join per request.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { collectArchiveData } from "./summary_data.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * db.exec("INSERT INTO requests VALUES (1, 1, 1, 86400, 100, 7, 1), (1, 2, 2, 86401, 50, 7, 0)");
 * const archive = collectArchiveData(db);
 * assertEquals(archive.byDay.get(1), { bytes: 150, requests: 2, downloads: 1 });
 * assertEquals(archive.requesters, 1);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function collectArchiveData(
  db: DatabaseSync,
  options: { place?: (key: string) => AssetPlace | undefined } = {},
): ScopeData {
  const archive = emptyScope();
  for (
    const row of rows(
      db,
      `SELECT time / 86400 AS day, sum(bytes_sent) AS bytes, count(*) AS requests,
        sum(download) AS downloads FROM requests GROUP BY day ORDER BY day`,
    )
  ) {
    add(archive.byDay, row.day as number, ...counts(row));
  }
  for (
    const row of rows(
      db,
      `SELECT coalesce(g.label, 'missing') AS region, sum(r.bytes_sent) AS bytes,
        count(*) AS requests, sum(r.download) AS downloads,
        count(DISTINCT r.ip_index) AS requesters
      FROM requests r LEFT JOIN ip_regions g ON g.ip_index = r.ip_index GROUP BY region`,
    )
  ) {
    add(archive.byRegion, row.region as string, ...counts(row));
    archive.requesters += row.requesters as number;
  }
  if (options.place !== undefined) {
    const keys = new Map<number, string>();
    for (const row of rows(db, "SELECT id, key FROM objects")) {
      keys.set(row.id as number, row.key as string);
    }
    for (
      const row of rows(
        db,
        `SELECT object_id, (time / 86400 + 3) / 7 AS week, sum(bytes_sent) AS bytes
        FROM requests GROUP BY object_id, week`,
      )
    ) {
      const spot = options.place(keys.get(row.object_id as number) ?? "");
      if (spot === undefined) continue;
      addWeek(archive, `${spot.dataset}/${spot.asset}`, row.week as number, row.bytes as number);
    }
  }
  return archive;
}

function counts(row: Row): [number, number, number] {
  return [row.bytes as number, row.requests as number, row.downloads as number];
}

/** Adds bytes to an asset's week (weeks as Monday's day number). */
function addWeek(scope: ScopeData, asset: string, week: number, bytes: number): void {
  const monday = mondayOfWeek(week);
  let weeks = scope.byAssetWeek.get(asset);
  if (weeks === undefined) scope.byAssetWeek.set(asset, weeks = new Map());
  weeks.set(monday, (weeks.get(monday) ?? 0) + bytes);
}
