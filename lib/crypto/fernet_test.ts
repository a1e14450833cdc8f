import assert from "node:assert/strict";
import { deriveFernetKey, deriveLegacyFernetKey } from "./cache_secrets.ts";
import { decodeFernetBase64, encodeFernetBase64, Fernet, InvalidTokenError } from "./fernet.ts";

// Test vectors of the reference (reference-behaviour.md §2.8), computed with Python's
// hashlib and cryptography.
const PASSWORD = "Tr0ub4dor&3-example-passphrase";
const HEAD_KEY = "nEF4ShUxXv2XFXhqS8tHoJ8cL3Tt09b2orhuEHz7cTM=";
const LEGACY_KEY = "Xdstqdel9L5CKFZTTY7ZQZlfZl3Xrp40Xs_MLYQpeoc=";
const TOKEN =
  "gAAAAABpVbkAAAECAwQFBgcICQoLDA0ODxRmVy06jS0OsevF3jjD89xAnCbWA1x3SonaiODMIwXiO_PRy3qjBHeTaKpI8uqRLg==";

Deno.test("keys derived as the reference derives them (PBKDF2 and the older SHA-256)", async () => {
  assert.deepStrictEqual(
    encodeFernetBase64(await deriveFernetKey({ password: PASSWORD })),
    HEAD_KEY,
  );
  assert.deepStrictEqual(encodeFernetBase64(await deriveLegacyFernetKey(PASSWORD)), LEGACY_KEY);
});

Deno.test("the reference's token is reproduced byte for byte and decrypts", async () => {
  const fernet = await Fernet.fromKey(HEAD_KEY);
  const iv = new Uint8Array(16).map((_, i) => i);
  assert.deepStrictEqual(await fernet.encrypt("192.0.2.0\n", { time: 1767225600, iv }), TOKEN);
  assert.deepStrictEqual(await fernet.decryptText(TOKEN), "192.0.2.0\n");
});

Deno.test("tokens made with the older SHA-256 key are read with that key (migration)", async () => {
  const legacy = await Fernet.fromKey(await deriveLegacyFernetKey(PASSWORD));
  const token = await legacy.encrypt("198.51.100.7\n");
  assert.deepStrictEqual(await legacy.decryptText(token), "198.51.100.7\n");
  await assert.rejects(
    () => Fernet.fromKey(HEAD_KEY).then((f) => f.decrypt(token)),
    InvalidTokenError,
  );
});

Deno.test("a modified, truncated or foreign token is rejected", async () => {
  const fernet = await Fernet.fromKey(HEAD_KEY);
  const raw = decodeFernetBase64(TOKEN);
  raw[30] ^= 1;
  await assert.rejects(() => fernet.decrypt(encodeFernetBase64(raw)), InvalidTokenError);
  await assert.rejects(() => fernet.decrypt(TOKEN.slice(0, 40)), InvalidTokenError);
  await assert.rejects(() => fernet.decrypt("not base64 !"), InvalidTokenError);
  const other = await Fernet.fromKey(new Uint8Array(32));
  await assert.rejects(() => other.decrypt(TOKEN), InvalidTokenError);
});

Deno.test("empty and multi-block plaintexts round-trip", async () => {
  const fernet = await Fernet.fromKey(crypto.getRandomValues(new Uint8Array(32)));
  for (const text of ["", "x", "0123456789abcdef", "192.0.2.0\n".repeat(1000)]) {
    assert.deepStrictEqual(await fernet.decryptText(await fernet.encrypt(text)), text);
  }
});
