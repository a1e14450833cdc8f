/**
 * Text made safe for HTML: object keys and labels come from logs, so they are escaped
 * everywhere they appear in the report.
 *
 * @module
 */

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * `text` with `& < > " '` replaced by entities (safe in text and in quoted attributes).
 *
 * @example Usage
 * ```ts
 * import { escapeHtml } from "./html_text.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(escapeHtml(`ds1/<script>"x"&'y'`), "ds1/&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;");
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}
