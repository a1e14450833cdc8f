import assert from "node:assert/strict";
import { seeded, withCacheDatabase } from "../../tests/_helpers.ts";
import type { DatabaseSync } from "node:sqlite";
import { openCacheDatabase } from "../store/cache_database.ts";
import { BlockWriter, deleteFileRequests, type RequestBlock } from "../store/request_blocks.ts";
import type { SavedFold } from "../store/request_folds.ts";
import {
  type AssetPlace,
  collectArchiveData,
  collectDatasetData,
  type Counts,
} from "./summary_data.ts";
import { cleanLabel } from "../regions/region_labels.ts";
import { deleteFileOperations, OperationBlockWriter } from "../store/operation_blocks.ts";
import { foldRequests } from "../store/request_folds.ts";
import {
  DATASET_KEYS,
  DatasetCounts,
  KIND_CODES,
  OPERATION_DAYS,
  OperationSums,
} from "./count_folds.ts";
import { activityCounts } from "./activity_data.ts";
import { comparePaths } from "./sort_orders.ts";

interface Request {
  objectId: number;
  ip: number;
  time: number;
  bytes: number;
  download: number;
}

const OBJECTS = 60;
/** Random opaque IP indexes, as the IP table gives them. */
const IPS = Array.from({ length: 40 }, (_, i) => 2 ** 52 - 7919 * (i + 1) * 104729);

function writeRequests(db: DatabaseSync, fileId: number, requests: Request[]): void {
  const blocks = new BlockWriter(db);
  requests.forEach((r, line) =>
    blocks.push(fileId, line + 1, r.objectId, r.time, r.bytes, r.ip, r.download)
  );
  blocks.flush();
}

function randomRequests(random: () => number, n: number): Request[] {
  return Array.from({ length: n }, () => ({
    objectId: 1 + Math.floor(random() ** 2 * OBJECTS),
    ip: IPS[Math.floor(random() ** 3 * IPS.length)],
    time: 1_600_000_000 + Math.floor(random() * 86400 * 3),
    // Half of them huge, so that a day's or a region's sum passes 2^53.
    bytes: random() < 0.5 ? 5 * 2 ** 40 - Math.floor(random() * 1000) : Math.floor(random() * 1e6),
    download: random() < 0.4 ? 1 : 0,
  }));
}

function addCounts(map: Map<string | number, Counts>, key: string | number, r: Request): void {
  const c = map.get(key) ?? { bytes: 0, requests: 0, downloads: 0 };
  c.bytes = BigInt(c.bytes) + BigInt(r.bytes);
  if (c.bytes <= BigInt(Number.MAX_SAFE_INTEGER)) c.bytes = Number(c.bytes);
  c.requests++;
  c.downloads += r.download;
  map.set(key, c);
}

/**
 * What the summaries must hold, read independently: every request of the cache in storage
 * order, counted with Maps and bigints.
 */
function expected(
  requests: Request[],
  keys: Map<number, string>,
  place: (key: string) => AssetPlace | undefined,
  labels: Map<number, string>,
) {
  const datasets = new Map<string, {
    byDay: Map<number, Counts>;
    byAsset: Map<string, Counts>;
    byRegion: Map<string, Counts>;
    requesters: Set<number>;
  }>();
  const archive = {
    byDay: new Map<number, Counts>(),
    byRegion: new Map<string, Counts>(),
    requesters: new Set<number>(),
  };
  for (const r of requests) {
    const day = Math.floor(r.time / 86400);
    const region = cleanLabel(labels.get(r.ip) ?? "missing");
    addCounts(archive.byDay, day, r);
    addCounts(archive.byRegion, region, r);
    archive.requesters.add(r.ip);
    const spot = place(keys.get(r.objectId)!);
    if (spot === undefined) continue;
    let scope = datasets.get(spot.dataset);
    if (scope === undefined) {
      datasets.set(
        spot.dataset,
        scope = {
          byDay: new Map(),
          byAsset: new Map(),
          byRegion: new Map(),
          requesters: new Set(),
        },
      );
    }
    addCounts(scope.byDay, day, r);
    addCounts(scope.byAsset, spot.asset, r);
    addCounts(scope.byRegion, region, r);
    scope.requesters.add(r.ip);
  }
  // Entries, not Maps: assert compares a Map's entries in any order, and order matters here.
  const sorted = <K, V>(map: Map<K, V>, order: (a: K, b: K) => number) =>
    [...map].sort(([a], [b]) => order(a, b));
  return {
    datasets: new Map(
      [...datasets].sort(([a], [b]) => a < b ? -1 : 1).map(([name, s]) => [name, {
        byDay: sorted(s.byDay, (a, b) => a - b),
        byAsset: sorted(s.byAsset, comparePaths),
        // In the order of each region's first request.
        byRegion: [...s.byRegion],
        requesters: s.requesters.size,
      }]),
    ),
    archive: {
      byDay: sorted(archive.byDay, (a, b) => a - b),
      byRegion: sorted(archive.byRegion, (a, b) => a < b ? -1 : 1),
      requesters: archive.requesters.size,
    },
  };
}

