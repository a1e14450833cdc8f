/**
 * Assertions for tests and documentation examples, re-exported from `node:assert/strict` so
 * that no test depends on a package registry.
 *
 * @module
 */
export {
  deepStrictEqual as assertEquals,
  match as assertMatch,
  ok as assert,
  rejects as assertRejects,
  throws as assertThrows,
} from "node:assert/strict";
