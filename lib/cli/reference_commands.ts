/**
 * The command lines of the Python tools (`s3logextraction`, the DANDI plugin's
 * `dandis3logextraction`) that operators' cron and Docker files hold, mapped onto this tool's
 * steps with the same exit codes (0 ok, 1 failure, 2 usage):
 *
 * | theirs | ours |
 * | --- | --- |
 * | `extract DIR [--mode remote\|dandi] [--limit N] [--workers W] [--inventory DIR]` | `extract_logs` |
 * | `config cache set DIR` | `set_cache DIR` |
 * | `update ip indexes` | `index_ips` |
 * | `update ip regions [--batch-limit N]` | `update_indexed_region_codes [--max-lookups N×1000]` |
 * | `update ip refresh`, `update ip coordinates` | `refresh_region_codes`, `update_region_code_coordinates` |
 * | `update summaries [--mode dandi\|archive] [--pick/--skip] [--content-id-to-usage-dandiset-path-url URL]` | `generate_(dandiset_\|archive_)summaries` |
 * | `update totals [--mode dandi\|archive]` | `generate_(dandiset_\|archive_)totals` |
 * | `stats`, `completion`, `stop` | the same names |
 *
 * Without `--mode` (and with the plugin's `--mode remote`), the cache's own extraction mode
 * decides between the generic and the dandiset steps, as the tool the operator ran would have.
 * Options this tool does not support are refused with the reason.
 *
 * @module
 */

import { openCacheForReading } from "../store/cache_database.ts";
import { cacheDirectoryPath } from "../config.ts";
import { DEFAULT_MAPPING_URL } from "../summaries/content_mapping.ts";
import { UsageError } from "../errors.ts";
import { type Environment, MAPPING_URL_VARIABLE } from "../env.ts";

const ENCRYPTION_VALUES = /^(true|false|1|0|yes|no|y|n|t|f|on|off)$/i;

/** Reads `--name value` / `--name=value` out of `args`; returns the value and the rest. */
function take(args: string[], name: string): { value?: string; rest: string[] } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}`) {
      value = args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value.`);
    } else if (args[i].startsWith(`--${name}=`)) value = args[i].slice(name.length + 3);
    else rest.push(args[i]);
  }
  return { value, rest };
}

/** Removes a flag without a value; returns whether it was there and the rest. */
function takeFlag(args: string[], name: string): { present: boolean; rest: string[] } {
  const rest = args.filter((arg) => arg !== `--${name}`);
  return { present: rest.length !== args.length, rest };
}

/** `--encryption true` is what this tool always does; `false` is refused, saying why. */
function encryption(command: string, args: string[]): string[] {
  const { value, rest } = take(args, "encryption");
  if (value === undefined) return rest;
  if (!ENCRYPTION_VALUES.test(value)) {
    throw new UsageError(`--encryption must be true or false (got ${JSON.stringify(value)}).`);
  }
  if (/^(false|0|no|n|f|off)$/i.test(value)) {
    throw new UsageError(
      `${command} --encryption false is not supported: this tool keeps client IPs only in its ` +
        "encrypted IP table, never in plaintext files. Drop the option; if you need the " +
        "reference's plaintext tree, run `export_extraction <dir> --no-encryption`.",
    );
  }
  return rest;
}

/** The reference's `--workers W` (−1 all cores, −2 all but one, 0 the default) as ours. */
function workers(args: string[]): string[] {
  const { value, rest } = take(args, "workers");
  if (value === undefined) return rest;
  const w = Number(value);
  if (!/^-?\d+$/.test(value)) {
    throw new UsageError(`--workers must be a whole number (got ${JSON.stringify(value)}).`);
  }
  const cores = navigator.hardwareConcurrency;
  if (w === 0) return rest;
  const count = w < 0 ? ((w % cores) + cores) % cores + 1 : Math.min(w, cores);
  return [...rest, "--workers", String(Math.max(1, count))];
}

function refuse(command: string, args: string[], name: string, why: string): string[] {
  const { value, rest } = take(args, name);
  if (value !== undefined) throw new UsageError(`${command} --${name} is not supported: ${why}`);
  return rest;
}

/** The extraction mode of the cache the command line names (undefined: none yet). */
async function cacheMode(args: string[], env: Environment): Promise<string | undefined> {
  const directory = await cacheDirectoryPath({ flag: take(args, "cache").value, env });
  const db = openCacheForReading(directory)?.db;
  if (db === undefined) return undefined;
  try {
    const row = db.prepare("SELECT value FROM meta WHERE name = 'extraction_mode'").get() as
      | { value: string }
      | undefined;
    return row?.value;
  } catch {
    return undefined;
  } finally {
    db.close();
  }
}

