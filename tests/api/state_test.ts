/**
 * crucible.state.* through real sandboxes: scopes, TTL, deletion, the size limit, and the
 * StateManage checks.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { PluginState } from "../../src/api/state.ts";
import { tempKiln } from "../helpers.ts";
import { fixedApprover, luaPlugin, testRunner } from "../sandbox/sandbox_helpers.ts";

Deno.test("state persists between invocations, per plugin, in the kiln", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  using config = tempKiln();
  const { runner } = testRunner(kiln, { env: { CRUCIBLE_CONFIG_DIR: config.root } });
  const counter = await luaPlugin(
    "counter",
    "capabilities: [KilnRead, StateManage]\n",
    `function main()
       local n = (crucible.state.get("count") or 0) + 1
       crucible.state.set("count", n)
       crucible.state.set("history", { last = n, list = { n, n * 2 } })
       return { n = n, keys = crucible.state.keys() }
     end`,
  );
  const other = await luaPlugin(
    "other",
    "capabilities: [StateManage]\n",
    `function main() return crucible.state.get("count") end`,
  );
  try {
    deepStrictEqual((await runner.invoke({ plugin: counter })).value, {
      n: 1,
      keys: ["count", "history"],
    });
    deepStrictEqual((await runner.invoke({ plugin: counter })).value, {
      n: 2,
      keys: ["count", "history"],
    });
    strictEqual((await runner.invoke({ plugin: other })).value, null, "plugin state is private");
    const file = path.join(kiln.root, ".crucible", "plugin-state", "counter.json");
    const stored = JSON.parse(Deno.readTextFileSync(file));
    deepStrictEqual(stored.entries.history.value, { last: 2, list: [2, 4] });
  } finally {
    runner.close();
    counter.cleanup();
    other.cleanup();
  }
});

Deno.test("kiln and global scopes need StateManage with that scope, approved", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  using config = tempKiln();
  const env = { CRUCIBLE_CONFIG_DIR: config.root };
  const code = `function main(p)
       local ok, err = pcall(crucible.state.set, "shared", p.v, { scope = p.scope })
       if not ok then return err.code end
       return crucible.state.get("shared", { scope = p.scope })
     end`;
  const params = "parameters:\n  v: string\n  scope: string\n";
  const narrow = await luaPlugin("narrow", `capabilities: [StateManage]\n${params}`, code);
  const wide = await luaPlugin("wide", `capabilities: [{StateManage: global}]\n${params}`, code);
  const approver = fixedApprover(["StateManage(global)"]);
  const { runner, events } = testRunner(kiln, { env, approver });
  try {
    strictEqual(
      (await runner.invoke({ plugin: narrow, params: { v: "x", scope: "kiln" } })).value,
      "E_CAPABILITY",
    );
    ok(events.some((e) => e.kind === "security"));
    strictEqual(
      (await runner.invoke({ plugin: wide, params: { v: "k", scope: "kiln" } })).value,
      "k",
    );
    strictEqual(
      (await runner.invoke({ plugin: wide, params: { v: "g", scope: "global" } })).value,
      "g",
    );
    deepStrictEqual(approver.asked, ["StateManage(global)", "StateManage(global)"]);
    ok(Deno.statSync(path.join(kiln.root, ".crucible", "plugin-state", "_kiln.json")).isFile);
    ok(Deno.statSync(path.join(config.root, "plugin-state", "_global.json")).isFile);
  } finally {
    runner.close();
    narrow.cleanup();
    wide.cleanup();
  }
});

Deno.test("values expire after their ttl and are dropped on the next write", () => {
  using kiln = tempKiln();
  let now = 1_000_000;
  const state = new PluginState("p", { kilnRoot: kiln.root, configDir: kiln.root, now: () => now });
  state.set("short", 1, 10, "plugin");
  state.set("named", 2, "2m", "plugin");
  state.set("forever", 3, undefined, "plugin");
  deepStrictEqual(state.keys("plugin"), ["forever", "named", "short"]);
  now += 11_000;
  strictEqual(state.get("short", "plugin"), null);
  deepStrictEqual(state.keys("plugin"), ["forever", "named"]);
  now += 120_000;
  state.set("fresh", 4, undefined, "plugin");
  const stored = JSON.parse(Deno.readTextFileSync(state.file("plugin")));
  deepStrictEqual(Object.keys(stored.entries).sort(), ["forever", "fresh"]);
  strictEqual(state.delete("forever", "plugin"), true);
  strictEqual(state.delete("forever", "plugin"), false);
});

Deno.test("the state size limit refuses a write and keeps the old state", () => {
  using kiln = tempKiln();
  const state = new PluginState("p", { kilnRoot: kiln.root, configDir: kiln.root, limit: 200 });
  state.set("small", "ok", undefined, "plugin");
  try {
    state.set("big", "x".repeat(500), undefined, "plugin");
    throw new Error("expected E_FILE_TOO_LARGE");
  } catch (e) {
    strictEqual((e as { code?: string }).code, "E_FILE_TOO_LARGE");
  }
  deepStrictEqual(state.keys("plugin"), ["small"]);
});

Deno.test("bad keys, ttls and scopes are clear errors", () => {
  using kiln = tempKiln();
  const state = new PluginState("p", { kilnRoot: kiln.root, configDir: kiln.root });
  for (
    const f of [
      () => state.get("", "plugin"),
      () => state.set("k", 1, "soon", "plugin"),
      () => state.set("k", 1, -5, "plugin"),
    ]
  ) {
    try {
      f();
      throw new Error("expected E_INVALID_PARAMS");
    } catch (e) {
      strictEqual((e as { code?: string }).code, "E_INVALID_PARAMS");
    }
  }
});

Deno.test("a damaged state file reads as empty and is replaced on the next write", () => {
  using kiln = tempKiln();
  const state = new PluginState("p", { kilnRoot: kiln.root, configDir: kiln.root });
  Deno.mkdirSync(path.dirname(state.file("plugin")), { recursive: true });
  Deno.writeTextFileSync(state.file("plugin"), "{not json");
  strictEqual(state.get("k", "plugin"), null);
  state.set("k", "v", undefined, "plugin");
  strictEqual(state.get("k", "plugin"), "v");
});
