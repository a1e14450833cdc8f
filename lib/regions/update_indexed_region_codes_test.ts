import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
import { extractLogs } from "../extract/extract_logs.ts";
import { refreshRegionCodes, updateIndexedRegionCodes } from "./update_indexed_region_codes.ts";
import { mockIpinfo, mockServiceEnv } from "../../tests/_helpers.ts";
import { buildMaxMindDb } from "../../tests/_mmdb_writer.ts";

const secrets = await deriveCacheSecrets({ password: "region test password", iterations: 1 });
const IPS = [
  "192.30.253.1",
  "3.5.141.1",
  "8.8.8.8",
  "192.0.2.0",
  "203.0.113.9",
  "2001:db8::7",
  "-",
];
/** What the mock ipinfo knows. */
const DETAILS: Record<string, unknown> = {
  "8.8.8.8": { ip: "8.8.8.8", country: "US", region: "California" },
  "192.0.2.0": { ip: "192.0.2.0", bogon: true },
  "203.0.113.9": { ip: "203.0.113.9" },
  "2001:db8::7": { ip: "2001:db8::7", country: "CL" },
};

/** Mock range services and ipinfo; `script` lists the statuses of the next ipinfo answers. */
function services() {
  const state = {
    lookups: [] as string[][],
    script: [] as (number | "malformed" | "no-retry-after" | "hang" | "omit-8.8.8.8")[],
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/aws") {
      return new Response(
        JSON.stringify({ prefixes: [{ ip_prefix: "3.5.140.0/22", region: "ap-northeast-2" }] }),
      );
    }
    if (url.pathname === "/github") {
      return new Response(JSON.stringify({ hooks: ["192.30.252.0/22"] }));
    }
    if (url.pathname === "/gcp") return new Response(JSON.stringify({ prefixes: [] }));
    if (url.pathname === "/vpn") return new Response("");
    if (url.pathname !== "/batch" || url.searchParams.get("token") !== "secret-token") {
      return new Response("wrong token", { status: 403 });
    }
    const ips = await request.json() as string[];
    const next = state.script.shift();
    if (next === "hang") {
      // Answers only when the client gives up (its timeout).
      await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
      return new Response("too late");
    }
    if (next === "malformed") return new Response("{ not json");
    if (next === 429) {
      return new Response("slow down", { status: 429, headers: { "retry-after": "0" } });
    }
    if (next === "no-retry-after") return new Response("quota", { status: 429 });
    if (typeof next === "number") return new Response("oops", { status: next });
    state.lookups.push(ips);
    if (next === "omit-8.8.8.8") {
      const known = ips.filter((ip) => ip !== "8.8.8.8");
      return new Response(
        JSON.stringify(Object.fromEntries(known.map((ip) => [ip, DETAILS[ip] ?? {}]))),
      );
    }
    return new Response(
      JSON.stringify(Object.fromEntries(ips.map((ip) => [ip, DETAILS[ip] ?? {}]))),
    );
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  const env = (token = "secret-token") =>
    new Map(Object.entries({ ...mockServiceEnv(base), IPINFO_API_KEY: token }));
  return { state, env, server };
}

async function cacheWithIps(): Promise<string> {
  const dir = await Deno.makeTempDir();
  const logs = `${dir}/logs`;
  await Deno.mkdir(logs);
  await Deno.writeTextFile(
    `${logs}/2024-01-01-00-00-00-0000000000000001`,
    IPS.map((ip) =>
      `o b [01/Jan/2024:00:00:00 +0000] ${ip} - R REST.GET.OBJECT ds/a "GET /ds/a HTTP/1.1" 200 - 1 1 1 1 "-" "-" -\n`
    ).join(""),
  );
  await extractLogs({ logsDirectory: logs, cacheDirectory: `${dir}/cache`, secrets, workers: 0 });
  return `${dir}/cache`;
}

function labels(cache: string): string[] {
  const db = new DatabaseSync(`${cache}/cache.sqlite`, { readOnly: true });
  const rows = db.prepare("SELECT label, source FROM ip_regions ORDER BY label, source").all();
  db.close();
  return rows.map((r) => `${r.label} (${r.source})`);
}

