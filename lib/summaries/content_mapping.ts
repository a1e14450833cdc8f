/**
 * The DANDI content-id mapping, `{content_id: {dandiset_id: asset_path}}` (gzipped or plain
 * JSON), from a file or a URL. A URL is fetched at most once a day: the copy is kept in
 * `<cache>/dandi/` and an older copy is used, with a warning, when the URL cannot be reached.
 *
 * @module
 */

import { BODY_LIMITS, readBody } from "../http_body.ts";
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
  /** Today's date `YYYY-MM-DD` (default: today, UTC). */
  today?: string;
}

/**
 * Loads the mapping.
 *
 * @example From a file
 * ```ts
 * import { loadContentMapping } from "./content_mapping.ts";
 * import { assertEquals } from "../_assert.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/m.json`, '{"abc": {"000026": "sub-1/x.nwb"}}');
 * const mapping = await loadContentMapping({ source: `${dir}/m.json`, cacheDirectory: dir });
 * assertEquals(mapping.abc, { "000026": "sub-1/x.nwb" });
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
  const today = options.today ?? new Date().toISOString().slice(0, 10);
  const copy = join(folder, `content_mapping_${today}.json`);
  try {
    return await decode(await Deno.readFile(copy));
  } catch {
    // not fetched today yet (or damaged): fetch below
  }
  try {
    const response = await fetch(source, { signal: AbortSignal.timeout(120_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
    const bytes = await readBody(response, BODY_LIMITS.mapping);
    const mapping = await decode(bytes);
    await Deno.mkdir(folder, { recursive: true });
    await Deno.writeFile(`${copy}.tmp`, bytes);
    await Deno.rename(`${copy}.tmp`, copy);
    return mapping;
  } catch (error) {
    const older = [...await Array.fromAsync(Deno.readDir(folder)).catch(() => [])]
      .map((entry) => entry.name).filter((name) => /^content_mapping_.*\.json$/.test(name))
      .sort().pop();
    if (older === undefined) throw fail(errorText(error));
    options.warn?.(
      `warning: cannot fetch the content-id mapping ${source} (${errorText(error)}); using ` +
        `the copy from ${older.slice(16, 26)}.`,
    );
    return await decode(await Deno.readFile(join(folder, older)));
  }
}
