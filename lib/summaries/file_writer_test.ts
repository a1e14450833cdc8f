import assert from "node:assert/strict";
import { join } from "node:path";
import { FileWriter } from "./file_writer.ts";
import { dayRowsOf } from "./activity_data.ts";
import { clientKindTsv } from "./day_files.ts";

Deno.test("FileWriter writes every folder given, in order, waiting while too much is in flight", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A limit of 1 KiB: nearly every write waits for the worker's answers.
    const writer = new FileWriter({ inFlightBytes: 1024 });
    const expected = new Map<string, Uint8Array>();
    const given: Uint8Array[] = [];
    for (let f = 0; f < 60; f++) {
      const folder = join(dir, `ds${f}`);
      const bytes = new Uint8Array(700 + f).fill(65 + (f % 26));
      const shared = new Uint8Array(new ArrayBuffer(64), 8, 16).fill(48 + (f % 10));
      expected.set(join(folder, "by_day.tsv"), bytes.slice());
      expected.set(join(folder, "view.tsv"), shared.slice());
      expected.set(join(folder, "by_asset.tsv"), new TextEncoder().encode(`é ${f}\n`));
      given.push(bytes, shared);
      await writer.write(
        folder,
        new Map<string, string | Uint8Array>([
          ["by_day.tsv", bytes],
          ["view.tsv", shared],
          ["by_asset.tsv", `é ${f}\n`],
        ]),
        true,
      );
      // Back from write, at most 1 KiB is not written: the last folder's large file is.
      if (f > 0) {
        const last = join(dir, `ds${f - 1}`, "by_day.tsv");
        assert.deepStrictEqual(await Deno.readFile(last), expected.get(last));
      }
      // The same folder again, not made: its second file comes after the first.
      await writer.write(folder, new Map([["by_asset.tsv", `é ${f}\n`]]));
    }
    // The same array twice in one folder is moved once.
    const twice = new TextEncoder().encode("same\n");
    await writer.write(join(dir, "ds0"), new Map([["one.tsv", twice], ["two.tsv", twice]]));
    expected.set(join(dir, "ds0", "one.tsv"), new TextEncoder().encode("same\n"));
    expected.set(join(dir, "ds0", "two.tsv"), new TextEncoder().encode("same\n"));
    await writer.close();
    for (const [path, bytes] of expected) assert.deepStrictEqual(await Deno.readFile(path), bytes);
    // Arrays that own their buffer were moved to the worker; a view of a larger one was copied.
    assert.deepStrictEqual(given.map((a) => a.byteLength), given.map((_, i) => i % 2 ? 16 : 0));
    await assert.rejects(() => writer.write(dir, new Map()), /ended: make another/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a write that fails is thrown as Deno threw it, with its code, by the next call and by close", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const writer = new FileWriter({ inFlightBytes: 0 });
    const missing = join(dir, "missing");
    // Not made: the write fails in the worker; with no room in flight, write waits and sees it.
    const failed = await writer.write(missing, new Map([["a.tsv", "x"]])).then(
      () => undefined,
      (error) => error,
    );
    assert.match(failed.message, new RegExp(`No such file or directory.*${missing}/a.tsv`));
    assert.deepStrictEqual(failed.code, "ENOENT");
    await assert.rejects(() => writer.close(), (error) => error === failed);
    // One that fails later is thrown by close.
    const later = new FileWriter();
    await later.write(join(dir, "made"), new Map([["a.tsv", "x"]]), true);
    await later.write(missing, new Map([["b.tsv", "y"]]));
    await assert.rejects(() => later.close(), { code: "ENOENT" });
    assert.deepStrictEqual(await Deno.readTextFile(join(dir, "made", "a.tsv")), "x");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FileWriter makes by_client_kind.tsv of rows moved to its worker, as clientKindTsv does", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rows = () =>
      dayRowsOf(Array.from({ length: 3000 }, (_, i) => ({
        day: 19000 + Math.floor(i / 4),
        code: i % 4,
        requests: (i * 37) % 500,
        bytes: i * 2 ** 33,
        downloads: (i * 11) % 90,
      })));
    const privacy = { minimum: 10, modulo: 7 };
    const given = rows();
    const writer = new FileWriter();
    await writer.write(
      join(dir, "ds"),
      new Map([["by_client_kind.tsv", { clientKinds: given, privacy }]]),
      true,
    );
    await writer.close();
    assert.deepStrictEqual(
      await Deno.readFile(join(dir, "ds", "by_client_kind.tsv")),
      clientKindTsv(rows(), privacy),
    );
    // Moved, not copied.
    assert.deepStrictEqual([given.days.length, given.bytes.length], [0, 0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
