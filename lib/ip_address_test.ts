import assert from "node:assert/strict";
import { ipAddressBytes, ipv4Number, isIpAddress } from "./ip_address.ts";

Deno.test("IPv4 addresses are strict dotted decimal", () => {
  assert.deepStrictEqual(ipAddressBytes("0.0.0.0"), new Uint8Array([0, 0, 0, 0]));
  assert.deepStrictEqual(ipAddressBytes("255.255.255.255"), new Uint8Array([255, 255, 255, 255]));
  for (const bad of ["256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.a", "", "-"]) {
    assert.deepStrictEqual(ipAddressBytes(bad), undefined, bad);
  }
});

Deno.test("IPv6 addresses: full, compressed, with an IPv4 tail", () => {
  const hex = (text: string) =>
    Array.from(ipAddressBytes(text) ?? [], (b) => b.toString(16).padStart(2, "0")).join("");
  assert.deepStrictEqual(hex("2001:db8::1"), "20010db8000000000000000000000001");
  assert.deepStrictEqual(hex("::"), "00000000000000000000000000000000");
  assert.deepStrictEqual(hex("::1"), "00000000000000000000000000000001");
  assert.deepStrictEqual(hex("fe80::"), "fe800000000000000000000000000000");
  assert.deepStrictEqual(
    hex("2600:3dfa:a137:1285:dfbd:8ac2:2f2c:65cb"),
    "26003dfaa1371285dfbd8ac22f2c65cb",
  );
  assert.deepStrictEqual(hex("::ffff:192.0.2.1"), "00000000000000000000ffffc0000201");
  assert.deepStrictEqual(hex("64:ff9b::192.0.2.1"), "0064ff9b0000000000000000c0000201");
  for (const bad of ["1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", ":1"]) {
    assert.deepStrictEqual(ipAddressBytes(bad), undefined, bad);
  }
});

Deno.test("the fast IPv4 check agrees with the full parser", () => {
  const samples = [
    "0.0.0.0",
    "1.2.3.4",
    "255.255.255.255",
    "256.0.0.1",
    "1.2.3",
    "1.2.3.4.5",
    "01.2.3.4",
    "1.2.3.",
    ".1.2.3",
    "1..2.3",
    "1.2.3.4a",
    "",
    "-",
    "1000.1.1.1",
    "10.0.0.10",
    "::1",
    "fe80::",
  ];
  for (const text of samples) {
    assert.deepStrictEqual(isIpAddress(text), ipAddressBytes(text) !== undefined, text);
    const bytes = ipAddressBytes(text);
    const expected = bytes?.length === 4
      ? ((bytes[0] << 24) >>> 0) + (bytes[1] << 16) + (bytes[2] << 8) + bytes[3]
      : -1;
    assert.deepStrictEqual(ipv4Number(text), expected, text);
  }
});
