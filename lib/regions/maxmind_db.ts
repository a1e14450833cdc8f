/**
 * A reader of the MaxMind DB format (`.mmdb`: GeoLite2, DB-IP Lite and others): a binary search
 * tree over the bits of the address, whose leaves point into a data section of typed values.
 * Written from the published format specification (version 2); the whole file is held in
 * memory and every lookup walks at most 128 nodes.
 *
 * @module
 */

import { ipAddressBytes } from "../ip_address.ts";

const METADATA_MARKER = Uint8Array.of(0xab, 0xcd, 0xef, ...new TextEncoder().encode("MaxMind.com"));
const METADATA_SEARCH = 128 * 1024;
const DATA_SEPARATOR = 16;

/** The metadata every MaxMind DB carries. */
export interface MaxMindMetadata {
  /** Nodes in the search tree. */
  node_count: number;
  /** Bits per record: 24, 28 or 32. */
  record_size: number;
  /** 4 (IPv4 only) or 6. */
  ip_version: number;
  /** What the records describe, e.g. `DBIP-City-Lite`. */
  database_type: string;
  /** When it was built (seconds since 1970). */
  build_epoch: number;
  /** Format version (2). */
  binary_format_major_version: number;
  /** Other fields (`languages`, `description`, …). */
  [field: string]: unknown;
}

/** A MaxMind DB file that cannot be read; the message says what is wrong with it. */
export class MaxMindFormatError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "MaxMindFormatError";
  }
}

/**
 * Looks up IP addresses in a MaxMind DB.
 *
 * @example Usage
 * ```ts
 * import { MaxMindReader } from "./maxmind_db.ts";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new MaxMindReader(new Uint8Array(64)), Error, "no MaxMind DB metadata");
 * ```
 */
export class MaxMindReader {
  /** The database's metadata. */
  readonly metadata: MaxMindMetadata;
  #bytes: Uint8Array;
  #view: DataView;
  #treeSize: number;
  #dataStart: number;
  #ipv4Start = -1;

  /** Reads the metadata of the database in `bytes` (the whole file). */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const marker = lastIndexOf(bytes, METADATA_MARKER);
    if (marker === -1) {
      throw new MaxMindFormatError("no MaxMind DB metadata marker near the end of the file");
    }
    const metadataStart = marker + METADATA_MARKER.length;
    const metadata = new Decoder(this.#bytes, this.#view, metadataStart).value(metadataStart);
    if (!isMetadata(metadata)) {
      throw new MaxMindFormatError("the metadata lacks node_count, record_size or ip_version");
    }
    if (metadata.binary_format_major_version !== 2) {
      throw new MaxMindFormatError(
        `format version ${metadata.binary_format_major_version} is not supported (only 2)`,
      );
    }
    if (![24, 28, 32].includes(metadata.record_size)) {
      throw new MaxMindFormatError(`record size ${metadata.record_size} is not 24, 28 or 32`);
    }
    this.metadata = metadata;
    this.#treeSize = (metadata.record_size / 4) * metadata.node_count;
    this.#dataStart = this.#treeSize + DATA_SEPARATOR;
    if (this.#dataStart > metadataStart) {
      throw new MaxMindFormatError("the search tree is larger than the file");
    }
  }

  /**
   * The record of `ip` (a JSON-like value), or undefined when the database has none, or when
   * the address is IPv6 and the database IPv4 only.
   */
  lookup(ip: string): unknown {
    const address = ipAddressBytes(ip);
    if (address === undefined) return undefined;
    const nodeCount = this.metadata.node_count;
    let node = 0;
    const bits = address.length * 8;
    if (address.length === 4 && this.metadata.ip_version === 6) node = this.#ipv4Root();
    else if (address.length === 16 && this.metadata.ip_version === 4) return undefined;
    for (let i = 0; i < bits && node < nodeCount; i++) {
      const bit = (address[i >> 3] >> (7 - (i & 7))) & 1;
      node = this.#record(node, bit);
    }
    if (node === nodeCount) return undefined;
    if (node < nodeCount) throw new MaxMindFormatError("the search tree is deeper than 128 bits");
    const offset = node - nodeCount - DATA_SEPARATOR;
    return new Decoder(this.#bytes, this.#view, this.#dataStart).value(this.#dataStart + offset);
  }

  /** The node where IPv4 addresses start in an IPv6 tree: after 96 zero bits. */
  #ipv4Root(): number {
    if (this.#ipv4Start === -1) {
      let node = 0;
      for (let i = 0; i < 96 && node < this.metadata.node_count; i++) node = this.#record(node, 0);
      this.#ipv4Start = node;
    }
    return this.#ipv4Start;
  }

