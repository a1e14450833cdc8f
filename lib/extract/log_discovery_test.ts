import assert from "node:assert/strict";
import { discoverLogFiles } from "./log_discovery.ts";

Deno.test("links are followed only to files inside the log directory", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/logs/2024`, { recursive: true });
    await Deno.writeTextFile(`${dir}/secret`, "not a log\n");
    await Deno.writeTextFile(`${dir}/logs/2024/2024-01-01-00-00-00-AAAA`, "");
    await Deno.symlink(`${dir}/secret`, `${dir}/logs/2024-01-02-00-00-00-BBBB`);
    await Deno.symlink(
      `${dir}/logs/2024/2024-01-01-00-00-00-AAAA`,
      `${dir}/logs/2024-01-03-00-00-00-CCCC`,
    );
    const found = [...discoverLogFiles(`${dir}/logs`)].map((entry) =>
      entry.kind === "log" ? entry.file.path : `${entry.kind}:${entry.path}`
    );
    assert.deepStrictEqual(found, [
      "2024/2024-01-01-00-00-00-AAAA",
      "other:2024-01-02-00-00-00-BBBB",
      "2024-01-03-00-00-00-CCCC",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
