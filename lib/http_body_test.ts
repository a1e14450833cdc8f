import assert from "node:assert/strict";
import { BodyTooLargeError, readBody } from "./http_body.ts";

Deno.test("an endless answer is cut off at the ceiling, with bounded memory", async () => {
  let sent = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () =>
    new Response(
      new ReadableStream({
        pull(controller) {
          sent += 65536;
          controller.enqueue(new Uint8Array(65536));
        },
      }),
    ));
  try {
    const response = await fetch(`http://127.0.0.1:${server.addr.port}/`);
    await assert.rejects(() => readBody(response, 1024 * 1024), BodyTooLargeError);
    assert.deepStrictEqual(sent < 64 * 1024 * 1024, true, `${sent} bytes sent before the cut`);
    // A declared length past the ceiling is refused before reading anything.
    const declared = new Response("x".repeat(10), { headers: { "content-length": "10" } });
    await assert.rejects(() => readBody(declared, 5), BodyTooLargeError);
  } finally {
    await server.shutdown();
  }
});
