/**
 * `mod.ts` is the supported API: a curated list. A new export is a decision (add it here and
 * to the README), never the side effect of an internal module growing a symbol.
 */

import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";

const FUNCTIONS = [
  "cacheStatus",
  "deriveCacheSecrets",
  "exportExtraction",
  "extractLogs",
  "generateArchiveSummaries",
  "generateArchiveTotals",
  "generateDandisetSummaries",
  "generateDandisetTotals",
  "generateReport",
  "generateSummaries",
  "generateTotals",
  "importReferenceCache",
  "indexIps",
  "loadContentMapping",
  "publishSummaries",
  "updateIndexedRegionCodes",
  "updateRegionCodeCoordinates",
  "validateLogs",
];
const CLASSES = ["OperatorError", "StoppedError", "UsageError"];
/** Options, results and the types they are made of. */
const TYPES = [
  "CacheSecrets",
  "CacheStatus",
  "ContentMapping",
  "CoordinatesResult",
  "DandisetSummaryOptions",
  "DatasetSummaryOptions",
  "DeriveKeyOptions",
  "DiscoveredEntry",
  "Environment",
  "ExportExtractionOptions",
  "ExportResult",
  "ExtractLogsOptions",
  "ExtractionMode",
  "ExtractionProgress",
  "ExtractionResult",
  "Fernet",
  "FernetEncryptOptions",
  "FoldReport",
  "FoundLogFile",
  "GenerateReportOptions",
  "ImportReferenceOptions",
  "ImportResult",
  "IndexIpsOptions",
  "IndexIpsResult",
  "InventoryCompletion",
  "IpMatch",
  "IpTableCheck",
  "IpinfoClientOptions",
  "LabelKind",
  "LoadMappingOptions",
  "LockHolder",
  "MalformedReason",
  "OperationShares",
  "LogSource",
  "Piece",
  "PlanLimits",
  "PlannedFile",
  "PrivacyOptions",
  "ProblemCount",
  "ProblemKind",
  "PublishOptions",
  "PublishResult",
  "RegionCodesResult",
  "ReportResult",
  "RunOutcome",
  "RunRecord",
  "StepWritten",
  "SummaryOptions",
  "SummaryResult",
  "TaskPiece",
  "UnrecordedPolicy",
  "UpdateRegionCodeCoordinatesOptions",
  "UpdateIndexedRegionCodesOptions",
  "ValidateLogsOptions",
  "ValidationReport",
];

const MOD = new URL("../mod.ts", import.meta.url);

Deno.test("mod.ts exports exactly the curated values", async () => {
  const mod = await import(MOD.href);
  assert.deepStrictEqual(Object.keys(mod).sort(), [...FUNCTIONS, ...CLASSES].sort());
  for (const name of FUNCTIONS) assert.deepStrictEqual(typeof mod[name], "function", name);
});

Deno.test("mod.ts exports exactly the curated symbols, types included (as deno doc lists them)", async () => {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--json", fileURLToPath(MOD)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.deepStrictEqual(run.code, 0, new TextDecoder().decode(run.stderr));
  const doc = JSON.parse(new TextDecoder().decode(run.stdout));
  const symbols: { name: string }[] = doc.nodes[MOD.href].symbols;
  assert.deepStrictEqual(
    symbols.map((s) => s.name).sort(),
    [...FUNCTIONS, ...CLASSES, ...TYPES].sort(),
  );
});