/**
 * This tool's command line for a command line of the Python tools, or undefined when `args`
 * is not one. Throws a {@linkcode UsageError} for options that are not supported.
 *
 * @example Usage
 * ```ts
 * import { fromReferenceCommand } from "./reference_commands.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new Map([["S3_LOG_EXTRACTION_CACHE", "/nonexistent"]]);
 * assert.deepStrictEqual(await fromReferenceCommand(["config", "cache", "set", "/srv/cache"], env), ["set_cache", "/srv/cache"]);
 * assert.deepStrictEqual(await fromReferenceCommand(["update", "ip", "regions", "--batch-limit", "3"], env), ["update_indexed_region_codes", "--max-lookups", "3000"]);
 * assert.deepStrictEqual(await fromReferenceCommand(["update", "totals", "--mode", "archive"], env), ["generate_archive_totals"]);
 * assert.deepStrictEqual(await fromReferenceCommand(["extract_logs", "/logs"], env), undefined);
 * await assert.rejects(() => fromReferenceCommand(["extract", "/logs", "--encryption", "false"], env), /not supported/);
 * ```
 */
export async function fromReferenceCommand(
  args: string[],
  env: Environment,
): Promise<string[] | undefined> {
  const [first, second, third, ...tail] = args;
  const mode = (rest: string[]) => cacheMode(rest, env);
  if (first === "extract") {
    let rest = encryption("extract", args.slice(1));
    rest = workers(rest);
    const chosen = take(rest, "mode");
    rest = chosen.rest;
    if (chosen.value === "dandi") rest.push("--mode", "dandi");
    else if (chosen.value === "remote" || chosen.value === undefined) {
      const cached = await mode(rest);
      if (cached !== undefined) rest.push("--mode", cached);
    } else {
      throw new UsageError(
        `extract --mode must be remote or dandi (got ${JSON.stringify(chosen.value)}).`,
      );
    }
    return ["extract_logs", ...rest];
  }
  if (first === "config" && second === "cache" && third === "set") return ["set_cache", ...tail];
  if (first === "update" && second === "ip") {
    const rest = encryption(`update ip ${third}`, tail);
    if (third === "indexes") return ["index_ips", ...rest];
    if (third === "refresh") return ["refresh_region_codes", ...rest];
    if (third === "coordinates") return ["update_region_code_coordinates", ...rest];
    if (third === "regions") {
      const limit = take(rest, "batch-limit");
      if (limit.value === undefined) return ["update_indexed_region_codes", ...limit.rest];
      if (!/^\d+$/.test(limit.value) || Number(limit.value) < 1) {
        throw new UsageError(
          `--batch-limit must be a whole number of at least 1 (got ${
            JSON.stringify(limit.value)
          }).`,
        );
      }
      const lookups = String(Number(limit.value) * 1000);
      return ["update_indexed_region_codes", ...limit.rest, "--max-lookups", lookups];
    }
    throw new UsageError(
      `Unknown command 'update ip ${third ?? ""}'. The reference's are: update ip indexes, ` +
        "regions, refresh, coordinates.",
    );
  }
  if (first === "update" && (second === "summaries" || second === "totals")) {
    let rest = encryption(`update ${second}`, args.slice(2));
    rest = take(rest, "workers").rest; // one scan of the cache serves every dataset
    rest = takeFlag(rest, "unassociated").rest; // unknown content is always `undetermined`
    rest = refuse(
      `update ${second}`,
      rest,
      "api-url",
      "dandisets come from the content-id mapping, not from the DANDI API.",
    );
    rest = refuse(
      `update ${second}`,
      rest,
      "asset-types-in-order",
      "the asset types are always Neurophysiology, Microscopy, Video, Miscellaneous.",
    );
    const url = take(rest, "content-id-to-usage-dandiset-path-url");
    rest = url.rest;
    if (url.value !== undefined) rest.push("--mapping", url.value);
    const chosen = take(rest, "mode");
    rest = chosen.rest;
    const dandi = chosen.value === "dandi" || (await mode(rest)) === "dandi";
    const scope = chosen.value === "archive" ? "archive_" : dandi ? "dandiset_" : "";
    if (chosen.value !== undefined && chosen.value !== "archive" && chosen.value !== "dandi") {
      throw new UsageError(
        `update ${second} --mode must be dandi or archive (got ${JSON.stringify(chosen.value)}).`,
      );
    }
    if (scope !== "dandiset_" && rest.some((a) => a === "--pick" || a === "--skip")) {
      throw new UsageError(`--pick and --skip choose dandisets: they go with --mode dandi.`);
    }
    if (scope === "archive_" && second === "totals") rest = take(rest, "mapping").rest;
    // A DANDI archive's own summaries have the asset types per week: they need the mapping.
    if (scope === "archive_" && second === "summaries" && dandi && !rest.includes("--mapping")) {
      rest.push("--mapping", env.get(MAPPING_URL_VARIABLE) || DEFAULT_MAPPING_URL);
    }
    return [`generate_${scope}${second}`, ...rest];
  }
  return undefined;
}
