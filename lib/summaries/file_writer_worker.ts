/**
 * The Web Worker that writes the summary files of {@linkcode FileWriter}: a folder's files per
 * message, in the order they come, each answered with the error it met, if any. Creating
 * thousands of files costs the file system more than making their bytes; here it runs beside
 * the thread that makes them (and makes the client-kind files itself).
 *
 * @module
 */

import { join } from "node:path";
import type { DayRows } from "./activity_data.ts";
import { clientKindTsv } from "./day_files.ts";
import type { PrivacyOptions } from "./privacy_rounding.ts";
import type { FileContent } from "./tsv_bytes.ts";

/**
 * Client-kind rows that the worker makes into `by_client_kind.tsv` itself (with
 * {@linkcode clientKindTsv}): the largest of a night's files, made there while the calling
 * thread scans the activity.
 */
export interface ClientKindRows {
  /** The rows, in columns of their own (moved to the worker). */
  clientKinds: DayRows;
  /** The privacy rounding. */
  privacy: PrivacyOptions;
}

/** What a file holds: its content, or the rows the worker makes it of. */
export type WriterContent = FileContent | ClientKindRows;

/** A folder's files to write. */
export interface FolderWrite {
  /** The folder (made first when `make`). */
  folder: string;
  /** Whether to make the folder. */
  make: boolean;
  /** File names and contents. */
  files: [string, WriterContent][];
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
      else if (content instanceof Uint8Array) Deno.writeFileSync(path, content);
      else Deno.writeFileSync(path, clientKindTsv(content.clientKinds, content.privacy));
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
