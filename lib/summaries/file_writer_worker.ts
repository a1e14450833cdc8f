/**
 * The Web Worker that writes the summary files of {@linkcode FileWriter}: a folder's files per
 * message, in the order they come, each answered with the error it met, if any. Creating
 * thousands of files costs the file system more than making their bytes; here it runs beside
 * the thread that makes them.
 *
 * @module
 */

import { join } from "node:path";
import type { FileContent } from "./tsv_bytes.ts";

/** A folder's files to write. */
export interface FolderWrite {
  /** The folder (made first when `make`). */
  folder: string;
  /** Whether to make the folder. */
  make: boolean;
  /** File names and contents. */
  files: [string, FileContent][];
}

/** What a write met: nothing, or the error (its message and code, as Deno gave them). */
export interface WriteAnswer {
  /** The error, if one. */
  error?: { message: string; code?: string };
}

/** The worker's global scope, as much of it as is used. */
const scope = self as unknown as {
  onmessage: (event: MessageEvent<FolderWrite>) => void;
  postMessage(message: WriteAnswer): void;
};

scope.onmessage = (event: MessageEvent<FolderWrite>) => {
  const { folder, make, files } = event.data;
  try {
    if (make) Deno.mkdirSync(folder);
    for (const [name, content] of files) {
      const path = join(folder, name);
      if (typeof content === "string") Deno.writeTextFileSync(path, content);
      else Deno.writeFileSync(path, content);
    }
    scope.postMessage({});
  } catch (error) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    scope.postMessage({
      error: {
        message: String(message ?? error),
        code: typeof code === "string" ? code : undefined,
      },
    });
  }
};
