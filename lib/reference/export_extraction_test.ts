import assert from "node:assert/strict";
import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
import { StoppedError } from "../errors.ts";
import { exportExtraction } from "./export_extraction.ts";
import { extractLogs } from "../extract/extract_logs.ts";
import { generateSummaries, generateTotals } from "../summaries/generate_summaries.ts";
import { findReferenceObjects } from "./reference_tree.ts";
import { readTree } from "../../tests/_helpers.ts";

const HARD = new URL("../../fixtures/hard_cases/logs", import.meta.url).pathname;
const secrets = await deriveCacheSecrets({ password: "export test password", iterations: 1 });

Deno.test("the exported tree escapes unsafe keys and encrypts ips.txt as one token", async () => {
  const cacheDirectory = await Deno.makeTempDir();
  await extractLogs({ logsDirectory: HARD, cacheDirectory, secrets, workers: 0 });
  await exportExtraction({
    cacheDirectory,
    targetDirectory: `${cacheDirectory}/plain`,
    secrets,
    plaintextIps: true,
  });
  await exportExtraction({ cacheDirectory, targetDirectory: `${cacheDirectory}/sealed`, secrets });
  const plain = await readTree(`${cacheDirectory}/plain`);
  const sealed = await readTree(`${cacheDirectory}/sealed`);
  const text = (bytes: Uint8Array | undefined) => new TextDecoder().decode(bytes);
  assert.deepStrictEqual(text(plain.get("ds3/%%2e2e/%%2e2e/etc/passwd/bytes_sent.txt")), "12\n");
  assert.deepStrictEqual(text(plain.get("ds1/ipv6.json/ips.txt")), "2001:db8::1\n");
  assert.deepStrictEqual(text(plain.get("ds1/zone.json/timestamps.txt")), "240501000000\n");
  assert.deepStrictEqual([...plain.keys()], [...sealed.keys()]);
  for (const [path, bytes] of sealed) {
    if (!path.endsWith("/ips.txt")) {
      assert.deepStrictEqual(bytes, plain.get(path));
      continue;
    }
    assert.deepStrictEqual(text(bytes).includes("\n"), false, "one token, no newline");
    assert.deepStrictEqual(await secrets.fernet.decryptText(text(bytes)), text(plain.get(path)));
  }
  await assert.rejects(
    () => exportExtraction({ cacheDirectory, targetDirectory: `${cacheDirectory}/plain`, secrets }),
    /the folder is not empty/,
  );
  await Deno.remove(cacheDirectory, { recursive: true });
});

Deno.test("keys too long for a file system are shortened with a manifest: summaries and exports never fail, imports read them back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const long = "d".repeat(300); // a first segment over 255 bytes
    const deep = Array.from({ length: 400 }, (_, i) => `level-${i}`).join("/"); // > 4,096 bytes
    const keys = [`${long}/a.nwb`, `ds1/${"s".repeat(280)}.nwb`, `ds2/${deep}`];
    const logs = `${dir}/logs`;
    await Deno.mkdir(logs);
    await Deno.writeTextFile(
      `${logs}/2024-01-01-00-00-00-0123456789ABCDEF`,
      keys.map((key) =>
        `o b [01/Jan/2024:00:00:00 +0000] 192.0.2.1 - R REST.GET.OBJECT ${key} "GET /${key} HTTP/1.1" 200 - 7 7 1 1 "-" "-" -\n`
      ).join(""),
    );
    const cacheDirectory = `${dir}/cache`;
    assert.deepStrictEqual(
      (await extractLogs({ logsDirectory: logs, cacheDirectory, secrets })).lines.kept,
      3,
    );
    await generateSummaries({ cacheDirectory });
    await generateTotals({ cacheDirectory });
    const totals = JSON.parse(await Deno.readTextFile(`${cacheDirectory}/summaries/totals.json`));
    assert.deepStrictEqual(Object.keys(totals).sort(), [long, "ds1", "ds2"].sort());

    const target = `${dir}/export`;
    assert.deepStrictEqual(
      (await exportExtraction({ cacheDirectory, targetDirectory: target, secrets })).objects,
      3,
    );
    const manifest = JSON.parse(await Deno.readTextFile(`${target}/long_names.json`));
    assert.deepStrictEqual(
      Object.values(manifest).sort(),
      [long, "s".repeat(280) + ".nwb", `ds2/${deep}`].sort(),
    );
    const imported = [];
    for await (const object of findReferenceObjects(target)) imported.push(object.key);
    assert.deepStrictEqual(imported.sort(), keys.sort());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an export removes what exports killed before their rename left beside the target", async () => {
  const cacheDirectory = await Deno.makeTempDir();
  try {
    await extractLogs({ logsDirectory: HARD, cacheDirectory, secrets, workers: 0 });
    await Deno.mkdir(`${cacheDirectory}/export.partial-0000dead/ds1`, { recursive: true });
    await exportExtraction({
      cacheDirectory,
      targetDirectory: `${cacheDirectory}/export`,
      secrets,
    });
    const names = (await Array.fromAsync(Deno.readDir(cacheDirectory))).map((e) => e.name);
    assert.deepStrictEqual(names.filter((n) => n.startsWith("export")), ["export"]);
  } finally {
    await Deno.remove(cacheDirectory, { recursive: true });
  }
});

Deno.test("an export is readable by its owner only (a plaintext one holds IPs)", async () => {
  const cacheDirectory = await Deno.makeTempDir();
  try {
    await extractLogs({ logsDirectory: HARD, cacheDirectory, secrets, workers: 0 });
    const target = `${cacheDirectory}/plain`;
    await exportExtraction({
      cacheDirectory,
      targetDirectory: target,
      secrets,
      plaintextIps: true,
    });
    assert.deepStrictEqual((await Deno.stat(target)).mode! & 0o777, 0o700);
    assert.deepStrictEqual(
      (await Deno.stat(`${target}/ds1/ipv6.json/ips.txt`)).mode! & 0o777,
      0o600,
    );
  } finally {
    await Deno.remove(cacheDirectory, { recursive: true });
  }
});

Deno.test("an export asked to stop leaves nothing behind, and the next one writes the whole tree", async () => {
  const cacheDirectory = await Deno.makeTempDir();
  await extractLogs({ logsDirectory: HARD, cacheDirectory, secrets, workers: 0 });
  const targetDirectory = `${cacheDirectory}/tree`;
  await assert.rejects(
    () =>
      exportExtraction({ cacheDirectory, targetDirectory, secrets, signal: AbortSignal.abort() }),
    StoppedError,
  );
  assert.deepStrictEqual(
    (await Array.fromAsync(Deno.readDir(cacheDirectory))).filter((e) => e.name.startsWith("tree")),
    [],
  );
  const summary = await exportExtraction({ cacheDirectory, targetDirectory, secrets });
  assert.deepStrictEqual(summary.objects > 0, true);
  await Deno.remove(cacheDirectory, { recursive: true });
});
