/**
 * Writing derived files so that readers never see them half-written: into a temporary sibling,
 * then renamed into place.
 *
 * @module
 */

import { dirname, join } from "node:path";

/**
 * Writes a text file atomically (temporary sibling, then rename).
 *
 * @example Usage
 * ```ts
 * import { writeTextFileAtomic } from "./atomic_files.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await writeTextFileAtomic(`${dir}/a/totals.json`, "{}");
 * assertEquals(await Deno.readTextFile(`${dir}/a/totals.json`), "{}");
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
 * Replaces the folder `path` by one that `fill` writes: `fill` writes into a temporary sibling,
 * the old folder is renamed away, the new one renamed into place, the old one removed. Entries
 * named in `keep` are moved from the old folder into the new one first.
 *
 * @example Usage
 * ```ts
 * import { replaceFolder } from "./atomic_files.ts";
 * import { assertEquals } from "./_assert.ts";
 *
 * const dir = await Deno.makeTempDir();
 * await replaceFolder(`${dir}/out`, async (tmp) => await Deno.writeTextFile(`${tmp}/x`, "1"));
 * await replaceFolder(`${dir}/out`, async (tmp) => await Deno.writeTextFile(`${tmp}/y`, "2"), ["x"]);
 * assertEquals([...Deno.readDirSync(`${dir}/out`)].map((e) => e.name).sort(), ["x", "y"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function replaceFolder(
  path: string,
  fill: (temporary: string) => Promise<void>,
  keep: readonly string[] = [],
): Promise<void> {
  const tag = crypto.randomUUID().slice(0, 8);
  const fresh = `${path}.new-${tag}`;
  const old = `${path}.old-${tag}`;
  await Deno.mkdir(fresh, { recursive: true });
  try {
    await fill(fresh);
    for (const name of keep) {
      await Deno.rename(join(path, name), join(fresh, name)).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    }
    const hadOld = await Deno.rename(path, old).then(() => true, (error) => {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    });
    await Deno.rename(fresh, path);
    if (hadOld) await Deno.remove(old, { recursive: true });
  } catch (error) {
    await Deno.remove(fresh, { recursive: true }).catch(() => {});
    throw error;
  }
}
