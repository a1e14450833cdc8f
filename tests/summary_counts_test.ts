/**
 * The counts kept in the cache for the summary steps: a night that adds log files gives the
 * same files, byte for byte, as a cache that extracted everything at once, and as `--rebuild`;
 * a run killed with SIGKILL while it counts leaves the saved counts as they were.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { openCacheDatabase } from "../lib/store/cache_database.ts";
import { BlockWriter } from "../lib/store/request_blocks.ts";
import { SCAN_ROWS } from "../lib/store/request_folds.ts";
import { collectArchiveData, collectDatasetData } from "../lib/summaries/summary_data.ts";
import { genericPlace } from "../lib/summaries/generate_summaries.ts";
import { cliEnv, copyTree, readTree, ROOT, runCli, withTmpDir } from "./_helpers.ts";

const STEPS = [
  "generate_summaries",
  "generate_totals",
  "generate_archive_summaries",
  "generate_archive_totals",
];

async function summarise(cache: string, env: Record<string, string>, extra: string[] = []) {
  const lines: string[] = [];
  for (const step of STEPS) {
    const run = await runCli([step, "--cache", cache, ...extra], { env });
    assert.deepStrictEqual(run.code, 0, run.stderr);
    lines.push(run.stdout);
  }
  return lines.join("");
}

/** Extracts `logs` into `cache`; returns what the run said on stderr. */
async function extract(logs: string, cache: string, env: Record<string, string>) {
  const run = await runCli(["extract_logs", logs, "--cache", cache], { env });
  assert.deepStrictEqual(run.code, 0, run.stderr);
  return run.stderr;
}

/**
 * Extracts and summarises the sample's log files that `first` keeps (by path), then, as a
 * mirror adds the others beside them, every file (the second night); returns the second
 * night's output and the summaries, and those of one extraction of every file.
 */
async function twoNights(dir: string, first: (path: string) => boolean) {
  const env = cliEnv(dir);
  const logs = join(dir, "logs");
  const all = await readTree(join(ROOT, "fixtures", "sample_logs"));
  const write = async (night: boolean) => {
    for (const [path, bytes] of all) {
      if (first(path) !== night) continue;
      await Deno.mkdir(join(logs, path, ".."), { recursive: true });
      await Deno.writeFile(join(logs, path), bytes);
    }
  };
  const unchanged = async (cache: string) => {
    const said = await extract(logs, cache, env);
    assert.doesNotMatch(said, /changed since extraction/, "the files read stay as they were");
  };
  const nightly = join(dir, "nightly");
  await write(true);
  await unchanged(nightly);
  await summarise(nightly, env);
  await write(false);
  await unchanged(nightly);
  const second = await summarise(nightly, env);
  const once = join(dir, "once");
  await unchanged(once);
  await summarise(once, env);
  const summaries = (cache: string) => readTree(join(cache, "summaries"));
  const expected = await summaries(once);
  assert(expected.size > 10, "the sample has several datasets");
  return { env, nightly, second, got: await summaries(nightly), expected, summaries };
}

Deno.test("summaries after a second night of logs equal those of one extraction of all, and --rebuild's", async () => {
  await withTmpDir(async (dir) => {
    // The first night: the logs up to March 15th (their sessions of the first week of March
    // and before are settled); the second, those after.
    const { env, nightly, second, got, expected, summaries } = await twoNights(
      dir,
      (path) => path < "2024/03/16",
    );
    assert.doesNotMatch(second, /Counted all/, "the second night only adds its requests");
    assert.deepStrictEqual(got, expected);
    const rebuilt = await summarise(nightly, env, ["--rebuild"]);
    assert.match(
      rebuilt,
      /Counted all [\d,]+ stored requests again for archive_counts: asked for \(--rebuild\)\./,
    );
    assert.deepStrictEqual(await summaries(nightly), expected);
  });
});

/**
 * Runs the four steps one by one on a copy of `cache`, and the dataset step with `--all` on
 * another; checks that their files are the same, byte for byte, and that `--all` said and
 * recorded each step it wrote.
 */
