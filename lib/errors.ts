/**
 * The two kinds of error the command line turns into one clear line and an exit code.
 *
 * @module
 */

/**
 * A failure the operator can fix (missing password, unreadable directory, concurrent run…).
 * Its message is shown as is; the command exits with code 1.
 *
 * @example Usage
 * ```ts
 * import { OperatorError } from "./errors.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * const error = new OperatorError("Cannot open cache /x: permission denied. Fix the permissions.");
 * assertEquals(error.exitCode, 1);
 * ```
 */
export class OperatorError extends Error {
  /** The process exit code for this error. */
  readonly exitCode: number = 1;

  /** Creates the error with the message to show. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "OperatorError";
  }
}

/**
 * A command line that cannot be understood (unknown command or option, missing argument).
 * The command exits with code 2.
 *
 * @example Usage
 * ```ts
 * import { UsageError } from "./errors.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * assertEquals(new UsageError("Unknown command 'x'.").exitCode, 2);
 * ```
 */
export class UsageError extends OperatorError {
  /** The process exit code for usage errors. */
  override readonly exitCode: number = 2;

  /** Creates the error with the message to show. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The message of an unknown thrown value.
 *
 * @example Usage
 * ```ts
 * import { errorText } from "./errors.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * assertEquals(errorText(new Error("disk full")), "disk full");
 * assertEquals(errorText("plain"), "plain");
 * ```
 */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
