import assert from "node:assert/strict";
import { join } from "node:path";
import { readActivity, sumColumns, sumTable } from "./published_activity.ts";
import { parseTsv } from "../summaries/tsv.ts";
import { seeded } from "../../tests/_helpers.ts";
import { activityFiles } from "../summaries/activity_files.ts";
import { dayRowsOf } from "../summaries/activity_data.ts";
import { contentText } from "../summaries/tsv_bytes.ts";

Deno.test("the report reads back what the summary steps write: counts as published, sizes unknown as undefined", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const files = activityFiles({
      byOperation: dayRowsOf([
        { day: 19723, code: 2 * 4 + 0, requests: 3, bytes: 900 },
        { day: 19724, code: 0 * 4 + 2, requests: 70, bytes: 12 },
      ]),
      byClientKind: dayRowsOf([{ day: 19723, code: 2, requests: 90, bytes: 50, downloads: 10 }]),
      delivery: [
        ["a.nwb", { size: 100, bytes: 50, fullDownloads: 0, partialRequests: 60, ratio: 0.5 }],
        ["zarr/x", { size: -1, bytes: 7, fullDownloads: 55, partialRequests: 0, ratio: NaN }],
      ],
      sessions: [],
      ratios: new Float64Array([0.5]),
      ratioBytes: 50,
      ratioSizes: 100,
    }, { rowName: "dataset" });
    for (const [name, content] of files) {
      await Deno.writeTextFile(join(folder, name), contentText(content));
    }
    const activity = await readActivity(folder, { archive: true });
    assert.deepStrictEqual(activity?.byOperation, [
      { day: "2024-01-01", operation: "upload", statusClass: "2xx", requests: "<50", bytes: 900 },
      { day: "2024-01-02", operation: "download", statusClass: "4xx", requests: 80, bytes: 12 },
    ]);
    assert.deepStrictEqual(activity?.byClientKind?.map((r) => [r.requests, r.downloads]), [[
      80,
      "<50",
    ]]);
    assert.deepStrictEqual(activity?.delivery, [
      { key: "a.nwb", ratio: 0.5, bytes: 50, fullDownloads: "<50", partialRequests: 60 },
      { key: "zarr/x", ratio: undefined, bytes: 7, fullDownloads: 60, partialRequests: "<50" },
    ]);
    assert.deepStrictEqual(activity?.deliveryTotals.delivery_ratio_p50, 0.5);
    // A dataset's folder: summed, its rows let go.
    const dataset = await readActivity(folder);
    assert.deepStrictEqual(dataset?.operations, [
      ["upload\t2xx", { bytes: 900, requests: { sum: 0, hidden: 1 } }],
      ["download\t4xx", { bytes: 12, requests: { sum: 80, hidden: 0 } }],
    ]);
    assert.deepStrictEqual(dataset?.kinds, [
      ["archive-client", { bytes: 50, requests: { sum: 80, hidden: 0 } }],
    ]);
    assert.deepStrictEqual([dataset?.byOperation, dataset?.byClientKind, dataset?.delivery], [
      undefined,
      undefined,
      undefined,
    ]);
    // A folder with by_operation.tsv but not the rest is named, with what to do.
    await Deno.remove(join(folder, "by_client_kind.tsv"));
    await assert.rejects(
      () => readActivity(folder),
      /by_client_kind\.tsv cannot be read.*Run the summary steps/s,
    );
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("a table summed in place gives the sums of its parsed rows, for any rows", () => {
  const random = seeded(11);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];
  const columns = { key: 1, keyEnd: 2, requests: 3, bytes: 4 };
  for (let table = 0; table < 200; table++) {
    const lines = ["date\toperation\tstatus_class\tnumber_of_requests\tbytes"];
    for (let row = Math.floor(random() * 30); row > 0; row--) {
      lines.push([
        "2024-01-0" + pick(["1", "2"]),
        pick(["download", "upload", "", "head"]),
        pick(["2xx", "4xx", "5xx"]),
        pick(["60", "<50", "", "0", "123456789012345678", "7"]),
        pick(["0", "12", "", "9007199254740993", "1.5"]),
      ].join("\t"));
    }
    // Now and then a row short of a column, a quoted field, or no line break at the end.
    if (random() < 0.1) lines.push("2024-01-03\tdownload");
    if (random() < 0.1) lines.push('2024-01-03\t"a\tb"\t2xx\t60\t1');
    const text = lines.join("\n") + (random() < 0.9 ? "\n" : "");
    assert.deepStrictEqual(
      sumTable(text, columns),
      sumColumns(parseTsv(text).slice(1), columns),
      text,
    );
  }
});
