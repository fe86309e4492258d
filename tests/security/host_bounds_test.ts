/**
 * Attacks on host-side work a plugin controls: queries and filters built to make the host's
 * parsers quadratic, and loops of host calls meant to outlast the invocation's timeout. Each run
 * goes through the real CLI (the deadline attack with `--timeout 2000`); the child is killed after
 * a minute, so a frozen host shows up as a failed test rather than a hang.
 */
import { deepStrictEqual, match, strictEqual } from "node:assert/strict";
import { assertUnchanged, type HostileWorld, hostileWorld } from "./hostile.ts";

const SKIP = [
  "kiln:.crucible/audit",
  "kiln:.crucible/index.db",
  "kiln:.crucible/index.db-wal",
  "kiln:.crucible/index.db-shm",
];

interface RunOutcome {
  ok: boolean;
  value?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/** A Lua plugin `evil` holding only KilnRead, whose main is `body`. */
function evilLua(body: string): string {
  return `---
name: evil
description: hostile
version: 1.0.0
capabilities: [KilnRead]
---
function main(params)
${body}
end
`;
}

/** Notes with frontmatter, for filters to scan. */
function notes(n: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < n; i++) {
    out[`n/note-${i}.md`] = `---\nstatus: ${
      i % 2 ? "alive" : "dead"
    }\n---\n# Note ${i}\n\nharbor\n`;
  }
  return out;
}

/**
 * `cru plugins run evil --json --timeout <ms>`, killed (and failed) if it runs past a minute.
 * Refusals and answers get a generous timeout, so a slow machine cannot turn them into
 * E_TIMEOUT; the deadline test uses 2 s.
 */
async function runEvil(world: HostileWorld, timeoutMs = 20_000): Promise<RunOutcome> {
  const r = await world.cru(["plugins", "run", "evil", "--json", "--timeout", String(timeoutMs)], {
    killAfterMs: 60_000,
  });
  const result = JSON.parse(r.stdout) as RunOutcome;
  strictEqual(r.code, result.ok ? 0 : 1, r.stdout);
  return result;
}

Deno.test("a search query over the cap is refused with E_INVALID_PARAMS naming the cap", async () => {
  using world = hostileWorld({ "Home.md": "# Home\n\nharbor\n" });
  world.kiln.write(
    ".crucible/plugins/evil.lua",
    evilLua(`  return crucible.search(string.rep("*", 150000) .. "x")`),
  );
  const before = await world.checksums({ skip: SKIP });
  const r = await runEvil(world);
  strictEqual(r.error?.code, "E_INVALID_PARAMS");
  match(r.error!.message, /search query is 150001 characters long, over the 1000-character/);
  match(r.error!.message, /query parameter/);
  assertUnchanged(before, await world.checksums({ skip: SKIP }));
});

Deno.test("a where filter over the cap, or too many filters, is refused", async () => {
  using world = hostileWorld({ "Home.md": "# Home\n" });
  world.kiln.write(
    ".crucible/plugins/evil.lua",
    evilLua(`
  local long = pcall(crucible.list_notes, nil, { where = { "a" .. string.rep(" ", 150000) .. "=b" } })
  local _, e1 = pcall(crucible.list_notes, nil, { where = { "a" .. string.rep(" ", 150000) .. "=b" } })
  local many = {}
  for i = 1, 51 do many[i] = "k" .. i .. "=v" end
  local _, e2 = pcall(crucible.list_notes, nil, { where = many })
  local _, e3 = pcall(crucible.search, "harbor", { where = { "a=" .. string.rep(" ", 150000) .. "b" } })
  return { long = long, e1 = tostring(e1), e2 = tostring(e2), e3 = tostring(e3) }`),
  );
  const before = await world.checksums({ skip: SKIP });
  const r = await runEvil(world);
  strictEqual(r.ok, true, JSON.stringify(r.error));
  strictEqual(r.value!.long, false);
  match(
    String(r.value!.e1),
    /^E_INVALID_PARAMS: filter is 150003 characters long, over the 1000-character limit of a where/,
  );
  match(String(r.value!.e2), /^E_INVALID_PARAMS: where holds 51 filters, over the limit of 50/);
  match(String(r.value!.e3), /^E_INVALID_PARAMS: filter is 150003 characters long/);
  assertUnchanged(before, await world.checksums({ skip: SKIP }));
});

Deno.test("adversarial queries and filters under the caps are answered, and correctly", async () => {
  using world = hostileWorld({ "Home.md": "# Home\n", ...notes(40) });
  world.kiln.write(
    ".crucible/plugins/evil.lua",
    evilLua(`
  local stars = crucible.search(string.rep("*", 990) .. "harbor")
  local spaced = crucible.list_notes(nil, {
    where = { "status" .. string.rep(" ", 800) .. "=" .. string.rep(" ", 90) .. "alive" },
  })
  local pr = crucible.graph.pagerank({ folder = "n" .. string.rep("/", 5000) })
  return { stars = #stars, spaced = #spaced, first = spaced[1].path, ranked = #pr }`),
  );
  const before = await world.checksums({ skip: SKIP });
  const r = await runEvil(world);
  strictEqual(r.ok, true, JSON.stringify(r.error));
  deepStrictEqual(r.value, { stars: 20, spaced: 20, first: "n/note-1.md", ranked: 20 });
  assertUnchanged(before, await world.checksums({ skip: SKIP }));
});

Deno.test("host calls in a loop end with E_TIMEOUT at the invocation's deadline", async () => {
  using world = hostileWorld({ "Home.md": "# Home\n", ...notes(600) });
  // The plugin swallows every error and keeps calling: the deadline must stop it anyway, either
  // as a host call refused with E_TIMEOUT (which the plugin reports) or the whole run's E_TIMEOUT.
  world.kiln.write(
    ".crucible/plugins/evil.lua",
    evilLua(`
  local filters = {}
  for i = 1, 50 do filters[i] = "status" .. string.rep(" ", 400) .. "!=" .. string.rep("x", 500) end
  -- Only the host's refusals are reported; the engine's own stop error is raised again.
  local function check(ok, e)
    local text = tostring(e)
    if ok or not string.find(text, "E_TIMEOUT", 1, true) then return nil end
    if string.find(text, "crucible.", 1, true) then return { refused = text } end
    error(e, 0)
  end
  while true do
    local r = check(pcall(crucible.list_notes, nil, { where = filters }))
      or check(pcall(crucible.search, string.rep("harbor* ", 120)))
    if r then return r end
  end`),
  );
  const before = await world.checksums({ skip: SKIP });
  const r = await runEvil(world, 2000);
  if (r.ok) {
    match(String(r.value!.refused), /^E_TIMEOUT: .*(after its time was up|past the invocation's)/);
  } else {
    strictEqual(r.error?.code, "E_TIMEOUT", JSON.stringify(r.error));
    match(r.error!.message, /evil|deadline|2000 ms/);
  }
  assertUnchanged(before, await world.checksums({ skip: SKIP }));
});
