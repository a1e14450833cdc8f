/**
 * What extraction does, after `index_ips` imported a cache of the Python tools, with a log file
 * the cache holds no row for. The reference's records name the files it read (by relative path
 * or, for remote extraction, by basename); those are skipped. A file the records do not name is
 * read, unless its requests could already be in the imported tree: its name dates from within
 * the tree's requests (from the first request to a day after the last, the longest S3 usually
 * takes to deliver a log), or it has no date in its name, or the reference started it and did
 * not finish it. Such a file is **held**: not read, and reported every run with what to do,
 * because reading it could count its requests twice and skipping it could lose them, and only
 * the operator knows whether the old tools read it.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";

/** What to do with the files a switchover guard holds. */
export type UnrecordedPolicy = "hold" | "read" | "skip";

/** The verdict on one log file the cache has no row for. */
export type GuardVerdict =
  | { action: "read" }
  | { action: "recorded"; reason: string }
  | { action: "held"; reason: string };

/** Meta row holding the time range of the imported requests. */
export const IMPORTED_TIMES_META = "reference_request_times";

/** How long after its last request a log may still hold requests of the imported tree. */
const DELIVERY_MARGIN_SECONDS = 86_400;

const OBJECT_NAME = /^(\d{4})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-(\d{2})-/;
const DATED_PATH = /(?:^|\/)(\d{4})\/(\d{2})\/(\d{2})(?:\/|\.log)/;

/**
 * The UTC time (seconds) a log file's name gives: an S3 log object's
 * `YYYY-MM-DD-hh-mm-ss-…`, else a `YYYY/MM/DD/` folder or a `YYYY/MM/DD.log` file (midnight);
 * undefined when the name has no date.
 *
 * @example Usage
 * ```ts
 * import { logFileNameTime } from "./switchover_guard.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(logFileNameTime("2020/01/01/2020-01-01-05-06-35-0123456789ABCDEF"), 1577855195);
 * assert.deepStrictEqual(logFileNameTime("2020/01/02.log"), 1577923200);
 * assert.deepStrictEqual(logFileNameTime("access.log"), undefined);
 * ```
 */
export function logFileNameTime(path: string): number | undefined {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const parts = OBJECT_NAME.exec(name)?.slice(1) ?? DATED_PATH.exec(path)?.slice(1);
  if (parts === undefined) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = parts.map(Number);
  const time = Date.UTC(year, month - 1, day, hour, minute, second);
  return Number.isNaN(time) ? undefined : time / 1000;
}

/** Judges the log files that are new to a cache that holds an imported reference cache. */
export class SwitchoverGuard {
  #records: StatementSync;
  #window: { first: number; last: number } | undefined;
  #active: boolean;
  #policy: UnrecordedPolicy;

  /**
   * Reads the imported records and time range of `db`.
   *
   * @example Usage
   * ```ts
   * import { DatabaseSync } from "node:sqlite";
   * import { SwitchoverGuard } from "./switchover_guard.ts";
   * import assert from "node:assert/strict";
   *
   * const db = new DatabaseSync(":memory:");
   * db.exec("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)");
   * db.exec("CREATE TABLE reference_records (name TEXT, match TEXT, state TEXT)");
   * db.exec(`INSERT INTO meta VALUES ('reference_request_times', '{"first":1577836800,"last":1577923200}')`);
   * db.exec("INSERT INTO reference_records VALUES ('2020-01-01-05-06-35-AB', 'basename', 'finished')");
   * const guard = new SwitchoverGuard(db, "hold");
   * assert.deepStrictEqual(guard.verdict("2020/01/01/2020-01-01-05-06-35-AB").action, "recorded");
   * assert.deepStrictEqual(guard.verdict("2020/01/02/2020-01-02-07-00-00-CD").action, "held");
   * assert.deepStrictEqual(guard.verdict("2020/01/05/2020-01-05-07-00-00-EF").action, "read");
   * db.close();
   * ```
   */
  constructor(db: DatabaseSync, policy: UnrecordedPolicy) {
    this.#policy = policy;
    this.#records = db.prepare(
      "SELECT state FROM reference_records WHERE (match = 'path' AND name = ?) OR " +
        "(match = 'basename' AND name = ?) ORDER BY state = 'finished' DESC LIMIT 1",
    );
    const times = db.prepare("SELECT value FROM meta WHERE name = ?").get(IMPORTED_TIMES_META) as
      | { value: string }
      | undefined;
    this.#window = times === undefined ? undefined : JSON.parse(times.value);
    const anyRecord = db.prepare("SELECT 1 FROM reference_records LIMIT 1").get() !== undefined;
    this.#active = anyRecord || this.#window !== undefined;
  }

  /** The verdict on the log file at `path` (relative to the log directory or bucket prefix). */
  verdict(path: string): GuardVerdict {
    if (!this.#active) return { action: "read" };
    const name = path.slice(path.lastIndexOf("/") + 1);
    const state = (this.#records.get(path, name) as { state: string } | undefined)?.state;
    if (state === "finished") {
      return { action: "recorded", reason: "finished by the reference (imported record)" };
    }
    const held = state === "unfinished"
      ? "the reference started it and did not finish it: part of its requests may be in the " +
        "imported tree"
      : this.#overlap(path);
    if (held === undefined || this.#policy === "read") return { action: "read" };
    if (this.#policy === "skip") {
      return { action: "recorded", reason: `marked as read by the reference: ${held}` };
    }
    return { action: "held", reason: held };
  }

  #overlap(path: string): string | undefined {
    if (this.#window === undefined) return undefined;
    const time = logFileNameTime(path);
    if (time === undefined) {
      return "no record names it and its name has no date: it may be in the imported tree";
    }
    const { first, last } = this.#window;
    if (time < first || time > last + DELIVERY_MARGIN_SECONDS) return undefined;
    const day = (t: number) => new Date(t * 1000).toISOString().slice(0, 10);
    return `no record names it, and its name dates from within the imported requests ` +
      `(${day(first)} to ${day(last)}): it may be in the imported tree`;
  }
}
