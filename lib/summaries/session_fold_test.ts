import assert from "node:assert/strict";
import { seeded, withCacheDatabase } from "../../tests/_helpers.ts";
import type { DatabaseSync } from "node:sqlite";
import { BlockWriter } from "../store/request_blocks.ts";
import { foldRequests } from "../store/request_folds.ts";
import { SessionFold } from "./session_fold.ts";

interface Request {
  object: number;
  ip: number;
  time: number;
}

const GAP = 600;
/** Opaque IP indexes past 2^32, as the IP table gives them. */
const IPS = Array.from({ length: 12 }, (_, i) => 2 ** 45 + i * 7_777_777);

/**
 * Requests in bursts (a client reading an object: several requests seconds to minutes apart),
 * over `days` days from `day`, in random order.
 */
function requests(random: () => number, count: number, day: number, days: number): Request[] {
  const out: Request[] = [];
  while (out.length < count) {
    const object = 1 + Math.floor(random() * random() * 9);
    const ip = IPS[Math.floor(random() * IPS.length)];
    let time = (day + Math.floor(random() * days)) * 86400 + Math.floor(random() * 86400);
    for (let k = 1 + Math.floor(random() * 6); k > 0 && out.length < count; k--) {
      out.push({ object, ip, time });
      time += Math.floor(random() * GAP * 1.3);
    }
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function store(db: DatabaseSync, fileId: number, list: Request[]): void {
  const blocks = new BlockWriter(db);
  list.forEach((r, line) => blocks.push(fileId, line + 1, r.object, r.time, 10, r.ip, 1));
  blocks.flush();
}

/** Per object, its sessions' (length, requests), sorted: read from the requests directly. */
function expectedSessions(all: Request[], gap: number): Map<number, string[]> {
  const byPair = new Map<string, number[]>();
  for (const r of all) {
    const key = `${r.object} ${r.ip}`;
    byPair.set(key, [...byPair.get(key) ?? [], r.time]);
  }
  const out = new Map<number, string[]>();
  for (const [key, times] of byPair) {
    const object = Number(key.split(" ")[0]);
    times.sort((a, b) => a - b);
    let start = 0;
    for (let i = 1; i <= times.length; i++) {
      if (i === times.length || times[i] - times[i - 1] > gap) {
        out.set(object, [...out.get(object) ?? [], `${times[i - 1] - times[start]}:${i - start}`]);
        start = i;
      }
    }
  }
  for (const list of out.values()) list.sort();
  return new Map([...out].sort(([a], [b]) => a - b));
}

/** The fold's sessions in the same form. */
function foldedSessions(fold: SessionFold): Map<number, string[]> {
  const { seconds, requests, ranges } = fold.sessions(() => true);
  const out = new Map<number, string[]>();
  for (const [id, { start, end }] of ranges) {
    const list: string[] = [];
    for (let i = start; i < end; i++) list.push(`${seconds[i]}:${requests[i]}`);
    out.set(id, list.sort());
  }
  return out;
}

Deno.test("sessions kept night by night equal those of every request sorted at once", async () => {
  await withCacheDatabase(async (db) => {
    const random = seeded(2026);
    const all: Request[] = [];
    // Four nights; the third's logs are late (times of the first two nights' days), the last
    // night's requests merged in parts of 50.
    const nights = [[100, 2], [102, 1], [100, 3], [103, 2]];
    for (const [n, [day, days]] of nights.entries()) {
      const night = requests(random, 700, day, days);
      store(db, n + 1, night);
      all.push(...night);
      const fold = new SessionFold({ gap: GAP, pending: n === 3 ? 50 : undefined });
      const [report] = await foldRequests(db, () => [fold]);
      assert.deepStrictEqual(report, { name: "object_sessions", added: 700 });
      const got = foldedSessions(fold);
      assert.deepStrictEqual(got, expectedSessions(all, GAP), `night ${n + 1}`);
    }
    // Read again with nothing new (the clients and first times not loaded), and from nothing.
    const again = new SessionFold({ gap: GAP });
    await foldRequests(db, () => [again]);
    assert.deepStrictEqual(foldedSessions(again), expectedSessions(all, GAP));
    const rebuilt = new SessionFold({ gap: GAP, pending: 64 });
    await foldRequests(db, () => [rebuilt], { rebuild: true });
    assert.deepStrictEqual(foldedSessions(rebuilt), expectedSessions(all, GAP));
    // The test data has sessions of several requests and sessions joined by a late request.
    const lengths = [...expectedSessions(all, GAP).values()].flat();
    assert.ok(lengths.some((s) => Number(s.split(":")[1]) >= 4));
    assert.ok(lengths.length < all.length / 2);
  });
});

Deno.test("a request between two sessions joins them; one inside a session adds to it", async () => {
  await withCacheDatabase(async (db) => {
    const ip = IPS[0];
    store(db, 1, [
      { object: 3, ip, time: 10_000 },
      { object: 3, ip, time: 10_500 },
      { object: 3, ip, time: 11_500 },
      { object: 3, ip: IPS[1], time: 11_000 },
    ]);
    const first = new SessionFold({ gap: GAP });
    await foldRequests(db, () => [first]);
    assert.deepStrictEqual(foldedSessions(first), new Map([[3, ["0:1", "0:1", "500:2"]]]));
    store(db, 2, [{ object: 3, ip, time: 11_000 }, { object: 3, ip, time: 10_200 }]);
    const second = new SessionFold({ gap: GAP });
    await foldRequests(db, () => [second]);
    assert.deepStrictEqual(foldedSessions(second), new Map([[3, ["0:1", "1500:5"]]]));
  });
});

Deno.test("sessions saved at another gap are counted again", async () => {
  await withCacheDatabase(async (db) => {
    store(db, 1, [{ object: 1, ip: IPS[0], time: 0 }, { object: 1, ip: IPS[0], time: 1000 }]);
    await foldRequests(db, () => [new SessionFold({ gap: 600 })]);
    const wider = new SessionFold({ gap: 3600 });
    assert.deepStrictEqual(await foldRequests(db, () => [wider]), [
      {
        name: "object_sessions",
        added: 2,
        recounted: "the sessions were cut at a gap of 600 s, now 3600 s",
      },
    ]);
    assert.deepStrictEqual(foldedSessions(wider), new Map([[1, ["1000:2"]]]));
  });
});

Deno.test("an object whose requests span too long for packed sort keys is sorted all the same", async () => {
  await withCacheDatabase(async (db) => {
    // Times 2^52 seconds apart (no log has them; a fold must not stop on them): two clients'
    // keys would pass 2^53.
    const far = 2 ** 52;
    const list = [
      { object: 1, ip: IPS[0], time: 100 },
      { object: 1, ip: IPS[1], time: far },
      { object: 1, ip: IPS[0], time: 0 },
      { object: 1, ip: IPS[0], time: far - 5 },
      { object: 2, ip: IPS[1], time: 50 },
      { object: 2, ip: IPS[1], time: 10 },
    ];
    store(db, 1, list);
    const fold = new SessionFold({ gap: GAP });
    await foldRequests(db, () => [fold]);
    const got = foldedSessions(fold);
    assert.deepStrictEqual(got, expectedSessions(list, GAP));
    assert.deepStrictEqual(got, new Map([[1, ["0:1", "0:1", "100:2"]], [2, ["40:2"]]]));
  });
});

/** The saved chunks of the settled list written by the runs after this call (a trigger). */
function watchSettledWrites(db: DatabaseSync): () => string[] {
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS written (name TEXT, chunk INTEGER);
    DELETE FROM written;
    CREATE TEMP TRIGGER IF NOT EXISTS settled_written AFTER INSERT ON main.request_fold_chunks
    WHEN new.name LIKE 'settled_%' BEGIN INSERT INTO written VALUES (new.name, new.chunk); END;`);
  return () =>
    db.prepare("SELECT name, chunk FROM written WHERE name = 'settled_seconds' ORDER BY chunk")
      .all().map((row) => `${row.name}:${row.chunk}`);
}

/** The number of sessions saved as settled. */
function settledCount(db: DatabaseSync): number {
  const { meta } = db.prepare("SELECT meta FROM request_folds WHERE name = 'object_sessions'")
    .get() as { meta: string };
  return JSON.parse(meta).settled;
}

Deno.test("sessions that ended well before the latest request are settled, and their saved chunks are kept", async () => {
  await withCacheDatabase(async (db) => {
    const random = seeded(77);
    const all: Request[] = [];
    // A night a day, each on its day; sessions settle 2 days after the latest request. Each
    // saved row of the lists holds 64 sessions.
    const options = { gap: GAP, settleAfter: 2 * 86400 };
    const chunkBytes = 256;
    let settledBefore = 0;
    for (let night = 0; night < 6; night++) {
      const list = requests(random, 400, 100 + night, 1);
      store(db, night + 1, list);
      all.push(...list);
      // The first night makes the tables the trigger watches.
      const written = night > 0 ? watchSettledWrites(db) : () => ["settled_seconds:0"];
      const fold = new SessionFold(options);
      const [report] = await foldRequests(db, () => [fold], { chunkBytes });
      assert.deepStrictEqual(report, { name: "object_sessions", added: 400 }, `night ${night}`);
      assert.deepStrictEqual(foldedSessions(fold), expectedSessions(all, GAP), `night ${night}`);
      const settled = settledCount(db);
      // Nights 0 and 1 are within 2 days of the latest; from night 3 on, earlier ones settle.
      if (night >= 3) assert.ok(settled > settledBefore, `night ${night} settles sessions`);
      // Only the rows from the one the last save's end was in are written again.
      const firstRow = Math.floor(settledBefore / 64);
      const rows = Math.ceil(settled / 64);
      const expected = Array.from(
        { length: Math.max(1, rows - firstRow) },
        (_, i) => `settled_seconds:${firstRow + i}`,
      );
      assert.deepStrictEqual(written(), expected, `night ${night}`);
      settledBefore = settled;
    }
    assert.ok(settledBefore > 300, `${settledBefore} sessions settled`);
    // Read with nothing new, and rebuilt from nothing: the same sessions.
    const again = new SessionFold(options);
    await foldRequests(db, () => [again], { chunkBytes });
    assert.deepStrictEqual(foldedSessions(again), expectedSessions(all, GAP));
    const rebuilt = new SessionFold(options);
    await foldRequests(db, () => [rebuilt], { rebuild: true, chunkBytes });
    assert.deepStrictEqual(foldedSessions(rebuilt), expectedSessions(all, GAP));
    assert.equal(settledCount(db), settledBefore);
  });
});

Deno.test("requests that come in older than the settled sessions' end count the sessions again", async () => {
  await withCacheDatabase(async (db) => {
    const options = { gap: GAP, settleAfter: 86400 };
    const ip = IPS[0];
    // Day 10: a session of object 1; day 12 settles it.
    const day = (n: number) => n * 86400;
    const first = [
      { object: 1, ip, time: day(10) },
      { object: 1, ip, time: day(10) + 300 },
      { object: 2, ip, time: day(12) },
    ];
    store(db, 1, first);
    await foldRequests(db, () => [new SessionFold(options)]);
    assert.equal(settledCount(db), 1);
    // A late log: a request 500 s after the settled session's end joins it.
    const late = [{ object: 1, ip, time: day(10) + 800 }];
    store(db, 2, late);
    const fold = new SessionFold(options);
    assert.deepStrictEqual(await foldRequests(db, () => [fold]), [{
      name: "object_sessions",
      added: 4,
      recounted: "requests from 1970-01-11T00:13:20Z came in, after the sessions that ended " +
        "before 1970-01-12T00:00:00Z were settled",
    }]);
    const got = foldedSessions(fold);
    assert.deepStrictEqual(got, new Map([[1, ["800:3"]], [2, ["0:1"]]]));
    assert.deepStrictEqual(got, expectedSessions([...first, ...late], GAP));
  });
});
