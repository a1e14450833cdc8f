/**
 * Shared helpers of the end-to-end and conformance tests: temporary folders, spawning the CLI
 * with the permissions of its task, running the log generator, reading trees of files.
 *
 * @module
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sampleRangeUrls } from "../lib/cli/daily_setup.ts";
import { DatabaseSync } from "node:sqlite";
import type { CacheSecrets } from "../lib/crypto/cache_secrets.ts";
import { textOfMaybeGzip } from "../lib/gzip.ts";
import { readIpTable } from "../lib/store/ip_table.ts";
import { openCacheDatabase } from "../lib/store/cache_database.ts";
import { exportExtraction } from "../lib/reference/export_extraction.ts";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../", import.meta.url)).replace(/\/$/, "");
/** The shared folder beside the repository (reference fixtures, generator), if present. */
export const SHARED: string = join(ROOT, "..", "shared");
/** The reference's golden fixtures (in `../shared`). */
export const REFERENCE: string = join(SHARED, "fixtures", "reference");
/** A password that passes the strength rules. */
export const TEST_PASSWORD = "test-only: 6f1c0b9e-8d2a-4c7e-b1f3-2a9d5e7c4b10";

/** Whether a path exists. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Copies the files below `from` to the same paths below `to`. */
export async function copyTree(from: string, to: string): Promise<void> {
  for (const [path, bytes] of await readTree(from)) {
    await Deno.mkdir(join(to, path, ".."), { recursive: true });
    await Deno.writeFile(join(to, path), bytes);
  }
}

/** Runs `fn` with a fresh temporary folder, removed afterwards. */
export async function withTmpDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "s3le-test-" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Runs `fn` on a new cache database in a fresh temporary folder, closed and removed after. */
export async function withCacheDatabase<T>(fn: (db: DatabaseSync) => Promise<T>): Promise<T> {
  return await withTmpDir(async (dir) => {
    const db = openCacheDatabase(dir);
    try {
      return await fn(db);
    } finally {
      db.close();
    }
  });
}

/** A small deterministic generator of numbers in [0, 1) (xorshift32). */
export function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/** The permission flags of the CLI's tasks (least privilege, not -A). */
export const CLI_PERMISSIONS = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-sys=hostname",
];

/** Output of a CLI run. */
export interface CliResult {
  /** Exit code. */
  code: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

function denoDir(): Record<string, string> {
  const explicit = Deno.env.get("DENO_DIR");
  const home = Deno.env.get("HOME");
  if (explicit) return { DENO_DIR: explicit };
  return home
    ? { DENO_DIR: join(Deno.env.get("XDG_CACHE_HOME") || join(home, ".cache"), "deno") }
    : {};
}

/** Environment for a CLI run: no user settings, a test password, a private HOME. */
export function cliEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_CACHE_HOME: join(home, ".cache"),
    S3_LOG_EXTRACTION_PASSWORD: TEST_PASSWORD,
    NO_COLOR: "1",
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    // Deno's own cache, so that processes the tests start do not compile everything again.
    ...denoDir(),
    ...extra,
  };
}

/** How to run the CLI: its environment, folder, and permissions beyond the tasks' ones. */
export interface CliOptions {
  /** The whole environment. */
  env: Record<string, string>;
  /** Working folder (default the repository). */
  cwd?: string;
  /** Extra permission flags (e.g. `--allow-net=127.0.0.1` for the mock services). */
  permissions?: string[];
}

/**
 * `program <args>` in `cwd` (default the repository), with exactly `env` (default: this
 * process's environment), output piped.
 */
