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
