import assert from "node:assert/strict";
import { IpRangeTable } from "./ip_range_table.ts";
import { loadServiceRanges } from "./service_ranges.ts";
import { mockServiceEnv } from "../../tests/_helpers.ts";

/** A local stand-in for the four range services; `status` and `bodies` can change per test. */
function mockServer() {
  const state = {
    status: 200,
    hits: 0,
    bodies: {
      "/github": JSON.stringify({
        hooks: ["192.30.252.0/22"],
        actions: ["2a0a:a440::/29"],
        ssh_keys: ["ssh-ed25519 AAAA"],
        verifiable_password_authentication: false,
      }),
      "/aws": JSON.stringify({
        prefixes: [
          { ip_prefix: "192.30.0.0/16", region: "us-east-1" }, // overlaps GitHub: GitHub wins
          { ip_prefix: "3.5.140.0/22", region: "ap-northeast-2" },
        ],
        ipv6_prefixes: [{ ipv6_prefix: "2600:1f00::/24", region: "us-west-2" }],
      }),
      "/gcp": JSON.stringify({
        prefixes: [{ ipv4Prefix: "34.1.208.0/20", scope: "africa-south1" }],
      }),
      "/vpn": "# datacenters\n3.0.0.0/8\n", // overlaps AWS: AWS wins
    } as Record<string, string>,
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    state.hits++;
    const body = state.bodies[new URL(request.url).pathname];
    if (state.status !== 200) return new Response("unavailable", { status: state.status });
    return body === undefined ? new Response("no", { status: 404 }) : new Response(body);
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const env = new Map(Object.entries(mockServiceEnv(base)));
  return { state, env, server };
}

Deno.test("ranges are fetched once a day, kept, and used in the reference's priority", async () => {
  const { state, env, server } = mockServer();
  const cacheDirectory = await Deno.makeTempDir();
  try {
    const warnings: string[] = [];
    const options = { cacheDirectory, env, warn: (w: string) => warnings.push(w), retryDelayMs: 0 };
    const table = new IpRangeTable(await loadServiceRanges(options));
    assert.deepStrictEqual(
      [
        "192.30.253.1",
        "192.30.1.1",
        "3.5.141.1",
        "3.9.9.9",
        "34.1.209.1",
        "2a0a:a440::1",
        "2600:1f00::1",
        "8.8.8.8",
      ]
        .map((ip) => table.lookup(ip) ?? null),
      [
        "GitHub",
        "AWS/us-east-1",
        "AWS/ap-northeast-2",
        "VPN",
        "GCP/africa-south1",
        "GitHub",
        "AWS/us-west-2",
        null,
      ],
    );
    assert.deepStrictEqual([state.hits, warnings], [4, []]);

    await loadServiceRanges(options); // the same day: the kept copies, no request
    assert.deepStrictEqual(state.hits, 4);

    // A day later the services fail: with copies less than a week old, one quick try each, then
    // the kept copies, with a warning.
    state.status = 500;
    const later = new Date(Date.now() + 25 * 3600 * 1000);
    const ranges = await loadServiceRanges({ ...options, now: later });
    assert.deepStrictEqual(new IpRangeTable(ranges).lookup("3.5.141.1"), "AWS/ap-northeast-2");
    assert.deepStrictEqual(state.hits, 4 + 4);
    assert.deepStrictEqual(warnings.length, 4);
    // The next step of the same run asks nothing and warns no more.
    await loadServiceRanges({ ...options, now: new Date(later.getTime() + 60_000) });
    assert.deepStrictEqual([state.hits, warnings.length], [8, 4]);
    // With copies more than a week old: three tries each (with backoff) before the copy.
    const stale = new Date(Date.now() + 9 * 86400 * 1000);
    await loadServiceRanges({ ...options, now: stale });
    assert.deepStrictEqual([state.hits, warnings.length], [8 + 4 * 3, 8]);
    assert.match(
      warnings[1],
      /cannot fetch the aws ranges from .*\/aws \(HTTP 500\); using the copy of \d{4}-\d\d-\d\d\./,
    );

    // Malformed JSON is never kept: the good copy stays.
    state.status = 200;
    state.bodies["/aws"] = "{ not json";
    const evenLater = new Date(stale.getTime() + 2 * 3600 * 1000);
    await loadServiceRanges({ ...options, now: evenLater });
    assert.deepStrictEqual(
      new IpRangeTable(await loadServiceRanges({ ...options, now: evenLater })).lookup("3.5.141.1"),
      "AWS/ap-northeast-2",
    );
    assert(warnings.some((w) => /aws ranges .*JSON/.test(w)), warnings.join("\n"));
  } finally {
    await server.shutdown();
    await Deno.remove(cacheDirectory, { recursive: true });
  }
});

Deno.test("a range source that labels a large part of the internet, or regions that are no region, is refused: the last good copy serves", async () => {
  const { state, env, server } = mockServer();
  const cacheDirectory = await Deno.makeTempDir();
  try {
    const warnings: string[] = [];
    const options = { cacheDirectory, env, warn: (w: string) => warnings.push(w), retryDelayMs: 0 };
    await loadServiceRanges(options); // good copies kept
    const later = new Date(Date.now() + 25 * 3600 * 1000);
    state.bodies["/vpn"] = "0.0.0.0/0\n";
    state.bodies["/aws"] = JSON.stringify({
      prefixes: [{ ip_prefix: "3.5.140.0/22", region: "<script>alert(1)</script>" }],
    });
    const table = new IpRangeTable(await loadServiceRanges({ ...options, now: later }));
    assert.deepStrictEqual(table.lookup("8.8.8.8"), undefined, "0.0.0.0/0 labels nothing");
    assert.deepStrictEqual(table.lookup("3.5.141.1"), "AWS/ap-northeast-2", "the good copy");
    assert.match(warnings.join("\n"), /vpn ranges hold an implausible range \(0\.0\.0\.0\/0\)/);
    assert.match(warnings.join("\n"), /aws ranges hold an implausible region/);
  } finally {
    await server.shutdown();
    await Deno.remove(cacheDirectory, { recursive: true });
  }
});
