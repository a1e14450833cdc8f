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
 * Lower-level pieces (the byte-level
 * {@linkcode LogLineParser}, {@linkcode Fernet} tokens compatible with the reference, the
 * settings) are exported for scripts.
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

export * from "./lib/asset_types.ts";
export * from "./lib/atomic_files.ts";
export * from "./lib/aws_credentials.ts";
export * from "./lib/byte_interner.ts";
export * from "./lib/byte_units.ts";
export * from "./lib/cache_database.ts";
export * from "./lib/cache_secrets.ts";
export * from "./lib/cache_status.ts";
export * from "./lib/cache_step.ts";
export * from "./lib/calendar_days.ts";
export * from "./lib/civil_time.ts";
export * from "./lib/config.ts";
export * from "./lib/content_mapping.ts";
export * from "./lib/daily_setup.ts";
export * from "./lib/errors.ts";
export * from "./lib/excluded_ips.ts";
export * from "./lib/export_extraction.ts";
export * from "./lib/extract_logs.ts";
export * from "./lib/extraction_plan.ts";
export * from "./lib/fernet.ts";
export * from "./lib/flat_yaml.ts";
export * from "./lib/generate_report.ts";
export * from "./lib/generate_summaries.ts";
export * from "./lib/geo_database.ts";
export * from "./lib/gzip.ts";
export * from "./lib/html_text.ts";
export * from "./lib/index_ips.ts";
export * from "./lib/ip_address.ts";
export * from "./lib/ip_index.ts";
export * from "./lib/ip_range_table.ts";
export * from "./lib/ip_table_check.ts";
export * from "./lib/ipinfo_client.ts";
export * from "./lib/key_path.ts";
export * from "./lib/known_coordinates.ts";
export * from "./lib/line_parser.ts";
export * from "./lib/log_discovery.ts";
export * from "./lib/log_validation.ts";
export * from "./lib/maxmind_db.ts";
export * from "./lib/password_strength.ts";
export * from "./lib/piece_parser.ts";
export * from "./lib/privacy_rounding.ts";
export * from "./lib/published_coordinates.ts";
export * from "./lib/python_json.ts";
export * from "./lib/python_yaml.ts";
export * from "./lib/reference_import.ts";
export * from "./lib/reference_records.ts";
export * from "./lib/reference_tree.ts";
export * from "./lib/region_labels.ts";
export * from "./lib/report_data.ts";
export * from "./lib/report_html.ts";
export * from "./lib/row_writer.ts";
export * from "./lib/run_history.ts";
export * from "./lib/run_lock.ts";
export * from "./lib/s3_client.ts";
export * from "./lib/s3_inventory.ts";
export * from "./lib/s3_log_source.ts";
export * from "./lib/service_ranges.ts";
export * from "./lib/sha256.ts";
export * from "./lib/sigv4.ts";
export * from "./lib/sort_orders.ts";
export * from "./lib/step_permissions.ts";
export * from "./lib/summary_data.ts";
export * from "./lib/summary_files.ts";
export * from "./lib/svg_chart.ts";
export * from "./lib/svg_map.ts";
export * from "./lib/switchover_guard.ts";
export * from "./lib/tsv.ts";
export * from "./lib/update_region_codes.ts";
export * from "./lib/update_region_coordinates.ts";
export * from "./lib/world_outline.ts";
