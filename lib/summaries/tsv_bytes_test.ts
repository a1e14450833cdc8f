import assert from "node:assert/strict";
import { contentText, TsvBytes } from "./tsv_bytes.ts";

Deno.test("numbers are written as String writes them, at every magnitude", () => {
  let state = 7;
  const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
  const values: (number | bigint)[] = [0, -0, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 32];
  for (let digits = 1; digits <= 22; digits++) {
    for (let k = 0; k < 200; k++) values.push(Math.floor(random() * 10 ** digits));
  }
  for (let power = 0; power <= 70; power++) values.push(2 ** power, 2 ** power - 1, 10 ** power);
  values.push(2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, 1e21, 0.5, 12.25, -3, -(2 ** 40), 2n ** 70n, NaN);
  const tsv = new TsvBytes();
  for (const value of values) tsv.field(value);
  tsv.last(values[0]);
  const expected = values.map(String).join("\t") + `\t${values[0]}\n`;
  assert.deepStrictEqual(contentText(tsv.take()), expected);
});

Deno.test("text fields are UTF-8, lines end with a newline, and take starts the next file", () => {
  const tsv = new TsvBytes();
  tsv.line(["date", "name"]);
  tsv.field("2024-01-01");
  tsv.last("é 𝄞 ok");
  const first = tsv.take();
  tsv.last("<50");
  assert.deepStrictEqual(
    [...first],
    [...new TextEncoder().encode("date\tname\n2024-01-01\té 𝄞 ok\n")],
  );
  assert.deepStrictEqual(contentText(tsv.take()), "<50\n");
});

Deno.test("a file larger than the buffer grows it and keeps every byte", () => {
  const tsv = new TsvBytes();
  const line = "x".repeat(999);
  for (let i = 0; i < 300; i++) {
    tsv.field(i);
    tsv.last(line);
  }
  const text = contentText(tsv.take());
  assert.deepStrictEqual(text, Array.from({ length: 300 }, (_, i) => `${i}\t${line}\n`).join(""));
});
