/**
 * The Web Worker of {@linkcode WalCheckpointer}: a connection of its own to the cache database
 * that copies the write-ahead log into the database file (a passive checkpoint, which never
 * waits for the writer nor makes it wait), at most once per interval after it was asked, so
 * that the thread committing the requests never stops for that copy and its sync.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { errorText } from "../errors.ts";

/** What the worker is told: open the database, checkpoint soon, or checkpoint what is asked and end. */
export type CheckpointOrder =
  | { open: string; interval: number }
  | { checkpoint: true }
  | { close: true };

/** The worker's answer to `close`: the error that made it stop checkpointing, if one did. */
export interface CheckpointAnswer {
  /** The message of that error. */
  error?: string;
}

/** The worker's global scope, as much of it as is used. */
const scope = self as unknown as {
  onmessage: (event: MessageEvent<CheckpointOrder>) => void;
  postMessage(message: CheckpointAnswer): void;
};

let db: DatabaseSync | undefined;
let interval = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
let asked = false;
let failure: string | undefined;

/** A passive checkpoint of what was asked for; the first error ends the checkpoints. */
function checkpoint(): void {
  timer = undefined;
  if (!asked || db === undefined || failure !== undefined) return;
  asked = false;
  try {
    db.exec("PRAGMA wal_checkpoint(PASSIVE)");
  } catch (error) {
    failure = errorText(error);
  }
}

scope.onmessage = ({ data }: MessageEvent<CheckpointOrder>) => {
  if ("open" in data) {
    interval = data.interval;
    try {
      // A database deleted meanwhile is not made again, empty, under its name (SQLite would;
      // node:sqlite offers no flag against it, and a URI's mode=rw does not pass Deno's
      // permission checks).
      if (!Deno.statSync(data.open).isFile) throw new Error(`${data.open} is not a file`);
      db = new DatabaseSync(data.open);
    } catch (error) {
      failure = errorText(error);
    }
  } else if ("checkpoint" in data) {
    asked = true;
    timer ??= setTimeout(checkpoint, interval);
  } else {
    clearTimeout(timer);
    checkpoint();
    try {
      db?.close();
    } catch (error) {
      failure ??= errorText(error);
    }
    db = undefined;
    scope.postMessage(failure === undefined ? {} : { error: failure });
  }
};
