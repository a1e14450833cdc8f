/**
 * `s3_log_extraction extract_logs [<log directory>]`.
 *
 * @module
 */

import { ARCHIVE_CLIENTS_VARIABLE, AWS_ENDPOINT_URL_VARIABLE } from "../env.ts";
import { awsCredentials, awsRegion } from "../s3/aws_credentials.ts";
import { secretsFromEnvironment } from "../crypto/cache_secrets.ts";
import { parseS3Url, S3Client } from "../s3/s3_client.ts";
import { s3LogSource } from "../s3/s3_log_source.ts";
import type { LogSource } from "../extract/log_source.ts";
import { configuredLogsDirectory } from "../config.ts";
import { UsageError } from "../errors.ts";
import { extractLogs } from "../extract/extract_logs.ts";
import {
  describeExcludedIps,
  excludedIpsFromEnvironment,
  excludedIpSource,
} from "../extract/excluded_ips.ts";
import type { ExtractionMode } from "../extract/line_parser.ts";
import { summaryLines, warningLines } from "./extraction_report.ts";
import {
  type Command,
  commandCacheDirectory,
  type CommandContext,
  COMMON_HELP,
  expectPositionals,
  integerOption,
} from "./command.ts";
import { formatExtractionProgress, ProgressLine } from "./progress_line.ts";

/** The S3 source of `extract_logs s3://…`, with the credentials and region of `env`. */
async function remoteLogs(
  url: string,
  inventory: string | undefined,
  downloads: number | undefined,
  context: CommandContext,
): Promise<LogSource> {
  const client = new S3Client({
    credentials: await awsCredentials(context.env),
    region: awsRegion(context.env),
    endpoint: context.env.get(AWS_ENDPOINT_URL_VARIABLE) || undefined,
  });
  return s3LogSource({ location: parseS3Url(url), client, inventory, downloads });
}

