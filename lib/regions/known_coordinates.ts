/**
 * Coordinates known without a geocoder: the reference's built-in override table
 * (reference-behaviour.md §6.1, values as in its source) and the locations of cloud regions
 * (the city each AWS and Google Cloud region is in, approximately).
 *
 * @module
 */

/** Latitude and longitude in degrees. */
export type Coordinates = readonly [latitude: number, longitude: number];

/**
 * The reference's overrides: labels its geocoder got wrong, and labels that are no place
 * (`null`).
 */
export const COORDINATE_OVERRIDES: Readonly<Record<string, Coordinates | null>> = {
  "AWS/us-east-2": [39.9612, -82.9988],
  "GCP/us-central1": [41.2619, -95.8608],
  "BO/La Paz Department": [-11.7773231, -67.4519752],
  "CL/Valparaíso": [-32.5976089, -70.8529753],
  "CN/Hainan": [19.2000001, 109.5999999],
  "CO/Huila Department": [2.5359349, -75.5276699],
  "CO/Risaralda Department": [5.2102948, -75.9842236],
  "CR/San José": [9.9325427, -84.0795782],
  "ES/Castille and León": [42.0, -5.5],
  "FR/Grand Est": [48.580002, 7.75],
  "IQ/Sulaymaniyah": [35.5574725, 45.435202],
  "JP/Ishikawa": [36.9890574, 136.8162839],
  "MO/São Francisco Xavier": [22.210928, 113.552971],
  "MX/México": [19.4326296, -99.1331785],
  "NI/Managua Department": [12.125, -86.31],
  "NO/Vestland": [60.9291011, 6.1078869],
  "PA/Panamá": [8.559559, -81.1308434],
  "PA/Panamá Oeste Province": [8.88028, -79.7833],
  "PE/Lima Province": [-12.5453873, -75.8599243],
  "PL/Greater Poland": [52.406374, 16.9251681],
  "PL/Pomerania": [53.428543, 14.552811],
  "PL/Silesia": [50.6966393, 17.9254068],
  "PL/Subcarpathia": [50.0575, 22.0896],
  "PR/San Juan": [18.384239, -66.05344],
  "RU/Rostov": [57.2012699, 39.4221813],
  "TW/Takao": [22.6226696, 120.2764261],
  "VN/Long An Povince": [10.5607168, 106.6497623],
  "UY/Montevideo Department": [-34.9058916, -56.1913095],
  "RU/Mordoviya Republic": [54.5, 44],
  "NZ/Taranaki Region": [-39.3848064, 174.1973505],
  GitHub: null,
  VPN: null,
  unknown: null,
  undetermined: null,
  missing: null,
  bogon: null,
};

/**
 * The override values the reference's source writes as integers (`44`, not `44.0`), which its
 * YAML keeps as such: `[latitude, longitude]` flags by label.
 */
export const REFERENCE_INTEGER_COORDINATES: Readonly<
  Record<string, readonly [boolean, boolean]>
> = {
  "RU/Mordoviya Republic": [false, true],
};

/** Where each AWS region is (its city, approximately). */
export const AWS_REGION_COORDINATES: Readonly<Record<string, Coordinates>> = {
  "af-south-1": [-33.92, 18.42],
  "ap-east-1": [22.32, 114.17],
  "ap-east-2": [25.03, 121.57],
  "ap-northeast-1": [35.68, 139.69],
  "ap-northeast-2": [37.57, 126.98],
  "ap-northeast-3": [34.69, 135.5],
  "ap-south-1": [19.08, 72.88],
  "ap-south-2": [17.39, 78.49],
  "ap-southeast-1": [1.35, 103.82],
  "ap-southeast-2": [-33.87, 151.21],
  "ap-southeast-3": [-6.21, 106.85],
  "ap-southeast-4": [-37.81, 144.96],
  "ap-southeast-5": [3.14, 101.69],
  "ap-southeast-6": [-36.85, 174.76],
  "ap-southeast-7": [13.76, 100.5],
  "ca-central-1": [45.5, -73.57],
  "ca-west-1": [51.05, -114.07],
  "cn-north-1": [39.9, 116.41],
  "cn-northwest-1": [38.49, 106.23],
  "eu-central-1": [50.11, 8.68],
  "eu-central-2": [47.38, 8.54],
  "eu-north-1": [59.33, 18.07],
  "eu-south-1": [45.46, 9.19],
  "eu-south-2": [41.65, -0.89],
  "eu-west-1": [53.35, -6.26],
  "eu-west-2": [51.51, -0.13],
  "eu-west-3": [48.86, 2.35],
  "il-central-1": [32.09, 34.78],
  "me-central-1": [25.2, 55.27],
  "me-south-1": [26.23, 50.59],
  "mx-central-1": [20.59, -100.39],
  "sa-east-1": [-23.55, -46.63],
  "us-east-1": [39.04, -77.49],
  "us-east-2": [39.9612, -82.9988],
  "us-gov-east-1": [39.96, -83.0],
  "us-gov-west-1": [45.52, -122.68],
  "us-west-1": [37.35, -121.96],
  "us-west-2": [45.84, -119.7],
};

