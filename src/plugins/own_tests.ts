/**
 * A plugin's own tests for `cru plugins test`: Rune `#[test]` functions (found by compiling, never
 * running, the plugin on the host) and Lua `test_*` functions and `tests` tables (found by running
 * a wrapped copy of the plugin in the sandbox, since Lua only knows them once its chunk has run).
 *
 * @module
 */
import * as path from "node:path";
import { compile } from "../rune/mod.ts";
import { CRUCIBLE_MODULE } from "../runtime/engines/rune/engine.ts";
import { type Approver, type InvocationResult, PluginRunner } from "../sandbox/invoke.ts";
import type { SandboxPool } from "../sandbox/pool.ts";
import type { ResolvedPlugin } from "./registry.ts";
import { type Fixture, materialize } from "./test_cases.ts";
import type { Planned, PluginTestOptions, RunContext } from "./testing.ts";
import { where } from "./testing.ts";

/** The plugin's own tests, discovered without running plugin code on the host. */
export async function ownTests(
  plugin: ResolvedPlugin,
  fixture: Fixture,
  run: { pool: SandboxPool; approver: Approver; options: PluginTestOptions },
): Promise<Planned[]> {
  const { pool, approver, options } = run;
  if (plugin.language === "rune") {
    const { program } = compile(plugin.code, {
      file: path.basename(plugin.file),
      host: CRUCIBLE_MODULE,
    });
    return (program?.exports ?? []).filter((e) => e.test).map((e) => ({
      name: e.name,
      kind: "test" as const,
      fixture,
      run: async (ctx: RunContext) => {
        const r = await ctx.invoke(plugin, e.name, {});
        const expected = e.shouldPanic;
        if (expected === undefined) return outcome(r);
        if (r.ok) {
          return {
            ok: false,
            failure: "the test was expected to panic, but it finished",
            error: null,
            logs: r.logs,
          };
        }
        if (typeof expected === "string" && !r.error!.message.includes(expected)) {
          return {
            ok: false,
            failure: `the test panicked, but its message does not contain ${
              JSON.stringify(expected)
            }: ${r.error!.message}`,
            error: r.error!,
            logs: r.logs,
          };
        }
        return { ok: true, failure: null, error: null, logs: r.logs };
      },
    }));
  }
  if (plugin.language !== "lua") return [];
  // Lua tests are only known once the chunk has run, which happens in the sandbox: a wrapped
  // copy of the plugin (same line numbers) returns a table of its tests under "test:<name>"
  // keys and their names under "__cru_tests".
  const wrapped = wrapLua(plugin);
  if (!wrapped) return [];
  // Discovery runs once, in a throwaway kiln of its own, before the tests are planned.
  const kiln = materialize(fixture);
  const runner = new PluginRunner({
    kilnRoot: kiln,
    registry: options.registry,
    config: options.config,
    approver,
    pool,
    configDir: path.join(kiln, ".crucible", "test-config"),
  });
  let found: InvocationResult;
  try {
    found = await runner.invoke({
      plugin: wrapped,
      fn: "__cru_tests",
      validateParams: false,
      timeoutMs: options.timeoutMs,
    });
  } finally {
    runner.close();
    Deno.removeSync(kiln, { recursive: true });
  }
  if (!found.ok) {
    // The chunk itself fails: one failing test says so, with where and why.
    const e = found.error!;
    return [{
      name: "(load)",
      kind: "test",
      fixture,
      run: () =>
        Promise.resolve({
          ok: false,
          failure: `the plugin failed to load: ${e.code}: ${e.message}${where(e)}`,
          error: e,
          logs: found.logs,
        }),
    }];
  }
  // An empty Lua table crosses as {}, so no tests can arrive as an object.
  const names = Array.isArray(found.value) ? found.value.map(String) : [];
  return names.map((name) => ({
    name,
    kind: "test" as const,
    fixture,
    run: async (ctx: RunContext) => outcome(await ctx.invoke(wrapped, `test:${name}`, {})),
  }));
}

/** A test that passes unless it raised. */
function outcome(r: InvocationResult) {
  return r.ok ? { ok: true, failure: null, error: null, logs: r.logs } : {
    ok: false,
    failure: `${r.error!.code}: ${r.error!.message}${where(r.error!)}`,
    error: r.error!,
    logs: r.logs,
  };
}

/**
 * The plugin's Lua code inside a function whose result is replaced by a table of its tests. The
 * prefix goes on line 1 (the manifest's first line, blank in the code), so every line number of
 * the plugin stays the file's.
 */
function wrapLua(plugin: ResolvedPlugin): ResolvedPlugin | null {
  if (!plugin.code.startsWith("\n")) return null;
  const prefix = "local __cru_pairs, __cru_type, __cru_sort, __cru_sub = pairs, type, " +
    "table.sort, string.sub; local __cru_m = (function(...) ";
  const suffix = `
end)(...)
local __cru_t, __cru_names = {}, {}
if __cru_type(__cru_m) == "table" then for k, v in __cru_pairs(__cru_m) do __cru_t[k] = v end end
local function __cru_add(name, f)
  if __cru_type(f) == "function" and __cru_t["test:" .. name] == nil then
    __cru_t["test:" .. name] = f
    __cru_names[#__cru_names + 1] = name
  end
end
local function __cru_scan(t)
  if __cru_type(t) ~= "table" then return end
  for k, v in __cru_pairs(t) do
    if __cru_type(k) == "string" and __cru_sub(k, 1, 5) == "test_" then __cru_add(k, v) end
  end
  local tests = t.tests
  if __cru_type(tests) == "table" then
    for k, v in __cru_pairs(tests) do
      if __cru_type(v) == "table" and __cru_type(v.name) == "string" then
        __cru_add("tests." .. v.name, v.fn or v.run)
      else
        __cru_add("tests." .. k, v)
      end
    end
  end
end
__cru_scan(__cru_m)
__cru_scan(_ENV)
__cru_sort(__cru_names)
__cru_t.__cru_tests = function() return __cru_names end
return __cru_t
`;
  const code = prefix + plugin.code + suffix;
  return { ...plugin, code, hash: `${plugin.hash}-tests`, shadows: [] };
}
