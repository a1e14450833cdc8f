/**
 * Builds small MaxMind DB files for the tests, from the format specification: a search tree
 * of the given record size, a data section (repeated map keys written once and then as
 * pointers, so the reader's pointers are exercised) and the metadata.
 */

import { ipAddressBytes } from "../lib/ip_address.ts";

/** One network of the database and its record. */
export interface MmdbNetwork {
  /** CIDR, e.g. `192.0.2.0/24` or `2001:db8::/32`. */
  prefix: string;
  /** The record (objects, arrays, text, numbers, booleans). */
  record: unknown;
}

/** What to build. */
export interface MmdbOptions {
  /** 4 or 6 (IPv4 networks then live under `::/96`). */
  ipVersion: 4 | 6;
  /** 24, 28 or 32. */
  recordSize: 24 | 28 | 32;
  /** The networks (not nested in each other). */
  networks: MmdbNetwork[];
  /** `database_type` in the metadata. */
  databaseType?: string;
  /** Unused bytes at the start of the data section (large: pointers above 2^24). */
  dataPadding?: number;
}

type Child = { node: number } | { data: number } | undefined;

/** The bytes of a MaxMind DB holding `options.networks`. */
export function buildMaxMindDb(options: MmdbOptions): Uint8Array {
  const padding = options.dataPadding ?? 0;
  const data = new DataWriter(padding);
  const nodes: [Child, Child][] = [[undefined, undefined]];
  for (const { prefix, record } of options.networks) {
    const [text, lengthText] = prefix.split("/");
    let bytes = ipAddressBytes(text)!;
    let length = Number(lengthText);
    if (options.ipVersion === 6 && bytes.length === 4) {
      bytes = Uint8Array.of(...new Uint8Array(12), ...bytes);
      length += 96;
    }
    const offset = data.write(record);
    let node = 0;
    for (let i = 0; i < length; i++) {
      const bit = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
      if (i === length - 1) {
        nodes[node][bit] = { data: offset };
        break;
      }
      const child = nodes[node][bit];
      if (child === undefined) {
        nodes.push([undefined, undefined]);
        nodes[node][bit] = { node: nodes.length - 1 };
      } else if (!("node" in child)) throw new Error(`${prefix} is inside another network`);
      node = (nodes[node][bit] as { node: number }).node;
    }
  }
  const count = nodes.length;
  const value = (child: Child) =>
    child === undefined ? count : "node" in child ? child.node : count + 16 + padding + child.data;
  const perNode = options.recordSize / 4;
  const tree = new Uint8Array(count * perNode);
  nodes.forEach(([left, right], i) => {
    const l = value(left);
    const r = value(right);
    const at = i * perNode;
    if (options.recordSize === 24) {
      tree.set([l >> 16, l >> 8, l, r >> 16, r >> 8, r].map((b) => b & 0xff), at);
    } else if (options.recordSize === 28) {
      tree.set(
        [l >> 16, l >> 8, l, ((l >> 20) & 0xf0) | ((r >> 24) & 0x0f), r >> 16, r >> 8, r].map((
          b,
        ) => b & 0xff),
        at,
      );
    } else {
      new DataView(tree.buffer).setUint32(at, l);
      new DataView(tree.buffer).setUint32(at + 4, r);
    }
  });
  const metadata = new DataWriter(undefined);
  metadata.write({
    node_count: count,
    record_size: options.recordSize,
    ip_version: options.ipVersion,
    database_type: options.databaseType ?? "Test-City",
    languages: ["en"],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1_700_000_000,
    description: { en: "test database" },
  });
  const marker = Uint8Array.of(0xab, 0xcd, 0xef, ...new TextEncoder().encode("MaxMind.com"));
  const parts = [tree, new Uint8Array(16 + padding), data.bytes(), marker, metadata.bytes()];
  const file = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    file.set(part, at);
    at += part.length;
  }
  return file;
}

class DataWriter {
  #out: number[] = [];
  #strings = new Map<string, number>();
  #base: number | undefined;

  /** `base`: offset of this writer's first byte in the data section (no pointers if undefined). */
  constructor(base: number | undefined) {
    this.#base = base;
  }

  bytes(): Uint8Array {
    return Uint8Array.from(this.#out);
  }

  write(value: unknown): number {
    const at = this.#out.length;
    this.#value(value);
    return at;
  }

  #value(value: unknown, isKey = false): void {
    if (typeof value === "string") {
      const known = this.#strings.get(value);
      if (isKey && this.#base !== undefined && known !== undefined) {
        this.#pointer(this.#base + known);
        return;
      }
      if (isKey) this.#strings.set(value, this.#out.length);
      const bytes = new TextEncoder().encode(value);
      this.#control(2, bytes.length);
      this.#out.push(...bytes);
    } else if (typeof value === "boolean") {
      this.#control(14, value ? 1 : 0);
    } else if (typeof value === "number" && Number.isInteger(value) && value >= 0) {
      const bytes: number[] = [];
      for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
      this.#control(bytes.length <= 2 ? 5 : bytes.length <= 4 ? 6 : 9, bytes.length);
      this.#out.push(...bytes);
    } else if (typeof value === "number" && Number.isInteger(value)) {
      this.#control(8, 4);
      const view = new DataView(new ArrayBuffer(4));
      view.setInt32(0, value);
      this.#out.push(...new Uint8Array(view.buffer));
    } else if (typeof value === "number") {
      this.#control(3, 8);
      const view = new DataView(new ArrayBuffer(8));
      view.setFloat64(0, value);
      this.#out.push(...new Uint8Array(view.buffer));
    } else if (Array.isArray(value)) {
      this.#control(11, value.length);
      for (const item of value) this.#value(item);
    } else if (typeof value === "object" && value !== null) {
      const entries = Object.entries(value);
      this.#control(7, entries.length);
      for (const [key, item] of entries) {
        this.#value(key, true);
        this.#value(item);
      }
    } else {
      throw new Error(`cannot write ${String(value)}`);
    }
  }

  #pointer(to: number): void {
    if (to < 2048) this.#out.push(0x20 | (to >> 8), to & 0xff);
    else if (to < 526_336) {
      const v = to - 2048;
      this.#out.push(0x28 | (v >> 16), (v >> 8) & 0xff, v & 0xff);
    } else if (to < 526_336 + 2 ** 27) {
      const v = to - 526_336;
      this.#out.push(0x30 | (v >> 24), (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
    } else this.#out.push(0x38, to >>> 24, (to >> 16) & 0xff, (to >> 8) & 0xff, to & 0xff);
  }

  #control(type: number, size: number): void {
    let bits: number;
    const extra: number[] = [];
    if (size < 29) bits = size;
    else if (size < 285) (bits = 29), extra.push(size - 29);
    else if (size < 65821) (bits = 30), extra.push((size - 285) >> 8, (size - 285) & 0xff);
    else {
      bits = 31;
      const s = size - 65821;
      extra.push(s >> 16, (s >> 8) & 0xff, s & 0xff);
    }
    if (type <= 7) this.#out.push((type << 5) | bits);
    else this.#out.push(bits, type - 7);
    this.#out.push(...extra);
  }
}
