/**
 * Fan-out attacks on the sandbox pool: a plugin that starts many calls of other plugins (through
 * its declared dependencies) must not get a worker per call, must not deadlock a full pool, and
 * every nested call it started ends in the audit log, including those still running when the
 * caller ends, times out or returns without waiting for them.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { PluginRegistry } from "../../src/plugins/registry.ts";
import { CRU_TASK_FLAGS, REPO } from "../helpers.ts";
import { auditDir, type AuditEvent, AuditLog } from "../../src/security/audit.ts";
import { assertUnchanged, hostileWorld } from "./hostile.ts";
import { fixedApprover, SandboxPool, testRunner } from "../sandbox/sandbox_helpers.ts";

const LEAF = `---
name: leaf
version: 0.1.0
description: adds numbers, or spins forever when asked
parameters:
  n: integer
  spin: {type: boolean, default: false}
---
function main(p)
  local s = 0
  for i = 1, 20000 do s = s + i end
  while p.spin do s = s + 1 end
  return p.n
end
`;

/** A plugin fanning out `count` calls of `target` (its dependency), then waiting for all. */
function fanout(name: string, target: string, count: number): string {
  return `---
name: ${name}
version: 0.1.0
description: fans out to ${target}
dependencies:
  ${target}: "*"
parameters:
  n: {type: integer, default: 0}
  spin: {type: boolean, default: false}
  leave: {type: boolean, default: false}
---
function main(p)
  local tickets = {}
  for i = 1, ${count} do
    tickets[#tickets + 1] = crucible.invoke_plugin_start("${target}", { n = i, spin = p.spin })
  end
  if p.leave then return "left" end
  local sum, left = 0, ${count}
  while left > 0 do
    local done = crucible.invoke_plugin_wait(tickets)
    if not done.ok then error(done.error.code .. ": " .. done.error.message) end
    sum = sum + done.value
    left = left - 1
    for i, t in ipairs(tickets) do
      if t == done.ticket then table.remove(tickets, i) break end
    end
  end
  return sum
end
`;
}

/** Calling a declared dependency is a PluginInvoke scoped to it: these runs approve it. */
const CALLS_APPROVED = fixedApprover(["*"]);

/** Every invocation started in `events` ended exactly once; returns the ends by plugin. */
function pairs(events: Omit<AuditEvent, "ts">[]): Map<string, Omit<AuditEvent, "ts">[]> {
  const starts = events.filter((e) => e.kind === "invocation.start").map((e) => e.invocation);
  const ends = events.filter((e) => e.kind === "invocation.end");
  deepStrictEqual(
    starts.filter((id) => ends.filter((e) => e.invocation === id).length !== 1),
    [],
    "every audit start has exactly one end",
  );
  const out = new Map<string, Omit<AuditEvent, "ts">[]>();
  for (const e of ends) out.set(e.plugin, [...(out.get(e.plugin) ?? []), e]);
  return out;
}

Deno.test("pool fan-out: 50 nested calls never run more workers than the pool allows", async () => {
  using world = hostileWorld({
    "Home.md": "# Home\n",
    ".crucible/plugins/leaf.lua": LEAF,
    ".crucible/plugins/wide.lua": fanout("wide", "leaf", 50),
    // Two levels: 6 calls that each fan out 5 calls of their own and wait for them.
    ".crucible/plugins/mid.lua": fanout("mid", "leaf", 5),
    ".crucible/plugins/tree.lua": fanout("tree", "mid", 6),
  });
  const registry = await PluginRegistry.load({ kilnRoot: world.kiln.root, builtinDir: null });
  const pool = new SandboxPool({ size: 2 });
  const { runner, events } = testRunner(world.kiln, { pool, registry, approver: CALLS_APPROVED });
  const before = await world.checksums();
  try {
    const r = await runner.invoke({ plugin: "wide" });
    strictEqual(r.ok, true, JSON.stringify(r.error));
    strictEqual(r.value, (50 * 51) / 2);
    const wide = pool.stats();
    // Two run slots; the caller's own worker, lent while it waits, is the only other one serving.
    ok(wide.peakBusy <= 2, JSON.stringify(wide));
    ok(wide.peakActive <= 3, JSON.stringify(wide));
    strictEqual(pairs(events).get("leaf")?.filter((e) => e.status === "ok").length, 50);

    // The rate bucket (bursts of 50, kept in the kiln) starts afresh when its file is gone.
    Deno.removeSync(path.join(world.kiln.root, ".crucible", "rate", "leaf.json"));
    const second = testRunner(world.kiln, { pool, registry, approver: CALLS_APPROVED });
    const t = await second.runner.invoke({ plugin: "tree" });
    second.runner.close();
    strictEqual(t.ok, true, JSON.stringify(t.error));
    strictEqual(t.value, 6 * 15);
    const tree = pool.stats();
    ok(tree.peakBusy <= 2, JSON.stringify(tree));
    // At most the run slots plus the callers waiting for them (one per level), never one per call.
    ok(tree.peakActive <= 2 * 3, JSON.stringify(tree));
    const ends = pairs(second.events);
    strictEqual(ends.get("leaf")?.filter((e) => e.status === "ok").length, 30);
    strictEqual(ends.get("mid")?.filter((e) => e.status === "ok").length, 6);
    assertUnchanged(before, await world.checksums());
  } finally {
    runner.close();
    pool.close();
  }
});

