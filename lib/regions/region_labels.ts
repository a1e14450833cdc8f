/**
 * What a region label says about a country. Labels are `CC/Region` (ipinfo), `CC`, a bare
 * region name, `AWS/<region>`, `GCP/<region>`, `GitHub`, `VPN`, or a placeholder. Cloud regions
 * count as the country they are in; placeholders and bare region names count as no country.
 *
 * @module
 */

/** Labels that name no place. */
export const PLACEHOLDER_LABELS: ReadonlySet<string> = new Set([
  "missing",
  "unknown",
  "undetermined",
  "bogon",
  "VPN",
  "GitHub",
  "TBD",
  "",
]);

/** The country (ISO 3166-1 alpha-2) of each AWS region. */
export const AWS_REGION_COUNTRIES: Readonly<Record<string, string>> = {
  "af-south-1": "ZA",
  "ap-east-1": "HK",
  "ap-east-2": "TW",
  "ap-northeast-1": "JP",
  "ap-northeast-2": "KR",
  "ap-northeast-3": "JP",
  "ap-south-1": "IN",
  "ap-south-2": "IN",
  "ap-southeast-1": "SG",
  "ap-southeast-2": "AU",
  "ap-southeast-3": "ID",
  "ap-southeast-4": "AU",
  "ap-southeast-5": "MY",
  "ap-southeast-6": "NZ",
  "ap-southeast-7": "TH",
  "ca-central-1": "CA",
  "ca-west-1": "CA",
  "cn-north-1": "CN",
  "cn-northwest-1": "CN",
  "eu-central-1": "DE",
  "eu-central-2": "CH",
  "eu-north-1": "SE",
  "eu-south-1": "IT",
  "eu-south-2": "ES",
  "eu-west-1": "IE",
  "eu-west-2": "GB",
  "eu-west-3": "FR",
  "il-central-1": "IL",
  "me-central-1": "AE",
  "me-south-1": "BH",
  "mx-central-1": "MX",
  "sa-east-1": "BR",
  "us-east-1": "US",
  "us-east-2": "US",
  "us-gov-east-1": "US",
  "us-gov-west-1": "US",
  "us-west-1": "US",
  "us-west-2": "US",
};

/** The country of each Google Cloud region. */
export const GCP_REGION_COUNTRIES: Readonly<Record<string, string>> = {
  "africa-south1": "ZA",
  "asia-east1": "TW",
  "asia-east2": "HK",
  "asia-northeast1": "JP",
  "asia-northeast2": "JP",
  "asia-northeast3": "KR",
  "asia-south1": "IN",
  "asia-south2": "IN",
  "asia-southeast1": "SG",
  "asia-southeast2": "ID",
  "australia-southeast1": "AU",
  "australia-southeast2": "AU",
  "europe-central2": "PL",
  "europe-north1": "FI",
  "europe-north2": "SE",
  "europe-southwest1": "ES",
  "europe-west1": "BE",
  "europe-west10": "DE",
  "europe-west12": "IT",
  "europe-west2": "GB",
  "europe-west3": "DE",
  "europe-west4": "NL",
  "europe-west6": "CH",
  "europe-west8": "IT",
  "europe-west9": "FR",
  "me-central1": "QA",
  "me-central2": "SA",
  "me-west1": "IL",
  "northamerica-northeast1": "CA",
  "northamerica-northeast2": "CA",
  "northamerica-south1": "MX",
  "southamerica-east1": "BR",
  "southamerica-west1": "CL",
  "us-central1": "US",
  "us-east1": "US",
  "us-east4": "US",
  "us-east5": "US",
  "us-south1": "US",
  "us-west1": "US",
  "us-west2": "US",
  "us-west3": "US",
  "us-west4": "US",
};

/**
 * The country a label is in, or undefined when it names none (placeholders, VPN and GitHub
 * ranges, global cloud ranges, bare region names).
 *
 * @example Usage
 * ```ts
 * import { countryOfLabel } from "./region_labels.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(countryOfLabel("US/California"), "US");
 * assert.deepStrictEqual(countryOfLabel("AWS/eu-west-1"), "IE");
 * assert.deepStrictEqual(countryOfLabel("GCP/us-central1"), "US");
 * assert.deepStrictEqual(countryOfLabel("CL"), "CL");
 * assert.deepStrictEqual(countryOfLabel("missing"), undefined);
 * assert.deepStrictEqual(countryOfLabel("AWS/GLOBAL"), undefined);
 * ```
 */
export function countryOfLabel(label: string): string | undefined {
  if (PLACEHOLDER_LABELS.has(label)) return undefined;
  const slash = label.indexOf("/");
  const head = slash === -1 ? label : label.slice(0, slash);
  const rest = slash === -1 ? "" : label.slice(slash + 1);
  if (head === "AWS") return AWS_REGION_COUNTRIES[rest];
  if (head === "GCP") return GCP_REGION_COUNTRIES[rest];
  return /^[A-Z]{2}$/.test(head) ? head : undefined;
}

/** The longest region label kept (longer ones are cut). */
const MAX_LABEL_LENGTH = 200;

/**
 * A region label as it may be stored and published: control characters (tabs, line breaks,
 * NUL…) from any source (ipinfo, a geo database, an imported cache, older caches) become
 * spaces, runs of spaces one, no space at either end, at most 200 characters; an empty label is
 * `unknown`.
 *
 * @example Usage
 * ```ts
 * import { cleanLabel } from "./region_labels.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(cleanLabel("US/New\tYork\r\n"), "US/New York");
 * assert.deepStrictEqual(cleanLabel("\u0000"), "unknown");
 * ```
 */
export function cleanLabel(label: string): string {
  // deno-lint-ignore no-control-regex
  const clean = label.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ")
    .replace(/ {2,}/g, " ").trim();
  return clean === "" ? "unknown" : [...clean].slice(0, MAX_LABEL_LENGTH).join("");
}
