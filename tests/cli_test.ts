/**
 * End-to-end tests of the command line, spawned as a user runs it (with the permission flags of
 * its tasks, not -A): exact messages and exit codes.
 */

import { cpSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import { PIPELINE_LOCK_FILE, readLockHolder, STOP_FILE } from "../lib/store/run_lock.ts";
import { DATABASE_FILE } from "../lib/store/cache_database.ts";
import {
  cliCommand,
  cliEnv,
  type CliOptions,
  type CliResult,
  copySample,
  exists,
  mockServiceEnv,
  offlineRangeEnv,
  programCommand,
  ROOT,
  runCli,
  runDeno,
  runProgram,
  runTask,
  taskArgs,
  withTmpDir,
} from "./_helpers.ts";

const noStackTrace = (stderr: string) => assert(!/^\s+at /m.test(stderr), stderr);

Deno.test("help, version and usage errors (exit 2)", async () => {
  await withTmpDir(async (home) => {
    const env = cliEnv(home);
    const help = await runCli(["--help"], { env });
    assert.deepStrictEqual(help.code, 0);
    for (
      const name of ["daily", "set_cache", "set_logs", "extract_logs", "export_extraction", "stop"]
    ) {
      assert.match(help.stdout, new RegExp(`\\n  ${name} `));
    }
    assert.deepStrictEqual((await runCli([], { env })).code, 2);
    assert.match(
      (await runCli(["--version"], { env })).stdout,
      /^s3_log_extraction \d+\.\d+\.\d+\n$/,
    );
    const commandHelp = await runCli(["extract_logs", "--help"], { env });
    assert.deepStrictEqual(commandHelp.code, 0);
    assert.match(commandHelp.stdout, /S3_LOG_EXTRACTION_EXCLUDED_IPS/);

    const unknown = await runCli(["nope"], { env });
    assert.deepStrictEqual([unknown.code, unknown.stderr], [
      2,
      "error: Unknown command 'nope'. Run `s3_log_extraction --help` for the commands.\n",
    ]);
    const option = await runCli(["extract_logs", "--nope"], { env });
    assert.deepStrictEqual([option.code, option.stderr], [
      2,
      "error: Unknown option --nope for extract_logs. Run `s3_log_extraction extract_logs --help`.\n",
    ]);
    const workers = await runCli(["extract_logs", "x", "--workers", "two"], { env });
    assert.deepStrictEqual(workers.code, 2);
    assert.match(workers.stderr, /--workers must be a whole number of at least 0 \(got "two"\)/);
    const noDir = await runCli(["extract_logs"], { env });
    assert.deepStrictEqual(noDir.code, 2);
    assert.match(noDir.stderr, /extract_logs needs <log directory>, or a configured one/);
  });
});

Deno.test("missing password, weak password, missing log directory: one line, exit 1", async () => {
  await withTmpDir(async (home) => {
    const logs = join(ROOT, "fixtures", "sample_logs");
    // The key is derived while the workers start: a bad password still stops the run before
    // the cache folder is made.
    const cache = join(home, "new-cache");
    const missing = await runCli(["extract_logs", logs, "--cache", cache], {
      env: cliEnv(home, { S3_LOG_EXTRACTION_PASSWORD: "" }),
    });
    assert.deepStrictEqual(missing.code, 1);
    assert.match(
      missing.stderr,
      /^error: S3_LOG_EXTRACTION_PASSWORD is not set: it encrypts the client IPs/,
    );
    noStackTrace(missing.stderr);
    const weak = await runCli(["extract_logs", logs, "--cache", cache], {
      env: cliEnv(home, { S3_LOG_EXTRACTION_PASSWORD: "Password123!Password123!" }),
    });
    assert.deepStrictEqual(weak.code, 1);
    assert.match(weak.stderr, /not strong enough: it is one 12-character piece repeated/);
    noStackTrace(weak.stderr);
    await assert.rejects(() => Deno.stat(cache), Deno.errors.NotFound);
    const bad = await runCli(["extract_logs", join(home, "nowhere")], { env: cliEnv(home) });
    assert.deepStrictEqual([bad.code, bad.stderr], [
      1,
      `error: Cannot read log directory ${join(home, "nowhere")}: it does not exist. Check the ` +
      "path, or configure the log directory with `s3_log_extraction set_logs <dir>`.\n",
    ]);
  });
});

Deno.test("set_cache stores an absolute path that later commands use", async () => {
  await withTmpDir(async (home) => {
    const env = cliEnv(home);
    const set = await runCli(["set_cache", "relative/cache"], { env, cwd: home });
    assert.deepStrictEqual(set.code, 0);
    assert.deepStrictEqual(
      set.stdout,
      `Cache directory set to ${home}/relative/cache (saved in ${home}/.config/s3-log-extraction/config.json).\n`,
    );
    const logs = join(ROOT, "fixtures", "hard_cases", "logs");
    const run = await runCli(["extract_logs", logs], { env });
    assert.deepStrictEqual(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`into ${home}/relative/cache \\(generic mode\\)`));
    assert.match(run.stderr, /warning: 10 malformed lines were quarantined/);
    assert.match(run.stderr, /\n {2}2024-05-01-10-20-30-0123456789HARD01:5 ambiguous_status\n/);
  });
});

const SAMPLE_LOGS = join(ROOT, "fixtures", "sample_logs");

Deno.test("validate lists each kind of problem with file:line and exits 1; nothing is written", async () => {
  await withTmpDir(async (home) => {
    const env = cliEnv(home);
    const hard = join(ROOT, "fixtures", "hard_cases", "logs");
    const result = await runCli(["validate", hard, "--examples", "1"], { env });
    assert.deepStrictEqual(result.code, 1, result.stderr);
    assert.match(
      result.stdout,
      /^Read 1 log file in .*: 30 lines, 17 requests that extract_logs would keep\.\n/,
    );
    assert.match(
      result.stdout,
      /\nnon_numeric_bytes: 1 line \(the bytes-sent field is neither a number nor '-'\)\n {2}2024-05-01-10-20-30-0123456789HARD01:7\n/,
    );
    assert.match(
      result.stdout,
      /\nambiguous_status: 1 line .*\n {2}2024-05-01-10-20-30-0123456789HARD01:5\n/,
    );
    const clean = join(home, "clean");
    await Deno.mkdir(clean);
    await Deno.writeTextFile(
      join(clean, "2022-04-06-03-05-53-0123456789ABCDEF"),
      'o b [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - R REST.GET.OBJECT ds1/a "GET /ds1/a HTTP/1.1" 200 - 12 12 5 3 "-" "-" -\n',
    );
    // Ordinary lines: a partial download (206 and a short 200), bare "-" fields. Reported as
    // informational, exit 0; --strict makes them fail.
    await Deno.writeTextFile(
      join(clean, "2022-04-06-03-06-53-0123456789ABCDEF"),
      'o b [06/Apr/2022:03:06:53 +0000] 192.0.2.0 - R REST.GET.OBJECT ds1/a "GET /ds1/a HTTP/1.1" 200 - 5 12 5 3 - - -\n' +
        "o b [06/Apr/2022:03:06:54 +0000] 192.0.2.0 - R REST.GET.OBJECT ds1/a - 206 - 5 12 5 3 - - -\n",
    );
    const informational = await runCli(["validate", clean], { env });
    assert.deepStrictEqual(informational.code, 0, informational.stdout);
    assert.match(informational.stdout, /: 3 lines, 3 requests that extract_logs would keep\./);
    assert.match(informational.stdout, /\nshort_download: 1 line \(.*, informational\)\n/);
    assert.deepStrictEqual((await runCli(["validate", clean, "--strict"], { env })).code, 1);
    await Deno.remove(join(clean, "2022-04-06-03-06-53-0123456789ABCDEF"));
    const ok = await runCli(["validate", clean, "--cache", join(home, "cache")], { env });
    assert.deepStrictEqual(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /No problems found\./);
    assert.deepStrictEqual(exists(join(home, "cache", "cache.sqlite")), false);
    const missing = await runCli(["validate", join(home, "nope")], { env });
    assert.deepStrictEqual(missing.code, 1);
    assert.match(missing.stderr, /Cannot read log directory .*nope: it does not exist\./);
  });
});