async function allAsFour(
  dir: string,
  cache: string,
  { env, steps, extra }: { env: Record<string, string>; steps: string[][]; extra: string[] },
) {
  const one = join(dir, "one_by_one");
  const all = join(dir, "all");
  await copyTree(cache, one);
  await copyTree(cache, all);
  for (const step of steps) {
    const run = await runCli([...step, "--cache", one], { env });
    assert.deepStrictEqual(run.code, 0, run.stderr);
  }
  const run = await runCli([steps[0][0], "--all", ...extra, "--cache", all], { env });
  assert.deepStrictEqual(run.code, 0, run.stderr);
  const expected = await readTree(join(one, "summaries"));
  assert(expected.size > 10, "the sample has several datasets");
  assert.deepStrictEqual(await readTree(join(all, "summaries")), expected);
  const summaries = join(all, "summaries");
  assert.match(
    run.stdout,
    new RegExp(
      `^Wrote the summaries of \\d+ datasets? to ${summaries}\\.\n` +
        `Wrote the totals of \\d+ datasets? to ${summaries}/totals\\.json\\.\n` +
        `Wrote the archive's summaries to ${summaries}/archive\\.\n` +
        `Wrote the archive's totals to ${summaries}/archive_totals\\.json\\.\n$`,
    ),
  );
  // Each step is a run of its own, as when it runs alone: status and publish read them.
  const db = new DatabaseSync(join(all, "cache.sqlite"), { readOnly: true });
  const runs = db.prepare(
    "SELECT command, outcome FROM runs WHERE command LIKE 'generate%' ORDER BY id",
  ).all().map((row) => `${row.command} ${row.outcome}`);
  db.close();
  assert.deepStrictEqual(runs, steps.map((step) => `${step[0]} ok`));
}

Deno.test("generate_summaries --all writes what the four steps write, byte for byte, and records each", async () => {
  await withTmpDir(async (dir) => {
    const env = cliEnv(dir);
    const cache = join(dir, "cache");
    await extract(join(ROOT, "fixtures", "sample_logs"), cache, env);
    await allAsFour(dir, cache, { env, steps: STEPS.map((step) => [step]), extra: [] });
  });
});

Deno.test("generate_dandiset_summaries --all writes what the four dandi steps write, weekly files included", async () => {
  await withTmpDir(async (dir) => {
    const env = cliEnv(dir);
    const cache = join(dir, "cache");
    const logs = join(ROOT, "fixtures", "sample_logs");
    const extracted = await runCli(["extract_logs", logs, "--mode", "dandi", "--cache", cache], {
      env,
    });
    assert.deepStrictEqual(extracted.code, 0, extracted.stderr);
    // The sample's blobs, spread over three dandisets (one left out: "undetermined").
    const db = new DatabaseSync(join(cache, "cache.sqlite"), { readOnly: true });
    const blobs = db.prepare("SELECT key FROM objects WHERE key LIKE 'blobs/%' ORDER BY id").all()
      .map((row) => String(row.key).split("/").at(-1)!);
    db.close();
    const file = join(dir, "mapping.json");
    await Deno.writeTextFile(
      file,
      JSON.stringify(Object.fromEntries(
        blobs.slice(1).map((id, i) => [id, { [`00000${i % 3}`]: `sub-${i % 7}/file-${i}.nwb` }]),
      )),
    );
    const mapping = ["--mapping", file];
    await allAsFour(dir, cache, {
      env,
      steps: [
        ["generate_dandiset_summaries", ...mapping],
        ["generate_dandiset_totals", ...mapping],
        ["generate_archive_summaries", ...mapping],
        ["generate_archive_totals"],
      ],
      extra: mapping,
    });
    const week = await Deno.readTextFile(
      join(dir, "all", "summaries", "archive", "by_asset_type_per_week.tsv"),
    );
    assert(week.split("\n").length > 2, "the archive's weekly asset types have rows");
    const folders = await Array.fromAsync(Deno.readDir(join(dir, "all", "summaries")));
    assert.deepStrictEqual(
      folders.filter((entry) => entry.isDirectory).map((entry) => entry.name).sort(),
      ["000000", "000001", "000002", "archive", "undetermined"],
    );
  });
});

Deno.test("logs that come in more than a week late count the sessions again, and the files are the same", async () => {
  await withTmpDir(async (dir) => {
    // The first night: the logs from April on (their sessions that ended before the last
    // week of June are settled). The second brings those of January to March, months late.
    const { second, got, expected } = await twoNights(dir, (path) => path >= "2024/04");
    assert.match(
      second,
      /Counted all [\d,]+ stored requests again for object_sessions: requests from 2024-01-01T\S+ came in, after the sessions that ended before 2024-06-2\dT\S+ were settled\./,
    );
    assert.doesNotMatch(second, /again for archive_counts/, "only the sessions are counted again");
    assert.deepStrictEqual(got, expected);
  });
});

