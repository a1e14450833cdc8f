/**
 * The DANDI content-id mapping, `{content_id: {dandiset_id: asset_path}}` (gzipped or plain
 * JSON), from a file or a URL. A URL is fetched at most once a day: the copy is kept as
 * `<cache>/dandi/content_mapping.json` and an older copy is used, with a warning, when the URL
 * cannot be reached.
 *
 * @module
 */

import { BODY_LIMITS } from "../http_body.ts";
import { type DailyCopy, dailyCopy } from "../daily_copy.ts";
import { join } from "node:path";
import { errorText, OperatorError } from "../errors.ts";
import { textOfMaybeGzip } from "../gzip.ts";

/** The mapping DANDI publishes (the reference's default). */
export const DEFAULT_MAPPING_URL =
  "https://raw.githubusercontent.com/dandi-cache/content-id-to-usage-dandiset-path/refs/heads/min/derivatives/content_id_to_usage_dandiset_path.min.json.gz";

/** Content id → dandiset id → asset path. */
export type ContentMapping = Record<string, Record<string, string>>;

async function decode(bytes: Uint8Array<ArrayBuffer>): Promise<ContentMapping> {
  const value = JSON.parse(await textOfMaybeGzip(bytes));
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("it is not a JSON object");
  }
  for (const [contentId, entry] of Object.entries(value)) {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new Error(`the entry of ${contentId} is not an object {dandiset_id: asset_path}`);
    }
  }
  return value as ContentMapping;
}

/** Options of {@linkcode loadContentMapping}. */
export interface LoadMappingOptions {
  /** A file path or an http(s) URL. */
  source: string;
  /** The cache directory (URL downloads are kept in `<cache>/dandi/`). */
  cacheDirectory: string;
  /** Reports a warning (an old copy is used). */
  warn?: (message: string) => void;
  /**
   * The current time (a copy fetched less than a day before serves as is).
   *
   * @default {new Date()}
   */
  now?: Date;
}

/**
 * Loads the mapping.
 *
 * @param options The mapping's file or URL, the cache (where a URL's daily copy is kept), warnings
 * and the current time.
 * @returns Content id → dandiset id → asset path.
 * @throws {OperatorError} When the mapping cannot be read, fetched (with no copy kept) or is not a
 * mapping.
 *
 * @example From a file
 * ```ts
 * import { loadContentMapping } from "./content_mapping.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/m.json`, '{"abc": {"000026": "sub-1/x.nwb"}}');
 * const mapping = await loadContentMapping({ source: `${dir}/m.json`, cacheDirectory: dir });
 * assert.deepStrictEqual(mapping.abc, { "000026": "sub-1/x.nwb" });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function loadContentMapping(options: LoadMappingOptions): Promise<ContentMapping> {
  const { source } = options;
  const fail = (why: string) =>
    new OperatorError(
      `Cannot read the content-id mapping ${source}: ${why}. Give a readable file or URL with ` +
        "--mapping (gzipped or plain JSON {content_id: {dandiset_id: asset_path}}).",
    );
  if (!/^https?:\/\//.test(source)) {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = await Deno.readFile(source);
    } catch (error) {
      throw fail(errorText(error));
    }
    try {
      return await decode(bytes);
    } catch (error) {
      throw fail(errorText(error));
    }
  }
  const folder = join(options.cacheDirectory, "dandi");
  const path = join(folder, "content_mapping.json");
  await adoptDatedCopy(folder, path);
  let copy: DailyCopy<ContentMapping>;
  try {
    copy = await dailyCopy({
      path,
      url: source,
      limit: BODY_LIMITS.mapping,
      read: decode,
      now: options.now,
      timeoutMs: MAPPING_TIMEOUT_MS,
      // A mapping of megabytes needs the full timeout even when a copy is kept.
      recentCopyTimeoutMs: MAPPING_TIMEOUT_MS,
    });
  } catch (error) {
    // Only the kept copy is read outside dailyCopy's own fallback.
    throw fail(`the kept copy ${path} is damaged (${errorText(error)}); delete it`);
  }
  if (copy.value === undefined) throw fail(copy.failure ?? "no copy is kept");
  if (copy.failure !== undefined) {
    options.warn?.(
      `warning: cannot fetch the content-id mapping ${source} (${copy.failure}); using ` +
        `the copy from ${copy.fetchedAt!.toISOString().slice(0, 10)}.`,
    );
  }
  return copy.value;
}

const MAPPING_TIMEOUT_MS = 120_000;

/**
 * Earlier versions kept one copy per day (`content_mapping_<YYYY-MM-DD>.json`): the newest
 * becomes the kept copy, dated by its name, and the others go.
 */
async function adoptDatedCopy(folder: string, path: string): Promise<void> {
  const dated = (await Array.fromAsync(Deno.readDir(folder)).catch(() => []))
    .map((entry) => entry.name).filter((name) =>
      /^content_mapping_\d{4}-\d\d-\d\d\.json$/.test(name)
    )
    .sort();
  if (dated.length === 0) return;
  const newest = dated.pop()!;
  if (await Deno.stat(path).then(() => false, () => true)) {
    const at = new Date(`${newest.slice(16, 26)}T00:00:00Z`);
    await Deno.rename(join(folder, newest), path);
    await Deno.utime(path, at, at);
  } else dated.push(newest);
  for (const name of dated) await Deno.remove(join(folder, name)).catch(() => {});
}
