/**
 * Where the nightly run takes its logs, cache and password from. With nothing configured it
 * uses the sample logs bundled in `fixtures/sample_logs/` and a cache `.sample-cache/` in the
 * current directory with a random password of its own, and the made-up offline geolocation of
 * `fixtures/sample_geo/`, so a newcomer sees the whole pipeline work with one command.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { randomPassword } from "../crypto/cache_secrets.ts";
import {
  configuredLogsDirectory,
  PROGRAM_URL,
  resolveCacheDirectory,
  SAMPLE_MARKER,
  settingsPath,
  SYSTEM_SETTINGS,
} from "../config.ts";
import { OperatorError } from "../errors.ts";
import { RANGE_SOURCES } from "../regions/service_ranges.ts";
import {
  type Environment,
  GEO_DB_VARIABLE,
  HOME_VARIABLE,
  IPINFO_TOKEN_VARIABLE,
  OPENCAGE_KEY_VARIABLE,
  PASSWORD_VARIABLE,
  SALT_VARIABLE,
  USER_NAME_VARIABLES,
} from "../env.ts";

/** What the daily run works on. */
export interface DailySetup {
  /** The log directory. */
  logsDirectory: string;
  /** The cache directory. */
  cacheDirectory: string;
  /** Whether the bundled sample is used. */
  sample: boolean;
  /** The environment for the steps (the sample's own password when `sample`). */
  env: Environment;
}

/** The bundled sample log directory. */
export const SAMPLE_LOGS_URL: URL = new URL("fixtures/sample_logs/", PROGRAM_URL);
/** The made-up geolocation data of the sample (a MaxMind DB and service range files). */
export const SAMPLE_GEO_URL: URL = new URL("fixtures/sample_geo/", PROGRAM_URL);
/**
 * The sample's made-up range files (`fixtures/sample_geo/`), by the variable that points the
 * region step at each source.
 *
 * @example Usage
 * ```ts
 * import { sampleRangeUrls } from "./daily_setup.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(sampleRangeUrls().VPN_RANGES_URL.endsWith("fixtures/sample_geo/vpn.txt"), true);
 * ```
 */
export function sampleRangeUrls(): Record<string, string> {
  const files = { github: "github.json", aws: "aws.json", gcp: "gcp.json", vpn: "vpn.txt" };
  return Object.fromEntries(
    RANGE_SOURCES.map((
      source,
    ) => [source.variable, new URL(files[source.name], SAMPLE_GEO_URL).href]),
  );
}

/** Name of the sample cache folder, in the current directory. */
export const SAMPLE_CACHE = ".sample-cache";

/**
 * Decides what the daily run works on.
 *
 * @example With nothing configured
 * ```ts
 * import { resolveDailySetup } from "./daily_setup.ts";
 * import assert from "node:assert/strict";
 *
 * const cwd = await Deno.makeTempDir();
 * const setup = await resolveDailySetup({ env: new Map([["HOME", cwd]]), cwd });
 * // With a password set, the sample runs only when asked for.
 * const env = new Map([["HOME", cwd], ["S3_LOG_EXTRACTION_PASSWORD", "x"]]);
 * await assert.rejects(() => resolveDailySetup({ env, cwd }), /No log directory is configured/);
 * assert.deepStrictEqual([setup.sample, setup.cacheDirectory], [true, `${cwd}/.sample-cache`]);
 * assert.deepStrictEqual(setup.env.get("S3_LOG_EXTRACTION_PASSWORD")?.length, 43);
 * assert.deepStrictEqual(setup.env.get("S3_LOG_EXTRACTION_GEO_DB")?.endsWith("fixtures/sample_geo/city.mmdb"), true);
 * await Deno.remove(cwd, { recursive: true });
 * ```
 */
