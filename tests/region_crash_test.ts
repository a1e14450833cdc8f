/**
 * Kill -9 during update_indexed_region_codes, then a rerun: the same label for every IP as a
 * run that was never killed, and no paid lookup repeated beyond the batch in flight.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import { deriveCacheSecrets } from "../lib/crypto/cache_secrets.ts";
import { extractLogs } from "../lib/extract/extract_logs.ts";
import {
  cliCommand,
  cliEnv,
  labelsByIp,
  mockIpinfo,
  ROOT,
  TEST_PASSWORD,
  withTmpDir,
} from "./_helpers.ts";

Deno.test("SIGKILL during region lookups: same labels as a clean run, no repeated batch but one", async () => {
  await withTmpDir(async (dir) => {
    const lookups = new Map<string, number>();
    const { server, env: services } = mockIpinfo(async (ips) => {
      await new Promise((resolve) => setTimeout(resolve, 60)); // a slow service
      for (const ip of ips) lookups.set(ip, (lookups.get(ip) ?? 0) + 1);
      // A deterministic answer per IP.
      const label = (ip: string) => ({
        country: ["US", "DE", "JP", "BR"][ip.length % 4],
        region: `R${ip.length}`,
      });
      return Response.json(Object.fromEntries(ips.map((ip) => [ip, label(ip)])));
    });
    const env = cliEnv(dir, services);
    const secrets = await deriveCacheSecrets({ password: TEST_PASSWORD });
    const logs = join(ROOT, "fixtures", "sample_logs");
    const clean = join(dir, "clean");
    const killed = join(dir, "killed");
    for (const cache of [clean, killed]) {
      await extractLogs({ logsDirectory: logs, cacheDirectory: cache, secrets, workers: 0 });
    }
    const update = (cache: string) =>
      cliCommand(["update_indexed_region_codes", "--cache", cache, "--batch-size", "10"], {
        env,
        permissions: ["--allow-net=127.0.0.1"],
      });
    try {
      assert.deepStrictEqual((await update(clean).output()).code, 0);
      lookups.clear();
      let interrupted = 0;
      for (let attempt = 0; attempt < 3; attempt++) {
        const child = update(killed).spawn();
        await new Promise((resolve) => setTimeout(resolve, 700 + attempt * 300));
        try {
          child.kill("SIGKILL");
        } catch { /* already done */ }
        if ((await child.output()).code !== 0) interrupted++;
      }
      const last = await update(killed).output();
      assert.deepStrictEqual(last.code, 0, new TextDecoder().decode(last.stderr));
      assert(interrupted > 0, "at least one run was killed while looking up");
      assert.deepStrictEqual(await labelsByIp(killed, secrets), await labelsByIp(clean, secrets));
      const repeated = [...lookups.values()].filter((n) => n > 1).length;
      assert([...lookups.values()].every((n) => n <= 2), "no IP looked up more than twice");
      assert(repeated <= 10 * interrupted, `${repeated} IPs repeated: at most one batch per kill`);
    } finally {
      await server.shutdown();
    }
  });
});
