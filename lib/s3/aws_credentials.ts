/**
 * AWS credentials and region as the AWS tools find them: `AWS_ACCESS_KEY_ID`,
 * `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, else the profile `AWS_PROFILE` (default
 * `default`) of the shared credentials file (`AWS_SHARED_CREDENTIALS_FILE`, default
 * `~/.aws/credentials`); region from `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1`.
 *
 * @module
 */

import {
  AWS_ACCESS_KEY_ID_VARIABLE,
  AWS_DEFAULT_REGION_VARIABLE,
  AWS_PROFILE_VARIABLE,
  AWS_REGION_VARIABLE,
  AWS_SECRET_ACCESS_KEY_VARIABLE,
  AWS_SESSION_TOKEN_VARIABLE,
  AWS_SHARED_CREDENTIALS_FILE_VARIABLE,
  type Environment,
  HOME_VARIABLE,
} from "../env.ts";
import { join } from "node:path";
import { OperatorError } from "../errors.ts";
import type { AwsCredentials } from "./sigv4.ts";

/**
 * The path of the shared credentials file.
 *
 * @example Usage
 * ```ts
 * import { credentialsFilePath } from "./aws_credentials.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(credentialsFilePath(new Map([["HOME", "/home/op"]])), "/home/op/.aws/credentials");
 * ```
 */
export function credentialsFilePath(env: Environment): string {
  return env.get(AWS_SHARED_CREDENTIALS_FILE_VARIABLE) ||
    join(env.get(HOME_VARIABLE) ?? "", ".aws", "credentials");
}

/**
 * Finds the credentials; none found is an {@linkcode OperatorError} saying what to set.
 *
 * @example From the environment
 * ```ts
 * import { awsCredentials } from "./aws_credentials.ts";
 * import assert from "node:assert/strict";
 *
 * const env = new Map([["AWS_ACCESS_KEY_ID", "AKID"], ["AWS_SECRET_ACCESS_KEY", "secret"]]);
 * assert.deepStrictEqual(await awsCredentials(env), { accessKeyId: "AKID", secretAccessKey: "secret" });
 * ```
 */
export async function awsCredentials(env: Environment): Promise<AwsCredentials> {
  const id = env.get(AWS_ACCESS_KEY_ID_VARIABLE);
  const secret = env.get(AWS_SECRET_ACCESS_KEY_VARIABLE);
  if (id && secret) {
    const token = env.get(AWS_SESSION_TOKEN_VARIABLE);
    return token
      ? { accessKeyId: id, secretAccessKey: secret, sessionToken: token }
      : { accessKeyId: id, secretAccessKey: secret };
  }
  const path = credentialsFilePath(env);
  const profile = env.get(AWS_PROFILE_VARIABLE) || "default";
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    throw new OperatorError(
      "No AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and " +
        `AWS_SESSION_TOKEN for temporary ones), or put profile [${profile}] in ${path}.`,
    );
  }
  const section = iniSection(text, profile);
  const found = section?.get("aws_access_key_id");
  const key = section?.get("aws_secret_access_key");
  if (!found || !key) {
    throw new OperatorError(
      `No AWS credentials for profile [${profile}] in ${path}: it needs aws_access_key_id and ` +
        "aws_secret_access_key. Set AWS_PROFILE to another profile, or the AWS_* variables.",
    );
  }
  const token = section?.get("aws_session_token");
  return token
    ? { accessKeyId: found, secretAccessKey: key, sessionToken: token }
    : { accessKeyId: found, secretAccessKey: key };
}

/**
 * The region to sign for.
 *
 * @example Usage
 * ```ts
 * import { awsRegion } from "./aws_credentials.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(awsRegion(new Map()), "us-east-1");
 * assert.deepStrictEqual(awsRegion(new Map([["AWS_DEFAULT_REGION", "eu-west-1"]])), "eu-west-1");
 * ```
 */
export function awsRegion(env: Environment): string {
  return env.get(AWS_REGION_VARIABLE) || env.get(AWS_DEFAULT_REGION_VARIABLE) || "us-east-1";
}

function iniSection(text: string, name: string): Map<string, string> | undefined {
  let current: Map<string, string> | undefined;
  let wanted: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/[#;].*$/, "").trim();
    if (line === "") continue;
    const header = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (header) {
      current = new Map();
      if (header[1] === name) wanted = current;
      continue;
    }
    const eq = line.indexOf("=");
    if (current && eq > 0) current.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return wanted;
}