export async function resolveDailySetup(
  options: { env: Environment; cwd?: string; cacheFlag?: string; sample?: boolean },
): Promise<DailySetup> {
  const env = options.env;
  const logsDirectory = await configuredLogsDirectory({ env });
  if (logsDirectory !== undefined && !options.sample) {
    const cacheDirectory = await resolveCacheDirectory({ flag: options.cacheFlag, env });
    return { logsDirectory, cacheDirectory, sample: false, env };
  }
  if (!options.sample && env.get(PASSWORD_VARIABLE)) {
    // A password means real data is meant: running the sample instead would hide a
    // misconfigured service (another user's settings, a missing variable) behind exit 0.
    const user = USER_NAME_VARIABLES.map((name) => env.get(name)).find(Boolean) ??
      `the user with HOME=${env.get(HOME_VARIABLE)}`;
    throw new OperatorError(
      `No log directory is configured for ${user}, and S3_LOG_EXTRACTION_PASSWORD is set, so ` +
        `real logs are meant. Settings are per user: ${settingsPath(env)} has no ` +
        "logs_directory. Run `set_logs <dir>` (and `set_cache <dir>`) as this user, or set " +
        "S3_LOG_EXTRACTION_LOGS (for a service: in its environment file), or point " +
        `S3_LOG_EXTRACTION_CONFIG at a settings file (${SYSTEM_SETTINGS} is read when the ` +
        "user has none). Give --sample to run on the bundled sample logs.",
    );
  }
  if (SAMPLE_LOGS_URL.protocol !== "file:") {
    throw new OperatorError(
      "No log directory is configured, and the bundled sample logs cannot be read from " +
        `${SAMPLE_LOGS_URL.href}. Configure the logs with \`set_logs <dir>\` or ` +
        "S3_LOG_EXTRACTION_LOGS.",
    );
  }
  const cacheDirectory = resolve(
    options.cacheFlag ?? join(options.cwd ?? Deno.cwd(), SAMPLE_CACHE),
  );
  const password = await samplePassword(cacheDirectory);
  const overrides = new Map<string, string | undefined>([
    [PASSWORD_VARIABLE, password],
    [SALT_VARIABLE, undefined],
    // Made-up, offline geolocation: no lookups (paid or not) are ever made for sample IPs.
    [GEO_DB_VARIABLE, fileURLToPath(new URL("city.mmdb", SAMPLE_GEO_URL))],
    ...Object.entries(sampleRangeUrls()),
    [IPINFO_TOKEN_VARIABLE, undefined],
    [OPENCAGE_KEY_VARIABLE, undefined],
  ]);
  const sampleEnv: Environment = {
    get: (name) => overrides.has(name) ? overrides.get(name) : env.get(name),
  };
  return {
    logsDirectory: fileURLToPath(SAMPLE_LOGS_URL).replace(/\/$/, ""),
    cacheDirectory,
    sample: true,
    env: sampleEnv,
  };
}

/** The sample cache's own password, created on first use (file mode 0600). */
async function samplePassword(cacheDirectory: string): Promise<string> {
  const path = join(cacheDirectory, "password");
  try {
    return (await Deno.readTextFile(path)).trim();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new OperatorError(`Cannot read the sample cache password ${path}: ${error}.`);
    }
  }
  const password = randomPassword();
  try {
    await Deno.mkdir(cacheDirectory, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(path, password + "\n", { mode: 0o600 });
    await Deno.writeTextFile(
      join(cacheDirectory, SAMPLE_MARKER),
      "This cache holds the sample logs bundled with s3-log-extraction, labelled with made-up " +
        "geolocation (fixtures/sample_geo/). Its password is in ./password.\n",
    );
  } catch (error) {
    throw new OperatorError(
      `Cannot create the sample cache ${cacheDirectory}: ${(error as Error).message}. Run ` +
        "from a folder you can write to, or give --cache.",
    );
  }
  return password;
}

/**
 * The sample's cache in `cwd` and its password, for the commands given `--sample` after
 * `daily` ran on the sample (`status --sample`, `report --sample`, `export_extraction --sample`).
 *
 * @example Usage
 * ```ts
 * import { sampleCache } from "./daily_setup.ts";
 * import assert from "node:assert/strict";
 *
 * const cwd = await Deno.makeTempDir();
 * await assert.rejects(() => sampleCache(cwd), /Run `deno task daily` first/);
 * await Deno.remove(cwd, { recursive: true });
 * ```
 */
export async function sampleCache(
  cwd: string = Deno.cwd(),
): Promise<{ cacheDirectory: string; password: string }> {
  const cacheDirectory = resolve(cwd, SAMPLE_CACHE);
  try {
    const password = (await Deno.readTextFile(join(cacheDirectory, "password"))).trim();
    return { cacheDirectory, password };
  } catch {
    throw new OperatorError(
      `There is no sample cache in ${cwd} (${SAMPLE_CACHE}/). Run \`deno task daily\` first ` +
        "(with nothing configured and no password set), in this folder.",
    );
  }
}
