/**
 * The offline region provider: a MaxMind DB file (`--geo-db`, e.g. the free DB-IP City Lite or
 * GeoLite2 City) answers instead of ipinfo, with the same labels: `CC/Region` from the
 * record's country code and first subdivision's English name, `CC`, `Region`, and `bogon` for
 * the reserved ranges ipinfo calls bogons; `unknown` when the database knows nothing.
 *
 * @module
 */

import { errorText, OperatorError } from "../errors.ts";
import { IpRangeTable } from "./ip_range_table.ts";
import { MaxMindFormatError, MaxMindReader } from "./maxmind_db.ts";

/** IANA special-purpose and reserved ranges (RFC 6890 and successors): ipinfo's bogons. */
const BOGONS = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
  "::/127",
  "::ffff:0:0/96",
  "64:ff9b::/96",
  "100::/64",
  "2001:db8::/32",
  "fc00::/7",
  "fe80::/10",
  "ff00::/8",
];

/**
 * The label of a MaxMind City-style record (`country.iso_code`, `subdivisions[0].names.en`),
 * or undefined when it has neither.
 *
 * @example Usage
 * ```ts
 * import { geoRecordLabel } from "./geo_database.ts";
 * import assert from "node:assert/strict";
 *
 * const record = { country: { iso_code: "US" }, subdivisions: [{ names: { en: "California" } }] };
 * assert.deepStrictEqual(geoRecordLabel(record), "US/California");
 * assert.deepStrictEqual(geoRecordLabel({ country: { iso_code: "NL" } }), "NL");
 * assert.deepStrictEqual(geoRecordLabel({ city: { names: { en: "Paris" } } }), undefined);
 * ```
 */
export function geoRecordLabel(record: unknown): string | undefined {
  const r = record as {
    country?: { iso_code?: unknown };
    subdivisions?: { names?: { en?: unknown } }[];
  } | undefined;
  const country = typeof r?.country?.iso_code === "string" ? r.country.iso_code : undefined;
  const first = Array.isArray(r?.subdivisions) ? r.subdivisions[0]?.names?.en : undefined;
  const region = typeof first === "string" && first !== "" ? first : undefined;
  if (country && region) return `${country}/${region}`;
  return country || region;
}

/**
 * Labels IPs from a MaxMind DB file.
 *
 * @example Usage
 * ```ts
 * import { GeoDatabase } from "./geo_database.ts";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(() => GeoDatabase.open("/nonexistent.mmdb"), /Cannot read the geo database/);
 * ```
 */
export class GeoDatabase {
  #reader: MaxMindReader;
  #bogons = new IpRangeTable(BOGONS.map((cidr) => ({ cidr, label: "bogon" })));

  private constructor(reader: MaxMindReader) {
    this.#reader = reader;
  }

  /** Opens `path`; a missing or malformed file is an {@linkcode OperatorError} naming it. */
  static async open(path: string): Promise<GeoDatabase> {
    try {
      return new GeoDatabase(new MaxMindReader(await Deno.readFile(path)));
    } catch (error) {
      throw new OperatorError(
        `Cannot read the geo database ${path}: ${errorText(error)}. Give a MaxMind DB file ` +
          "(.mmdb, for example DB-IP's free City Lite) with --geo-db.",
        { cause: error },
      );
    }
  }

  /** The database's type and build date, for messages. */
  get description(): string {
    const { database_type: type, build_epoch: epoch } = this.#reader.metadata;
    return `${type}, built ${new Date(Number(epoch) * 1000).toISOString().slice(0, 10)}`;
  }

  /** The label of `ip`: from its record, else `bogon` for reserved ranges, else `unknown`. */
  label(ip: string): string {
    let record: unknown;
    try {
      record = this.#reader.lookup(ip);
    } catch (error) {
      if (!(error instanceof MaxMindFormatError)) throw error;
      throw new OperatorError(
        `The geo database is damaged: ${error.message}. Download it again.`,
        { cause: error },
      );
    }
    return geoRecordLabel(record) ?? this.#bogons.lookup(ip) ?? "unknown";
  }
}