export function programCommand(
  program: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string },
): Deno.Command {
  return new Deno.Command(program, {
    args,
    env: options.env,
    clearEnv: options.env !== undefined,
    cwd: options.cwd ?? ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
}

/** Runs `program <args>` to completion (see {@linkcode programCommand}). */
export async function runProgram(
  program: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string },
): Promise<CliResult> {
  const output = await programCommand(program, args, options).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Runs `deno <args>` to completion. */
export async function runDeno(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string },
): Promise<CliResult> {
  return await runProgram(Deno.execPath(), args, options);
}

/** The `deno run` command line of the CLI. */
export function cliCommand(args: string[], options: CliOptions): Deno.Command {
  const permissions = [...CLI_PERMISSIONS, ...(options.permissions ?? [])];
  return programCommand(
    Deno.execPath(),
    ["run", ...permissions, join(ROOT, "cli.ts"), ...args],
    options,
  );
}

/**
 * Runs the CLI exactly as `deno task <task>` does (the task's own permission flags from
 * deno.json, `cli.ts` made absolute), in `options.cwd`, to completion.
 */
export async function runTask(
  task: string,
  args: string[],
  options: Omit<CliOptions, "permissions">,
): Promise<CliResult> {
  return await runDeno([...await taskArgs(task), ...args], options);
}

/** The arguments of `deno` in a `deno run` task of deno.json, with `cli.ts` made absolute. */
export async function taskArgs(task: string): Promise<string[]> {
  const config = JSON.parse(await Deno.readTextFile(join(ROOT, "deno.json")));
  const words = (config.tasks[task].command as string).split(" ");
  if (words[0] !== "deno" || words[1] !== "run") throw new Error(`${task} is not a deno run task`);
  return words.slice(1).map((word) => word === "cli.ts" ? join(ROOT, "cli.ts") : word);
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  const permissions = [...CLI_PERMISSIONS, ...(options.permissions ?? [])];
  return await runDeno(["run", ...permissions, join(ROOT, "cli.ts"), ...args], options);
}

/** Path of the log generator, or undefined without `../shared`. */
export const GENERATOR: string | undefined = exists(join(SHARED, "tools", "gen_s3_logs.py"))
  ? join(SHARED, "tools", "gen_s3_logs.py")
  : undefined;

/** Ground truth of one object, as the generator writes it. */
export interface TruthObject {
  /** Kept requests. */
  requests: number;
  /** Sum of bytes sent. */
  bytes_sent: number;
  /** Requests with status 200. */
  downloads_200: number;
  /** Distinct client IPs. */
  unique_ips: number;
}

/** Runs the generator with `args` (plus `--quiet`). */
export async function generateLogs(args: string[]): Promise<void> {
  if (GENERATOR === undefined) throw new Error("the log generator is not available");
  const output = await new Deno.Command("python3", {
    args: [GENERATOR, ...args, "--quiet"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
}

/** Every file below `root` as relative path → bytes. */
export async function readTree(root: string): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  const walk = async (dir: string, prefix: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory) await walk(join(dir, entry.name), path);
      else files.set(path, await Deno.readFile(join(dir, entry.name)));
    }
  };
  await walk(root, "");
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The reference's per-object tree of a cache, IPs in plain text, exported into `target` (which
 * must not exist yet) and read back as relative path → text.
 */
export async function exportedTree(
  cacheDirectory: string,
  secrets: CacheSecrets,
  target: string,
): Promise<Map<string, string>> {
  await exportExtraction({ cacheDirectory, targetDirectory: target, secrets, plaintextIps: true });
  const decoder = new TextDecoder();
  return new Map([...await readTree(target)].map(([path, bytes]) => [path, decoder.decode(bytes)]));
}

/** Every client IP in the log files below `root` (field 5 of each line). */
export async function ipsInLogs(root: string): Promise<Set<string>> {
  const ips = new Set<string>();
  for (const [, bytes] of await readTree(root)) {
    for (const line of (await textOfMaybeGzip(bytes)).split("\n")) {
      const match = /^\S+ \S+ \[[^\]]*\] (\S+)/.exec(line);
      if (match && match[1] !== "-" && match[1].length > 3) ips.add(match[1]);
    }
  }
  return ips;
}

/** Copies the bundled sample `copies` times into `logs` (120 log files per copy). */
export async function copySample(logs: string, copies: number): Promise<void> {
  const sample = join(ROOT, "fixtures", "sample_logs");
  for (let i = 0; i < copies; i++) {
    for (const [path, bytes] of await readTree(sample)) {
      const target = join(logs, `copy${i}`, path);
      await Deno.mkdir(join(target, ".."), { recursive: true });
      await Deno.writeFile(target, bytes);
    }
  }
}

