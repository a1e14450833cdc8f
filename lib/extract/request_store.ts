/**
 * The only writer of extracted requests. One batch of parsed pieces becomes one transaction
 * holding the batch's requests, new objects, new IPs, quarantined lines and the progress of its
 * log files, so that a process killed at any instant leaves every log file's rows in the cache
 * exactly once, or not at all.
 *
 * @module
 */

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { inTransaction } from "../store/cache_database.ts";
import type { CacheSecrets } from "../crypto/cache_secrets.ts";
import type { Piece, PlannedFile } from "./extraction_plan.ts";
import { IpIndex } from "../store/ip_table.ts";
import type { PieceOutcome } from "./piece_reader.ts";
import { RowWriter } from "../store/row_writer.ts";

/** A parsed (or failed) piece waiting to be committed. */
export interface BatchEntry {
  /** The piece. */
  piece: Piece;
  /** What the worker made of it. */
  outcome: PieceOutcome;
}

/** What one commit wrote. */
export interface CommitCounts {
  /** Requests inserted. */
  requests: number;
  /** Log files finished (status done). */
  filesDone: number;
  /** Log files that failed (status failed). */
  filesFailed: number;
  /** New IPs added to the IP table. */
  newIps: number;
  /** Where the first quarantined lines of the batch are (at most 10; never their text). */
  quarantined: { path: string; line: number; reason: string }[];
}

const OBJECT_MEMORY_LIMIT = 1_000_000;

