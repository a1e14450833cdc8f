/**
 * The kind of client behind a request, from its User-Agent: classified at extraction, stored as
 * one byte per request, and the User-Agent itself forgotten. Rules are substrings of the
 * lower-cased User-Agent (or prefixes, where marked), tried in the order of
 * {@linkcode CLIENT_KIND_RULES}; the first that matches wins.
 *
 * @module
 */

import { ByteArena, wordView } from "./byte_search.ts";

/** The kinds, by their stored code (the index). */
export const CLIENT_KINDS = [
  "unknown",
  "browser",
  "archive-client",
  "library",
  "crawler",
  "other",
] as const;

/** A kind of client. */
export type ClientKind = typeof CLIENT_KINDS[number];

/** The stored code of each kind. */
export const CLIENT_KIND_CODES: Readonly<Record<ClientKind, number>> = Object.fromEntries(
  CLIENT_KINDS.map((kind, code) => [kind, code]),
) as Record<ClientKind, number>;

/** One rule: a kind, and the lower-cased texts that make it (prefixes or substrings). */
export interface ClientKindRule {
  /** The kind the rule gives. */
  kind: ClientKind;
  /** Texts the User-Agent starts with. */
  prefixes: readonly string[];
  /** Texts anywhere in the User-Agent. */
  substrings: readonly string[];
}

/**
 * The archive's own tools, by default (DANDI's command-line client and its WebDAV view):
 * User-Agent prefixes, replaced by `S3_LOG_EXTRACTION_ARCHIVE_CLIENTS`.
 */
export const DEFAULT_ARCHIVE_CLIENTS: readonly string[] = ["dandi/", "dandi-cli/", "dandidav/"];

/**
 * The rules, in order, with `archiveClients` as the archive's own tools. Crawlers come first
 * (they announce themselves inside a browser's User-Agent: `Mozilla/5.0 (compatible;
 * Googlebot/2.1)`), then the archive's tools and libraries (before browsers: some libraries
 * say `Mozilla` too), then browsers.
 *
 * @example Usage
 * ```ts
 * import { clientKindRules } from "./client_kind.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(clientKindRules(["mytool/"]).map((r) => r.kind), ["unknown", "crawler", "archive-client", "library", "browser"]);
 * ```
 */
export function clientKindRules(archiveClients: readonly string[]): ClientKindRule[] {
  return [
    { kind: "unknown", prefixes: [], substrings: [] }, // "-" or empty: see classifyUserAgent
    {
      kind: "crawler",
      prefixes: [],
      substrings: [
        "googlebot",
        "bingbot",
        "baiduspider",
        "yandex",
        "duckduckbot",
        "slurp",
        "applebot",
        "ahrefsbot",
        "semrushbot",
        "mj12bot",
        "petalbot",
        "bytespider",
        "gptbot",
        "claudebot",
        "ccbot",
        "facebookexternalhit",
        "bot/",
        "bot;",
        "bot)",
        "spider",
        "crawl",
      ],
    },
    {
      kind: "archive-client",
      prefixes: archiveClients.map((prefix) => prefix.toLowerCase()),
      substrings: [],
    },
    {
      kind: "library",
      prefixes: ["curl/", "wget/", "java/", "go-http-client/", "okhttp/", "axios/", "node-fetch"],
      substrings: [
        "python-requests",
        "urllib",
        "aiohttp",
        "httpx",
        "boto3",
        "botocore",
        "boto/",
        "aws-cli",
        "aws-sdk-",
        "s3fs",
        "fsspec",
        "h5py",
        "ros3",
        "libcurl",
        "git-annex",
        "datalad",
        "rclone",
        "remfile",
        "zarr",
      ],
    },
    { kind: "browser", prefixes: ["mozilla/", "opera/"], substrings: [] },
  ];
}

/**
 * The kind of a User-Agent by `rules` (see {@linkcode clientKindRules}): `unknown` for `-` or
 * nothing, `other` when no rule matches.
 *
 * @example Usage
 * ```ts
 * import { classifyUserAgent, clientKindRules, DEFAULT_ARCHIVE_CLIENTS } from "./client_kind.ts";
 * import assert from "node:assert/strict";
 *
 * const rules = clientKindRules(DEFAULT_ARCHIVE_CLIENTS);
 * assert.deepStrictEqual(classifyUserAgent("dandi/0.58.0 requests/2.31.0 CPython/3.11", rules), "archive-client");
 * assert.deepStrictEqual(classifyUserAgent("Mozilla/5.0 (compatible; Googlebot/2.1)", rules), "crawler");
 * assert.deepStrictEqual(classifyUserAgent("Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0", rules), "browser");
 * assert.deepStrictEqual(classifyUserAgent("-", rules), "unknown");
 * ```
 */
