/**
 * Where the cache and the logs are: a small JSON file in the user's config folder, overridden by
 * environment variables, overridden by command-line flags.
 *
 * Order for the cache: `--cache` > `S3_LOG_EXTRACTION_CACHE` > `set_cache` > the user data
 * folder (`$XDG_DATA_HOME/s3-log-extraction`, else `~/.local/share/s3-log-extraction`). For the logs:
 * `S3_LOG_EXTRACTION_LOGS` > `set_logs`.
 *
 * @module
 */

import {
  CACHE_VARIABLE,
  CONFIG_VARIABLE,
  type Environment,
  HOME_VARIABLE,
  LOGS_VARIABLE,
  PUBLISH_GIT_VARIABLE,
  PUBLISH_VARIABLE,
  XDG_CACHE_HOME_VARIABLE,
  XDG_CONFIG_HOME_VARIABLE,
  XDG_DATA_HOME_VARIABLE,
} from "./env.ts";
import { dirname, join, resolve } from "node:path";
import { OperatorError } from "./errors.ts";

/** The settings file's content. */
export interface Settings {
  /** Absolute path of the cache directory. */
  cache_directory?: string;
  /** Absolute path of the log directory. */
  logs_directory?: string;
  /** Absolute path of the folder `daily` publishes into. */
  publish_directory?: string;
  /** Whether `daily` commits what it publishes (the folder is in a git checkout). */
  publish_git?: boolean;
}

/** The system-wide settings file, read when the user has none (services, several users). */
export const SYSTEM_SETTINGS = "/etc/s3-log-extraction/config.json";

/**
 * The settings file: `S3_LOG_EXTRACTION_CONFIG`, else the user's
 * (`$XDG_CONFIG_HOME/s3-log-extraction/config.json`, else `~/.config/…`), else, when the user
 * has none, {@linkcode SYSTEM_SETTINGS} if it exists.
 *
 * @example Usage
 * ```ts
 * import { settingsPath } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(settingsPath(new Map([["HOME", "/home/op"]])), "/home/op/.config/s3-log-extraction/config.json");
 * ```
 */
export function settingsPath(env: Environment = Deno.env): string {
  const explicit = env.get(CONFIG_VARIABLE);
  if (explicit) return resolve(explicit);
  const user = join(
    userFolder(env, XDG_CONFIG_HOME_VARIABLE, ".config"),
    "s3-log-extraction",
    "config.json",
  );
  return !isFile(user) && isFile(SYSTEM_SETTINGS) ? SYSTEM_SETTINGS : user;
}

/**
 * Whether `path` is a file this process can see (false when it is missing or not allowed).
 *
 * @example Usage
 * ```ts
 * import { isFile } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(isFile("/nonexistent/config.json"), false);
 * ```
 */
export function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/**
 * The cache directory used when nothing is configured: `$XDG_DATA_HOME/s3-log-extraction`, else
 * `~/.local/share/s3-log-extraction`. It holds paid lookups and the only IP table, so it is not
 * in the user's cache folder, which users and tools empty freely. A cache that earlier versions
 * made in the cache folder (`$XDG_CACHE_HOME/s3-log-extraction`, `~/.cache/…`) is used where it
 * is while the new place holds none.
 *
 * @example Usage
 * ```ts
 * import { defaultCacheDirectory } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(defaultCacheDirectory(new Map([["XDG_DATA_HOME", "/var/lib/op"]])), "/var/lib/op/s3-log-extraction");
 * assert.deepStrictEqual(defaultCacheDirectory(new Map([["HOME", "/home/op"]])), "/home/op/.local/share/s3-log-extraction");
 * ```
 */
export function defaultCacheDirectory(env: Environment = Deno.env): string {
  const data = join(userFolder(env, XDG_DATA_HOME_VARIABLE, ".local/share"), "s3-log-extraction");
  if (isFile(join(data, "cache.sqlite"))) return data;
  let old: string;
  try {
    old = join(userFolder(env, XDG_CACHE_HOME_VARIABLE, ".cache"), "s3-log-extraction");
  } catch {
    return data; // no cache folder to look in
  }
  return isFile(join(old, "cache.sqlite")) ? old : data;
}

function userFolder(env: Environment, variable: string, fallback: string): string {
  const xdg = env.get(variable);
  if (xdg) return resolve(xdg);
  const home = env.get(HOME_VARIABLE);
  if (!home) {
    throw new OperatorError(
      `Cannot find the user's folders: neither ${variable} nor HOME is set. Set one of them, or ` +
        `give the cache with --cache or ${CACHE_VARIABLE}.`,
    );
  }
  return join(home, fallback);
}

