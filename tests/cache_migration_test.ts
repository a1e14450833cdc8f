/**
 * Caches written by earlier versions give, once this version has used them, what a fresh cache
 * of the same logs gives: the same summaries and the same export, byte for byte.
 * - Schema 6 (`fixtures/schema6_cache`), before columnar storage: its rows move into blocks.
 * - Schema 9 (`fixtures/schema9_cache`), a block per log file: new files share blocks after
 *   the old ones (its kept counts go on from there), and files changed since are replaced in
 *   the old blocks.
 */

import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import { SCHEMA_VERSION } from "../lib/store/cache_database.ts";
import { sampleRangeUrls } from "../lib/cli/daily_setup.ts";
import { cliEnv, copyTree, readTree, ROOT, runCli, withTmpDir } from "./_helpers.ts";

const FIXTURE = join(ROOT, "fixtures", "schema6_cache");
const FIXTURE_9 = join(ROOT, "fixtures", "schema9_cache");

/** The sample's environment: no password of the tests (the sample cache has its own). */
function sampleEnv(home: string): Record<string, string> {
  const env = cliEnv(home);
  delete env.S3_LOG_EXTRACTION_PASSWORD;
  return env;
}

async function exportOf(cache: string, target: string, env: Record<string, string>) {
  const password = (await Deno.readTextFile(join(cache, "password"))).trim();
  const run = await runCli(["export_extraction", target, "--cache", cache, "--no-encryption"], {
    env: { ...env, S3_LOG_EXTRACTION_PASSWORD: password },
  });
  assert.deepStrictEqual(run.code, 0, run.stderr);
  return await readTree(target);
}

Deno.test("a cache of schema 6 moves into blocks on first use, then equals a fresh cache: summaries and export", async () => {
  await withTmpDir(async (home) => {
    const env = sampleEnv(home);
    const old = join(home, "old");
    await copyTree(FIXTURE, old);
    const before = new DatabaseSync(join(old, "cache.sqlite"), { readOnly: true });
    const rows = (before.prepare("SELECT count(*) AS n FROM requests").get() as { n: number }).n;
    before.close();
    assert.deepStrictEqual(rows, 1170);

    const upgraded = await runCli(["daily", "--sample", "--cache", old, "--quiet"], { env });
    assert.deepStrictEqual(upgraded.code, 0, upgraded.stderr);
    const after = new DatabaseSync(join(old, "cache.sqlite"), { readOnly: true });
    assert.deepStrictEqual(
      { ...after.prepare("SELECT value FROM meta WHERE name = 'schema_version'").get() },
      { value: String(SCHEMA_VERSION) },
    );
    assert.deepStrictEqual(
      after.prepare("SELECT name FROM sqlite_schema WHERE name = 'requests'").all(),
      [],
    );
    assert.deepStrictEqual(
      { ...after.prepare("SELECT sum(rows) AS n FROM request_blocks").get() },
      { n: 1170 },
    );
    after.close();

    const fresh = join(home, "fresh");
    const made = await runCli(["daily", "--sample", "--cache", fresh, "--quiet"], { env });
    assert.deepStrictEqual(made.code, 0, made.stderr);
    const summaries = async (cache: string) => await readTree(join(cache, "summaries"));
    const upgradedSummaries = await summaries(old);
    assert(upgradedSummaries.size > 60, "dataset folders and the archive's files");
    assert.deepStrictEqual(upgradedSummaries, await summaries(fresh));
    assert.deepStrictEqual(
      await exportOf(old, join(home, "export-old"), env),
      await exportOf(fresh, join(home, "export-fresh"), env),
    );
  });
});

