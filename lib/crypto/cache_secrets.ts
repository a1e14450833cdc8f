/**
 * The secrets that protect a cache: the Fernet key (PBKDF2-HMAC-SHA256, 600,000 iterations,
 * exactly as the reference derives it, so each side can read the other's tokens) and a key for
 * the keyed hash that finds an IP again without decrypting the table.
 *
 * @module
 */

import { encodeFernetBase64, Fernet } from "./fernet.ts";
import { OperatorError } from "../errors.ts";
import { passwordProblems } from "./password_strength.ts";
import { HmacSha256 } from "../sha256.ts";
import { type Environment, PASSWORD_VARIABLE, SALT_VARIABLE } from "../env.ts";

/** The reference's salt when `S3_LOG_EXTRACTION_SALT` is not set. */
export const DEFAULT_SALT = "s3_log_extraction";
/** PBKDF2 iterations (the OWASP value the reference uses). */
export const PBKDF2_ITERATIONS = 600_000;

/** What a cache needs to encrypt IPs and find them again. */
export interface CacheSecrets {
  /** Encrypts IPs and quarantined lines. */
  fernet: Fernet;
  /** Keyed hash of an IP (HMAC-SHA256): finds its row without decrypting anything. */
  hashIp(ip: string): Uint8Array;
  /** The reference's older key (plain SHA-256 of the password): reads its old tokens only. */
  legacyFernet: Fernet;
}

/** Options of {@linkcode deriveFernetKey}. */
export interface DeriveKeyOptions {
  /** The password. */
  password: string;
  /** The salt (default {@linkcode DEFAULT_SALT}). */
  salt?: string;
  /**
   * PBKDF2 iterations; lower only in tests. With the default the password must pass
   * {@linkcode checkPasswordStrength}, as the command line requires, so that a cache made
   * through the library can be opened by the command line.
   *
   * @default {600000}
   */
  iterations?: number;
}

/**
 * The reference's Fernet key: PBKDF2-HMAC-SHA256(password, salt, 600,000 iterations, 32 bytes).
 *
 * @example Usage
 * ```ts
 * import { deriveFernetKey } from "./cache_secrets.ts";
 * import { encodeFernetBase64 } from "./fernet.ts";
 * import assert from "node:assert/strict";
 *
 * const key = await deriveFernetKey({ password: "Tr0ub4dor&3-example-passphrase" });
 * assert.deepStrictEqual(encodeFernetBase64(key), "nEF4ShUxXv2XFXhqS8tHoJ8cL3Tt09b2orhuEHz7cTM=");
 * ```
 */
export async function deriveFernetKey(options: DeriveKeyOptions): Promise<Uint8Array<ArrayBuffer>> {
  const encoder = new TextEncoder();
  const base = await crypto.subtle.importKey(
    "raw",
    encoder.encode(options.password),
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const bits = await crypto.subtle.deriveBits(
    {
      name: "PBKDF2",
      hash: "SHA-256",
      salt: encoder.encode(options.salt ?? DEFAULT_SALT),
      iterations: options.iterations ?? PBKDF2_ITERATIONS,
    },
    base,
    256,
  );
  return new Uint8Array(bits);
}

/**
 * The key of the reference's first release: base64url(SHA-256(password)) as a Fernet key, for
 * reading old caches.
 *
 * @example Usage
 * ```ts
 * import { deriveLegacyFernetKey } from "./cache_secrets.ts";
 * import { encodeFernetBase64 } from "./fernet.ts";
 * import assert from "node:assert/strict";
 *
 * const key = await deriveLegacyFernetKey("Tr0ub4dor&3-example-passphrase");
 * assert.deepStrictEqual(encodeFernetBase64(key), "Xdstqdel9L5CKFZTTY7ZQZlfZl3Xrp40Xs_MLYQpeoc=");
 * ```
 */
export async function deriveLegacyFernetKey(password: string): Promise<Uint8Array<ArrayBuffer>> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(password));
  return new Uint8Array(digest);
}

