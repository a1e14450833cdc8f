import assert from "node:assert/strict";
import { parseFlatYaml } from "./flat_yaml.ts";

Deno.test("parseFlatYaml reads PyYAML's quoting of keys and values", () => {
  const text = [
    "# written by PyYAML",
    "'2001:db8::1': 'it''s quoted'",
    '"203.0.113.9": "tab\\there \\u00e9 \\"q\\""',
    "198.51.100.1: ~",
    "198.51.100.2:",
    "198.51.100.3: US/New York # a comment",
    "",
  ].join("\r\n");
  assert.deepStrictEqual([...parseFlatYaml(text, "x.yaml")], [
    ["2001:db8::1", "it's quoted"],
    ["203.0.113.9", 'tab\there é "q"'],
    ["198.51.100.1", null],
    ["198.51.100.2", null],
    ["198.51.100.3", "US/New York"],
  ]);
});

Deno.test("parseFlatYaml names the file and line it cannot read", () => {
  assert.throws(
    () => parseFlatYaml("a: b\n  nested: c\n", "ips/ip_to_region.yaml"),
    Error,
    "Cannot read ips/ip_to_region.yaml:2: nested or continued values are not supported",
  );
  assert.throws(() => parseFlatYaml("a: 'open\n", "f.yaml"), Error, "f.yaml:1: unterminated");
  assert.throws(() => parseFlatYaml('a: "\\q"\n', "f.yaml"), Error, "f.yaml:1: unknown escape \\q");
  assert.throws(
    () => parseFlatYaml("just text\n", "f.yaml"),
    Error,
    "f.yaml:1: expected `key: value`",
  );
});
