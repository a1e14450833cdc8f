/**
 * `index_ips`: the reference's three golden extraction trees imported and exported again give
 * the same trees (and the same requests as extracting their logs); encrypted files (current and
 * older key) import the same; a second import changes nothing; a changed folder replaces its
 * rows; bad folders are reported by file and line without losing the rest; a damaged IP table
 * is found. Skipped without `../shared`.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import { openCacheDatabase } from "../lib/store/cache_database.ts";
import { BlockWriter, countRequests, readRequestBlocks } from "../lib/store/request_blocks.ts";
import { type CacheSecrets, deriveCacheSecrets } from "../lib/crypto/cache_secrets.ts";
import { extractLogs } from "../lib/extract/extract_logs.ts";
import { indexIps } from "../lib/reference/index_ips.ts";
import {
  cliEnv,
  copyTree,
  exists,
  exportedTree,
  readTree,
  REFERENCE,
  ROOT,
  runCli,
  TEST_PASSWORD,
  withTmpDir,
} from "./_helpers.ts";

const available = exists(REFERENCE);
const secretsOf = (password: string) => deriveCacheSecrets({ password, iterations: 1 });

async function exported(cacheDirectory: string, secrets: CacheSecrets) {
  const target = join(cacheDirectory, "export");
  await Deno.remove(target, { recursive: true }).catch(() => {});
  return await exportedTree(cacheDirectory, secrets, target);
}

function counts(cacheDirectory: string) {
  const db = openCacheDatabase(cacheDirectory);
  try {
    const count = (table: string) =>
      (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return [
      countRequests(db),
      ...["ips", "sealed_ips", "objects", "ip_regions", "log_files"].map(count),
    ];
  } finally {
    db.close();
  }
}

Deno.test({
  name: "index_ips imports the generic reference cache: same tree, labels, records; twice = once",
  ignore: !available,
  fn: () =>
    withTmpDir(async (dir) => {
      const secrets = await secretsOf("import password");
      const cacheDirectory = join(dir, "cache");
      const source = join(REFERENCE, "generic", "expected");
      const first = await indexIps({ cacheDirectory, secrets, referenceDirectory: source });
      assert.deepStrictEqual(first.imported?.objects, 7);
      assert.deepStrictEqual(first.imported?.labels, 1);
      assert.deepStrictEqual(first.imported?.recordedLogFiles, 2);
      assert.deepStrictEqual(first.table, {
        requests: 7,
        ips: 1,
        labelledIps: 1,
        unresolvedRequests: 0,
        damagedIps: 0,
      });
      const before = counts(cacheDirectory);
      const tree = await exported(cacheDirectory, secrets);
      assert.deepStrictEqual(tree, await exportedExpected(join(source, "extraction")));

      const second = await indexIps({ cacheDirectory, secrets, referenceDirectory: source });
      assert.deepStrictEqual([second.imported?.objects, second.imported?.unchanged], [0, 7]);
      assert.deepStrictEqual(counts(cacheDirectory), before);
      assert.deepStrictEqual(await exported(cacheDirectory, secrets), tree);

      // The records make extraction skip the logs the reference already read.
      const run = await extractLogs({
        logsDirectory: join(REFERENCE, "generic", "logs"),
        cacheDirectory,
        secrets,
        workers: 0,
      });
      assert.deepStrictEqual([run.files.alreadyDone, run.files.changed, run.lines.kept], [2, 0, 0]);
      assert.deepStrictEqual(await exported(cacheDirectory, secrets), tree);

      const db = openCacheDatabase(cacheDirectory);
      const labels = db.prepare("SELECT label, source FROM ip_regions").all();
      db.close();
      assert.deepStrictEqual(labels.map((row) => ({ ...row })), [{
        label: "bogon",
        source: "reference",
      }]);
    }),
});

async function exportedExpected(root: string): Promise<Map<string, string>> {
  const decoder = new TextDecoder();
  const tree = new Map<string, string>();
  for (const [path, bytes] of await readTree(root)) {
    if (path.endsWith("/indexed_ips.txt")) continue;
    tree.set(path.replace(/\/full_ips\.txt$/, "/ips.txt"), decoder.decode(bytes));
  }
  return tree;
}

for (const set of ["dandi-2025", "dandi"]) {
  Deno.test({
    name: `index_ips imports the ${set} reference tree: the requests of extracting its logs`,
    ignore: !available,
    fn: () =>
      withTmpDir(async (dir) => {
        const secrets = await secretsOf("import password");
        const imported = join(dir, "imported");
        const summary = await indexIps({
          cacheDirectory: imported,
          secrets,
          referenceDirectory: join(REFERENCE, set, "expected"),
        });
        assert.deepStrictEqual(summary.imported?.failed, 0);
        const extracted = join(dir, "extracted");
        await extractLogs({
          logsDirectory: join(REFERENCE, set, "logs"),
          cacheDirectory: extracted,
          secrets,
          mode: "dandi",
          workers: 0,
        });
        const fromImport = await exported(imported, secrets);
        const fromLogs = await exported(extracted, secrets);
        if (set === "dandi-2025") {
          // This set predates download.txt: imported downloads count 0, as the reference does.
          assert.deepStrictEqual(summary.imported?.withoutDownloads, summary.imported?.objects);
          for (const [path, text] of fromImport) {
            if (!path.endsWith("/download.txt")) continue;
            assert.match(text, /^(0\n)+$/);
            fromImport.delete(path);
            fromLogs.delete(path);
          }
        }
        assert.deepStrictEqual(fromImport, fromLogs);
      }),
  });
}

Deno.test({
  name: "index_ips reads ips.txt and ip_to_region.yaml as Fernet tokens, current or older key",
  ignore: !available,
  fn: () =>
    withTmpDir(async (dir) => {
      const secrets = await secretsOf("import password");
      const source = join(REFERENCE, "generic", "expected");
      const plain = await withTmpDir(async (cache) => {
        await indexIps({ cacheDirectory: cache, secrets, referenceDirectory: source });
        return await exported(cache, secrets);
      });
      for (const fernet of [secrets.fernet, secrets.legacyFernet]) {
        const copy = join(dir, crypto.randomUUID());
        await copyTree(source, copy);
        for (const [path] of await readTree(copy)) {
          if (!path.endsWith("ips.txt") && !path.endsWith("ip_to_region.yaml")) continue;
          const file = join(copy, path);
          await Deno.writeTextFile(file, await fernet.encrypt(await Deno.readTextFile(file)));
        }
        const cacheDirectory = join(copy, "cache");
        const summary = await indexIps({ cacheDirectory, secrets, referenceDirectory: copy });
        assert.deepStrictEqual([summary.imported?.objects, summary.imported?.labels], [7, 1]);
        assert.deepStrictEqual(await exported(cacheDirectory, secrets), plain);
      }
    }),
});

Deno.test("index_ips replaces a changed folder, and reports bad ones by file and line", () =>
  withTmpDir(async (dir) => {
    const source = join(dir, "reference");
    const write = async (key: string, columns: Record<string, string>) => {
      const folder = join(source, "extraction", key);
      await Deno.mkdir(folder, { recursive: true });
      for (const [name, text] of Object.entries(columns)) {
        await Deno.writeTextFile(join(folder, name), text);
      }
    };
    const object = (key: string, lines: string[][]) =>
      write(
        key,
        Object.fromEntries(
          ["timestamps.txt", "bytes_sent.txt", "ips.txt", "download.txt"].map((
            name,
            i,
          ) => [name, lines.map((row) => row[i] + "\n").join("")]),
        ),
      );
    await object("ds1/a", [["220406030553", "10", "192.0.2.1", "1"]]);
    await object("ds1/b", [["220406030553", "20", "192.0.2.2", "0"], [
      "220406030554",
      "x",
      "192.0.2.3",
      "1",
    ]]);
    await object("ds1/c", [["221399000000", "5", "192.0.2.4", "1"]]);
    // Hostile or mixed-up columns: an IP where a byte count belongs, a non-IP, a 1999 time.
    await object("ds1/e", [["220406030553", "192.0.2.9", "192.0.2.6", "1"]]);
    await object("ds1/f", [["220406030553", "5", "not-an-ip", "1"]]);
    await object("ds1/g", [["990406030553", "5", "192.0.2.7", "1"]]);
    await write("ds1/d", {
      "timestamps.txt": "220406030553\n",
      "bytes_sent.txt": "1\n2\n",
      "ips.txt": "192.0.2.5\n",
    });
    const cache = join(dir, "cache");
    const env = cliEnv(dir);
    const result = await runCli(["index_ips", source, "--cache", cache], { env });
    assert.deepStrictEqual(result.code, 1);
    const b = join(source, "extraction", "ds1", "b");
    const c = join(source, "extraction", "ds1", "c");
    assert.match(
      result.stderr,
      new RegExp(`${b}/bytes_sent.txt:2: not a byte count \\(a whole number up to 5 TiB\\)`),
    );
    assert.match(result.stderr, new RegExp(`${c}/timestamps.txt:1: not a timestamp`));
    assert.match(result.stderr, /ds1\/e\/bytes_sent.txt:1: not a byte count/);
    assert.match(result.stderr, /ds1\/f\/ips.txt:1: not an IPv4 or IPv6 address/);
    assert.match(result.stderr, /ds1\/g\/timestamps.txt:1: a time before S3 existed \(2006\)/);
    assert.match(
      result.stderr,
      /ds1\/d: the columns differ in length \(timestamps 1, bytes 2, IPs 1\)/,
    );
    assert.match(result.stderr, /6 object folders were not imported/);
    assert(!result.stderr.includes("192.0.2."), "no IP in the messages");
    assert(!result.stdout.includes("192.0.2."), "no IP in the output");
    assert.deepStrictEqual(counts(cache)[0], 1);

    // Fixed and grown folders are imported once more, replacing their rows.
    await object("ds1/b", [["220406030553", "20", "192.0.2.2", "0"], [
      "220406030554",
      "7",
      "192.0.2.3",
      "1",
    ]]);
    await object("ds1/c", [["221231000000", "5", "192.0.2.4", "1"]]);
    for (const bad of ["d", "e", "f", "g"]) {
      await Deno.remove(join(source, "extraction", "ds1", bad), { recursive: true });
    }
    await object("ds1/a", [["220406030553", "10", "192.0.2.1", "1"], [
      "220407000000",
      "11",
      "192.0.2.1",
      "0",
    ]]);
    const again = await runCli(["index_ips", source, "--cache", cache, "--json"], { env });
    assert.deepStrictEqual(again.code, 0, again.stderr);
    const summary = JSON.parse(again.stdout);
    assert.deepStrictEqual([summary.imported.objects, summary.imported.requests], [3, 5]);
    assert.deepStrictEqual(summary.table.requests, 5);
    assert.deepStrictEqual(summary.table.ips, 4);
    const twice = await runCli(["index_ips", source, "--cache", cache, "--json"], { env });
    assert.deepStrictEqual(JSON.parse(twice.stdout).imported.unchanged, 3);
    assert.deepStrictEqual(JSON.parse(twice.stdout).table, summary.table);
  }));

/** The sample's logs extracted into a cache of `dir`. */
async function extractedSample(dir: string) {
  const cache = join(dir, "cache");
  const env = cliEnv(dir);
  const logs = join(ROOT, "fixtures", "sample_logs");
  assert.deepStrictEqual((await runCli(["extract_logs", logs, "--cache", cache], { env })).code, 0);
  return { cache, env, logs };
}

