import assert from "node:assert/strict";
import { openCacheDatabase } from "../store/cache_database.ts";
import { BlockWriter } from "../store/request_blocks.ts";
import { StoppedError } from "../errors.ts";
import { collectArchiveData, collectDatasetData } from "./summary_data.ts";

Deno.test("a stop asked for is seen between parts of the scan, and the scan goes on when not", async () => {
  const dir = await Deno.makeTempDir();
  const db = openCacheDatabase(dir);
  db.exec("INSERT INTO objects VALUES (1, 'ds/a.nwb')");
  // Two parts of the scan: 2^21 requests (32 full blocks), then one more.
  const blocks = new BlockWriter(db);
  for (let line = 1; line <= 2 ** 21; line++) blocks.push(1, line, 1, 1700000000, 1, line % 7, 0);
  blocks.push(2, 1, 1, 1700000000, 10, 1, 1);
  blocks.flush();
  let looks = 0;
  const place = (key: string) => ({ dataset: "ds", asset: key.slice(3) });
  await assert.rejects(
    () =>
      collectDatasetData(db, place, {
        parts: { days: true },
        stop: () => Promise.resolve(++looks > 0),
      }),
    StoppedError,
  );
  assert.deepStrictEqual(looks, 1);
  looks = 0;
  const { data: counted } = await collectArchiveData(db, {
    stop: () => Promise.resolve(++looks < 0),
  });
  // Every part was read, with a look before the later one.
  assert.deepStrictEqual([counted.byDay.get(19675), looks], [{
    bytes: 2 ** 21 + 10,
    requests: 2 ** 21 + 1,
    downloads: 1,
  }, 1]);
  db.close();
  await Deno.remove(dir, { recursive: true });
});
