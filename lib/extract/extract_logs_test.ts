import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import { countRequests } from "../store/request_blocks.ts";
import { readOperationBlocks } from "../store/operation_blocks.ts";
import { DATABASE_FILE } from "../store/cache_database.ts";
import { type CacheSecrets, deriveCacheSecrets } from "../crypto/cache_secrets.ts";
import { exportExtraction } from "../reference/export_extraction.ts";
import { type ExtractionProgress, extractLogs, type ExtractLogsOptions } from "./extract_logs.ts";
import { acquireRunLock } from "../store/run_lock.ts";
import { readTree } from "../../tests/_helpers.ts";

const SAMPLE = new URL("../../fixtures/sample_logs", import.meta.url).pathname;
const TINY = { pieceBytes: 3000, taskBytes: 20000, taskFiles: 3 };
const secrets: CacheSecrets = await deriveCacheSecrets({
  password: "unit test password",
  iterations: 1,
});

async function exported(cacheDirectory: string): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const target = `${cacheDirectory}/export`;
  await exportExtraction({ cacheDirectory, targetDirectory: target, secrets, plaintextIps: true });
  const tree = await readTree(target);
  await Deno.remove(target, { recursive: true });
  return tree;
}

/** The aggregate of the lines not kept, as sorted `key day code requests bytes received` rows. */
function operationsByKey(cacheDirectory: string): string[] {
  const db = new DatabaseSync(`${cacheDirectory}/${DATABASE_FILE}`, { readOnly: true });
  try {
    const keys = new Map<number, string>();
    for (const row of db.prepare("SELECT id, key FROM objects").all()) {
      keys.set(row.id as number, row.key as string);
    }
    const sums = new Map<string, number[]>();
    for (const block of readOperationBlocks(db)) {
      for (let g = 0; g < block.rows; g++) {
        const object = block.objects[g];
        const group = `${object === 0 ? "-" : keys.get(object)} ${block.days[g]} ${block.codes[g]}`;
        const sum = sums.get(group) ?? [0, 0, 0];
        sum[0] += block.requests[g];
        sum[1] += block.bytesSent[g];
        sum[2] += block.bytesReceived[g];
        sums.set(group, sum);
      }
    }
    return [...sums].map(([group, sum]) => `${group} ${sum.join(" ")}`).sort();
  } finally {
    db.close();
  }
}

async function run(
  options: Partial<ExtractLogsOptions> & { cacheDirectory: string },
): ReturnType<typeof extractLogs> {
  return await extractLogs({ logsDirectory: SAMPLE, secrets, workers: 1, ...options });
}

