/**
 * The report as a person sees it: `deno task daily` on the bundled sample, then headless
 * Chromium (Debian's `chromium`, which `.ci/run` installs) renders the page, saves a screenshot
 * and the DOM it built. Skipped, with a message, where Chromium is not installed.
 */

import { join } from "node:path";
import assert from "node:assert/strict";
import { cliEnv, runTask, withTmpDir } from "./_helpers.ts";

const CHROMIUM = ["chromium", "chromium-browser", "google-chrome"].find((name) => {
  try {
    return new Deno.Command(name, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
});
if (CHROMIUM === undefined) {
  // deno-lint-ignore no-console
  console.warn("report browser test skipped: no chromium (apt-get install chromium)");
}

/**
 * Runs headless Chromium offline: every host name resolves to nothing (no traffic leaves the
 * machine) and its network log is written to `netLog`.
 */
async function chromium(
  args: string[],
  profile: string,
  netLog: string,
): Promise<{ stdout: string; requested: string[] }> {
  const output = await new Deno.Command(CHROMIUM!, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--host-resolver-rules=MAP * ~NOTFOUND",
      `--user-data-dir=${profile}`,
      `--log-net-log=${netLog}`,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(120_000),
  }).output();
  return {
    stdout: new TextDecoder().decode(output.stdout),
    requested: await requestedUrls(netLog),
  };
}

/** Chromium's own background requests (update checks, sign-in), which the page does not make. */
const BROWSER_HOSTS = /^https?:\/\/([a-z0-9-]+\.)*(google\.com|googleapis\.com|gvt1\.com)\//;

/** The URLs the page asked the network for, from Chromium's network log. */
async function requestedUrls(netLog: string): Promise<string[]> {
  const log = JSON.parse(await Deno.readTextFile(netLog));
  const start = log.constants.logEventTypes.URL_REQUEST_START_JOB;
  return (log.events as { type: number; params?: { url?: string } }[])
    .filter((event) => event.type === start && event.params?.url)
    .map((event) => event.params!.url!)
    .filter((url) => !BROWSER_HOSTS.test(url));
}

/** What the probe measures on the laid-out page. */
interface Metrics {
  charts: number;
  maps: number;
  smallCharts: number;
  smallestText: number;
  titlesNotAboveTheirChart: string[];
  overlappingAxisLabels: string[];
  chartRanges: string[];
  pageWidth: number;
}

/**
 * Lays the report out at `width` CSS pixels in Chromium and returns what a probe measured: the
 * smallest text drawn (SVG text in screen pixels), whether every small chart's title sits
 * between the chart above and its own chart, overlapping labels of a time axis, the first and
 * last dates of the small charts, the page's width. The page goes into an `iframe` of that
 * width (headless Chromium's window is never narrower than 500 pixels), with the probe in the
 * frame around it: the report itself has no script.
 */
async function measuredLayout(page: string, width: number, profile: string, netLog: string) {
  const html = await Deno.readTextFile(page);
  const probe = `<!DOCTYPE html><meta charset="utf-8"><body style="margin:0">
<iframe id="frame" style="border:0;width:${width}px;height:4000px" srcdoc="${
    html.replaceAll("&", "&amp;").replaceAll('"', "&quot;")
  }"></iframe>
<script>
frame.addEventListener("load", () => {
  const doc = frame.contentDocument;
  const win = frame.contentWindow;
  const style = (e) => win.getComputedStyle(e);
  const visible = (e) => style(e).display !== "none" && e.getClientRects().length > 0;
  let smallest = Infinity;
  for (const svg of doc.querySelectorAll("svg")) {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const text of svg.querySelectorAll("text")) {
      if (visible(text)) smallest = Math.min(smallest, parseFloat(style(text).fontSize) * scale);
    }
  }
  for (const e of doc.querySelectorAll("p, td, th, caption, figcaption, h3, small, .card")) {
    if (visible(e) && e.textContent.trim()) smallest = Math.min(smallest, parseFloat(style(e).fontSize));
  }
  const figures = [...doc.querySelectorAll("figure.small-chart")];
  const wrong = [];
  figures.forEach((figure, i) => {
    const title = figure.querySelector("h3").getBoundingClientRect();
    const chart = figure.querySelector("svg").getBoundingClientRect();
    const above = i === 0 ? -Infinity : figures[i - 1].querySelector("svg").getBoundingClientRect().bottom;
    if (!(title.top >= above && title.bottom <= chart.top)) wrong.push(figure.querySelector("h3").textContent);
  });
  const overlapping = [];
  for (const svg of doc.querySelectorAll("svg.chart")) {
    const labels = [...svg.querySelectorAll("text.axis")].filter(visible)
      .filter((t) => /^\\d{4}-\\d\\d/.test(t.textContent)).map((t) => t.getBoundingClientRect());
    labels.forEach((a, i) => labels.slice(i + 1).forEach((b) => {
      if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) overlapping.push(svg.getAttribute("aria-labelledby"));
    }));
  }
  const ranges = new Set(figures.map((f) => f.querySelector("desc")?.textContent.match(/from (\\S+) to (\\S+?):/)?.slice(1).join(" to ")));
  const out = document.createElement("pre");
  out.id = "metrics";
  out.textContent = JSON.stringify({ charts: doc.querySelectorAll("svg.chart").length,
    maps: doc.querySelectorAll("svg.map").length, smallCharts: figures.length, smallestText: smallest,
    titlesNotAboveTheirChart: wrong, overlappingAxisLabels: [...new Set(overlapping)],
    chartRanges: [...ranges], pageWidth: doc.documentElement.scrollWidth });
  document.body.append(out);
});
</script>`;
  const probed = page.replace(/\.html$/, `.probed-${width}.html`);
  await Deno.writeTextFile(probed, probe);
  const { stdout, requested } = await chromium(
    [`--window-size=${Math.max(width, 500) + 100},2000`, "--dump-dom", `file://${probed}`],
    profile,
    netLog,
  );
  const json = stdout.match(/<pre id="metrics">([^<]*)<\/pre>/)?.[1];
  assert(json !== undefined, "the probe ran");
  const text = json.replaceAll("&quot;", '"').replaceAll("&amp;", "&");
  return { metrics: JSON.parse(text) as Metrics, requested };
}

Deno.test({
  name: "Chromium renders the sample's report: charts and map drawn, nothing fails to load",
  ignore: CHROMIUM === undefined,
  fn: async () => {
    await withTmpDir(async (home) => {
      const env = cliEnv(home, { S3_LOG_EXTRACTION_PASSWORD: "" });
      const daily = await runTask("daily", [], { env, cwd: home });
      assert.deepStrictEqual(daily.code, 0, daily.stderr);
      const page = join(home, ".sample-cache", "report", "index.html");
      assert.match(daily.stdout, new RegExp(`report: ${page.replaceAll(".", "\\.")}`));
      const url = `file://${page}`;
      const screenshot = join(home, "report.png");
      const profile = join(home, "chromium");
      const shot = await chromium(
        ["--window-size=1000,1400", `--screenshot=${screenshot}`, url],
        profile,
        join(home, "net.json"),
      );
      assert.deepStrictEqual(shot.requested, [], "the page requests nothing");
      const png = await Deno.readFile(screenshot);
      assert.deepStrictEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
      const view = new DataView(png.buffer);
      assert.deepStrictEqual([view.getUint32(16), view.getUint32(20)], [1000, 1400], "its size");
      assert(png.length > 50_000, `a real picture, not a blank page (${png.length} bytes)`);
      const dom = (await chromium(["--dump-dom", url], profile, join(home, "net2.json"))).stdout;
      const count = (pattern: RegExp) => dom.match(pattern)?.length ?? 0;
      assert(count(/<svg class="chart"/g) >= 2, "the archive's chart and the datasets'");
      assert(count(/<rect class="bar"/g) > 20, "bars in the charts");
      assert.deepStrictEqual(count(/<svg class="map"/g), 1);
      assert(count(/<circle class="place"/g) >= 10, "places on the map");
      assert(count(/<rect class="cloud"/g) >= 1, "a cloud region on the map");
      assert((dom.match(/<path class="land" d="([^"]*)"/)?.[1].length ?? 0) > 10_000, "land");
      assert.deepStrictEqual(count(/<svg class="spark"/g), 64, "a line for every dataset");
      assert.match(dom, /Sample data\.<\/strong>.*made-up geolocation/s);
      // The activity sections: streaming by dataset, uploads and failures over time, and a
      // chart per kind of client (the sample has all six kinds).
      for (
        const section of [
          "Streamed or downloaded whole",
          "Uploads over time",
          "Failed requests",
          "Kinds of clients over time",
        ]
      ) assert(dom.includes(`<h2>${section}</h2>`), section);
      assert(dom.includes('aria-labelledby="uploads-title uploads-desc"'), "the uploads' chart");
      assert.deepStrictEqual(count(/aria-labelledby="kind-\d+-title/g), 6, "a chart per kind");
      assert(
        count(/<td>(streamed|downloaded whole)<\/td>/g) >= 1,
        "a dataset told streamed or not",
      );
      // Laid out at a desktop's and a phone's width: measured by a probe in a copy of the page
      // (the page itself has no script).
      for (const width of [1000, 400]) {
        const layout = await measuredLayout(page, width, profile, join(home, `net-${width}.json`));
        assert.deepStrictEqual(layout.requested, [], "the probed page requests nothing either");
        const m = layout.metrics;
        assert(m.smallCharts >= 5, `the datasets' charts (${m.smallCharts})`);
        assert(m.smallestText >= 11, `text at ${width} px is ${m.smallestText.toFixed(1)} px`);
        assert.deepStrictEqual(m.titlesNotAboveTheirChart, [], `at ${width} px`);
        assert.deepStrictEqual(m.overlappingAxisLabels, [], `at ${width} px`);
        assert.deepStrictEqual(m.chartRanges.length, 1, "one time axis for the small charts");
        assert(m.pageWidth <= width, `no sideways scrolling of the page at ${width} px`);
        // The largest dataset's page, which the overview links to first.
        const first = dom.match(/<a href="(datasets\/[^"]+\.html)">/)?.[1];
        assert(first !== undefined, "the overview links to the datasets' pages");
        const datasetPage = join(home, ".sample-cache", "report", decodeURIComponent(first));
        const own = await measuredLayout(
          datasetPage,
          width,
          profile,
          join(home, `ds-${width}.json`),
        );
        assert.deepStrictEqual(own.requested, [], "a dataset's page requests nothing");
        assert(own.metrics.smallestText >= 11, `dataset page text at ${width} px`);
        assert.deepStrictEqual(
          own.metrics.overlappingAxisLabels,
          [],
          `dataset page at ${width} px`,
        );
        assert(
          own.metrics.pageWidth <= width,
          `dataset page, no sideways scrolling at ${width} px`,
        );
        // Its bytes, and its requests and downloads unless every day of theirs is published as
        // under the privacy minimum (the page then says so); the map is the overview's.
        const ownDom = await Deno.readTextFile(datasetPage);
        assert(ownDom.includes("<h2>How it is used</h2>"), "its delivery, operations and clients");
        const hiddenCounts = (ownDom.match(/every day is published as under the privacy minimum/g)
          ?.length) ?? 0;
        assert.deepStrictEqual([own.metrics.charts, own.metrics.maps], [3 - hiddenCounts, 0]);
        // The pages of the last 12 months and 30 days, which the overview switches to.
        for (const file of ["last_12_months.html", "last_30_days.html"]) {
          assert(dom.includes(`<a href="${file}">`), `the overview links to ${file}`);
          const period = await measuredLayout(
            join(home, ".sample-cache", "report", file),
            width,
            profile,
            join(home, `${file}-${width}.json`),
          );
          assert.deepStrictEqual(period.requested, [], `${file} requests nothing`);
          assert(period.metrics.smallestText >= 11, `${file} text at ${width} px`);
          assert.deepStrictEqual(
            period.metrics.overlappingAxisLabels,
            [],
            `${file} at ${width} px`,
          );
          assert(
            period.metrics.pageWidth <= width,
            `${file}: no sideways scrolling at ${width} px`,
          );
          assert.deepStrictEqual(period.metrics.charts, 1, `${file}: its chart is drawn`);
        }
      }
      // Positive control: a page that does load something shows up in the log.
      const bad = join(home, "bad.html");
      await Deno.writeTextFile(bad, '<img src="http://127.0.0.1:9/missing.png" alt="">');
      const control = await chromium(
        [`--screenshot=${join(home, "bad.png")}`, `file://${bad}`],
        profile,
        join(home, "net3.json"),
      );
      assert.deepStrictEqual(control.requested, ["http://127.0.0.1:9/missing.png"]);
    });
  },
});
