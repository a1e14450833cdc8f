/**
 * The JSON delivery: logs converted to JSON records (by the independent converter in
 * `_json_records.ts`) give exactly the export of the text logs they came from — all JSON, a
 * mixed folder of text and JSON files under the delivery's names, CloudWatch Logs export lines,
 * and generated logs full of hard cases. A JSON file cut short is a failed file, read again once
 * whole.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import { deriveCacheSecrets } from "../lib/crypto/cache_secrets.ts";
import { type ExtractionResult, extractLogs } from "../lib/extract/extract_logs.ts";
import { summaryLines, warningLines } from "../lib/cli/extraction_report.ts";
import { convertLogTree, jsonRecordOfLine } from "./_json_records.ts";
import {
  cliEnv,
  exportedTree,
  generateLogs,
  GENERATOR,
  offlineRangeEnv,
  readTree,
  ROOT,
  runCli,
  withTmpDir,
} from "./_helpers.ts";

const secrets = await deriveCacheSecrets({ password: "json delivery password", iterations: 1 });
const SAMPLE = join(ROOT, "fixtures", "sample_logs");
const SMALL_PIECES = { pieceBytes: 64 * 1024, taskBytes: 64 * 1024, taskFiles: 8 };

/** Extracts `logs` into a new cache and returns the run's result and the export, as text. */
async function extractAndExport(
  logs: string,
  workers = 1,
): Promise<{ result: ExtractionResult; tree: Map<string, string> }> {
  return await withTmpDir(async (dir) => {
    const cacheDirectory = join(dir, "cache");
    const result = await extractLogs({
      logsDirectory: logs,
      cacheDirectory,
      secrets,
      workers,
      planLimits: SMALL_PIECES,
    });
    return { result, tree: await exportedTree(cacheDirectory, secrets, join(dir, "export")) };
  });
}

function assertSameExport(json: Map<string, string>, text: Map<string, string>): void {
  assert.deepStrictEqual([...json.keys()], [...text.keys()]);
  for (const [path, content] of text) assert.strictEqual(json.get(path), content, path);
}

Deno.test("JSON records of the sample give the text sample's export, byte for byte", async () => {
  const text = await extractAndExport(SAMPLE);
  await withTmpDir(async (dir) => {
    const logs = join(dir, "logs");
    const converted = await convertLogTree(SAMPLE, logs);
    assert(converted > 1500, `only ${converted} lines converted`);
    const json = await extractAndExport(logs, 2);
    assert(json.tree.size > 100);
    assertSameExport(json.tree, text.tree);
    assert.deepStrictEqual(json.result.lines, text.result.lines);
    assert.deepStrictEqual(json.result.jsonRecords, { V_1_0: converted });
    assert.deepStrictEqual(text.result.jsonRecords, {});
  });
});

Deno.test("a mixed folder: text files, JSON files under the delivery's names, export lines", async () => {
  const text = await extractAndExport(SAMPLE);
  await withTmpDir(async (dir) => {
    const logs = join(dir, "logs");
    // Every other file becomes `<name>.json` (gzip-compressed when the original was, whatever
    // the name), every fourth with the CloudWatch Logs export's time before each record.
    await convertLogTree(SAMPLE, logs, {
      convert: (_path, index) => index % 2 === 0,
      rename: (path) => `${path}.json`,
      exportPrefix: (path) => path.charCodeAt(path.length - 1) % 2 === 0,
    });
    const names = [...(await readTree(logs)).keys()];
    assert(names.some((name) => name.endsWith(".json")));
    assert(names.some((name) => /-[0-9A-F]{16}$/.test(name)));
    const json = await extractAndExport(logs);
    assertSameExport(json.tree, text.tree);
    assert.deepStrictEqual(json.result.files.notLogs, text.result.files.notLogs);
  });
});

Deno.test("generated logs with hard cases: JSON and text give the same export", {
  ignore: GENERATOR === undefined,
}, async () => {
  await withTmpDir(async (dir) => {
    const logs = join(dir, "text");
    await generateLogs([
      "--out-dir",
      logs,
      "--hard-rate",
      "0.05",
      "--seed",
      "16",
      "--files",
      "30",
      "--file-size",
      "24K",
      "--objects",
      "300",
      "--weird-key-fraction",
      "0.2",
      "--truth",
      join(dir, "truth.json"),
    ]);
    const text = await extractAndExport(logs);
    const jsonLogs = join(dir, "json");
    await convertLogTree(logs, jsonLogs, { gzip: (_path, wasGzip) => !wasGzip });
    const json = await extractAndExport(jsonLogs, 2);
    assertSameExport(json.tree, text.tree);
    assert.deepStrictEqual(json.result.lines, text.result.lines);
    // The hard keys (spaces, %, +, quotes, unicode) are among those compared.
    assert([...text.tree.keys()].some((path) => path.includes("%25")));
  });
});

