/**
 * Plugin state and rate limits shared by concurrent `cru` processes, and state files a shared
 * kiln may have damaged: every update survives two overlapping runs, the rate bucket is one per
 * kiln across processes, a planted bucket is never looser than a fresh one, and a damaged state
 * file is set aside and reported instead of being dropped.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { assertUnchanged, hostileWorld } from "./hostile.ts";

const COUNTER = `---
name: counter
description: bumps kiln-wide counters
capabilities: [KilnRead, {StateManage: kiln}]
parameters:
  who: {type: string, required: true}
---
local M = {}
function M.main(p)
  for i = 1, 300 do
    crucible.state.increment("count", 1, { scope = "kiln" })
    crucible.state.set(p.who .. i, i, { scope = "kiln" })
  end
  return crucible.state.get("count", { scope = "kiln" })
end
return M
`;

const APPROVE = ["--approve", "counter:StateManage(kiln)"];

Deno.test("two overlapping runs lose no state update (600 of 600)", async () => {
  using world = hostileWorld({ ".crucible/plugins/counter.lua": COUNTER });
  // A generous timeout: on a loaded machine 600 host calls may take longer than the default.
  const run = (who: string) =>
    world.cru([
      "plugins",
      "run",
      "counter",
      "--params",
      JSON.stringify({ who }),
      "--timeout",
      "600000",
      ...APPROVE,
    ]);
  const [a, b] = await Promise.all([run("a"), run("b")]);
  strictEqual(a.code, 0, a.stderr);
  strictEqual(b.code, 0, b.stderr);
  const file = path.join(world.kiln.root, ".crucible", "plugin-state", "_kiln.json");
  const entries = JSON.parse(Deno.readTextFileSync(file)).entries;
  strictEqual(entries.count.value, 600, "an increment was lost");
  // Each set is a read-modify-write of the whole file: none may overwrite another's key.
  strictEqual(Object.keys(entries).filter((k) => /^[ab]\d+$/.test(k)).length, 600);
});

const BUMP = `---
name: bump
description: counts its runs
capabilities: [KilnRead, StateManage]
---
local M = {}
function M.main()
  return { n = crucible.state.increment("n"), keys = crucible.state.keys() }
end
return M
`;

Deno.test("a null entry in a state file reads as absent, not as a failure", async () => {
  using world = hostileWorld({
    ".crucible/plugins/bump.lua": BUMP,
    ".crucible/plugin-state/bump.json": JSON.stringify({
      version: 1,
      entries: { broken: null, odd: [1], n: { value: 4, expires: "soon", updated: "x" } },
    }),
  });
  const res = await world.cru(["plugins", "run", "bump", "--json"]);
  strictEqual(res.code, 0, res.stdout + res.stderr);
  deepStrictEqual(JSON.parse(res.stdout).value, { n: 5, keys: ["n"] });
});

Deno.test("a damaged state file is kept as a backup and reported, never dropped", async () => {
  using world = hostileWorld({
    ".crucible/plugins/bump.lua": BUMP,
    ".crucible/plugin-state/bump.json": "{garbage, not state\u001b[2K",
  });
  const res = await world.cru(["plugins", "run", "bump", "--json"]);
  strictEqual(res.code, 0, res.stdout + res.stderr);
  deepStrictEqual(JSON.parse(res.stdout).value, { n: 1, keys: ["n"] });
  const dir = path.join(world.kiln.root, ".crucible", "plugin-state");
  const kept = [...Deno.readDirSync(dir)].map((e) => e.name)
    .filter((n) => n.startsWith("bump.json.corrupt-"));
  strictEqual(kept.length, 1, "no backup of the damaged file");
  strictEqual(
    Deno.readTextFileSync(path.join(dir, kept[0])),
    "{garbage, not state\u001b[2K",
  );
  match(res.stdout, /is damaged \(not JSON state\); it was kept as bump\.json\.corrupt-/);
  const audit = await world.cru(["audit", "--json"]);
  match(audit.stdout, /is damaged \(not JSON state\)/);
});

Deno.test("a state folder symlinked out of the kiln is refused", async () => {
  using world = hostileWorld({ ".crucible/plugins/bump.lua": BUMP });
  Deno.symlinkSync(world.decoy, path.join(world.kiln.root, ".crucible", "plugin-state"));
  const skip = ["kiln:.crucible/audit"];
  const before = await world.checksums({ skip });
  const res = await world.cru(["plugins", "run", "bump", "--json"]);
  assertUnchanged(before, await world.checksums({ skip }));
  strictEqual(res.code, 1);
  const error = JSON.parse(res.stdout).error;
  strictEqual(error.code, "E_PATH");
  match(error.message, /plugin-state is a symbolic link .*will not follow it/);
});

Deno.test("a dangling state folder link cannot make cru create folders outside", async () => {
  using world = hostileWorld({ ".crucible/plugins/bump.lua": BUMP });
  Deno.symlinkSync(
    path.join(world.decoy, "made", "by", "cru"),
    path.join(world.kiln.root, ".crucible", "plugin-state"),
  );
  const skip = ["kiln:.crucible/audit"];
  const before = await world.checksums({ skip });
  const res = await world.cru(["plugins", "run", "bump", "--json"]);
  assertUnchanged(before, await world.checksums({ skip }));
  strictEqual(res.code, 1, res.stdout);
  const error = JSON.parse(res.stdout).error;
  strictEqual(error.code, "E_PATH");
  match(error.message, /plugin-state is a symbolic link .*will not follow it/);
});

const ONCE = `---
name: once
description: may run once a minute
capabilities: [KilnRead]
limits: {rate: 1/min}
---
local M = {}
function M.main() return "ran" end
return M
`;

Deno.test("the rate limit holds across back-to-back cru processes", async () => {
  // The default burst (50) is capped at a minute's worth of the manifest's rate: one.
  using world = hostileWorld({ ".crucible/plugins/once.lua": ONCE });
  const first = await world.cru(["plugins", "run", "once", "--json"]);
  strictEqual(first.code, 0, first.stderr);
  const skip = ["kiln:.crucible/audit"];
  const before = await world.checksums({ skip });
  const bucket = path.join(world.kiln.root, ".crucible", "rate", "once.json");
  const taken = Deno.readTextFileSync(bucket);
  for (const _ of [2, 3]) {
    const res = await world.cru(["plugins", "run", "once", "--json"]);
    strictEqual(res.code, 1, res.stdout);
    const error = JSON.parse(res.stdout).error;
    strictEqual(error.code, "E_RATE_LIMIT");
    match(error.message, /plugin once was called more than 1 times a minute \(burst 1\)/);
  }
  assertUnchanged(before, await world.checksums({ skip }));
  strictEqual(Deno.readTextFileSync(bucket), taken, "a refused run changed the bucket");
});

for (
  const [what, planted] of [
    ["garbage", "not a bucket"],
    ["a bucket with more tokens than the burst", JSON.stringify({ tokens: 1e9, at: 0 })],
    ["a bucket counted in the future", JSON.stringify({ tokens: 1, at: 8e15 })],
    ["a bucket with negative time", JSON.stringify({ tokens: -5, at: -1e15 })],
  ]
) {
  Deno.test(`a planted rate bucket (${what}) never loosens the limit`, async () => {
    using world = hostileWorld({
      ".crucible/plugins/once.lua": ONCE,
      ".crucible/rate/once.json": planted,
    });
    const results = [];
    for (const _ of [1, 2]) {
      const res = await world.cru(["plugins", "run", "once", "--json"]);
      results.push(res.code === 0 ? "ok" : JSON.parse(res.stdout).error.code);
    }
    // At most what a fresh bucket allows: one run, then E_RATE_LIMIT.
    strictEqual(results[1], "E_RATE_LIMIT");
    ok(["ok", "E_RATE_LIMIT"].includes(results[0]));
  });
}
