/**
 * Switching an archive over from the Python tools: a cache written by the DANDI plugin (records
 * by basename, a `blobs/` + `zarr/` extraction tree, plaintext IPs) imported, then the same logs
 * extracted from a local folder and from an S3-compatible server, count every request exactly
 * once; files its records do not name but that may be in its tree are held; the plugin's and the
 * reference's excluded-IP variables keep their meaning. Everything is built from the project's
 * own sample logs.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import { deriveCacheSecrets } from "../lib/crypto/cache_secrets.ts";
import { exportExtraction } from "../lib/reference/export_extraction.ts";
import { extractLogs } from "../lib/extract/extract_logs.ts";
import { indexIps } from "../lib/reference/index_ips.ts";
import { cliEnv, readTree, ROOT, runCli, TEST_PASSWORD, withTmpDir } from "./_helpers.ts";
import { s3Env, S3RVER, startS3 } from "./_s3rver.ts";

const SAMPLE = join(ROOT, "fixtures", "sample_logs");
// The CLI's own key (the full PBKDF2 count), so that CLI runs and library calls share caches.
const secrets = await deriveCacheSecrets({ password: TEST_PASSWORD });

/**
 * Every request of a cache, independent of file order: per object, its requests' lines
 * (time, bytes, IP, download) sorted.
 */
async function requestsOf(cacheDirectory: string): Promise<Map<string, string[]>> {
  const target = join(cacheDirectory, "..", `export-${crypto.randomUUID().slice(0, 8)}`);
  await exportExtraction({ cacheDirectory, targetDirectory: target, secrets, plaintextIps: true });
  const files = await readTree(target);
  await Deno.remove(target, { recursive: true });
  const decoder = new TextDecoder();
  const column = (folder: string, name: string) =>
    decoder.decode(files.get(`${folder}/${name}`)!).split("\n").slice(0, -1);
  const requests = new Map<string, string[]>();
  for (const path of files.keys()) {
    if (!path.endsWith("/timestamps.txt")) continue;
    const folder = path.slice(0, -"/timestamps.txt".length);
    const [times, bytes, ips, downloads] = ["timestamps.txt", "bytes_sent.txt", "ips.txt"]
      .concat("download.txt").map((name) => column(folder, name));
    requests.set(folder, times.map((t, i) => `${t} ${bytes[i]} ${ips[i]} ${downloads[i]}`).sort());
  }
  return requests;
}

function total(requests: Map<string, string[]>): number {
  return [...requests.values()].reduce((sum, lines) => sum + lines.length, 0);
}

/** The sample's log files (relative paths), sorted. */
async function sampleLogs(): Promise<string[]> {
  return [...(await readTree(SAMPLE)).keys()].filter((path) => !path.endsWith(".md")).sort();
}

const basename = (path: string) => path.slice(path.lastIndexOf("/") + 1);

/**
 * Writes a cache as the DANDI plugin leaves it: the extraction tree of `logs` (dandi mode,
 * plaintext IPs) and its remote records naming `recorded` by basename (`started` also in the
 * start record only).
 */
async function pluginCache(
  dir: string,
  logs: string,
  recorded: string[],
  started: string[] = [],
): Promise<string> {
  const cache = join(dir, `plugin-source-${crypto.randomUUID().slice(0, 8)}`);
  await extractLogs({ logsDirectory: logs, cacheDirectory: cache, secrets, mode: "dandi" });
  const plugin = join(dir, `plugin-${crypto.randomUUID().slice(0, 8)}`);
  await exportExtraction({
    cacheDirectory: cache,
    targetDirectory: join(plugin, "extraction"),
    secrets,
    plaintextIps: true,
  });
  await Deno.mkdir(join(plugin, "records"));
  const records = join(plugin, "records", "DandiRemoteS3LogAccessExtractor_s3-url-processing");
  const lines = (paths: string[]) => paths.map((p) => `${basename(p)}\n`).join("");
  await Deno.writeTextFile(`${records}-start.txt`, lines([...recorded, ...started]));
  await Deno.writeTextFile(`${records}-end.txt`, lines(recorded));
  return plugin;
}

