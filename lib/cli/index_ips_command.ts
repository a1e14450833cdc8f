/**
 * `s3_log_extraction index_ips [<reference cache>]`.
 *
 * @module
 */

import { resolve } from "node:path";
import { secretsFromEnvironment } from "../crypto/cache_secrets.ts";
import { configuredLogsDirectory } from "../config.ts";
import { UsageError } from "../errors.ts";
import { indexIps, type IndexIpsResult } from "../reference/index_ips.ts";
import { type Command, commandCacheDirectory, COMMON_HELP, expectPositionals } from "./command.ts";
import { ProgressLine } from "./progress_line.ts";

/** The `index_ips` command. */
export const command: Command = {
  name: "index_ips",
  usage: "index_ips [<reference cache>] [--logs <dir>] [--mode generic|dandi] [--since-last-check]",
  help: `With a folder: imports a cache written by the Python reference into this cache, so an
archive can switch without re-reading years of logs:
  extraction/<key>/  timestamps.txt, bytes_sent.txt, ips.txt or full_ips.txt (plain text or
                     one Fernet token), download.txt (absent in old caches: downloads count 0)
  ips/ip_to_region.yaml  region labels (plain or Fernet; "undetermined" is looked up again)
  records/*_file-processing-{start,end}.txt, *_s3-url-processing-{start,end}.txt
                     the log files it read (by path; remote ones, the DANDI plugin's
                     included, by basename): extract_logs skips them. Files started and not
                     finished, and files no record names whose names date from within the
                     imported requests, are held by extract_logs (see its --unrecorded)
The cache takes the tree's mode: dandi when every key is blobs/xxx/yyy/<id> or zarr/<id> (the
plugin's tree), else generic (--mode to say otherwise).
Each object folder is imported once; a folder changed since is replaced, so running the import
again changes nothing. Folders that cannot be read are reported with file and line.

Then, and without a folder, checks the IP table: every request's IP index resolves, every
sealed IP decrypts and matches its keyed hash. Prints counts, never an IP. With
--since-last-check (what daily runs) only the requests and IPs stored since the last check
that found nothing wrong are checked: rows are only ever added, and the whole history is read
otherwise.

Options:
  --logs <dir>   log directory the reference read, to match its records' absolute paths
                 (default: the configured log directory)
  --mode <mode>  the imported tree's extraction mode (default: from its keys)
  --since-last-check  check only what was stored since the last clean check (every request
                 and IP when there was none)

Environment:
  S3_LOG_EXTRACTION_PASSWORD, S3_LOG_EXTRACTION_SALT  as for extract_logs (and as the
                     reference used them, to read its encrypted files)

${COMMON_HELP}`,
  options: {
    logs: { type: "string" },
    mode: { type: "string" },
    "since-last-check": { type: "boolean" },
  },
  async run({ values, positionals }, context) {
    expectPositionals("index_ips", positionals, 0, 1, "[<reference cache>]");
    const mode = values.mode;
    if (mode !== undefined && mode !== "generic" && mode !== "dandi") {
      throw new UsageError(
        `--mode must be generic or dandi (got ${JSON.stringify(mode)}) for index_ips.`,
      );
    }
    const secrets = await secretsFromEnvironment(context.env);
    const cacheDirectory = await commandCacheDirectory(values, context);
    const logs = typeof values.logs === "string"
      ? resolve(values.logs)
      : await configuredLogsDirectory({ env: context.env });
    const progress = new ProgressLine(context.stderrIsTerminal && !values.quiet);
    const summary = await indexIps({
      cacheDirectory,
      secrets,
      referenceDirectory: positionals[0] === undefined ? undefined : resolve(positionals[0]),
      logsDirectory: logs,
      mode,
      sinceLastCheck: values["since-last-check"] === true,
      onProgress: (objects) => progress.update(`index_ips: ${objects} object folders read`),
    }).finally(() => progress.done());
    if (values.json) context.out(JSON.stringify(summary, null, 2));
    else if (!values.quiet) { for (const line of describe(summary)) context.out(line); }
    if ((summary.imported?.unfinishedLogFiles ?? 0) > 0) {
      context.err(
        `index_ips: warning: ${summary.imported!.unfinishedLogFiles} log files were started ` +
          "and not finished by the old tools (a -start record without -end): part of their " +
          "requests may be in the imported tree. extract_logs holds them (not read) until " +
          "told what to do: see its --unrecorded.",
      );
    }
    const failures = summary.imported?.failures ?? [];
    for (const failure of failures) context.err(`index_ips: ${failure}`);
    const { unresolvedRequests, damagedIps } = summary.table;
    if (unresolvedRequests > 0 || damagedIps > 0) {
      context.err(
        `index_ips: the IP table is damaged: ${unresolvedRequests} requests have no IP row and ` +
          `${damagedIps} IP rows do not decrypt or match their hash. Restore cache.sqlite from ` +
          "a backup, or check that S3_LOG_EXTRACTION_PASSWORD and _SALT are the cache's own.",
      );
      return 1;
    }
    if ((summary.imported?.failed ?? 0) > 0) {
      context.err(
        `index_ips: ${summary.imported!.failed} object folders were not imported (see above); ` +
          "fix or remove them and run index_ips again: the rest is kept.",
      );
      return 1;
    }
    return 0;
  },
};

function describe({ imported, table }: IndexIpsResult): string[] {
  const n = (value: number) => value.toLocaleString("en-US");
  const lines: string[] = [];
  if (imported !== undefined) {
    lines.push(
      `Imported ${n(imported.objects)} object folders (${n(imported.requests)} requests, ` +
        `${n(imported.newIps)} new IPs); ${n(imported.unchanged)} were imported before and ` +
        `unchanged.${imported.mode === undefined ? "" : ` The cache is in ${imported.mode} mode.`}`,
      `Region labels taken: ${n(imported.labels)} (${n(imported.labelsSkipped)} skipped: ` +
        "labelled already, or a spent quota to look up again).",
      `Finished log files recorded: ${n(imported.recordedLogFiles)}` +
        (imported.recordsSkipped > 0
          ? ` (${n(imported.recordsSkipped)} outside the log directory; give --logs)`
          : "") +
        ".",
    );
    if (imported.withoutDownloads > 0) {
      lines.push(
        `${n(imported.withoutDownloads)} folders have no download.txt: their downloads count 0.`,
      );
    }
  }
  const share = table.ips === 0 ? 0 : Math.floor((table.labelledIps / table.ips) * 1000) / 10;
  lines.push(
    `IP table: ${n(table.ips)} IPs for ${n(table.requests)} requests, ${n(table.labelledIps)} ` +
      `with a region label (${share}%).` +
      (table.unresolvedRequests === 0 && table.damagedIps === 0
        ? " Every request's IP resolves."
        : "") +
      (table.since === undefined
        ? ""
        : ` Checked the ${n(table.since.requests)} requests and ${n(table.since.ips)} IPs ` +
          "stored since the last check that found nothing wrong."),
  );
  return lines;
}
