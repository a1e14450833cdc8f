/**
 * A local copy of an S3 Inventory of the log bucket: the latest `hive/dt=*` partition, its
 * `symlink.txt` naming gzipped CSV files under `data/`, columns from the snapshot's
 * `manifest.json` (`fileSchema`). Keys are URL-decoded (the inventory encodes them; the
 * reference used them encoded).
 *
 * @module
 */

import { basename, join } from "node:path";
import { errorText, OperatorError } from "../errors.ts";
import { gunzipStream } from "../gzip.ts";
import type { S3Object } from "./s3_client.ts";

/** What an inventory holds. */
export interface Inventory {
  /** The bucket it describes (`sourceBucket`). */
  bucket: string;
  /** The partition read (`dt=…`). */
  partition: string;
  /** Its objects. */
  objects: S3Object[];
}

/**
 * Reads the latest snapshot of the inventory in `directory`.
 *
 * @example Usage
 * ```ts
 * import { readInventory } from "./s3_inventory.ts";
 * import assert from "node:assert/strict";
 *
 * const directory = await Deno.makeTempDir();
 * await assert.rejects(() => readInventory(directory), /no hive\/dt=\* partition/);
 * await Deno.remove(directory);
 * ```
 */
export async function readInventory(directory: string): Promise<Inventory> {
  const fail = (what: string): never => {
    throw new OperatorError(
      `Cannot read the S3 Inventory in ${directory}: ${what}. Give the local copy of the ` +
        "inventory's destination prefix (holding hive/, data/ and the dated manifest folders).",
    );
  };
  const partitions: string[] = [];
  try {
    for await (const entry of Deno.readDir(join(directory, "hive"))) {
      if (entry.isDirectory && entry.name.startsWith("dt=")) partitions.push(entry.name);
    }
  } catch {
    // Reported below.
  }
  const partition = partitions.sort().at(-1) ?? fail("no hive/dt=* partition");
  const dt = partition.slice(3); // YYYY-MM-DD-HH-MM
  const manifestPath = join(directory, `${dt.slice(0, 10)}T${dt.slice(11)}Z`, "manifest.json");
  let manifest: { sourceBucket?: string; fileSchema?: string };
  try {
    manifest = JSON.parse(await Deno.readTextFile(manifestPath));
  } catch (error) {
    return fail(`${manifestPath} cannot be read (${errorText(error)})`);
  }
  const columns = (manifest.fileSchema ?? "").split(",").map((c) => c.trim());
  const keyAt = columns.indexOf("Key");
  if (keyAt === -1 || !manifest.sourceBucket) {
    fail(`${manifestPath} has no sourceBucket or no Key column in fileSchema`);
  }
  const sizeAt = columns.indexOf("Size");
  const modifiedAt = columns.indexOf("LastModifiedDate");
  const symlink = join(directory, "hive", partition, "symlink.txt");
  const lines = await Deno.readTextFile(symlink).catch((error) =>
    fail(`${symlink} cannot be read (${errorText(error)})`)
  );
  const objects: S3Object[] = [];
  for (const url of lines.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "")) {
    const file = join(directory, "data", basename(url));
    let text: string;
    try {
      const bytes = await Deno.readFile(file);
      text = await new Response(gunzipStream(bytes)).text();
    } catch (error) {
      return fail(`${file} cannot be read (${errorText(error)})`);
    }
    for (const row of parseCsv(text)) {
      if (row.length <= keyAt) continue;
      objects.push({
        key: decodeInventoryKey(row[keyAt]),
        size: sizeAt === -1 ? 0 : Number(row[sizeAt]) || 0,
        lastModified: modifiedAt === -1 ? 0 : Date.parse(row[modifiedAt]) || 0,
      });
    }
  }
  return { bucket: manifest.sourceBucket!, partition, objects };
}

/**
 * An inventory key decoded: S3 Inventory writes keys URL-encoded, spaces as `+`.
 *
 * @example Usage
 * ```ts
 * import { decodeInventoryKey } from "./s3_inventory.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(decodeInventoryKey("logs/2020/a+b%2Bc%C3%A9"), "logs/2020/a b+cé");
 * ```
 */
export function decodeInventoryKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

/**
 * Rows of a CSV text (quoted fields with `""` escapes, CRLF or LF).
 *
 * @example Usage
 * ```ts
 * import { parseCsv } from "./s3_inventory.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(parseCsv('"b","a,""q""",3\nb,c,4\n'), [["b", 'a,"q"', "3"], ["b", "c", "4"]]);
 * ```
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') (field += '"'), i++;
      else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ",") (row.push(field), field = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}
