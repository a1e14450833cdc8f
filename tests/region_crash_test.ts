/**
 * Kill -9 during update_indexed_region_codes, then a rerun: the same label for every IP as a
 * run that was never killed, and no paid lookup repeated beyond the batch in flight.
 */

import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { assert, assertEquals } from "../lib/_assert.ts";
import { deriveCacheSecrets } from "../lib/cache_secrets.ts";
import { extractLogs } from "../lib/extract_logs.ts";
import { readIpTable } from "../lib/ip_index.ts";
import { CLI_PERMISSIONS, cliEnv, ROOT, TEST_PASSWORD, withTmpDir } from "./_helpers.ts";

/** ip → label, read through the cache's own (encrypted) IP table. */
async function labelsByIp(cache: string): Promise<Record<string, string>> {
  const secrets = await deriveCacheSecrets({ password: TEST_PASSWORD });
  const db = new DatabaseSync(join(cache, "cache.sqlite"), { readOnly: true });
  try {
    const ips = await readIpTable(db, secrets);
    const rows = db.prepare("SELECT ip_index, label FROM ip_regions").all() as {
      ip_index: number;
      label: string;
    }[];
    return Object.fromEntries(rows.map((r) => [ips.get(r.ip_index)!, r.label]).sort());
  } finally {
    db.close();
  }
}

Deno.test("SIGKILL during region lookups: same labels as a clean run, no repeated batch but one", async () => {
  await withTmpDir(async (dir) => {
    const lookups = new Map<string, number>();
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      async (request) => {
        const url = new URL(request.url);
        if (url.pathname !== "/batch") return new Response(url.pathname === "/vpn" ? "" : "{}");
        const ips = await request.json() as string[];
        await new Promise((resolve) => setTimeout(resolve, 60)); // a slow service
        for (const ip of ips) lookups.set(ip, (lookups.get(ip) ?? 0) + 1);
        // A deterministic answer per IP.
        const label = (ip: string) => ({
          country: ["US", "DE", "JP", "BR"][ip.length % 4],
          region: `R${ip.length}`,
        });
        return Response.json(Object.fromEntries(ips.map((ip) => [ip, label(ip)])));
      },
    );
    const base = `http://127.0.0.1:${server.addr.port}`;
    const env = cliEnv(dir, {
      GITHUB_META_URL: `${base}/github`,
      AWS_IP_RANGES_URL: `${base}/aws`,
      GCP_IP_RANGES_URL: `${base}/gcp`,
      VPN_RANGES_URL: `${base}/vpn`,
      IPINFO_API_URL: base,
      IPINFO_API_KEY: "token",
    });
    const secrets = await deriveCacheSecrets({ password: TEST_PASSWORD });
    const logs = join(ROOT, "fixtures", "sample_logs");
    const clean = join(dir, "clean");
    const killed = join(dir, "killed");
    for (const cache of [clean, killed]) {
      await extractLogs({ logsDirectory: logs, cacheDirectory: cache, secrets, workers: 0 });
    }
    const update = (cache: string) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          ...CLI_PERMISSIONS,
          "--allow-net=127.0.0.1",
          join(ROOT, "cli.ts"),
          "update_indexed_region_codes",
          "--cache",
          cache,
          "--batch-size",
          "10",
        ],
        env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      });
    try {
      assertEquals((await update(clean).output()).code, 0);
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
      assertEquals(last.code, 0, new TextDecoder().decode(last.stderr));
      assert(interrupted > 0, "at least one run was killed while looking up");
      assertEquals(await labelsByIp(killed), await labelsByIp(clean));
      const repeated = [...lookups.values()].filter((n) => n > 1).length;
      assert([...lookups.values()].every((n) => n <= 2), "no IP looked up more than twice");
      assert(repeated <= 10 * interrupted, `${repeated} IPs repeated: at most one batch per kill`);
    } finally {
      await server.shutdown();
    }
  });
});
