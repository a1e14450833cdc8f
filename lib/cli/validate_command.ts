/**
 * `s3_log_extraction validate <log directory>`.
 *
 * @module
 */

import { resolve } from "node:path";
import { configuredLogsDirectory } from "../config.ts";
import { UsageError } from "../errors.ts";
import { validateLogs } from "../extract/log_validation.ts";
import { type Command, COMMON_HELP, expectPositionals, integerOption } from "./command.ts";
import { ProgressLine } from "./progress_line.ts";

/** The `validate` command. */
export const command: Command = {
  name: "validate",
  usage: "validate [<log directory>] [--examples N] [--strict]",
  help: `Reads every log file below the directory (default: the configured one) and reports, per
kind of problem, how many lines have it and the first file:line examples. Nothing is stored.
One pass covers the reference's five awk validators and every reason extract_logs quarantines
a line:
  unknown_operation, protocol_repeated (HTTP/1. more than once), missing_protocol,
  missing_status, ambiguous_status, non_numeric_bytes, non_numeric_object_size,
  bad_timestamp, bad_client_ip, missing_request_uri, too_few_fields, invalid_utf8,
  blank_line, short_download (status 200 with fewer bytes sent than the object size)
short_download, protocol_repeated and missing_protocol describe ordinary lines that are read
correctly: they are listed as informational. Exit code 0 when nothing else was found, 1 when a
problem or an unreadable file was.

Options:
  --examples <n>  examples listed per kind (default 5)
  --strict        informational kinds fail the exit code too

${COMMON_HELP}`,
  options: { examples: { type: "string" }, strict: { type: "boolean" } },
  async run({ values, positionals }, context) {
    expectPositionals("validate", positionals, 0, 1, "[<log directory>]");
    const examples = integerOption("validate", "examples", values.examples, 0) ?? 5;
    const logsDirectory = positionals[0] !== undefined
      ? resolve(positionals[0])
      : await configuredLogsDirectory({ env: context.env });
    if (logsDirectory === undefined) {
      throw new UsageError(
        "validate needs a log directory: give it (validate <dir>) or configure one with set_logs.",
      );
    }
    const progress = new ProgressLine(context.stderrIsTerminal && !values.quiet);
    const report = await validateLogs({
      logsDirectory,
      examples,
      onProgress: (files, lines) => progress.update(`validate: ${files} files, ${lines} lines`),
    }).finally(() => progress.done());
    const n = (value: number) => value.toLocaleString("en-US");
    const lines = (value: number) => `${n(value)} line${value === 1 ? "" : "s"}`;
    if (values.json) context.out(JSON.stringify({ logsDirectory, ...report }, null, 2));
    else if (!values.quiet) {
      context.out(
        `Read ${n(report.files)} log file${report.files === 1 ? "" : "s"} in ${logsDirectory}: ` +
          `${lines(report.lines)}, ` +
          `${n(report.kept)} requests that extract_logs would keep.`,
      );
      if (report.problems.length === 0 && report.unreadable.length === 0) {
        context.out("No problems found.");
      }
      for (const problem of report.problems) {
        const note = problem.informational ? ", informational" : "";
        context.out(`${problem.kind}: ${lines(problem.lines)} (${problem.description}${note})`);
        for (const where of problem.examples) context.out(`  ${where}`);
      }
      for (const { path, reason } of report.unreadable) {
        context.out(`unreadable: ${path} (${reason})`);
      }
    }
    const failing = report.problems.filter((p) => values.strict || !p.informational);
    return failing.length === 0 && report.unreadable.length === 0 ? 0 : 1;
  },
};
