/**
 * Extraction straight from an S3 bucket, against a real S3-compatible server (s3rver, which
 * checks our SigV4 signatures): the same cache as extracting a local copy, export for export;
 * a second run fetches nothing; an S3 Inventory drives it too, and `status --inventory`
 * reports on it; a kill -9 in the middle loses and duplicates nothing. Skipped, with a
 * message, where s3rver is not installed (`.ci/run` installs it).
 */

import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import {
  cliCommand,
  cliEnv,
  copySample,
  offlineRangeEnv,
  readTree,
  runCli,
  runTask,
  withTmpDir,
  writeInventory,
} from "./_helpers.ts";
import { s3Env, S3RVER, startS3, type TestS3 } from "./_s3rver.ts";
import { convertLogTree } from "./_json_records.ts";

if (S3RVER === undefined) {
  // deno-lint-ignore no-console
  console.warn("remote extraction tests skipped: s3rver is not installed (.ci/run installs it)");
}

const NET = ["--allow-net=127.0.0.1"];

/** The local tree: the sample (nested, some gzipped), flat objects, and a non-log object. */
async function corpus(root: string): Promise<void> {
  await copySample(root, 1);
  const tree = await readTree(root);
  let flat = 0;
  for (const [path, bytes] of tree) {
    if (flat < 6 && path.startsWith("copy0/2024/03/")) {
      await Deno.writeFile(join(root, path.slice(path.lastIndexOf("/") + 1) + "F"), bytes);
      flat++;
    }
  }
  await Deno.writeTextFile(join(root, "notes.txt"), "not a log\n");
}

async function exported(cache: string, env: Record<string, string>): Promise<Map<string, string>> {
  const target = join(cache, "..", `export-${crypto.randomUUID().slice(0, 8)}`);
  const result = await runCli(["export_extraction", target, "--cache", cache, "--no-encryption"], {
    env,
  });
  assert.deepStrictEqual(result.code, 0, result.stderr);
  const decoder = new TextDecoder();
  return new Map([...await readTree(target)].map(([p, b]) => [p, decoder.decode(b)]));
}

/** A test with a fresh folder, the local corpus in `local` and an empty bucket `logs`. */
function remoteTest(
  name: string,
  fn: (context: { dir: string; local: string; s3: TestS3 }) => Promise<void>,
): void {
  Deno.test({
    name,
    ignore: S3RVER === undefined,
    fn: () =>
      withTmpDir(async (dir) => {
        const local = join(dir, "local");
        await corpus(local);
        await using s3 = await startS3(join(dir, "s3"), "logs");
        await fn({ dir, local, s3 });
      }),
  });
}

remoteTest(
  "extract_logs s3://… gives the cache of the local copy; a second run fetches nothing",
  async ({ dir, local, s3 }) => {
    for (const [path, bytes] of await readTree(local)) await s3.put(`server-logs/${path}`, bytes);
    await s3.put("elsewhere/2024-01-01-00-00-00-0000000000000000", new Uint8Array(10));
    const env = cliEnv(dir, s3Env(s3.endpoint));
    const localRun = await runCli(["extract_logs", local, "--cache", join(dir, "a")], { env });
    assert.deepStrictEqual(localRun.code, 0, localRun.stderr);
    const remote = await runCli(
      [
        "extract_logs",
        "s3://logs/server-logs",
        "--cache",
        join(dir, "b"),
        "--json",
        "--downloads",
        "3",
      ],
      { env, permissions: NET },
    );
    assert.deepStrictEqual(remote.code, 0, remote.stderr);
    const summary = JSON.parse(remote.stdout);
    assert.deepStrictEqual(summary.logsDirectory, "s3://logs/server-logs/");
    assert.deepStrictEqual([summary.files.found, summary.files.done, summary.files.notLogs], [
      126,
      126,
      2,
    ]);
    assert.deepStrictEqual(
      await exported(join(dir, "b"), env),
      await exported(join(dir, "a"), env),
    );
    // As `deno task extract_logs` runs it: isolated, network to the endpoint's host only.
    const isolated = await runTask(
      "extract_logs",
      ["s3://logs/server-logs", "--cache", join(dir, "c")],
      { env },
    );
    assert.deepStrictEqual(isolated.code, 0, isolated.stderr);
    assert.deepStrictEqual(
      await exported(join(dir, "c"), env),
      await exported(join(dir, "a"), env),
    );
    const again = await runCli(
      ["extract_logs", "s3://logs/server-logs", "--cache", join(dir, "b"), "--json"],
      { env, permissions: NET },
    );
    const second = JSON.parse(again.stdout);
    assert.deepStrictEqual([second.files.done, second.files.alreadyDone, second.bytesRead], [
      0,
      126,
      0,
    ]);
  },
);

