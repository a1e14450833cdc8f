import assert from "node:assert/strict";
import { openCacheDatabase } from "../store/cache_database.ts";
import { BlockWriter } from "../store/request_blocks.ts";
import { OperationBlockWriter } from "../store/operation_blocks.ts";
import { collectActivity } from "./activity_data.ts";

Deno.test("the archive's activity is the same whether the datasets' own is computed or not", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = openCacheDatabase(dir);
    let seed = 5;
    const random = (n: number) =>
      Math.floor(((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * n);
    for (let id = 1; id <= 60; id++) {
      db.prepare("INSERT INTO objects VALUES (?, ?)").run(id, `ds${id % 4}/sub/file-${id}.nwb`);
    }
    const blocks = new BlockWriter(db);
    const day = 19_723 * 86_400;
    for (let line = 1; line <= 5_000; line++) {
      blocks.push(
        1 + (line % 3),
        line,
        1 + random(60),
        day + random(20 * 86_400),
        random(5000),
        1 + random(40),
        random(3) === 0 ? 1 : 0,
        1000 + random(3),
        random(6),
      );
    }
    blocks.flush();
    const rows = 200;
    new OperationBlockWriter(db).write(1, {
      rows,
      objects: Uint32Array.from({ length: rows }, () => random(61)),
      days: Uint32Array.from({ length: rows }, () => 19_723 + random(20)),
      codes: Uint8Array.from({ length: rows }, () => random(24)),
      requests: Float64Array.from({ length: rows }, () => 1 + random(9)),
      bytesSent: Float64Array.from({ length: rows }, () => random(100)),
      bytesReceived: Float64Array.from({ length: rows }, () => random(100)),
    });
    const place = (key: string) => ({ dataset: key.slice(0, 3), asset: key.slice(4) });
    const whole = await collectActivity(db, place, { sessionGap: 3600 });
    const archiveOnly = await collectActivity(db, place, { sessionGap: 3600, datasets: false });
    assert.equal(whole.datasets.size, 4);
    assert.equal(archiveOnly.datasets.size, 0);
    assert.deepStrictEqual(archiveOnly.archive, whole.archive);
    assert.equal(whole.archive.delivery.length, 4);
    assert(whole.archive.byOperation.length > 20 && whole.archive.byClientKind.length > 20);
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a day's kept requests are added to its aggregated 2xx downloads, or make the row", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const day = 19_723;
    const place = (key: string) => ({ dataset: key.slice(0, 3), asset: key.slice(4) });
    /** A cache of 3 objects in 2 datasets; its kept requests only when `kept`. */
    const activity = async (name: string, kept: boolean) => {
      await Deno.mkdir(`${dir}/${name}`);
      const db = openCacheDatabase(`${dir}/${name}`);
      for (const id of [1, 2, 3]) {
        db.prepare("INSERT INTO objects VALUES (?, ?)").run(id, `ds${id % 2}/file-${id}.nwb`);
      }
      if (kept) {
        const blocks = new BlockWriter(db);
        // Object 1 (ds1) on days 0 and 2; object 2 (ds0) on day 1; object 3 (ds1) on day 2.
        for (
          const [line, id, offset, bytes] of [[1, 1, 0, 10], [2, 2, 1, 20], [3, 1, 2, 30], [
            4,
            3,
            2,
            5,
          ]]
        ) {
          blocks.push(1, line, id, (day + offset) * 86_400 + 60, bytes, 7, 1, 100, 0);
        }
        blocks.flush();
      }
      // Aggregated lines: 2xx downloads (code 0) of ds1 on days 0 and 3, a 4xx of ds0 on day 1.
      new OperationBlockWriter(db).write(1, {
        rows: 3,
        objects: Uint32Array.of(1, 3, 2),
        days: Uint32Array.of(day, day + 3, day + 1),
        codes: Uint8Array.of(0, 0, 2),
        requests: Float64Array.of(4, 6, 8),
        bytesSent: Float64Array.of(400, 600, 800),
        bytesReceived: Float64Array.of(0, 0, 0),
      });
      const collected = await collectActivity(db, place, { sessionGap: 3600 });
      db.close();
      return collected;
    };
    const rows = (
      r: {
        length: number;
        days: Float64Array;
        codes: Uint8Array;
        requests: Float64Array;
        bytes: Float64Array;
      },
    ) =>
      Array.from(
        { length: r.length },
        (_, i) => [r.days[i] - day, r.codes[i], r.requests[i], r.bytes[i]],
      );
    const whole = await activity("whole", true);
    const aggregated = await activity("aggregated", false);
    assert.deepStrictEqual(rows(aggregated.datasets.get("ds1")!.byOperation), [[0, 0, 4, 400], [
      3,
      0,
      6,
      600,
    ]]);
    // Day 0: summed with the aggregated row; day 2: a row of its own; day 3: as aggregated.
    assert.deepStrictEqual(rows(whole.datasets.get("ds1")!.byOperation), [[0, 0, 5, 410], [
      2,
      0,
      2,
      35,
    ], [3, 0, 6, 600]]);
    // The kept download comes before the day's 4xx row (code 0 before code 2).
    assert.deepStrictEqual(rows(whole.datasets.get("ds0")!.byOperation), [[1, 0, 1, 20], [
      1,
      2,
      8,
      800,
    ]]);
    assert.deepStrictEqual(rows(whole.archive.byOperation), [
      [0, 0, 5, 410],
      [1, 0, 1, 20],
      [1, 2, 8, 800],
      [2, 0, 2, 35],
      [3, 0, 6, 600],
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the archive's session row of a dataset has the quantiles of all its assets' sessions", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const db = openCacheDatabase(dir);
    // Two datasets of two assets each; asset a's sessions are long with few requests, b's short
    // with many, so that the lengths and the request counts order the sessions differently.
    // The first dataset has more sessions than the second (19 and 15).
    const keys = ["ds0/a.nwb", "ds0/b.nwb", "ds1/a.nwb", "ds1/b.nwb"];
    keys.forEach((key, i) => db.prepare("INSERT INTO objects VALUES (?, ?)").run(i + 1, key));
    const blocks = new BlockWriter(db);
    const start = 19_723 * 86_400;
    const expected = new Map<string, { seconds: number[]; requests: number[] }>();
    let line = 0;
    keys.forEach((key, i) => {
      const dataset = key.slice(0, 3);
      const lists = expected.get(dataset) ?? { seconds: [], requests: [] };
      expected.set(dataset, lists);
      for (let client = 1; client <= 10 - i; client++) {
        // One session per client: `count` requests `step` seconds apart (within the gap).
        const count = key.endsWith("a.nwb") ? 2 : 3 + client * (i + 1);
        const step = key.endsWith("a.nwb") ? 100 * client * (i + 1) : 1;
        for (let r = 0; r < count; r++) {
          blocks.push(1, ++line, i + 1, start + client * 10_000 + r * step, 10, client, 0, 100, 0);
        }
        lists.seconds.push((count - 1) * step);
        lists.requests.push(count);
      }
    });
    blocks.flush();
    const place = (key: string) => ({ dataset: key.slice(0, 3), asset: key.slice(4) });
    const { archive } = await collectActivity(db, place, { sessionGap: 3600 });
    /** NumPy's default quantile, written out. */
    const quantileOf = (values: number[], p: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      const h = (sorted.length - 1) * p;
      const lo = Math.floor(h);
      const hi = Math.min(lo + 1, sorted.length - 1);
      return sorted[lo] + (sorted[hi] - sorted[lo]) * (h - lo);
    };
    const of = (values: number[]) => ({
      p50: quantileOf(values, 0.5),
      p90: quantileOf(values, 0.9),
    });
    assert.deepStrictEqual(
      archive.sessions,
      [...expected].map(([dataset, { seconds, requests }]) => [dataset, {
        sessions: seconds.length,
        seconds: of(seconds),
        requests: of(requests),
      }]),
    );
    db.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
