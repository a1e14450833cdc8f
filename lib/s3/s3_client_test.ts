import assert from "node:assert/strict";
import { S3Client } from "./s3_client.ts";

const credentials = { accessKeyId: "AKID", secretAccessKey: "secret" };

function mockS3(answer: (url: URL, count: number) => Response) {
  let count = 0;
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const url = new URL(request.url);
    seen.push(url.pathname + url.search);
    if (!request.headers.get("authorization")?.startsWith("AWS4-HMAC-SHA256 Credential=AKID/")) {
      return new Response("unsigned", { status: 400 });
    }
    return answer(url, count++);
  });
  const client = new S3Client({
    credentials,
    region: "us-east-1",
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    retryDelayMs: 0,
  });
  return { server, client, seen };
}

const page = (keys: string[], next?: string) =>
  new Response(
    `<?xml version="1.0"?><ListBucketResult>${
      keys.map((k) =>
        `<Contents><Key>${k}</Key><Size>7</Size><LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents>`
      ).join("")
    }<IsTruncated>${next ? "true" : "false"}</IsTruncated>${
      next ? `<NextContinuationToken>${next}</NextContinuationToken>` : ""
    }</ListBucketResult>`,
  );

Deno.test("list follows continuation tokens and decodes XML entities", async () => {
  const { server, client, seen } = mockS3((url) =>
    url.searchParams.get("continuation-token") === "t/2"
      ? page(["p/b &amp; c"])
      : page(["p/a"], "t/2")
  );
  try {
    const keys = [];
    for await (const object of client.list({ bucket: "logs", prefix: "p/" })) keys.push(object);
    assert.deepStrictEqual(keys.map((k) => k.key), ["p/a", "p/b & c"]);
    assert.deepStrictEqual(keys[0].lastModified, Date.UTC(2024, 0, 1));
    assert.deepStrictEqual(seen, [
      "/logs/?list-type=2&prefix=p%2F",
      "/logs/?list-type=2&prefix=p%2F&continuation-token=t%2F2",
    ]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("5xx and SlowDown are retried; 403 stops with what to check", async () => {
  const { server, client } = mockS3((_, count) =>
    count === 0
      ? new Response("<Error><Code>SlowDown</Code></Error>", { status: 503 })
      : count === 1
      ? new Response("oops", { status: 500 })
      : new Response("content")
  );
  try {
    assert.deepStrictEqual(new TextDecoder().decode(await client.get("logs", "a b")), "content");
  } finally {
    await server.shutdown();
  }
  const denied = mockS3(() =>
    new Response("<Error><Code>AccessDenied</Code></Error>", { status: 403 })
  );
  try {
    await assert.rejects(
      () => denied.client.get("logs", "k"),
      Error,
      "S3 refused s3://logs/k (HTTP 403 AccessDenied). Check the bucket, the credentials",
    );
  } finally {
    await denied.server.shutdown();
  }
});

Deno.test("a server that keeps failing ends the request with the last reason", async () => {
  const { server, client } = mockS3(() => new Response("busy", { status: 503 }));
  try {
    await assert.rejects(
      () => client.get("logs", "k"),
      Error,
      "S3 kept failing for s3://logs/k (HTTP 503)",
    );
  } finally {
    await server.shutdown();
  }
});
