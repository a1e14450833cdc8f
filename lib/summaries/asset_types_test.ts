import assert from "node:assert/strict";
import { assetType } from "./asset_types.ts";
import { formatDay, mondayOfWeek, weekNumber } from "./calendar_days.ts";

Deno.test("asset types of reference-behaviour.md §7.6", () => {
  const table: [string, string][] = [
    ["x.nwb.zarr", "Neurophysiology"],
    ["sub-1/sub-1_ses-1_icephys.nwb", "Neurophysiology"],
    ["x.nii.gz", "Microscopy"],
    ["x.ome.zarr", "Microscopy"],
    ["x.zarr", "Microscopy"],
    ["x.trk", "Microscopy"],
    ["sub-K/micr/x_FLUO.tif", "Microscopy"],
    ["x.mp4", "Video"],
    ["x.json", "Miscellaneous"],
    ["x.tar.zarr", "Miscellaneous"],
    ["undetermined", "Miscellaneous"],
  ];
  for (const [path, type] of table) assert.deepStrictEqual(assetType(path), type, path);
});

Deno.test("week starts of reference-behaviour.md §11.3 (Monday of the request's date)", () => {
  const day = (iso: string) => Date.parse(iso + "T00:00:00Z") / 86400000;
  const table: [string, string][] = [
    ["2020-01-01", "2019-12-30"],
    ["2020-01-09", "2020-01-06"],
    ["2022-04-06", "2022-04-04"],
    ["2022-04-14", "2022-04-11"],
    ["2022-08-03", "2022-08-01"],
    ["2023-11-13", "2023-11-13"],
    ["2024-11-13", "2024-11-11"],
    ["2024-11-20", "2024-11-18"],
    ["1969-12-31", "1969-12-29"],
  ];
  for (const [date, monday] of table) {
    assert.deepStrictEqual(formatDay(mondayOfWeek(weekNumber(day(date)))), monday, date);
  }
});
