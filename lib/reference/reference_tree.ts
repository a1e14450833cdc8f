/**
 * Reads the per-object extraction tree written by the reference (`extraction/<key>/` with
 * `timestamps.txt`, `bytes_sent.txt`, `ips.txt` or `full_ips.txt`, and `download.txt`): every
 * value checked, the columns checked to have one value per request, and IP files decrypted
 * when they are one Fernet token (current or older key).
 *
 * @module
 */

import { join } from "node:path";
import { isIpAddress } from "../ip_address.ts";
import { isPlausibleTime, latestLogTime, MAX_BYTES_SENT } from "../log_bounds.ts";
import type { CacheSecrets } from "../crypto/cache_secrets.ts";
import { formatReferenceTimestamp } from "../extract/civil_time.ts";
import { errorText } from "../errors.ts";
import { InvalidTokenError } from "../crypto/fernet.ts";
import { LONG_NAMES_FILE, relativePathToKey } from "../key_path.ts";

/** One object folder of a reference tree. */
export interface ReferenceObject {
  /** Folder path relative to the tree's root, with `/`. */
  relativePath: string;
  /** The object key it holds. */
  key: string;
  /** Absolute folder path. */
  directory: string;
}

/** The requests of one object, one entry per request in each column. */
export interface ReferenceColumns {
  /** Times in seconds since 1970 (UTC). */
  times: number[];
  /** Bytes sent. */
  bytesSent: number[];
  /** Client IPs. */
  ips: string[];
  /** 1 when the request was a download (status 200); all 0 when `download.txt` is absent. */
  downloads: number[];
  /** Whether `download.txt` was there. */
  downloadsKnown: boolean;
  /** Sum of the sizes of the files read. */
  size: number;
  /** Latest modification time of the files read (milliseconds). */
  mtime: number;
}

/** A reference file that cannot be imported; the message names the file (and line). */
export class ReferenceDataError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "ReferenceDataError";
  }
}

const TOKEN = /^gA[A-Za-z0-9_-]+={0,2}$/;

/**
 * The object folders below `root` (those holding a `timestamps.txt`), in sorted path order.
 *
 * @example Usage
 * ```ts
 * import { findReferenceObjects } from "./reference_tree.ts";
 * import assert from "node:assert/strict";
 *
 * const root = await Deno.makeTempDir();
 * for (const folder of ["ds1/b.txt", "ds1/a/c.nwb", "ds1/a"]) {
 *   await Deno.mkdir(`${root}/${folder}`, { recursive: true });
 *   await Deno.writeTextFile(`${root}/${folder}/timestamps.txt`, "220406030553\n");
 * }
 * const keys = [];
 * for await (const object of findReferenceObjects(root)) keys.push(object.key);
 * assert.deepStrictEqual(keys, ["ds1/a", "ds1/a/c.nwb", "ds1/b.txt"]);
 * await Deno.remove(root, { recursive: true });
 * ```
 */
export async function* findReferenceObjects(root: string): AsyncGenerator<ReferenceObject> {
  // Names this tool's export had to shorten, to read back as the keys they stand for.
  const longNames = new Map<string, string>(
    Object.entries(
      await Deno.readTextFile(join(root, LONG_NAMES_FILE)).then(
        (text) => JSON.parse(text) as Record<string, string>,
        () => ({}),
      ),
    ),
  );
  const walk = async function* (relative: string): AsyncGenerator<ReferenceObject> {
    const directory = relative === "" ? root : join(root, relative);
    const folders: string[] = [];
    let isObject = false;
    for await (const entry of Deno.readDir(directory)) {
      if (entry.isDirectory) folders.push(entry.name);
      else if (entry.name === "timestamps.txt") isObject = true;
    }
    if (isObject) {
      yield { relativePath: relative, key: relativePathToKey(relative, longNames), directory };
    }
    folders.sort();
    for (const name of folders) yield* walk(relative === "" ? name : `${relative}/${name}`);
  };
  yield* walk("");
}

/**
 * Reads a text file of the reference that may be one Fernet token (then decrypted with the
 * cache's key, or the reference's older key) or plain text.
 *
 * @example Usage
 * ```ts
 * import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
 * import { readReferenceText } from "./reference_tree.ts";
 * import assert from "node:assert/strict";
 *
 * const secrets = await deriveCacheSecrets({ password: "example", iterations: 1 });
 * const path = await Deno.makeTempFile();
 * await Deno.writeTextFile(path, await secrets.legacyFernet.encrypt("192.0.2.0\n"));
 * assert.deepStrictEqual(await readReferenceText(path, secrets), "192.0.2.0\n");
 * await Deno.writeTextFile(path, "192.0.2.0\n");
 * assert.deepStrictEqual(await readReferenceText(path, secrets), "192.0.2.0\n");
 * await Deno.remove(path);
 * ```
 */
export async function readReferenceText(path: string, secrets: CacheSecrets): Promise<string> {
  const text = await Deno.readTextFile(path);
  const trimmed = text.trim();
  if (!TOKEN.test(trimmed)) return text;
  for (const fernet of [secrets.fernet, secrets.legacyFernet]) {
    try {
      return await fernet.decryptText(trimmed);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
    }
  }
  throw new ReferenceDataError(
    `${path} is encrypted with another password: set S3_LOG_EXTRACTION_PASSWORD (and ` +
      "S3_LOG_EXTRACTION_SALT if the reference used one) to the values the reference used.",
  );
}

