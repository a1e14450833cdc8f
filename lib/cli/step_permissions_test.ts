import assert from "node:assert/strict";
import { stepPermissions } from "./step_permissions.ts";

const scope = {
  cacheDirectory: "/srv/cache",
  logsDirectory: "/srv/logs",
  settingsFile: "/home/op/.config/s3-log-extraction/config.json",
};
const flag = (flags: string[], name: string) =>
  flags.find((f) => f.startsWith(`--allow-${name}`))?.split("=")[1]?.split(",");

Deno.test("extraction reads the logs, writes only the cache, has no network", () => {
  const flags = stepPermissions("extract_logs", { ...scope, env: new Map() });
  assert.deepStrictEqual(flag(flags, "read")?.slice(0, 2), ["/srv/cache", scope.settingsFile]);
  assert.deepStrictEqual(flag(flags, "read")?.includes("/srv/logs"), true);
  assert.deepStrictEqual(flag(flags, "write"), ["/srv/cache"]);
  assert.deepStrictEqual(flag(flags, "net"), undefined);
  assert.deepStrictEqual(flag(flags, "env")?.includes("S3_LOG_EXTRACTION_PASSWORD"), true);
  assert.deepStrictEqual(flag(flags, "env")?.includes("IPINFO_API_KEY"), false);
  assert.deepStrictEqual(flags.includes("--no-prompt"), true);
});

Deno.test("region steps reach only their services' hosts, overridden or not", () => {
  const defaults = stepPermissions("update_indexed_region_codes", { ...scope, env: new Map() });
  assert.deepStrictEqual(flag(defaults, "net"), [
    "ipinfo.io",
    "api.github.com",
    "ip-ranges.amazonaws.com",
    "www.gstatic.com",
    "raw.githubusercontent.com",
  ]);
  assert.deepStrictEqual(flag(defaults, "read")?.includes("/srv/logs"), false);
  const env = new Map([
    ["IPINFO_API_URL", "http://127.0.0.1:8123"],
    ["GITHUB_META_URL", "file:///opt/ranges/github.json"],
    ["S3_LOG_EXTRACTION_GEO_DB", "/opt/geo/city.mmdb"],
  ]);
  const mocked = stepPermissions("refresh_region_codes", { ...scope, env });
  assert.deepStrictEqual(flag(mocked, "net")?.[0], "127.0.0.1:8123");
  assert.deepStrictEqual(flag(mocked, "net")?.includes("api.github.com"), false);
  const read = flag(mocked, "read") ?? [];
  assert.deepStrictEqual([
    read.includes("/opt/ranges/github.json"),
    read.includes("/opt/geo/city.mmdb"),
  ], [
    true,
    true,
  ]);
});

Deno.test("summaries need no secret and no network unless the mapping is a URL", () => {
  const flags = stepPermissions("generate_summaries", { ...scope, env: new Map() });
  assert.deepStrictEqual(flag(flags, "net"), undefined);
  assert.deepStrictEqual(flag(flags, "env")?.includes("S3_LOG_EXTRACTION_PASSWORD"), false);
  const dandi = stepPermissions("generate_dandiset_summaries", {
    ...scope,
    env: new Map([["S3_LOG_EXTRACTION_MAPPING_URL", "/data/mapping.json.gz"]]),
  });
  assert.deepStrictEqual(flag(dandi, "net"), undefined);
  assert.deepStrictEqual(flag(dandi, "read")?.includes("/data/mapping.json.gz"), true);
});

Deno.test("a path with a comma cannot be expressed, and says so", () => {
  assert.throws(
    () => stepPermissions("generate_totals", { ...scope, cacheDirectory: "/a,b", env: new Map() }),
    Error,
    "holds a comma",
  );
});
