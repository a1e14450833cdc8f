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
import { IpIndex, type PendingIps } from "../store/ip_table.ts";
import type { PieceOutcome } from "./piece_reader.ts";
import { BlockWriter, deleteFileRequests } from "../store/request_blocks.ts";
import { OperationBlockWriter } from "../store/operation_blocks.ts";
import { extend } from "../typed_columns.ts";

/** A parsed (or failed) piece waiting to be committed. */
export interface BatchEntry {
  /** The piece. */
  piece: Piece;
  /** What the worker made of it. */
  outcome: PieceOutcome;
}

/** Where a log file stands once a commit wrote its pieces of the batch. */
export interface FileProgress {
  /** The file, as planned. */
  file: PlannedFile;
  /** `done` (its last piece is in), `partial` (more pieces to come) or `failed`. */
  state: "partial" | "done" | "failed";
  /** Byte offset the next piece starts at (unchanged for a failed file). */
  nextOffset: number;
  /** Lines read before `nextOffset`. */
  nextLine: number;
}

/** What one commit wrote. */
export interface CommitResult {
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
  /**
   * Where each file of the batch now stands, in batch order (one entry per file). The caller
   * applies it to its plan before the file's next pieces are committed.
   */
  files: FileProgress[];
}

/** What is ready before a commit's transaction: the IPs to add and the lines' encrypted text. */
interface PreparedBatch {
  ips: PendingIps;
  /** Per live entry, the Fernet tokens of its quarantined lines. */
  tokens: string[][];
}

/** What a batch's pieces map their key and IP ids through. */
interface BatchIds {
  /** The batch's IPs, new ones included. */
  pending: PendingIps;
  /** Objects inserted by this batch (remembered once it commits). */
  newObjects: Map<string, number>;
}

/**
 * The database ids of a table's entries, by entry id (0: not mapped yet; object ids and IP
 * indexes start at 1), grown to the table's length.
 */
