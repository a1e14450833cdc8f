/**
 * The `runs` table: when each command ran, how it ended and what it did, for `status`.
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";

/** How a run ended. */
export type RunOutcome = "ok" | "stopped" | "failed";

/**
 * Records the start of a run and returns its id.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { finishRun, startRun } from "./run_history.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const id = startRun(db, "extract_logs");
 * finishRun(db, id, "ok", { files: 2 });
 * const row = db.prepare("SELECT outcome FROM runs WHERE id = ?").get(id);
 * assert.deepStrictEqual(row?.outcome, "ok");
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function startRun(db: DatabaseSync, command: string): number {
  const row = db.prepare(
    "INSERT INTO runs (command, started_at) VALUES (?, ?) RETURNING id",
  ).get(command, new Date().toISOString()) as { id: number };
  return row.id;
}

/**
 * Records how a run ended, with a JSON summary.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { finishRun, startRun } from "./run_history.ts";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * finishRun(db, startRun(db, "extract_logs"), "failed", { error: "disk full" });
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function finishRun(
  db: DatabaseSync,
  id: number,
  outcome: RunOutcome,
  summary: unknown,
): void {
  db.prepare("UPDATE runs SET finished_at = ?, outcome = ?, summary = ? WHERE id = ?").run(
    new Date().toISOString(),
    outcome,
    JSON.stringify(summary),
    id,
  );
}

/** A row of the `runs` table. */
export interface RunRecord {
  /** Run id. */
  id: number;
  /** The command. */
  command: string;
  /** Start time (ISO 8601). */
  started_at: string;
  /** End time, or null while running (or when the process was killed). */
  finished_at: string | null;
  /** How it ended, or null. */
  outcome: RunOutcome | null;
  /** JSON summary, or null. */
  summary: string | null;
  /** Warnings the run printed. */
  warnings: number;
}

/**
 * Adds `count` warnings to the latest run of `command` that started at `since` or later.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { recordRunWarnings, startRun } from "./run_history.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const since = new Date().toISOString();
 * const id = startRun(db, "extract_logs");
 * recordRunWarnings(db, "extract_logs", since, 2);
 * assert.deepStrictEqual(db.prepare("SELECT warnings FROM runs WHERE id = ?").get(id)?.warnings, 2);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function recordRunWarnings(
  db: DatabaseSync,
  command: string,
  since: string,
  count: number,
): void {
  db.prepare(`
    UPDATE runs SET warnings = warnings + ? WHERE id =
      (SELECT max(id) FROM runs WHERE command = ? AND started_at >= ?)`).run(count, command, since);
}

/**
 * The runs since `since` that printed warnings, oldest first.
 *
 * @example Usage
 * ```ts
 * import { openCacheDatabase } from "./cache_database.ts";
 * import { recordRunWarnings, runsWithWarnings, startRun } from "./run_history.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const db = openCacheDatabase(dir);
 * const since = new Date().toISOString();
 * startRun(db, "report");
 * recordRunWarnings(db, "report", since, 1);
 * assert.deepStrictEqual(runsWithWarnings(db, since), [{ command: "report", warnings: 1 }]);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function runsWithWarnings(
  db: DatabaseSync,
  since: string,
): { command: string; warnings: number }[] {
  return db.prepare(
    "SELECT command, warnings FROM runs WHERE started_at >= ? AND warnings > 0 ORDER BY id",
  ).all(since).map((row) => ({ command: row.command as string, warnings: row.warnings as number }));
}
