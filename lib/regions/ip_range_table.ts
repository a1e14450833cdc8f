/**
 * Which cloud or service range an IP is in, by binary search over a table of disjoint
 * intervals built once per run (IPv4 and IPv6), instead of a scan of every CIDR per IP.
 *
 * Ranges may overlap; as in the reference, the first matching range wins, in the order the
 * ranges are given (service priority, then list order). The table resolves overlaps once, with
 * a sweep over the interval ends, into disjoint intervals that each carry their winning label.
 *
 * @module
 */

import { ipAddressBytes, ipv4Number } from "../ip_address.ts";

/** A range: a CIDR (`192.0.2.0/24`, `2001:db8::/32`) and the label of the IPs in it. */
export interface LabelledRange {
  /** IPv4 or IPv6 CIDR; host bits may be set (they are ignored, as Python's strict=False). */
  cidr: string;
  /** Label for IPs in the range (`GitHub`, `AWS/us-east-2`, `GCP/us-central1`, `VPN`). */
  label: string;
}

interface Interval {
  start: bigint;
  end: bigint; // inclusive
  rank: number;
}

function toBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 16) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
    return (view.getBigUint64(0) << 64n) | view.getBigUint64(8);
  }
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * The first and last address of a CIDR as integers, with its family's width (32 or 128), or
 * undefined when it is not a CIDR.
 *
 * @example Usage
 * ```ts
 * import { cidrBounds } from "./ip_range_table.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(cidrBounds("192.0.2.77/24"), { bits: 32, start: 3221225984n, end: 3221226239n });
 * assert.deepStrictEqual(cidrBounds("not a cidr"), undefined);
 * ```
 */
export function cidrBounds(
  cidr: string,
): { bits: 32 | 128; start: bigint; end: bigint } | undefined {
  const slash = cidr.indexOf("/");
  const address = ipAddressBytes(slash === -1 ? cidr.trim() : cidr.slice(0, slash).trim());
  if (address === undefined) return undefined;
  const bits = address.length === 4 ? 32 : 128;
  const prefix = slash === -1 ? bits : Number(cidr.slice(slash + 1).trim());
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  const host = (1n << BigInt(bits - prefix)) - 1n;
  const start = toBigInt(address) & ~host & ((1n << BigInt(bits)) - 1n);
  return { bits, start, end: start | host };
}

/** Disjoint, sorted intervals with labels, for one address family. */
class FamilyTable {
  starts: bigint[] = [];
  ends: bigint[] = [];
  labels: number[] = [];
  /** IPv4 starts and ends as numbers, for a faster search. */
  starts32?: Float64Array;
  ends32?: Float64Array;

  constructor(intervals: Interval[], ranks: number[], fast: boolean) {
    // Sweep the interval ends; at every point the winner is the active interval of lowest rank.
    const events: { at: bigint; open: boolean; interval: Interval }[] = [];
    for (const interval of intervals) {
      events.push({ at: interval.start, open: true, interval });
      events.push({ at: interval.end + 1n, open: false, interval });
    }
    events.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    const active = new MinHeap();
    const closed = new Set<Interval>();
    let position: bigint | undefined;
    for (let i = 0; i < events.length;) {
      const at = events[i].at;
      if (position !== undefined && at > position) {
        while (active.size > 0 && closed.has(active.peek()!)) active.pop();
        const top = active.peek();
        if (top !== undefined) this.#append(position, at - 1n, ranks[top.rank]);
      }
      for (; i < events.length && events[i].at === at; i++) {
        if (events[i].open) active.push(events[i].interval);
        else closed.add(events[i].interval);
      }
      position = at;
    }
    if (fast) {
      this.starts32 = Float64Array.from(this.starts, Number);
      this.ends32 = Float64Array.from(this.ends, Number);
    }
  }

