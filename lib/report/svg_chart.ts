/**
 * Charts of bytes sent over time as inline SVG: bars per day, week or month (by the length of
 * the range), round axes in KB…PB, and a title and text description for screen readers.
 *
 * @module
 */

import { axisTicks, formatBytes, formatCount } from "./byte_units.ts";
import { escapeHtml } from "./html_text.ts";

/** Bytes sent on a day. */
export interface DayBytes {
  /** `YYYY-MM-DD`. */
  key: string;
  /** Bytes sent that day. */
  bytes: number;
}

/** How days are grouped into bars. */
export type Period = "day" | "week" | "month";

const DAY = 86_400_000;

/**
 * The bar period for a range of `days` days: days up to three months, weeks up to two years,
 * months beyond.
 *
 * @example Usage
 * ```ts
 * import { periodFor } from "./svg_chart.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual([periodFor(90), periodFor(365), periodFor(1000)], ["day", "week", "month"]);
 * ```
 */
export function periodFor(days: number): Period {
  return days <= 92 ? "day" : days <= 731 ? "week" : "month";
}

/** The Monday of each day's week, by day: a report reads the same days many times. */
const WEEK_STARTS = new Map<string, string>();

function weekStart(key: string): string {
  let start = WEEK_STARTS.get(key);
  if (start === undefined) {
    const date = new Date(key + "T00:00:00Z");
    date.setTime(date.getTime() - ((date.getUTCDay() + 6) % 7) * DAY);
    start = date.toISOString().slice(0, 10);
    // Days of a few centuries at most; bounded all the same.
    if (WEEK_STARTS.size > 100_000) WEEK_STARTS.clear();
    WEEK_STARTS.set(key, start);
  }
  return start;
}

/**
 * Sums `days` into consecutive bars of `period` from `first` to `last` (`YYYY-MM-DD`), empty
 * bars included; weeks start on Monday.
 *
 * @example Usage
 * ```ts
 * import { binBytes } from "./svg_chart.ts";
 * import assert from "node:assert/strict";
 *
 * const days = [{ key: "2024-01-01", bytes: 5 }, { key: "2024-01-09", bytes: 7 }];
 * assert.deepStrictEqual(binBytes(days, "week", "2024-01-01", "2024-01-09"),
 *   [{ start: "2024-01-01", bytes: 5 }, { start: "2024-01-08", bytes: 7 }]);
 * ```
 */
export function binBytes(
  days: DayBytes[],
  period: Period,
  first: string,
  last: string,
): { start: string; bytes: number }[] {
  const startOf = period === "day"
    ? (key: string) => key
    : period === "month"
    ? (key: string) => `${key.slice(0, 7)}-01`
    : weekStart;
  const { starts, index } = binStarts(period, startOf(first), startOf(last));
  const sums = new Float64Array(starts.length);
  for (const day of days) {
    const at = index.get(startOf(day.key));
    if (at !== undefined) sums[at] += day.bytes;
  }
  return starts.map((start, at) => ({ start, bytes: sums[at] }));
}

/** The last bars asked for: a dataset's three charts, and the overview's, share theirs. */
let lastBins = { key: "", starts: [] as string[], index: new Map<string, number>() };

/** The starts of the bars of `period` from the bar of `first` to the bar of `last`. */
function binStarts(period: Period, first: string, last: string): typeof lastBins {
  const key = `${period} ${first} ${last}`;
  if (lastBins.key === key) return lastBins;
  const starts: string[] = [];
  const end = new Date(last + "T00:00:00Z");
  const d = new Date(first + "T00:00:00Z");
  while (d <= end) {
    starts.push(d.toISOString().slice(0, 10));
    if (period === "month") d.setUTCMonth(d.getUTCMonth() + 1);
    else d.setTime(d.getTime() + (period === "week" ? 7 : 1) * DAY);
  }
  lastBins = { key, starts, index: new Map(starts.map((start, at) => [start, at])) };
  return lastBins;
}

/** Options of {@linkcode timeChart}. */
export interface TimeChartOptions {
  /** A unique id (for the title and description). */
  id: string;
  /** The chart's title. */
  title: string;
  /** The value per day (bytes, or a count: see `unit`). */
  days: DayBytes[];
  /**
   * What the values are: bytes (axes in KB…PB) or a count (requests, downloads).
   *
   * @default {"bytes"}
   */
  unit?: "bytes" | "count";
  /**
   * The first and last day of the x axis (`YYYY-MM-DD`), so that charts drawn side by side
   * share one time axis and one bar period.
   *
   * @default {the first and last of `days`}
   */
  range?: { first: string; last: string };
}

/**
 * The bar period a chart over `[first, last]` (`YYYY-MM-DD`) uses.
 *
 * @example Usage
 * ```ts
 * import { chartPeriod } from "./svg_chart.ts";
 * import assert from "node:assert/strict";
 *
 * assert.deepStrictEqual(chartPeriod("2024-01-01", "2024-12-31"), "week");
 * ```
 */
export function chartPeriod(first: string, last: string): Period {
  return periodFor((Date.parse(last) - Date.parse(first)) / DAY + 1);
}

