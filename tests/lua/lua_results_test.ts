/**
 * Lua results in the shape the manifest declares: Lua has one table type, so an empty table
 * crosses as `{}`; where the plugin's `returns` says "array", it is the empty list it meant.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { emptyTablesAsLists } from "../../src/plugins/result_shape.ts";
import { tempKiln } from "../helpers.ts";
import { luaPlugin, testRunner } from "../sandbox/sandbox_helpers.ts";

const CODE = `function main()
  return { items = {}, meta = {}, rows = { { tags = {}, extra = {} } }, nested = { list = {} } }
end
`;

Deno.test("an empty Lua table is [] where the manifest's returns declares an array", async () => {
  using kiln = tempKiln();
  const plugin = await luaPlugin(
    "shaped",
    "returns:\n  type: object\n  properties:\n    items: array\n    meta: object\n" +
      "    rows:\n      type: array\n      items:\n        type: object\n" +
      "        properties: {tags: {type: array}}\n" +
      "    nested:\n      type: object\n      properties: {list: {type: [array, 'null']}}\n",
    CODE,
  );
  const { runner } = testRunner(kiln);
  try {
    const r = await runner.invoke({ plugin, params: {} });
    strictEqual(r.ok, true, JSON.stringify(r.error));
    deepStrictEqual(r.value, {
      items: [],
      meta: {},
      rows: [{ tags: [], extra: {} }],
      nested: { list: [] },
    });
  } finally {
    await runner.close();
    plugin.cleanup();
  }
});

Deno.test("without a returns schema an empty Lua table stays {}", async () => {
  using kiln = tempKiln();
  const plugin = await luaPlugin("plain", "", CODE);
  const { runner } = testRunner(kiln);
  try {
    const r = await runner.invoke({ plugin, params: {} });
    deepStrictEqual(r.value, {
      items: {},
      meta: {},
      rows: [{ tags: {}, extra: {} }],
      nested: { list: {} },
    });
  } finally {
    await runner.close();
    plugin.cleanup();
  }
});

Deno.test("only empty tables change: filled ones, and ones a schema allows as objects, stay", () => {
  const schema = {
    type: "object",
    properties: { a: { type: "array" }, b: { type: ["array", "object"] }, c: { type: "array" } },
  };
  deepStrictEqual(emptyTablesAsLists({ a: {}, b: {}, c: { x: 1 } }, schema), {
    a: [],
    b: {},
    c: { x: 1 },
  });
  deepStrictEqual(emptyTablesAsLists({}, { type: "array" }), []);
  const hostile = JSON.parse('{"__proto__": {}, "a": {}}');
  deepStrictEqual(Object.getPrototypeOf(emptyTablesAsLists(hostile, schema)), Object.prototype);
});
