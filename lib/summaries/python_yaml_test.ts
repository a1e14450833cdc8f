import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import assert from "node:assert/strict";
import { openCacheDatabase } from "../store/cache_database.ts";
import { COORDINATE_OVERRIDES } from "../regions/known_coordinates.ts";
import { publishedCoordinates } from "./published_coordinates.ts";
import { formatYamlKey, formatYamlNumber } from "./python_yaml.ts";

const GOLDEN = new URL(
  "../../fixtures/reference_outputs/region_codes_to_coordinates.yaml",
  import.meta.url,
);

Deno.test("keys get PyYAML's style: plain, single-quoted where plain would mean something else, double-quoted beyond ASCII", () => {
  const cases: [string, string][] = [
    ["US/California", "US/California"],
    ["CL", "CL"],
    ["NO", "'NO'"],
    ["ON", "'ON'"],
    ["yes", "'yes'"],
    ["null", "'null'"],
    ["~", "'~'"],
    ["", "''"],
    ["123", "'123'"],
    ["1.5", "'1.5'"],
    ["2024-01-01", "'2024-01-01'"],
    ["1:20", "'1:20'"],
    ["a: b", "'a: b'"],
    ["a:b", "a:b"],
    ["a:", "'a:'"],
    ["x #y", "'x #y'"],
    ["x#y", "x#y"],
    ["#x", "'#x'"],
    ["- x", "'- x'"],
    ["-x", "-x"],
    ["?", "'?'"],
    ["it's", "it's"],
    ["'quoted'", "'''quoted'''"],
    [" lead", "' lead'"],
    ["trail ", "'trail '"],
    ["[x]", "'[x]'"],
    ["x[y]", "x[y]"],
    ["---", "'---'"],
    ["MO/São Francisco Xavier", '"MO/S\\xE3o Francisco Xavier"'],
    ["tab\there", '"tab\\there"'],
    ["line\nbreak", '"line\\nbreak"'],
    ['q"uote\u00e9', '"q\\"uote\\xE9"'],
    ["JP/東京", '"JP/\\u6771\\u4EAC"'],
    ["emoji \u{1F600}", '"emoji \\U0001F600"'],
  ];
  for (const [key, expected] of cases) assert.deepStrictEqual(formatYamlKey(key), expected, key);
});

Deno.test("floats are Python's repr, ints their digits", () => {
  const cases: [number, string][] = [
    [2.5359349, "2.5359349"],
    [42, "42.0"],
    [7.75, "7.75"],
    [-79.7833, "-79.7833"],
    [0.0001, "0.0001"],
    [0.00001, "1.0e-05"],
    [1.5e-7, "1.5e-07"],
    [1e16, "1.0e+16"],
    [123456789012345.6, "123456789012345.6"],
    [-0, "-0.0"],
    [0, "0.0"],
    [0.1 + 0.2, "0.30000000000000004"],
    [NaN, ".nan"],
    [-Infinity, "-.inf"],
  ];
  for (const [value, expected] of cases) {
    assert.deepStrictEqual(formatYamlNumber({ float: value }), expected, String(value));
  }
  assert.deepStrictEqual(formatYamlNumber({ int: -5 }), "-5");
});

Deno.test("region_codes_to_coordinates.yaml is the reference's golden file, byte for byte", async () => {
  const golden = await Deno.readTextFile(GOLDEN);
  const empty = new DatabaseSync(":memory:");
  empty.exec("CREATE TABLE region_coordinates (label TEXT, latitude REAL, longitude REAL)");
  assert.deepStrictEqual(publishedCoordinates(empty), golden);
  empty.close();
  // A cache whose coordinates step placed the override labels (stored as REAL) writes the same.
  const dir = await Deno.makeTempDir();
  const db = openCacheDatabase(dir);
  const insert = db.prepare(
    "INSERT INTO region_coordinates VALUES (?, ?, ?, 'table', '2026-01-01T00:00:00Z')",
  );
  for (const [label, at] of Object.entries(COORDINATE_OVERRIDES)) {
    if (at !== null) insert.run(label, at[0], at[1]);
  }
  assert.deepStrictEqual(publishedCoordinates(db), golden);
  insert.run("US/Oregon", 44.0, -120.5);
  assert.deepStrictEqual(
    publishedCoordinates(db),
    golden.replace("UY/", "US/Oregon:\n  latitude: 44.0\n  longitude: -120.5\nUY/"),
  );
  db.close();
  await Deno.remove(dir, { recursive: true });
});

Deno.test({
  name: "the project's copy of the golden file is the reference's",
  ignore: !(await Deno.stat(new URL("../../../shared", import.meta.url)).then(() =>
    true, () => false)),
  fn: async () => {
    const shared = join(
      new URL("../../../shared/fixtures/reference/generic/expected/ips", import.meta.url).pathname,
      "region_codes_to_coordinates.yaml",
    );
    assert.deepStrictEqual(await Deno.readTextFile(shared), await Deno.readTextFile(GOLDEN));
  },
});
