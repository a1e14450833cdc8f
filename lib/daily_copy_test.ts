import assert from "node:assert/strict";
import { type DailyCopy, dailyCopy, type DailyCopyOptions } from "./daily_copy.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A server answering with `state.body` and status `state.status`, counting requests. */
function serve(state: { status: number; body: string; requests: number }) {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    state.requests++;
    return new Response(state.body, { status: state.status });
  });
}

async function withSource(
  fn: (
    copy: (extra?: Partial<DailyCopyOptions<string>>) => Promise<DailyCopy<string>>,
    state: { status: number; body: string; requests: number },
    path: string,
  ) => Promise<void>,
): Promise<void> {
  const state = { status: 200, body: "first", requests: 0 };
  const server = serve(state);
  const dir = await Deno.makeTempDir();
  const path = `${dir}/sub/copy.txt`;
  const url = `http://127.0.0.1:${server.addr.port}/x`;
  try {
    await fn(
      (extra = {}) =>
        dailyCopy({
          path,
          url,
          limit: 1000,
          read: (bytes) => {
            const text = new TextDecoder().decode(bytes);
            if (text === "bad") throw new Error("not usable");
            return text;
          },
          retryDelayMs: 0,
          ...extra,
        }),
      state,
      path,
    );
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("dailyCopy fetches once a day and keeps the copy", async () => {
  await withSource(async (copy, state, path) => {
    const now = new Date("2026-03-01T10:00:00Z");
    const first = await copy({ now });
    assert.deepStrictEqual([first.value, first.fetchedAt, first.failure], [
      "first",
      now,
      undefined,
    ]);
    assert.equal(await Deno.readTextFile(path), "first");
    state.body = "second";
    // Within the day: the copy serves, the source is not asked.
    const later = await copy({ now: new Date(now.getTime() + DAY - 1000) });
    assert.deepStrictEqual([later.value, state.requests], ["first", 1]);
    // A day on: fetched again.
    const next = await copy({ now: new Date(now.getTime() + DAY) });
    assert.deepStrictEqual([next.value, state.requests], ["second", 2]);
  });
});

Deno.test("dailyCopy falls back to the kept copy, and waits an hour before asking again", async () => {
  await withSource(async (copy, state) => {
    const now = new Date("2026-03-01T10:00:00Z");
    await copy({ now });
    state.status = 503;
    const failed = await copy({ now: new Date(now.getTime() + 2 * DAY) });
    assert.deepStrictEqual([failed.value, failed.fetchedAt, failed.failure], [
      "first",
      now,
      "HTTP 503",
    ]);
    // A copy less than a week old: one quick try only.
    assert.equal(state.requests, 2);
    // Within the hour of the failure the source is left alone, without a new warning.
    const quiet = await copy({ now: new Date(now.getTime() + 2 * DAY + HOUR / 2) });
    assert.deepStrictEqual([quiet.value, quiet.failure, state.requests], [
      "first",
      undefined,
      2,
    ]);
    // Past the hour it is asked again, and a copy over a week old gets three attempts.
    const old = await copy({ now: new Date(now.getTime() + 8 * DAY) });
    assert.deepStrictEqual([old.failure, state.requests], ["HTTP 503", 5]);
    // Back: the fresh body replaces the copy and the failure is forgotten.
    state.status = 200;
    state.body = "third";
    const back = await copy({ now: new Date(now.getTime() + 8 * DAY + HOUR / 2) });
    assert.deepStrictEqual([back.value, back.failure], ["first", undefined]);
    const fetched = await copy({ now: new Date(now.getTime() + 8 * DAY + 2 * HOUR) });
    assert.deepStrictEqual([fetched.value, fetched.failure], ["third", undefined]);
  });
});

Deno.test("dailyCopy keeps the copy when a fetched body fails the check", async () => {
  await withSource(async (copy, state, path) => {
    const now = new Date("2026-03-01T10:00:00Z");
    await copy({ now });
    state.body = "bad";
    const checked = await copy({ now: new Date(now.getTime() + DAY) });
    assert.deepStrictEqual([checked.value, checked.failure], ["first", "not usable"]);
    assert.equal(await Deno.readTextFile(path), "first");
  });
});

Deno.test("dailyCopy does not retry a refusal, and has nothing without a copy", async () => {
  await withSource(async (copy, state) => {
    state.status = 404;
    const missing = await copy();
    assert.deepStrictEqual([missing.value, missing.fetchedAt, missing.failure, state.requests], [
      undefined,
      undefined,
      "HTTP 404",
      1,
    ]);
  });
});
