import assert from "node:assert/strict";
import { OperationTally } from "./operation_tally.ts";
import { CARRIES_DATA } from "./operation_group.ts";

Deno.test("OperationTally sums each section's lines as a Map of the same groups does, and keeps earlier sections' counts", () => {
  let seed = 3;
  const random = (n: number) =>
    Math.floor(((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * n);
  const tally = new OperationTally();
  const sections: {
    counts: ReturnType<OperationTally["counts"]>;
    expected: Map<string, number[]>;
  }[] = [];
  const first = Date.UTC(2024, 0, 1) / 1000;
  for (const lines of [2_000, 30_000, 500]) {
    tally.section();
    const expected = new Map<string, number[]>();
    for (let i = 0; i < lines; i++) {
      const object = random(400) - 1;
      const time = first + random(60 * 86_400);
      const operation = random(6) | (random(2) ? CARRIES_DATA : 0);
      const statusClass = random(4);
      const sent = random(1000);
      const size = random(3) - 1;
      tally.add(object, time, operation, statusClass, sent, size);
      const key = `${object}|${Math.floor(time / 86_400)}|${(operation & 7) * 4 + statusClass}`;
      const sums = expected.get(key) ?? [0, 0, 0];
      expected.set(key, [
        sums[0] + 1,
        sums[1] + sent,
        sums[2] + (operation & CARRIES_DATA && size > 0 ? size : 0),
      ]);
    }
    sections.push({ counts: tally.counts(), expected });
  }
  // Read after every section was added: the first sections' views survived the columns' growth.
  for (const { counts, expected } of sections) {
    const got = new Map<string, number[]>();
    for (let g = 0; g < counts.rows; g++) {
      got.set(`${counts.objects[g]}|${counts.days[g]}|${counts.codes[g]}`, [
        counts.requests[g],
        counts.bytesSent[g],
        counts.bytesReceived[g],
      ]);
    }
    assert.equal(counts.rows, expected.size);
    assert.deepStrictEqual(got, expected);
  }
});
