/**
 * crucible.progress as an attack surface: a plugin cannot flood the terminal or write escape
 * sequences to it through progress events.
 */
import { ok, strictEqual } from "node:assert/strict";
import { formatProgress, MAX_PROGRESS_LINE } from "../../src/cli/progress.ts";
import { MAX_PROGRESS_EVENTS } from "../../src/sandbox/host_calls_stdlib.ts";
import { tempKiln } from "../helpers.ts";
import { testRunner } from "../sandbox/sandbox_helpers.ts";
import { plugin } from "./stdlib_helpers.ts";

Deno.test("progress events are capped per invocation and printed without control characters", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const { runner } = testRunner(kiln);
  const p = await plugin(
    "chatty",
    "lua",
    "capabilities: []\n",
    `function main()
       for i = 1, ${MAX_PROGRESS_EVENTS + 200} do crucible.progress("\\27[2J\\27[31mstep " .. i) end
       return true
     end`,
  );
  const seen: string[] = [];
  try {
    const r = await runner.invoke({
      plugin: p,
      onProgress: (e, from) => seen.push(formatProgress(e, from)),
    });
    strictEqual(r.ok, true);
    strictEqual(seen.length, MAX_PROGRESS_EVENTS + 1);
    ok(/the rest are not shown/.test(seen.at(-1)!));
    strictEqual(seen[0], "[chatty] \\x1b[2J\\x1b[31mstep 1");
    // deno-lint-ignore no-control-regex
    ok(seen.every((line) => !/[\u0000-\u001f]/.test(line)));
  } finally {
    runner.close();
    p.cleanup();
  }
  strictEqual(formatProgress("x".repeat(5000), "p").length, MAX_PROGRESS_LINE);
});