/** Range sources pointed at the sample's made-up files: daily on real logs stays offline. */
export function offlineRangeEnv(): Record<string, string> {
  return sampleRangeUrls();
}

/** Environment variables pointing every range source and ipinfo at a mock server at `base`. */
export function mockServiceEnv(base: string): Record<string, string> {
  return {
    GITHUB_META_URL: `${base}/github`,
    AWS_IP_RANGES_URL: `${base}/aws`,
    GCP_IP_RANGES_URL: `${base}/gcp`,
    VPN_RANGES_URL: `${base}/vpn`,
    IPINFO_API_URL: base,
  };
}

/**
 * A mock on 127.0.0.1 serving empty range files and answering ipinfo's `/batch` with
 * `answer(ips)`; `env` points the tool at it (with an ipinfo token).
 */
export function mockIpinfo(
  answer: (ips: string[]) => Response | Promise<Response>,
): { server: Deno.HttpServer<Deno.NetAddr>; env: Record<string, string> } {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = new URL(request.url).pathname;
    if (path !== "/batch") return new Response(path === "/vpn" ? "" : "{}");
    return await answer(await request.json() as string[]);
  });
  const env = {
    ...mockServiceEnv(`http://127.0.0.1:${server.addr.port}`),
    IPINFO_API_KEY: "token",
  };
  return { server, env };
}

/** IP → region label of a cache, read through its own (encrypted) IP table. */
export async function labelsByIp(
  cache: string,
  secrets: CacheSecrets,
): Promise<Record<string, string>> {
  const db = new DatabaseSync(join(cache, "cache.sqlite"), { readOnly: true });
  try {
    const ips = await readIpTable(db, secrets);
    const rows = db.prepare("SELECT ip_index, label FROM ip_regions").all() as {
      ip_index: number;
      label: string;
    }[];
    return Object.fromEntries(rows.map((r) => [ips.get(r.ip_index)!, r.label]).sort());
  } finally {
    db.close();
  }
}

/** A local copy of an S3 Inventory of `keys` in bucket `logs` (keys URL-encoded, as S3 does). */
export async function writeInventory(root: string, objects: [string, number][]): Promise<void> {
  const manifest = join(root, "2026-05-03T01-00Z");
  await Deno.mkdir(manifest, { recursive: true });
  await Deno.writeTextFile(
    join(manifest, "manifest.json"),
    JSON.stringify({
      sourceBucket: "logs",
      fileSchema: "Bucket, Key, Size, LastModifiedDate",
    }),
  );
  const encode = (key: string) =>
    encodeURIComponent(key).replaceAll("%2F", "/").replaceAll("%20", "+");
  const half = Math.ceil(objects.length / 2);
  const symlinks: string[] = [];
  await Deno.mkdir(join(root, "data"));
  for (const [i, part] of [objects.slice(0, half), objects.slice(half)].entries()) {
    const csv = part.map(([key, size]) =>
      `"logs","${encode(key)}","${size}","2026-05-02T10:00:00.000Z"\n`
    ).join("");
    const gz = new Response(new Blob([csv]).stream().pipeThrough(new CompressionStream("gzip")));
    await Deno.writeFile(
      join(root, "data", `part-${i}.csv.gz`),
      new Uint8Array(await gz.arrayBuffer()),
    );
    symlinks.push(`s3://inventory-bucket/logs/inventory/data/part-${i}.csv.gz`);
  }
  for (const dt of ["2026-05-02-01-00", "2026-05-03-01-00"]) {
    await Deno.mkdir(join(root, "hive", `dt=${dt}`), { recursive: true });
    // The older partition names nothing that exists: only the latest one may be read.
    await Deno.writeTextFile(
      join(root, "hive", `dt=${dt}`, "symlink.txt"),
      dt.startsWith("2026-05-03") ? symlinks.join("\n") + "\n" : "s3://x/data/gone.csv.gz\n",
    );
  }
}