/** Log files committed as done in a cache (0 while it has no database). */
function committedFiles(cache: string): number {
  try {
    const db = new DatabaseSync(join(cache, "cache.sqlite"), { readOnly: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM log_files WHERE status = 'done'").get() as {
        n: number;
      }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

remoteTest(
  "an S3 Inventory drives remote extraction, and status --inventory reports completion",
  async ({ dir, local, s3 }) => {
    const objects: [string, number][] = [];
    for (const [path, bytes] of await readTree(local)) {
      // A key with a space and a plus: the inventory encodes them.
      const key = `server logs/${path.replace(/^notes/, "notes+more")}`;
      await s3.put(key, bytes);
      objects.push([key, bytes.length]);
    }
    const inventoryDir = join(dir, "inventory");
    await writeInventory(inventoryDir, objects.slice(0, 100));
    const env = cliEnv(dir, s3Env(s3.endpoint));
    const cache = join(dir, "cache");
    const url = "s3://logs/server logs";
    const first = await runCli(
      ["extract_logs", url, "--inventory", inventoryDir, "--cache", cache, "--json"],
      { env, permissions: NET },
    );
    assert.deepStrictEqual(first.code, 0, first.stderr);
    const listed = objects.slice(0, 100).filter(([key]) => !key.endsWith("notes+more.txt"));
    assert.deepStrictEqual(JSON.parse(first.stdout).files.done, listed.length);
    const status = await runCli(
      ["status", "--cache", cache, "--inventory", inventoryDir, "--logs", url],
      { env },
    );
    assert.deepStrictEqual(status.code, 0, status.stderr);
    const bytes = listed.reduce((sum, [, size]) => sum + size, 0);
    assert.match(
      status.stdout,
      new RegExp(
        `Inventory dt=2026-05-03-01-00: ${listed.length} log objects \\(${
          (bytes / 1e6).toFixed(1)
        } MB\\) below ${url}/: ${listed.length} done, 0 failed, 100\\.0% complete\\.`,
      ),
    );
  },
);

remoteTest(
  "kill -9 during a remote extraction, then a rerun: the same cache as one clean run",
  async ({ dir, local, s3 }) => {
    for (const [path, bytes] of await readTree(local)) await s3.put(path, bytes);
    const env = cliEnv(dir, s3Env(s3.endpoint));
    const clean = join(dir, "clean");
    const whole = await runCli(["extract_logs", "s3://logs", "--cache", clean], {
      env,
      permissions: NET,
    });
    assert.deepStrictEqual(whole.code, 0, whole.stderr);
    const killed = join(dir, "killed");
    const child = cliCommand(
      ["extract_logs", "s3://logs", "--cache", killed, "--batch-size", "20", "--downloads", "1"],
      { env, permissions: NET },
    ).spawn();
    // Killed once some batches are committed, and before the end.
    let done = 0;
    for (let i = 0; i < 400 && done < 10; i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      done = committedFiles(killed);
    }
    child.kill("SIGKILL");
    await child.output();
    const atKill = committedFiles(killed);
    assert(atKill >= 10 && atKill < 126, `killed in the middle (${atKill} files committed)`);
    const rerun = await runCli(["extract_logs", "s3://logs", "--cache", killed], {
      env,
      permissions: NET,
    });
    assert.deepStrictEqual(rerun.code, 0, rerun.stderr);
    assert.deepStrictEqual(await exported(killed, env), await exported(clean, env));
  },
);

remoteTest(
  "a listing longer than one page (1,000 keys) is followed to its end",
  async ({ dir, s3 }) => {
    const line =
      'o b [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - R REST.GET.OBJECT ds1/a "GET /ds1/a HTTP/1.1" 200 - 5 5 1 1 "-" "-" -\n';
    const keys = Array.from(
      { length: 1003 },
      (_, i) => `2022/04/06/2022-04-06-03-05-53-${String(i).padStart(16, "0")}`,
    );
    const queue = [...keys];
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
        await s3.put(key, new TextEncoder().encode(line));
      }
    }));
    const env = cliEnv(dir, s3Env(s3.endpoint));
    const run = await runCli(["extract_logs", "s3://logs", "--cache", join(dir, "c"), "--json"], {
      env,
      permissions: NET,
    });
    assert.deepStrictEqual(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.deepStrictEqual([summary.files.found, summary.files.done, summary.lines.kept], [
      1003,
      1003,
      1003,
    ]);
  },
);

remoteTest(
  "daily with the log bucket configured runs every step on it",
  async ({ dir, local, s3 }) => {
    for (const [path, bytes] of await readTree(local)) await s3.put(`server-logs/${path}`, bytes);
    const env = cliEnv(dir, {
      ...s3Env(s3.endpoint),
      ...offlineRangeEnv(),
      S3_LOG_EXTRACTION_CACHE: join(dir, "cache"),
    });
    const set = await runCli(["set_logs", "s3://logs/server-logs"], { env });
    assert.deepStrictEqual(set.code, 0, set.stderr);
    const daily = await runTask("daily", [], { env, cwd: dir });
    assert.deepStrictEqual(daily.code, 0, daily.stderr);
    assert.match(daily.stdout, /Extracted 126 log files from s3:\/\/logs\/server-logs\//);
    assert.match(daily.stdout, /Wrote the report to /);
  },
);

remoteTest(
  "extract_logs s3://… reads a JSON delivery (gzip, Firehose object names) as the text logs",
  async ({ dir, local, s3 }) => {
    const json = join(dir, "json");
    // JSON records in gzip, under a Firehose object's name: `<stream>-1-<time>-<uuid>.gz`.
    await convertLogTree(local, json, {
      rename: (path) =>
        path.endsWith(".txt") ? path : `${path}-s3-logs-1-2026-07-01-00-00-00-` +
          `${crypto.randomUUID()}.gz`,
      gzip: () => true,
    });
    for (const [path, bytes] of await readTree(json)) await s3.put(`delivery/${path}`, bytes);
    const env = cliEnv(dir, s3Env(s3.endpoint));
    const localRun = await runCli(["extract_logs", local, "--cache", join(dir, "a")], { env });
    assert.deepStrictEqual(localRun.code, 0, localRun.stderr);
    const remote = await runCli(
      ["extract_logs", "s3://logs/delivery", "--cache", join(dir, "b"), "--json"],
      { env, permissions: NET },
    );
    assert.deepStrictEqual(remote.code, 0, remote.stderr);
    const summary = JSON.parse(remote.stdout);
    assert.deepStrictEqual([summary.files.done, summary.files.notLogs], [126, 2]);
    assert(summary.jsonRecords.V_1_0 > 1500);
    assert.deepStrictEqual(
      await exported(join(dir, "b"), env),
      await exported(join(dir, "a"), env),
    );
  },
);
