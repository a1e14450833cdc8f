/**
 * Ground truth: for logs from the generator (several seeds, adversarial lines, a nested tree of
 * small files partly gzipped, and the bundled sample), per-object request counts, bytes,
 * downloads and distinct client IPs equal the generator's truth JSON, with 1 and 2 workers.
 */

import { DatabaseSync } from "node:sqlite";
import { readRequestBlocks } from "../lib/store/request_blocks.ts";
import { join } from "node:path";
import assert from "node:assert/strict";
import { deriveCacheSecrets } from "../lib/crypto/cache_secrets.ts";
import { extractLogs } from "../lib/extract/extract_logs.ts";
import { generateLogs, GENERATOR, ROOT, type TruthObject, withTmpDir } from "./_helpers.ts";

const secrets = await deriveCacheSecrets({ password: "ground truth password", iterations: 1 });
const SMALL_PIECES = { pieceBytes: 256 * 1024, taskBytes: 128 * 1024, taskFiles: 16 };

async function storedObjects(
  logsDirectory: string,
  workers: number,
): Promise<Record<string, TruthObject>> {
  return await withTmpDir(async (cacheDirectory) => {
    const summary = await extractLogs({
      logsDirectory,
      cacheDirectory,
      secrets,
      workers,
      planLimits: SMALL_PIECES,
    });
    assert.deepStrictEqual([summary.files.failed, summary.lines.malformed], [0, 0]);
    const db = new DatabaseSync(join(cacheDirectory, "cache.sqlite"), { readOnly: true });
    // An independent reader of the blocks: counts per object key.
    const keys = new Map(db.prepare("SELECT id, key FROM objects").all().map((r) => [r.id, r.key]));
    const counts = new Map<number, TruthObject & { ips: Set<number> }>();
    for (const block of readRequestBlocks(db)) {
      for (let i = 0; i < block.rows; i++) {
        let c = counts.get(block.objectIds[i]);
        if (c === undefined) {
          c = { requests: 0, bytes_sent: 0, downloads_200: 0, unique_ips: 0, ips: new Set() };
          counts.set(block.objectIds[i], c);
        }
        c.requests++;
        c.bytes_sent += block.bytesSent[i];
        c.downloads_200 += block.downloads[i];
        c.ips.add(block.ipIndexes[i]);
      }
    }
    const rows = [...counts].map(([id, { ips, ...c }]) => ({
      key: keys.get(id) as string,
      ...c,
      unique_ips: ips.size,
    }));
    db.close();
    return Object.fromEntries(rows.map(({ key, ...counts }) => [key, { ...counts }]));
  });
}

async function truthObjects(path: string): Promise<Record<string, TruthObject>> {
  const truth = JSON.parse(await Deno.readTextFile(path));
  return Object.fromEntries(
    Object.entries(truth.objects as Record<string, TruthObject>).map((
      [key, { requests, bytes_sent, downloads_200, unique_ips }],
    ) => [key, { requests, bytes_sent, downloads_200, unique_ips }]),
  );
}

async function gzipEveryThird(root: string): Promise<void> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isDirectory) await walk(join(dir, entry.name));
      else files.push(join(dir, entry.name));
    }
  };
  await walk(root);
  files.sort();
  for (let i = 0; i < files.length; i += 3) {
    const data = await Deno.readFile(files[i]);
    const gz = await new Response(
      new Blob([data]).stream().pipeThrough(new CompressionStream("gzip")),
    )
      .arrayBuffer();
    await Deno.writeFile(files[i], new Uint8Array(gz));
  }
}

Deno.test("the bundled sample equals its truth, with 1 and 2 workers", async () => {
  const expected = await truthObjects(join(ROOT, "fixtures", "sample_logs.truth.json"));
  for (const workers of [1, 2]) {
    assert.deepStrictEqual(
      await storedObjects(join(ROOT, "fixtures", "sample_logs"), workers),
      expected,
    );
  }
});

const cases: { name: string; args: string[] }[] = [
  { name: "seed 1, one 2 MB file", args: ["--seed", "1", "--size", "2M"] },
  {
    name: "seed 2, one 2 MB file, more hard cases",
    args: ["--seed", "2", "--size", "2M", "--hard-rate", "0.2"],
  },
  {
    name: "seed 3, adversarial HTTP/1.1 in request URIs",
    args: ["--seed", "3", "--size", "3M", "--adversarial", "--hard-rate", "0.1"],
  },
  {
    name: "seed 4, nested tree of 300 small files, every third gzipped",
    args: ["--seed", "4", "--files", "300", "--file-size", "6K", "--nested"],
  },
];

for (const { name, args } of cases) {
  Deno.test({
    name: `generated logs equal the generator's truth: ${name}`,
    ignore: GENERATOR === undefined,
    fn: async () => {
      await withTmpDir(async (dir) => {
        const logs = join(dir, "logs");
        const truth = join(dir, "truth.json");
        const tree = args.includes("--nested");
        await Deno.mkdir(logs);
        await generateLogs([
          ...args,
          ...(tree
            ? ["--out-dir", logs]
            : ["--out", join(logs, "2024-01-01-00-00-00-GENERATED0000001")]),
          "--truth",
          truth,
        ]);
        if (tree) await gzipEveryThird(logs);
        const expected = await truthObjects(truth);
        for (const workers of [1, 2]) {
          assert.deepStrictEqual(await storedObjects(logs, workers), expected);
        }
      });
    },
  });
}
