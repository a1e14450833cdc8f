import assert from "node:assert/strict";
import { HmacSha256, sha256 } from "./sha256.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const fromHex = (text: string) => Uint8Array.from(text.match(/../g)!.map((h) => parseInt(h, 16)));
const encoder = new TextEncoder();

Deno.test("SHA-256 vectors of FIPS 180-4 (empty, one block, two blocks, a million a's)", () => {
  assert.deepStrictEqual(
    hex(sha256(new Uint8Array())),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.deepStrictEqual(
    hex(sha256(encoder.encode("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"))),
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
  );
  assert.deepStrictEqual(
    hex(sha256(new Uint8Array(1_000_000).fill(0x61))),
    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
  );
});

Deno.test("HMAC-SHA256 vectors of RFC 4231 (cases 1, 2 and 6)", () => {
  assert.deepStrictEqual(
    hex(new HmacSha256(fromHex("0b".repeat(20))).digest(encoder.encode("Hi There"))),
    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
  );
  assert.deepStrictEqual(
    hex(
      new HmacSha256(encoder.encode("Jefe")).digest(encoder.encode("what do ya want for nothing?")),
    ),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
  assert.deepStrictEqual(
    hex(
      new HmacSha256(fromHex("aa".repeat(131))).digest(
        encoder.encode("Test Using Larger Than Block-Size Key - Hash Key First"),
      ),
    ),
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
  );
});

Deno.test("HMAC-SHA256 equals WebCrypto for every message length from 0 to 200 bytes", async () => {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const webKey = await crypto.subtle.importKey(
    "raw",
    key,
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  const mac = new HmacSha256(key);
  for (let length = 0; length <= 200; length++) {
    const message = crypto.getRandomValues(new Uint8Array(length));
    assert.deepStrictEqual(
      hex(mac.digest(message)),
      hex(new Uint8Array(await crypto.subtle.sign("HMAC", webKey, message))),
    );
  }
});