function idsOf(maps: WeakMap<string[], Float64Array>, table: string[]): Float64Array {
  let ids = maps.get(table);
  if (ids === undefined || ids.length < table.length) {
    const grown = new Float64Array(Math.max(64, table.length, (ids?.length ?? 0) * 2));
    maps.set(table, ids = ids === undefined ? grown : extend(ids, grown));
  }
  return ids;
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
  /**
   * The object ids and IP indexes of the key and IP tables of the pieces (a worker's tables
   * live from task to task: each entry is looked up once). Forgotten when a commit rolls back.
   */
  #objectIds = new WeakMap<string[], Float64Array>();
  #ipIndexes = new WeakMap<string[], Float64Array>();
  #selectObject: StatementSync;
  #insertObject: StatementSync;
  #blocks: BlockWriter;
  #operations: OperationBlockWriter;
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
    this.#blocks = new BlockWriter(db);
    this.#operations = new OperationBlockWriter(db);
    this.#insertQuarantine = db.prepare(
      "INSERT INTO quarantine (file_id, line, reason, line_token) VALUES (?, ?, ?, ?)",
    );
    this.#upsertFile = db.prepare(`
      INSERT INTO log_files (path, size, mtime, status, next_offset, next_line, lines_kept,
        lines_filtered, lines_excluded, lines_malformed, reason, run_id, updated_at, block_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)
      ON CONFLICT (path) DO UPDATE SET
        size = excluded.size, mtime = excluded.mtime, status = excluded.status,
        next_offset = excluded.next_offset, next_line = excluded.next_line,
        lines_kept = lines_kept + excluded.lines_kept,
        lines_filtered = lines_filtered + excluded.lines_filtered,
        lines_excluded = lines_excluded + excluded.lines_excluded,
        lines_malformed = lines_malformed + excluded.lines_malformed,
        reason = NULL, run_id = excluded.run_id, updated_at = excluded.updated_at,
        block_id = coalesce(excluded.block_id, block_id)
      RETURNING id`);
    this.#markFailed = db.prepare(`
      INSERT INTO log_files (path, size, mtime, status, next_offset, next_line, reason, run_id,
        updated_at)
      VALUES (?, ?, ?, 'failed', ?, ?, ?, ?, ?)
      ON CONFLICT (path) DO UPDATE SET status = 'failed', reason = excluded.reason,
        run_id = excluded.run_id, updated_at = excluded.updated_at`);
  }

  /**
   * Commits a batch in one transaction. Pieces of a file that failed earlier in the run, or
   * earlier in the batch, are dropped (the file resumes from its last committed piece next run).
   * A file read again from its start (`replaces`) first loses what earlier runs stored of it.
   *
   * @param entries The batch's pieces with what the workers made of them, in file order.
   * @param runId The run that commits them.
   * @returns What was written, and where each file of the batch now stands.
   */
  async commit(entries: BatchEntry[], runId: number): Promise<CommitResult> {
    const live = entries.filter((entry) => entry.piece.file.state !== "failed");
    const prepared = await this.#prepare(live);
    const result: CommitResult = {
      requests: 0,
      filesDone: 0,
      filesFailed: 0,
      newIps: prepared.ips.rows.length,
      quarantined: [],
      files: [],
    };
    const ids: BatchIds = { pending: prepared.ips, newObjects: new Map() };
    const now = new Date().toISOString();
    const replaced = new Set(
      live.filter(({ piece }) => piece.file.replaces && piece.start === 0)
        .map(({ piece }) => piece.file.path),
    );
    inTransaction(this.#db, () => {
      if (replaced.size > 0) this.#forget([...replaced]);
      this.#ips.insert(prepared.ips);
      const standing = new Map<PlannedFile, FileProgress>();
      live.forEach((entry, i) => {
        const file = entry.piece.file;
        const before = standing.get(file) ??
          { file, state: "partial", nextOffset: file.nextOffset, nextLine: file.nextLine };
        if (before.state === "failed") return;
        const after = entry.outcome.ok
          ? this.#writePiece(entry, before, { tokens: prepared.tokens[i], ids, runId, now }, result)
          : this.#writeFailure(before, entry.outcome.error, { runId, now });
        standing.set(file, after);
        if (after.state === "done") result.filesDone++;
        if (after.state === "failed") result.filesFailed++;
      });
      this.#blocks.flush();
      result.files = [...standing.values()];
    }, () => {
      this.#blocks.discard();
      this.#objectIds = new WeakMap();
      this.#ipIndexes = new WeakMap();
    });
    this.#ips.remember(prepared.ips);
    if (this.#objects.size + ids.newObjects.size > OBJECT_MEMORY_LIMIT) this.#objects.clear();
    for (const [key, id] of ids.newObjects) this.#objects.set(key, id);
    return result;
  }

  /** The work done before the transaction: new IPs encrypted, quarantined lines encrypted. */
  async #prepare(live: BatchEntry[]): Promise<PreparedBatch> {
    const ips = new Set<string>();
    const tokens: string[][] = [];
    for (const { outcome } of live) {
      if (!outcome.ok) {
        tokens.push([]);
        continue;
      }
      const parsed = outcome.parsed;
      const known = idsOf(this.#ipIndexes, parsed.ips);
      for (let row = 0; row < parsed.rows; row++) {
        const ipId = parsed.ipIds[row];
        if (known[ipId] === 0) ips.add(parsed.ips[ipId]);
      }
      tokens.push(
        await Promise.all(parsed.quarantine.map((q) => this.#secrets.fernet.encrypt(q.text))),
      );
    }
    return { ips: await this.#ips.prepare(ips), tokens };
  }

  /**
   * Records `before.file` as failed. The cache keeps where the file stood (its pieces committed
   * earlier stay), so the next run resumes there.
   */
  #writeFailure(
    before: FileProgress,
    reason: string,
    { runId, now }: { runId: number; now: string },
  ): FileProgress {
    const { file } = before;
    this.#markFailed.run(
      file.path,
      file.size,
      file.mtime,
      file.nextOffset,
      file.nextLine,
      reason,
      runId,
      now,
    );
    return { ...before, state: "failed" };
  }

  /** Writes one parsed piece: its file's progress, its requests and its quarantined lines. */
  #writePiece(
    { piece, outcome }: BatchEntry,
    before: FileProgress,
    { tokens, ids, runId, now }: { tokens: string[]; ids: BatchIds; runId: number; now: string },
    result: CommitResult,
  ): FileProgress {
    if (!outcome.ok) throw new Error("a failed piece has nothing to write");
    const parsed = outcome.parsed;
    const file = piece.file;
    const lineBase = before.nextLine;
    const after: FileProgress = {
      file,
      state: piece.last ? "done" : "partial",
      nextOffset: piece.end,
      nextLine: lineBase + parsed.lineCount,
    };
    // A file's first rows may share the block open with the files before it (a file read from
    // its start has no rows stored: those of an earlier read were forgotten); later pieces
    // begin blocks of their own, or go on in the block their file is the last of.
    const sharedBlock = piece.start === 0 && parsed.rows > 0 ? this.#blocks.shareNext() : undefined;
    const { id: fileId } = this.#upsertFile.get(
      file.path,
      file.size,
      file.mtime,
      after.state,
      after.nextOffset,
      after.nextLine,
      parsed.rows,
      parsed.filtered,
      parsed.excluded,
      parsed.malformed,
      runId,
      now,
      sharedBlock ?? null,
    ) as { id: number };
    // Each entry of the tables is mapped once, when a row first uses it.
    const objectIds = idsOf(this.#objectIds, parsed.keys);
    const ipIndexes = idsOf(this.#ipIndexes, parsed.ips);
    for (let r = 0; r < parsed.rows; r++) {
      const keyId = parsed.keyIds[r];
      const ipId = parsed.ipIds[r];
      const objectId = objectIds[keyId] || this.#mapObject(objectIds, parsed.keys, keyId, ids);
      const ipIndex = ipIndexes[ipId] ||
        (ipIndexes[ipId] = ids.pending.indexes.get(parsed.ips[ipId])!);
      this.#blocks.push(
        fileId,
        lineBase + parsed.lines[r],
        objectId,
        parsed.times[r],
        parsed.bytesSent[r],
        ipIndex,
        parsed.downloads[r],
        parsed.objectSizes[r],
        parsed.clientKinds[r],
      );
    }
    const operations = parsed.operations;
    if (operations.rows > 0) {
      const objects = new Uint32Array(operations.rows);
      for (let g = 0; g < operations.rows; g++) {
        const key = operations.objects[g];
        objects[g] = key < 0
          ? 0
          : objectIds[key] || this.#mapObject(objectIds, parsed.keys, key, ids);
      }
      this.#operations.write(fileId, { ...operations, objects });
    }
    parsed.quarantine.forEach((q, k) => {
      this.#insertQuarantine.run(fileId, lineBase + q.line, q.reason, tokens[k]);
      if (result.quarantined.length < 10) {
        result.quarantined.push({ path: file.path, line: lineBase + q.line, reason: q.reason });
      }
    });
    result.requests += parsed.rows;
    return after;
  }

  /** Deletes the requests and quarantined lines of `paths` and resets their counts. */
  #forget(paths: string[]): void {
    const ids = paths.map((path) =>
      (this.#db.prepare("SELECT id FROM log_files WHERE path = ?").get(path) as { id: number })
        ?.id
    ).filter((id) => id !== undefined);
    if (ids.length === 0) return;
    const list = ids.join(", ");
    deleteFileRequests(this.#db, ids);
    this.#db.exec(`DELETE FROM quarantine WHERE file_id IN (${list})`);
    this.#db.exec(`
      UPDATE log_files SET lines_kept = 0, lines_filtered = 0, lines_excluded = 0,
        lines_malformed = 0, next_offset = 0, next_line = 0 WHERE id IN (${list})`);
  }

  /** Maps entry `keyId` of the key table `keys` to its object id, noted in `objectIds`. */
  #mapObject(objectIds: Float64Array, keys: string[], keyId: number, ids: BatchIds): number {
    return objectIds[keyId] = this.#objectId(keys[keyId], ids.newObjects);
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
