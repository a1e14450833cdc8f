/**
 * Crash test: an extraction over a few hundred files is killed with SIGKILL at random moments,
 * several times, then allowed to finish; the exported tree and the aggregate of the other lines
 * equal a clean run's, and after every kill each log file's requests are in the cache exactly
 * once or not at all.
 */

/** The aggregated operations of a cache, by object key, day and code (ids differ by run). */
function operationTotals(cache: string): Map<string, number[]> {
  const db = new DatabaseSync(join(cache, "cache.sqlite"), { readOnly: true });
  const keys = new Map(db.prepare("SELECT id, key FROM objects").all().map((r) => [r.id, r.key]));
  const totals = new Map<string, number[]>();
  for (const block of readOperationBlocks(db)) {
    for (let g = 0; g < block.rows; g++) {
      const key = `${keys.get(block.objects[g]) ?? "-"}|${block.days[g]}|${block.codes[g]}`;
      const sums = totals.get(key) ?? [0, 0, 0];
      sums[0] += block.requests[g];
      sums[1] += block.bytesSent[g];
      sums[2] += block.bytesReceived[g];
      totals.set(key, sums);
    }
  }
  db.close();
  return new Map([...totals].sort(([a], [b]) => a < b ? -1 : 1));
}

import { DatabaseSync } from "node:sqlite";
import { readRequestBlocks } from "../lib/store/request_blocks.ts";
import { readOperationBlocks } from "../lib/store/operation_blocks.ts";
import { join } from "node:path";
import assert from "node:assert/strict";
import {
  cliCommand,
  cliEnv,
  copySample,
  exists,
  readTree,
  runCli,
  withTmpDir,
} from "./_helpers.ts";

/**
 * The database to check, read-only; read-write when the kill left a log that only a writer may
 * recover (SQLite's READONLY_RECOVERY: a kill just as the log was begun). The next run
 * recovers such a log the same way.
 */
function openForCheck(path: string): DatabaseSync {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    db.prepare("SELECT count(*) AS n FROM sqlite_master").get();
    return db;
  } catch (error) {
    db.close();
    if (!String(error).includes("readonly database")) throw error;
    return new DatabaseSync(path);
  }
}

function consistencyProblems(cache: string): string[] {
  if (!exists(join(cache, "cache.sqlite"))) return []; // killed before it stored anything
  const db = openForCheck(join(cache, "cache.sqlite"));
  try {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'log_files'")
      .get() as { n: number };
    if (tables.n === 0) return []; // killed before its tables were committed: nothing stored
    const stored = new Map<number, number>();
    let unknownIps = 0;
    const ipIndexes = new Set(db.prepare("SELECT ip_index FROM ips").all().map((r) => r.ip_index));
    for (const block of readRequestBlocks(db)) {
      for (let r = 0; r < block.files.length; r += 2) {
        const fileId = block.files[r];
        stored.set(fileId, (stored.get(fileId) ?? 0) + block.files[r + 1]);
      }
      for (const ip of block.ipIndexes) if (!ipIndexes.has(ip)) unknownIps++;
    }
    const files = db.prepare("SELECT id, path, status, lines_kept AS kept FROM log_files")
      .all() as {
        id: number;
        path: string;
        status: string;
        kept: number;
      }[];
    const rows = files.map((f) => ({ ...f, stored: stored.get(f.id as number) ?? 0 }))
      .filter((f) => f.kept !== f.stored || f.status !== "done");
    const fileIds = new Set(files.map((f) => f.id));
    const orphans = [...stored].filter(([id]) => !fileIds.has(id)).reduce((n, [, c]) => n + c, 0);
    const unsealed = db.prepare(
      "SELECT count(*) AS n FROM ips WHERE sealed_id NOT IN (SELECT id FROM sealed_ips)",
    ).get() as { n: number };
    return [
      ...(unsealed.n ? [`${unsealed.n} IPs whose sealed batch is missing`] : []),
      ...rows.map((r) => `${r.path}: ${r.status}, ${r.kept} kept but ${r.stored} stored`),
      ...(orphans ? [`${orphans} requests of unknown files`] : []),
      ...(unknownIps ? [`${unknownIps} requests with an unknown IP index`] : []),
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
    assert.deepStrictEqual((await runCli(extract(clean), { env })).code, 0);
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
      assert.deepStrictEqual(
        consistencyProblems(crashed).filter((p) => !p.includes("partial")),
        [],
      );
    }
    assert(interrupted > 0, "at least one run was killed before it finished");
    const last = await runCli(extract(crashed), { env });
    assert.deepStrictEqual(last.code, 0, last.stderr);
    assert.deepStrictEqual(consistencyProblems(crashed), []);

    const exportTree = async (cache: string) => {
      const target = join(dir, `export-${cache.split("/").pop()}`);
      const result = await runCli([
        "export_extraction",
        target,
        "--cache",
        cache,
        "--no-encryption",
      ], { env });
      assert.deepStrictEqual(result.code, 0, result.stderr);
      return await readTree(target);
    };
    assert.deepStrictEqual(await exportTree(crashed), await exportTree(clean));
    const operations = operationTotals(clean);
    assert(operations.size > 100, `groups of other lines: ${operations.size}`);
    assert.deepStrictEqual(operationTotals(crashed), operations);
  });
});

