/**
 * s3-log-extraction for Deno: turns raw AWS S3 server access logs into the minimal,
 * privacy-safe access data a public archive may share and plot.
 *
 * The steps of the nightly run are exported as functions: {@linkcode extractLogs} finds new
 * log files and stores their `REST.GET.OBJECT` 2xx requests in one SQLite database per cache,
 * with client IPs replaced by random indexes and kept only encrypted; {@linkcode exportExtraction}
 * writes the Python reference's per-object tree; {@linkcode generateSummaries},
 * {@linkcode generateTotals}, {@linkcode generateArchiveSummaries} and
 * {@linkcode generateArchiveTotals} (and their dandiset variants) write the published numbers.
 * {@linkcode generateReport} draws the report, {@linkcode publishSummaries} copies the published
 * files out, {@linkcode cacheStatus} and {@linkcode validateLogs} look without writing. This
 * list is the supported API; everything else in `lib/` is internal and may change.
 *
 * @example Extract logs and export them in the reference's format
 * ```ts
 * import { deriveCacheSecrets, exportExtraction, extractLogs } from "./mod.ts";
 *
 * const cacheDirectory = await Deno.makeTempDir();
 * const secrets = await deriveCacheSecrets({ password: "a long random secret, kept safe" });
 * const logsDirectory = new URL("./fixtures/sample_logs", import.meta.url).pathname;
 * const summary = await extractLogs({ logsDirectory, cacheDirectory, secrets });
 * console.log(`${summary.lines.kept} requests from ${summary.files.done} files`);
 * await exportExtraction({ cacheDirectory, targetDirectory: `${cacheDirectory}/tree`, secrets });
 * await Deno.remove(cacheDirectory, { recursive: true });
 * ```
 *
 * @module
 */

// The steps of the nightly run, in order.
export {
  type ExtractionProgress,
  type ExtractionResult,
  extractLogs,
  type ExtractLogsOptions,
} from "./lib/extract/extract_logs.ts";
export { indexIps, type IndexIpsOptions, type IndexIpsResult } from "./lib/reference/index_ips.ts";
export {
  type RegionCodesResult,
  updateIndexedRegionCodes,
  type UpdateIndexedRegionCodesOptions,
} from "./lib/regions/update_indexed_region_codes.ts";
export {
  type CoordinatesResult,
  updateRegionCodeCoordinates,
  type UpdateRegionCodeCoordinatesOptions,
} from "./lib/regions/update_region_code_coordinates.ts";
export {
  type DandisetSummaryOptions,
  type DatasetSummaryOptions,
  generateArchiveSummaries,
  generateArchiveTotals,
  generateDandisetSummaries,
  generateDandisetTotals,
  generateSummaries,
  generateTotals,
  type StepWritten,
  type SummaryOptions,
  type SummaryResult,
} from "./lib/summaries/generate_summaries.ts";
export type { FoldReport } from "./lib/store/request_folds.ts";
export {
  generateReport,
  type GenerateReportOptions,
  type ReportResult,
} from "./lib/report/generate_report.ts";
export {
  type PublishOptions,
  type PublishResult,
  publishSummaries,
} from "./lib/summaries/publish.ts";

// The reference's formats: its per-object tree out, its caches in.
export {
  exportExtraction,
  type ExportExtractionOptions,
  type ExportResult,
} from "./lib/reference/export_extraction.ts";
export {
  importReferenceCache,
  type ImportReferenceOptions,
  type ImportResult,
} from "./lib/reference/reference_import.ts";

// Looking without writing.
export {
  type CacheStatus,
  cacheStatus,
  type InventoryCompletion,
  type LabelKind,
} from "./lib/cli/cache_status.ts";
export {
  type ProblemCount,
  type ProblemKind,
  validateLogs,
  type ValidateLogsOptions,
  type ValidationReport,
} from "./lib/extract/log_validation.ts";

// What the steps take: the cache's keys, the DANDI mapping, privacy rounding.
export {
  type CacheSecrets,
  deriveCacheSecrets,
  type DeriveKeyOptions,
} from "./lib/crypto/cache_secrets.ts";
export {
  type ContentMapping,
  loadContentMapping,
  type LoadMappingOptions,
} from "./lib/summaries/content_mapping.ts";
export type { PrivacyOptions } from "./lib/summaries/privacy_rounding.ts";

// What they throw.
export { OperatorError, StoppedError, UsageError } from "./lib/errors.ts";

// Types the options and results above are made of.
export type { Environment } from "./lib/env.ts";
export type { IpMatch } from "./lib/extract/excluded_ips.ts";
export type { Piece, PlanLimits, PlannedFile, TaskPiece } from "./lib/extract/extraction_plan.ts";
export type { DiscoveredEntry, FoundLogFile } from "./lib/extract/log_discovery.ts";
export type { Fernet, FernetEncryptOptions } from "./lib/crypto/fernet.ts";
export type { IpTableCheck } from "./lib/store/ip_table_check.ts";
export type { IpinfoClientOptions } from "./lib/regions/ipinfo_client.ts";
export type { ExtractionMode, MalformedReason } from "./lib/extract/line_parser.ts";
export type { OperationShares } from "./lib/store/operation_blocks.ts";
export type { RunOutcome, RunRecord } from "./lib/store/run_history.ts";
export type { LockHolder } from "./lib/store/run_lock.ts";
export type { LogSource } from "./lib/extract/log_source.ts";
export type { UnrecordedPolicy } from "./lib/extract/switchover_guard.ts";