/**
 * Derives the secrets of a cache from a password: once per process, since PBKDF2 is slow on
 * purpose.
 *
 * @param options The password, and optionally the salt and iteration count.
 * @returns The Fernet key of the IP table and the key of the IP hashes.
 * @throws {OperatorError} When the password is too weak for a real cache (see the README's password
 * rules).
 *
 * @example Usage
 * ```ts
 * import { deriveCacheSecrets } from "./cache_secrets.ts";
 * import assert from "node:assert/strict";
 *
 * const secrets = await deriveCacheSecrets({ password: "correct horse battery staple 42" });
 * const a = secrets.hashIp("192.0.2.0");
 * assert.deepStrictEqual(a, secrets.hashIp("192.0.2.0"));
 * assert.deepStrictEqual(a.length, 32);
 * // The command line's strength rules apply: a cache it could not open is never made.
 * await assert.rejects(() => deriveCacheSecrets({ password: "hunter2" }), /not strong enough/);
 * ```
 */
export async function deriveCacheSecrets(options: DeriveKeyOptions): Promise<CacheSecrets> {
  if ((options.iterations ?? PBKDF2_ITERATIONS) === PBKDF2_ITERATIONS) {
    checkPasswordStrength(options.password);
  }
  const key = await deriveFernetKey(options);
  const fernet = await Fernet.fromKey(key);
  const encoder = new TextEncoder();
  const hashKey = new HmacSha256(key).digest(encoder.encode("s3-log-extraction ip hash v1"));
  const mac = new HmacSha256(hashKey);
  const legacyFernet = await Fernet.fromKey(await deriveLegacyFernetKey(options.password));
  return { fernet, hashIp: (ip) => mac.digest(encoder.encode(ip)), legacyFernet };
}

/**
 * Throws an {@linkcode OperatorError} listing what makes `password` too weak for a cache (the
 * reference's rules: at least 16 characters, 8 distinct, 90 bits by its estimate, not one
 * piece repeated).
 *
 * @example Usage
 * ```ts
 * import { checkPasswordStrength } from "./cache_secrets.ts";
 * import assert from "node:assert/strict";
 *
 * checkPasswordStrength("correct horse battery staple 42");
 * assert.throws(() => checkPasswordStrength("Password123!"), /at least 16 characters/);
 * ```
 */
export function checkPasswordStrength(password: string): void {
  const problems = passwordProblems(password);
  if (problems.length > 0) {
    throw new OperatorError(
      `The value of ${PASSWORD_VARIABLE} is not strong enough: ${problems.join("; ")}. Use a ` +
        "randomly generated secret, for example the output of `openssl rand -base64 32`.",
    );
  }
}

/**
 * Reads the password (and salt) from the environment, checks its strength and derives the
 * secrets; a missing or weak password is an {@linkcode OperatorError} that says what to do.
 *
 * @example Usage
 * ```ts
 * import { secretsFromEnvironment } from "./cache_secrets.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(() => secretsFromEnvironment(new Map()), /S3_LOG_EXTRACTION_PASSWORD is not set/);
 * ```
 */
export async function secretsFromEnvironment(
  env: Environment = Deno.env,
): Promise<CacheSecrets> {
  const password = env.get(PASSWORD_VARIABLE);
  if (password === undefined || password === "") {
    throw new OperatorError(
      `${PASSWORD_VARIABLE} is not set: it encrypts the client IPs in the cache. Set it to a ` +
        "long random secret (for example the output of `openssl rand -base64 32`) and keep it: " +
        "the same password is needed to read this cache again.",
    );
  }
  return await deriveCacheSecrets({ password, salt: env.get(SALT_VARIABLE) || DEFAULT_SALT });
}

/**
 * A new random password that passes {@linkcode passwordProblems} (43 base64url characters).
 *
 * @example Usage
 * ```ts
 * import { randomPassword } from "./cache_secrets.ts";
 * import { passwordProblems } from "./password_strength.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(passwordProblems(randomPassword()), []);
 * ```
 */
export function randomPassword(): string {
  for (;;) {
    const password = encodeFernetBase64(crypto.getRandomValues(new Uint8Array(32))).replace(
      /=+$/,
      "",
    );
    if (passwordProblems(password).length === 0) return password;
  }
}
