import assert from "node:assert/strict";
import { excludedIpSource } from "./excluded_ips.ts";

Deno.test("excluded-IP patterns that can take exponential time are refused; ordinary ones are not", () => {
  const source = (pattern: string) =>
    excludedIpSource({ pattern, match: "search", variable: "IPS_TO_SKIP" });
  for (const pattern of ["([0-9a-f]|[0-9a-f:])*Z", "(a+)+", "(\\d{1,3}\\.)+x", "((ab)+)+"]) {
    assert.throws(() => source(pattern), /exponential time/);
  }
  for (
    const pattern of ["192\\.0\\.2\\.1|198\\.51\\.100\\.[0-9]+", "^(10|192)\\.", "(a|b)", "[(]+"]
  ) {
    assert.deepStrictEqual(typeof source(pattern), "string", pattern);
  }
});
