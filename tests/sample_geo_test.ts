/** The committed made-up geolocation data of the sample is what `deno task sample_geo` writes. */

import { join } from "node:path";
import assert from "node:assert/strict";
import { SAMPLE_GEO, sampleGeoFiles } from "../tasks/sample_geo.ts";

Deno.test("fixtures/sample_geo holds what tasks/sample_geo.ts writes", async () => {
  for (const [name, bytes] of sampleGeoFiles()) {
    assert.deepStrictEqual(
      await Deno.readFile(join(SAMPLE_GEO, name)),
      bytes,
      `${name} is stale: run deno task sample_geo`,
    );
  }
});
