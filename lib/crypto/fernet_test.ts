import { assertEquals, assertRejects } from "../_assert.ts";
import { deriveFernetKey, deriveLegacyFernetKey } from "./cache_secrets.ts";
import { decodeBase64Url, encodeBase64Url, Fernet, InvalidTokenError } from "./fernet.ts";

// Test vectors of the reference (reference-behaviour.md §2.8), computed with Python's
// hashlib and cryptography.
const PASSWORD = "Tr0ub4dor&3-example-passphrase";
const HEAD_KEY = "nEF4ShUxXv2XFXhqS8tHoJ8cL3Tt09b2orhuEHz7cTM=";
const LEGACY_KEY = "Xdstqdel9L5CKFZTTY7ZQZlfZl3Xrp40Xs_MLYQpeoc=";
const TOKEN =
  "gAAAAABpVbkAAAECAwQFBgcICQoLDA0ODxRmVy06jS0OsevF3jjD89xAnCbWA1x3SonaiODMIwXiO_PRy3qjBHeTaKpI8uqRLg==";

Deno.test("keys derived as the reference derives them (PBKDF2 and the older SHA-256)", async () => {
  assertEquals(encodeBase64Url(await deriveFernetKey({ password: PASSWORD })), HEAD_KEY);
  assertEquals(encodeBase64Url(await deriveLegacyFernetKey(PASSWORD)), LEGACY_KEY);
});

Deno.test("the reference's token is reproduced byte for byte and decrypts", async () => {
  const fernet = await Fernet.fromKey(HEAD_KEY);
  const iv = new Uint8Array(16).map((_, i) => i);
  assertEquals(await fernet.encrypt("192.0.2.0\n", { time: 1767225600, iv }), TOKEN);
  assertEquals(await fernet.decryptText(TOKEN), "192.0.2.0\n");
});

Deno.test("tokens made with the older SHA-256 key are read with that key (migration)", async () => {
  const legacy = await Fernet.fromKey(await deriveLegacyFernetKey(PASSWORD));
  const token = await legacy.encrypt("198.51.100.7\n");
  assertEquals(await legacy.decryptText(token), "198.51.100.7\n");
  await assertRejects(
    () => Fernet.fromKey(HEAD_KEY).then((f) => f.decrypt(token)),
    InvalidTokenError,
  );
});

Deno.test("a modified, truncated or foreign token is rejected", async () => {
  const fernet = await Fernet.fromKey(HEAD_KEY);
  const raw = decodeBase64Url(TOKEN);
  raw[30] ^= 1;
  await assertRejects(() => fernet.decrypt(encodeBase64Url(raw)), InvalidTokenError);
  await assertRejects(() => fernet.decrypt(TOKEN.slice(0, 40)), InvalidTokenError);
  await assertRejects(() => fernet.decrypt("not base64 !"), InvalidTokenError);
  const other = await Fernet.fromKey(new Uint8Array(32));
  await assertRejects(() => other.decrypt(TOKEN), InvalidTokenError);
});

Deno.test("empty and multi-block plaintexts round-trip", async () => {
  const fernet = await Fernet.fromKey(crypto.getRandomValues(new Uint8Array(32)));
  for (const text of ["", "x", "0123456789abcdef", "192.0.2.0\n".repeat(1000)]) {
    assertEquals(await fernet.decryptText(await fernet.encrypt(text)), text);
  }
});
