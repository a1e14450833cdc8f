/**
 * Crash test: an extraction over a few hundred files is killed with SIGKILL at random moments,
 * several times, then allowed to finish; the exported tree equals a clean run's, and after
 * every kill each log file's requests are in the cache exactly once or not at all.
 */

import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { assert, assertEquals } from "../lib/_assert.ts";
import {
  cliCommand,
  cliEnv,
  copySample,
  exists,
  readTree,
  runCli,
  withTmpDir,
} from "./_helpers.ts";

function consistencyProblems(cache: string): string[] {
  if (!exists(join(cache, "cache.sqlite"))) return []; // killed before it stored anything
  const db = new DatabaseSync(join(cache, "cache.sqlite"), { readOnly: true });
  try {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'log_files'")
      .get() as { n: number };
    if (tables.n === 0) return []; // killed before its tables were committed: nothing stored
    const rows = db.prepare(`
      SELECT f.path AS path, f.status AS status, f.lines_kept AS kept, coalesce(r.n, 0) AS stored
      FROM log_files f LEFT JOIN (SELECT file_id, count(*) AS n FROM requests GROUP BY file_id) r
        ON r.file_id = f.id
      WHERE f.lines_kept != coalesce(r.n, 0) OR f.status != 'done'`).all();
    const orphans = db.prepare(
      "SELECT count(*) AS n FROM requests WHERE file_id NOT IN (SELECT id FROM log_files)",
    ).get() as { n: number };
    const unknownIps = db.prepare(
      "SELECT count(*) AS n FROM requests WHERE ip_index NOT IN (SELECT ip_index FROM ips)",
    ).get() as { n: number };
    const unsealed = db.prepare(
      "SELECT count(*) AS n FROM ips WHERE sealed_id NOT IN (SELECT id FROM sealed_ips)",
    ).get() as { n: number };
    return [
      ...(unsealed.n ? [`${unsealed.n} IPs whose sealed batch is missing`] : []),
      ...rows.map((r) => `${r.path}: ${r.status}, ${r.kept} kept but ${r.stored} stored`),
      ...(orphans.n ? [`${orphans.n} requests of unknown files`] : []),
      ...(unknownIps.n ? [`${unknownIps.n} requests with an unknown IP index`] : []),
    ];
  } finally {
    db.close();
  }
}

Deno.test("SIGKILL at random moments loses nothing and duplicates nothing", async () => {
  await withTmpDir(async (dir) => {
    const logs = join(dir, "logs");
    await copySample(logs, 12);
    const env = cliEnv(dir);
    const clean = join(dir, "clean");
    const crashed = join(dir, "crashed");
    const extract = (
      cache: string,
    ) => ["extract_logs", logs, "--cache", cache, "--batch-size", "40"];
    const started = performance.now();
    assertEquals((await runCli(extract(clean), { env })).code, 0);
    const cleanMs = performance.now() - started;

    let interrupted = 0;
    for (let attempt = 0; attempt < 6; attempt++) {
      const child = cliCommand(extract(crashed), { env }).spawn();
      await new Promise((resolve) => setTimeout(resolve, cleanMs * (0.1 + 0.5 * Math.random())));
      try {
        child.kill("SIGKILL");
      } catch {
        // it had already finished
      }
      const { code } = await child.output();
      if (code !== 0) interrupted++;
      assertEquals(consistencyProblems(crashed).filter((p) => !p.includes("partial")), []);
    }
    assert(interrupted > 0, "at least one run was killed before it finished");
    const last = await runCli(extract(crashed), { env });
    assertEquals(last.code, 0, last.stderr);
    assertEquals(consistencyProblems(crashed), []);

    const exportTree = async (cache: string) => {
      const target = join(dir, `export-${cache.split("/").pop()}`);
      const result = await runCli([
        "export_extraction",
        target,
        "--cache",
        cache,
        "--no-encryption",
      ], { env });
      assertEquals(result.code, 0, result.stderr);
      return await readTree(target);
    };
    assertEquals(await exportTree(crashed), await exportTree(clean));
  });
});
