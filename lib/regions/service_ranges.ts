/**
 * The published IP ranges of GitHub, AWS, Google Cloud and a VPN/datacenter list, with the
 * reference's labels and priority (GitHub, AWS, GCP, VPN). Each source is fetched at most once
 * a day and kept in `<cache>/ranges/`; when it cannot be fetched the kept copy is used with a
 * warning. Every URL can be overridden by an environment variable (tests use a local server).
 *
 * @module
 */

import { BODY_LIMITS } from "../http_body.ts";
import { dailyCopy } from "../daily_copy.ts";
import { join } from "node:path";
import type { LabelledRange } from "./ip_range_table.ts";
import {
  AWS_IP_RANGES_URL_VARIABLE,
  type Environment,
  GCP_IP_RANGES_URL_VARIABLE,
  GITHUB_META_URL_VARIABLE,
  VPN_RANGES_URL_VARIABLE,
} from "../env.ts";

/** A range source: its name, URL variable, default URL and parser. */
export interface RangeSource {
  /** Short name (also the cache file name). */
  name: "github" | "aws" | "gcp" | "vpn";
  /** Environment variable overriding the URL. */
  variable: string;
  /** The published URL. */
  url: string;
  /** Reads the published text into labelled ranges. */
  parse(text: string): LabelledRange[];
}

