/**
 * Lua errors say where and what to do: `E_MEMORY` and `E_INVALID_VALUE` carry the line of the
 * plugin file where it is knowable, and limit errors say how to raise the limit.
 */
import { match, ok, strictEqual } from "node:assert/strict";
import { tempKiln } from "../helpers.ts";
import { luaPlugin, testRunner } from "../sandbox/sandbox_helpers.ts";

async function invoke(name: string, code: string, limits = LIMITS) {
  using kiln = tempKiln();
  const plugin = await luaPlugin(name, limits, code);
  const { runner } = testRunner(kiln);
  try {
    const r = await runner.invoke({ plugin, params: {} });
    strictEqual(r.ok, false, JSON.stringify(r.value));
    return r.error!;
  } finally {
    runner.close();
    plugin.cleanup();
  }
}

/** The file line of the code line holding `text`, below a manifest with these extra lines. */
function lineOf(code: string, text: string, manifest: string): number {
  const head = 4 + manifest.split("\n").length - 1; // ---, name, description, extra lines, ---
  return head + code.split("\n").findIndex((l) => l.includes(text)) + 1;
}

const LIMITS = "limits: {memory: 8MB}\n";

Deno.test("E_MEMORY in a loop names the line the plugin was running and how to raise the limit", async () => {
  const code = "function main()\n  local t = {}\n  for i = 1, 1e9 do\n" +
    "    t[i] = { i, tostring(i) }\n  end\n  return #t\nend\n";
  const e = await invoke("hungry", code);
  strictEqual(e.code, "E_MEMORY");
  // The stop check last saw the loop: its `for` line or its body.
  ok(
    [lineOf(code, "for i", LIMITS), lineOf(code, "t[i] = ", LIMITS)].includes(e.line!),
    `${e.line}`,
  );
  match(e.message, new RegExp(`last seen running line ${e.line}\\)`));
  match(
    e.message,
    /; the limit is 8 MB; raise it with `limits: \{memory: 256MB\}` in the manifest \(needs approval; at most/,
  );
});

Deno.test("E_MEMORY in one big step names the function that was running", async () => {
  const code =
    'function main()\n  local s = "x"\n  for i = 1, 40 do s = s .. s end\n  return #s\nend\n';
  const e = await invoke("doubler", code);
  strictEqual(e.code, "E_MEMORY");
  const first = lineOf(code, "function main()", LIMITS);
  match(e.message, new RegExp(`while running main, lines ${first}-${first + 4}\\)`));
  match(e.message, /raise it with `limits: \{memory: 256MB\}`/);
});

Deno.test("E_INVALID_VALUE in the result names the line of the function that cannot cross", async () => {
  const code =
    "function main()\n  local x = 1\n  return {\n    f = function() return x end,\n  }\nend\n";
  const e = await invoke("leaky", code, "");
  strictEqual(e.code, "E_INVALID_VALUE");
  strictEqual(e.line, lineOf(code, "f = function()", ""));
  match(
    e.message,
    new RegExp(`the result of main holds a function \\(defined at line ${e.line}\\)`),
  );

  const cyclic = "function main()\n  local t = {}\n  t.self = t\n  return t\nend\n";
  const c = await invoke("cyclic", cyclic, "");
  strictEqual(c.code, "E_INVALID_VALUE");
  match(c.message, /the result of main contains itself \(a cycle\)/);
  strictEqual(c.line, lineOf(cyclic, "end", ""), "where main ends, near its return");
});

Deno.test("E_TIMEOUT says how to raise the time limit", async () => {
  const e = await invoke(
    "spinner",
    "function main()\n  while true do end\nend\n",
    "limits: {timeout: 300ms}\n",
  );
  strictEqual(e.code, "E_TIMEOUT");
  match(
    e.message,
    /raise it with --timeout MS or `limits: \{timeout: 60s\}` in the manifest \(needs approval; at most \d+ ms, sandbox\.max\.timeout in the user config\)/,
  );
});
