import assert from "node:assert/strict";
import { secretsFromEnvironment } from "./cache_secrets.ts";
import { passwordProblems } from "./password_strength.ts";

Deno.test("the reference's password table (reference-behaviour.md §2.8)", () => {
  const fails = [
    "hunter2",
    "Password123!",
    "a".repeat(20),
    "12345678901234567890",
    "abcdefghijklmnop",
  ];
  for (const password of fails) {
    assert.deepStrictEqual(passwordProblems(password).length > 0, true, password);
  }
  const passes = [
    "Tr0ub4dor&3-example-passphrase",
    "3f9c2a1b7d4e6f8091a2b3c4d5e6f708", // token_hex(16)
    "1c6a2b9e0d4f4a7b8c3d2e1f0a9b8c7d", // a UUID's hex
    "mK3_qP9-xZ2wL5vN8tR4yB7", // token_urlsafe(16)
  ];
  for (const password of passes) assert.deepStrictEqual(passwordProblems(password), [], password);
});

Deno.test("the reference's messages, all problems joined", () => {
  assert.deepStrictEqual(passwordProblems("hunter2"), [
    "it must be at least 16 characters long (got 7)",
    "it must contain at least 8 distinct characters (got 7)",
    "its estimated entropy must be at least 90 bits (got 36)",
  ]);
});

Deno.test("obvious repeats are rejected although their entropy estimate is high", () => {
  assert.deepStrictEqual(passwordProblems("Password123!Password123!"), [
    "it is one 12-character piece repeated",
  ]);
  assert.deepStrictEqual(passwordProblems("Xy7#Xy7#Xy7#Xy7#Xy7#Xy7#").length > 0, true);
});

Deno.test("a missing or weak password stops before any work, saying what to do", async () => {
  await assert.rejects(
    () => secretsFromEnvironment(new Map()),
    /S3_LOG_EXTRACTION_PASSWORD is not set.*openssl rand -base64 32/,
  );
  await assert.rejects(
    () => secretsFromEnvironment(new Map([["S3_LOG_EXTRACTION_PASSWORD", "hunter2"]])),
    /not strong enough: it must be at least 16 characters long \(got 7\)/,
  );
});
