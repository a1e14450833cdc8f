import assert from "node:assert/strict";
import { CLIENT_KINDS } from "../extract/client_kind.ts";
import { OPERATION_GROUPS, STATUS_CLASSES } from "../extract/operation_group.ts";
import { dayRowsOf } from "./activity_data.ts";
import { activityFiles } from "./activity_files.ts";
import { formatDay } from "./calendar_days.ts";
import { roundForPrivacy } from "./privacy_rounding.ts";
import { formatTsv } from "./tsv.ts";
import { contentText } from "./tsv_bytes.ts";

Deno.test("the day files are the TSV of their rows, as the quoting writer writes it", () => {
  let state = 11;
  const random = (n: number) => (state = (state * 48271) % 2147483647) % n;
  const rows = Array.from({ length: 5000 }, () => ({
    day: 18000 + random(3000),
    code: random(OPERATION_GROUPS.length * 4),
    requests: random(3) === 0 ? random(50) : random(1e6),
    bytes: random(2) === 0 ? random(1e6) : random(1e9) * 9e6, // past 2^53 too
    downloads: random(1e5),
  }));
  const kinds = rows.map((row) => ({ ...row, code: row.code % CLIENT_KINDS.length }));
  const privacy = { minimum: 30, modulo: 7 };
  const files = activityFiles({
    byOperation: dayRowsOf(rows),
    byClientKind: dayRowsOf(kinds),
    delivery: [],
    sessions: [],
    ratios: new Float64Array(0),
    ratioBytes: 0,
    ratioSizes: 0,
  }, { rowName: "asset_path", privacy });
  const round = (count: number) => roundForPrivacy(count, privacy);
  type Row = (typeof rows)[number];
  const operation = (r: Row) => [
    formatDay(r.day),
    OPERATION_GROUPS[r.code >> 2],
    STATUS_CLASSES[r.code & 3],
    round(r.requests),
    r.bytes,
  ];
  const kind = (r: Row) => [
    formatDay(r.day),
    CLIENT_KINDS[r.code],
    round(r.requests),
    r.bytes,
    round(r.downloads),
  ];
  const expected: [string, string[], Row[], (r: Row) => (string | number)[]][] = [
    [
      "by_operation.tsv",
      ["date", "operation", "status_class", "number_of_requests", "bytes"],
      rows,
      operation,
    ],
    [
      "by_client_kind.tsv",
      ["date", "client_kind", "number_of_requests", "bytes_sent", "number_of_downloads"],
      kinds,
      kind,
    ],
  ];
  for (const [name, header, source, cells] of expected) {
    assert.deepStrictEqual(contentText(files.get(name)!), formatTsv(header, source.map(cells)));
  }
  // What lets them be written without the quoting test: no name in the lists needs quotes.
  for (const name of [...CLIENT_KINDS, ...OPERATION_GROUPS, ...STATUS_CLASSES]) {
    assert.doesNotMatch(name, /[\t"\n\r]/);
  }
});
