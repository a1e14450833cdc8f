import assert from "node:assert/strict";
import { openCacheDatabase } from "../store/cache_database.ts";
import { StoppedError } from "../errors.ts";
import { collectArchiveData, collectDatasetData } from "./summary_data.ts";

Deno.test("a stop asked for is seen between parts of the scan, and the scan goes on when not", async () => {
  const dir = await Deno.makeTempDir();
  const db = openCacheDatabase(dir);
  db.exec("INSERT INTO objects VALUES (1, 'ds/a.nwb')");
  // Two parts of the scan: rowids a million apart.
  db.exec(`INSERT INTO requests (rowid, file_id, line, object_id, time, bytes_sent, ip_index,
    download) VALUES (1, 1, 1, 1, 1700000000, 10, 1, 1), (${2 ** 21}, 1, 2, 1, 1700000000, 5, 2, 1),
    (${2 ** 40}, 1, 3, 1, 1700000000, 1, 3, 0)`);
  let looks = 0;
  const place = (key: string) => ({ dataset: "ds", asset: key.slice(3) });
  await assert.rejects(
    () => collectDatasetData(db, place, { days: true }, () => Promise.resolve(++looks > 0)),
    StoppedError,
  );
  assert.deepStrictEqual(looks, 1);
  looks = 0;
  const counted = await collectArchiveData(db, { stop: () => Promise.resolve(++looks < 0) });
  // Every part was read (gaps in rowids are skipped, not walked), with a look before each later one.
  assert.deepStrictEqual([counted.byDay.get(19675), looks], [{
    bytes: 16,
    requests: 3,
    downloads: 2,
  }, 2]);
  db.close();
  await Deno.remove(dir, { recursive: true });
});