Deno.test("index_ips on our own cache finds requests whose IP row is gone", () =>
  withTmpDir(async (dir) => {
    const { cache, env, logs } = await extractedSample(dir);
    const ok = await runCli(["index_ips", "--cache", cache], { env });
    assert.deepStrictEqual(ok.code, 0, ok.stderr);
    assert.match(
      ok.stdout,
      /IP table: 156 IPs for 1,170 requests, 0 with a region label \(0%\)\. Every request's IP resolves\./,
    );
    const db = openCacheDatabase(cache);
    const [first] = readRequestBlocks(db);
    db.prepare("DELETE FROM ips WHERE ip_index = ?").run(first.ipIndexes[0]);
    db.close();
    const damaged = await runCli(["index_ips", "--cache", cache], { env });
    assert.deepStrictEqual(damaged.code, 1);
    assert.match(
      damaged.stderr,
      /the IP table is damaged: [1-9]\d* requests have no IP row and 0 IP rows/,
    );
    const wrong = await runCli(["index_ips", "--cache", cache], {
      env: { ...env, S3_LOG_EXTRACTION_PASSWORD: TEST_PASSWORD + "-other" },
    });
    assert.deepStrictEqual(wrong.code, 1);
    assert.match(wrong.stderr, /another password/);
    const notReference = await runCli(["index_ips", logs, "--cache", cache], { env });
    assert.deepStrictEqual(notReference.code, 1);
    assert.match(notReference.stderr, /is not a cache written by the reference/);
  }));