const fast = { ipinfo: { retryDelayMs: 0 }, rangeRetryDelayMs: 0 };

Deno.test("ranges first, then ipinfo in batches; a rerun looks nothing up again", async () => {
  const { state, env, server } = services();
  const cache = await cacheWithIps();
  const warnings: string[] = [];
  try {
    const summary = await updateIndexedRegionCodes({
      cacheDirectory: cache,
      secrets,
      env: env(),
      warn: (w) => warnings.push(w),
      batchSize: 2,
      ...fast,
    });
    assert.deepStrictEqual(summary, {
      ips: 7,
      alreadyLabelled: 0,
      fromRanges: 3,
      fromIpinfo: 4,
      fromGeoDb: 0,
      left: 0,
    });
    assert.deepStrictEqual(labels(cache), [
      "AWS/ap-northeast-2 (ranges)",
      "CL (ipinfo)",
      "GitHub (ranges)",
      "US/California (ipinfo)",
      "bogon (ipinfo)",
      "unknown (ipinfo)",
      "unknown (ranges)",
    ]);
    assert.deepStrictEqual(state.lookups.flat().sort(), [
      "192.0.2.0",
      "2001:db8::7",
      "203.0.113.9",
      "8.8.8.8",
    ]);
    const again = await updateIndexedRegionCodes({
      cacheDirectory: cache,
      secrets,
      env: env(),
      warn: (w) => warnings.push(w),
      ...fast,
    });
    assert.deepStrictEqual([again.alreadyLabelled, again.fromIpinfo, state.lookups.length], [
      7,
      0,
      2,
    ]);
    assert.deepStrictEqual(warnings, []);
  } finally {
    await server.shutdown();
  }
});

