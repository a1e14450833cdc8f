/**
 * Tab-separated tables written as pandas' `to_csv(sep="\t", index=False)` writes them: a header,
 * `\n` after every row, numbers as integers, and a field quoted (with `""` inside) only when it
 * holds a tab, a double quote or a line break.
 *
 * @module
 */

/** What makes a field quoted. */
const NEEDS_QUOTES = /[\t"\n\r]/;

function field(value: string | number | bigint): string {
  // A number's text never needs quotes: most fields are numbers, and the test is their cost.
  if (typeof value !== "string") return String(value);
  return NEEDS_QUOTES.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * The text of a table.
 *
 * @example Usage
 * ```ts
 * import { formatTsv } from "./tsv.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(formatTsv(["asset_path", "bytes_sent"], [["a.nwb", 12], ['say "hi"', 0]]),
 *   'asset_path\tbytes_sent\na.nwb\t12\n"say ""hi"""\t0\n');
 * ```
 */
export function formatTsv(header: string[], rows: (string | number | bigint)[][]): string {
  return [header, ...rows].map((row) => row.map(field).join("\t") + "\n").join("");
}

/**
 * The rows of a table written by {@linkcode formatTsv} (or pandas): fields split at tabs, a
 * quoted field may hold tabs, line breaks and `""` for a quote.
 *
 * @example Usage
 * ```ts
 * import { formatTsv, parseTsv } from "./tsv.ts";
 * import assert from "node:assert/strict";
 *
 * const rows = [["a\tb", 1], ['say "hi"', 2], ["two\nlines", 3]];
 * assert.deepStrictEqual(parseTsv(formatTsv(["name", "n"], rows)), [["name", "n"], ...rows.map((r) => r.map(String))]);
 * ```
 */
export function parseTsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    let value = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        const quote = text.indexOf('"', i);
        if (quote === -1) {
          value += text.slice(i);
          i = text.length;
          break;
        }
        value += text.slice(i, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          i = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
    } else {
      let end = i;
      while (end < text.length && text[end] !== "\t" && text[end] !== "\n") end++;
      value = text.slice(i, end);
      i = end;
    }
    row.push(value);
    if (text[i] === "\t") {
      i++;
    } else {
      if (text[i] === "\n") i++;
      rows.push(row);
      row = [];
    }
  }
  return rows;
}