function json(text: string, what: string): Record<string, unknown> {
  const value = JSON.parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function entries(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((e) => typeof e === "object" && e !== null) : [];
}

/**
 * GitHub's `/meta`: every list of CIDRs except the non-network keys, labelled `GitHub`.
 *
 * @example Usage
 * ```ts
 * import { parseGithubMeta } from "./service_ranges.ts";
 * import assert from "node:assert/strict";
 *
 * const ranges = parseGithubMeta('{"hooks": ["192.30.252.0/22", "2a0a:a440::/29"], "ssh_keys": ["ssh-ed25519 AAAA"], "domains": {"website": ["github.com"]}}');
 * assert.deepStrictEqual(ranges.map((r) => r.cidr), ["192.30.252.0/22", "2a0a:a440::/29"]);
 * ```
 */
export function parseGithubMeta(text: string): LabelledRange[] {
  const skip = new Set([
    "domains",
    "ssh_key_fingerprints",
    "verifiable_password_authentication",
    "ssh_keys",
  ]);
  const ranges: LabelledRange[] = [];
  for (const [key, value] of Object.entries(json(text, "GitHub meta"))) {
    if (skip.has(key) || !Array.isArray(value)) continue;
    for (const cidr of value) if (typeof cidr === "string") ranges.push({ cidr, label: "GitHub" });
  }
  return ranges;
}

/**
 * AWS `ip-ranges.json`: IPv4 `prefixes` and IPv6 `ipv6_prefixes`, labelled `AWS/<region>`.
 *
 * @example Usage
 * ```ts
 * import { parseAwsRanges } from "./service_ranges.ts";
 * import assert from "node:assert/strict";
 *
 * const ranges = parseAwsRanges(JSON.stringify({
 *   prefixes: [{ ip_prefix: "3.5.140.0/22", region: "ap-northeast-2", service: "AMAZON" }],
 *   ipv6_prefixes: [{ ipv6_prefix: "2600:1f00::/24", region: "us-west-2" }],
 * }));
 * assert.deepStrictEqual(ranges, [
 *   { cidr: "3.5.140.0/22", label: "AWS/ap-northeast-2" },
 *   { cidr: "2600:1f00::/24", label: "AWS/us-west-2" },
 * ]);
 * ```
 */
export function parseAwsRanges(text: string): LabelledRange[] {
  const doc = json(text, "AWS ip-ranges.json");
  const ranges: LabelledRange[] = [];
  for (const [list, field] of [["prefixes", "ip_prefix"], ["ipv6_prefixes", "ipv6_prefix"]]) {
    for (const entry of entries(doc[list])) {
      if (typeof entry[field] !== "string") continue;
      const region = typeof entry.region === "string" ? entry.region : "GLOBAL";
      ranges.push({ cidr: entry[field] as string, label: `AWS/${region}` });
    }
  }
  return ranges;
}

/**
 * Google Cloud `cloud.json`: `prefixes` with `ipv4Prefix` or `ipv6Prefix`, labelled
 * `GCP/<scope>`.
 *
 * @example Usage
 * ```ts
 * import { parseGcpRanges } from "./service_ranges.ts";
 * import assert from "node:assert/strict";
 *
 * const ranges = parseGcpRanges('{"prefixes": [{"ipv4Prefix": "34.1.208.0/20", "scope": "africa-south1"}]}');
 * assert.deepStrictEqual(ranges, [{ cidr: "34.1.208.0/20", label: "GCP/africa-south1" }]);
 * ```
 */
export function parseGcpRanges(text: string): LabelledRange[] {
  const ranges: LabelledRange[] = [];
  for (const entry of entries(json(text, "GCP cloud.json").prefixes)) {
    const cidr = entry.ipv4Prefix ?? entry.ipv6Prefix;
    if (typeof cidr !== "string") continue;
    const scope = typeof entry.scope === "string" ? entry.scope : "global";
    ranges.push({ cidr, label: `GCP/${scope}` });
  }
  return ranges;
}

/**
 * A VPN/datacenter list: one CIDR per line (blank lines and `#` comments ignored), labelled
 * `VPN`.
 *
 * @example Usage
 * ```ts
 * import { parseVpnList } from "./service_ranges.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(parseVpnList("# list\n1.2.3.0/24\n\n5.6.0.0/16\n").length, 2);
 * ```
 */
export function parseVpnList(text: string): LabelledRange[] {
  return text.split("\n").map((line) => line.trim()).filter((line) =>
    line !== "" && !line.startsWith("#")
  ).map((cidr) => ({ cidr, label: "VPN" }));
}

/** The sources in the reference's priority order. */
export const RANGE_SOURCES: readonly RangeSource[] = [
  {
    name: "github",
    variable: GITHUB_META_URL_VARIABLE,
    url: "https://api.github.com/meta",
    parse: parseGithubMeta,
  },
  {
    name: "aws",
    variable: AWS_IP_RANGES_URL_VARIABLE,
    url: "https://ip-ranges.amazonaws.com/ip-ranges.json",
    parse: parseAwsRanges,
  },
  {
    name: "gcp",
    variable: GCP_IP_RANGES_URL_VARIABLE,
    url: "https://www.gstatic.com/ipranges/cloud.json",
    parse: parseGcpRanges,
  },
  {
    name: "vpn",
    variable: VPN_RANGES_URL_VARIABLE,
    url:
      "https://raw.githubusercontent.com/josephrocca/is-vpn/main/vpn-or-datacenter-ipv4-ranges.txt",
    parse: parseVpnList,
  },
];

/** Options of {@linkcode loadServiceRanges}. */
export interface LoadRangesOptions {
  /** The cache directory (copies go to `<cache>/ranges/`). */
  cacheDirectory: string;
  /** Environment (URL overrides). */
  env: Environment;
  /** Reports a warning (a kept copy is used, or a source is left out). */
  warn: (message: string) => void;
  /** The current time (default now). */
  now?: Date;
  /** Timeout of one fetch in milliseconds (default 30,000). */
  timeoutMs?: number;
  /** Delay before the first retry in milliseconds, doubled for the second (default 1,000). */
  retryDelayMs?: number;
}

/**
 * The ranges of a source's text, refusing a file that does not make sense (so that the last
 * good copy serves instead): a range wider than /8 (IPv4) or /16 (IPv6), `0.0.0.0/0` above all,
 * would label a large part of the internet; a region that is not letters, digits and dashes
 * (HTML, say) is no region.
 */
function parseChecked(
  source: { name: string; parse(text: string): LabelledRange[] },
  text: string,
) {
  const ranges = source.parse(text);
  for (const { cidr, label } of ranges) {
    const v6 = cidr.includes(":");
    const slash = cidr.lastIndexOf("/");
    // A bare address is one host.
    const bits = slash === -1 ? (v6 ? 128 : 32) : Number(cidr.slice(slash + 1));
    const widest = v6 ? 16 : 8;
    if (!Number.isInteger(bits) || bits < widest) {
      throw new Error(`the ${source.name} ranges hold an implausible range (${cidr})`);
    }
    if (!/^(?:GitHub|VPN|(?:AWS|GCP)\/[A-Za-z0-9-]{1,40})$/.test(label)) {
      throw new Error(`the ${source.name} ranges hold an implausible region`);
    }
  }
  return ranges;
}

/**
 * The ranges of every source, in priority order, from copies younger than a day or fresh
 * fetches (then kept), falling back to an older copy with a warning. A source with neither is
 * left out with a warning. A source that failed in the last hour is not asked again (one
 * warning per nightly run, not one per step); with a copy less than a week old it is tried once
 * with a short timeout.
 *
 * @example With every source unreachable and nothing kept
 * ```ts
 * import { loadServiceRanges } from "./service_ranges.ts";
 * import assert from "node:assert/strict";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * const warnings: string[] = [];
 * const env = new Map(["GITHUB_META_URL", "AWS_IP_RANGES_URL", "GCP_IP_RANGES_URL", "VPN_RANGES_URL"]
 *   .map((name) => [name, "http://127.0.0.1:9/nothing"]));
 * const ranges = await loadServiceRanges({
 *   cacheDirectory, env, warn: (w) => warnings.push(w), timeoutMs: 500, retryDelayMs: 0,
 * });
 * assert.deepStrictEqual([ranges.length, warnings.length], [0, 4]);
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 */
export async function loadServiceRanges(options: LoadRangesOptions): Promise<LabelledRange[]> {
  const folder = join(options.cacheDirectory, "ranges");
  const all: LabelledRange[] = [];
  for (const source of RANGE_SOURCES) {
    const url = options.env.get(source.variable) || source.url;
    const copy = await dailyCopy({
      path: join(folder, `${source.name}.txt`),
      url,
      limit: BODY_LIMITS.ranges,
      // Keep only what parses and makes sense.
      read: (bytes) => parseChecked(source, new TextDecoder().decode(bytes)),
      now: options.now,
      timeoutMs: options.timeoutMs,
      retryDelayMs: options.retryDelayMs,
    });
    if (copy.failure !== undefined) {
      options.warn(
        `warning: cannot fetch the ${source.name} ranges from ${url} (${copy.failure}); ` +
          (copy.fetchedAt === undefined
            ? `its IPs are looked up like any other. Set ${source.variable} if it moved.`
            : `using the copy of ${copy.fetchedAt.toISOString().slice(0, 10)}.`),
      );
    }
    if (copy.value !== undefined) all.push(...copy.value);
  }
  return all;
}
