/**
 * crucible.fsm from Lua and Rune in real sandboxes: callback order, persistence across
 * invocations through the state API, many instances, dot output, invalid definitions.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { tempKiln } from "../helpers.ts";
import { testRunner } from "../sandbox/sandbox_helpers.ts";
import { plugin } from "./stdlib_helpers.ts";

const LUA_MACHINE = `
local order = {}
local function note(what) return function(c) order[#order + 1] = what .. ":" .. tostring(c.from) .. ">" .. c.to end end
local function def()
  return {
    initial = "draft",
    states = {
      draft = { on_enter = note("enter draft"), on_exit = note("exit draft") },
      review = { on_enter = note("enter review"), on_exit = note("exit review") },
      done = { on_enter = note("enter done"), final = true },
    },
    transitions = {
      { from = "draft", event = "submit", to = "review", guard = function(c) order[#order + 1] = "guard"; return c.payload ~= "block" end,
        action = note("action") },
      { from = "review", event = "approve", to = "done" },
      { from = "review", event = "reject", to = "draft" },
    },
  }
end
function main(p)
  local m = crucible.fsm.create(p.id, def())
  local results = {}
  for _, e in ipairs(p.events) do
    local r = crucible.fsm.transition(p.id, e.event, e.payload)
    results[#results + 1] = r.ok and r.to or ("refused: " .. r.reason)
  end
  return { restored = m.restored, start = m.state, order = order, results = results,
           state = crucible.fsm.state(p.id), history = #crucible.fsm.history(p.id),
           dot = crucible.fsm.to_dot(p.id), list = crucible.fsm.list() }
end
`;

Deno.test("fsm from Lua: callback order, refusals, persistence per instance, dot", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const { runner } = testRunner(kiln);
  const p = await plugin("flow", "lua", "capabilities: [StateManage]\n", LUA_MACHINE);
  const run = async (id: string, events: unknown[]) => {
    const r = await runner.invoke({ plugin: p, params: { id, events }, validateParams: false });
    ok(r.ok, JSON.stringify(r.error));
    return r.value as Record<string, unknown>;
  };
  try {
    const first = await run("doc-1", [
      { event: "submit", payload: "block" },
      { event: "approve" },
      { event: "submit" },
    ]);
    deepStrictEqual(first.order, [
      "enter draft:nil>draft",
      "guard",
      "guard",
      "exit draft:draft>review",
      "action:draft>review",
      "enter review:draft>review",
    ]);
    deepStrictEqual(first.results, [
      "refused: the guard refused submit from draft",
      "refused: no transition on approve from draft (possible: submit)",
      "review",
    ]);
    strictEqual(first.restored, false);
    // A second invocation restores doc-1 where it was; doc-2 is a separate instance.
    const second = await run("doc-1", [{ event: "approve" }]);
    strictEqual(second.restored, true);
    strictEqual(second.start, "review");
    deepStrictEqual(second.order, ["exit review:review>done", "enter done:review>done"]);
    strictEqual(second.state, "done");
    strictEqual(second.history, 2);
    const other = await run("doc-2", []);
    strictEqual(other.state, "draft");
    deepStrictEqual(other.list, ["doc-1", "doc-2"]);
    const dot = second.dot as string;
    ok(dot.startsWith('digraph "doc-1" {'));
    ok(dot.includes('"done" [shape=doublecircle, style=filled'), dot);
    ok(dot.includes('"draft" -> "review" [label="submit [guarded]"];'));
    ok(dot.includes('"review" -> "draft" [label="reject"];'));
    const saved = JSON.parse(
      Deno.readTextFileSync(path.join(kiln.root, ".crucible", "plugin-state", "flow.json")),
    );
    strictEqual(saved.entries["fsm:doc-1"].value.state, "done");
  } finally {
    runner.close();
    p.cleanup();
  }
});

Deno.test("fsm from Rune: the same machine, persisted, with fn items and closures", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const { runner } = testRunner(kiln);
  const p = await plugin(
    "phases",
    "rune",
    "capabilities: [StateManage]\n",
    `
fn on_done(c) { println!("finished after {}", c.event); }
fn machine() {
    #{
        initial: "idle",
        states: #{ idle: #{}, running: #{ on_exit: |c| println!("leaving running for {}", c.to) }, done: #{ on_enter: on_done, final: true } },
        transitions: [
            #{ from: "idle", event: "start", to: "running" },
            #{ from: ["idle", "running"], event: "finish", to: "done", guard: |c| c.payload == "ok" },
        ],
    }
}
pub fn main(params) {
    let m = crucible::fsm::create(params.id, machine(), ());
    let r = crucible::fsm::transition(params.id, params.event, params.payload);
    #{ restored: m.restored, ok: r.ok, state: crucible::fsm::state(params.id), can_start: crucible::fsm::can(params.id, "start") }
}
`,
  );
  const run = async (params: Record<string, unknown>) => {
    const r = await runner.invoke({ plugin: p, params, validateParams: false });
    ok(r.ok, JSON.stringify(r.error));
    return { value: r.value as Record<string, unknown>, logs: r.logs };
  };
  try {
    deepStrictEqual((await run({ id: "job", event: "start", payload: null })).value, {
      restored: false,
      ok: true,
      state: "running",
      can_start: false,
    });
    deepStrictEqual((await run({ id: "job", event: "finish", payload: "no" })).value.ok, false);
    const done = await run({ id: "job", event: "finish", payload: "ok" });
    deepStrictEqual(done.value, { restored: true, ok: true, state: "done", can_start: false });
    deepStrictEqual(done.logs, ["leaving running for done", "finished after finish"]);
  } finally {
    runner.close();
    p.cleanup();
  }
});

Deno.test("fsm: invalid definitions fail with every problem named; persistence needs StateManage", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const { runner } = testRunner(kiln);
  const bad = await plugin(
    "bad-machine",
    "lua",
    "",
    `function main(p)
       if p.mode == "validate" then
         return crucible.fsm.validate({ initial = "a", states = { "a", "b" }, transitions = { { from = "a", event = "go", to = "c" } } })
       elseif p.mode == "nostate" then
         return crucible.fsm.create("m", { initial = "a", states = { "a" } })
       end
       return crucible.fsm.create("m", { states = { "a" }, transitions = { { from = "x", event = "go", to = "a" } } }, { persist = false })
     end`,
  );
  try {
    const v = await runner.invoke({
      plugin: bad,
      params: { mode: "validate" },
      validateParams: false,
    });
    deepStrictEqual(v.value, {
      ok: false,
      errors: ['transition 1 (go) goes to unknown state "c"'],
      warnings: ["state b is unreachable from the initial state a"],
    });
    const c = await runner.invoke({ plugin: bad, params: {}, validateParams: false });
    strictEqual(c.error?.code, "E_INVALID_MACHINE");
    ok(/initial is missing/.test(c.error!.message) && /unknown state "x"/.test(c.error!.message));
    const s = await runner.invoke({
      plugin: bad,
      params: { mode: "nostate" },
      validateParams: false,
    });
    strictEqual(s.error?.code, "E_CAPABILITY");
    ok(/persist = false/.test(s.error!.message), s.error!.message);
  } finally {
    runner.close();
    bad.cleanup();
  }
});