Deno.test("pool fan-out: a one-slot pool runs a caller and its nested calls without deadlock", async () => {
  using world = hostileWorld({
    ".crucible/plugins/leaf.lua": LEAF,
    ".crucible/plugins/mid.lua": fanout("mid", "leaf", 3),
    ".crucible/plugins/tree.lua": fanout("tree", "mid", 3),
  });
  const registry = await PluginRegistry.load({ kilnRoot: world.kiln.root, builtinDir: null });
  const pool = new SandboxPool({ size: 1 });
  const { runner, events } = testRunner(world.kiln, { pool, registry, approver: CALLS_APPROVED });
  try {
    const r = await runner.invoke({ plugin: "tree" });
    strictEqual(r.ok, true, JSON.stringify(r.error));
    strictEqual(r.value, 3 * 6);
    strictEqual(pool.stats().peakBusy, 1);
    pairs(events);
  } finally {
    runner.close();
    pool.close();
  }
});

Deno.test("pool fan-out: nested calls a caller leaves running end, audited, when it returns", async () => {
  using world = hostileWorld({
    ".crucible/plugins/leaf.lua": LEAF,
    ".crucible/plugins/wide.lua": fanout("wide", "leaf", 8),
  });
  const before = await world.checksums({ skip: ["kiln:.crucible/audit"] });
  // Through the CLI as a user runs it: the caller starts 8 calls that spin forever and returns.
  const r = await world.cru([
    "plugins",
    "run",
    "wide",
    "--yes",
    "--params",
    '{"spin":true,"leave":true}',
  ]);
  strictEqual(r.code, 0, r.stderr);
  strictEqual(JSON.parse(r.stdout), "left");
  const events = AuditLog.read(auditDir(world.kiln.root));
  const ends = pairs(events);
  strictEqual(ends.get("wide")?.[0].status, "ok");
  const leaves = ends.get("leaf") ?? [];
  strictEqual(leaves.length, 8);
  for (const e of leaves) {
    strictEqual(e.error?.code, "E_CANCELLED", JSON.stringify(e));
    ok(e.error?.message.includes("its caller, plugin wide, ended"), e.error?.message);
  }
  assertUnchanged(before, await world.checksums({ skip: ["kiln:.crucible/audit"] }));
});

Deno.test("pool fan-out: nested calls end with their caller's timeout, audited", async () => {
  using world = hostileWorld({
    ".crucible/plugins/leaf.lua": LEAF,
    ".crucible/plugins/wide.lua": fanout("wide", "leaf", 20),
  });
  const before = await world.checksums({ skip: ["kiln:.crucible/audit"] });
  const r = await world.cru([
    "plugins",
    "run",
    "wide",
    "--yes",
    "--params",
    '{"spin":true}',
    "--timeout",
    "3000",
    "--json",
  ]);
  strictEqual(r.code, 1, r.stderr);
  strictEqual(JSON.parse(r.stdout).error.code, "E_TIMEOUT");
  const ends = pairs(AuditLog.read(auditDir(world.kiln.root)));
  strictEqual(ends.get("wide")?.[0].error?.code, "E_TIMEOUT");
  // Those that ran were stopped at the caller's deadline; those still queued were cut off. (How
  // many the caller started before its deadline depends on the machine; each of them ended.)
  const leaves = ends.get("leaf") ?? [];
  ok(leaves.length <= 20);
  for (const e of leaves) {
    ok(["E_TIMEOUT", "E_CANCELLED"].includes(e.error?.code ?? ""), JSON.stringify(e));
  }
  assertUnchanged(before, await world.checksums({ skip: ["kiln:.crucible/audit"] }));
});

Deno.test("pool fan-out: 50 nested calls through the CLI all finish, each audited", async () => {
  using world = hostileWorld({
    ".crucible/plugins/leaf.lua": LEAF,
    ".crucible/plugins/wide.lua": fanout("wide", "leaf", 50),
  });
  const before = await world.checksums({ skip: ["kiln:.crucible/audit"] });
  const r = await world.cru(["plugins", "run", "wide", "--yes", "--json"]);
  strictEqual(r.code, 0, r.stderr);
  strictEqual(JSON.parse(r.stdout).value, (50 * 51) / 2);
  const ends = pairs(AuditLog.read(auditDir(world.kiln.root)));
  strictEqual(ends.get("leaf")?.filter((e) => e.status === "ok").length, 50);
  assertUnchanged(before, await world.checksums({ skip: ["kiln:.crucible/audit"] }));
});

Deno.test("pool fan-out: interrupting cru ends the caller and its nested calls, audited", async () => {
  using world = hostileWorld({
    ".crucible/plugins/leaf.lua": LEAF,
    ".crucible/plugins/wide.lua": fanout("wide", "leaf", 4),
  });
  const before = await world.checksums({ skip: ["kiln:.crucible/audit"] });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...CRU_TASK_FLAGS,
      path.join(REPO, "cli.ts"),
      "--kiln",
      world.kiln.root,
      "plugins",
      "run",
      "wide",
      "--yes",
      "--params",
      '{"spin":true}',
      "--json",
    ],
    env: world.env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Interrupt once a nested call is running (its start is in the audit log).
  const dir = auditDir(world.kiln.root);
  while (
    !AuditLog.readWithWarnings(dir).events.some((e) =>
      e.plugin === "leaf" && e.kind === "invocation.start"
    )
  ) await new Promise((r) => setTimeout(r, 100));
  child.kill("SIGINT");
  const res = await child.output();
  strictEqual(res.code, 1, new TextDecoder().decode(res.stderr));
  strictEqual(JSON.parse(new TextDecoder().decode(res.stdout)).error.code, "E_CANCELLED");
  const ends = pairs(AuditLog.read(dir));
  strictEqual(ends.get("wide")?.[0].error?.code, "E_CANCELLED");
  ok((ends.get("leaf") ?? []).length >= 1);
  assertUnchanged(before, await world.checksums({ skip: ["kiln:.crucible/audit"] }));
});