/**
 * Writes batches of parsed pieces into the cache database.
 *
 * @example Commit one parsed file
 * ```ts
 * import { openCacheDatabase } from "../store/cache_database.ts";
 * import { deriveCacheSecrets } from "../crypto/cache_secrets.ts";
 * import { readPiece } from "./piece_reader.ts";
 * import { RequestStore } from "./request_store.ts";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/2022-04-06-03-05-53-0123456789ABCDEF`;
 * await Deno.writeTextFile(path, 'o b [06/Apr/2022:03:05:53 +0000] 192.0.2.0 - R REST.GET.OBJECT ds1/a ' +
 *   '"GET /ds1/a HTTP/1.1" 200 - 12 12 5 3 "-" "-" -\n');
 * const file = { path: "2022-04-06-03-05-53-0123456789ABCDEF", location: path, size: 106,
 *   mtime: 0, nextOffset: 0, nextLine: 0, state: "pending" as const };
 * const db = openCacheDatabase(dir);
 * const store = new RequestStore(db, await deriveCacheSecrets({ password: "example", iterations: 1 }));
 * const outcome = await readPiece({ path, start: 0, end: 106, whole: true });
 * const counts = await store.commit([{ piece: { file, start: 0, end: 106, last: true, whole: true }, outcome }], 1);
 * assert.deepStrictEqual([counts.requests, counts.filesDone, counts.newIps], [1, 1, 1]);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class RequestStore {
  #db: DatabaseSync;
  #secrets: CacheSecrets;
  #ips: IpIndex;
  #objects = new Map<string, number>();
  #selectObject: StatementSync;
  #insertObject: StatementSync;
  #rowWriter: RowWriter;
  #insertQuarantine: StatementSync;
  #upsertFile: StatementSync;
  #markFailed: StatementSync;

  /** Creates the writer for a database whose password was verified. */
  constructor(db: DatabaseSync, secrets: CacheSecrets) {
    this.#db = db;
    this.#secrets = secrets;
    this.#ips = new IpIndex(db, secrets);
    this.#selectObject = db.prepare("SELECT id FROM objects WHERE key = ?");
    this.#insertObject = db.prepare(
      "INSERT INTO objects (key) VALUES (?) RETURNING id",
    );
    this.#rowWriter = new RowWriter(db);
    this.#insertQuarantine = db.prepare(
      "INSERT INTO quarantine (file_id, line, reason, line_token) VALUES (?, ?, ?, ?)",
    );
    this.#upsertFile = db.prepare(`
      INSERT INTO log_files (path, size, mtime, status, next_offset, next_line, lines_kept,
        lines_filtered, lines_excluded, lines_malformed, reason, run_id, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
      ON CONFLICT (path) DO UPDATE SET
        size = excluded.size, mtime = excluded.mtime, status = excluded.status,
        next_offset = excluded.next_offset, next_line = excluded.next_line,
        lines_kept = lines_kept + excluded.lines_kept,
        lines_filtered = lines_filtered + excluded.lines_filtered,
        lines_excluded = lines_excluded + excluded.lines_excluded,
        lines_malformed = lines_malformed + excluded.lines_malformed,
        reason = NULL, run_id = excluded.run_id, updated_at = excluded.updated_at
      RETURNING id`);
    this.#markFailed = db.prepare(`
      INSERT INTO log_files (path, size, mtime, status, next_offset, next_line, reason, run_id,
        updated_at)
      VALUES (?, ?, ?, 'failed', ?, ?, ?, ?, ?)
      ON CONFLICT (path) DO UPDATE SET status = 'failed', reason = excluded.reason,
        run_id = excluded.run_id, updated_at = excluded.updated_at`);
  }

  /**
   * Commits a batch in one transaction. Pieces of a file that failed earlier in the run are
   * dropped (the file resumes from its last committed piece next run).
   */
  async commit(entries: BatchEntry[], runId: number): Promise<CommitCounts> {
    const live = entries.filter((entry) => entry.piece.file.state !== "failed");
    const ips = new Set<string>();
    const tokens: string[][] = [];
    for (const { outcome } of live) {
      if (!outcome.ok) {
        tokens.push([]);
        continue;
      }
      const parsed = outcome.parsed;
      for (let row = 0; row < parsed.rows; row++) ips.add(parsed.ips[parsed.ipIds[row]]);
      tokens.push(
        await Promise.all(parsed.quarantine.map((q) => this.#secrets.fernet.encrypt(q.text))),
      );
    }
    const pendingIps = await this.#ips.prepare(ips);
    const counts: CommitCounts = {
      requests: 0,
      filesDone: 0,
      filesFailed: 0,
      newIps: 0,
      quarantined: [],
    };
    const newObjects = new Map<string, number>();
    const now = new Date().toISOString();
    const progress: (() => void)[] = [];
    const nextLine = new Map<PlannedFile, number>();
    const objectIdsOf = new Map<string[], number[]>();
    const ipIndexesOf = new Map<string[], number[]>();
    const rows = this.#rowWriter;
    // Files read again from their start replace what an earlier run stored of them.
    const replaced = [
      ...new Set(
        live.filter(({ piece }) => piece.file.replaces && piece.start === 0)
          .map(({ piece }) => piece.file),
      ),
    ];
    inTransaction(this.#db, () => {
      if (replaced.length > 0) this.#forget(replaced.map((file) => file.path));
      this.#ips.insert(pendingIps);
      counts.newIps = pendingIps.rows.length;
      const failedInBatch = new Set<PlannedFile>();
      live.forEach(({ piece, outcome }, i) => {
        const file = piece.file;
        if (failedInBatch.has(file)) return;
        if (!outcome.ok) {
          failedInBatch.add(file);
          this.#markFailed.run(
            file.path,
            file.size,
            file.mtime,
            file.nextOffset,
            file.nextLine,
            outcome.error,
            runId,
            now,
          );
          counts.filesFailed++;
          progress.push(() => file.state = "failed");
          return;
        }
        const parsed = outcome.parsed;
        const lineBase = nextLine.get(file) ?? file.nextLine;
        nextLine.set(file, lineBase + parsed.lineCount);
        const { id: fileId } = this.#upsertFile.get(
          file.path,
          file.size,
          file.mtime,
          piece.last ? "done" : "partial",
          piece.end,
          lineBase + parsed.lineCount,
          parsed.rows,
          parsed.filtered,
          parsed.excluded,
          parsed.malformed,
          runId,
          now,
        ) as { id: number };
        // Pieces of one task share their key and IP tables: map each table once.
        let objectIds = objectIdsOf.get(parsed.keys);
        if (objectIds === undefined) {
          objectIds = parsed.keys.map((key) => this.#objectId(key, newObjects));
          objectIdsOf.set(parsed.keys, objectIds);
        }
        let ipIndexes = ipIndexesOf.get(parsed.ips);
        if (ipIndexes === undefined) {
          ipIndexes = parsed.ips.map((ip) => pendingIps.indexes.get(ip) ?? 0);
          ipIndexesOf.set(parsed.ips, ipIndexes);
        }
        for (let r = 0; r < parsed.rows; r++) {
          rows.push(
            fileId,
            lineBase + parsed.lines[r],
            objectIds[parsed.keyIds[r]],
            parsed.times[r],
            parsed.bytesSent[r],
            ipIndexes[parsed.ipIds[r]],
            parsed.downloads[r],
          );
        }
        parsed.quarantine.forEach((q, k) => {
          this.#insertQuarantine.run(fileId, lineBase + q.line, q.reason, tokens[i][k]);
          if (counts.quarantined.length < 10) {
            counts.quarantined.push({ path: file.path, line: lineBase + q.line, reason: q.reason });
          }
        });
        counts.requests += parsed.rows;
        if (piece.last) counts.filesDone++;
        progress.push(() => {
          file.nextOffset = piece.end;
          file.nextLine = lineBase + parsed.lineCount;
          if (piece.last) file.state = "done";
        });
      });
      rows.flush();
    }, () => rows.discard());
    for (const apply of progress) apply();
    for (const file of replaced) file.replaces = false;
    this.#ips.remember(pendingIps);
    if (this.#objects.size + newObjects.size > OBJECT_MEMORY_LIMIT) this.#objects.clear();
    for (const [key, id] of newObjects) this.#objects.set(key, id);
    return counts;
  }

  /** Deletes the requests and quarantined lines of `paths` and resets their counts. */
  #forget(paths: string[]): void {
    const ids = paths.map((path) =>
      (this.#db.prepare("SELECT id FROM log_files WHERE path = ?").get(path) as { id: number })
        ?.id
    ).filter((id) => id !== undefined);
    if (ids.length === 0) return;
    const list = ids.join(", ");
    this.#db.exec(`DELETE FROM requests WHERE file_id IN (${list})`);
    this.#db.exec(`DELETE FROM quarantine WHERE file_id IN (${list})`);
    this.#db.exec(`
      UPDATE log_files SET lines_kept = 0, lines_filtered = 0, lines_excluded = 0,
        lines_malformed = 0, next_offset = 0, next_line = 0 WHERE id IN (${list})`);
  }

  #objectId(key: string, fresh: Map<string, number>): number {
    const known = this.#objects.get(key) ?? fresh.get(key);
    if (known !== undefined) return known;
    const row = this.#selectObject.get(key) as { id: number } | undefined;
    const id = row?.id ?? (this.#insertObject.get(key) as { id: number }).id;
    fresh.set(key, id);
    return id;
  }
}
