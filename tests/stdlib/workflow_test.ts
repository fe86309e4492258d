/**
 * crucible.workflow from Lua and Rune in real sandboxes: outputs passed along, retries with
 * backoff, dependents skipped after a task fails for good, the partial-failure report, progress
 * events, and parallel plugin-invocation tasks that provably run at the same time.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { runCru, tempKiln } from "../helpers.ts";
import { fixedApprover, SandboxPool, testRunner } from "../sandbox/sandbox_helpers.ts";
import { plugin, registryOf } from "./stdlib_helpers.ts";

/** The part of workflow.run's report the tests read. */
interface Report {
  status: string;
  ok: boolean;
  outputs: Record<string, unknown>;
  failed: string[];
  skipped: string[];
  tasks: Record<
    string,
    { attempts: number; error: { code: string; message: string } | null; skipped_because: string }
  >;
}

Deno.test("workflow from Lua: outputs, retries with backoff, skip-on-failure, partial report, progress", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const events: Record<string, unknown>[] = [];
  const { runner } = testRunner(kiln);
  const p = await plugin(
    "pipeline",
    "lua",
    "",
    `function main()
       return crucible.workflow.run({
         name = "research",
         tasks = {
           fetch = { run = function(c) return { "paper-a", "paper-b" } end },
           flaky = { deps = { "fetch" }, retries = 2, backoff_ms = 5,
                     run = function(c) if c.attempt < 3 then error("try again") end return #c.deps.fetch end },
           broken = { deps = { "fetch" }, retries = 1, backoff_ms = 5,
                      run = function(c) error({ code = "E_SOURCE", message = "source is down" }) end },
           summary = { deps = { "broken" }, run = function(c) return "never" end },
           report = { deps = { "summary", "flaky" }, run = function(c) return "never" end },
           count = { deps = { "flaky" }, run = function(c) return c.deps.flaky * 10 + c.input.bonus end },
         },
       }, { input = { bonus = 1 } })
     end`,
  );
  try {
    const r = await runner.invoke({
      plugin: p,
      onProgress: (e) => events.push(e as Record<string, unknown>),
    });
    ok(r.ok, JSON.stringify(r.error));
    const report = r.value as unknown as Report;
    strictEqual(report.status, "partial");
    strictEqual(report.ok, false);
    deepStrictEqual(report.outputs, { fetch: ["paper-a", "paper-b"], flaky: 2, count: 21 });
    deepStrictEqual(report.failed, ["broken"]);
    deepStrictEqual(report.skipped.sort(), ["report", "summary"]);
    strictEqual(report.tasks.flaky.attempts, 3);
    strictEqual(report.tasks.broken.attempts, 2);
    deepStrictEqual(report.tasks.broken.error, { code: "E_SOURCE", message: "source is down" });
    strictEqual(report.tasks.report.skipped_because, "broken");
    const seen = events.map((e) => `${e.task} ${e.status}`);
    deepStrictEqual(seen.filter((s) => s.startsWith("flaky")), [
      "flaky started",
      "flaky retry",
      "flaky started",
      "flaky retry",
      "flaky started",
      "flaky ok",
    ]);
    ok(seen.includes("broken failed") && seen.includes("summary skipped"));
    const retries = events.filter((e) => e.task === "flaky" && e.status === "retry");
    deepStrictEqual(retries.map((e) => e.delay_ms), [5, 10], "exponential backoff");
    strictEqual(events.at(-1)!.done, 6);
    strictEqual(events.at(-1)!.total, 6);
  } finally {
    runner.close();
    p.cleanup();
  }
});

Deno.test("workflow: an invalid DAG names its cycles; a stop ends the run instead of retrying", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const { runner } = testRunner(kiln);
  const p = await plugin(
    "loops",
    "rune",
    "",
    `
pub fn cyclic() {
    crucible::workflow::run(#{ tasks: #{ a: #{ run: |c| 1, deps: ["b"] }, b: #{ run: |c| 2, deps: ["a"] } } }, ())
}
pub fn forever() {
    crucible::workflow::run(#{ tasks: #{ spin: #{ run: |c| { loop {} }, retries: 5 } } }, #{ progress: false })
}
`,
  );
  try {
    const c = await runner.invoke({ plugin: p, fn: "cyclic" });
    strictEqual(c.error?.code, "E_INVALID_WORKFLOW");
    ok(c.error!.message.includes("cycle: a → b → a"), c.error!.message);
    const f = await runner.invoke({ plugin: p, fn: "forever", timeoutMs: 400 });
    strictEqual(f.error?.code, "E_TIMEOUT");
  } finally {
    runner.close();
    p.cleanup();
  }
});

// Each task marks itself started in shared state, then waits until `n` tasks have started: it
// can only finish if that many ran at the same time.
const BARRIER = `function main(p)
  crucible.state.set("started:" .. p.name, true, { scope = "kiln" })
  local deadline = crucible.time.now() + p.wait_ms
  while true do
    local n = 0
    for _, k in ipairs(crucible.state.keys({ scope = "kiln" })) do
      if k:sub(1, 8) == "started:" then n = n + 1 end
    end
    if n >= p.n then return { name = p.name, together = n } end
    if crucible.time.now() > deadline then
      error("only " .. n .. " of " .. p.n .. " tasks were running at once")
    end
  end
end`;

