/**
 * Process isolation: the same walls in a child `deno run` with equivalent permission flags.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { tempKiln } from "../helpers.ts";
import { fixedApprover, jsPlugin, luaPlugin, testRunner } from "./sandbox_helpers.ts";

Deno.test("process isolation: bindings, host calls and writes work across the process boundary", async () => {
  using kiln = tempKiln({ "a.md": "# A\nhello\n" });
  const { runner, events } = testRunner(kiln, { approver: fixedApprover(["KilnWrite"]) });
  const p = await luaPlugin(
    "proc",
    "isolation: process\ncapabilities: [KilnRead, KilnWrite]\n",
    `function main()
       print("in child")
       local n = crucible.read_note("a")
       local w = crucible.write_note("b.md", "# B")
       return { title = n.title, wrote = w.path, hits = #crucible.search("hello") }
     end`,
  );
  try {
    const r = await runner.invoke({ plugin: p });
    strictEqual(r.ok, true, JSON.stringify(r.error));
    deepStrictEqual(r.value, { hits: 1, title: "A", wrote: "b.md" });
    strictEqual(r.logs[0], "in child");
    strictEqual(Deno.readTextFileSync(path.join(kiln.root, "b.md")), "# B");
    ok(events.some((e) => e.kind === "capability" && e.binding === "write_note" && e.granted));
  } finally {
    runner.close();
    p.cleanup();
  }
});

Deno.test("process isolation: the child's own permissions refuse what the grant does not hold", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const outside = Deno.makeTempDirSync({ prefix: "cru-outside-" });
  Deno.writeTextFileSync(path.join(outside, "s.txt"), "secret");
  const { runner } = testRunner(kiln);
  try {
    const r = await runner.invoke({
      plugin: jsPlugin(
        "escapee",
        "isolation: process\n",
        `const out = {};
         for (const [k, f] of Object.entries({
           read: () => Deno.readTextFileSync(${JSON.stringify(path.join(outside, "s.txt"))}),
           write: () => Deno.writeTextFileSync(${
          JSON.stringify(path.join(kiln.root, "x.md"))
        }, "x"),
           env: () => Deno.env.get("HOME"),
           run: () => new Deno.Command("/bin/sh", { args: ["-c", "true"] }).outputSync(),
           kiln: () => Deno.readTextFileSync(${JSON.stringify(path.join(kiln.root, "a.md"))}),
         })) { try { out[k] = "ok " + String(f()); } catch (e) { out[k] = e.constructor.name; } }
         return out;`,
      ),
    });
    strictEqual(r.ok, true, JSON.stringify(r.error));
    const v = r.value as Record<string, string>;
    strictEqual(v.read, "NotCapable");
    strictEqual(v.write, "NotCapable");
    strictEqual(v.env, "NotCapable");
    strictEqual(v.run, "NotCapable");
    strictEqual(v.kiln, "ok # A\n");
  } finally {
    runner.close();
    Deno.removeSync(outside, { recursive: true });
  }
});

Deno.test("process isolation: runaway code is killed at the timeout; memory bombs are stopped", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const { runner } = testRunner(kiln);
  const loop = await luaPlugin(
    "loop",
    "isolation: process\n",
    `function main() while true do end end`,
  );
  const bomb = await luaPlugin(
    "bomb",
    "isolation: process\nlimits: {memory: 32MB}\n",
    `function main() local t = {} for i = 1, 1e9 do t[i] = {i} end end`,
  );
  try {
    strictEqual((await runner.invoke({ plugin: loop, timeoutMs: 800 })).error?.code, "E_TIMEOUT");
    strictEqual((await runner.invoke({ plugin: bomb })).error?.code, "E_MEMORY");
  } finally {
    runner.close();
    loop.cleanup();
    bomb.cleanup();
  }
});

Deno.test("the kiln config can require process isolation for every plugin", async () => {
  using kiln = tempKiln({
    "a.md": "# A\n",
    ".crucible/config.yaml": "sandbox:\n  isolation: process\n",
  });
  const { runner } = testRunner(kiln);
  try {
    // Deno.pid differs from the host's only when the plugin runs in another process.
    const r = await runner.invoke({ plugin: jsPlugin("where", "", "return Deno.pid;") });
    strictEqual(r.ok, true, JSON.stringify(r.error));
    ok(r.value !== Deno.pid);
  } finally {
    runner.close();
  }
});
