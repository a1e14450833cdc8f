/**
 * The key and IP tables a parse worker keeps from task to task, and their mirror on the
 * writer's thread. A key or IP is then decoded, checked, sent and mapped to its database id once
 * per worker instead of once per task: an answer carries only what its task added.
 *
 * @module
 */

import { InternTables } from "./piece_parser.ts";
import type { PieceOutcome } from "./piece_reader.ts";

/**
 * Keys and IPs past which a thread starts new tables (ids count from 0 again): bounds the
 * memory of a worker's tables, and of their mirror, to some tens of megabytes.
 */
export const MAX_TABLE_ENTRIES = 250_000;

/** What a task added to its thread's tables, sent with its answer. */
export interface TableDelta {
  /** Whether the tables were started anew for the task (its ids count from 0). */
  renewed: boolean;
  /** The keys the task added, in id order. */
  keys: string[];
  /** The IPs the task added, in id order. */
  ips: string[];
}

const NONE: string[] = [];

/**
 * The tables of a parsing thread, renewed when they grow past {@linkcode MAX_TABLE_ENTRIES}.
 *
 * @example Usage
 * ```ts
 * import { ThreadTables } from "./thread_tables.ts";
 * import assert from "node:assert/strict";
 *
 * const thread = new ThreadTables();
 * const bytes = new TextEncoder().encode("ds1/a");
 * thread.next().keys.intern(bytes, 0, bytes.length);
 * assert.deepStrictEqual(thread.detach([]), { renewed: true, keys: ["ds1/a"], ips: [] });
 * thread.next().keys.intern(bytes, 0, bytes.length);
 * assert.deepStrictEqual(thread.detach([]), { renewed: false, keys: [], ips: [] });
 * thread.next("another run").keys.intern(bytes, 0, bytes.length);
 * assert.deepStrictEqual(thread.detach([]), { renewed: true, keys: ["ds1/a"], ips: [] });
 * ```
 */
export class ThreadTables {
  #tables = new InternTables();
  #renewed = true;
  #sentKeys = 0;
  #sentIps = 0;
  #limit: number;
  #context = "";

  /**
   * Tables renewed past `limit` keys and IPs.
   *
   * @param limit Entries past which a task starts new tables.
   * @default {MAX_TABLE_ENTRIES}
   */
  constructor(limit: number = MAX_TABLE_ENTRIES) {
    this.#limit = limit;
  }

  /**
   * The tables for the next task: new ones when the current ones hold more than the limit, or
   * were filled under another `context` (the checks of keys and IPs depend on the run's mode
   * and excluded IPs).
   */
  next(context = ""): InternTables {
    const tables = this.#tables;
    const full = tables.keys.values.length + tables.ips.values.length > this.#limit;
    if (full || context !== this.#context) {
      this.#context = context;
      this.#tables = new InternTables();
      this.#renewed = true;
      this.#sentKeys = this.#sentIps = 0;
    }
    return this.#tables;
  }

  /**
   * What the tables gained since the last call, for the task's answer; the outcomes' pieces
   * lose their (whole) tables, which {@linkcode TableMirror.attach} gives back on the other side.
   */
  detach(outcomes: PieceOutcome[]): TableDelta {
    const { keys, ips } = this.#tables;
    const delta = {
      renewed: this.#renewed,
      keys: keys.values.slice(this.#sentKeys),
      ips: ips.values.slice(this.#sentIps),
    };
    this.#renewed = false;
    this.#sentKeys = keys.values.length;
    this.#sentIps = ips.values.length;
    for (const outcome of outcomes) {
      if (!outcome.ok) continue;
      outcome.parsed.keys = NONE;
      outcome.parsed.ips = NONE;
    }
    return delta;
  }
}

/**
 * A worker's tables rebuilt from the deltas of its answers, in the order they arrive (a worker
 * answers its tasks in order).
 *
 * @example Usage
 * ```ts
 * import { TableMirror } from "./thread_tables.ts";
 * import assert from "node:assert/strict";
 *
 * const mirror = new TableMirror();
 * const first = mirror.attach({ renewed: true, keys: ["a", "b"], ips: ["192.0.2.1"] }, []);
 * const second = mirror.attach({ renewed: false, keys: ["c"], ips: [] }, []);
 * assert.strictEqual(first.keys, second.keys);
 * assert.deepStrictEqual(second.keys, ["a", "b", "c"]);
 * assert.notStrictEqual(mirror.attach({ renewed: true, keys: [], ips: [] }, []).keys, first.keys);
 * ```
 */
export class TableMirror {
  #keys: string[] = [];
  #ips: string[] = [];

  /**
   * Adds `delta` to the tables and gives them to the outcomes' pieces.
   *
   * @returns The tables as they now are.
   */
  attach(delta: TableDelta, outcomes: PieceOutcome[]): { keys: string[]; ips: string[] } {
    if (delta.renewed) {
      this.#keys = [];
      this.#ips = [];
    }
    for (const key of delta.keys) this.#keys.push(key);
    for (const ip of delta.ips) this.#ips.push(ip);
    for (const outcome of outcomes) {
      if (!outcome.ok) continue;
      outcome.parsed.keys = this.#keys;
      outcome.parsed.ips = this.#ips;
    }
    return { keys: this.#keys, ips: this.#ips };
  }
}