Deno.test("timeouts, 5xx, malformed answers and 429 with Retry-After are retried", async () => {
  const { state, env, server } = services();
  const cache = await cacheWithIps();
  try {
    state.script = ["hang", 500, "malformed", 429];
    const summary = await updateIndexedRegionCodes({
      cacheDirectory: cache,
      secrets,
      env: env(),
      warn: () => {},
      ...fast,
      ipinfo: { retryDelayMs: 0, timeoutMs: 200, attempts: 5 },
    });
    assert.deepStrictEqual([summary.fromIpinfo, summary.left, state.lookups.length], [4, 0, 1]);
    assert.deepStrictEqual(state.script, []);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a quota or a refused token stops lookups, keeps what was learned, and says what to do", async () => {
  const { state, env, server } = services();
  const cache = await cacheWithIps();
  const warnings: string[] = [];
  try {
    state.script = ["no-retry-after"];
    const quota = await updateIndexedRegionCodes({
      cacheDirectory: cache,
      secrets,
      env: env(),
      warn: (w) => warnings.push(w),
      batchSize: 1,
      ...fast,
    });
    assert.deepStrictEqual([quota.fromRanges, quota.fromIpinfo, quota.left], [3, 0, 4]);
    assert.match(
      warnings[0],
      /quota is used up \(HTTP 429\); lookups stopped for this run\. Everything learned is kept/,
    );
    const refused = await updateIndexedRegionCodes({
      cacheDirectory: cache,
      secrets,
      env: env("wrong"),
      warn: (w) => warnings.push(w),
      ...fast,
    });
    assert.deepStrictEqual([refused.alreadyLabelled, refused.fromIpinfo], [3, 0]);
    assert.match(warnings[1], /refused the token \(HTTP 403\).*\(check IPINFO_API_KEY\)/);
    const capped = await updateIndexedRegionCodes({
      cacheDirectory: cache,
      secrets,
      env: env(),
      warn: () => {},
      batchSize: 1,
      maxLookups: 2,
      ...fast,
    });
    assert.deepStrictEqual([capped.fromIpinfo, capped.left], [2, 2]);
    const noToken = await updateIndexedRegionCodes({
      cacheDirectory: cache,
      secrets,
      env: env(""),
      warn: (w) => warnings.push(w),
      ...fast,
    });
    assert.deepStrictEqual(noToken.ipinfo, "skipped: IPINFO_API_KEY is not set");
    for (const warning of warnings) {
      for (const ip of IPS.slice(0, 6)) assert(!warning.includes(ip), warning);
    }
  } finally {
    await server.shutdown();
  }
});

Deno.test("refresh re-checks today's partition and records changes by index; a quota changes nothing", async () => {
  // The reference's test: IPs 192.0.2.1…5 labelled US/California, a day whose partition is 0:
  // only 192.0.2.1 (first as a string) is checked, and ipinfo now says US/Oregon.
  const dir = await Deno.makeTempDir();
  const logs = `${dir}/logs`;
  await Deno.mkdir(logs);
  await Deno.writeTextFile(
    `${logs}/2024-01-01-00-00-00-0000000000000002`,
    [1, 2, 3, 4, 5].map((n) =>
      `o b [01/Jan/2024:00:00:00 +0000] 192.0.2.${n} - R REST.GET.OBJECT ds/a "GET /ds/a HTTP/1.1" 200 - 1 1 1 1 "-" "-" -\n`
    ).join(""),
  );
  const cache = `${dir}/cache`;
  await extractLogs({ logsDirectory: logs, cacheDirectory: cache, secrets, workers: 0 });
  const db = new DatabaseSync(`${cache}/cache.sqlite`);
  db.exec("INSERT INTO ip_regions SELECT ip_index, 'US/California', 'test', 'then' FROM ips");
  db.close();
  let quota = false;
  const mock = mockIpinfo((ips) =>
    quota ? new Response("quota", { status: 429 }) : Response.json(
      Object.fromEntries(ips.map((ip) => [ip, { country: "US", region: "Oregon" }])),
    )
  );
  const server = mock.server;
  const env = new Map(Object.entries(mock.env));
  const partitionZero = new Date((27 + 90 * 229) * 86_400_000); // ordinal ≡ 0 (mod 90)
  try {
    quota = true;
    const stopped = await refreshRegionCodes({
      cacheDirectory: cache,
      secrets,
      env,
      warn: () => {},
      date: partitionZero,
      ...fast,
    });
    assert.deepStrictEqual([stopped.partition, stopped.checked, stopped.changes.length], [0, 1, 0]);
    quota = false;
    const refreshed = await refreshRegionCodes({
      cacheDirectory: cache,
      secrets,
      env,
      warn: () => {},
      date: partitionZero,
      ...fast,
    });
    assert.deepStrictEqual(refreshed.changes.map(({ old, new: now }) => [old, now]), [[
      "US/California",
      "US/Oregon",
    ]]);
    assert.deepStrictEqual(labels(cache), [
      "US/California (test)",
      "US/California (test)",
      "US/California (test)",
      "US/California (test)",
      "US/Oregon (refresh-ipinfo)",
    ]);
    const otherDay = await refreshRegionCodes({
      cacheDirectory: cache,
      secrets,
      env,
      warn: () => {},
      date: new Date(partitionZero.getTime() + 86_400_000 * 7),
      ...fast,
    });
    assert.deepStrictEqual(otherDay.checked, 0, "with 5 IPs, only partitions 0-4 hold one");
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a geo database answers instead of ipinfo, offline; refresh keeps what it does not know", async () => {
  const { state, env, server } = services();
  const cache = await cacheWithIps();
  const geoDatabase = `${cache}/../city.mmdb`;
  await Deno.writeFile(
    geoDatabase,
    buildMaxMindDb({
      ipVersion: 6,
      recordSize: 24,
      networks: [
        {
          prefix: "8.8.8.0/24",
          record: { country: { iso_code: "US" }, subdivisions: [{ names: { en: "California" } }] },
        },
        { prefix: "2001:db8::/32", record: { country: { iso_code: "CL" } } },
      ],
    }),
  );
  try {
    const options = { cacheDirectory: cache, secrets, env: env(), warn: () => {}, ...fast };
    const summary = await updateIndexedRegionCodes({ ...options, geoDatabase });
    assert.deepStrictEqual([
      summary.fromRanges,
      summary.fromGeoDb,
      summary.fromIpinfo,
      summary.left,
    ], [
      3,
      4,
      0,
      0,
    ]);
    assert.match(summary.ipinfo!, /not used: the geo database Test-City, built 2023-11-14/);
    assert.deepStrictEqual(state.lookups, []);
    assert.deepStrictEqual(labels(cache), [
      "AWS/ap-northeast-2 (ranges)",
      "CL (geo-db)",
      "GitHub (ranges)",
      "US/California (geo-db)",
      "bogon (geo-db)",
      "bogon (geo-db)",
      "unknown (ranges)",
    ]);
    // Refreshed with an empty database every day of a partition cycle: an IP it does not know
    // keeps its label; a reserved address (2001:db8::/32) becomes the bogon it is.
    await Deno.writeFile(
      geoDatabase,
      buildMaxMindDb({ ipVersion: 4, recordSize: 32, networks: [] }),
    );
    const changes: string[] = [];
    for (let day = 0; day < 90; day++) {
      const refresh = await refreshRegionCodes({
        ...options,
        geoDatabase,
        date: new Date(Date.UTC(2026, 0, 1 + day)),
      });
      changes.push(...refresh.changes.map((c) => `${c.old} -> ${c.new}`));
    }
    assert.deepStrictEqual(changes, ["CL -> bogon"]);
    assert.deepStrictEqual(labels(cache).filter((l) => l.startsWith("US/")), [
      "US/California (geo-db)",
    ]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("an IP missing from a batch answer is asked again alone; the rest of the run goes on", async () => {
  const { state, env, server } = services();
  const cache = await cacheWithIps();
  const warnings: string[] = [];
  try {
    state.script = ["omit-8.8.8.8", "omit-8.8.8.8", "omit-8.8.8.8", "omit-8.8.8.8"];
    const summary = await updateIndexedRegionCodes({
      cacheDirectory: cache,
      secrets,
      env: env(),
      warn: (w) => warnings.push(w),
      ...fast,
    });
    assert.deepStrictEqual(state.lookups.slice(1), [["8.8.8.8"], ["8.8.8.8"], ["8.8.8.8"]]);
    assert.deepStrictEqual(summary.left, 1, "8.8.8.8 is left for the next run");
    assert(summary.fromIpinfo > 0, "the others were labelled");
    assert.deepStrictEqual(warnings, []);
    // The next run asks only for it, and ipinfo answers this time.
    const again = await updateIndexedRegionCodes({
      cacheDirectory: cache,
      secrets,
      env: env(),
      warn: () => {},
      ...fast,
    });
    assert.deepStrictEqual([again.fromIpinfo, again.left], [1, 0]);
    assert.deepStrictEqual(state.lookups.at(-1), ["8.8.8.8"]);
  } finally {
    await server.shutdown();
    await Deno.remove(cache.replace(/\/cache$/, ""), { recursive: true });
  }
});

Deno.test("a stop asked during the lookups ends them after the batch in flight, keeping what was learned", async () => {
  const { env, server } = services();
  const cache = await cacheWithIps();
  try {
    const controller = new AbortController();
    // An earlier run's stop request is not this run's.
    await Deno.writeTextFile(`${cache}/stop-request`, "old\n");
    await Deno.utime(`${cache}/stop-request`, new Date(0), new Date(0));
    const summary = await updateIndexedRegionCodes({
      cacheDirectory: cache,
      secrets,
      env: env(),
      warn: () => {},
      batchSize: 1,
      signal: controller.signal,
      ...fast,
    });
    assert.deepStrictEqual(summary.fromIpinfo, 4, "an old stop request does not stop this run");
    const again = await cacheWithIps();
    controller.abort();
    const stopped = await updateIndexedRegionCodes({
      cacheDirectory: again,
      secrets,
      env: env(),
      warn: () => {},
      batchSize: 1,
      signal: controller.signal,
      ...fast,
    });
    assert.deepStrictEqual(stopped.fromIpinfo, 0);
    assert.match(stopped.ipinfo ?? "", /stopped, as asked/);
    assert(stopped.fromRanges > 0, "the ranges' labels are kept");
    await Deno.remove(again.replace(/\/cache$/, ""), { recursive: true });
  } finally {
    await server.shutdown();
    await Deno.remove(cache.replace(/\/cache$/, ""), { recursive: true });
  }
});