/**
 * Reads the settings file ({} when it does not exist).
 *
 * @example Usage
 * ```ts
 * import { readSettings } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new Map([["S3_LOG_EXTRACTION_CONFIG", "/nonexistent/config.json"]]);
 * assert.deepStrictEqual(await readSettings(env), {});
 * ```
 */
export async function readSettings(env: Environment = Deno.env): Promise<Settings> {
  const path = settingsPath(env);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return {};
    throw new OperatorError(`Cannot read settings file ${path}: ${error}. Check its permissions.`);
  }
  try {
    const settings = JSON.parse(text);
    if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
      throw new Error("not a JSON object");
    }
    return settings as Settings;
  } catch (error) {
    throw new OperatorError(
      `Cannot read settings file ${path}: ${(error as Error).message}. Fix or delete it, then ` +
        "run set_cache again.",
    );
  }
}

async function updateSettings(change: Settings, env: Environment): Promise<void> {
  const path = settingsPath(env);
  const settings = { ...await readSettings(env), ...change };
  const sorted = Object.fromEntries(Object.entries(settings).sort(([a], [b]) => a < b ? -1 : 1));
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${crypto.randomUUID()}.tmp`;
    await Deno.writeTextFile(temporary, JSON.stringify(sorted, null, 2) + "\n");
    await Deno.rename(temporary, path);
  } catch (error) {
    throw new OperatorError(`Cannot write settings file ${path}: ${error}. Check its permissions.`);
  }
}

async function ensureDirectory(path: string, what: string): Promise<void> {
  try {
    // Only its owner may read a cache: it holds the (encrypted) IP table and paid lookups.
    await Deno.mkdir(path, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new OperatorError(
      `Cannot create ${what} ${path}: ${
        (error as Error).message
      }. Choose a folder you can write to.`,
    );
  }
}

/**
 * Saves the cache directory in the settings file (as an absolute path) and creates it.
 *
 * @example Usage
 * ```ts
 * import { readSettings, setCache } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * const home = await Deno.makeTempDir();
 * const env = new Map([["HOME", home]]);
 * await setCache(`${home}/cache`, { env });
 * assert.deepStrictEqual((await readSettings(env)).cache_directory, `${home}/cache`);
 * await Deno.remove(home, { recursive: true });
 * ```
 */
export async function setCache(
  directory: string,
  options: { env?: Environment } = {},
): Promise<string> {
  const absolute = resolve(directory);
  await ensureDirectory(absolute, "cache directory");
  await updateSettings({ cache_directory: absolute }, options.env ?? Deno.env);
  return absolute;
}

/**
 * Saves the log directory in the settings file (as an absolute path, or an `s3://` location).
 *
 * @example Usage
 * ```ts
 * import { readSettings, setLogs } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * const home = await Deno.makeTempDir();
 * const env = new Map([["HOME", home]]);
 * await setLogs(home, { env });
 * assert.deepStrictEqual((await readSettings(env)).logs_directory, home);
 * await setLogs("s3://logs-bucket/server", { env });
 * assert.deepStrictEqual((await readSettings(env)).logs_directory, "s3://logs-bucket/server");
 * await Deno.remove(home, { recursive: true });
 * ```
 */
export async function setLogs(
  directory: string,
  options: { env?: Environment } = {},
): Promise<string> {
  // An S3 location (`s3://bucket/prefix`) is kept as it is: extraction reads the bucket.
  const absolute = directory.startsWith("s3://") ? directory : resolve(directory);
  await updateSettings({ logs_directory: absolute }, options.env ?? Deno.env);
  return absolute;
}

/**
 * The cache directory to use, created when missing: `flag` > `S3_LOG_EXTRACTION_CACHE` >
 * settings file > default.
 *
 * @example Usage
 * ```ts
 * import { resolveCacheDirectory } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const env = new Map([["S3_LOG_EXTRACTION_CACHE", `${dir}/from-env`]]);
 * assert.deepStrictEqual(await resolveCacheDirectory({ env }), `${dir}/from-env`);
 * assert.deepStrictEqual(await resolveCacheDirectory({ flag: `${dir}/flag`, env }), `${dir}/flag`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function resolveCacheDirectory(
  options: { flag?: string; env?: Environment } = {},
): Promise<string> {
  const absolute = await cacheDirectoryPath(options);
  await ensureDirectory(absolute, "cache directory");
  return absolute;
}

/**
 * The cache directory to use, as {@linkcode resolveCacheDirectory} chooses it, without creating
 * it.
 *
 * @example Usage
 * ```ts
 * import { cacheDirectoryPath } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new Map([["S3_LOG_EXTRACTION_CACHE", "/nonexistent/cache"]]);
 * assert.deepStrictEqual(await cacheDirectoryPath({ env }), "/nonexistent/cache");
 * ```
 */
export async function cacheDirectoryPath(
  options: { flag?: string; env?: Environment } = {},
): Promise<string> {
  const env = options.env ?? Deno.env;
  const chosen = options.flag || env.get(CACHE_VARIABLE) ||
    (await readSettings(env)).cache_directory || defaultCacheDirectory(env);
  return resolve(chosen);
}

/**
 * The configured log directory: `S3_LOG_EXTRACTION_LOGS` > settings file > undefined.
 *
 * @example Usage
 * ```ts
 * import { configuredLogsDirectory } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new Map([["S3_LOG_EXTRACTION_LOGS", "/srv/logs"], ["S3_LOG_EXTRACTION_CONFIG", "/nonexistent"]]);
 * assert.deepStrictEqual(await configuredLogsDirectory({ env }), "/srv/logs");
 * ```
 */
export async function configuredLogsDirectory(
  options: { env?: Environment } = {},
): Promise<string | undefined> {
  const env = options.env ?? Deno.env;
  const chosen = env.get(LOGS_VARIABLE) || (await readSettings(env)).logs_directory;
  if (!chosen) return undefined;
  return chosen.startsWith("s3://") ? chosen : resolve(chosen);
}

/**
 * Saves the folder `daily` publishes into (as an absolute path) and whether it commits there.
 *
 * @example Usage
 * ```ts
 * import { readSettings, setPublish } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * const home = await Deno.makeTempDir();
 * const env = new Map([["HOME", home]]);
 * await setPublish(`${home}/site/content`, { env, git: true });
 * assert.deepStrictEqual((await readSettings(env)).publish_directory, `${home}/site/content`);
 * await Deno.remove(home, { recursive: true });
 * ```
 */
export async function setPublish(
  directory: string,
  options: { env?: Environment; git?: boolean } = {},
): Promise<string> {
  const absolute = resolve(directory);
  await updateSettings(
    { publish_directory: absolute, publish_git: options.git ?? false },
    options.env ?? Deno.env,
  );
  return absolute;
}

/**
 * Where `daily` publishes: `S3_LOG_EXTRACTION_PUBLISH` (with `S3_LOG_EXTRACTION_PUBLISH_GIT`) >
 * settings file > undefined (no publishing).
 *
 * @example Usage
 * ```ts
 * import { configuredPublish } from "./config.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new Map([["S3_LOG_EXTRACTION_PUBLISH", "/srv/site"], ["S3_LOG_EXTRACTION_PUBLISH_GIT", "1"], ["S3_LOG_EXTRACTION_CONFIG", "/nonexistent"]]);
 * assert.deepStrictEqual(await configuredPublish({ env }), { directory: "/srv/site", git: true });
 * ```
 */
export async function configuredPublish(
  options: { env?: Environment } = {},
): Promise<{ directory: string; git: boolean } | undefined> {
  const env = options.env ?? Deno.env;
  const settings = await readSettings(env);
  const directory = env.get(PUBLISH_VARIABLE) || settings.publish_directory;
  if (!directory) return undefined;
  const flag = env.get(PUBLISH_GIT_VARIABLE);
  let git = settings.publish_git === true;
  if (flag !== undefined && flag !== "") {
    if (/^(1|true|yes)$/i.test(flag)) git = true;
    else if (/^(0|false|no)$/i.test(flag)) git = false;
    else {
      throw new OperatorError(
        `${PUBLISH_GIT_VARIABLE} must be 1, true, yes, 0, false or no (got ` +
          `${JSON.stringify(flag)}). Fix the variable.`,
      );
    }
  }
  return { directory: resolve(directory), git };
}

/** File in the sample cache that marks it as the sample's (its report says so). */
export const SAMPLE_MARKER = "SAMPLE.txt";

/**
 * The folder of the program (the repository; for a bundle, the folder above `dist/`): this
 * module and a bundle both sit one folder below it, so the sample and the entry module are
 * found from either.
 */
export const PROGRAM_URL: URL = new URL("../", import.meta.url);