Deno.test("files that changed are read again, replacing their requests; SIGKILL meanwhile loses nothing", async () => {
  await withTmpDir(async (dir) => {
    const logs = join(dir, "logs");
    await copySample(logs, 12);
    const env = cliEnv(dir);
    const extract = (cache: string) => [
      "extract_logs",
      logs,
      "--cache",
      cache,
      "--batch-size",
      "40",
      "--workers",
      "1",
    ];
    const crashed = join(dir, "crashed");
    assert.deepStrictEqual((await runCli(extract(crashed), { env })).code, 0);
    // A mirror was still syncing: every plain file gets its last line again (a new request),
    // which the first run never saw.
    for (const [path, bytes] of await readTree(logs)) {
      if (path.endsWith(".md") || (bytes[0] === 0x1f && bytes[1] === 0x8b)) continue;
      const text = new TextDecoder().decode(bytes);
      const last = text.trimEnd().split("\n").at(-1)!;
      await Deno.writeTextFile(join(logs, path), `${text.trimEnd()}\n${last}\n`);
    }
    const clean = join(dir, "clean");
    assert.deepStrictEqual((await runCli(extract(clean), { env })).code, 0);

    const child = cliCommand(extract(crashed), { env }).spawn();
    // Kill once some changed files have been replaced (a condition, not a time).
    for (;;) {
      const replaced = replacedFiles(crashed);
      if (replaced >= 10) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    try {
      child.kill("SIGKILL");
    } catch {
      // it had already finished
    }
    await child.output();
    assert.deepStrictEqual(consistencyProblems(crashed).filter((p) => !p.includes("partial")), []);
    const rest = await runCli([...extract(crashed), "--json"], { env });
    assert.deepStrictEqual(rest.code, 0, rest.stderr);
    const resumed = JSON.parse(rest.stdout);
    const count: number = resumed.files.changed;
    assert(count > 0, "the rest are re-read after the kill");
    // status names the files the last extraction read again, first to last (which ones depends
    // on how far the killed run came).
    const status = await runCli(["status", "--cache", crashed], { env });
    const files = count === 1 ? "log file had" : "log files had";
    assert(
      status.stdout.includes(
        `\nRe-read: ${count.toLocaleString("en-US")} ${files} changed since extraction and ` +
          `${count === 1 ? "was" : "were"} read again by the last extraction, earlier requests ` +
          `replaced: ${resumed.changedFiles[0]}${count === 1 ? "." : ", "}`,
      ),
      status.stdout,
    );
    assert.deepStrictEqual(consistencyProblems(crashed), []);
    const exportTree = async (cache: string) => {
      const target = join(dir, `export-${cache.split("/").pop()}`);
      await Deno.remove(target, { recursive: true }).catch(() => {});
      const result = await runCli(
        ["export_extraction", target, "--cache", cache, "--no-encryption"],
        { env },
      );
      assert.deepStrictEqual(result.code, 0, result.stderr);
      return await readTree(target);
    };
    assert.deepStrictEqual(
      await exportTree(crashed),
      await exportTree(clean),
      "one clean read of each file",
    );
    assert.deepStrictEqual(
      operationTotals(crashed),
      operationTotals(clean),
      "the other lines of each file counted once",
    );
  });
});

/** Log files the newest extraction run has committed (0 before it committed any). */
function replacedFiles(cache: string): number {
  try {
    const db = new DatabaseSync(join(cache, "cache.sqlite"), { readOnly: true });
    try {
      const row = db.prepare(`
        SELECT count(*) AS n FROM log_files
        WHERE run_id = (SELECT max(id) FROM runs WHERE command = 'extract_logs')`).get() as {
        n: number;
      };
      const runs = db.prepare("SELECT count(*) AS n FROM runs WHERE command = 'extract_logs'")
        .get() as { n: number };
      return runs.n >= 2 ? row.n : 0;
    } finally {
      db.close();
    }
  } catch {
    return 0; // no database yet, or busy: look again
  }
}
