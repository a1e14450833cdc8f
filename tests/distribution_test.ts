/**
 * The ways users run the tool, end to end: the one-file bundle of `deno task bundle` (which
 * proves the module graph a compiled binary gets, its workers included) runs the daily
 * pipeline on the sample and publishes the same summaries as the sources; and `mod.ts`
 * imported from an http URL extracts and summarises in a subprocess.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import {
  CLI_PERMISSIONS,
  cliEnv,
  copyTree,
  readTree,
  ROOT,
  runCli,
  runDeno,
  withTmpDir,
} from "./_helpers.ts";

Deno.test("the bundle of deno task bundle runs daily on the sample like the sources", async () => {
  await withTmpDir(async (dir) => {
    const env = cliEnv(dir, { S3_LOG_EXTRACTION_PASSWORD: "" });
    // The layout of a checkout: dist/ beside fixtures/ (the sample and its made-up geolocation).
    const tree = join(dir, "tree");
    for (const folder of ["sample_logs", "sample_geo"]) {
      await copyTree(join(ROOT, "fixtures", folder), join(tree, "fixtures", folder));
    }
    for (
      const [output, entry] of [
        ["s3_log_extraction.js", "cli.ts"],
        ["parse_worker.js", "lib/extract/parse_worker.ts"],
        ["file_writer_worker.js", "lib/summaries/file_writer_worker.ts"],
        ["wal_checkpoint_worker.js", "lib/store/wal_checkpoint_worker.ts"],
      ]
    ) {
      const bundled = await runDeno(
        [
          "bundle",
          "--quiet",
          "--platform",
          "deno",
          "-o",
          join(tree, "dist", output),
          join(ROOT, entry),
        ],
        {},
      );
      assert.deepStrictEqual(bundled.code, 0, bundled.stderr);
    }
    const work = join(dir, "bundle-run");
    await Deno.mkdir(work);
    const fromBundle = await runDeno(
      [
        "run",
        ...CLI_PERMISSIONS,
        join(tree, "dist", "s3_log_extraction.js"),
        "daily",
        "--workers",
        "2",
      ],
      { cwd: work, env },
    );
    assert.deepStrictEqual(fromBundle.code, 0, fromBundle.stderr);
    assert(fromBundle.stdout.includes("Daily run finished on the bundled sample logs"));
    const sources = join(dir, "source-run");
    await Deno.mkdir(sources);
    const fromSources = await runCli(["daily", "--workers", "1"], { env, cwd: sources });
    assert.deepStrictEqual(fromSources.code, 0, fromSources.stderr);
    const published = (root: string) => readTree(join(root, ".sample-cache", "summaries"));
    const expected = await published(sources);
    assert.deepStrictEqual(expected.size > 200, true, `${expected.size} summary files`);
    assert.deepStrictEqual(await published(work), expected);
  });
});

Deno.test("mod.ts imported from an http URL extracts (in workers) and summarises", async () => {
  await withTmpDir(async (dir) => {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      async (request) => {
        const path = decodeURIComponent(new URL(request.url).pathname);
        if (path.includes("..")) return new Response("no", { status: 403 });
        try {
          const body = await Deno.readFile(join(ROOT, path));
          const type = path.endsWith(".json") ? "application/json" : "application/typescript";
          return new Response(body, { headers: { "content-type": type } });
        } catch {
          return new Response("not found", { status: 404 });
        }
      },
    );
    const base = `http://127.0.0.1:${server.addr.port}`;
    const script = join(dir, "use_mod.ts");
    await Deno.writeTextFile(
      script,
      `import { deriveCacheSecrets, extractLogs, generateSummaries } from "${base}/mod.ts";
const secrets = await deriveCacheSecrets({ password: "url import test", iterations: 1 });
const cacheDirectory = ${JSON.stringify(join(dir, "cache"))};
const run = await extractLogs({
  logsDirectory: ${JSON.stringify(join(ROOT, "fixtures", "sample_logs"))},
  cacheDirectory, secrets, workers: 2,
});
const summaries = await generateSummaries({ cacheDirectory });
console.log(JSON.stringify({ kept: run.lines.kept, datasets: summaries.datasets }));
`,
    );
    try {
      const result = await runDeno(
        [
          "run",
          `--allow-import=127.0.0.1:${server.addr.port}`,
          "--allow-read",
          "--allow-write",
          "--allow-env",
          "--allow-sys=hostname",
          "--reload",
          script,
        ],
        { cwd: dir },
      );
      assert.deepStrictEqual(result.code, 0, result.stderr);
      assert.deepStrictEqual(JSON.parse(result.stdout), { kept: 1170, datasets: 64 });
    } finally {
      await server.shutdown();
    }
  });
});