Deno.test("the nightly check (--since-last-check) reads what was stored since the last clean check, and finds it", () =>
  withTmpDir(async (dir) => {
    const { cache, env } = await extractedSample(dir);
    const nightly = ["index_ips", "--since-last-check", "--cache", cache];
    // No check yet: everything is checked.
    const first = await runCli(nightly, { env });
    assert.deepStrictEqual(first.code, 0, first.stderr);
    assert.match(first.stdout, /Every request's IP resolves\.\n$/);
    const again = await runCli(nightly, { env });
    assert.match(
      again.stdout,
      /IP table: 156 IPs for 1,170 requests, .* Checked the 0 requests and 0 IPs stored since the last check that found nothing wrong\./,
    );
    // A request stored since, whose IP has no row.
    const db = openCacheDatabase(cache);
    const blocks = new BlockWriter(db);
    blocks.push(999_999, 1, 1, 1_700_000_000, 10, 12345, 1);
    blocks.flush();
    db.close();
    for (let run = 0; run < 2; run++) {
      const damaged = await runCli(nightly, { env });
      assert.deepStrictEqual(damaged.code, 1, damaged.stdout);
      assert.match(damaged.stdout, /Checked the 1 requests and 0 IPs stored since/);
      assert.match(damaged.stderr, /the IP table is damaged: 1 requests have no IP row/);
    }
    // The whole check finds it too.
    const whole = await runCli(["index_ips", "--cache", cache], { env });
    assert.deepStrictEqual(whole.code, 1);
    assert.match(whole.stderr, /1 requests have no IP row/);
  }));