Deno.test("a plugin cache imported, then its logs extracted again from a folder: every request once", async () => {
  await withTmpDir(async (dir) => {
    const all = await sampleLogs();
    const whole = join(dir, "whole");
    await extractLogs({ logsDirectory: SAMPLE, cacheDirectory: whole, secrets, mode: "dandi" });
    const expected = await requestsOf(whole);
    assert(total(expected) > 500, "the sample has requests in dandi mode");

    const plugin = await pluginCache(dir, SAMPLE, all);
    const cache = join(dir, "cache");
    const imported = await indexIps({ cacheDirectory: cache, secrets, referenceDirectory: plugin });
    assert.deepStrictEqual(imported.imported?.recordedLogFiles, all.length);
    assert.deepStrictEqual(await requestsOf(cache), expected);
    assert.deepStrictEqual(
      imported.imported?.mode,
      "dandi",
      "the plugin's tree is a dandi extraction",
    );
    const generic = await runCli(["extract_logs", SAMPLE, "--cache", cache], { env: cliEnv(dir) });
    assert.deepStrictEqual(generic.code, 1);
    assert.match(generic.stderr, /it holds a dandi extraction. Run with --mode dandi/);

    const run = await extractLogs({
      logsDirectory: SAMPLE,
      cacheDirectory: cache,
      secrets,
      mode: "dandi",
    });
    assert.deepStrictEqual([run.files.alreadyDone, run.files.done, run.lines.kept], [
      all.length,
      0,
      0,
    ]);
    assert.deepStrictEqual(await requestsOf(cache), expected);
  });
});

Deno.test("files the records do not name but that may be in the tree are held, then read or skipped when told", async () => {
  await withTmpDir(async (dir) => {
    const all = await sampleLogs();
    // The old tools read everything, but their records lost the last ten files (a crash
    // between merge and record), and one file was started and not finished.
    const recorded = all.slice(0, -11);
    const unfinished = all.at(-11)!;
    const plugin = await pluginCache(dir, SAMPLE, recorded, [unfinished]);
    const whole = join(dir, "whole");
    await extractLogs({ logsDirectory: SAMPLE, cacheDirectory: whole, secrets, mode: "dandi" });
    const expected = await requestsOf(whole);

    const cache = join(dir, "cache");
    const env = cliEnv(dir);
    const imported = await runCli(["index_ips", plugin, "--cache", cache], { env });
    assert.deepStrictEqual(imported.code, 0, imported.stderr);
    assert.match(imported.stderr, /warning: 1 log files were started and not finished/);
    const held = await runCli(["extract_logs", SAMPLE, "--mode", "dandi", "--cache", cache], {
      env,
    });
    assert.deepStrictEqual(held.code, 0, held.stderr);
    assert.match(held.stderr, /warning: 11 log files were not read: the cache holds an imported/);
    assert.match(held.stderr, /--unrecorded read; .* --unrecorded skip/);
    assert.match(held.stdout, / 11 held, /);
    const status = await runCli(["status", "--cache", cache], { env });
    assert.match(status.stdout, /Held: 11 log files were not read by the last extraction/);

    const first = await extractLogs({
      logsDirectory: SAMPLE,
      cacheDirectory: cache,
      secrets,
      mode: "dandi",
    });
    assert.deepStrictEqual([first.files.held, first.files.done, first.lines.kept], [11, 0, 0]);
    assert.deepStrictEqual(first.heldFiles.map((f) => f.path), all.slice(-11));
    assert.match(first.heldFiles[0].reason, /started it and did not finish it/);
    assert.match(first.heldFiles[1].reason, /dates from within the imported requests/);
    assert.deepStrictEqual(await requestsOf(cache), expected, "nothing counted twice");

    // The operator knows the old tools read them: skip, for good.
    const skipped = await extractLogs({
      logsDirectory: SAMPLE,
      cacheDirectory: cache,
      secrets,
      mode: "dandi",
      unrecorded: "skip",
    });
    assert.deepStrictEqual([skipped.files.held, skipped.files.alreadyDone], [0, all.length]);
    const again = await extractLogs({
      logsDirectory: SAMPLE,
      cacheDirectory: cache,
      secrets,
      mode: "dandi",
    });
    assert.deepStrictEqual([again.files.held, again.files.alreadyDone, again.lines.kept], [
      0,
      all.length,
      0,
    ]);
    assert.deepStrictEqual(await requestsOf(cache), expected);
  });
});