Deno.test("daily on the bundled sample from a fresh folder, twice: the second run reads nothing", async () => {
  await withTmpDir(async (home) => {
    const env = cliEnv(home, { S3_LOG_EXTRACTION_PASSWORD: "" });
    // As `deno task daily` runs it: each step isolated, with the task's own permissions.
    const first = await runTask("daily", [], { env, cwd: home });
    assert.deepStrictEqual(first.code, 0, first.stderr);
    assert.match(first.stderr, /No log directory is configured: using the bundled sample logs/);
    assert.match(first.stdout, /Extracted 120 log files .* into .*\.sample-cache/);
    assert.match(first.stdout, /1,170 kept/);
    // Made-up offline geolocation: every IP labelled, every place on the map, no lookup.
    assert.match(first.stdout, /IP table: 156 IPs for 1,170 requests, 0 with a region label/);
    assert.match(
      first.stdout,
      /Labelled 156 of 156 IPs \(5 from service ranges, 151 by the geo database\)/,
    );
    assert.match(
      first.stdout,
      /Placed 16 region labels \(16 from the built-in tables, 0 by OpenCage\)/,
    );
    assert.match(first.stdout, /Wrote the summaries of 64 datasets to /);
    assert.match(first.stdout, /Daily run finished on the bundled sample logs\. Summaries: /);
    const summaries = join(home, ".sample-cache", "summaries");
    const archive = JSON.parse(await Deno.readTextFile(join(summaries, "archive_totals.json")));
    // The sample's truth: 1,170 requests, 747 downloads, 156 distinct IPs; rounded once.
    assert.deepStrictEqual(
      [
        archive.total_number_of_requests,
        archive.total_number_of_downloads,
        archive.number_of_requesters,
      ],
      [1160, 740, 160],
    );
    const statusArgs = ["status", "--cache", join(home, ".sample-cache"), "--logs", SAMPLE_LOGS];
    const status = await runTask("status", statusArgs.slice(1), { env, cwd: home });
    assert.deepStrictEqual(status.code, 0, status.stderr);
    assert.match(status.stdout, /Log files: 120 done, 0 failed, 0 partly read; 0 of 120 in .* not/);
    assert.match(
      status.stdout,
      /Requests: 1,170; distinct IPs: 156, 156 with a region label \(100%\)/,
    );
    assert.match(status.stdout, /Last run: generate_archive_totals, ok, /);
    // The sample's cache is visible to the reading commands with --sample, and says what it is.
    assert.match(first.stderr, /made-up geolocation \(its regions and map are not real\)/);
    const sampleStatus = await runTask("status", ["--sample"], { env, cwd: home });
    assert.deepStrictEqual(sampleStatus.code, 0, sampleStatus.stderr);
    assert.match(sampleStatus.stdout, new RegExp(`^Cache: ${home}/\\.sample-cache `));
    const report = await runTask("report", ["--sample", "--quiet"], { env, cwd: home });
    assert.deepStrictEqual(report.code, 0, report.stderr);
    const exported = await runTask("export_extraction", [join(home, "x"), "--sample"], {
      env,
      cwd: home,
    });
    assert.deepStrictEqual(exported.code, 0, exported.stderr);
    // The report publishes only rounded counts: "<50", or a multiple of 20 from 60 up (the
    // countries' numbers of region labels are marked apart: they count no request).
    const html = await Deno.readTextFile(join(home, ".sample-cache", "report", "index.html"));
    assert.match(html, /<strong>Sample data\.<\/strong> This report is of the sample logs/);
    const cells = [...html.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
    const counts = cells.filter((cell) => /^(&lt;50|(?:≥ )?[\d,]+)$/.test(cell));
    assert.deepStrictEqual(
      counts.length,
      310,
      "19 regions × 2, 64 datasets × 3, 20 assets × 2, 20 datasets' full and partial requests",
    );
    for (const cell of counts) {
      const value = Number(cell.replace("≥ ", "").replaceAll(",", ""));
      assert(cell === "&lt;50" || (value >= 50 && value % 20 === 0), `unrounded count ${cell}`);
    }
    const regions = await Deno.readTextFile(join(summaries, "archive", "by_region.tsv"));
    assert.match(regions, /\nAWS\/us-east-2\t/);
    assert.match(regions, /\nFR\/Grand Est\t/);
    assert(!regions.includes("missing"), "every IP has a label");
    const second = await runTask("daily", [], { env, cwd: home });
    assert.deepStrictEqual(second.code, 0, second.stderr);
    assert.match(second.stdout, /156 with a region label \(100%\)/);
    assert.match(second.stdout, /Labelled 0 of 156 IPs .* 156 had a label, 0 are left/);
    const json = JSON.parse(
      (await runTask("status", [...statusArgs.slice(1), "--json"], { env, cwd: home })).stdout,
    );
    assert.deepStrictEqual([json.requests, json.logFiles.done, json.pending.pending], [
      1170,
      120,
      0,
    ]);
    assert.match(second.stdout, /Extracted 0 log files/);
    assert.match(second.stdout, /120 already done/);
  });
});

/** Starts an extraction and freezes it (SIGSTOP) once it holds the lock. */
/**
 * An extraction that holds the run lock and has committed nothing, and cannot go on until
 * `resume`: the test holds the cache database's write lock meanwhile, and stops the process
 * (SIGSTOP) once its lock record is written. Conditions only: how fast the run is plays no part.
 */
async function frozenExtraction(home: string, logs: string, cache: string) {
  // The cache made by a first run on no logs, so that its database exists to be locked.
  const none = join(home, "no-logs");
  await Deno.mkdir(none);
  const first = await runCli(["extract_logs", none, "--cache", cache], { env: cliEnv(home) });
  assert.deepStrictEqual(first.code, 0, first.stderr);
  const db = new DatabaseSync(join(cache, DATABASE_FILE));
  db.exec("BEGIN IMMEDIATE");
  // Two workers: the window of tasks then holds every file, and a stop must still leave some.
  const args = ["extract_logs", logs, "--cache", cache, "--batch-size", "10", "--workers", "2"];
  const child = cliCommand(args, {
    env: cliEnv(home),
  }).spawn();
  // Until its own record is there (the first run's stays in the file until then).
  while ((await readLockHolder(cache).catch(() => undefined))?.pid !== child.pid) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill("SIGSTOP");
  return {
    child,
    resume: () => {
      db.exec("ROLLBACK");
      db.close();
      child.kill("SIGCONT");
    },
  };
}

Deno.test("stop ends a running extraction after its batch; a second run is refused meanwhile", async () => {
  await withTmpDir(async (home) => {
    const logs = join(home, "logs");
    const cache = join(home, "cache");
    await copySample(logs, 10);
    const { child, resume } = await frozenExtraction(home, logs, cache);
    const concurrent = await runCli(["extract_logs", logs, "--cache", cache], {
      env: cliEnv(home),
    });
    assert.deepStrictEqual(concurrent.code, 1);
    assert.match(
      concurrent.stderr,
      /^error: Cannot run extract_logs: extract_logs \(process \d+, started .*\) is using cache .*\. Wait for it to finish, or end it with `s3_log_extraction stop`; a step started meanwhile would work on a cache that is changing\.\n$/,
    );
    const stop = cliCommand(["stop", "--cache", cache], { env: cliEnv(home) }).spawn();
    // Let the extraction go on only once the stop has been asked for.
    while (!exists(join(cache, STOP_FILE))) await new Promise((r) => setTimeout(r, 20));
    resume();
    const stopped = await stop.output();
    assert.deepStrictEqual(stopped.code, 0);
    assert.deepStrictEqual(
      new TextDecoder().decode(stopped.stdout),
      `The extraction (process ${child.pid}) on cache ${cache} has stopped.\n`,
    );
    const run = await child.output();
    assert.deepStrictEqual(run.code, 0);
    const out = new TextDecoder().decode(run.stdout);
    assert.match(out, /^Stopped after the batch in flight\. Extracted/);
    assert(!/ 0 left for later/.test(out), out);
    const idle = await runCli(["stop", "--cache", cache], { env: cliEnv(home) });
    assert.deepStrictEqual([idle.code, idle.stdout], [0, `No run is working on cache ${cache}.\n`]);
  });
});

Deno.test("stop ends a summary step before it writes: the published files stay as they were", async () => {
  await withTmpDir(async (home) => {
    const logs = join(home, "logs");
    const cache = join(home, "cache");
    await copySample(logs, 10);
    const env = cliEnv(home, { S3_LOG_EXTRACTION_CACHE: cache, ...offlineRangeEnv() });
    assert.deepStrictEqual((await runCli(["extract_logs", logs], { env })).code, 0);
    assert.deepStrictEqual((await runCli(["generate_totals"], { env })).code, 0);
    const before = await Deno.readTextFile(join(cache, "summaries", "totals.json"));
    // The step cannot read the cache until the stop is asked for: the test holds the database
    // exclusively (no reader gets in, not even through the write-ahead log), and stops the step
    // (SIGSTOP) once its lock record is written. Conditions only: no speed plays a part.
    const held = new DatabaseSync(join(cache, DATABASE_FILE));
    held.exec("PRAGMA locking_mode = EXCLUSIVE");
    held.exec("BEGIN EXCLUSIVE");
    const step = cliCommand(["generate_summaries"], { env }).spawn();
    // Until the step's own record is written (a reader can come between its lock and its write,
    // and the record of generate_totals, which ran before, is still in the file until then).
    while (
      (await readLockHolder(cache, { file: PIPELINE_LOCK_FILE }).catch(() => undefined))?.pid !==
        step.pid
    ) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    step.kill("SIGSTOP");
    const stop = cliCommand(["stop"], { env }).spawn();
    while (!exists(join(cache, STOP_FILE))) await new Promise((r) => setTimeout(r, 20));
    held.exec("ROLLBACK");
    held.close();
    step.kill("SIGCONT");
    const stopped = await stop.output();
    assert.deepStrictEqual(
      new TextDecoder().decode(stopped.stdout),
      `generate_summaries (process ${step.pid}) on cache ${cache} has stopped.\n`,
    );
    const run = await step.output();
    assert.deepStrictEqual(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.deepStrictEqual(
      new TextDecoder().decode(run.stdout),
      "Stopped as asked, before writing: generate_summaries changed nothing.\n",
    );
    assert.deepStrictEqual(
      (await Array.fromAsync(Deno.readDir(join(cache, "summaries")))).map((e) => e.name),
      [
        "totals.json",
      ],
    );
    assert.deepStrictEqual(
      await Deno.readTextFile(join(cache, "summaries", "totals.json")),
      before,
    );
    assert(!exists(join(cache, STOP_FILE)), "the request is consumed");
    const db = new DatabaseSync(join(cache, "cache.sqlite"));
    const last = db.prepare("SELECT command, outcome FROM runs ORDER BY id DESC LIMIT 1").get();
    db.close();
    assert.deepStrictEqual({ ...last }, { command: "generate_summaries", outcome: "stopped" });
    // The next run does the work.
    assert.deepStrictEqual((await runCli(["generate_summaries", "--quiet"], { env })).code, 0);
    assert(
      (await Array.fromAsync(Deno.readDir(join(cache, "summaries")))).length > 1,
      "dataset folders written",
    );
  });
});

Deno.test("SIGTERM ends an extraction after its batch in flight, with exit code 0", async () => {
  await withTmpDir(async (home) => {
    const logs = join(home, "logs");
    const cache = join(home, "cache");
    await copySample(logs, 10);
    const { child, resume } = await frozenExtraction(home, logs, cache);
    child.kill("SIGTERM");
    resume();
    const run = await child.output();
    assert.deepStrictEqual(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.match(new TextDecoder().decode(run.stdout), /^Stopped after the batch in flight\./);
    const rest = await runCli(["extract_logs", logs, "--cache", cache], { env: cliEnv(home) });
    assert.deepStrictEqual(rest.code, 0);
    assert.match(rest.stdout, /, 0 left for later/);
    assert.match(rest.stdout, / 0 failed, [1-9][\d,]* already done/);
  });
});

const DANDI_LOGS = join(ROOT, "..", "shared", "fixtures", "reference", "dandi", "logs");

Deno.test({
  name: "daily in dandi mode summarises dandisets; without a readable mapping it says why",
  ignore: !exists(DANDI_LOGS),
  fn: async () => {
    const logs = DANDI_LOGS;
    await withTmpDir(async (home) => {
      const env = cliEnv(home, {
        S3_LOG_EXTRACTION_LOGS: logs,
        S3_LOG_EXTRACTION_CACHE: join(home, "cache"),
        ...offlineRangeEnv(),
      });
      const mapping = join(ROOT, "fixtures", "dandi_mapping.json");
      const run = await runTask("daily", ["--mode", "dandi", "--mapping", mapping], { env });
      assert.deepStrictEqual(run.code, 0, run.stderr);
      const entries = await Array.fromAsync(Deno.readDir(join(home, "cache", "summaries")));
      const names = entries.map((e) => e.name).sort();
      assert.deepStrictEqual(names, [
        "000026",
        "000109",
        "000142",
        "000293",
        "000946",
        "001344",
        "archive",
        "archive_totals.json",
        "region_codes_to_coordinates.yaml",
        "totals.json",
        "undetermined",
      ]);
      const skipped = await runCli(
        ["daily", "--mode", "dandi", "--mapping", join(home, "none.json")],
        {
          env,
        },
      );
      assert.deepStrictEqual(skipped.code, 0, skipped.stderr);
      assert.match(
        skipped.stderr,
        /generate_dandiset_summaries and generate_dandiset_totals skipped: Cannot read the content-id mapping .*none\.json: No such file/,
      );
      assert.match(skipped.stderr, /refresh_region_codes skipped: nothing to re-check labels with/);
      assert.match(skipped.stderr, /\[5\/7\] generate_archive_summaries/);
      assert.match(skipped.stderr, /\[7\/7\] report/);
    });
  },
});

Deno.test("a summary command on an empty cache says to extract first (exit 1)", async () => {
  await withTmpDir(async (home) => {
    const result = await runCli(["generate_summaries", "--cache", join(home, "empty")], {
      env: cliEnv(home),
    });
    assert.deepStrictEqual(result.code, 1);
    assert.match(result.stderr, /holds no extraction yet\. Run extract_logs first/);
  });
});

Deno.test("update_indexed_region_codes labels from ranges and says what to set for the rest", async () => {
  await withTmpDir(async (home) => {
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
      const path = new URL(request.url).pathname;
      return path === "/github"
        ? new Response(JSON.stringify({ web: ["192.0.2.0/24"] }))
        : new Response("");
    });
    const base = `http://127.0.0.1:${server.addr.port}`;
    const env = cliEnv(home, mockServiceEnv(base));
    const cache = join(home, "cache");
    const logs = join(ROOT, "fixtures", "hard_cases", "logs");
    assert.deepStrictEqual(
      (await runCli(["extract_logs", logs, "--cache", cache], { env })).code,
      0,
    );
    const { code, stdout, stderr } = await runCli(
      ["update_indexed_region_codes", "--cache", cache],
      {
        env,
        permissions: ["--allow-net=127.0.0.1"],
      },
    );
    await server.shutdown();
    assert.deepStrictEqual(code, 0, stderr);
    // 192.0.2.10 is in the mock GitHub range; "-" needs no lookup; 2001:db8::1 is left.
    assert.deepStrictEqual(
      stdout,
      "Labelled 2 of 3 IPs (2 from service ranges, 0 by ipinfo); 0 had a label, 1 is left for the next run.\n",
    );
    assert.match(stderr, /cannot fetch the aws ranges .*HTTP 200|aws ranges .*JSON/);
    assert.match(stderr, /1 IPs are left without a region: IPINFO_API_KEY is not set\./);
    assert(!stderr.includes("192.0.2.10") && !stderr.includes("2001:db8::1"));
  });
});

Deno.test("parse workers that cannot start fail the run with the reason, never hang it", async () => {
  await withTmpDir(async (home) => {
    const cache = join(home, "cache");
    const output = await new Deno.Command(Deno.execPath(), {
      // Read access to the logs and the cache but not to the worker's module.
      args: [
        "run",
        "--no-prompt",
        `--allow-read=${cache},${SAMPLE_LOGS},${join(home, ".config")}`,
        `--allow-write=${cache}`,
        "--allow-env",
        "--allow-sys=hostname",
        join(ROOT, "cli.ts"),
        "extract_logs",
        SAMPLE_LOGS,
        "--cache",
        cache,
        "--workers",
        "2",
      ],
      env: cliEnv(home),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(60_000),
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.deepStrictEqual(output.code, 1, stderr);
    assert.match(
      stderr,
      /Extraction failed: a parse worker crashed: Requires read access to .*parse_worker\.ts/,
    );
  });
});

/** Whether this machine lets a test mount a folder read-only in a private namespace (root). */
function canMountReadOnly(): boolean {
  try {
    const probe = new Deno.Command("unshare", {
      args: ["-m", "sh", "-c", "mount -t tmpfs none /mnt && mount -o remount,ro /mnt"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    return probe.success;
  } catch {
    return false;
  }
}

/** Runs `deno <args>` in a private mount namespace, after the shell commands `mounts`. */
async function denoAfterMounts(
  mounts: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string },
): Promise<CliResult> {
  const deno = [Deno.execPath(), ...args].map((word) => `'${word}'`).join(" ");
  return await runProgram("unshare", ["-m", "sh", "-c", `${mounts}exec ${deno}`], options);
}

Deno.test({
  name: "a full disk where summaries and exports go: the path and what to do, never 'a bug'",
  // Root on Linux (as CI runs): a full tmpfs in a private mount namespace.
  ignore: Deno.build.os !== "linux" || !canMountReadOnly(),
  fn: async () => {
    await withTmpDir(async (home) => {
      const cache = join(home, "cache");
      const logs = join(home, "logs");
      await copySample(logs, 1);
      const env = cliEnv(home, { S3_LOG_EXTRACTION_CACHE: cache, ...offlineRangeEnv() });
      assert.deepStrictEqual(
        (await runCli(["extract_logs", logs, "--limit", "60"], { env })).code,
        0,
      );
      const full = join(home, "full");
      await Deno.mkdir(join(cache, "summaries"));
      await Deno.mkdir(full);
      /** Runs `deno <args>` with `summaries/` and `full/` on a tmpfs that is full. */
      const onFullDisk = async (args: string[]) => {
        const fill = (folder: string) =>
          `mount -t tmpfs -o size=16k none '${folder}' && ` +
          `(cat /dev/zero > '${folder}/.filler' 2>/dev/null; true) && `;
        return await denoAfterMounts(fill(join(cache, "summaries")) + fill(full), args, {
          env,
          cwd: home,
        });
      };
      for (
        const [step, args, expected] of [
          [
            "generate_summaries",
            [],
            `^error: Cannot (?:write|create folder) ${cache}/summaries/\\S+: the disk is full\\. ` +
            "Free space, then run again\\. Published files are replaced whole",
          ],
          [
            "export_extraction",
            [join(full, "export"), "--no-encryption"],
            `^error: Cannot export the extraction to ${full}/export: No space left on device ` +
            ".* Nothing was written; check the folder and the free space, then run " +
            "export_extraction again\\.\\n$",
          ],
        ] as const
      ) {
        const run = await onFullDisk([...await taskArgs(step), ...args]);
        assert.deepStrictEqual(run.code, 1, `${step}: ${run.stderr}`);
        assert.match(run.stderr, new RegExp(expected), `${step}: ${run.stderr}`);
        assert(!run.stderr.includes("bug"), run.stderr);
      }
    });
  },
});

Deno.test({
  name:
    "a read-only cache: daily names the step and the folder (exit 1), a read-only database says so; status says how to read it",
  // Root on Linux (as CI runs): a read-only bind mount in a private mount namespace.
  ignore: Deno.build.os !== "linux" || !canMountReadOnly(),
  fn: async () => {
    await withTmpDir(async (home) => {
      const { cache, env } = await configuredSample(home, { files: 1 });
      assert.deepStrictEqual((await runCli(["extract_logs", "--limit", "60"], { env })).code, 0);
      /** Runs `deno <args>` with the cache mounted read-only. */
      const readOnly = async (args: string[]) =>
        await denoAfterMounts(
          `mount --bind '${cache}' '${cache}' && mount -o remount,bind,ro '${cache}' && `,
          args,
          { env, cwd: home },
        );
      // Every writing step, and daily before its first step, says so in one line (exit 1).
      const steps = ["daily", "extract_logs", "index_ips", "update_indexed_region_codes"].concat(
        "update_region_code_coordinates",
        "generate_summaries",
        "generate_totals",
        "generate_archive_summaries",
        "generate_archive_totals",
        "report",
        "export_extraction",
      );
      for (const step of steps) {
        const args = step === "export_extraction" ? [join(home, "export")] : [];
        const run = await readOnly([...await taskArgs(step), ...args]);
        assert.deepStrictEqual(run.code, 1, `${step}: ${run.stderr}`);
        assert.deepStrictEqual(
          run.stderr,
          `error: Cannot write to cache ${cache} (its lock file pipeline.lock: Read-only file ` +
            `system (os error 30)). ${step} writes to the cache: make the folder writable for ` +
            "this user, or choose another with --cache. `status` reads a cache without " +
            "writing.\n",
          step,
        );
      }
      // The status task's narrow permissions cannot let SQLite read a read-only folder…
      const status = await readOnly(await taskArgs("status"));
      assert.deepStrictEqual(status.code, 1, status.stderr);
      assert.match(
        status.stderr,
        /Cannot read cache database .*cache\.sqlite: unable to open database file\. If its folder is read-only, SQLite can read it only with unrestricted file permissions/,
      );
      // …unrestricted ones can, and the counts come with a caveat.
      const full = await readOnly(["run", "-A", join(ROOT, "cli.ts"), "status"]);
      assert.deepStrictEqual(full.code, 0, full.stderr);
      assert.match(
        full.stdout,
        /Log files: 60 done, 0 failed, 0 partly read; 60 of 120 in .* not extracted yet\./,
      );
      assert.match(full.stdout, /Note: the cache directory is read-only/);

      // The database file alone read-only, its folder writable (root writes through a file's
      // mode bits, so bound read-only): SQLite opens it to read, and the first write says so.
      const database = join(cache, DATABASE_FILE);
      const mounts = `mount --bind '${database}' '${database}' && ` +
        `mount -o remount,bind,ro '${database}' && `;
      for (const step of ["generate_summaries", "generate_archive_totals", "extract_logs"]) {
        const run = await denoAfterMounts(mounts, await taskArgs(step), { env, cwd: home });
        assert.deepStrictEqual(run.code, 1, `${step}: ${run.stderr}`);
        assert.match(
          run.stderr,
          /^error: The cache database is read-only for this user \(cache\.sqlite or its -wal and -shm files, its folder or its file system\)\. Make it writable for this user, then run again\./,
          step,
        );
        assert(!run.stderr.includes("bug"), run.stderr);
      }
    });
  },
});

/**
 * How to run `deno` as a user without root's right to write through mode bits: this one when
 * it is not root, else `nobody` through setpriv (undefined when that cannot be done). The
 * commands run `cli` (`cli.ts` of a tree that user can read: see {@linkcode readableTree}).
 */
function withoutRoot():
  | ((args: string[], options: CliOptions & { cli: string }) => Promise<CliResult>)
  | undefined {
  const own = (args: string[], cli: string) =>
    args.map((arg) => arg === join(ROOT, "cli.ts") ? cli : arg);
  if (!testsRunAsRoot) return (args, options) => runDeno(own(args, options.cli), options);
  if (Deno.build.os !== "linux") return undefined;
  const asNobody = [...NOBODY, Deno.execPath()];
  try {
    if (!new Deno.Command("setpriv", { args: [...asNobody, "--version"] }).outputSync().success) {
      return undefined;
    }
    // A Deno that user may not run (installed in a private folder, as .ci/run installs it in a
    // clone inside a private temporary folder): its steps' own processes could not start.
    const runnable = ["test", "-x", Deno.execPath()];
    if (!new Deno.Command("setpriv", { args: [...NOBODY, ...runnable] }).outputSync().success) {
      return undefined;
    }
  } catch {
    return undefined;
  }
  return (args, options) =>
    runProgram("setpriv", [...asNobody, ...own(args, options.cli)], options);
}

const NOBODY = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"];

/**
 * Runs `fn` with the `cli.ts` of a tree the user of {@linkcode withoutRoot} can read: this one,
 * or, when it lies in a private folder (CI's clones, a fresh clone in a temporary folder), a
 * copy of what the CLI needs in a readable temporary folder, removed afterwards.
 */
async function withReadableTree<T>(fn: (cli: string) => Promise<T>): Promise<T> {
  const readable = (path: string) =>
    !testsRunAsRoot ||
    new Deno.Command("setpriv", { args: [...NOBODY, "test", "-r", path] }).outputSync().success;
  if (readable(join(ROOT, "cli.ts"))) return await fn(join(ROOT, "cli.ts"));
  const copy = await Deno.makeTempDir({ prefix: "s3le-tree-" });
  try {
    await Deno.chmod(copy, 0o755);
    for (const name of ["cli.ts", "mod.ts", "deno.json", "lib", "fixtures"]) {
      cpSync(join(ROOT, name), join(copy, name), { recursive: true });
    }
    assert(readable(join(copy, "cli.ts")), `nobody cannot read the copy ${copy}`);
    return await fn(join(copy, "cli.ts"));
  } finally {
    await Deno.remove(copy, { recursive: true });
  }
}

const testsRunAsRoot = (() => {
  const probe = Deno.makeTempFileSync();
  try {
    return Deno.statSync(probe).uid === 0;
  } finally {
    Deno.removeSync(probe);
  }
})();
const runWithoutRoot = withoutRoot();

Deno.test({
  name:
    "a database made writable again after a run found it read-only: the next run writes (the log index SQLite made then was read-only too)",
  ignore: runWithoutRoot === undefined,
  fn: async () => {
    await withTmpDir(async (home) => {
      const { cache, env } = await configuredSample(home, { files: 1 });
      // Its own Deno cache: the user may not write the one of the tests.
      env.DENO_DIR = join(home, "deno");
      if (testsRunAsRoot) {
        assert(
          (await new Deno.Command("chown", { args: ["-R", "nobody:nogroup", home] }).output())
            .success,
        );
      }
      await withReadableTree(async (cli) => {
        const run = async (step: string, args: string[] = []) =>
          await runWithoutRoot!([...await taskArgs(step), ...args], { env, cwd: home, cli });
        const first = await run("extract_logs", ["--limit", "30"]);
        assert.deepStrictEqual(first.code, 0, first.stderr);
        const database = join(cache, DATABASE_FILE);
        await Deno.chmod(database, 0o400);
        const refused = await run("generate_summaries");
        assert.deepStrictEqual(refused.code, 1, refused.stderr);
        assert.match(refused.stderr, /^error: The cache database is read-only for this user/);
        // What the operator then meets: SQLite left its index with the database's mode.
        assert.deepStrictEqual((await Deno.stat(`${database}-shm`)).mode! & 0o777, 0o400);
        await Deno.chmod(database, 0o600);
        const again = await run("extract_logs", ["--limit", "60", "--quiet"]);
        assert.deepStrictEqual(again.code, 0, again.stderr);
        const status = await run("status");
        assert.match(status.stdout, /Log files: 90 done, 0 failed/, status.stdout + status.stderr);
        for (const suffix of ["", "-wal", "-shm"]) {
          const mode = (await Deno.stat(database + suffix).catch(() => undefined))?.mode;
          if (mode != null) assert.deepStrictEqual(mode & 0o777, 0o600, suffix);
        }
      });
    });
  },
});

Deno.test("a service with a password but no log directory fails naming the user and settings file; --sample runs the sample", async () => {
  await withTmpDir(async (home) => {
    // As `User=s3logs` under systemd: its own HOME, no settings, a password in its environment.
    const env = cliEnv(home, { USER: "s3logs" });
    const run = await runTask("daily", ["--quiet"], { env, cwd: home });
    assert.deepStrictEqual(run.code, 1, run.stderr);
    assert.match(
      run.stderr,
      new RegExp(
        `^error: No log directory is configured for s3logs, and S3_LOG_EXTRACTION_PASSWORD is set, so real logs are meant\\. Settings are per user: ${home}/\\.config/s3-log-extraction/config\\.json has no logs_directory\\.`,
      ),
    );
    assert(!exists(join(home, ".sample-cache")), "the sample did not run");
    const sample = await runTask("daily", ["--sample", "--quiet"], { env, cwd: home });
    assert.deepStrictEqual(sample.code, 0, sample.stderr);
    assert(exists(join(home, ".sample-cache", "summaries", "totals.json")));
  });
});

/**
 * Sample log files (`files`, default 10) in `<home>/logs`, configured as the logs of the cache `<home>/cache`
 * through the environment (with the offline range sources).
 */
async function configuredSample(home: string, options: { files?: number } = {}) {
  const logs = join(home, "logs");
  const cache = join(home, "cache");
  await copySample(logs, options.files ?? 10);
  const env = cliEnv(home, {
    S3_LOG_EXTRACTION_LOGS: logs,
    S3_LOG_EXTRACTION_CACHE: cache,
    ...offlineRangeEnv(),
  });
  return { logs, cache, env };
}

/**
 * `deno task <task> <args>` as its own process group (a terminal's foreground job, a systemd
 * unit), frozen once a step holds the extraction lock. Until then the test holds the cache
 * database's write lock (the cache made by a run on no logs), so the step cannot commit
 * anything before it is frozen: conditions only, no speed plays a part.
 */
async function frozenGroup(
  task: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
  cache: string,
  throughDenoTask = false,
) {
  const none = await Deno.makeTempDir({ dir: cwd, prefix: "no-logs-" });
  const first = await runCli(["extract_logs", none, "--cache", cache], { env });
  assert.deepStrictEqual(first.code, 0, first.stderr);
  const held = new DatabaseSync(join(cache, DATABASE_FILE));
  held.exec("BEGIN IMMEDIATE");
  // The first run's record stays in the file until the next holder writes its own.
  const before = (await readLockHolder(cache).catch(() => undefined))?.pid;
  // `deno task` passes a signal it gets on to its child, which then gets it twice.
  const command = throughDenoTask
    ? ["task", "--config", join(ROOT, "deno.json"), task]
    : await taskArgs(task);
  const child = programCommand("setsid", [Deno.execPath(), ...command, ...args], {
    env,
    cwd,
  }).spawn();
  // A child that ends before it holds the lock fails the test with its output (not a hang).
  let ended = false;
  child.status.then(() => ended = true);
  for (;;) {
    const pid = (await readLockHolder(cache).catch(() => undefined))?.pid;
    if (pid !== undefined && pid !== before) break;
    if (ended) {
      held.exec("ROLLBACK");
      held.close();
      const out = await child.output();
      const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
      throw new Error(
        `${task} ended (code ${out.code}) before it held the lock:\n${text(out.stdout)}${
          text(out.stderr)
        }`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  Deno.kill(-child.pid, "SIGSTOP");
  held.exec("ROLLBACK");
  held.close();
  return child;
}

for (
  const [signal, runner] of [
    ["SIGINT", "directly"],
    ["SIGTERM", "directly"],
    ["SIGTERM", "through deno task"],
  ] as const
) {
  Deno.test(`one ${signal} to the process group stops an isolated step and daily cleanly (exit 0), run ${runner}`, async () => {
    await withTmpDir(async (home) => {
      const { cache, env } = await configuredSample(home);
      const task = runner === "through deno task";
      const step = await frozenGroup(
        "extract_logs",
        ["--batch-size", "10"],
        env,
        home,
        cache,
        task,
      );
      Deno.kill(-step.pid, signal);
      Deno.kill(-step.pid, "SIGCONT");
      const stepRun = await step.output();
      const stepErr = new TextDecoder().decode(stepRun.stderr);
      assert.deepStrictEqual(stepRun.code, 0, stepErr);
      assert.match(
        new TextDecoder().decode(stepRun.stdout),
        /^Stopped after the batch in flight\./,
      );
      assert.deepStrictEqual(
        stepErr.match(/Stopping after the batch in flight/g)?.length,
        1,
        stepErr,
      );

      await Deno.remove(cache, { recursive: true });
      const daily = await frozenGroup("daily", [], env, home, cache, task);
      Deno.kill(-daily.pid, signal);
      Deno.kill(-daily.pid, "SIGCONT");
      const dailyRun = await daily.output();
      const dailyErr = new TextDecoder().decode(dailyRun.stderr);
      assert.deepStrictEqual(dailyRun.code, 0, dailyErr);
      assert.match(
        dailyErr,
        /daily stopped after step extract_logs, as asked; later steps did not run/,
      );
      const rest = await runCli(["extract_logs", "--cache", cache], { env });
      assert.match(rest.stdout, / 0 failed, [1-9][\d,]* already done/);
    });
  });
}

Deno.test("a step whose daily was killed with SIGKILL keeps the cache locked, then stops after its batch", async () => {
  await withTmpDir(async (home) => {
    const { cache, env } = await configuredSample(home);
    const daily = await frozenGroup("daily", [], env, home, cache);
    const launcher = JSON.parse(await Deno.readTextFile(join(cache, PIPELINE_LOCK_FILE))).pid;
    const step = (await readLockHolder(cache))!.pid;
    assert(launcher !== step, "the step runs in a process of its own");
    Deno.kill(launcher, "SIGKILL");
    // The kernel freed daily's lock; the orphaned step still holds the cache.
    for (const args of [["daily"], ["generate_summaries"]]) {
      const refused = await runTask(args[0], [], { env, cwd: home });
      assert.deepStrictEqual(refused.code, 1, refused.stderr);
      assert.match(
        refused.stderr,
        new RegExp(
          `^error: Cannot run ${
            args[0]
          }: a step of an earlier daily run is still working on cache ${cache} `,
        ),
      );
    }
    Deno.kill(-daily.pid, "SIGCONT");
    // Its output ends when the orphaned step (which holds the pipes) has ended.
    const run = await daily.output();
    const stderr = new TextDecoder().decode(run.stderr);
    assert.match(
      stderr,
      /warning: the daily run that started this step has ended; stopping after the batch in flight\./,
    );
    assert.match(new TextDecoder().decode(run.stdout), /Stopped after the batch in flight\./);
    // Nothing half-done is left, and the cache is free again.
    const rest = await runTask("daily", [], { env, cwd: home });
    assert.deepStrictEqual(rest.code, 0, rest.stderr);
    assert.match(rest.stdout, / 0 failed, /);
  });
});

Deno.test("while daily runs, a second daily and any writing step are refused naming it; readers still read", async () => {
  await withTmpDir(async (home) => {
    const { cache, env } = await configuredSample(home);
    const daily = await frozenGroup("daily", [], env, home, cache);
    try {
      for (
        const args of [["daily"], ["generate_summaries"], ["export_extraction", join(home, "x")]]
      ) {
        const refused = await runTask(args[0], args.slice(1), { env, cwd: home });
        assert.deepStrictEqual(refused.code, 1, refused.stderr);
        assert.match(
          refused.stderr,
          new RegExp(
            `^error: Cannot run ${
              args[0]
            }: daily \\(process ${daily.pid}, started 20[^)]+\\) is using cache ${cache}\\. Wait for it to finish`,
          ),
        );
      }
      const status = await runTask("status", [], { env, cwd: home });
      assert.deepStrictEqual(status.code, 0, status.stderr);
    } finally {
      Deno.kill(-daily.pid, "SIGCONT");
    }
    const run = await daily.output();
    assert.deepStrictEqual(run.code, 0, new TextDecoder().decode(run.stderr));
    // Once it is done, the cache is free again.
    assert.deepStrictEqual((await runTask("generate_summaries", [], { env, cwd: home })).code, 0);
  });
});

Deno.test("--quiet silences results and progress, never warnings; a run with warnings says so last and in status", async () => {
  await withTmpDir(async (home) => {
    const logs = join(ROOT, "fixtures", "hard_cases", "logs");
    const cache = join(home, "cache");
    const env = cliEnv(home, {
      S3_LOG_EXTRACTION_LOGS: logs,
      S3_LOG_EXTRACTION_CACHE: cache,
      ...offlineRangeEnv(),
    });
    const run = await runTask("extract_logs", ["--quiet"], { env, cwd: home });
    assert.deepStrictEqual(run.code, 0, run.stderr);
    assert.deepStrictEqual(run.stdout, "");
    assert.match(run.stderr, /^warning: \d+ malformed lines were quarantined/m);
    assert.match(run.stderr, /\nextract_logs finished with 1 warning \(see above\)\.\n$/);
    const status = await runTask("status", [], { env, cwd: home });
    assert.match(status.stdout, /Last run: extract_logs, ok with 1 warning, /);

    // daily --quiet on the same logs again: the region step warns (no ipinfo key), and the
    // last line names the steps that warned.
    await Deno.remove(cache, { recursive: true });
    const daily = await runTask("daily", ["--quiet"], {
      env: { ...env, S3_LOG_EXTRACTION_GEO_DB: "" },
      cwd: home,
    });
    assert.deepStrictEqual(daily.code, 0, daily.stderr);
    assert.deepStrictEqual(daily.stdout, "");
    assert.match(
      daily.stderr,
      /^warning: \d+ IPs are left without a region: IPINFO_API_KEY is not set/m,
    );
    assert.match(
      daily.stderr,
      /\ndaily: steps with warnings: extract_logs \(1\), update_indexed_region_codes \(1\) \(see above\)\.\n$/,
    );
  });
});

Deno.test("usage details: negative numbers, too many workers, help <command>, no arguments, mistyped folders and variables", async () => {
  await withTmpDir(async (home) => {
    const env = cliEnv(home, { ...offlineRangeEnv() });
    const hard = join(ROOT, "fixtures", "hard_cases", "logs");
    const cache = join(home, "cache");
    const negative = await runCli(["extract_logs", hard, "--workers", "-1", "--cache", cache], {
      env,
    });
    assert.deepStrictEqual([negative.code, negative.stderr], [
      2,
      'error: --workers must be a whole number of at least 0 (got "-1") for extract_logs.\n',
    ]);
    const limit = await runCli(["extract_logs", hard, "--limit", "-5", "--cache", cache], { env });
    assert.match(limit.stderr, /^error: --limit must be a whole number of at least 1 \(got "-5"\)/);
    const many = await runCli(["extract_logs", hard, "--workers", "1000", "--cache", cache], {
      env,
    });
    assert.deepStrictEqual(many.code, 0, many.stderr);
    assert.match(
      many.stderr,
      /^warning: --workers 1000 is more than this machine's \d+ cores: using \d+/,
    );

    const help = await runCli(["help", "extract_logs"], { env });
    assert.deepStrictEqual(help.code, 0);
    assert.match(help.stdout, /^Usage: s3_log_extraction extract_logs /);
    const none = await runCli([], { env });
    assert.deepStrictEqual([none.code, none.stdout], [2, ""]);
    assert.match(none.stderr, /^s3_log_extraction \d+\.\d+\.\d+: /);

    // Reading a cache that does not exist creates nothing; a first run that fails leaves nothing.
    const typo = join(home, "cahce");
    assert.deepStrictEqual((await runCli(["status", "--cache", typo], { env })).code, 0);
    assert(!exists(typo), "status made no folder");
    const missing = await runCli(["extract_logs", join(home, "no-logs"), "--cache", typo], { env });
    assert.deepStrictEqual(missing.code, 1);
    assert(!exists(typo), "a failed first extraction leaves no cache behind");

    const mode = await runCli(["daily"], {
      env: { ...env, S3_LOG_EXTRACTION_MODE: "dandy", S3_LOG_EXTRACTION_LOGS: hard },
    });
    assert.deepStrictEqual(mode.code, 1);
    assert.match(
      mode.stderr,
      /^error: S3_LOG_EXTRACTION_MODE must be generic or dandi \(got "dandy"\)/,
    );
    const geo = join(home, "not.mmdb");
    await Deno.writeTextFile(geo, "not a database");
    const daily = await runCli(["daily", "--geo-db", geo, "--cache", join(home, "daily")], {
      env: { ...env, S3_LOG_EXTRACTION_LOGS: hard },
    });
    assert.deepStrictEqual(daily.code, 1);
    assert.match(daily.stderr, /^error: Cannot read the geo database .*not\.mmdb: /);
    assert(!daily.stderr.includes("[1/"), "no step ran");
  });
});

Deno.test("relative paths given through deno task are the caller's; set_logs warns about a missing folder", async () => {
  await withTmpDir(async (home) => {
    const caller = join(home, "work");
    await Deno.mkdir(join(caller, "logs"), { recursive: true });
    const env = cliEnv(home);
    const task = (...args: string[]) =>
      runProgram(
        Deno.execPath(),
        ["task", "--quiet", "--config", join(ROOT, "deno.json"), ...args],
        {
          env,
          cwd: caller,
        },
      );
    const logs = await task("set_logs", "logs");
    assert.deepStrictEqual(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, new RegExp(`^Log directory set to ${caller}/logs `));
    const missing = await task("set_logs", "elsewhere");
    assert.deepStrictEqual(missing.code, 0, missing.stderr);
    assert.match(
      missing.stderr,
      new RegExp(`warning: ${caller}/elsewhere does not exist \\(yet\\)`),
    );
    const cache = await task("set_cache", "cache");
    assert.match(cache.stdout, new RegExp(`^Cache directory set to ${caller}/cache `));
  });
});

Deno.test("an empty log directory warns; one that held log files before and now holds none fails", async () => {
  await withTmpDir(async (home) => {
    const logs = join(home, "logs");
    await Deno.mkdir(logs);
    const env = cliEnv(home, { S3_LOG_EXTRACTION_CACHE: join(home, "cache") });
    const empty = await runCli(["extract_logs", logs, "--quiet"], { env });
    assert.deepStrictEqual(empty.code, 0, empty.stderr);
    assert.match(empty.stderr, /^warning: no log files were found in .*logs\. Check the path/);
    await copySample(logs, 1);
    assert.deepStrictEqual((await runCli(["extract_logs", logs], { env })).code, 0);
    // The disk is unmounted: the mount point is an empty folder again.
    await Deno.remove(logs, { recursive: true });
    await Deno.mkdir(logs);
    const unmounted = await runCli(["extract_logs", logs], { env });
    assert.deepStrictEqual(unmounted.code, 1);
    assert.match(
      unmounted.stderr,
      /^error: The log directory .*logs holds no log files, but 120 were extracted from it before\. Is it mounted/,
    );
  });
});

Deno.test("the default cache is a data folder (an older one in the cache folder is still used); caches are private to their owner", async () => {
  await withTmpDir(async (home) => {
    const env = cliEnv(home, { XDG_DATA_HOME: join(home, "data") });
    const hard = join(ROOT, "fixtures", "hard_cases", "logs");
    const run = await runCli(["extract_logs", hard, "--json"], { env });
    assert.deepStrictEqual(run.code, 0, run.stderr);
    const cache = join(home, "data", "s3-log-extraction");
    assert.deepStrictEqual(JSON.parse(run.stdout).cacheDirectory, cache);
    assert.deepStrictEqual((await Deno.stat(cache)).mode! & 0o777, 0o700);
    for (const file of ["cache.sqlite", "cache.sqlite-wal"]) {
      if (exists(join(cache, file))) {
        assert.deepStrictEqual((await Deno.stat(join(cache, file))).mode! & 0o777, 0o600, file);
      }
    }
    // An operator upgrading from a version that kept the cache in ~/.cache keeps using it.
    const other = join(home, "other");
    const older = cliEnv(other, { XDG_DATA_HOME: join(other, "data") });
    await Deno.mkdir(join(other, ".cache", "s3-log-extraction"), { recursive: true });
    await Deno.copyFile(
      join(cache, "cache.sqlite"),
      join(other, ".cache", "s3-log-extraction", "cache.sqlite"),
    );
    const status = await runCli(["status"], { env: older });
    assert.match(status.stdout, new RegExp(`^Cache: ${other}/\\.cache/s3-log-extraction `));
  });
});

Deno.test("status on a cache whose database has no tables yet (a run is creating it) says nothing is there yet", async () => {
  await withTmpDir(async (home) => {
    const cache = join(home, "cache");
    await Deno.mkdir(cache);
    const db = new DatabaseSync(join(cache, "cache.sqlite"));
    db.exec("PRAGMA journal_mode = WAL");
    db.close();
    const status = await runCli(["status", "--cache", cache], { env: cliEnv(home) });
    assert.deepStrictEqual(status.code, 0, status.stderr);
    assert.match(status.stdout, /nothing extracted yet/);
  });
});

Deno.test("a cache whose database was deleted or emptied is an error, never silently a new cache; --new-cache starts over", async () => {
  await withTmpDir(async (home) => {
    const cache = join(home, "cache");
    const hard = join(ROOT, "fixtures", "hard_cases", "logs");
    const env = cliEnv(home, { S3_LOG_EXTRACTION_CACHE: cache });
    assert.deepStrictEqual((await runCli(["extract_logs", hard], { env })).code, 0);
    for (const loss of ["deleted", "emptied"]) {
      if (loss === "deleted") {
        for (const suffix of ["", "-wal", "-shm"]) {
          await Deno.remove(join(cache, `cache.sqlite${suffix}`)).catch(() => {});
        }
      } else {
        await Deno.writeFile(join(cache, "cache.sqlite"), new Uint8Array());
      }
      const again = await runCli(["extract_logs", hard], { env });
      assert.deepStrictEqual(again.code, 1, loss);
      assert.match(
        again.stderr,
        /^error: The cache .* had a database \(created 20[^)]+\) that is now missing or empty\. Restore cache\.sqlite from a backup; .* --new-cache\./,
      );
      const summaries = await runCli(["generate_summaries"], { env });
      assert.deepStrictEqual(summaries.code, 1, `${loss}: ${summaries.stderr}`);
    }
    const fresh = await runCli(["extract_logs", hard, "--new-cache", "--json"], { env });
    assert.deepStrictEqual(fresh.code, 0, fresh.stderr);
    assert.deepStrictEqual(JSON.parse(fresh.stdout).files.done, 1);
    const refused = await runCli(["extract_logs", hard, "--new-cache"], { env });
    assert.deepStrictEqual(refused.code, 1);
    assert.match(refused.stderr, /--new-cache: the cache .* still has its database/);
  });
});

Deno.test("status says when the last summary step failed, instead of calling old summaries fresh", async () => {
  await withTmpDir(async (home) => {
    const cache = join(home, "cache");
    const env = cliEnv(home, { S3_LOG_EXTRACTION_CACHE: cache });
    assert.deepStrictEqual(
      (await runCli(["extract_logs", join(ROOT, "fixtures", "hard_cases", "logs")], { env })).code,
      0,
    );
    assert.deepStrictEqual((await runCli(["generate_summaries"], { env })).code, 0);
    const mapping = join(home, "broken.json");
    await Deno.writeTextFile(mapping, "{ not json");
    assert.deepStrictEqual(
      (await runCli(["generate_dandiset_summaries", "--mapping", mapping], { env })).code,
      1,
    );
    const db = new DatabaseSync(join(cache, "cache.sqlite"));
    // A summary step that failed half-way (killed, disk full) leaves a failed run behind.
    db.exec(
      "INSERT INTO runs (command, started_at, finished_at, outcome) VALUES ('generate_totals', '2030-01-01T00:00:00.000Z', '2030-01-01T00:00:01.000Z', 'failed')",
    );
    db.close();
    const status = await runCli(["status"], { env });
    assert.match(
      status.stdout,
      /\nThe last summary step, generate_totals of 2030-01-01T00:00:00\.000Z, did not succeed: the summaries are older than the cache\./,
    );
  });
});

Deno.test("a log folder that cannot be listed is reported and retried; the other folders are extracted", async () => {
  await withTmpDir(async (home) => {
    const logs = join(home, "logs");
    await copySample(logs, 1);
    const blocked = join(logs, "copy0", "2024", "02");
    const env = cliEnv(home, { S3_LOG_EXTRACTION_CACHE: join(home, "cache") });
    // Root reads any folder; a denied read stands for a folder the service user cannot list.
    const run = await runCli(["extract_logs", logs, "--json"], {
      env,
      permissions: [`--deny-read=${blocked}`],
    });
    assert.deepStrictEqual(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout);
    assert.deepStrictEqual(summary.files.failed, 1);
    assert.deepStrictEqual(summary.failures[0].path, "copy0/2024/02/");
    assert.match(summary.failures[0].reason, /^this folder cannot be listed/);
    assert(summary.files.done > 50, "the other folders were extracted");
    const rest = await runCli(["extract_logs", logs, "--json"], { env });
    assert.deepStrictEqual(JSON.parse(rest.stdout).files.done, 120 - summary.files.done);
  });
});

Deno.test("a wrong password is refused before a step records a run", async () => {
  await withTmpDir(async (home) => {
    const cache = join(home, "cache");
    const env = cliEnv(home, { S3_LOG_EXTRACTION_CACHE: cache, ...offlineRangeEnv() });
    assert.deepStrictEqual(
      (await runCli(["extract_logs", join(ROOT, "fixtures", "hard_cases", "logs")], { env })).code,
      0,
    );
    const runs = () => {
      const db = new DatabaseSync(join(cache, "cache.sqlite"), { readOnly: true });
      const n = (db.prepare("SELECT count(*) AS n FROM runs").get() as { n: number }).n;
      db.close();
      return n;
    };
    const before = runs();
    const wrong = { ...env, S3_LOG_EXTRACTION_PASSWORD: "another password, strong enough 7f3a" };
    for (const step of ["update_indexed_region_codes", "refresh_region_codes", "index_ips"]) {
      const result = await runCli([step], { env: wrong });
      assert.deepStrictEqual(result.code, 1, step);
      assert.match(result.stderr, /another password/);
    }
    assert.deepStrictEqual(runs(), before);
  });
});
