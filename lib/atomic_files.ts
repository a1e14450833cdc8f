/**
 * Writing derived files so that readers never see them half-written: into a temporary sibling,
 * then renamed into place.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

/**
 * Writes a text file atomically (temporary sibling, then rename).
 *
 * @example Usage
 * ```ts
 * import { writeTextFileAtomic } from "./atomic_files.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await writeTextFileAtomic(`${dir}/a/totals.json`, "{}");
 * assert.deepStrictEqual(await Deno.readTextFile(`${dir}/a/totals.json`), "{}");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeTextFileAtomic(path: string, text: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${crypto.randomUUID().slice(0, 8)}`;
  try {
    await Deno.writeTextFile(temporary, text);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

/**
 * Replaces the folder `path` by one that `fill` writes, without the folder ever being absent or
 * a file ever half-written: `fill` writes into a temporary sibling, then each file is renamed
 * into place (a new folder whole), and what the new tree no longer has is removed. Entries
 * named in `keep` (at the top) stay as they are. A run killed meanwhile leaves old and new files
 * side by side, each whole; the next run puts it right, and first removes what interrupted runs
 * left beside the folder (`<name>.new-*`, `<name>.old-*`, restoring an `.old-*` folder when the
 * folder itself is gone).
 *
 * @example Usage
 * ```ts
 * import { replaceFolder } from "./atomic_files.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await replaceFolder(`${dir}/out`, async (tmp) => await Deno.writeTextFile(`${tmp}/x`, "1"));
 * await replaceFolder(`${dir}/out`, async (tmp) => await Deno.writeTextFile(`${tmp}/y`, "2"), ["x"]);
 * assert.deepStrictEqual([...Deno.readDirSync(`${dir}/out`)].map((e) => e.name).sort(), ["x", "y"]);
 * await replaceFolder(`${dir}/out`, async (tmp) => await Deno.writeTextFile(`${tmp}/z`, "3"));
 * assert.deepStrictEqual([...Deno.readDirSync(`${dir}/out`)].map((e) => e.name), ["z"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function replaceFolder(
  path: string,
  fill: (temporary: string) => Promise<void>,
  keep: readonly string[] = [],
): Promise<void> {
  await repairFolder(path);
  const fresh = `${path}.new-${crypto.randomUUID().slice(0, 8)}`;
  await Deno.mkdir(fresh, { recursive: true });
  try {
    await fill(fresh);
    await Deno.mkdir(path, { recursive: true });
    moveInto(fresh, path, new Set(keep));
    await Deno.remove(fresh, { recursive: true });
  } catch (error) {
    await Deno.remove(fresh, { recursive: true }).catch(() => {});
    throw error;
  }
}

/**
 * Moves every entry of `from` into `to` by renames, then removes what `from` did not have. The
 * file system calls are synchronous: thousands of small renames each waiting for a thread of the
 * runtime's pool cost seconds, as calls they take milliseconds.
 */
function moveInto(from: string, to: string, keep: ReadonlySet<string>): void {
  const incoming = new Set<string>();
  for (const entry of Deno.readDirSync(from)) {
    incoming.add(entry.name);
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    let existing: Deno.FileInfo | undefined;
    try {
      existing = Deno.lstatSync(target);
    } catch {
      existing = undefined;
    }
    if (entry.isDirectory && existing?.isDirectory) {
      moveInto(source, target, new Set());
      continue;
    }
    if (existing !== undefined && (entry.isDirectory || existing.isDirectory)) {
      Deno.removeSync(target, { recursive: true });
    }
    Deno.renameSync(source, target);
  }
  for (const entry of Deno.readDirSync(to)) {
    if (!incoming.has(entry.name) && !keep.has(entry.name)) {
      Deno.removeSync(join(to, entry.name), { recursive: true });
    }
  }
}

/**
 * Removes what interrupted replacements of `path` left beside it; when `path` itself is gone
 * (an older version renamed it away and was killed), its `.old-*` copy is put back first.
 *
 * @example Usage
 * ```ts
 * import { repairFolder } from "./atomic_files.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.mkdir(`${dir}/out.old-0123abcd`);
 * await Deno.mkdir(`${dir}/out.new-4567ef01`);
 * await repairFolder(`${dir}/out`);
 * assert.deepStrictEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["out"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function repairFolder(path: string): Promise<void> {
  const parent = dirname(path);
  const name = basename(path);
  const leftovers: string[] = [];
  try {
    for await (const entry of Deno.readDir(parent)) {
      if (
        /^\.(?:new|old)-[0-9a-f]{8}$/.test(entry.name.slice(name.length)) &&
        entry.name.startsWith(name)
      ) {
        leftovers.push(entry.name);
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  const present = await pathExists(path);
  const old = leftovers.find((entry) => entry.startsWith(`${name}.old-`));
  if (!present && old !== undefined) {
    await Deno.rename(join(parent, old), path);
    leftovers.splice(leftovers.indexOf(old), 1);
  }
  for (const entry of leftovers) await Deno.remove(join(parent, entry), { recursive: true });
}

/**
 * Whether something (a file, a folder, a link) is at `path`.
 *
 * @example Usage
 * ```ts
 * import { pathExists } from "./atomic_files.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(await pathExists("/nonexistent/folder"), false);
 * ```
 */
export async function pathExists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}
