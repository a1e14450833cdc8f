import assert from "node:assert/strict";
import { signRequest } from "./sigv4.ts";

// AWS's published examples of header-based SigV4 for S3 ("Examples: Signature calculations").
const context = {
  credentials: {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  },
  region: "us-east-1",
  date: new Date("2013-05-24T00:00:00Z"),
};
const host = "examplebucket.s3.amazonaws.com";
const signature = (authorization: string) => authorization.split("Signature=")[1];

Deno.test("SigV4: GET Object with a Range header", async () => {
  const headers = await signRequest(
    { method: "GET", host, path: "/test.txt", headers: { Range: "bytes=0-9" } },
    context,
  );
  assert.deepStrictEqual(
    headers.authorization,
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request," +
      "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date," +
      "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
  );
  assert.deepStrictEqual(headers["x-amz-date"], "20130524T000000Z");
});

Deno.test("SigV4: GET Bucket (list objects) with query parameters", async () => {
  const headers = await signRequest(
    { method: "GET", host, path: "/", query: { "max-keys": "2", prefix: "J" } },
    context,
  );
  assert.deepStrictEqual(
    signature(headers.authorization),
    "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7",
  );
});

Deno.test("SigV4: GET Bucket lifecycle (a parameter without a value)", async () => {
  const headers = await signRequest(
    { method: "GET", host, path: "/", query: { lifecycle: "" } },
    context,
  );
  assert.deepStrictEqual(
    signature(headers.authorization),
    "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543",
  );
});

Deno.test("SigV4: PUT Object with a body hash and extra headers", async () => {
  const headers = await signRequest(
    {
      method: "PUT",
      host,
      path: "/test$file.text",
      headers: {
        Date: "Fri, 24 May 2013 00:00:00 GMT",
        "x-amz-storage-class": "REDUCED_REDUNDANCY",
      },
      payloadHash: "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
    },
    context,
  );
  assert.deepStrictEqual(
    signature(headers.authorization),
    "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd",
  );
});

Deno.test("SigV4: a session token is signed and sent", async () => {
  const headers = await signRequest(
    { method: "GET", host, path: "/a" },
    { ...context, credentials: { ...context.credentials, sessionToken: "token" } },
  );
  assert.deepStrictEqual(headers["x-amz-security-token"], "token");
  assert.deepStrictEqual(headers.authorization.includes("x-amz-date;x-amz-security-token"), true);
});
