/**
 * JSON as Python's `json.dump(value, indent=2, sort_keys=True)` writes it: keys sorted by code
 * point, two-space indentation, `": "` and `","` separators, non-ASCII characters escaped as
 * `\uXXXX`, and no final newline.
 *
 * @module
 */

import { compareCodePoints } from "./sort_orders.ts";

function escapeString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

function format(value: unknown, indent: string): string {
  if (typeof value === "bigint") return value.toString(); // an exact integer past 2^53
  if (value === null || typeof value !== "object") {
    return typeof value === "string" ? escapeString(value) : JSON.stringify(value);
  }
  const inner = indent + "  ";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => inner + format(v, inner)).join(",\n")}\n${indent}]`;
  }
  const keys = Object.keys(value).sort(compareCodePoints);
  if (keys.length === 0) return "{}";
  const entries = keys.map((key) =>
    `${inner}${escapeString(key)}: ${format((value as Record<string, unknown>)[key], inner)}`
  );
  return `{\n${entries.join(",\n")}\n${indent}}`;
}

/**
 * Formats a value as Python's `json.dump(indent=2, sort_keys=True)` does.
 *
 * @example Usage
 * ```ts
 * import { formatPythonJson } from "./python_json.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(formatPythonJson({ b: 1, a: { "é": "<50" } }), '{\n  "a": {\n    "\\u00e9": "<50"\n  },\n  "b": 1\n}');
 * ```
 */
export function formatPythonJson(value: unknown): string {
  return format(value, "");
}
