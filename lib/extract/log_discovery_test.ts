import assert from "node:assert/strict";
import { discoverLogFiles, isLogFileName, notLogEntry, PARQUET_REASON } from "./log_discovery.ts";

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

Deno.test("the JSON deliveries' file names are log files; Parquet files are reported", () => {
  const logs = [
    "2024-01-01-00-00-00-0123456789ABCDEF",
    "access.log.gz",
    "records.json",
    "records.jsonl.gz",
    "part.ndjson",
    "000000.gz", // a CloudWatch Logs export task's object
    "000012",
    "s3-logs-1-2026-07-01-12-00-00-0b6c5a0e-3f53-4c11-9b2a-8e1d2c3f4a5b", // Firehose
    "s3-logs-1-2026-07-01-12-00-00-0b6c5a0e-3f53-4c11-9b2a-8e1d2c3f4a5b.gz",
  ];
  const others = ["README.md", "aws-logs-write-test", ".records.json", "0000.gz", "notes.txt"];
  assert.deepStrictEqual(logs.filter(isLogFileName), logs);
  assert.deepStrictEqual(others.filter(isLogFileName), []);
  assert.deepStrictEqual(notLogEntry("x/part-0.parquet"), {
    kind: "unreadable",
    path: "x/part-0.parquet",
    reason: PARQUET_REASON,
  });
});