/** The `extract_logs` command. */
export const command: Command = {
  name: "extract_logs",
  usage:
    "extract_logs [<log directory> | s3://bucket[/prefix]] [--mode generic|dandi] [--workers N] [--limit N] [--batch-size N] [--inventory DIR] [--downloads N] [--unrecorded hold|read|skip]",
  help: `Finds raw S3 log files below the log directory (S3 log objects, flat or in YYYY/MM/DD/
folders, and consolidated *.log files; gzip detected by content), keeps REST.GET.OBJECT
requests with a 2xx status, and stores them in <cache>/cache.sqlite. Files already extracted
are skipped, so it can run every night. Malformed lines are quarantined (encrypted) with their
file and line; unreadable files are recorded as failed and retried on the next run.

Arguments:
  <log directory>  where the logs are (default: S3_LOG_EXTRACTION_LOGS or set_logs)
  s3://bucket[/prefix]  or read them straight from the log bucket: listed with
                   ListObjectsV2 (or from --inventory), fetched with GetObject, parsed in
                   memory (nothing written to disk); same cache, same exactly-once guarantee

Options:
  --mode <mode>    generic (every object; default) or dandi (blobs/... and zarr/<id> pooled)
  --workers <n>    parse workers (default: one per core; 0 parses on the main thread)
  --limit <n>      process at most n log files this run
  --batch-size <n> commit once a batch holds n requests (default 25000; a batch is also
                   committed every second). Smaller batches lose less to a kill, cost more.
  --inventory <dir> (s3://) list from this local copy of an S3 Inventory of the bucket
  --downloads <n>  (s3://) objects fetched at a time (default 8)
  --unrecorded <what>  after index_ips imported a cache of the Python tools: what to do with
                   the log files its records do not name but whose names date from within its
                   requests (or that it started and did not finish): hold (default: not read,
                   listed as a warning), read, or skip (as read by the old tools, for good)

Environment:
  S3_LOG_EXTRACTION_PASSWORD      required: encrypts client IPs (keep it; it reads the cache)
  S3_LOG_EXTRACTION_SALT          optional PBKDF2 salt (default s3_log_extraction)
  S3_LOG_EXTRACTION_EXCLUDED_IPS  regular expression matched against the whole client IP;
                                  matching requests are dropped and counted (unset: none)
  IPS_TO_SKIP, S3_LOG_EXTRACTION_EXCLUDED_IP_REGEX   the DANDI plugin's and the reference's
                                  variables: searched anywhere in the IP, as they do. Set one
                                  of the three; two that differ stop the run
  AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE,
  AWS_SHARED_CREDENTIALS_FILE, AWS_REGION, AWS_ENDPOINT_URL   (s3://) credentials, region
                                  and an S3-compatible endpoint

Stop a run with \`s3_log_extraction stop\`, Ctrl+C or SIGTERM: it ends after its batch in
flight. A run killed outright loses nothing committed and duplicates nothing.

${COMMON_HELP}`,
  options: {
    mode: { type: "string" },
    workers: { type: "string" },
    limit: { type: "string" },
    "batch-size": { type: "string" },
    inventory: { type: "string" },
    downloads: { type: "string" },
    unrecorded: { type: "string" },
  },
  async run({ values, positionals }, context) {
    expectPositionals("extract_logs", positionals, 0, 1, "[<log directory>]");
    const mode = (values.mode ?? "generic") as string;
    if (mode !== "generic" && mode !== "dandi") {
      throw new UsageError(
        `--mode must be generic or dandi (got ${JSON.stringify(mode)}) for extract_logs.`,
      );
    }
    const unrecorded = (values.unrecorded ?? "hold") as string;
    if (unrecorded !== "hold" && unrecorded !== "read" && unrecorded !== "skip") {
      throw new UsageError(
        `--unrecorded must be hold, read or skip (got ${JSON.stringify(unrecorded)}) for ` +
          "extract_logs.",
      );
    }
    let workers = integerOption("extract_logs", "workers", values.workers, 0);
    const cores = navigator.hardwareConcurrency;
    if (workers !== undefined && workers > cores) {
      context.err(
        `warning: --workers ${workers} is more than this machine's ${cores} cores: using ` +
          `${cores} (more parse workers than cores only slow the run down).`,
      );
      workers = cores;
    }
    const limit = integerOption("extract_logs", "limit", values.limit, 1);
    const batchRequests = integerOption("extract_logs", "batch-size", values["batch-size"], 1);
    const logsDirectory = positionals[0] ?? await configuredLogsDirectory({ env: context.env });
    if (logsDirectory === undefined) {
      throw new UsageError(
        "extract_logs needs <log directory>, or a configured one: run " +
          "`s3_log_extraction set_logs <dir>` or set S3_LOG_EXTRACTION_LOGS.",
      );
    }
    const downloads = integerOption("extract_logs", "downloads", values.downloads, 1);
    const source = logsDirectory.startsWith("s3://")
      ? await remoteLogs(logsDirectory, values.inventory as string | undefined, downloads, context)
      : undefined;
    const excluded = excludedIpsFromEnvironment(context.env);
    excludedIpSource(excluded); // a bad pattern stops the run before anything is read
    // Derived while extractLogs starts its workers; a missing or weak password rejects it, and
    // extractLogs throws that before it opens the cache.
    const secrets = secretsFromEnvironment(context.env);
    secrets.catch(() => {});
    const cacheDirectory = await commandCacheDirectory(values, context);
    const quiet = values.quiet === true;
    const progress = new ProgressLine(context.stderrIsTerminal && !quiet);
    if (excluded !== undefined && !quiet) context.err(describeExcludedIps(excluded));
    const started = performance.now();
    const summary = await extractLogs({
      logsDirectory: source?.description ?? logsDirectory,
      cacheDirectory,
      secrets,
      mode: mode as ExtractionMode,
      excludedIps: excluded?.pattern,
      excludedIpMatch: excluded?.match,
      archiveClients: context.env.get(ARCHIVE_CLIENTS_VARIABLE)?.split(",").map((prefix) =>
        prefix.trim()
      ).filter((prefix) => prefix !== ""),
      workers,
      limit,
      batchRequests,
      source,
      unrecorded,
      signal: context.signal,
      onProgress: (p) =>
        progress.update(() => formatExtractionProgress(p, (performance.now() - started) / 1000)),
    }).finally(() => progress.done());
    if (values.json) {
      context.out(JSON.stringify(summary, null, 2));
    } else if (!quiet) {
      for (const line of summaryLines(summary)) context.out(line);
    }
    for (const line of warningLines(summary)) context.err(line);
    return 0;
  },
};