Deno.test("a log file read again drops the kept counts: the next steps say so, and count as one extraction", async () => {
  await withTmpDir(async (dir) => {
    const env = cliEnv(dir);
    const logs = join(dir, "logs");
    const all = await readTree(join(ROOT, "fixtures", "sample_logs"));
    for (const [path, bytes] of all) {
      await Deno.mkdir(join(logs, path, ".."), { recursive: true });
      await Deno.writeFile(join(logs, path), bytes);
    }
    const nightly = join(dir, "nightly");
    await extract(logs, nightly, env);
    await summarise(nightly, env);
    // A mirror rewrites a file: its first line is there twice now.
    const [path, bytes] = [...all].find(([name]) => name.startsWith("2024/03/"))!;
    const first = bytes.subarray(0, bytes.indexOf(0x0a) + 1);
    await Deno.writeFile(join(logs, path), new Uint8Array([...first, ...bytes]));
    assert.match(await extract(logs, nightly, env), /1 log files? changed since extraction/);
    const second = await summarise(nightly, env);
    for (const fold of ["dataset_counts:generic", "archive_counts", "object_sessions"]) {
      assert.match(
        second,
        new RegExp(
          `Counted all [\\d,]+ stored requests again for ${fold}: log files read again ` +
            "replaced requests it had counted\\.",
        ),
      );
    }
    const once = join(dir, "once");
    await extract(logs, once, env);
    await summarise(once, env);
    assert.deepStrictEqual(
      await readTree(join(nightly, "summaries")),
      await readTree(join(once, "summaries")),
    );
  });
});

/** Writes `n` requests of file `fileId` (objects 1 to 3, a few clients, one day). */
function writeRequests(cache: string, fileId: number, n: number): void {
  const db = openCacheDatabase(cache);
  const blocks = new BlockWriter(db);
  db.exec("BEGIN");
  for (let line = 1; line <= n; line++) {
    blocks.push(
      fileId,
      line,
      1 + (line % 3),
      1_700_000_000 + (line % 80_000),
      line % 1000,
      1 + (line % 17),
      line % 2,
    );
  }
  blocks.flush();
  db.exec("COMMIT");
  db.close();
}

Deno.test("SIGKILL while the counts are brought up to date: the next run counts as a clean rebuild", async () => {
  await withTmpDir(async (dir) => {
    const cache = join(dir, "cache");
    await Deno.mkdir(cache);
    const db = openCacheDatabase(cache);
    db.exec("INSERT INTO objects VALUES (1, 'ds1/a.nwb'), (2, 'ds1/b.nwb'), (3, 'ds2/c.nwb')");
    db.close();
    writeRequests(cache, 1, 1000);
    const first = openCacheDatabase(cache);
    await collectDatasetData(first, genericPlace, { placement: "generic" });
    first.close();
    // More new requests than one part of the scan: the runner's stop check is asked mid-way.
    writeRequests(cache, 2, SCAN_ROWS + 1000);
    const runner = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", join(ROOT, "tests", "_count_until_killed.ts"), cache],
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const reader = runner.stdout.getReader();
    let said = "";
    while (!said.includes("counting")) {
      const { value, done } = await reader.read();
      assert(!done, "the runner ended before it was killed");
      said += new TextDecoder().decode(value);
    }
    runner.kill("SIGKILL");
    reader.releaseLock();
    await runner.stdout.cancel();
    assert.deepStrictEqual((await runner.status).signal, "SIGKILL");
    const after = openCacheDatabase(cache);
    try {
      const next = await collectDatasetData(after, genericPlace, { placement: "generic" });
      // Nothing of the killed run was saved: the next run adds the second file, once.
      assert.deepStrictEqual(next.folds.map((f) => [f.name, f.added, f.recounted]), [
        ["dataset_counts:generic", SCAN_ROWS + 1000, undefined],
        ["archive_counts", SCAN_ROWS + 1000, undefined],
      ]);
      const rebuilt = await collectDatasetData(after, genericPlace, {
        placement: "generic",
        rebuild: true,
      });
      const entries = (data: typeof next.data) =>
        [...data].map((
          [name, s],
        ) => [name, [...s.byDay], [...s.byRegion], s.byAsset, s.requesters]);
      assert.deepStrictEqual(entries(next.data), entries(rebuilt.data));
      const days = [...(await collectArchiveData(after)).data.byDay.values()];
      assert.deepStrictEqual(days.reduce((n, c) => n + c.requests, 0), SCAN_ROWS + 2000);
    } finally {
      after.close();
    }
    // The database is whole.
    const check = new DatabaseSync(join(cache, "cache.sqlite"), { readOnly: true });
    assert.deepStrictEqual({ ...check.prepare("PRAGMA integrity_check").get() }, {
      integrity_check: "ok",
    });
    check.close();
  });
});
