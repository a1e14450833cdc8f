/**
 * A cache written before columnar storage (schema 6, `fixtures/schema6_cache`) is moved into
 * blocks on first use, and then gives what a fresh cache of the same logs gives: the same
 * summaries and the same export, byte for byte.
 */

import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import { SCHEMA_VERSION } from "../lib/store/cache_database.ts";
import { cliEnv, copyTree, readTree, ROOT, runCli, withTmpDir } from "./_helpers.ts";

const FIXTURE = join(ROOT, "fixtures", "schema6_cache");

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
