/**
 * Plugin-to-plugin calls: declared dependencies as require() proxies (approved as PluginInvoke
 * scoped to them), PluginInvoke scopes, each callee under its own grant, cycles and depth, and no
 * deadlock on a full pool.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { PluginRegistry } from "../../src/plugins/registry.ts";
import { tempKiln } from "../helpers.ts";
import { fixedApprover, SandboxPool, testRunner } from "../sandbox/sandbox_helpers.ts";

const PLUGINS: Record<string, string> = {
  "adder.lua": `---
name: adder
description: Adds two numbers
version: 1.2.0
parameters: {a: integer, b: integer}
---
local M = {}
function M.main(p) return p.a + p.b end
function M.double(p) return p.a * 2 end
return M
`,
  "calc.lua": `---
name: calc
description: Uses adder as a dependency
dependencies: {adder: ^1.0.0}
parameters: {x: integer}
---
function main(p)
  local adder = require("adder")
  return { sum = adder.main({ a = p.x, b = 10 }), doubled = adder.double({ a = p.x, b = 0 }) }
end
`,
  "writer.lua": `---
name: writer
description: Writes a note
capabilities: [KilnRead, KilnWrite]
parameters: {a: integer, b: integer}
---
function main() return crucible.write_note("w.md", "# W") end
`,
  "caller.lua": `---
name: caller
description: Calls others through PluginInvoke
capabilities: [KilnRead, {PluginInvoke: [writer, adder]}]
parameters: {target: string}
---
function main(p)
  local ok, err = pcall(crucible.invoke_plugin, p.target, { a = 1, b = 2 })
  if ok then return { ok = true, value = err } end
  return { ok = false, code = err.code, message = err.message }
end
`,
  "ping.lua": `---
name: ping
description: Calls pong
capabilities: [{PluginInvoke: [pong]}]
parameters: {n: integer}
---
function main(p) return crucible.invoke_plugin("pong", { n = p.n + 1 }) end
`,
  "pong.lua": `---
name: pong
description: Calls ping
capabilities: [{PluginInvoke: [ping]}]
parameters: {n: integer}
---
function main(p) return crucible.invoke_plugin("ping", { n = p.n + 1 }) end
`,
};

async function setup(approved: string[] = [], poolSize = 2) {
  const kiln = tempKiln({ "a.md": "# A\n" });
  for (const [file, text] of Object.entries(PLUGINS)) {
    kiln.write(path.join(".crucible", "plugins", file), text);
  }
  const registry = await PluginRegistry.load({
    kilnRoot: kiln.root,
    builtinDir: null,
    env: () => "/nonexistent",
  });
  const pool = new SandboxPool({ size: poolSize });
  const t = testRunner(kiln, { registry, pool, approver: fixedApprover(approved) });
  return {
    ...t,
    kiln,
    [Symbol.dispose]() {
      t.runner.close();
      pool.close();
      kiln[Symbol.dispose]();
    },
  };
}

Deno.test("a declared dependency is callable through require() once PluginInvoke for it is approved", async () => {
  using s = await setup(["PluginInvoke(adder)"]);
  const r = await s.runner.invoke({ plugin: "calc", params: { x: 5 } });
  strictEqual(r.ok, true, JSON.stringify(r.error));
  deepStrictEqual(r.value, { sum: 15, doubled: 10 });
  const starts = s.events.filter((e) => e.kind === "invocation.start");
  deepStrictEqual(starts.map((e) => [e.plugin, e.invoker?.kind, e.invoker?.name]), [
    ["calc", "user", undefined],
    ["adder", "plugin", "calc"],
    ["adder", "plugin", "calc"],
  ]);
});

Deno.test("PluginInvoke is scoped to its list; undeclared calls are refused", async () => {
  using s = await setup(["PluginInvoke(writer, adder)"]);
  const ok1 = await s.runner.invoke({ plugin: "caller", params: { target: "adder" } });
  deepStrictEqual(ok1.value, { ok: true, value: 3 });
  const refused = await s.runner.invoke({ plugin: "caller", params: { target: "calc" } });
  deepStrictEqual((refused.value as { code: string }).code, "E_CAPABILITY");
  ok(refused.security.some((m) => /invoke_plugin/.test(m)));
  // A declared dependency is PluginInvoke scoped to it: approving another list does not cover it.
  const noCap = await s.runner.invoke({ plugin: "calc", params: { x: 1 } });
  strictEqual(noCap.error?.code, "E_APPROVAL_DENIED");
});

Deno.test("the callee runs with its own grant, never the caller's", async () => {
  using s = await setup(["PluginInvoke(writer, adder)"]);
  const r = await s.runner.invoke({ plugin: "caller", params: { target: "writer" } });
  const v = r.value as { ok: boolean; code: string; message: string };
  strictEqual(v.ok, false);
  strictEqual(v.code, "E_APPROVAL_DENIED");
  ok(/plugin writer \(called by caller\) failed/.test(v.message), v.message);
  let exists = true;
  try {
    Deno.statSync(path.join(s.kiln.root, "w.md"));
  } catch {
    exists = false;
  }
  strictEqual(exists, false);
});

Deno.test("a call cycle is refused with E_CYCLE naming the plugins", async () => {
  using s = await setup(["PluginInvoke(pong)", "PluginInvoke(ping)"]);
  const r = await s.runner.invoke({ plugin: "ping", params: { n: 0 } });
  strictEqual(r.ok, false);
  strictEqual(r.error?.code, "E_CYCLE");
  ok(/ping → pong → ping/.test(r.error!.message), r.error!.message);
});

Deno.test("nested calls do not deadlock a pool with one slot", async () => {
  using s = await setup(["PluginInvoke(adder)"], 1);
  const r = await s.runner.invoke({ plugin: "calc", params: { x: 1 } });
  deepStrictEqual(r.value, { sum: 11, doubled: 2 });
});
