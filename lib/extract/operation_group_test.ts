import assert from "node:assert/strict";
import {
  CARRIES_DATA,
  OPERATION_GROUPS,
  OPERATION_RULES,
  operationCode,
  OperationCodes,
  statusClass,
} from "./operation_group.ts";

Deno.test("every rule's names give its group; uploads that carry data say so", () => {
  for (const rule of OPERATION_RULES) {
    for (const name of rule.names) {
      const code = operationCode(name);
      assert.deepStrictEqual(OPERATION_GROUPS[code & 7], rule.group, name);
      assert.deepStrictEqual(
        (code & CARRIES_DATA) !== 0,
        rule.carriesData?.includes(name) ?? false,
      );
    }
  }
  assert.deepStrictEqual(OPERATION_GROUPS[operationCode("REST.PUT.BUCKETPOLICY")], "list");
  assert.deepStrictEqual(OPERATION_GROUPS[operationCode("S3.TRANSITION_INT.OBJECT")], "other");
});

Deno.test("operation codes from bytes: remembered names, and a hostile log of new names", () => {
  const codes = new OperationCodes();
  const bytes = (text: string) => new TextEncoder().encode(text);
  for (let i = 0; i < 1000; i++) {
    const name = bytes(i % 2 === 0 ? "REST.PUT.PART" : `REST.MADE.UP${i}`);
    const code = codes.code(name, 0, name.length);
    assert.deepStrictEqual(OPERATION_GROUPS[code & 7], i % 2 === 0 ? "upload" : "other");
  }
});

Deno.test("status classes: 2xx to 5xx, nothing else", () => {
  assert.deepStrictEqual(
    [200, 206, 299, 304, 403, 404, 500, 599, 199, 600, 0].map(statusClass),
    [0, 0, 0, 1, 2, 2, 3, 3, -1, -1, -1],
  );
});
