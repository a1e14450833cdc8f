import { assertEquals, assertRejects } from "./_assert.ts";
import { deriveCacheSecrets } from "./cache_secrets.ts";
import { exportExtraction } from "./export_extraction.ts";
import { extractLogs } from "./extract_logs.ts";
import { readTree } from "../tests/_helpers.ts";

const HARD = new URL("../fixtures/hard_cases/logs", import.meta.url).pathname;
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
  assertEquals(text(plain.get("ds3/%%2e2e/%%2e2e/etc/passwd/bytes_sent.txt")), "12\n");
  assertEquals(text(plain.get("ds1/ipv6.json/ips.txt")), "2001:db8::1\n");
  assertEquals(text(plain.get("ds1/zone.json/timestamps.txt")), "240501000000\n");
  assertEquals([...plain.keys()], [...sealed.keys()]);
  for (const [path, bytes] of sealed) {
    if (!path.endsWith("/ips.txt")) {
      assertEquals(bytes, plain.get(path));
      continue;
    }
    assertEquals(text(bytes).includes("\n"), false, "one token, no newline");
    assertEquals(await secrets.fernet.decryptText(text(bytes)), text(plain.get(path)));
  }
  await assertRejects(
    () => exportExtraction({ cacheDirectory, targetDirectory: `${cacheDirectory}/plain`, secrets }),
    /the folder is not empty/,
  );
  await Deno.remove(cacheDirectory, { recursive: true });
});
