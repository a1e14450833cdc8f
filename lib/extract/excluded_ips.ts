/**
 * Which client IPs extraction drops (an archive's own backup or mirroring server re-reads
 * everything), from one of three environment variables with their own meanings:
 *
 * - `S3_LOG_EXTRACTION_EXCLUDED_IPS`: this tool's; the pattern must match the whole IP.
 * - `S3_LOG_EXTRACTION_EXCLUDED_IP_REGEX`: the Python reference's (its validators); searched
 *   anywhere in the IP, as its awk rule does.
 * - `IPS_TO_SKIP`: the DANDI plugin's; searched anywhere in the IP likewise.
 *
 * An empty value excludes nothing (in awk an empty pattern matches every line, so the plugin
 * with an empty `IPS_TO_SKIP` skips everything: its bug, not a meaning to keep). Two variables
 * that are set and mean different things stop the run: which one the operator meant cannot be
 * guessed, and a wrong guess publishes the archive's own re-reads as downloads.
 *
 * @module
 */

import { errorText, OperatorError } from "../errors.ts";
import {
  type Environment,
  EXCLUDED_IP_REGEX_VARIABLE,
  EXCLUDED_IPS_VARIABLE,
  IPS_TO_SKIP_VARIABLE,
} from "../env.ts";

/** How a pattern is matched against a client IP. */
export type IpMatch = "whole" | "search";

/** The excluded-IP variables, in the order they are described. */
export const EXCLUDED_IP_VARIABLES: readonly { name: string; match: IpMatch }[] = [
  { name: EXCLUDED_IPS_VARIABLE, match: "whole" },
  { name: EXCLUDED_IP_REGEX_VARIABLE, match: "search" },
  { name: IPS_TO_SKIP_VARIABLE, match: "search" },
];

/** The exclusion in force. */
export interface ExcludedIps {
  /** The regular expression (never printed: it usually holds an IP). */
  pattern: string;
  /** Whether it must match the whole IP or is searched anywhere in it. */
  match: IpMatch;
  /** The variable it comes from. */
  variable: string;
}

/**
 * The exclusion the environment sets, or undefined when none (or only empty values) is set.
 * Throws an {@linkcode OperatorError} when two variables are set and mean different things.
 *
 * @example Usage
 * ```ts
 * import { excludedIpsFromEnvironment } from "./excluded_ips.ts";
 * import assert from "node:assert/strict";
 *
 * const plugin = new Map([["IPS_TO_SKIP", "192\\.0\\.2\\.1"]]);
 * assert.deepStrictEqual(excludedIpsFromEnvironment(plugin)?.match, "search");
 * assert.deepStrictEqual(excludedIpsFromEnvironment(new Map([["IPS_TO_SKIP", ""]])), undefined);
 * const both = new Map([["IPS_TO_SKIP", "a"], ["S3_LOG_EXTRACTION_EXCLUDED_IPS", "b"]]);
 * assert.throws(() => excludedIpsFromEnvironment(both), /IPS_TO_SKIP and S3_LOG_EXTRACTION_EXCLUDED_IPS/);
 * ```
 */
export function excludedIpsFromEnvironment(env: Environment): ExcludedIps | undefined {
  const set = EXCLUDED_IP_VARIABLES.flatMap(({ name, match }) => {
    const pattern = env.get(name);
    return pattern === undefined ? [] : [{ pattern, match, variable: name }];
  });
  // Two settings agree when they exclude the same IPs: both empty, or the same pattern matched
  // the same way.
  const meaning = (e: ExcludedIps) => e.pattern === "" ? "" : `${e.match}:${e.pattern}`;
  const meanings = new Set(set.map(meaning));
  if (meanings.size > 1) {
    const names = set.map((e) => e.variable).sort();
    throw new OperatorError(
      `${names.slice(0, -1).join(", ")} and ${names.at(-1)} are ` +
        `${names.length === 2 ? "both" : "all"} set and exclude different ` +
        "client IPs. Keep one: S3_LOG_EXTRACTION_EXCLUDED_IPS must match the whole IP; " +
        "IPS_TO_SKIP (the DANDI plugin's) and S3_LOG_EXTRACTION_EXCLUDED_IP_REGEX (the " +
        "reference's) are searched anywhere in it.",
    );
  }
  return set.find((e) => e.pattern !== "");
}

