import assert from "node:assert/strict";
import { RequestColumns } from "./request_columns.ts";

Deno.test("sections keep their rows while later sections grow the columns past their size", () => {
  const columns = new RequestColumns();
  const expected: number[][] = [];
  const views = [];
  let value = 0;
  // Sections of 0 to 700 rows: the columns grow from 256 rows several times.
  for (const size of [3, 0, 700, 1, 256, 255, 1000]) {
    columns.section();
    const rows: number[] = [];
    for (let i = 0; i < size; i++) {
      const row = columns.add();
      value++;
      columns.keyIds[row] = value;
      columns.times[row] = value * 10;
      columns.clientKinds[row] = value % 7;
      rows.push(value);
    }
    assert.deepStrictEqual(columns.sectionRows, size);
    expected.push(rows);
    views.push(columns.view());
  }
  assert.deepStrictEqual(
    views.map((view) => [...view.keyIds]),
    expected,
  );
  assert.deepStrictEqual(
    views.map((view) => [...view.times]),
    expected.map((r) => r.map((v) => v * 10)),
  );
  assert.deepStrictEqual(
    views.map((view) => [...view.clientKinds]),
    expected.map((r) => r.map((v) => v % 7)),
  );
  assert.deepStrictEqual(views.map((view) => view.lines.length), expected.map((r) => r.length));
});
