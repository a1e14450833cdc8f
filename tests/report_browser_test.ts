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
