import assert from "node:assert/strict";
import { loadContentMapping } from "./content_mapping.ts";
import { OperatorError } from "../errors.ts";

const MAPPING = { abc: { "000026": "sub-1/x.nwb" } };

async function gzipped(text: string): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

Deno.test("a mapping URL is fetched once a day, and a kept copy serves when it is down", async () => {
  const state = { up: true, requests: 0, body: await gzipped(JSON.stringify(MAPPING)) };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    state.requests++;
    return state.up ? new Response(state.body) : new Response("down", { status: 503 });
  });
  const cacheDirectory = await Deno.makeTempDir();
  const source = `http://127.0.0.1:${server.addr.port}/mapping.json.gz`;
  const warnings: string[] = [];
  const load = (now: Date) =>
    loadContentMapping({ source, cacheDirectory, now, warn: (w) => warnings.push(w) });
  try {
    const day = new Date("2026-05-01T03:00:00Z");
    assert.deepStrictEqual(await load(day), MAPPING);
    assert.deepStrictEqual(await load(new Date("2026-05-01T23:00:00Z")), MAPPING);
    assert.equal(state.requests, 1);
    state.up = false;
    assert.deepStrictEqual(await load(new Date("2026-05-03T03:00:00Z")), MAPPING);
    assert.deepStrictEqual(warnings, [
      `warning: cannot fetch the content-id mapping ${source} (HTTP 503); using the copy ` +
      "from 2026-05-01.",
    ]);
    // With no copy at all, the step cannot go on: the error says what to do.
    await Deno.remove(`${cacheDirectory}/dandi`, { recursive: true });
    await assert.rejects(
      load(new Date("2026-05-04T03:00:00Z")),
      (error: Error) =>
        error instanceof OperatorError &&
        error.message.startsWith(`Cannot read the content-id mapping ${source}: HTTP 503.`),
    );
  } finally {
    await server.shutdown();
    await Deno.remove(cacheDirectory, { recursive: true });
  }
});

Deno.test("the dated copies of earlier versions are adopted: the newest serves, the rest go", async () => {
  const cacheDirectory = await Deno.makeTempDir();
  const folder = `${cacheDirectory}/dandi`;
  await Deno.mkdir(folder);
  await Deno.writeTextFile(`${folder}/content_mapping_2026-04-01.json`, '{"old": {}}');
  await Deno.writeTextFile(`${folder}/content_mapping_2026-04-02.json`, JSON.stringify(MAPPING));
  const warnings: string[] = [];
  try {
    const mapping = await loadContentMapping({
      source: "http://127.0.0.1:1/unreachable.json",
      cacheDirectory,
      now: new Date("2026-04-02T20:00:00Z"),
      warn: (w) => warnings.push(w),
    });
    // Fetched on the 2nd (by its name): still fresh, the source is not asked.
    assert.deepStrictEqual([mapping, warnings], [MAPPING, []]);
    const names = (await Array.fromAsync(Deno.readDir(folder))).map((e) => e.name);
    assert.deepStrictEqual(names, ["content_mapping.json"]);
  } finally {
    await Deno.remove(cacheDirectory, { recursive: true });
  }
});