/**
 * The regular-expression source that tests an IP for `excluded` (anchored for a whole match),
 * or null when nothing is excluded. Throws an {@linkcode OperatorError} naming the variable
 * when the pattern is not a valid regular expression (the pattern itself is never quoted).
 *
 * @example Usage
 * ```ts
 * import { excludedIpSource } from "./excluded_ips.ts";
 * import assert from "node:assert/strict";
 *
 * const whole = excludedIpSource({ pattern: "192\\.0\\.2\\.1", match: "whole", variable: "S3_LOG_EXTRACTION_EXCLUDED_IPS" });
 * assert.deepStrictEqual(new RegExp(whole!).test("192.0.2.10"), false);
 * const search = excludedIpSource({ pattern: "192\\.0\\.2\\.1", match: "search", variable: "IPS_TO_SKIP" });
 * assert.deepStrictEqual(new RegExp(search!).test("192.0.2.10"), true);
 * assert.deepStrictEqual(excludedIpSource(undefined), null);
 * ```
 */
export function excludedIpSource(excluded: ExcludedIps | undefined): string | null {
  if (excluded === undefined || excluded.pattern === "") return null;
  if (nestedQuantifier(excluded.pattern)) {
    throw new OperatorError(
      `The excluded-IP pattern of ${excluded.variable} repeats a group that itself repeats ` +
        "(like `(a|b*)*`): on some IPs such a pattern takes exponential time and would hang the " +
        "extraction. List the addresses or ranges instead, for example " +
        "`192\\.0\\.2\\.1|198\\.51\\.100\\.[0-9]+`.",
    );
  }
  const source = excluded.match === "whole" ? `^(?:${excluded.pattern})$` : excluded.pattern;
  try {
    new RegExp(source);
  } catch (error) {
    throw new OperatorError(
      `The excluded-IP pattern of ${excluded.variable} is not a valid regular expression ` +
        `(${errorText(error).replace(/: \/.*\/: /, ": ")}). Fix ${excluded.variable}; for ` +
        "example `192\\.0\\.2\\.1|198\\.51\\.100\\.[0-9]+`.",
    );
  }
  return source;
}

/**
 * Whether `pattern` repeats a group that holds a quantifier or an alternation (`(a+)+`,
 * `(a|b*)*`, `([0-9a-f]|[0-9a-f:])*`): the shapes that make a backtracking engine take
 * exponential time.
 */
function nestedQuantifier(pattern: string): boolean {
  const risky: boolean[] = []; // per open group: holds a quantifier or an alternation
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      i++;
    } else if (inClass) {
      if (c === "]") inClass = false;
    } else if (c === "[") {
      inClass = true;
    } else if (c === "(") {
      risky.push(false);
    } else if (c === ")") {
      const inner = risky.pop() ?? false;
      const next = pattern[i + 1];
      if (inner && next !== undefined && "*+{".includes(next)) return true;
      if (inner && risky.length > 0) risky[risky.length - 1] = true;
    } else if ("*+{|".includes(c) && risky.length > 0) {
      risky[risky.length - 1] = true;
    }
  }
  return false;
}

/**
 * One line saying which exclusion is in force and how it matches (never the pattern).
 *
 * @example Usage
 * ```ts
 * import { describeExcludedIps } from "./excluded_ips.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(
 *   describeExcludedIps({ pattern: "x", match: "search", variable: "IPS_TO_SKIP" }),
 *   "Excluding the client IPs that IPS_TO_SKIP matches (searched anywhere in the IP).",
 * );
 * ```
 */
export function describeExcludedIps(excluded: ExcludedIps): string {
  const how = excluded.match === "whole" ? "matching the whole IP" : "searched anywhere in the IP";
  return `Excluding the client IPs that ${excluded.variable} matches (${how}).`;
}
