/**
 * `deno task sample_geo`: writes the made-up geolocation data of the bundled sample into
 * `fixtures/sample_geo/` — a MaxMind DB (`city.mmdb`) and the four service range files — so
 * that `deno task daily` on the sample labels IPs, places regions on the map and draws a report
 * with no network and no API key. Every IPv4 /8 (but every eleventh) gets one of the regions of
 * the reference's built-in coordinate table; four /6 blocks of IPv6 get others; a few /8s are
 * "AWS", "GCP", "GitHub" and "VPN" ranges. None of it describes real networks.
 *
 * `tests/sample_geo_test.ts` checks that the committed files equal what this writes.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildMaxMindDb, type MmdbNetwork } from "../tests/_mmdb_writer.ts";

/** The folder of the sample's geolocation files. */
export const SAMPLE_GEO = fileURLToPath(new URL("../fixtures/sample_geo/", import.meta.url));

const REGIONS: [string, string][] = [
  ["FR", "Grand Est"],
  ["JP", "Ishikawa"],
  ["PL", "Silesia"],
  ["NO", "Vestland"],
  ["CL", "Valparaíso"],
  ["MX", "México"],
  ["CR", "San José"],
  ["PE", "Lima Province"],
  ["NZ", "Taranaki Region"],
  ["ES", "Castille and León"],
  ["UY", "Montevideo Department"],
  ["CO", "Huila Department"],
  ["PL", "Greater Poland"],
  ["TW", "Takao"],
];
const IPV6 = ["2000::/6", "2400::/6", "2800::/6", "2c00::/6"];
const SERVICES: Record<string, string> = {
  "65": "aws",
  "124": "gcp",
  "91": "github",
  "36": "vpn",
};

/** The files of `fixtures/sample_geo/`, by name. */
export function sampleGeoFiles(): Map<string, Uint8Array> {
  const record = ([country, region]: [string, string]) => ({
    country: { iso_code: country },
    subdivisions: [{ names: { en: region } }],
  });
  const networks: MmdbNetwork[] = [];
  for (let octet = 1; octet < 224; octet++) {
    if (octet % 11 === 0 || octet === 10 || octet === 127 || SERVICES[octet]) continue;
    networks.push({ prefix: `${octet}.0.0.0/8`, record: record(REGIONS[octet % REGIONS.length]) });
  }
  IPV6.forEach((prefix, i) => networks.push({ prefix, record: record(REGIONS[(i * 5) % 14]) }));
  const encoder = new TextEncoder();
  const json = (value: unknown) => encoder.encode(JSON.stringify(value, null, 2) + "\n");
  return new Map([
    [
      "city.mmdb",
      buildMaxMindDb({ ipVersion: 6, recordSize: 24, networks, databaseType: "Sample-City" }),
    ],
    ["aws.json", json({ prefixes: [{ ip_prefix: "65.0.0.0/8", region: "us-east-2" }] })],
    ["gcp.json", json({ prefixes: [{ ipv4Prefix: "124.0.0.0/8", scope: "us-central1" }] })],
    ["github.json", json({ hooks: ["91.0.0.0/8"] })],
    ["vpn.txt", encoder.encode("# made-up sample range\n36.0.0.0/8\n")],
  ]);
}

if (import.meta.main) {
  await Deno.mkdir(SAMPLE_GEO, { recursive: true });
  for (const [name, bytes] of sampleGeoFiles()) await Deno.writeFile(join(SAMPLE_GEO, name), bytes);
}