/**
 * A bar chart of bytes sent (or of a count) over time, as an SVG element. Its text is sized in the SVG's units
 * (13 on a wide screen; the page's CSS enlarges it on a narrow one, where the SVG is drawn
 * smaller, and hides every other date of the axis).
 *
 * @example Usage
 * ```ts
 * import { timeChart } from "./svg_chart.ts";
 * import assert from "node:assert/strict";
 *
 * const svg = timeChart({ id: "archive", title: "Bytes sent per day", days: [
 *   { key: "2024-01-01", bytes: 2_000_000 }, { key: "2024-01-03", bytes: 500_000 }] });
 * assert.deepStrictEqual(svg.match(/<rect class="bar"/g)?.length, 3);
 * assert.deepStrictEqual(svg.includes("2.50 MB in total"), true);
 * ```
 */
export function timeChart(options: TimeChartOptions): string {
  const { id, days } = options;
  const width = 720;
  const height = 240;
  // Room for "999.99 GB" at the enlarged size of a phone's screen.
  const left = 136;
  const bottom = 28;
  const top = 8;
  if (days.length === 0) {
    return `<p class="empty">No bytes were sent in this period.</p>`;
  }
  const keys = days.map((d) => d.key).sort();
  const first = options.range?.first ?? keys[0];
  const last = options.range?.last ?? keys[keys.length - 1];
  const period = chartPeriod(first, last);
  const bins = binBytes(days, period, first, last);
  const format = options.unit === "count" ? formatCount : formatBytes;
  const max = Math.max(...bins.map((b) => b.bytes));
  // Counts keep whole ticks.
  const ticks = axisTicks(options.unit === "count" ? Math.max(max, 4) : max, 4);
  const scaleMax = ticks[ticks.length - 1];
  const plotWidth = width - left - 8;
  const plotHeight = height - top - bottom;
  const band = plotWidth / bins.length;
  const y = (value: number) => top + plotHeight - (value / scaleMax) * plotHeight;
  const parts: string[] = [];
  for (const tick of ticks) {
    parts.push(
      `<line class="grid" x1="${left}" x2="${width - 8}" y1="${y(tick).toFixed(1)}" y2="${
        y(tick).toFixed(1)
      }"/>`,
      `<text class="axis" x="${left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end">${
        format(tick)
      }</text>`,
    );
  }
  bins.forEach((bin, i) => {
    const x = left + i * band;
    const h = top + plotHeight - y(bin.bytes);
    parts.push(
      `<rect class="bar" x="${(x + band * 0.1).toFixed(1)}" y="${y(bin.bytes).toFixed(1)}" ` +
        `width="${Math.max(band * 0.8, 0.5).toFixed(1)}" height="${h.toFixed(1)}">` +
        `<title>${bin.start}: ${format(bin.bytes)}</title></rect>`,
    );
  });
  const labels = Math.min(6, bins.length);
  for (let k = 0; k < labels; k++) {
    const i = labels === 1 ? 0 : Math.round((k * (bins.length - 1)) / (labels - 1));
    const x = left + (i + 0.5) * band;
    const text = period === "month" ? bins[i].start.slice(0, 7) : bins[i].start;
    // The first and last labels keep inside the chart.
    const anchor = labels === 1
      ? "middle"
      : k === 0
      ? "start"
      : k === labels - 1
      ? "end"
      : "middle";
    const at = anchor === "start" ? left : anchor === "end" ? width - 8 : x;
    // A narrow screen (where the text is larger) keeps the first, middle and last dates.
    const kept = k === 0 || k === labels - 1 || k === Math.floor((labels - 1) / 2);
    const narrow = kept ? "" : " wide-only";
    parts.push(
      `<text class="axis${narrow}" x="${at.toFixed(1)}" y="${height - 8}" ` +
        `text-anchor="${anchor}">${text}</text>`,
    );
  }
  const total = days.reduce((sum, d) => sum + d.bytes, 0);
  const peak = bins.reduce((a, b) => (b.bytes > a.bytes ? b : a));
  const description = `Bars per ${period} from ${first} to ${last}: ${
    format(total)
  } in total; the largest ${period} began ${peak.start} with ${format(peak.bytes)}.`;
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" ` +
    `aria-labelledby="${id}-title ${id}-desc" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${id}-title">${escapeHtml(options.title)} (per ${period})</title>` +
    `<desc id="${id}-desc">${description}</desc>` +
    `<line class="axis-line" x1="${left}" x2="${width - 8}" y1="${top + plotHeight}" y2="${
      top + plotHeight
    }"/>` + parts.join("") + `</svg>`;
}

/**
 * A small line of bytes per week over `[first, last]`, for tables.
 *
 * @example Usage
 * ```ts
 * import { sparkline } from "./svg_chart.ts";
 * import assert from "node:assert/strict";
 *
 * const svg = sparkline([{ key: "2024-01-01", bytes: 5 }], "2024-01-01", "2024-01-31", "ds1");
 * assert.deepStrictEqual(svg.startsWith("<svg"), true);
 * ```
 */
export function sparkline(days: DayBytes[], first: string, last: string, name: string): string {
  const period = chartPeriod(first, last);
  const bins = binBytes(days, period, first, last);
  const max = Math.max(1, ...bins.map((b) => b.bytes));
  const step = bins.length > 1 ? 96 / (bins.length - 1) : 0;
  const points = bins.map((b, i) =>
    `${(i * step).toFixed(1)},${(22 - (b.bytes / max) * 20).toFixed(1)}`
  );
  const peak = `peak ${formatBytes(max)} a ${period}`;
  return `<svg class="spark" viewBox="0 0 96 24" role="img" aria-label="${
    escapeHtml(`Bytes sent by ${name} per ${period}, ${first} to ${last}: ${peak}`)
  }" xmlns="http://www.w3.org/2000/svg"><polyline points="${
    points.join(" ")
  }"/></svg><small class="peak">${peak}</small>`;
}
