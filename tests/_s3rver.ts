/**
 * A real S3-compatible server for the tests: the npm package `s3rver`, installed by `.ci/run`
 * into the ignored `.tools/s3rver/` (never a dependency of the library). It checks SigV4
 * signatures with its fixed credentials `S3RVER` / `S3RVER`.
 */

import { join } from "node:path";
import { payloadHash, signRequest, uriEncode } from "../lib/s3/sigv4.ts";
import { exists, ROOT } from "./_helpers.ts";

/** The s3rver command, if installed. */
export const S3RVER: string | undefined = exists(
    join(ROOT, ".tools", "s3rver", "node_modules", ".bin", "s3rver"),
  )
  ? join(ROOT, ".tools", "s3rver", "node_modules", ".bin", "s3rver")
  : undefined;

/** The credentials s3rver accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" };

/** Environment variables pointing the tool at a server at `endpoint`. */
export function s3Env(endpoint: string): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL: endpoint,
  };
}

/** A running server with one bucket. */
export interface TestS3 extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`. */
  endpoint: string;
  /** Uploads an object. */
  put(key: string, body: Uint8Array): Promise<void>;
  /** The server process (for tests that stop it). */
  process: Deno.ChildProcess;
}

/** Starts s3rver on a free port with an empty bucket `bucket`, data in `directory`. */
export async function startS3(directory: string, bucket: string): Promise<TestS3> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const process = new Deno.Command(S3RVER!, {
    args: [
      "-d",
      directory,
      "-a",
      "127.0.0.1",
      "-p",
      String(port),
      "--silent",
      "--configure-bucket",
      bucket,
    ],
    // Its continuation tokens use DES, which OpenSSL 3 keeps in the legacy provider: without
    // it, any listing longer than one page fails with InternalError.
    env: { NODE_OPTIONS: "--openssl-legacy-provider" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0;; i++) {
    try {
      await (await fetch(endpoint)).body?.cancel();
      break;
    } catch (error) {
      if (i > 200) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const put = async (key: string, body: Uint8Array) => {
    const hash = await payloadHash(body);
    const host = `127.0.0.1:${port}`;
    const path = `/${bucket}/${key}`;
    const headers = await signRequest(
      { method: "PUT", host, path, payloadHash: hash },
      { credentials: S3RVER_CREDENTIALS, region: "us-east-1" },
    );
    const response = await fetch(`http://${host}${path.split("/").map(uriEncode).join("/")}`, {
      method: "PUT",
      headers,
      body: body as Uint8Array<ArrayBuffer>,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`PUT ${key}: ${response.status} ${text}`);
  };
  return {
    endpoint,
    put,
    process,
    async [Symbol.asyncDispose]() {
      process.kill("SIGTERM");
      await process.status;
    },
  };
}
