/**
 * The Python tools' command lines, as operators' cron and Docker files hold them, run this
 * tool's steps with the same exit codes; unsupported options are refused with the reason;
 * `stats` and `completion` print the reference's exact text from counts.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import {
  cliEnv,
  copySample,
  offlineRangeEnv,
  readTree,
  ROOT,
  runCli,
  runTask,
  withTmpDir,
  writeInventory,
} from "./_helpers.ts";

const GEO_DB = join(ROOT, "fixtures", "sample_geo", "city.mmdb");

Deno.test("the reference's daily pipeline runs as written: extract, update ip …, update summaries|totals", async () => {
  await withTmpDir(async (home) => {
    const logs = join(home, "logs");
    await copySample(logs, 1);
    const cache = join(home, "cache");
    const env = cliEnv(home, { S3_LOG_EXTRACTION_GEO_DB: GEO_DB, ...offlineRangeEnv() });
    const ok = async (args: string[], task?: string) => {
      const result = task
        ? await runTask(task, args, { env })
        : await runCli(args, { env, permissions: ["--allow-net=127.0.0.1"] });
      assert.deepStrictEqual(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
      return result;
    };
    const set = await ok(["config", "cache", "set", cache]);
    assert.match(set.stdout, /^Cache directory set to /);
    // HEAD's defaults: --workers -2 (all cores but one), encryption on; through the task too.
    const extracted = await ok(
      [logs, "--workers", "-2", "--encryption", "true", "--json"],
      "extract",
    );
    assert.deepStrictEqual(JSON.parse(extracted.stdout).files.failed, 0);
    assert(JSON.parse(extracted.stdout).lines.kept > 500);
    await ok(["update", "ip", "regions", "--batch-limit", "1"]);
    await ok(["update", "ip", "refresh"]);
    await ok(["update", "ip", "coordinates"]);
    await ok(["update", "summaries"]);
    await ok(["update", "totals"]);
    await ok(["update", "summaries", "--mode", "archive"]);
    await ok(["update", "totals", "--mode", "archive"]);
    const names = [...(await readTree(join(cache, "summaries"))).keys()];
    for (const file of ["totals.json", "archive_totals.json", "archive/by_day.tsv"]) {
      assert(names.includes(file), file);
    }
    assert(names.some((name) => /^ds\d+\/by_asset\.tsv$/.test(name)), "generic datasets");

    const stats = await ok(["stats"]);
    const lines = stats.stdout.split("\n");
    assert.match(lines[0], /^Extracted IPs {3}: \d+$/);
    assert.match(lines[1], /^Classified IPs {2}: \d+$/);
    assert.match(lines[2], /^Percent classif\.: \d+\.\d\d%$/);
    const labels = ["Determined", "Missing", "Unknown", "Undetermined", "Bogon", "VPN"]
      .concat("Cloud service", "GitHub");
    labels.forEach((label, i) =>
      assert.match(
        lines[3 + i],
        new RegExp(`^  ${label.padEnd(14)}: [ \\d]{7}  \\([ \\d]{3}\\.\\d\\d%\\)$`),
      )
    );
    const counts = lines.slice(3, 11).map((line) => Number(line.slice(18, 25)));
    assert.deepStrictEqual(
      counts.reduce((a, b) => a + b, 0),
      Number(lines[1].slice(18)),
      "kinds add up",
    );
    assert(counts[0] > 0, "the geo database determined some");
    // No IP anywhere in what stats prints.
    assert(!/\d+\.\d+\.\d+\.\d+|[0-9a-f]+:[0-9a-f:]+:/.test(stats.stdout), stats.stdout);
  });
});

Deno.test("reference options that do not apply are refused with the reason (exit 2); unknown subcommands too", async () => {
  await withTmpDir(async (home) => {
    const env = cliEnv(home, { S3_LOG_EXTRACTION_CACHE: join(home, "cache") });
    const refused = async (args: string[], pattern: RegExp) => {
      const result = await runCli(args, { env });
      assert.deepStrictEqual(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
      assert.match(result.stderr, pattern);
    };
    await refused(
      ["extract", home, "--encryption", "false"],
      /^error: extract --encryption false is not supported: this tool keeps client IPs only in its encrypted IP table/,
    );
    await refused(["update", "ip", "regions", "--encryption", "off"], /not supported/);
    await refused(["update", "ip", "bogus"], /^error: Unknown command 'update ip bogus'/);
    await refused(
      ["update", "summaries", "--api-url", "https://x"],
      /dandisets come from the content-id mapping/,
    );
    await refused(["update", "summaries", "--mode", "weekly"], /--mode must be dandi or archive/);
    await refused(["extract", home, "--mode", "local"], /extract --mode must be remote or dandi/);
    await refused(["stats", "--encryption", "false"], /the cache is always encrypted/);
    await refused(["completion"], /completion needs --inventory/);
    await refused(
      ["update", "summaries", "--pick", "000001"],
      /--pick and --skip choose dandisets/,
    );
  });
});

Deno.test("after a plugin import, `extract --mode remote` and `update summaries` follow the cache's dandi mode; completion counts the inventory", async () => {
  await withTmpDir(async (home) => {
    const logs = join(home, "logs");
    await copySample(logs, 1);
    const cache = join(home, "cache");
    const env = cliEnv(home, { S3_LOG_EXTRACTION_CACHE: cache, ...offlineRangeEnv() });
    // A dandi extraction of half the logs, as the plugin's cache would be after an import.
    const first = await runCli([
      "extract_logs",
      join(logs, "copy0", "2024", "01"),
      "--mode",
      "dandi",
    ], {
      env,
    });
    assert.deepStrictEqual(first.code, 0, first.stderr);
    const again = await runCli(["extract", logs, "--mode", "remote", "--json"], { env });
    assert.deepStrictEqual(again.code, 0, again.stderr);
    assert.deepStrictEqual(JSON.parse(again.stdout).mode, "dandi");
    const mapping = join(home, "mapping.json");
    await Deno.writeTextFile(mapping, "{}");
    const summaries = await runCli(
      [
        "update",
        "summaries",
        "--content-id-to-usage-dandiset-path-url",
        mapping,
        "--workers",
        "-1",
        "--unassociated",
      ],
      { env },
    );
    assert.deepStrictEqual(summaries.code, 0, summaries.stderr);
    assert.match(summaries.stdout, /^Wrote the summaries of 1 dataset to /);
    const files = [...(await readTree(join(cache, "summaries"))).keys()];
    assert(files.includes("undetermined/by_asset_type_per_week.tsv"), "dandiset summaries");

    const keys = [...(await readTree(logs)).keys()].filter((k) => !k.endsWith(".md"));
    const inventory = join(home, "inventory");
    await writeInventory(inventory, keys.map((key) => [key, 1]));
    const completion = await runCli(["completion", "--inventory", inventory], { env });
    assert.deepStrictEqual(completion.code, 0, completion.stderr);
    assert.deepStrictEqual(
      completion.stdout,
      `Processed files  : ${keys.length}\nInventory files  : ${keys.length}\nPercent complete : 100.00%\n`,
    );
    const stats = await runCli(["stats", "--inventory", inventory], { env });
    assert.deepStrictEqual(
      stats.stdout.split("\n").slice(0, 4),
      [
        `File count      : ${keys.length}`,
        `Processed files : ${keys.length}`,
        "Percent complete: 100.00%",
        "",
      ],
    );
  });
});
