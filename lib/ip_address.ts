/**
 * IP address text to bytes: 4 for IPv4 (dotted decimal), 16 for IPv6 (with `::` compression
 * and an optional dotted IPv4 tail). Strict: anything else is not an address.
 *
 * @module
 */

function parseIpv4(text: string): number[] | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes: number[] = [];
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || (part.length > 1 && part[0] === "0")) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    bytes.push(value);
  }
  return bytes;
}

function parseGroups(text: string): number[] | undefined {
  if (text === "") return [];
  const groups: number[] = [];
  for (const group of text.split(":")) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    groups.push(parseInt(group, 16));
  }
  return groups;
}

function parseIpv6(text: string): number[] | undefined {
  let tail: number[] = [];
  let body = text;
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    body = text.slice(0, lastColon + 1);
    if (body.endsWith(":") && !body.endsWith("::")) body = body.slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]);
  const rest = halves.length === 2 ? parseGroups(halves[1]) : [];
  if (head === undefined || rest === undefined) return undefined;
  const explicit = head.length + rest.length + tail.length;
  let groups: number[];
  if (halves.length === 2) {
    if (explicit > 7) return undefined;
    groups = [...head, ...Array(8 - explicit).fill(0), ...rest, ...tail];
  } else {
    if (explicit !== 8) return undefined;
    groups = [...head, ...tail];
  }
  return groups.flatMap((g) => [g >> 8, g & 255]);
}

/**
 * The bytes of an IPv4 (4 bytes) or IPv6 (16 bytes) address, or undefined if `text` is not one.
 *
 * @example Usage
 * ```ts
 * import { ipAddressBytes } from "./ip_address.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(ipAddressBytes("192.0.2.1"), new Uint8Array([192, 0, 2, 1]));
 * assert.deepStrictEqual(ipAddressBytes("2001:db8::1")?.length, 16);
 * assert.deepStrictEqual(ipAddressBytes("10.192.0.2.1"), undefined);
 * assert.deepStrictEqual(ipAddressBytes("1::2::3"), undefined);
 * ```
 */
export function ipAddressBytes(text: string): Uint8Array | undefined {
  const bytes = text.includes(":") ? parseIpv6(text) : parseIpv4(text);
  return bytes === undefined ? undefined : new Uint8Array(bytes);
}

/**
 * Whether `text` is an IPv4 or IPv6 address (what {@linkcode ipAddressBytes} accepts), with a
 * fast path for dotted IPv4 that allocates nothing.
 *
 * @example Usage
 * ```ts
 * import { isIpAddress } from "./ip_address.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(isIpAddress("198.51.100.7"), true);
 * assert.deepStrictEqual(isIpAddress("198.51.100.07"), false);
 * assert.deepStrictEqual(isIpAddress("2001:db8::1"), true);
 * ```
 */
export function isIpAddress(text: string): boolean {
  return text.includes(":") ? ipAddressBytes(text) !== undefined : ipv4Number(text) !== -1;
}

/**
 * A dotted IPv4 address as an unsigned 32-bit number, or -1 if `text` is not one. Allocates
 * nothing: the fast path of IP checks and range lookups.
 *
 * @example Usage
 * ```ts
 * import { ipv4Number } from "./ip_address.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(ipv4Number("192.0.2.1"), 3221225985);
 * assert.deepStrictEqual(ipv4Number("192.0.2.01"), -1);
 * ```
 */
export function ipv4Number(text: string): number {
  let parts = 0;
  let value = 0;
  let digits = 0;
  let result = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 0x2e : text.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || value > 255 || ++parts > 4) return -1;
      result = result * 256 + value;
      value = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && value === 0) return -1; // leading zero
      value = value * 10 + c - 0x30;
      if (++digits > 3) return -1;
    } else {
      return -1;
    }
  }
  return parts === 4 ? result : -1;
}
