/**
 * `s3_log_extraction export_extraction <dir>`.
 *
 * @module
 */

import { resolve } from "node:path";
import { secretsFromEnvironment } from "../crypto/cache_secrets.ts";
import { sampleCache } from "./daily_setup.ts";
import { exportExtraction, type ExportResult } from "../reference/export_extraction.ts";
import { StoppedError } from "../errors.ts";
import {
  type Command,
  commandCacheDirectory,
  COMMON_HELP,
  expectPositionals,
  SAMPLE_HELP,
  SAMPLE_OPTION,
} from "./command.ts";
import { PASSWORD_VARIABLE } from "../env.ts";

/** The `export_extraction` command. */
export const command: Command = {
  name: "export_extraction",
  usage: "export_extraction <dir> [--no-encryption] [--sample]",
  help: `Writes one folder per object key with timestamps.txt (YYMMDDhhmmss), bytes_sent.txt,
ips.txt and download.txt, one request per line in log order, as the Python reference does.
ips.txt is one Fernet token (readable by the reference with the same password and salt)
unless --no-encryption is given. <dir> must not exist or be empty; it appears complete or not
at all. Key segments that are unsafe as folder names ("", ".", "..") are written as %%<hex>.

Options:
  --no-encryption  write ips.txt as plain text (one IP per line): handle with care
${SAMPLE_HELP} (its own password)

Environment:
  S3_LOG_EXTRACTION_PASSWORD, S3_LOG_EXTRACTION_SALT  as for extract_logs

${COMMON_HELP}`,
  options: { "no-encryption": { type: "boolean" }, ...SAMPLE_OPTION },
  async run({ values, positionals }, context) {
    expectPositionals("export_extraction", positionals, 1, 1, "<dir>");
    const env = values.sample === true
      ? new Map([[PASSWORD_VARIABLE, (await sampleCache()).password]])
      : context.env;
    const secrets = await secretsFromEnvironment(env);
    const cacheDirectory = await commandCacheDirectory(values, context);
    const targetDirectory = resolve(positionals[0]);
    let summary: ExportResult;
    try {
      summary = await exportExtraction({
        cacheDirectory,
        targetDirectory,
        secrets,
        plaintextIps: values["no-encryption"] === true,
        signal: context.signal,
      });
    } catch (error) {
      if (!(error instanceof StoppedError)) throw error;
      if (!values.quiet) {
        context.out(`Stopped as asked: nothing was exported to ${targetDirectory}.`);
      }
      return 0;
    }
    if (values.json) context.out(JSON.stringify({ targetDirectory, ...summary }, null, 2));
    else if (!values.quiet) {
      context.out(
        `Exported ${summary.requests.toLocaleString("en-US")} requests of ` +
          `${summary.objects.toLocaleString("en-US")} objects to ${targetDirectory}.`,
      );
    }
    return 0;
  },
};