async function collected(db: DatabaseSync, place: (key: string) => AssetPlace | undefined) {
  const datasets = await collectDatasetData(db, place, { placement: "test" });
  const archive = await collectArchiveData(db);
  return {
    folds: [...datasets.folds, ...archive.folds],
    datasets: new Map(
      [...datasets.data].map(([name, s]) => [name, {
        byDay: [...s.byDay],
        byAsset: s.byAsset,
        byRegion: [...s.byRegion],
        requesters: s.requesters,
      }]),
    ),
    archive: {
      byDay: [...archive.data.byDay],
      // The archive's regions are sorted when written.
      byRegion: [...archive.data.byRegion].sort(([a], [b]) => a < b ? -1 : 1),
      requesters: archive.data.requesters,
    },
  };
}

const firstSegment = (key: string): AssetPlace => ({
  dataset: key.slice(0, key.indexOf("/")),
  asset: key.slice(key.indexOf("/") + 1),
});

Deno.test("counts brought up to date batch by batch equal counts of everything at once", async () => {
  const dir = await Deno.makeTempDir();
  const db = openCacheDatabase(dir);
  try {
    const random = seeded(14);
    const keys = new Map<number, string>();
    for (let id = 1; id <= OBJECTS; id++) {
      keys.set(id, `ds${id % 7}/sub-${id % 3}/file-${id}.nwb`);
      db.prepare("INSERT INTO objects VALUES (?, ?)").run(id, keys.get(id)!);
    }
    const labels = new Map<number, string>();
    const label = db.prepare("INSERT OR REPLACE INTO ip_regions VALUES (?, ?, 'test', 'now')");
    IPS.forEach((ip, i) => {
      if (i % 4 === 3) return; // some requesters have no region yet
      // Two labels that clean alike are one region.
      labels.set(ip, ["US/Ohio", "DE/Berlin", "AWS/us-east-2", "US/Oh\u0007io"][(i >> 1) % 4]);
      label.run(ip, labels.get(ip)!);
    });
    const stored: Request[] = [];
    const added: number[] = [];
    for (let batch = 1; batch <= 4; batch++) {
      // Batches of one or more files, the last an empty night.
      const requests = batch === 4 ? [] : randomRequests(random, 2000 * batch);
      if (batch === 3) {
        // A region first met at the start of a later block: it is listed after the others.
        requests[0] = { objectId: 1, ip: 12345, time: 1_600_000_000, bytes: 1, download: 0 };
        labels.set(12345, "BR/Sao Paulo");
        label.run(12345, "BR/Sao Paulo");
      }
      writeRequests(db, batch, requests);
      stored.push(...requests);
      // As generate_totals reads them (regions only; without the days when nothing is to be
      // added): before the whole counts on even batches, after them on odd ones.
      const totals = async () => {
        const { data } = await collectDatasetData(db, firstSegment, {
          placement: "test",
          parts: { regions: true },
        });
        const want = expected(stored, keys, firstSegment, labels).datasets;
        assert.deepStrictEqual(
          new Map([...data].map(([name, s]) => [name, [[...s.byRegion], s.requesters]])),
          new Map([...want].map(([name, s]) => [name, [s.byRegion, s.requesters]])),
          `batch ${batch}, regions only`,
        );
      };
      if (batch % 2 === 0) await totals();
      const counts = await collected(db, firstSegment);
      if (batch % 2 === 1) await totals();
      added.push(...counts.folds.map((f) => f.added));
      assert.deepStrictEqual(counts.folds.map((f) => f.recounted), [
        undefined,
        undefined,
        undefined,
      ]);
      const { folds: _, ...numbers } = counts;
      assert.deepStrictEqual(
        numbers,
        expected(stored, keys, firstSegment, labels),
        `batch ${batch}`,
      );
    }
    // Each batch was counted once, by each fold (the datasets', the archive's twice: once with
    // the datasets, once for the archive alone, which then had nothing new); the second by the
    // regions-only read before.
    assert.deepStrictEqual(added, [2000, 2000, 0, 0, 0, 0, 6000, 6000, 0, 0, 0, 0]);
    const rebuilt = await collectDatasetData(db, firstSegment, {
      placement: "test",
      rebuild: true,
    });
    assert.deepStrictEqual(rebuilt.folds.map((f) => f.recounted), [
      "asked for (--rebuild)",
      "asked for (--rebuild)",
    ]);
    const again = await collectDatasetData(db, firstSegment, { placement: "test" });
    assert.deepStrictEqual(
      [...rebuilt.data].map(([name, s]) => [name, [...s.byDay], [...s.byRegion], s.byAsset]),
      [...again.data].map(([name, s]) => [name, [...s.byDay], [...s.byRegion], s.byAsset]),
    );

    // A requester's region looked up again, and one that had none given one: the datasets'
    // counts are counted again.
    for (const ip of [IPS[0], IPS[3]]) {
      labels.set(ip, "JP/Tokyo");
      label.run(ip, "JP/Tokyo");
    }
    let counts = await collected(db, firstSegment);
    assert.match(counts.folds[0].recounted ?? "", /^2 counted requesters are in another region/);
    assert.deepStrictEqual(counts.folds.slice(1).map((f) => f.recounted), [undefined, undefined]);
    const { folds: _1, ...relabelled } = counts;
    assert.deepStrictEqual(relabelled, expected(stored, keys, firstSegment, labels));

    // Objects placed elsewhere (a new mapping): counted again.
    const otherPlace = (key: string) =>
      key.endsWith("-5.nwb") ? { dataset: "elsewhere", asset: key } : firstSegment(key);
    counts = await collected(db, otherPlace);
    assert.match(counts.folds[0].recounted ?? "", /counted objects are in another dataset now/);
    const { folds: _2, ...placed } = counts;
    assert.deepStrictEqual(placed, expected(stored, keys, otherPlace, labels));

    // A changed file's requests replaced: every saved count is dropped, then counted again.
    deleteFileRequests(db, [2]);
    const replacement = randomRequests(random, 500);
    writeRequests(db, 2, replacement);
    const kept = [...stored.slice(0, 2000), ...stored.slice(6000), ...replacement];
    counts = await collected(db, otherPlace);
    assert.deepStrictEqual(counts.folds.map((f) => f.added), [kept.length, kept.length, 0]);
    const { folds: _3, ...replaced } = counts;
    assert.deepStrictEqual(replaced, expected(kept, keys, otherPlace, labels));
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the other lines' sums kept night by night equal a sum of every stored block", async () => {
  await withCacheDatabase(async (db) => {
    const random = seeded(77);
    // Per stored file: its groups (object, day, code, requests, bytes sent, bytes received).
    const files = new Map<number, number[][]>();
    const writer = new OperationBlockWriter(db);
    const store = (file: number) => {
      const groups = Array.from({ length: 40 }, () => [
        Math.floor(random() * 6), // object 0: a line of no object
        19_000 + Math.floor(random() * 4),
        Math.floor(random() * 24), // every group and status class, uploads (group 2) among them
        1 + Math.floor(random() * 5),
        Math.floor(random() * 1e9),
        Math.floor(random() * 1e9),
      ]);
      files.set(file, groups);
      writer.write(file, {
        rows: groups.length,
        objects: Uint32Array.from(groups, (g) => g[0]),
        days: Uint32Array.from(groups, (g) => g[1]),
        codes: Uint8Array.from(groups, (g) => g[2]),
        requests: Float64Array.from(groups, (g) => g[3]),
        bytesSent: Float64Array.from(groups, (g) => g[4]),
        bytesReceived: Float64Array.from(groups, (g) => g[5]),
      });
    };
    /** Requests and bytes per packed key, summed here from what was stored. */
    const expected = () => {
      const sums = new Map<number, [number, number]>();
      for (const groups of files.values()) {
        for (const [object, day, code, requests, sent, received] of groups) {
          const key = (object * OPERATION_DAYS + day) * 32 + code;
          const [r, b] = sums.get(key) ?? [0, 0];
          sums.set(key, [r + requests, b + (code >> 2 === 2 ? received : sent)]);
        }
      }
      return new Map([...sums].sort(([a], [b]) => a - b));
    };
    const folded = async () => {
      const fold = new OperationSums();
      const [report] = await foldRequests(db, () => [fold]);
      const { slots } = fold.groups;
      const sums = new Map<number, [number, number]>();
      for (const slot of slots.sortedSlots()) {
        const { requests, bytes } = fold.groups.counts(slot);
        sums.set(slots.keys[slot], [requests, Number(bytes)]);
      }
      return { report, sums };
    };
    for (const file of [1, 2, 3]) {
      store(file);
      const { report, sums } = await folded();
      assert.deepStrictEqual(report, { name: "operation_sums", added: 40 });
      assert.deepStrictEqual(sums, expected());
    }
    // A file read again: its blocks go, every kept sum with them, and the next run recounts.
    deleteFileOperations(db, [2]);
    files.delete(2);
    const { report, sums } = await folded();
    assert.deepStrictEqual(report, {
      name: "operation_sums",
      added: 80,
      recounted: "log files read again replaced requests it had counted",
    });
    assert.deepStrictEqual(sums, expected());
  });
});

Deno.test("client kinds' cells stay whole as the day tables grow past thousands of days", async () => {
  await withCacheDatabase(async (db) => {
    // A request of every kind each day for 8,000 days, a download every third: the tables
    // grow by a quarter at a time, to lengths that end inside a day's cells.
    const days = 8000;
    const blocks = new BlockWriter(db);
    db.exec("INSERT INTO objects VALUES (1, 'ds1/a.nwb')");
    const expected: [number, number, number, number][] = [];
    for (let day = 0; day < days; day++) {
      for (let kind = 0; kind < KIND_CODES; kind++) {
        const bytes = day * 10 + kind + 1;
        const download = (day + kind) % 3 === 0 ? 1 : 0;
        blocks.push(1, expected.length + 1, 1, day * 86400, bytes, 7, download, 100, kind);
        expected.push([day, kind, bytes, download]);
      }
    }
    blocks.flush();
    const place = (key: string) => ({ dataset: "ds1", asset: key.slice(4) });
    const { counted } = await collectDatasetData(db, place, { activity: true });
    const counts = activityCounts(db, place, counted, { datasets: true });
    for (const rows of [counts.kinds.archive, counts.kinds.datasets[0]]) {
      const got = Array.from(
        { length: rows.length },
        (_, i) => [rows.days[i], rows.codes[i], rows.bytes[i], rows.downloads[i]],
      );
      assert.deepStrictEqual(got, expected);
    }
  });
});

Deno.test("kept counts missing an array stop with what to do; --rebuild counts them again", async () => {
  await withCacheDatabase(async (db) => {
    const requests = randomRequests(seeded(5), 300);
    db.exec("INSERT INTO objects VALUES (1, 'ds1/a.nwb')");
    writeRequests(db, 1, requests.map((r) => ({ ...r, objectId: 1 })));
    const requestsOf = ({ data }: Awaited<ReturnType<typeof collectArchiveData>>) =>
      [...data.byDay.values()].reduce((sum, day) => sum + day.requests, 0);
    assert.deepStrictEqual(requestsOf(await collectArchiveData(db)), 300);
    db.exec("DELETE FROM request_fold_chunks WHERE fold = 'archive_counts' AND name = 'objects'");
    writeRequests(db, 2, requests.slice(0, 10).map((r) => ({ ...r, objectId: 1 })));
    await assert.rejects(
      () => collectArchiveData(db),
      new RegExp(
        "^OperatorError: The summaries' kept counts in the cache are damaged \\(their array " +
          "objects is missing or cut short\\)\\. Run the summary step again with --rebuild",
      ),
    );
    assert.deepStrictEqual(requestsOf(await collectArchiveData(db, { rebuild: true })), 310);
    // Kept whole again: the next run adds to them.
    assert.deepStrictEqual(requestsOf(await collectArchiveData(db)), 310);
  });
});

/** A block of requests `[object id, IP index]` (one byte each, on one day). */
function pairBlock(requests: [number, number][]): RequestBlock {
  const rows = requests.length;
  return {
    id: 1,
    files: Float64Array.of(1, rows),
    rows,
    lines: Float64Array.from(requests, (_, i) => i + 1),
    objectIds: Uint32Array.from(requests, ([object]) => object),
    times: new Float64Array(rows).fill(1_600_000_000),
    bytesSent: new Float64Array(rows).fill(1),
    ipIndexes: Float64Array.from(requests, ([, ip]) => ip),
    downloads: new Uint8Array(rows),
    objectSizes: new Float64Array(rows).fill(-1),
    clientKinds: new Uint8Array(rows),
  };
}

/** Saved columns as a loaded state reads them (`behind`: requests are to be added). */
function savedColumns(saved: SavedFold, behind: boolean, without: string[] = []) {
  return {
    get: (name: string, spare = 0) => {
      const bytes = saved.columns[name];
      if (bytes === undefined || without.includes(name)) return undefined;
      const copy = new Uint8Array(bytes.byteLength + spare);
      copy.set(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return copy.subarray(0, bytes.byteLength);
    },
    behind,
    earliest: behind ? -Infinity : Infinity,
  };
}

Deno.test("a loaded state lists each (requester, dataset) pair once, read between additions", () => {
  // Objects 1 and 3 in dataset a, 2 in b.
  const placement = { datasetOf: Int32Array.of(-1, 0, 1, 0), names: ["a", "b"] };
  const labels = { names: ["missing"], labelOf: () => 0 };
  const night = [
    pairBlock([[1, 2 ** 40], [3, 7], [2, 7], [1, 9]]),
    pairBlock([[2, 9], [3, 2 ** 40], [2, 2 ** 40], [1, 11], [2, 7]]),
  ];
  // The saved list of pairs as [requester number, dataset number], and the requesters of a
  // and of b.
  const pairsOf = (counts: DatasetCounts) => ({
    pairs: [...counts.save().columns.pairs as Float64Array].map((pair) => [
      Math.floor(pair / DATASET_KEYS),
      pair % DATASET_KEYS,
    ]),
    requesters: [...counts.requestersPerDataset().subarray(0, 2)],
  });
  const first = new DatasetCounts("t", placement, labels);
  first.add(pairBlock([[1, 7], [2, 2 ** 40], [3, 7]]), 0);
  const saved = first.save();
  const loaded = new DatasetCounts("t", placement, labels);
  assert.strictEqual(loaded.load(saved.meta, savedColumns(saved, true)), undefined);
  // Read after each block: the pairs of a first seen again later are not listed twice.
  const read: ReturnType<typeof pairsOf>[] = [];
  night.forEach((block, i) => {
    loaded.add(block, 100 * (i + 1));
    read.push(pairsOf(loaded));
  });
  // Requesters 7, 2^40, 9, 11 are 0 to 3, a and b 0 and 1. (7, a) and (2^40, b) were loaded;
  // the night adds (2^40, a), (7, b), (9, a), then (9, b) and (11, a).
  const loadedPairs = [[0, 0], [1, 1]];
  const firstNight = [...loadedPairs, [1, 0], [0, 1], [2, 0]];
  assert.deepStrictEqual(read, [
    { pairs: firstNight, requesters: [3, 2] },
    { pairs: [...firstNight, [2, 1], [3, 0]], requesters: [4, 3] },
  ]);
  const all = new DatasetCounts("t", placement, labels);
  all.add(pairBlock([[1, 7], [2, 2 ** 40], [3, 7]]), 0);
  night.forEach((block, i) => all.add(block, 100 * (i + 1)));
  assert.deepStrictEqual(pairsOf(loaded), pairsOf(all));
  // Up to date, a state reads the saved requesters per dataset, not the pairs (and cannot be
  // saved); one saved by an older version, without them, counts them from the pairs.
  const last = loaded.save();
  const upToDate = new DatasetCounts("t", placement, labels);
  assert.strictEqual(upToDate.load(last.meta, savedColumns(last, false, ["pairs"])), undefined);
  assert.deepStrictEqual([...upToDate.requestersPerDataset().subarray(0, 2)], [4, 3]);
  assert.throws(() => upToDate.save(), /without their client kinds, days or pairs/);
  const older = new DatasetCounts("t", placement, labels);
  const withoutCounts = savedColumns(last, false, ["dataset_requesters"]);
  assert.strictEqual(older.load(last.meta, withoutCounts), undefined);
  assert.deepStrictEqual([...older.requestersPerDataset().subarray(0, 2)], [4, 3]);
  // Counts cut short (a damaged save) are not trusted either.
  const short = { ...last, columns: { ...last.columns, dataset_requesters: Float64Array.of(4) } };
  const damaged = new DatasetCounts("t", placement, labels);
  assert.strictEqual(damaged.load(short.meta, savedColumns(short, false)), undefined);
  assert.deepStrictEqual([...damaged.requestersPerDataset().subarray(0, 2)], [4, 3]);
});

Deno.test("counts whose client kinds were released (read out for the activity) refuse to be saved", () => {
  const placement = { datasetOf: Int32Array.of(-1, 0), names: ["a"] };
  const counts = new DatasetCounts("t", placement, { names: ["missing"], labelOf: () => 0 });
  counts.add(pairBlock([[1, 7]]), 0);
  assert(counts.kinds.some((cell) => cell !== 0));
  counts.releaseKinds();
  assert.deepStrictEqual(counts.kinds.length, 0);
  assert.throws(() => counts.save(), /saved without their client kinds/);
});