/** Where each Google Cloud region is (its city, approximately). */
export const GCP_REGION_COORDINATES: Readonly<Record<string, Coordinates>> = {
  "africa-south1": [-26.2, 28.05],
  "asia-east1": [24.05, 120.52],
  "asia-east2": [22.32, 114.17],
  "asia-northeast1": [35.68, 139.69],
  "asia-northeast2": [34.69, 135.5],
  "asia-northeast3": [37.57, 126.98],
  "asia-south1": [19.08, 72.88],
  "asia-south2": [28.61, 77.21],
  "asia-southeast1": [1.34, 103.71],
  "asia-southeast2": [-6.21, 106.85],
  "australia-southeast1": [-33.87, 151.21],
  "australia-southeast2": [-37.81, 144.96],
  "europe-central2": [52.23, 21.01],
  "europe-north1": [60.57, 27.2],
  "europe-north2": [59.33, 18.07],
  "europe-southwest1": [40.42, -3.7],
  "europe-west1": [50.45, 3.82],
  "europe-west10": [52.52, 13.4],
  "europe-west12": [45.07, 7.69],
  "europe-west2": [51.51, -0.13],
  "europe-west3": [50.11, 8.68],
  "europe-west4": [53.44, 6.83],
  "europe-west6": [47.38, 8.54],
  "europe-west8": [45.46, 9.19],
  "europe-west9": [48.86, 2.35],
  "me-central1": [25.29, 51.53],
  "me-central2": [26.43, 50.1],
  "me-west1": [32.09, 34.78],
  "northamerica-northeast1": [45.5, -73.57],
  "northamerica-northeast2": [43.65, -79.38],
  "northamerica-south1": [20.59, -100.39],
  "southamerica-east1": [-23.55, -46.63],
  "southamerica-west1": [-33.45, -70.67],
  "us-central1": [41.2619, -95.8608],
  "us-east1": [33.2, -80.01],
  "us-east4": [39.04, -77.49],
  "us-east5": [39.96, -83.0],
  "us-south1": [32.78, -96.8],
  "us-west1": [45.6, -121.18],
  "us-west2": [34.05, -118.24],
  "us-west3": [40.76, -111.89],
  "us-west4": [36.17, -115.14],
};

/**
 * Coordinates of a label known without a geocoder: an override, a cloud region, `null` for a
 * label that is no place, or undefined when a geocoder must be asked.
 *
 * @example Usage
 * ```ts
 * import { knownCoordinates } from "./known_coordinates.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(knownCoordinates("CL/Valparaíso"), [-32.5976089, -70.8529753]);
 * assert.deepStrictEqual(knownCoordinates("AWS/eu-west-1"), [53.35, -6.26]);
 * assert.deepStrictEqual(knownCoordinates("VPN"), null);
 * assert.deepStrictEqual(knownCoordinates("US/California"), undefined);
 * ```
 */
export function knownCoordinates(label: string): Coordinates | null | undefined {
  if (Object.hasOwn(COORDINATE_OVERRIDES, label)) return COORDINATE_OVERRIDES[label];
  const slash = label.indexOf("/");
  if (slash === -1) return undefined;
  const head = label.slice(0, slash);
  const rest = label.slice(slash + 1);
  const table = head === "AWS"
    ? AWS_REGION_COORDINATES
    : head === "GCP"
    ? GCP_REGION_COORDINATES
    : undefined;
  return table !== undefined && Object.hasOwn(table, rest) ? table[rest] : undefined;
}
