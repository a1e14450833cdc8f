/**
 * `deno task compare <commit> [--logs DIR] [--rounds N] [--workers N]`: `extract_logs` of this
 * working tree against another commit, end to end, in paired rounds. This shared machine's speed
 * moves by ±10 % from minute to minute, and by two times between hours, so one run of each says
 * little: each round runs both versions back to back (in alternating order) on the same logs,
 * and the figure to read is the median over the rounds of the ratio of a round's two runs.
 *
 * The other commit is checked out in a temporary git worktree (removed at the end); the logs
 * default to the bench's 1 GiB file (`deno task bench` generates it). Prints each round and the
 * medians of wall time, CPU time (with GNU time) and their ratios.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { quantile } from "../lib/summaries/activity_data.ts";
import { cliArgs, log, runEnv, timedRun } from "./_timed_run.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const USAGE = "usage: deno task compare <commit> [--logs DIR] [--rounds N] [--workers N]";

function fail(message: string, code: number): never {
  log(message);
  Deno.exit(code);
}

/** The median of `values` (interpolated between the middle two), as the summaries compute it. */
function median(values: number[]): number {
  return quantile(Float64Array.from(values).sort(), 0.5);
}

async function git(...args: string[]): Promise<string> {
  const output = await new Deno.Command("git", { args, cwd: ROOT, stderr: "piped" }).output();
  if (!output.success) {
    fail(`git ${args.join(" ")} failed: ${new TextDecoder().decode(output.stderr).trim()}`, 1);
  }
  return new TextDecoder().decode(output.stdout).trim();
}

/** One end-to-end extraction of `logs` by the tree at `root`, into a new cache. */
async function extract(root: string, logs: string, workers: string[]) {
  const cache = await Deno.makeTempDir({ prefix: "s3le-compare-" });
  try {
    return await timedRun(
      Deno.execPath(),
      cliArgs(root, "extract_logs", logs, "--cache", cache, "--json", ...workers),
      runEnv(cache),
    );
  } finally {
    await Deno.remove(cache, { recursive: true });
  }
}

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: {
    logs: { type: "string", default: join(ROOT, ".bench-data", "full", "big") },
    rounds: { type: "string", default: "10" },
    workers: { type: "string" },
  },
  allowPositionals: true,
});
const rounds = Number(values.rounds);
if (positionals.length !== 1 || !Number.isInteger(rounds) || rounds < 1) fail(USAGE, 2);
if (!await Deno.stat(values.logs).then(() => true, () => false)) {
  fail(`No logs at ${values.logs}: run deno task bench once, or give --logs DIR.`, 1);
}
const commit = await git("rev-parse", "--verify", `${positionals[0]}^{commit}`);
const other = await Deno.makeTempDir({ prefix: "s3le-compare-tree-" });
await git("worktree", "add", "--detach", other, commit);
try {
  const workers = values.workers === undefined ? [] : ["--workers", values.workers];
  const trees = [{ name: commit.slice(0, 10), root: other }, { name: "this tree", root: ROOT }];
  log(`warming up both versions on ${values.logs} …`);
  for (const tree of trees) await extract(tree.root, values.logs, workers);
  const wall: number[][] = [[], []];
  const cpu: number[][] = [[], []];
  for (let round = 0; round < rounds; round++) {
    for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
      const run = await extract(trees[i].root, values.logs, workers);
      wall[i].push(run.seconds);
      cpu[i].push(run.cpuSeconds ?? NaN);
    }
    log(
      `round ${round + 1}: ${trees[0].name} ${wall[0][round].toFixed(2)} s, this tree ` +
        `${wall[1][round].toFixed(2)} s`,
    );
  }
  const ratios = (columns: number[][]) => columns[1].map((value, r) => value / columns[0][r]);
  const percent = (ratio: number) => {
    const change = Math.round((ratio - 1) * 1000) / 10;
    return `${change > 0 ? "+" : change < 0 ? "−" : "±"}${Math.abs(change).toFixed(1)} %`;
  };
  const lines = [
    `extract_logs ${values.logs}${workers.length ? ` ${workers.join(" ")}` : ""}, ${rounds} rounds`,
    `  ${trees[0].name}: wall median ${median(wall[0]).toFixed(2)} s, CPU median ` +
    `${median(cpu[0]).toFixed(2)} s`,
    `  this tree: wall median ${median(wall[1]).toFixed(2)} s, CPU median ` +
    `${median(cpu[1]).toFixed(2)} s`,
    `  this tree against ${trees[0].name}, median of the rounds' ratios: wall ` +
    `${percent(median(ratios(wall)))}, CPU ${percent(median(ratios(cpu)))}`,
  ];
  Deno.stdout.writeSync(new TextEncoder().encode(lines.join("\n") + "\n"));
} finally {
  await git("worktree", "remove", "--force", other);
}
