/**
 * What a log line can hold: S3's era and its largest object. Extraction quarantines values
 * outside these bounds, and a cache upgrade sets aside what older versions stored beyond them.
 *
 * @module
 */

/** The first second S3 could have logged (2006-01-01T00:00:00Z). */
export const EARLIEST_LOG_TIME: number = Date.UTC(2006, 0, 1) / 1000;
/** How far in the future a log's clock may be (a week, in seconds). */
export const FUTURE_MARGIN: number = 7 * 86_400;
/** S3's largest object, in bytes (5 TiB): no request sends more. */
export const MAX_BYTES_SENT: number = 5 * 1024 ** 4;
