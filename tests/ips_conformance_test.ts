/**
 * The reference's `generic/expected/ips` fixtures: the label of its only IP when the mock
 * answers as ipinfo did (`192.0.2.0: bogon`), and its serialised table of built-in
 * coordinates, which must equal ours value by value. Skipped without `../shared`.
 */

import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { assertEquals } from "../lib/_assert.ts";
import { deriveCacheSecrets } from "../lib/cache_secrets.ts";
import { extractLogs } from "../lib/extract_logs.ts";
import { readIpTable } from "../lib/ip_index.ts";
import { COORDINATE_OVERRIDES } from "../lib/known_coordinates.ts";
import { updateRegionCodes } from "../lib/update_region_codes.ts";
import { exists, SHARED, withTmpDir } from "./_helpers.ts";

const EXPECTED = join(SHARED, "fixtures", "reference", "generic", "expected", "ips");
const available = exists(EXPECTED);

/** The `key:` / `  field: value` YAML the reference writes, with its `"\xNN"` key escapes. */
function readCoordinateYaml(text: string): Record<string, [number | null, number | null]> {
  const table: Record<string, [number | null, number | null]> = {};
  let key = "";
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (!line.startsWith(" ")) {
      const raw = line.slice(0, -1);
      key = raw.startsWith('"')
        ? raw.slice(1, -1).replace(
          /\\x([0-9A-Fa-f]{2})/g,
          (_, h) => String.fromCharCode(parseInt(h, 16)),
        )
        : raw;
      table[key] = [null, null];
      continue;
    }
    const [field, value] = line.trim().split(": ");
    table[key][field === "latitude" ? 0 : 1] = value === "null" ? null : Number(value);
  }
  return table;
}

Deno.test({
  name: "the reference's built-in coordinates table equals ours, value by value",
  ignore: !available,
  fn: async () => {
    const expected = readCoordinateYaml(
      await Deno.readTextFile(join(EXPECTED, "region_codes_to_coordinates.yaml")),
    );
    const ours = Object.fromEntries(
      Object.entries(COORDINATE_OVERRIDES).map((
        [label, at],
      ) => [label, at === null ? [null, null] : [...at]]),
    );
    assertEquals(ours, expected);
  },
});

Deno.test({
  name: "the reference's IP gets the reference's label when the mock answers as ipinfo did",
  ignore: !available,
  fn: async () => {
    await withTmpDir(async (cache) => {
      const secrets = await deriveCacheSecrets({
        password: "ips conformance password",
        iterations: 1,
      });
      await extractLogs({
        logsDirectory: join(SHARED, "fixtures", "reference", "generic", "logs"),
        cacheDirectory: cache,
        secrets,
        workers: 0,
      });
      // What ipinfo answers for 192.0.2.0 (TEST-NET-1): a bogon.
      const server = Deno.serve(
        { hostname: "127.0.0.1", port: 0, onListen() {} },
        async (request) => {
          const url = new URL(request.url);
          if (url.pathname !== "/batch") return new Response(url.pathname === "/vpn" ? "" : "{}");
          const ips = await request.json() as string[];
          return Response.json(Object.fromEntries(ips.map((ip) => [ip, { ip, bogon: true }])));
        },
      );
      const base = `http://127.0.0.1:${server.addr.port}`;
      const env = new Map([
        ["GITHUB_META_URL", `${base}/github`],
        ["AWS_IP_RANGES_URL", `${base}/aws`],
        ["GCP_IP_RANGES_URL", `${base}/gcp`],
        ["VPN_RANGES_URL", `${base}/vpn`],
        ["IPINFO_API_URL", base],
        ["IPINFO_API_KEY", "token"],
      ]);
      try {
        await updateRegionCodes({
          cacheDirectory: cache,
          secrets,
          env,
          warn: () => {},
          rangeRetryDelayMs: 0,
        });
      } finally {
        await server.shutdown();
      }
      const db = new DatabaseSync(join(cache, "cache.sqlite"), { readOnly: true });
      const ips = await readIpTable(db, secrets);
      const rows = db.prepare("SELECT ip_index, label FROM ip_regions").all();
      db.close();
      const yaml = rows.map((r) => `${ips.get(r.ip_index as number)}: ${r.label}\n`).join("");
      assertEquals(yaml, await Deno.readTextFile(join(EXPECTED, "ip_to_region.yaml")));
    });
  },
});
