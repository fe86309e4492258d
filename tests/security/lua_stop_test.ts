/**
 * Attacks on the stop of a Lua plugin: code that catches the stop error (in a coroutine, through
 * coroutine.wrap, xpcall and its handler) must still end with E_TIMEOUT and do nothing after its
 * deadline; a `__gc` finalizer that spins after the result must not keep a pooled worker busy.
 */
import { strictEqual } from "node:assert/strict";
import { assertUnchanged, hostileWorld } from "./hostile.ts";
import { fixedApprover, luaPlugin, SandboxPool, testRunner } from "../sandbox/sandbox_helpers.ts";

const CATCHERS: Record<string, string> = {
  "pcall inside a coroutine": `
    local co = coroutine.create(function()
      pcall(function() while true do end end)
      crucible.write_note("pwned.md", "after the deadline")
      return "caught"
    end)
    local _, v = coroutine.resume(co)
    return v`,
  "coroutine.wrap under pcall": `
    local f = coroutine.wrap(function() while true do end end)
    pcall(f)
    crucible.write_note("pwned.md", "after the deadline")
    return "survived"`,
  "xpcall with a spinning handler": `
    xpcall(function() while true do end end, function() while true do end end)
    return "handled"`,
  "pcall in a loop": `
    while true do pcall(function() while true do end end) end`,
  "pcall that returns at once": `
    local ok = pcall(function() while true do end end)
    return ok and "ran" or "caught"`,
};

for (const [attack, body] of Object.entries(CATCHERS)) {
  Deno.test(`lua stop: ${attack} still ends with E_TIMEOUT and writes nothing`, async () => {
    using world = hostileWorld({ "Home.md": "# Home\n" });
    // A grace this long means only the engine's own sticky stop can end the run in time: if the
    // plugin could swallow the stop, the test would wait for the grace and see it kill the worker.
    const pool = new SandboxPool({ size: 1, graceMs: 120_000 });
    const { runner } = testRunner(world.kiln, {
      pool,
      approver: fixedApprover(["KilnWrite"]),
    });
    const p = await luaPlugin(
      "catcher",
      "capabilities: [KilnRead, KilnWrite]\n",
      `function main()\n${body}\nend`,
    );
    const before = await world.checksums();
    try {
      const r = await runner.invoke({ plugin: p, timeoutMs: 300 });
      strictEqual(r.ok, false, `the plugin returned ${JSON.stringify(r.value)} after its deadline`);
      strictEqual(r.error?.code, "E_TIMEOUT", JSON.stringify(r.error));
      // The worker stopped by itself and stays usable; nothing had to be terminated.
      strictEqual(pool.stats().terminated, 0);
      assertUnchanged(before, await world.checksums());
    } finally {
      runner.close();
      pool.close();
      p.cleanup();
    }
  });
}

Deno.test("lua stop: a __gc finalizer spinning after the result gets its worker recycled", async () => {
  using world = hostileWorld({ "Home.md": "# Home\n" });
  const pool = new SandboxPool({ size: 1, idleMs: 200 });
  const { runner } = testRunner(world.kiln, { pool });
  const p = await luaPlugin(
    "spinner",
    "",
    // Kept alive in a global, the table is finalized when the engine closes the Lua state, after
    // the result: finalizers run with hooks off, so no instruction budget stops this loop.
    `keep = setmetatable({}, { __gc = function() while true do end end })
     function main() return "done" end`,
  );
  const before = await world.checksums();
  try {
    const r = await runner.invoke({ plugin: p });
    strictEqual(r.ok, true, JSON.stringify(r.error));
    strictEqual(r.value, "done");
    // The worker never says it is idle, so the pool terminates it instead of keeping it warm.
    while (pool.stats().terminated === 0) await new Promise((r) => setTimeout(r, 50));
    strictEqual(pool.stats().alive, 0);
    // The next run gets a fresh worker and works.
    const again = await runner.invoke({ plugin: p });
    strictEqual(again.ok, true, JSON.stringify(again.error));
    strictEqual(pool.stats().spawned, 2);
    strictEqual(pool.stats().reused, 0);
    assertUnchanged(before, await world.checksums());
  } finally {
    runner.close();
    pool.close();
    p.cleanup();
  }
});

Deno.test("lua stop: a worker that goes idle after its run is kept warm and reused", async () => {
  using world = hostileWorld({ "Home.md": "# Home\n" });
  const pool = new SandboxPool({ size: 1 });
  const { runner } = testRunner(world.kiln, { pool });
  const p = await luaPlugin("calm", "", `function main() return 1 end`);
  try {
    strictEqual((await runner.invoke({ plugin: p })).ok, true);
    // Wait for the idle acknowledgement to park the worker, then run again on it.
    while (pool.stats().alive !== 1 || pool.stats().busy !== 0) {
      await new Promise((r) => setTimeout(r, 20));
    }
    let again = await runner.invoke({ plugin: p });
    for (let i = 0; i < 50 && pool.stats().reused === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      again = await runner.invoke({ plugin: p });
    }
    strictEqual(again.ok, true);
    strictEqual(pool.stats().reused >= 1, true, JSON.stringify(pool.stats()));
    strictEqual(pool.stats().terminated, 0);
  } finally {
    runner.close();
    pool.close();
    p.cleanup();
  }
});
