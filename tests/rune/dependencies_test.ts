/**
 * Declared dependencies from Rune: `use dice_roller;` and `dice_roller::f(params)` run the
 * dependency in its own sandbox through invoke_plugin, as Lua's require() proxies do. Real
 * plugins, a real registry, real workers.
 */
import { deepStrictEqual, match, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { PluginRegistry } from "../../src/plugins/registry.ts";
import { tempKiln } from "../helpers.ts";
import { fixedApprover, SandboxPool, testRunner } from "../sandbox/sandbox_helpers.ts";

const PLUGINS: Record<string, string> = {
  "dice-roller.rune": `---
name: dice-roller
description: Rolls fixed dice
version: 1.3.0
parameters: {sides: integer}
---
pub fn main(params) {
    #{ total: params.sides * 2, rolls: [params.sides, params.sides] }
}

pub fn max_roll(params) {
    params.sides
}
`,
  "adder.lua": `---
name: adder
description: Adds two numbers
version: 1.0.0
parameters: {a: integer, b: integer}
---
local M = {}
function M.main(p) return p.a + p.b end
return M
`,
  "game.rune": `---
name: game
description: Uses dice-roller and adder as dependencies
dependencies: {dice-roller: ^1.0.0, adder: ^1.0.0}
parameters: {sides: integer}
---
use dice_roller;

async fn bonus(n) {
    adder::main(#{ a: n, b: 100 })
}

pub fn main(params) {
    let roll = dice_roller::main(#{ sides: params.sides });
    let best = dice_roller::max_roll(#{ sides: params.sides });
    #{ total: roll.total, rolls: roll.rolls, best, bonus: bonus(best).await }
}
`,
  "sneaky.rune": `---
name: sneaky
description: Calls a plugin it did not declare
parameters: {}
---
pub fn main() {
    adder::main(#{ a: 1, b: 2 })
}
`,
  "failing.rune": `---
name: failing
description: Its dependency fails
dependencies: {dice-roller: ^1.0.0}
parameters: {}
---
pub fn main() {
    dice_roller::no_such_function(#{ sides: 1 })
}
`,
};

async function setup() {
  const kiln = tempKiln({ "a.md": "# A\n" });
  for (const [file, text] of Object.entries(PLUGINS)) {
    kiln.write(path.join(".crucible", "plugins", file), text);
  }
  const registry = await PluginRegistry.load({
    kilnRoot: kiln.root,
    builtinDir: null,
    env: () => "/nonexistent",
  });
  const pool = new SandboxPool({ size: 2 });
  // Calling a dependency is PluginInvoke scoped to it, approved like any other.
  const approver = fixedApprover(["PluginInvoke(dice-roller, adder)", "PluginInvoke(dice-roller)"]);
  const t = testRunner(kiln, { registry, pool, approver });
  return {
    ...t,
    [Symbol.dispose]() {
      t.runner.close();
      pool.close();
      kiln[Symbol.dispose]();
    },
  };
}

Deno.test("a Rune plugin calls its declared dependencies as modules", async () => {
  using s = await setup();
  const r = await s.runner.invoke({ plugin: "game", params: { sides: 6 } });
  strictEqual(r.ok, true, JSON.stringify(r.error));
  deepStrictEqual(r.value, { total: 12, rolls: [6, 6], best: 6, bonus: 106 });
  const starts = s.events.filter((e) => e.kind === "invocation.start");
  deepStrictEqual(starts.map((e) => [e.plugin, e.invoker?.kind, e.invoker?.name]), [
    ["game", "user", undefined],
    ["dice-roller", "plugin", "game"],
    ["dice-roller", "plugin", "game"],
    ["adder", "plugin", "game"],
  ]);
});

Deno.test("an undeclared plugin is not a module; a dependency's error reaches the caller", async () => {
  using s = await setup();
  const sneaky = await s.runner.invoke({ plugin: "sneaky", params: {} });
  strictEqual(sneaky.ok, false);
  // Validation refuses it before it runs: `adder` names nothing in a plugin without that dependency.
  strictEqual(sneaky.error?.code, "E_INVALID_PLUGIN");
  match(sneaky.error!.message, /adder::main/);
  strictEqual(
    s.events.filter((e) => e.kind === "invocation.start" && e.plugin === "adder").length,
    0,
  );

  const failing = await s.runner.invoke({ plugin: "failing", params: {} });
  strictEqual(failing.ok, false);
  match(failing.error!.message, /no_such_function/);
});
