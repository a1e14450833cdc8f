/**
 * Every environment variable the tool reads, declared once, and the one type through which it
 * reads them (a `Map` works in tests). Each module imports the names it reads from here; the
 * README's table of variables is checked against this list.
 *
 * @module
 */

/** Reads environment variables (a `Map` works in tests). */
export interface Environment {
  /** The value of a variable, or undefined. */
  get(name: string): string | undefined;
}

/** Variable that overrides where the settings file is. */
export const CONFIG_VARIABLE: string = "S3_LOG_EXTRACTION_CONFIG";

/** Variable that overrides the configured cache directory. */
export const CACHE_VARIABLE: string = "S3_LOG_EXTRACTION_CACHE";

/** Variable that overrides the configured log directory. */
export const LOGS_VARIABLE: string = "S3_LOG_EXTRACTION_LOGS";

/** Variable that overrides the configured publish folder. */
export const PUBLISH_VARIABLE: string = "S3_LOG_EXTRACTION_PUBLISH";

/** Variable that makes publishing commit (`1`, `true`, `yes`) or not (`0`, `false`, `no`). */
export const PUBLISH_GIT_VARIABLE: string = "S3_LOG_EXTRACTION_PUBLISH_GIT";

/** The environment variable that holds the password. */
export const PASSWORD_VARIABLE: string = "S3_LOG_EXTRACTION_PASSWORD";

/** The environment variable that holds the salt. */
export const SALT_VARIABLE: string = "S3_LOG_EXTRACTION_SALT";

/** The variable holding the default extraction mode of `daily`. */
export const MODE_VARIABLE: string = "S3_LOG_EXTRACTION_MODE";

/** The environment variable naming the geo database (as `--geo-db`). */
export const GEO_DB_VARIABLE: string = "S3_LOG_EXTRACTION_GEO_DB";
/** User-Agent prefixes of the archive's own tools, comma-separated (client kind `archive-client`). */
export const ARCHIVE_CLIENTS_VARIABLE: string = "S3_LOG_EXTRACTION_ARCHIVE_CLIENTS";
/** Seconds between two requests of one client to one object that end an access session. */
export const SESSION_GAP_VARIABLE: string = "S3_LOG_EXTRACTION_SESSION_GAP";
/** A JSON file of dataset → title, shown in the report beside each dataset's name. */
export const TITLES_VARIABLE: string = "S3_LOG_EXTRACTION_TITLES";

/** Variable holding the ipinfo token. */
export const IPINFO_TOKEN_VARIABLE: string = "IPINFO_API_KEY";

/** Variable overriding the ipinfo base URL. */
export const IPINFO_URL_VARIABLE: string = "IPINFO_API_URL";

/** Variable holding the OpenCage key. */
export const OPENCAGE_KEY_VARIABLE: string = "OPENCAGE_API_KEY";

/** Variable overriding the OpenCage base URL. */
export const OPENCAGE_URL_VARIABLE: string = "OPENCAGE_API_URL";

/** Variable that overrides the default mapping URL. */
export const MAPPING_URL_VARIABLE: string = "S3_LOG_EXTRACTION_MAPPING_URL";

/** Variable through which `daily` lets its own steps run under its pipeline lock. */
export const RUN_TOKEN_VARIABLE: string = "S3_LOG_EXTRACTION_RUN_TOKEN";

