/**
 * Fernet tokens (the format of Python's `cryptography` package) through WebCrypto, so caches
 * written by the reference can be read and ours can be read by it.
 *
 * A token is base64url( 0x80 ‖ 8-byte big-endian time ‖ 16-byte IV ‖ AES-128-CBC/PKCS7
 * ciphertext ‖ HMAC-SHA256 of everything before it ), with `=` padding.
 *
 * @module
 */

const VERSION = 0x80;
const HEADER = 1 + 8 + 16;
const MAC = 32;

/** Options of {@linkcode Fernet.encrypt}, for reproducible tokens in tests. */
export interface FernetEncryptOptions {
  /** The token's time in seconds since the epoch (default: now). */
  time?: number;
  /** The 16-byte IV (default: random). */
  iv?: Uint8Array<ArrayBuffer>;
}

/** Raised when a token is not a valid Fernet token for the key. */
export class InvalidTokenError extends Error {
  /** Creates the error. */
  constructor(message = "Cannot decrypt token: it is malformed or was made with another key") {
    super(message);
    this.name = "InvalidTokenError";
  }
}

/**
 * Encrypts and decrypts Fernet tokens with one 32-byte key.
 *
 * @example Round trip
 * ```ts
 * import { Fernet } from "./fernet.ts";
 * import assert from "node:assert/strict";
 *
 * const fernet = await Fernet.fromKey(crypto.getRandomValues(new Uint8Array(32)));
 * const token = await fernet.encrypt("192.0.2.0\n");
 * assert.deepStrictEqual(new TextDecoder().decode(await fernet.decrypt(token)), "192.0.2.0\n");
 * ```
 */
export class Fernet {
  #signing: CryptoKey;
  #encryption: CryptoKey;

  private constructor(signing: CryptoKey, encryption: CryptoKey) {
    this.#signing = signing;
    this.#encryption = encryption;
  }

  /** Creates a Fernet from the raw 32-byte key or its base64url text form. */
  static async fromKey(key: Uint8Array<ArrayBuffer> | string): Promise<Fernet> {
    const raw = typeof key === "string" ? decodeFernetBase64(key) : key;
    if (raw.length !== 32) throw new RangeError("Cannot use Fernet key: it must be 32 bytes long");
    const signing = await crypto.subtle.importKey(
      "raw",
      raw.slice(0, 16),
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    const encryption = await crypto.subtle.importKey("raw", raw.slice(16), "AES-CBC", false, [
      "encrypt",
      "decrypt",
    ]);
    return new Fernet(signing, encryption);
  }

  /** Encrypts bytes or UTF-8 text into a token. */
  async encrypt(
    data: Uint8Array<ArrayBuffer> | string,
    options: FernetEncryptOptions = {},
  ): Promise<string> {
    const plain = typeof data === "string" ? new TextEncoder().encode(data) : data;
    const iv = options.iv ?? crypto.getRandomValues(new Uint8Array(16));
    const time = options.time ?? Math.floor(Date.now() / 1000);
    const cipher = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-CBC", iv }, this.#encryption, plain),
    );
    const token = new Uint8Array(HEADER + cipher.length + MAC);
    token[0] = VERSION;
    new DataView(token.buffer).setBigUint64(1, BigInt(time));
    token.set(iv, 9);
    token.set(cipher, HEADER);
    const body = token.subarray(0, HEADER + cipher.length);
    const mac = await crypto.subtle.sign("HMAC", this.#signing, body);
    token.set(new Uint8Array(mac), HEADER + cipher.length);
    return encodeFernetBase64(token);
  }

  /** Decrypts a token (no time-to-live is enforced, as in the reference). */
  async decrypt(token: string): Promise<Uint8Array<ArrayBuffer>> {
    let raw: Uint8Array<ArrayBuffer>;
    try {
      raw = decodeFernetBase64(token.trim());
    } catch {
      throw new InvalidTokenError("Cannot decrypt token: it is not base64url text");
    }
    if (raw.length < HEADER + 16 + MAC || raw[0] !== VERSION || (raw.length - HEADER - MAC) % 16) {
      throw new InvalidTokenError("Cannot decrypt token: it is not a Fernet token");
    }
    const body = raw.subarray(0, raw.length - MAC);
    const valid = await crypto.subtle.verify(
      "HMAC",
      this.#signing,
      raw.subarray(raw.length - MAC),
      body,
    );
    if (!valid) throw new InvalidTokenError();
    const plain = await crypto.subtle.decrypt(
      { name: "AES-CBC", iv: raw.subarray(9, HEADER) },
      this.#encryption,
      raw.subarray(HEADER, raw.length - MAC),
    );
    return new Uint8Array(plain);
  }

  /** Decrypts a token holding UTF-8 text. */
  async decryptText(token: string): Promise<string> {
    return new TextDecoder().decode(await this.decrypt(token));
  }
}

/**
 * Encodes bytes as base64url with `=` padding (the form Fernet keys and tokens use).
 *
 * @example Usage
 * ```ts
 * import { encodeFernetBase64 } from "./fernet.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(encodeFernetBase64(new Uint8Array([0xfb, 0xff])), "-_8=");
 * ```
 */
export function encodeFernetBase64(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url" });
}

/**
 * Decodes base64url text, with or without padding.
 *
 * @example Usage
 * ```ts
 * import { decodeFernetBase64 } from "./fernet.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(decodeFernetBase64("-_8="), new Uint8Array([0xfb, 0xff]));
 * ```
 */
export function decodeFernetBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.fromBase64(text, { alphabet: "base64url" });
}