Deno.test("workflow from Rune: plugin-invocation tasks run in parallel, up to the limit", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  using config = tempKiln();
  const barrier = await plugin(
    "barrier",
    "lua",
    "capabilities: [{StateManage: kiln}]\nparameters:\n  name: string\n  n: integer\n  wait_ms: integer\n",
    BARRIER,
  );
  const flow = await plugin(
    "fan-out",
    "rune",
    "capabilities: [{PluginInvoke: [barrier]}, {StateManage: kiln}]\nparameters:\n  parallel: integer\n  wait_ms: integer\n",
    `
pub fn main(params) {
    for k in crucible::state::keys(#{ scope: "kiln" }) { crucible::state::delete(k, #{ scope: "kiln" }); }
    let tasks = #{};
    for name in ["one", "two", "three"] {
        tasks[name] = #{ plugin: "barrier", params: #{ name, n: 3, wait_ms: params.wait_ms } };
    }
    tasks["after"] = #{ deps: ["one", "two", "three"], run: |c| c.deps.one.together + c.deps.two.together };
    crucible::workflow::run(#{ name: "fan-out", tasks }, #{ parallel: params.parallel })
}
`,
  );
  // Nested calls take run slots like any other job: room for the three tasks and their caller.
  const pool = new SandboxPool({ size: 4 });
  const { runner } = testRunner(kiln, {
    registry: registryOf([barrier, flow]),
    approver: fixedApprover(["*"]),
    env: { CRUCIBLE_CONFIG_DIR: config.root },
    pool,
  });
  try {
    const together = await runner.invoke({
      plugin: flow,
      params: { parallel: 3, wait_ms: 20_000 },
    });
    ok(together.ok, JSON.stringify(together.error));
    const report = together.value as unknown as Report;
    strictEqual(report.status, "ok", JSON.stringify(report.tasks));
    strictEqual(report.outputs.after, 6);
    // With room for only two at once, the first two wait for a third that cannot start.
    const limited = await runner.invoke({ plugin: flow, params: { parallel: 2, wait_ms: 1_500 } });
    ok(limited.ok, JSON.stringify(limited.error));
    const lr = limited.value as unknown as Report;
    strictEqual(lr.status, "partial");
    deepStrictEqual(lr.skipped, ["after"]);
    // Never three at once (under heavy load the second may even start too late to be seen).
    ok(/only [12] of 3 tasks were running at once/.test(lr.tasks.one.error!.message));
  } finally {
    runner.close();
    pool.close();
    barrier.cleanup();
    flow.cleanup();
  }
});

Deno.test("cru plugins run shows workflow progress on stderr as it happens", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  kiln.write(
    path.join(".crucible", "plugins", "steps.lua"),
    `---
name: steps
description: a two-step workflow
---
function main()
  crucible.progress("warming up")
  local r = crucible.workflow.run({ name = "steps", tasks = {
    first = { run = function() return 1 end },
    second = { deps = { "first" }, run = function(c) return c.deps.first + 1 end },
  } })
  return r.outputs
end
`,
  );
  const r = await runCru(["--kiln", kiln.root, "plugins", "run", "steps"]);
  strictEqual(r.code, 0, r.stderr);
  deepStrictEqual(JSON.parse(r.stdout), { first: 1, second: 2 });
  ok(r.stderr.includes("progress: [steps] warming up"), r.stderr);
  ok(/progress: \[steps 0\/2\] first started/.test(r.stderr), r.stderr);
  ok(/progress: \[steps 2\/2\] second ok in \d+ ms/.test(r.stderr), r.stderr);
});

Deno.test("plugin tasks take params computed from their dependencies; start/wait work directly", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const double = await plugin(
    "double",
    "lua",
    "parameters:\n  n: integer\n",
    "function main(p) if p.n < 0 then error('negative') end return p.n * 2 end",
  );
  const caller = await plugin(
    "caller",
    "lua",
    "dependencies:\n  double: ^0.1.0\n",
    `function main()
       local r = crucible.workflow.run({ tasks = {
         seed = { run = function() return 21 end },
         twice = { deps = { "seed" }, plugin = "double", params = function(c) return { n = c.deps.seed } end },
         bad = { plugin = "double", params = { n = -1 } },
       } }, { progress = false })
       local t1 = crucible.invoke_plugin_start("double", { n = 1 })
       local t2 = crucible.invoke_plugin_start("double", { n = 2 })
       local got = {}
       for _ = 1, 2 do
         local done = crucible.invoke_plugin_wait({ t1, t2 })
         got[done.ticket == t1 and 1 or 2] = done.value
       end
       return { twice = r.outputs.twice, bad = r.tasks.bad.error.message, got = got }
     end`,
  );
  // Calling a dependency is PluginInvoke for it: asked once, however many calls run at once.
  const approver = fixedApprover(["PluginInvoke(double)"]);
  const { runner } = testRunner(kiln, { registry: registryOf([double, caller]), approver });
  try {
    const r = await runner.invoke({ plugin: caller });
    ok(r.ok, JSON.stringify(r.error));
    const v = r.value as { twice: number; bad: string; got: number[] };
    strictEqual(v.twice, 42);
    ok(/plugin double \(called by caller\) failed: negative/.test(v.bad), v.bad);
    deepStrictEqual(v.got, [2, 4]);
    deepStrictEqual(approver.asked, ["PluginInvoke(double)"]);
  } finally {
    runner.close();
    double.cleanup();
    caller.cleanup();
  }
});
