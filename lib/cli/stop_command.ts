/**
 * `s3_log_extraction stop`: ends a running extraction after its batch in flight.
 *
 * @module
 */

import { OperatorError } from "../errors.ts";
import { readLockHolder, requestStop } from "../run_lock.ts";
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
  summary: "Stop a running extraction after its batch in flight, and wait for it",
  usage: "stop [--timeout SECONDS]",
  help: `Asks the extraction running on the cache to stop after the batch it is committing,
then waits until it has stopped. Everything committed stays; the next run continues.

Options:
  --timeout <s>   how long to wait (default 600); exit code 1 if it has not stopped by then

${COMMON_HELP}`,
  options: { timeout: { type: "string" } },
  async run({ values, positionals }, context) {
    expectPositionals("stop", positionals, 0, 0, "");
    const timeout = integerOption("stop", "timeout", values.timeout, 0) ?? 600;
    const cacheDirectory = await readCacheDirectory(values, context);
    const holder = await readLockHolder(cacheDirectory);
    if (holder === undefined) {
      if (!values.quiet) context.out(`No extraction is running on cache ${cacheDirectory}.`);
      return 0;
    }
    await requestStop(cacheDirectory);
    if (!values.quiet) {
      context.err(`Asked the extraction (process ${holder.pid}) to stop after its batch…`);
    }
    const deadline = Date.now() + timeout * 1000;
    while (await readLockHolder(cacheDirectory) !== undefined) {
      if (Date.now() > deadline) {
        throw new OperatorError(
          `The extraction (process ${holder.pid}) has not stopped after ${timeout} s; it may ` +
            "be committing a large batch. Run stop again to keep waiting.",
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (!values.quiet) context.out(`The extraction on cache ${cacheDirectory} has stopped.`);
    return 0;
  },
};
