import assert from "node:assert/strict";
import { GeoDatabase } from "./geo_database.ts";
import { MaxMindReader } from "./maxmind_db.ts";
import { buildMaxMindDb } from "../../tests/_mmdb_writer.ts";

const CALIFORNIA = {
  city: { geoname_id: 5_391_959, names: { en: "San Francisco", "zh-CN": "旧金山" } },
  country: { iso_code: "US", names: { en: "United States" }, is_in_european_union: false },
  location: { latitude: 37.7749, longitude: -122.4194, time_offset: -480 },
  subdivisions: [{ iso_code: "CA", names: { en: "California" } }],
  note: "x".repeat(300),
};
const NETHERLANDS = { country: { iso_code: "NL", names: { en: "Netherlands" } }, big: 2 ** 40 };
const BERLIN = {
  country: { iso_code: "DE", names: { en: "Germany" } },
  subdivisions: [{ names: { en: "Land Berlin" } }],
  long: "y".repeat(70_000),
};

for (const ipVersion of [4, 6] as const) {
  for (const recordSize of [24, 28, 32] as const) {
    Deno.test(`MaxMindReader finds records in an IPv${ipVersion} tree of ${recordSize}-bit records`, () => {
      const networks = [
        { prefix: "192.0.2.0/24", record: CALIFORNIA },
        { prefix: "198.51.100.0/25", record: NETHERLANDS },
        ...(ipVersion === 6 ? [{ prefix: "2001:db8:1::/48", record: BERLIN }] : []),
      ];
      const reader = new MaxMindReader(buildMaxMindDb({ ipVersion, recordSize, networks }));
      assert.deepStrictEqual(reader.metadata.record_size, recordSize);
      assert.deepStrictEqual(reader.metadata.database_type, "Test-City");
      assert.deepStrictEqual(reader.lookup("192.0.2.0"), CALIFORNIA);
      assert.deepStrictEqual(reader.lookup("192.0.2.255"), CALIFORNIA);
      assert.deepStrictEqual(reader.lookup("198.51.100.127"), NETHERLANDS);
      assert.deepStrictEqual(reader.lookup("198.51.100.128"), undefined);
      assert.deepStrictEqual(reader.lookup("192.0.3.0"), undefined);
      assert.deepStrictEqual(reader.lookup("not an ip"), undefined);
      assert.deepStrictEqual(
        reader.lookup("2001:db8:1:ffff::9"),
        ipVersion === 6 ? BERLIN : undefined,
      );
      assert.deepStrictEqual(reader.lookup("2001:db8:2::1"), undefined);
    });
  }
}

Deno.test("MaxMindReader reads 28-bit records whose values need the shared middle nibble", () => {
  const networks = [
    { prefix: "192.0.2.0/24", record: CALIFORNIA },
    { prefix: "198.51.100.0/24", record: NETHERLANDS },
  ];
  // Data pointers above 2^24 need the high nibble of the middle byte (left and right).
  const bytes = buildMaxMindDb({ ipVersion: 4, recordSize: 28, networks, dataPadding: 2 ** 24 });
  const reader = new MaxMindReader(bytes);
  assert.deepStrictEqual(reader.lookup("192.0.2.1"), CALIFORNIA);
  assert.deepStrictEqual(reader.lookup("198.51.100.1"), NETHERLANDS);
  assert.deepStrictEqual(reader.lookup("203.0.113.1"), undefined);
});

Deno.test("MaxMindReader refuses files that are not MaxMind DBs", () => {
  const bytes = buildMaxMindDb({ ipVersion: 4, recordSize: 24, networks: [] });
  assert.throws(() => new MaxMindReader(bytes.slice(0, 20)), Error, "no MaxMind DB metadata");
  const text = new TextEncoder().encode("\u00ab\u00cd\u00efMaxMind.com");
  assert.throws(() => new MaxMindReader(text), Error, "no MaxMind DB metadata");
  // A tree that claims more nodes than the file holds.
  const damaged = buildMaxMindDb({
    ipVersion: 4,
    recordSize: 24,
    networks: [{ prefix: "192.0.2.0/24", record: NETHERLANDS }],
  });
  const marker = damaged.length - 200 > 0 ? damaged.slice() : damaged;
  const at = indexOfText(marker, "node_count");
  marker[at + "node_count".length + 1] = 0xff; // the count's first byte
  assert.throws(() => new MaxMindReader(marker), Error);
});

function indexOfText(bytes: Uint8Array, text: string): number {
  const needle = new TextEncoder().encode(text);
  outer: for (let i = bytes.length - needle.length; i >= 0; i--) {
    for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

Deno.test("GeoDatabase labels as ipinfo does: CC/Region, CC, bogon, unknown", async () => {
  const path = await Deno.makeTempFile({ suffix: ".mmdb" });
  await Deno.writeFile(
    path,
    buildMaxMindDb({
      ipVersion: 6,
      recordSize: 28,
      networks: [
        { prefix: "203.0.113.0/24", record: CALIFORNIA },
        { prefix: "198.51.100.0/24", record: NETHERLANDS },
        { prefix: "2001:db8:1::/48", record: BERLIN },
      ],
    }),
  );
  const db = await GeoDatabase.open(path);
  assert.deepStrictEqual(db.label("203.0.113.9"), "US/California");
  assert.deepStrictEqual(db.label("198.51.100.9"), "NL");
  assert.deepStrictEqual(db.label("2001:db8:1::1"), "DE/Land Berlin");
  assert.deepStrictEqual(db.label("192.0.2.0"), "bogon");
  assert.deepStrictEqual(db.label("10.1.2.3"), "bogon");
  assert.deepStrictEqual(db.label("fe80::1"), "bogon");
  assert.deepStrictEqual(db.label("8.8.8.8"), "unknown");
  assert.deepStrictEqual(db.description, "Test-City, built 2023-11-14");
  await Deno.writeTextFile(path, "not a database");
  await assertRejectsMessage(() => GeoDatabase.open(path), `Cannot read the geo database ${path}`);
  await Deno.remove(path);
});

async function assertRejectsMessage(fn: () => Promise<unknown>, text: string): Promise<void> {
  try {
    await fn();
  } catch (error) {
    assert.deepStrictEqual(String(error).includes(text), true, String(error));
    return;
  }
  throw new Error("expected a rejection");
}