/**
 * Reads and checks the columns of one object folder.
 *
 * @example Usage
 * ```ts
 * import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
 * import { readReferenceObject } from "./reference_tree.ts";
 * import assert from "node:assert/strict";
 *
 * const directory = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${directory}/timestamps.txt`, "220406030553\n");
 * await Deno.writeTextFile(`${directory}/bytes_sent.txt`, "512\n");
 * await Deno.writeTextFile(`${directory}/full_ips.txt`, "192.0.2.0\n");
 * const secrets = await deriveCacheSecrets({ password: "example", iterations: 1 });
 * const columns = await readReferenceObject({ relativePath: "a", key: "a", directory }, secrets);
 * assert.deepStrictEqual([columns.times, columns.bytesSent, columns.ips, columns.downloads],
 *   [[Date.UTC(2022, 3, 6, 3, 5, 53) / 1000], [512], ["192.0.2.0"], [0]]);
 * await Deno.remove(directory, { recursive: true });
 * ```
 */
export async function readReferenceObject(
  object: ReferenceObject,
  secrets: CacheSecrets,
): Promise<ReferenceColumns> {
  const stats = { size: 0, mtime: 0 };
  const read = async (name: string, decrypt = false): Promise<string[] | undefined> => {
    const path = join(object.directory, name);
    let text: string;
    try {
      const info = await Deno.stat(path);
      stats.size += info.size;
      stats.mtime = Math.max(stats.mtime, info.mtime?.getTime() ?? 0);
      text = decrypt ? await readReferenceText(path, secrets) : await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      if (error instanceof ReferenceDataError) throw error;
      throw new ReferenceDataError(`Cannot read ${path}: ${errorText(error)}.`);
    }
    const lines = text.split(/\r?\n/).map((line) => line.trim());
    if (lines.at(-1) === "") lines.pop();
    return lines;
  };
  const where = (name: string, index: number) => `${join(object.directory, name)}:${index + 1}`;
  const timestamps = (await read("timestamps.txt")) ?? [];
  const bytes = (await read("bytes_sent.txt")) ?? [];
  // `ips.txt`, or `full_ips.txt` as the reference named it before.
  let ipsName = "ips.txt";
  let ips = await read(ipsName, true);
  if (ips === undefined) ips = await read(ipsName = "full_ips.txt", true);
  if (ips === undefined) {
    throw new ReferenceDataError(
      `${object.directory} has timestamps.txt but neither ips.txt nor full_ips.txt.`,
    );
  }
  const downloadLines = await read("download.txt");
  const lengths = [timestamps.length, bytes.length, ips.length, downloadLines?.length];
  if (lengths.some((length) => length !== undefined && length !== timestamps.length)) {
    throw new ReferenceDataError(
      `${object.directory}: the columns differ in length (timestamps ${lengths[0]}, bytes ` +
        `${lengths[1]}, IPs ${lengths[2]}${
          downloadLines ? `, downloads ${lengths[3]}` : ""
        }), so requests cannot be matched up.`,
    );
  }
  // Values are never quoted in these messages: a column mixed up with ips.txt would print IPs.
  const latest = latestLogTime();
  const times = timestamps.map((text, i) => {
    const time = parseReferenceTimestamp(text);
    if (time === undefined) {
      throw new ReferenceDataError(
        `${where("timestamps.txt", i)}: not a timestamp (12 digits YYMMDDhhmmss).`,
      );
    }
    if (!isPlausibleTime(time, latest)) {
      throw new ReferenceDataError(
        `${where("timestamps.txt", i)}: a time before S3 existed (2006) or in the future.`,
      );
    }
    return time;
  });
  const bytesSent = bytes.map((text, i) => {
    if (!/^\d{1,15}$/.test(text) || Number(text) > MAX_BYTES_SENT) {
      throw new ReferenceDataError(
        `${where("bytes_sent.txt", i)}: not a byte count (a whole number up to 5 TiB).`,
      );
    }
    return Number(text);
  });
  ips.forEach((ip, i) => {
    if (ip !== "-" && !isIpAddress(ip)) {
      throw new ReferenceDataError(`${where(ipsName, i)}: not an IPv4 or IPv6 address.`);
    }
  });
  const downloads = downloadLines?.map((text, i) => {
    if (text !== "0" && text !== "1") {
      throw new ReferenceDataError(`${where("download.txt", i)}: not 0 or 1.`);
    }
    return Number(text);
  }) ?? times.map(() => 0);
  return {
    times,
    bytesSent,
    ips,
    downloads,
    downloadsKnown: downloadLines !== undefined,
    ...stats,
  };
}

/**
 * Seconds since 1970 of a reference timestamp `YYMMDDhhmmss` (UTC, years 2000–2099), or
 * undefined when it is not a valid time.
 *
 * @example Usage
 * ```ts
 * import { parseReferenceTimestamp } from "./reference_tree.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(parseReferenceTimestamp("220406030553"), Date.UTC(2022, 3, 6, 3, 5, 53) / 1000);
 * assert.deepStrictEqual(parseReferenceTimestamp("220231000000"), undefined);
 * ```
 */
export function parseReferenceTimestamp(text: string): number | undefined {
  const match = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)$/.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  const time = Date.UTC(2000 + year, month - 1, day, hour, minute, second) / 1000;
  return formatReferenceTimestamp(time) === text ? time : undefined;
}
