/**
 * A reader for the one YAML shape the reference writes for its IP caches: a flat mapping of
 * strings to strings or null, as PyYAML dumps it (plain, single-quoted or double-quoted
 * scalars, `{}` when empty). Anything else is refused with the line that is not understood.
 *
 * @module
 */

import { OperatorError } from "../errors.ts";

const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\x85",
  _: "\xa0",
  L: "\u2028",
  P: "\u2029",
};
const HEX_LENGTHS: Record<string, number> = { x: 2, u: 4, U: 8 };

/**
 * Parses a flat YAML mapping of strings to strings or null (`~`, `null` or nothing). `source`
 * names the file in error messages.
 *
 * @example Usage
 * ```ts
 * import { parseFlatYaml } from "./flat_yaml.ts";
 * import assert from "node:assert/strict";
 *
 * const text = "192.0.2.0: bogon\n'2001:db8::1': US/California\n198.51.100.7: null\n" +
 *   '203.0.113.9: "CL/Valpara\\xEDso"\n';
 * assert.deepStrictEqual(
 *   [...parseFlatYaml(text, "ip_to_region.yaml")],
 *   [["192.0.2.0", "bogon"], ["2001:db8::1", "US/California"], ["198.51.100.7", null],
 *    ["203.0.113.9", "CL/Valparaíso"]],
 * );
 * assert.deepStrictEqual(parseFlatYaml("{}\n", "empty.yaml").size, 0);
 * ```
 */
export function parseFlatYaml(text: string, source: string): Map<string, string | null> {
  const map = new Map<string, string | null>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed === "---" || trimmed === "{}") return;
    const fail = (what: string): never => {
      throw new OperatorError(
        `Cannot read ${source}:${i + 1}: ${what}. The file should be the reference's flat ` +
          "YAML mapping (one `key: value` per line); restore it from a backup or remove it.",
      );
    };
    if (/^\s/.test(line)) fail("nested or continued values are not supported");
    const key = readScalar(line, 0, fail);
    let rest = line.slice(key.end);
    if (!rest.startsWith(":")) fail("expected `:` after the key");
    rest = rest.slice(1);
    if (rest !== "" && !/^\s/.test(rest)) fail("expected a space after `:`");
    const valueText = rest.trimStart();
    let value: string | null;
    if (valueText.startsWith("'") || valueText.startsWith('"')) {
      const scalar = readScalar(valueText, 0, fail);
      if (valueText.slice(scalar.end).trim() !== "") fail("unexpected text after the value");
      value = scalar.text;
    } else {
      const plain = valueText.replace(/\s+#.*$/, "").trimEnd();
      value = NULLS.has(plain) ? null : plain;
    }
    map.set(key.text, value);
  });
  return map;
}

function readScalar(
  line: string,
  at: number,
  fail: (what: string) => never,
): { text: string; end: number } {
  const quote = line[at];
  if (quote === "'") {
    let text = "";
    for (let i = at + 1; i < line.length; i++) {
      if (line[i] !== "'") text += line[i];
      else if (line[i + 1] === "'") text += "'", i++;
      else return { text, end: i + 1 };
    }
    return fail("unterminated single-quoted text");
  }
  if (quote === '"') {
    let text = "";
    for (let i = at + 1; i < line.length; i++) {
      const c = line[i];
      if (c === '"') return { text, end: i + 1 };
      if (c !== "\\") {
        text += c;
        continue;
      }
      const e = line[++i];
      const hexLength = HEX_LENGTHS[e];
      if (hexLength !== undefined) {
        const hex = line.slice(i + 1, i + 1 + hexLength);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== hexLength) fail("bad escape");
        text += String.fromCodePoint(parseInt(hex, 16));
        i += hexLength;
      } else if (ESCAPES[e] !== undefined) text += ESCAPES[e];
      else fail(`unknown escape \\${e}`);
    }
    return fail("unterminated double-quoted text");
  }
  const colon = line.indexOf(": ", at);
  const end = colon === -1 ? (line.endsWith(":") ? line.length - 1 : -1) : colon;
  if (end <= at) return fail("expected `key: value`");
  return { text: line.slice(at, end).trimEnd(), end };
}