Deno.test("after an import, logs dated after the tree are read; those the old tools never read are read when told", async () => {
  await withTmpDir(async (dir) => {
    const all = await sampleLogs();
    // The old tools ran until the end of March, then their cron was stopped.
    const old = join(dir, "old-logs");
    const oldFiles = all.filter((path) => path < "2024/04/");
    for (const path of oldFiles) {
      await Deno.mkdir(join(old, path, ".."), { recursive: true });
      await Deno.copyFile(join(SAMPLE, path), join(old, path));
    }
    const plugin = await pluginCache(dir, old, oldFiles);
    const whole = join(dir, "whole");
    await extractLogs({ logsDirectory: SAMPLE, cacheDirectory: whole, secrets, mode: "dandi" });
    const expected = await requestsOf(whole);

    const cache = join(dir, "cache");
    await indexIps({ cacheDirectory: cache, secrets, referenceDirectory: plugin });
    const run = await extractLogs({
      logsDirectory: SAMPLE,
      cacheDirectory: cache,
      secrets,
      mode: "dandi",
    });
    assert.deepStrictEqual(run.files.alreadyDone, oldFiles.length);
    // Only files named within a day after the tree's last request can be held.
    const newFiles = all.length - oldFiles.length;
    assert.deepStrictEqual(run.files.done + run.files.held, newFiles);
    assert(run.files.done > newFiles - 3, `${run.files.held} held`);
    for (const { path } of run.heldFiles) assert(path.startsWith("2024/04/0"), path);
    const read = await extractLogs({
      logsDirectory: SAMPLE,
      cacheDirectory: cache,
      secrets,
      mode: "dandi",
      unrecorded: "read",
    });
    assert.deepStrictEqual(read.files.done, run.files.held);
    assert.deepStrictEqual(await requestsOf(cache), expected, "every request exactly once");
  });
});

Deno.test({
  name:
    "a plugin cache imported, then its logs extracted from an S3-compatible server: every request once",
  ignore: S3RVER === undefined,
  fn: () =>
    withTmpDir(async (dir) => {
      const all = await sampleLogs();
      const whole = join(dir, "whole");
      await extractLogs({ logsDirectory: SAMPLE, cacheDirectory: whole, secrets, mode: "dandi" });
      const expected = await requestsOf(whole);
      const plugin = await pluginCache(dir, SAMPLE, all);
      const cache = join(dir, "cache");
      await indexIps({ cacheDirectory: cache, secrets, referenceDirectory: plugin });
      await using s3 = await startS3(join(dir, "s3"), "dandiarchive-logs");
      // The bucket holds the log objects flat, as S3 delivers them.
      for (const [path, bytes] of await readTree(SAMPLE)) {
        if (!path.endsWith(".md")) await s3.put(basename(path), bytes);
      }
      const run = await runCli(
        ["extract_logs", "s3://dandiarchive-logs", "--mode", "dandi", "--cache", cache, "--json"],
        { env: cliEnv(dir, s3Env(s3.endpoint)), permissions: ["--allow-net=127.0.0.1"] },
      );
      assert.deepStrictEqual(run.code, 0, run.stderr);
      const files = JSON.parse(run.stdout).files;
      assert.deepStrictEqual([files.found, files.alreadyDone, files.done], [
        all.length,
        all.length,
        0,
      ]);
      assert.deepStrictEqual(await requestsOf(cache), expected);
    }),
});