export function classifyUserAgent(userAgent: string, rules: readonly ClientKindRule[]): ClientKind {
  const text = userAgent.trim().toLowerCase();
  if (text === "" || text === "-") return "unknown";
  for (const rule of rules) {
    if (
      rule.prefixes.some((prefix) => text.startsWith(prefix)) ||
      rule.substrings.some((part) => text.includes(part))
    ) {
      return rule.kind;
    }
  }
  return "other";
}

const UA_DECODER = new TextDecoder();
const SLOTS = 1 << 12;
/** Bytes of User-Agents the cache keeps; when full it starts again, empty. */
const ARENA_BYTES = 1 << 20;
/** User-Agents longer than this are classified each time, not kept. */
const MAX_KEPT_BYTES = 4096;

/**
 * The client kind of User-Agents given as bytes, each distinct one classified once. A hash of
 * the length and a few of the bytes picks a slot; the slot's User-Agent is compared whole, so a
 * kind is never another User-Agent's. A slot holds the last User-Agent that landed in it, in one
 * arena of bytes (a typed array per User-Agent cost a chain of memory reads per request, which
 * two parse workers paid dearly: 5 % of a large file's extraction).
 *
 * @example Usage
 * ```ts
 * import { ClientKindCache, clientKindRules, DEFAULT_ARCHIVE_CLIENTS } from "./client_kind.ts";
 * import assert from "node:assert/strict";
 *
 * const cache = new ClientKindCache(clientKindRules(DEFAULT_ARCHIVE_CLIENTS));
 * const bytes = new TextEncoder().encode("curl/8.4.0");
 * assert.deepStrictEqual([cache.kind(bytes, 0, bytes.length), cache.kind(bytes, 0, bytes.length)], [3, 3]);
 * ```
 */
export class ClientKindCache {
  #rules: readonly ClientKindRule[];
  /** Where each slot's User-Agent starts in the arena (-1: none), its length and kind. */
  #starts = new Int32Array(SLOTS).fill(-1);
  #lengths = new Int32Array(SLOTS);
  #kinds = new Uint8Array(SLOTS);
  #arena = new ByteArena(ARENA_BYTES);

  /** A cache classifying by `rules`. */
  constructor(rules: readonly ClientKindRule[]) {
    this.#rules = rules;
  }

  /** The kind's code of the User-Agent `buf[start..end)`. */
  kind(buf: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length === 0) return CLIENT_KIND_CODES.unknown;
    // The length and up to 12 bytes: first, middle and last.
    let hash = length * 0x9e3779b1;
    const step = Math.max(1, length >> 2);
    for (let i = start; i < end; i += step) hash = Math.imul(hash ^ buf[i], 0x01000193);
    hash = Math.imul(hash ^ buf[end - 1], 0x01000193);
    const slot = (hash >>> 0) & (SLOTS - 1);
    const from = this.#starts[slot];
    if (
      from >= 0 && this.#lengths[slot] === length &&
      this.#arena.holds(from, buf, wordView(buf), start, length)
    ) {
      return this.#kinds[slot];
    }
    const kind = CLIENT_KIND_CODES[
      classifyUserAgent(UA_DECODER.decode(buf.subarray(start, end)), this.#rules)
    ];
    if (length <= MAX_KEPT_BYTES) {
      if (this.#arena.used + length > ARENA_BYTES) {
        this.#starts.fill(-1);
        this.#arena.clear();
      }
      this.#starts[slot] = this.#arena.append(buf, start, end);
      this.#lengths[slot] = length;
      this.#kinds[slot] = kind;
    }
    return kind;
  }
}

/** The caches of this thread, by list of archive clients: a worker keeps its own for its life. */
const CACHES = new Map<string, ClientKindCache>();

/**
 * The cache of this thread for `archiveClients` (classifying each User-Agent once per worker,
 * not once per task of a few small files).
 *
 * @example Usage
 * ```ts
 * import { clientKindCache } from "./client_kind.ts";
 * import assert from "node:assert/strict";
 *
 * assert.strictEqual(clientKindCache(["a/"]), clientKindCache(["a/"]));
 * ```
 */
export function clientKindCache(archiveClients: readonly string[]): ClientKindCache {
  const key = archiveClients.join("\n");
  let cache = CACHES.get(key);
  if (cache === undefined) {
    cache = new ClientKindCache(clientKindRules(archiveClients));
    CACHES.set(key, cache);
  }
  return cache;
}