  #record(node: number, bit: number): number {
    const b = this.#bytes;
    const size = this.metadata.record_size;
    const at = node * (size / 4);
    if (at + size / 4 > this.#treeSize) throw new MaxMindFormatError("node outside the tree");
    if (size === 24) {
      const p = at + bit * 3;
      return (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
    }
    if (size === 32) return this.#view.getUint32(at + bit * 4);
    if (bit === 0) return ((b[at + 3] & 0xf0) << 20) | (b[at] << 16) | (b[at + 1] << 8) | b[at + 2];
    return ((b[at + 3] & 0x0f) << 24) | (b[at + 4] << 16) | (b[at + 5] << 8) | b[at + 6];
  }
}

/** Decodes the typed values of a data (or metadata) section. */
class Decoder {
  #bytes: Uint8Array;
  #view: DataView;
  #base: number;
  #at = 0;

  constructor(bytes: Uint8Array, view: DataView, base: number) {
    this.#bytes = bytes;
    this.#view = view;
    this.#base = base;
  }

  value(at: number, depth = 0): unknown {
    if (depth > 64) throw new MaxMindFormatError("values nested more than 64 deep");
    this.#at = at;
    const control = this.#byte();
    let type = control >> 5;
    if (type === 1) {
      const target = this.#pointer(control);
      const after = this.#at;
      const value = this.value(this.#base + target, depth + 1);
      this.#at = after;
      return value;
    }
    if (type === 0) type = 7 + this.#byte();
    const size = this.#size(control & 0x1f);
    switch (type) {
      case 2:
        return new TextDecoder().decode(this.#take(size));
      case 3:
        return this.#view.getFloat64(this.#skip(8));
      case 4:
        return this.#take(size).slice();
      case 5:
      case 6:
      case 9:
      case 10:
        return this.#unsigned(size);
      case 7: {
        const map: Record<string, unknown> = {};
        for (let i = 0; i < size; i++) {
          const key = this.value(this.#at, depth + 1);
          if (typeof key !== "string") throw new MaxMindFormatError("a map key is not text");
          map[key] = this.value(this.#at, depth + 1);
        }
        return map;
      }
      case 8: {
        const value = this.#unsigned(size);
        return size === 4 ? (value as number) | 0 : value;
      }
      case 11: {
        const list: unknown[] = [];
        for (let i = 0; i < size; i++) list.push(this.value(this.#at, depth + 1));
        return list;
      }
      case 14:
        return size !== 0;
      case 15:
        return this.#view.getFloat32(this.#skip(4));
      default:
        throw new MaxMindFormatError(`unknown data type ${type} at byte ${this.#at - 1}`);
    }
  }

  #byte(): number {
    if (this.#at >= this.#bytes.length) throw new MaxMindFormatError("data past the file's end");
    return this.#bytes[this.#at++];
  }

  #skip(count: number): number {
    const at = this.#at;
    if (at + count > this.#bytes.length) throw new MaxMindFormatError("data past the file's end");
    this.#at += count;
    return at;
  }

  #take(count: number): Uint8Array {
    const at = this.#skip(count);
    return this.#bytes.subarray(at, at + count);
  }

  #size(bits: number): number {
    if (bits < 29) return bits;
    if (bits === 29) return 29 + this.#byte();
    if (bits === 30) return 285 + ((this.#byte() << 8) | this.#byte());
    return 65821 + ((this.#byte() << 16) | (this.#byte() << 8) | this.#byte());
  }

  #pointer(control: number): number {
    const size = (control >> 3) & 3;
    const high = control & 7;
    if (size === 0) return (high << 8) | this.#byte();
    if (size === 1) return ((high << 16) | (this.#byte() << 8) | this.#byte()) + 2048;
    if (size === 2) {
      return ((high << 24) | (this.#byte() << 16) | (this.#byte() << 8) | this.#byte()) + 526336;
    }
    return this.#view.getUint32(this.#skip(4));
  }

  #unsigned(size: number): number | bigint {
    let value = 0n;
    for (const byte of this.#take(size)) value = (value << 8n) | BigInt(byte);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
}

function isMetadata(value: unknown): value is MaxMindMetadata {
  if (typeof value !== "object" || value === null) return false;
  const m = value as Record<string, unknown>;
  return typeof m.node_count === "number" && typeof m.record_size === "number" &&
    typeof m.ip_version === "number";
}

function lastIndexOf(bytes: Uint8Array, pattern: Uint8Array): number {
  const stop = Math.max(0, bytes.length - METADATA_SEARCH - pattern.length);
  outer: for (let i = bytes.length - pattern.length; i >= stop; i--) {
    for (let j = 0; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
}