Deno.test("IPS_TO_SKIP and S3_LOG_EXTRACTION_EXCLUDED_IP_REGEX are searched, ours matches whole; two that differ stop", async () => {
  await withTmpDir(async (dir) => {
    const logs = join(dir, "logs");
    await Deno.mkdir(logs);
    const line = (ip: string, n: number) =>
      `8787a3c4 dandiarchive [06/Apr/2024:03:05:5${n} +0000] ${ip} - REQ${n} REST.GET.OBJECT ` +
      `blobs/11e/c89/11ec8933 "GET /blobs/11e/c89/11ec8933 HTTP/1.1" 200 - 512 512 10 9 "-" ` +
      `"curl/8.0" - h${n} SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader dandiarchive.s3.amazonaws.com TLSv1.2 - -\n`;
    await Deno.writeTextFile(
      join(logs, "2024-04-06-03-10-00-0123456789ABCDEF"),
      line("192.0.2.1", 1) + line("192.0.2.10", 2) + line("198.51.100.7", 3),
    );
    const run = async (extra: Record<string, string>) => {
      const cache = join(dir, `cache-${crypto.randomUUID().slice(0, 8)}`);
      const result = await runCli(["extract_logs", logs, "--cache", cache, "--json"], {
        env: cliEnv(dir, extra),
      });
      for (const ip of ["192.0.2.1", "192.0.2.10", "198.51.100.7"]) {
        assert(!result.stderr.includes(ip), "no IP and no pattern holding one is printed");
      }
      return result;
    };
    const excluded = async (extra: Record<string, string>) => {
      const result = await run(extra);
      assert.deepStrictEqual(result.code, 0, result.stderr);
      return [JSON.parse(result.stdout).lines.excluded, result.stderr.trim()];
    };
    assert.deepStrictEqual(await excluded({ IPS_TO_SKIP: "192\\.0\\.2\\.1" }), [
      2,
      "Excluding the client IPs that IPS_TO_SKIP matches (searched anywhere in the IP).",
    ]);
    assert.deepStrictEqual(
      (await excluded({ S3_LOG_EXTRACTION_EXCLUDED_IP_REGEX: "^192\\.0\\.2\\.1$" }))[0],
      1,
    );
    assert.deepStrictEqual(await excluded({ S3_LOG_EXTRACTION_EXCLUDED_IPS: "192\\.0\\.2\\.1" }), [
      1,
      "Excluding the client IPs that S3_LOG_EXTRACTION_EXCLUDED_IPS matches (matching the whole IP).",
    ]);
    assert.deepStrictEqual(
      await excluded({ IPS_TO_SKIP: "" }),
      [0, ""],
      "an empty pattern excludes nothing",
    );
    // Equal settings agree; differing ones stop the run before anything is read.
    assert.deepStrictEqual(
      (await excluded({
        IPS_TO_SKIP: "192\\.0\\.2\\.1",
        S3_LOG_EXTRACTION_EXCLUDED_IP_REGEX: "192\\.0\\.2\\.1",
      }))[0],
      2,
    );
    const conflict = await run({
      IPS_TO_SKIP: "192\\.0\\.2\\.1",
      S3_LOG_EXTRACTION_EXCLUDED_IPS: "192\\.0\\.2\\.1",
    });
    assert.deepStrictEqual(conflict.code, 1);
    assert.match(
      conflict.stderr,
      /^error: IPS_TO_SKIP and S3_LOG_EXTRACTION_EXCLUDED_IPS are both set and exclude different client IPs\. Keep one/,
    );
    const bad = await run({ IPS_TO_SKIP: "(192" });
    assert.deepStrictEqual(bad.code, 1);
    assert.match(
      bad.stderr,
      /^error: The excluded-IP pattern of IPS_TO_SKIP is not a valid regular expression \(Invalid regular expression: Unterminated group\)/,
    );
  });
});