Deno.test("a cache of schema 9 takes new log files into shared blocks and replaces changed ones in its old blocks, then equals a fresh cache", async () => {
  await withTmpDir(async (home) => {
    const logs = join(home, "logs");
    await copyTree(join(ROOT, "fixtures", "sample_logs"), logs);
    const old = join(home, "old");
    await copyTree(FIXTURE_9, old);
    const password = (await Deno.readTextFile(join(old, "password"))).trim();
    const env = {
      ...cliEnv(home),
      S3_LOG_EXTRACTION_PASSWORD: password,
      S3_LOG_EXTRACTION_LOGS: logs,
      S3_LOG_EXTRACTION_GEO_DB: join(ROOT, "fixtures", "sample_geo", "city.mmdb"),
      ...sampleRangeUrls(),
    };
    // The files as the fixture read them (this copy's times), and three the fixture never saw.
    const db = new DatabaseSync(join(old, "cache.sqlite"));
    const files = db.prepare("SELECT id, path FROM log_files ORDER BY id").all() as {
      id: number;
      path: string;
    }[];
    assert.deepStrictEqual(files.length, 120);
    const setTime = db.prepare("UPDATE log_files SET mtime = ? WHERE id = ?");
    for (const { id, path } of files) {
      setTime.run((await Deno.stat(join(logs, path))).mtime!.getTime(), id);
    }
    db.close();
    for (const [i, { path }] of files.slice(0, 3).entries()) {
      await Deno.mkdir(join(logs, "2025", "01", "0" + (i + 1)), { recursive: true });
      await Deno.copyFile(
        join(logs, path),
        join(logs, "2025", "01", "0" + (i + 1), `2025-01-0${i + 1}-00-00-00-${i}AAAAAAAAAAAAAAA`),
      );
    }
    /** A daily run into `cache`, a new one (with the fixture's password) if it is missing. */
    const daily = async (cache: string) => {
      await Deno.mkdir(cache, { recursive: true });
      await Deno.writeTextFile(join(cache, "password"), password);
      const run = await runCli(["daily", "--cache", cache, "--quiet"], { env });
      assert.deepStrictEqual(run.code, 0, run.stderr);
    };
    let exports = 0;
    /** Paths whose bytes differ between two trees. */
    const differ = (got: Map<string, Uint8Array>, wanted: Map<string, Uint8Array>) => {
      assert(got.size > 60);
      return [...new Set([...got.keys(), ...wanted.keys()])]
        .filter((path) => got.get(path)?.join() !== wanted.get(path)?.join());
    };
    const summaries = async (cache: string) => await readTree(join(cache, "summaries"));
    const sameExport = async (cache: string, fresh: string) =>
      assert.deepStrictEqual(
        differ(
          await exportOf(cache, join(home, `export-${exports++}`), env),
          await exportOf(fresh, join(home, `export-${exports++}`), env),
        ),
        [],
      );
    const blocks = (cache: string) => {
      const db = new DatabaseSync(join(cache, "cache.sqlite"), { readOnly: true });
      const counts = db.prepare(`SELECT count(*) AS blocks, count(file_runs) AS shared,
        (SELECT value FROM meta WHERE name = 'schema_version') AS schema FROM request_blocks`)
        .get();
      db.close();
      return { ...counts };
    };

    await daily(old);
    // The old blocks stay as they were; the new files' requests share one block.
    assert.deepStrictEqual(blocks(old), { blocks: 121, shared: 1, schema: String(SCHEMA_VERSION) });
    const fresh = join(home, "fresh");
    await daily(fresh);
    assert.deepStrictEqual(differ(await summaries(old), await summaries(fresh)), []);
    await sameExport(old, fresh);

    // Then files change: the last line gone from two old files and a new one (a file written
    // again by a mirror), another file's time moved.
    for (
      const path of [
        files[5].path,
        files[40].path,
        "2025/01/02/2025-01-02-00-00-00-1AAAAAAAAAAAAAAA",
      ]
    ) {
      const text = await Deno.readTextFile(join(logs, path));
      await Deno.writeTextFile(join(logs, path), text.replace(/[^\n]*\n$/, ""));
    }
    await Deno.utime(join(logs, files[80].path), new Date(), new Date(2030, 0, 1));
    await daily(old);
    await daily(fresh);
    const scratch = join(home, "scratch");
    await daily(scratch);
    // The same history gives the same files. A cache that read the files as they are now may
    // list a dataset's regions in another order: they come in the order of their first stored
    // request, and the lines of a file read again are stored after those read before.
    assert.deepStrictEqual(differ(await summaries(old), await summaries(fresh)), []);
    await sameExport(old, scratch);
    await sameExport(fresh, scratch);
  });
});
