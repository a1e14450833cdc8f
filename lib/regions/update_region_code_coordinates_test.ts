import { join } from "node:path";
import assert from "node:assert/strict";
import { requestStop, STOP_FILE } from "../store/run_lock.ts";
import { openCacheDatabase } from "../store/cache_database.ts";
import { updateRegionCodeCoordinates } from "./update_region_code_coordinates.ts";

const LABELS = [
  "US/California",
  "CL/Valparaíso",
  "AWS/eu-west-1",
  "AWS/us-east-99",
  "VPN",
  "XX/Nowhere",
  "DE/Berlin",
];

async function cacheWithLabels(): Promise<string> {
  const dir = await Deno.makeTempDir();
  const db = openCacheDatabase(dir);
  LABELS.forEach((label, i) => {
    db.prepare("INSERT INTO ip_regions VALUES (?, ?, 'test', 'now')").run(i + 1, label);
  });
  db.close();
  return dir;
}

function coordinates(dir: string): Record<string, [number, number, string]> {
  const db = openCacheDatabase(dir);
  const rows = db.prepare("SELECT label, latitude, longitude, source FROM region_coordinates")
    .all();
  db.close();
  return Object.fromEntries(rows.map((r) => [r.label, [r.latitude, r.longitude, r.source]]));
}

Deno.test("tables first, then OpenCage within the label's country; the rest is listed with why", async () => {
  const asked: string[] = [];
  let failures = 1;
  let hangs = 1;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    asked.push(
      `${url.searchParams.get("q")}|${url.searchParams.get("countrycode")}|${
        url.searchParams.get("key")
      }`,
    );
    const q = url.searchParams.get("q");
    if (q === "Berlin" && failures-- > 0) return new Response("busy", { status: 503 });
    if (q === "California" && hangs-- > 0) {
      // Answers only once the client has given up (its timeout).
      await new Promise((resolve) => request.signal.addEventListener("abort", resolve));
      return new Response("too late");
    }
    const found = { California: [36.7, -119.4], Berlin: [52.52, 13.4] }[q as string];
    return Response.json({
      results: found ? [{ geometry: { lat: found[0], lng: found[1] } }] : [],
    });
  });
  const env = new Map([["OPENCAGE_API_KEY", "k"], [
    "OPENCAGE_API_URL",
    `http://127.0.0.1:${server.addr.port}/geocode`,
  ]]);
  const dir = await cacheWithLabels();
  try {
    const summary = await updateRegionCodeCoordinates({
      cacheDirectory: dir,
      env,
      warn: () => {},
      retryDelayMs: 0,
      timeoutMs: 200,
    });
    assert.deepStrictEqual([summary.fromTables, summary.fromOpenCage], [2, 2]);
    assert.deepStrictEqual(summary.unresolved, [
      { label: "AWS/us-east-99", reason: "a cloud or service region this version does not know" },
      { label: "VPN", reason: "not a place" },
      { label: "XX/Nowhere", reason: "OpenCage found no place" },
    ]);
    assert.deepStrictEqual(coordinates(dir), {
      "AWS/eu-west-1": [53.35, -6.26, "table"],
      "CL/Valparaíso": [-32.5976089, -70.8529753, "table"],
      "DE/Berlin": [52.52, 13.4, "opencage"],
      "US/California": [36.7, -119.4, "opencage"],
    });
    assert.deepStrictEqual(asked, [
      "Berlin|de|k",
      "Berlin|de|k",
      "California|us|k",
      "California|us|k",
      "Nowhere|xx|k",
    ]);
    const again = await updateRegionCodeCoordinates({
      cacheDirectory: dir,
      env,
      warn: () => {},
      retryDelayMs: 0,
    });
    assert.deepStrictEqual([again.known, again.fromOpenCage, asked.length], [4, 0, 6]); // only XX/Nowhere again
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without a key the tables still place what they can, and the run says what to set", async () => {
  const dir = await cacheWithLabels();
  const warnings: string[] = [];
  try {
    const summary = await updateRegionCodeCoordinates({
      cacheDirectory: dir,
      env: new Map(),
      warn: (w) => warnings.push(w),
    });
    assert.deepStrictEqual([summary.fromTables, summary.fromOpenCage], [2, 0]);
    assert.match(warnings[0], /not placed: OPENCAGE_API_KEY is not set\. Set OPENCAGE_API_KEY/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (
  const [name, answer] of [
    [
      "Retry-After: 100000 (28 hours)",
      () => new Response("slow down", { status: 429, headers: { "retry-after": "100000" } }),
    ],
    [
      "a Retry-After that is no number",
      () => new Response("slow down", { status: 429, headers: { "retry-after": "soon" } }),
    ],
    ["5xx on every attempt", () => new Response("down", { status: 503 })],
  ] as const
) {
  Deno.test(`OpenCage answering ${name} stops the run's lookups at once, keeping the tables' places`, async () => {
    let calls = 0;
    const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
      calls++;
      return answer();
    });
    const env = new Map([["OPENCAGE_API_KEY", "k"], [
      "OPENCAGE_API_URL",
      `http://127.0.0.1:${server.addr.port}/geocode`,
    ]]);
    const dir = await cacheWithLabels();
    const warnings: string[] = [];
    try {
      const summary = await updateRegionCodeCoordinates({
        cacheDirectory: dir,
        env,
        warn: (w) => warnings.push(w),
        retryDelayMs: 0,
      });
      // One label was tried (up to four attempts); the others were not asked at all.
      assert.deepStrictEqual(calls <= 4, true, `${calls} calls`);
      assert.deepStrictEqual(summary.fromOpenCage, 0);
      assert.deepStrictEqual(summary.fromTables > 0, true);
      assert.match(warnings.join("\n"), /warning: some regions were not placed: OpenCage/);
    } finally {
      await server.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a stop asked for during the lookups ends them after the label in flight; a rerun places the rest", async () => {
  const dir = await cacheWithLabels();
  const asked: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    asked.push(new URL(request.url).searchParams.get("q")!);
    if (asked.length === 1) await requestStop(dir);
    return Response.json({ results: [{ geometry: { lat: 1, lng: 2 } }] });
  });
  const env = new Map([["OPENCAGE_API_KEY", "k"], [
    "OPENCAGE_API_URL",
    `http://127.0.0.1:${server.addr.port}/geocode`,
  ]]);
  const warnings: string[] = [];
  const first = await updateRegionCodeCoordinates({
    cacheDirectory: dir,
    env,
    warn: (w) => warnings.push(w),
  });
  assert.deepStrictEqual([first.stopped, first.fromOpenCage, asked.length, warnings], [
    true,
    1,
    1,
    [],
  ]);
  const notAsked = first.unresolved.filter((u) => u.reason.startsWith("not looked up"));
  assert(notAsked.length > 0);
  assert(
    notAsked.every((u) => u.reason === "not looked up: stopped as asked; run again to place it"),
  );
  await Deno.remove(join(dir, STOP_FILE));
  const second = await updateRegionCodeCoordinates({ cacheDirectory: dir, env, warn: () => {} });
  assert.deepStrictEqual([second.stopped, second.fromOpenCage], [false, notAsked.length]);
  await server.shutdown();
  await Deno.remove(dir, { recursive: true });
});
