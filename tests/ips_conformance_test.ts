/**
 * The reference's `generic/expected/ips` fixtures: the label of its only IP when the mock
 * answers as ipinfo did (`192.0.2.0: bogon`), and its serialised table of built-in
 * coordinates, which must equal ours value by value. Skipped without `../shared`.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import { deriveCacheSecrets } from "../lib/crypto/cache_secrets.ts";
import { extractLogs } from "../lib/extract/extract_logs.ts";
import { COORDINATE_OVERRIDES } from "../lib/regions/known_coordinates.ts";
import { updateIndexedRegionCodes } from "../lib/regions/update_indexed_region_codes.ts";
import { exists, labelsByIp, mockIpinfo, REFERENCE, SHARED, withTmpDir } from "./_helpers.ts";

const EXPECTED = join(REFERENCE, "generic", "expected", "ips");
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
    assert.deepStrictEqual(ours, expected);
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
      const { server, env } = mockIpinfo((ips) =>
        Response.json(Object.fromEntries(ips.map((ip) => [ip, { ip, bogon: true }])))
      );
      try {
        await updateIndexedRegionCodes({
          cacheDirectory: cache,
          secrets,
          env: new Map(Object.entries(env)),
          warn: () => {},
          rangeRetryDelayMs: 0,
        });
      } finally {
        await server.shutdown();
      }
      const labels = await labelsByIp(cache, secrets);
      const yaml = Object.entries(labels).map(([ip, label]) => `${ip}: ${label}\n`).join("");
      assert.deepStrictEqual(yaml, await Deno.readTextFile(join(EXPECTED, "ip_to_region.yaml")));
    });
  },
});
