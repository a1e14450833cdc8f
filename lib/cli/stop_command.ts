/**
 * `s3_log_extraction stop`: ends a running extraction after its batch in flight.
 *
 * @module
 */

import { OperatorError } from "../errors.ts";
import { join } from "node:path";
import { PIPELINE_LOCK_FILE, readLockHolder, requestStop, STOP_FILE } from "../store/run_lock.ts";
import {
  type Command,
  COMMON_HELP,
  expectPositionals,
  integerOption,
  readCacheDirectory,
} from "./command.ts";

/** The `stop` command. */
export const command: Command = {
  name: "stop",
  usage: "stop [--timeout SECONDS]",
  help: `Asks the run working on the cache (daily, an extraction, a summary step, region
lookups) to stop after the batch it is committing, then waits until it has stopped. Everything
committed stays, a summary step stopped before writing changes nothing, and the next run
continues.

Options:
  --timeout <s>   how long to wait (default 600); exit code 1 if it has not stopped by then

${COMMON_HELP}`,
  options: { timeout: { type: "string" } },
  async run({ values, positionals }, context) {
    expectPositionals("stop", positionals, 0, 0, "");
    const timeout = integerOption("stop", "timeout", values.timeout, 0) ?? 600;
    const cacheDirectory = await readCacheDirectory(values, context);
    // The extraction lock names the extraction; the pipeline lock any writing step or daily.
    const holders = async () =>
      await readLockHolder(cacheDirectory) ??
        await readLockHolder(cacheDirectory, { file: PIPELINE_LOCK_FILE });
    const holder = await holders();
    if (holder === undefined) {
      if (!values.quiet) context.out(`No run is working on cache ${cacheDirectory}.`);
      return 0;
    }
    // A record read between the holder's lock and its write has no pid yet.
    const run = holder.pid > 0
      ? `${holder.command ?? "The extraction"} (process ${holder.pid})`
      : "The run starting";
    await requestStop(cacheDirectory);
    if (!values.quiet) context.err(`Asked ${run} to stop after its batch in flight…`);
    const deadline = Date.now() + timeout * 1000;
    while (await holders() !== undefined) {
      if (Date.now() > deadline) {
        throw new OperatorError(
          `${run} has not stopped after ${timeout} s; it may be committing a large batch. ` +
            "Run stop again to keep waiting.",
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Asked and done: the request must not stop the next run.
    await Deno.remove(join(cacheDirectory, STOP_FILE)).catch(() => {});
    if (!values.quiet) context.out(`${run} on cache ${cacheDirectory} has stopped.`);
    return 0;
  },
};
