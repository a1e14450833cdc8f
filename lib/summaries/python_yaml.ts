/**
 * YAML as PyYAML's `yaml.dump` (`safe_dump`, default options) writes the reference's
 * `region_codes_to_coordinates.yaml`: block style, keys sorted by code point, two-space
 * indentation, floats as Python's `repr`, `null` for None, and each key in the style PyYAML's
 * emitter picks (plain where it can, else single-quoted, else double-quoted with `\xNN`
 * escapes for non-ASCII text).
 *
 * @module
 */

import { compareCodePoints } from "./sort_orders.ts";

/** A number as Python holds it: a float (written with `repr`) or an int. */
export type PythonNumber = { float: number } | { int: number };

// PyYAML's implicit resolvers (YAML 1.1): a plain scalar matching one of these would read back
// as another type, so a string that matches must be quoted.
const IMPLICIT = [
  /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/,
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/,
  /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/,
  /^(?:<<)$/,
  /^(?:~|null|Null|NULL|)$/,
  /^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$/,
  /^(?:=)$/,
];

const ESCAPES: Record<string, string> = {
  "\0": "0",
  "\x07": "a",
  "\b": "b",
  "\t": "t",
  "\n": "n",
  "\v": "v",
  "\f": "f",
  "\r": "r",
  "\x1b": "e",
  '"': '"',
  "\\": "\\",
  "\x85": "N",
  "\xa0": "_",
  "\u2028": "L",
  "\u2029": "P",
};

/** Whether PyYAML writes `text` as a plain block-context mapping key. */
function plainAllowed(text: string): boolean {
  if (IMPLICIT.some((pattern) => pattern.test(text))) return false;
  if (text.startsWith(" ") || text.endsWith(" ")) return false;
  if (text.startsWith("---") || text.startsWith("...")) return false;
  const space = (i: number) => i < 0 || i >= text.length || text[i] === " ";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (i === 0) {
      if ("#,[]{}&*!|>'\"%@`".includes(c)) return false;
      if ((c === "?" || c === ":" || c === "-") && space(i + 1)) return false;
    } else {
      if (c === ":" && space(i + 1)) return false;
      if (c === "#" && space(i - 1)) return false;
    }
  }
  return true;
}

/**
 * A mapping key as PyYAML writes it in block style.
 *
 * @example Usage
 * ```ts
 * import { formatYamlKey } from "./python_yaml.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(formatYamlKey("US/California"), "US/California");
 * assert.deepStrictEqual(formatYamlKey("NO"), "'NO'"); // Norway, not the boolean
 * assert.deepStrictEqual(formatYamlKey("CL/Valparaíso"), '"CL/Valpara\\xEDso"');
 * ```
 */
export function formatYamlKey(text: string): string {
  // Anything outside printable ASCII (PyYAML's default allow_unicode=False): double-quoted.
  if (/[^\x20-\x7e]/.test(text)) {
    let out = "";
    for (const c of text) {
      const code = c.codePointAt(0)!;
      if (Object.hasOwn(ESCAPES, c)) out += "\\" + ESCAPES[c];
      else if (code >= 0x20 && code <= 0x7e && c !== "\ufeff") out += c;
      else if (code <= 0xff) out += "\\x" + code.toString(16).toUpperCase().padStart(2, "0");
      else if (code <= 0xffff) out += "\\u" + code.toString(16).toUpperCase().padStart(4, "0");
      else out += "\\U" + code.toString(16).toUpperCase().padStart(8, "0");
    }
    return `"${out}"`;
  }
  if (plainAllowed(text)) return text;
  return `'${text.replaceAll("'", "''")}'`;
}

/**
 * A number as PyYAML writes it: an int as its digits, a float as Python's `repr` (shortest
 * round trip; exponent below 1e-4 and from 1e16 up; `.0` always there), `.nan`, `.inf`.
 *
 * @example Usage
 * ```ts
 * import { formatYamlNumber } from "./python_yaml.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(formatYamlNumber({ float: 42 }), "42.0");
 * assert.deepStrictEqual(formatYamlNumber({ float: -79.7833 }), "-79.7833");
 * assert.deepStrictEqual(formatYamlNumber({ float: 0.00001 }), "1.0e-05");
 * assert.deepStrictEqual(formatYamlNumber({ int: 44 }), "44");
 * ```
 */
export function formatYamlNumber(value: PythonNumber): string {
  if ("int" in value) return String(value.int);
  const x = value.float;
  if (Number.isNaN(x)) return ".nan";
  if (!Number.isFinite(x)) return x > 0 ? ".inf" : "-.inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa, exponentText] = Math.abs(x).toExponential().split("e");
  const exponent = Number(exponentText);
  const digits = mantissa.replace(".", "");
  const sign = x < 0 ? "-" : "";
  if (exponent < -4 || exponent >= 16) {
    const m = digits.length === 1 ? `${digits}.0` : `${digits[0]}.${digits.slice(1)}`;
    const e = `${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
    return `${sign}${m}e${e}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  const fraction = digits.slice(exponent + 1);
  return `${sign}${whole}.${fraction === "" ? "0" : fraction}`;
}

/** One entry of `region_codes_to_coordinates.yaml` (null: a label that is no place). */
export interface CoordinatesEntry {
  /** Latitude, or null. */
  latitude: PythonNumber | null;
  /** Longitude, or null. */
  longitude: PythonNumber | null;
}

/**
 * `region_codes_to_coordinates.yaml` as the reference writes it: `{label: {latitude,
 * longitude}}`, labels sorted by code point, with a final newline.
 *
 * @example Usage
 * ```ts
 * import { formatCoordinatesYaml } from "./python_yaml.ts";
 * import assert from "node:assert/strict";
 *
 * const yaml = formatCoordinatesYaml(new Map([
 *   ["unknown", { latitude: null, longitude: null }],
 *   ["FR/Grand Est", { latitude: { float: 48.580002 }, longitude: { float: 7.75 } }],
 * ]));
 * assert.deepStrictEqual(yaml, "FR/Grand Est:\n  latitude: 48.580002\n  longitude: 7.75\nunknown:\n  latitude: null\n  longitude: null\n");
 * ```
 */
export function formatCoordinatesYaml(entries: ReadonlyMap<string, CoordinatesEntry>): string {
  if (entries.size === 0) return "{}\n";
  const value = (n: PythonNumber | null) => n === null ? "null" : formatYamlNumber(n);
  return [...entries.keys()].sort(compareCodePoints).map((label) => {
    const { latitude, longitude } = entries.get(label)!;
    return `${formatYamlKey(label)}:\n  latitude: ${value(latitude)}\n  longitude: ${
      value(longitude)
    }\n`;
  }).join("");
}
