/**
 * Tab-separated tables written as pandas' `to_csv(sep="\t", index=False)` writes them: a header,
 * `\n` after every row, numbers as integers, and a field quoted (with `""` inside) only when it
 * holds a tab, a double quote or a line break.
 *
 * @module
 */

function field(value: string | number): string {
  const text = String(value);
  return /[\t"\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The text of a table.
 *
 * @example Usage
 * ```ts
 * import { formatTsv } from "./tsv.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * assertEquals(formatTsv(["asset_path", "bytes_sent"], [["a.nwb", 12], ['say "hi"', 0]]),
 *   'asset_path\tbytes_sent\na.nwb\t12\n"say ""hi"""\t0\n');
 * ```
 */
export function formatTsv(header: string[], rows: (string | number)[][]): string {
  return [header, ...rows].map((row) => row.map(field).join("\t") + "\n").join("");
}
