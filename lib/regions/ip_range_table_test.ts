import assert from "node:assert/strict";
import { cidrBounds, IpRangeTable, type LabelledRange } from "./ip_range_table.ts";
import { ipAddressBytes } from "../ip_address.ts";

/** The reference's rule: scan the ranges in order; the first one holding the IP wins. */
function naive(ranges: LabelledRange[], ip: string): string | undefined {
  const bytes = ipAddressBytes(ip)!;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  for (const range of ranges) {
    const bounds = cidrBounds(range.cidr);
    if (bounds === undefined || (bounds.bits === 32) !== (bytes.length === 4)) continue;
    if (bounds.start <= value && value <= bounds.end) return range.label;
  }
  return undefined;
}

/** A small deterministic random generator, so failures can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

Deno.test("the table agrees with the first-match rule on random overlapping ranges (IPv4, IPv6)", () => {
  const next = random(42);
  const v4 = () => `10.${(next() * 4) | 0}.${(next() * 256) | 0}.${(next() * 256) | 0}`;
  const v6 = () =>
    `2001:db8:${((next() * 4) | 0).toString(16)}:${((next() * 65536) | 0).toString(16)}::${
      ((next() * 65536) | 0).toString(16)
    }`;
  const ranges: LabelledRange[] = [];
  for (let i = 0; i < 400; i++) {
    ranges.push({ cidr: `${v4()}/${14 + ((next() * 15) | 0)}`, label: `L${i % 7}` });
    ranges.push({ cidr: `${v6()}/${34 + ((next() * 40) | 0)}`, label: `M${i % 5}` });
  }
  ranges.push({ cidr: "bad", label: "X" }, { cidr: "10.0.0.0/33", label: "X" });
  const table = new IpRangeTable(ranges);
  assert.deepStrictEqual(table.skipped, 2);
  for (let i = 0; i < 3000; i++) {
    const ip = i % 2 === 0 ? v4() : v6();
    assert.deepStrictEqual(table.lookup(ip), naive(ranges, ip), ip);
  }
});

Deno.test("edges: range ends, host bits set, /0 and /32, not an IP", () => {
  const table = new IpRangeTable([
    { cidr: "192.0.2.77/24", label: "A" }, // host bits ignored: 192.0.2.0-255
    { cidr: "198.51.100.7/32", label: "B" },
    { cidr: "::/0", label: "C" },
  ]);
  assert.deepStrictEqual(
    ["192.0.1.255", "192.0.2.0", "192.0.2.255", "192.0.3.0"].map((ip) => table.lookup(ip)),
    [undefined, "A", "A", undefined],
  );
  assert.deepStrictEqual([table.lookup("198.51.100.7"), table.lookup("198.51.100.8")], [
    "B",
    undefined,
  ]);
  assert.deepStrictEqual(table.lookup("2001:db8::1"), "C"); // an IPv6 range never holds an IPv4 address
  assert.deepStrictEqual(table.lookup("-"), undefined);
});
