import assert from "node:assert/strict";
import { TaskWindow } from "./task_window.ts";

Deno.test("TaskWindow keeps at most `size` tasks out, in plan order", async () => {
  let out = 0;
  let most = 0;
  const release: (() => void)[] = [];
  const window = new TaskWindow<number, number>(
    [[0], [1], [2], [3], [4]].values(),
    2,
    (id) => {
      most = Math.max(most, ++out);
      return new Promise((resolve) => release[id] = () => (out--, resolve(id)));
    },
  );
  window.fill();
  assert.deepStrictEqual(release.length, 2);
  const taken: number[] = [];
  while (!window.empty) {
    release.forEach((r) => r()); // finish whatever is out, newest too
    const task = await window.take();
    assert("answer" in task.settled);
    taken.push(task.settled.answer);
    window.fill();
  }
  assert.deepStrictEqual(taken, [0, 1, 2, 3, 4]);
  assert.deepStrictEqual(most, 2);
});

Deno.test("TaskWindow hands back a failed task's error; closed, it forgets the tasks out", async () => {
  let started = 0;
  const window = new TaskWindow<string, string>(
    [["a"], ["b"], ["c"], ["d"]].values(),
    2,
    (_id, pieces) => {
      started++;
      return pieces[0] === "a" ? Promise.reject(new Error("worker died")) : Promise.resolve("ok");
    },
  );
  window.fill();
  const first = await window.take();
  assert.deepStrictEqual(first.pieces, ["a"]);
  assert("error" in first.settled);
  assert.match(String(first.settled.error), /worker died/);
  assert(!window.empty); // "b" is out
  window.close();
  assert(window.empty);
  window.fill();
  assert(window.empty);
  assert.deepStrictEqual(started, 2);
});