async function withCaches<T>(count: number, fn: (dirs: string[]) => Promise<T>): Promise<T> {
  const dirs = await Promise.all(Array.from({ length: count }, () => Deno.makeTempDir()));
  try {
    return await fn(dirs);
  } finally {
    for (const dir of dirs) await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("1 worker, 2 workers, no worker and tiny pieces all store the same requests", async () => {
  await withCaches(4, async ([a, b, c, d]) => {
    const one = await run({ cacheDirectory: a });
    await run({ cacheDirectory: b, workers: 2 });
    await run({ cacheDirectory: c, workers: 0 });
    await run({ cacheDirectory: d, workers: 2, planLimits: TINY, batchRequests: 50 });
    const truth = JSON.parse(
      await Deno.readTextFile(new URL("../../fixtures/sample_logs.truth.json", import.meta.url)),
    );
    assert.deepStrictEqual(one.lines.kept, truth.totals.kept_requests);
    assert.deepStrictEqual([one.files.found, one.files.done, one.files.notLogs], [120, 120, 1]);
    const reference = await exported(a);
    assert.deepStrictEqual(await exported(b), reference);
    assert.deepStrictEqual(await exported(c), reference);
    assert.deepStrictEqual(await exported(d), reference);
    // The lines not kept too, by key: with tiny pieces, each worker's key table serves many
    // tasks and batches (sent as deltas, mapped to object ids once).
    const operations = operationsByKey(a);
    assert(operations.length > 100, `${operations.length} groups`);
    for (const dir of [b, c, d]) assert.deepStrictEqual(operationsByKey(dir), operations);
  });
});

Deno.test("a second run reads nothing; --limit runs add up to one full run", async () => {
  await withCaches(2, async ([full, stepwise]) => {
    await run({ cacheDirectory: full });
    const again = await run({ cacheDirectory: full });
    assert.deepStrictEqual([again.files.done, again.files.alreadyDone, again.lines.kept], [
      0,
      120,
      0,
    ]);
    let done = 0;
    for (let i = 0; i < 3; i++) {
      const part = await run({ cacheDirectory: stepwise, limit: 50, planLimits: TINY });
      done += part.files.done;
      assert.deepStrictEqual(part.files.pending, Math.max(0, 120 - done));
    }
    assert.deepStrictEqual(done, 120);
    assert.deepStrictEqual(await exported(stepwise), await exported(full));
  });
});

Deno.test("a stop ends the run after the batch in flight; the next run completes it", async () => {
  await withCaches(2, async ([clean, stopped]) => {
    await run({ cacheDirectory: clean });
    const controller = new AbortController();
    let batches = 0;
    const first = await run({
      cacheDirectory: stopped,
      planLimits: TINY,
      batchRequests: 1,
      signal: controller.signal,
      onProgress: () => ++batches === 2 && controller.abort(),
    });
    assert(first.stopped);
    assert(first.files.pending > 0, "files are left for the next run");
    // The stop came before every file was listed, and ended the listing too: the counts are of
    // the files listed, and say so.
    assert.deepStrictEqual(first.unlisted, true);
    assert(first.files.found < 120, `${first.files.found} found`);
    assert.deepStrictEqual(first.files.done + first.files.pending, first.files.found);
    const second = await run({ cacheDirectory: stopped });
    assert.deepStrictEqual(second.stopped, false);
    assert.deepStrictEqual(first.files.done + second.files.done, 120);
    assert.deepStrictEqual(await exported(stopped), await exported(clean));
  });
});

Deno.test("files are parsed while the rest are still listed; the totals grow until listed", async () => {
  await withCaches(1, async ([cache]) => {
    const seen: ExtractionProgress[] = [];
    const result = await run({
      cacheDirectory: cache,
      workers: 0,
      planLimits: TINY,
      batchRequests: 1,
      onProgress: (progress) => seen.push(progress),
    });
    const logs = [...await readTree(SAMPLE)].filter(([path]) => !path.endsWith("README.md"));
    const bytes = logs.reduce((sum, [, content]) => sum + content.length, 0);
    const first = seen[0];
    const last = seen.at(-1)!;
    assert(first.listing && first.filesPlanned < 120, JSON.stringify(first));
    assert(first.requests > 0, "requests were committed before the listing ended");
    assert.deepStrictEqual([last.listing, last.filesPlanned, last.filesDone], [false, 120, 120]);
    assert.deepStrictEqual(last.bytesPlanned, bytes);
    assert.deepStrictEqual(result.files.found, 120);
  });
});

Deno.test("changed files are read again, replacing their requests; failed files are retried", async () => {
  await withCaches(2, async ([logs, cache]) => {
    const hard = new URL(
      "../../fixtures/hard_cases/logs/2024-05-01-10-20-30-0123456789HARD01",
      import.meta.url,
    );
    const bytes = await Deno.readFile(hard);
    const gzip = new Uint8Array(
      await new Response(new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip")))
        .arrayBuffer(),
    );
    await Deno.writeFile(`${logs}/a.log`, bytes);
    await Deno.writeFile(`${logs}/b.log.gz`, gzip.subarray(0, 200));
    const first = await run({ cacheDirectory: cache, logsDirectory: logs });
    assert.deepStrictEqual([first.files.done, first.files.failed], [1, 1]);
    assert.deepStrictEqual(first.failures[0].path, "b.log.gz");
    assert(/truncated or corrupt gzip data/.test(first.failures[0].reason));
    assert.deepStrictEqual(first.lines.malformed, 10);
    assert.deepStrictEqual(first.malformedExamples[0], {
      path: "a.log",
      line: 5,
      reason: "ambiguous_status",
    });

    await Deno.writeFile(`${logs}/b.log.gz`, gzip);
    await Deno.writeFile(`${logs}/a.log`, new TextEncoder().encode("\n"), { append: true });
    const second = await run({ cacheDirectory: cache, logsDirectory: logs });
    assert.deepStrictEqual([second.files.done, second.files.failed, second.files.changed], [
      2,
      0,
      1,
    ]);
    assert.deepStrictEqual(second.changedFiles, ["a.log"]);
    assert.deepStrictEqual(
      second.lines.kept,
      2 * first.lines.kept,
      "b.log.gz holds the same lines as a.log",
    );

    const db = new DatabaseSync(`${cache}/cache.sqlite`, { readOnly: true });
    const files = db.prepare("SELECT path, status, reason FROM log_files ORDER BY path").all();
    assert.deepStrictEqual(files.map((f) => [f.path, f.status, f.reason]), [
      ["a.log", "done", null],
      ["b.log.gz", "done", null],
    ]);
    const quarantined = db.prepare("SELECT count(*) AS n FROM quarantine").get() as { n: number };
    assert.deepStrictEqual(quarantined.n, 20, "a.log's earlier quarantined lines were replaced");
    assert.deepStrictEqual(
      countRequests(db),
      2 * first.lines.kept,
      "a.log's earlier requests were replaced",
    );
    db.close();
  });
});

Deno.test("one cache, one mode, one password, one run at a time", async () => {
  await withCaches(1, async ([cache]) => {
    await run({ cacheDirectory: cache, limit: 1 });
    await assert.rejects(
      () => run({ cacheDirectory: cache, mode: "dandi" }),
      /Cannot extract in dandi mode into this cache: it holds a generic extraction/,
    );
    const other = await deriveCacheSecrets({ password: "another password", iterations: 1 });
    await assert.rejects(
      () => run({ cacheDirectory: cache, secrets: other }),
      /created with another password/,
    );
    await assert.rejects(
      () => run({ cacheDirectory: cache, excludedIps: "(" }),
      /excluded-IP pattern of excludedIps is not a valid regular expression \(Invalid regular expression: Unterminated group\)/,
    );
    const lock = await acquireRunLock(cache);
    await assert.rejects(() => run({ cacheDirectory: cache }), /Another extraction is running/);
    lock.release();
    assert.deepStrictEqual((await run({ cacheDirectory: cache, limit: 1 })).files.done, 1);
  });
});