  #append(start: bigint, end: bigint, label: number): void {
    const last = this.ends.length - 1;
    if (last >= 0 && this.labels[last] === label && this.ends[last] + 1n === start) {
      this.ends[last] = end;
      return;
    }
    this.starts.push(start);
    this.ends.push(end);
    this.labels.push(label);
  }

  find(value: bigint): number {
    let low = 0;
    let high = this.starts.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.starts[middle] > value) high = middle - 1;
      else low = middle + 1;
    }
    return high >= 0 && value <= this.ends[high] ? this.labels[high] : -1;
  }

  find32(value: number): number {
    const starts = this.starts32!;
    let low = 0;
    let high = starts.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (starts[middle] > value) high = middle - 1;
      else low = middle + 1;
    }
    return high >= 0 && value <= this.ends32![high] ? this.labels[high] : -1;
  }
}

/** A binary heap of intervals by rank (lowest first). */
class MinHeap {
  #items: Interval[] = [];
  get size(): number {
    return this.#items.length;
  }
  peek(): Interval | undefined {
    return this.#items[0];
  }
  push(item: Interval): void {
    const items = this.#items;
    items.push(item);
    for (let i = items.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (items[parent].rank <= items[i].rank) break;
      [items[parent], items[i]] = [items[i], items[parent]];
      i = parent;
    }
  }
  pop(): void {
    const items = this.#items;
    const last = items.pop()!;
    if (items.length === 0) return;
    items[0] = last;
    for (let i = 0;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < items.length && items[left].rank < items[smallest].rank) smallest = left;
      if (right < items.length && items[right].rank < items[smallest].rank) smallest = right;
      if (smallest === i) return;
      [items[smallest], items[i]] = [items[i], items[smallest]];
      i = smallest;
    }
  }
}

/**
 * A lookup table of labelled ranges. Entries that are not CIDRs are skipped and counted in
 * {@linkcode IpRangeTable.skipped} (the reference warns and skips them too).
 *
 * @example Usage
 * ```ts
 * import { IpRangeTable } from "./ip_range_table.ts";
 * import assert from "node:assert/strict";
 *
 * const table = new IpRangeTable([
 *   { cidr: "192.30.252.0/22", label: "GitHub" },
 *   { cidr: "192.30.0.0/16", label: "AWS/us-east-1" },
 *   { cidr: "2600:1f00::/24", label: "AWS/us-west-2" },
 * ]);
 * assert.deepStrictEqual(table.lookup("192.30.253.1"), "GitHub"); // first range wins
 * assert.deepStrictEqual(table.lookup("192.30.1.1"), "AWS/us-east-1");
 * assert.deepStrictEqual(table.lookup("2600:1f00::5"), "AWS/us-west-2");
 * assert.deepStrictEqual(table.lookup("198.51.100.1"), undefined);
 * ```
 */
export class IpRangeTable {
  /** Entries that were not CIDRs. */
  readonly skipped: number;
  #labels: string[] = [];
  #v4: FamilyTable;
  #v6: FamilyTable;

  /** Builds the table; earlier ranges win over later ones. */
  constructor(ranges: Iterable<LabelledRange>) {
    const labelIds = new Map<string, number>();
    const ranks: number[] = [];
    const v4: Interval[] = [];
    const v6: Interval[] = [];
    let skipped = 0;
    for (const range of ranges) {
      const bounds = cidrBounds(range.cidr);
      if (bounds === undefined) {
        skipped++;
        continue;
      }
      let label = labelIds.get(range.label);
      if (label === undefined) {
        labelIds.set(range.label, label = this.#labels.length);
        this.#labels.push(range.label);
      }
      const rank = ranks.length;
      ranks.push(label);
      (bounds.bits === 32 ? v4 : v6).push({ start: bounds.start, end: bounds.end, rank });
    }
    this.skipped = skipped;
    this.#v4 = new FamilyTable(v4, ranks, true);
    this.#v6 = new FamilyTable(v6, ranks, false);
  }

  /** The label of the first range holding `ip`, or undefined (also for text that is no IP). */
  lookup(ip: string): string | undefined {
    let label: number;
    if (ip.includes(":")) {
      const bytes = ipAddressBytes(ip);
      if (bytes === undefined) return undefined;
      label = this.#v6.find(toBigInt(bytes));
    } else {
      const value = ipv4Number(ip);
      if (value === -1) return undefined;
      label = this.#v4.find32(value);
    }
    return label === -1 ? undefined : this.#labels[label];
  }
}