Deno.test("a JSON file cut short fails and is read again once whole", async () => {
  await withTmpDir(async (dir) => {
    const logs = join(dir, "logs");
    await Deno.mkdir(logs);
    const line = (second: number) =>
      jsonRecordOfLine(
        `o bucket [01/Jul/2026:00:00:${second} +0000] 192.0.2.9 - R${second} REST.GET.OBJECT ` +
          `ds/a.nwb "GET /ds/a.nwb HTTP/1.1" 200 - 10 10 1 1 "-" "curl/8" -`,
      )!;
    const whole = `${line(10)}\n${line(11)}\n`;
    const path = join(logs, "2026-07-01-00-00-00-ABCDEF0123456789");
    await Deno.writeTextFile(path, whole.slice(0, whole.length - 20));
    const cacheDirectory = join(dir, "cache");
    const options = { logsDirectory: logs, cacheDirectory, secrets, workers: 1 };
    const first = await extractLogs(options);
    assert.deepStrictEqual([first.files.done, first.files.failed, first.lines.kept], [0, 1, 0]);
    assert.match(first.failures[0].reason, /ends inside a JSON record/);
    assert.match(warningLines(first).join("\n"), /retried on the next run/);
    await Deno.writeTextFile(path, whole);
    const second = await extractLogs(options);
    assert.deepStrictEqual([second.files.done, second.files.failed, second.lines.kept], [1, 0, 2]);
  });
});

Deno.test("the run summary counts JSON records by schema version and warns of unknown ones", async () => {
  await withTmpDir(async (dir) => {
    const logs = join(dir, "logs");
    await Deno.mkdir(logs);
    const record = (version: string | undefined, second: number) =>
      JSON.stringify({
        ...(version === undefined ? {} : { schema_version_id: version }),
        request_time: `2026-07-01T00:00:${second}.000Z`,
        remote_ip: "192.0.2.9",
        operation: "REST.GET.OBJECT",
        key_name: "ds/a.nwb",
        http_status: 200,
        bytes_sent: 5,
        a_field_of_a_later_version: { nested: [1, "two", null] },
      });
    await Deno.writeTextFile(
      join(logs, "records.jsonl"),
      [record("V_1_0", 10), record("V_2_0", 11), record("V_2_0", 12), record(undefined, 13)]
        .join("\n") + "\n",
    );
    const cacheDirectory = join(dir, "cache");
    const result = await extractLogs({ logsDirectory: logs, cacheDirectory, secrets, workers: 0 });
    assert.deepStrictEqual(result.lines.kept, 4);
    assert.deepStrictEqual(result.jsonRecords, { V_1_0: 1, V_2_0: 2, "": 1 });
    assert.match(
      summaryLines(result).join("\n"),
      /JSON records: 4 \(V_1_0: 1, V_2_0: 2, no schema version: 1\)/,
    );
    assert.match(
      warningLines(result).join("\n"),
      /3 JSON records have a schema version this version of s3-log-extraction does not know \(V_2_0: 2, none: 1\)/,
    );
    assert.deepStrictEqual(result.jsonWithoutBytes, 0);
    assert.doesNotMatch(warningLines(result).join("\n"), /bytes_sent/);
    // Records without the field (a schema that names it otherwise): said, not silent.
    await Deno.writeTextFile(
      join(logs, "renamed.jsonl"),
      record("V_1_0", 14).replace('"bytes_sent"', '"sent_bytes"') + "\n",
    );
    const next = await extractLogs({ logsDirectory: logs, cacheDirectory, secrets, workers: 0 });
    assert.deepStrictEqual([next.lines.kept, next.jsonWithoutBytes], [1, 1]);
    assert.match(warningLines(next).join("\n"), /1 kept JSON record has no bytes_sent field/);
  });
});

Deno.test("a Parquet file is reported with what to do, not skipped in silence", async () => {
  await withTmpDir(async (dir) => {
    const logs = join(dir, "logs");
    await Deno.mkdir(logs);
    await Deno.writeFile(join(logs, "part-0000.parquet"), new TextEncoder().encode("PAR1"));
    const result = await extractLogs({
      logsDirectory: logs,
      cacheDirectory: join(dir, "cache"),
      secrets,
      workers: 0,
    });
    assert.deepStrictEqual(result.files.failed, 1);
    assert.match(result.failures[0].reason, /Parquet.*DuckDB/);
  });
});

Deno.test("through the CLI: the steps on a JSON delivery publish the text logs' summaries, byte for byte", async () => {
  await withTmpDir(async (home) => {
    const json = join(home, "json");
    await convertLogTree(SAMPLE, json, { rename: (path) => `${path}.json.gz`, gzip: () => true });
    const published = async (logs: string, cache: string) => {
      const env = cliEnv(home, { S3_LOG_EXTRACTION_CACHE: cache, ...offlineRangeEnv() });
      for (
        const step of [
          ["extract_logs", logs],
          ["index_ips"],
          ["update_indexed_region_codes"],
          ["generate_summaries"],
          ["generate_totals"],
          ["generate_archive_summaries"],
          ["generate_archive_totals"],
        ]
      ) {
        const run = await runCli(step, { env });
        assert.deepStrictEqual(run.code, 0, `${step[0]}: ${run.stderr}`);
      }
      return await readTree(join(cache, "summaries"));
    };
    const fromText = await published(SAMPLE, join(home, "text-cache"));
    const fromJson = await published(json, join(home, "json-cache"));
    assert(fromText.size > 50, `${fromText.size} published files`);
    assert.deepStrictEqual([...fromJson.keys()], [...fromText.keys()]);
    const decoder = new TextDecoder();
    for (const [path, bytes] of fromText) {
      assert.strictEqual(decoder.decode(fromJson.get(path)), decoder.decode(bytes), path);
    }
  });
});