/** AWS access key id (with {@linkcode AWS_SECRET_ACCESS_KEY_VARIABLE}). */
export const AWS_ACCESS_KEY_ID_VARIABLE: string = "AWS_ACCESS_KEY_ID";
/** AWS secret access key. */
export const AWS_SECRET_ACCESS_KEY_VARIABLE: string = "AWS_SECRET_ACCESS_KEY";
/** AWS session token of temporary credentials. */
export const AWS_SESSION_TOKEN_VARIABLE: string = "AWS_SESSION_TOKEN";
/** Profile of the shared credentials file (default `default`). */
export const AWS_PROFILE_VARIABLE: string = "AWS_PROFILE";
/** Where the shared credentials file is (default `~/.aws/credentials`). */
export const AWS_SHARED_CREDENTIALS_FILE_VARIABLE: string = "AWS_SHARED_CREDENTIALS_FILE";
/** The bucket's region. */
export const AWS_REGION_VARIABLE: string = "AWS_REGION";
/** The region when {@linkcode AWS_REGION_VARIABLE} is not set. */
export const AWS_DEFAULT_REGION_VARIABLE: string = "AWS_DEFAULT_REGION";
/** An S3-compatible endpoint instead of AWS's. */
export const AWS_ENDPOINT_URL_VARIABLE: string = "AWS_ENDPOINT_URL";

/** The AWS variables this tool reads. */
export const AWS_VARIABLES: readonly string[] = [
  AWS_ACCESS_KEY_ID_VARIABLE,
  AWS_SECRET_ACCESS_KEY_VARIABLE,
  AWS_SESSION_TOKEN_VARIABLE,
  AWS_PROFILE_VARIABLE,
  AWS_SHARED_CREDENTIALS_FILE_VARIABLE,
  AWS_REGION_VARIABLE,
  AWS_DEFAULT_REGION_VARIABLE,
  AWS_ENDPOINT_URL_VARIABLE,
];

/** The user's home folder (settings and cache default below it). */
export const HOME_VARIABLE: string = "HOME";
/** The user's settings folder (default `~/.config`). */
export const XDG_CONFIG_HOME_VARIABLE: string = "XDG_CONFIG_HOME";
/** The user's data folder (default `~/.local/share`): the cache's default parent. */
export const XDG_DATA_HOME_VARIABLE: string = "XDG_DATA_HOME";
/** The user's cache folder (default `~/.cache`): where earlier versions kept the cache. */
export const XDG_CACHE_HOME_VARIABLE: string = "XDG_CACHE_HOME";
/** The folders of the user a run is for. */
export const USER_FOLDER_VARIABLES: readonly string[] = [
  HOME_VARIABLE,
  XDG_CACHE_HOME_VARIABLE,
  XDG_DATA_HOME_VARIABLE,
  XDG_CONFIG_HOME_VARIABLE,
];

/**
 * The folder `deno task` was started from (`deno task` runs the CLI in the repository's folder):
 * relative paths on the command line are meant from there. Set by `deno task`, not by operators.
 */
export const INIT_CWD_VARIABLE: string = "INIT_CWD";

/**
 * The user's name, as login shells, cron and systemd set them (first set wins): only to name the
 * user in a message about their settings.
 */
export const USER_NAME_VARIABLES: readonly string[] = ["USER", "LOGNAME"];

/** Regular expression of client IPs to drop, matched against the whole IP (this tool's). */
export const EXCLUDED_IPS_VARIABLE: string = "S3_LOG_EXTRACTION_EXCLUDED_IPS";
/** The reference validators' excluded-IP pattern, searched anywhere in the IP. */
export const EXCLUDED_IP_REGEX_VARIABLE: string = "S3_LOG_EXTRACTION_EXCLUDED_IP_REGEX";
/** The DANDI plugin's excluded-IP pattern, searched anywhere in the IP. */
export const IPS_TO_SKIP_VARIABLE: string = "IPS_TO_SKIP";
/** Where GitHub's published ranges (its `meta` API) are read. */
export const GITHUB_META_URL_VARIABLE: string = "GITHUB_META_URL";
/** Where AWS's `ip-ranges.json` is read. */
export const AWS_IP_RANGES_URL_VARIABLE: string = "AWS_IP_RANGES_URL";
/** Where Google Cloud's `cloud.json` ranges are read. */
export const GCP_IP_RANGES_URL_VARIABLE: string = "GCP_IP_RANGES_URL";
/** Where the VPN ranges are read. */
export const VPN_RANGES_URL_VARIABLE: string = "VPN_RANGES_URL";
