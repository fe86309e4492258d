/**
 * The per-run write quota: a plugin writing notes in a loop, or nesting folders thousands deep,
 * stops with E_QUOTA naming the limit and how to raise it; the writes before the quota are
 * journaled and undone by `cru undo`. Run through the real CLI with Lua plugins.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { assertUnchanged, hostileWorld } from "./hostile.ts";

const FLOOD = `---
name: flood
description: Writes three thousand notes
capabilities: [KilnRead, KilnWrite]
LIMITS
---
function main()
  for i = 1, 3000 do
    crucible.write_note("flood/" .. i .. ".md", "note " .. i)
  end
  return "all written"
end
`;

const DEEP = `---
name: deep
description: Writes a note five hundred folders deep
capabilities: [KilnRead, KilnWrite]
---
function main()
  return crucible.write_note(string.rep("d/", 500) .. "x.md", "deep")
end
`;

const SKIP = ["kiln:.crucible/audit", "kiln:.crucible/index.db", "home:.cache", "home:.config"];

function notesIn(dir: string): number {
  try {
    return [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".md")).length;
  } catch {
    return 0;
  }
}

Deno.test("a plugin writing 3,000 notes stops at the quota, and what it wrote is undone", async () => {
  using world = hostileWorld({
    "a.md": "# A\n",
    ".crucible/plugins/flood.lua": FLOOD.replace("LIMITS\n", ""),
  });
  world.userConfig("sandbox:\n  writes: 40\n");
  const before = await world.checksums({ skip: [...SKIP, "kiln:.crucible/journal"] });
  const r = await world.cru(["plugins", "run", "flood", "--yes", "--json"]);
  strictEqual(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string } };
  strictEqual(out.error.code, "E_QUOTA");
  match(out.error.message, /write to flood\/41\.md refused: this run already made 40 writes/);
  match(out.error.message, /limits: \{ writes: N \}.*sandbox\.writes/);
  strictEqual(notesIn(path.join(world.kiln.root, "flood")), 40);

  const undone = await world.cru(["undo", "--json"]);
  strictEqual(undone.code, 0, undone.stderr);
  strictEqual(JSON.parse(undone.stdout).length, 40);
  strictEqual(notesIn(path.join(world.kiln.root, "flood")), 0);
  Deno.removeSync(path.join(world.kiln.root, "flood"));
  assertUnchanged(before, await world.checksums({ skip: [...SKIP, "kiln:.crucible/journal"] }));
});

Deno.test("the default quota holds without any config, and a kiln config can only lower it", async () => {
  using world = hostileWorld({
    ".crucible/plugins/flood.lua": FLOOD.replace("LIMITS\n", ""),
    ".crucible/config.yaml": "sandbox:\n  writes: 5000\n",
  });
  // A thousand journaled writes take a while on a busy machine; the quota, not the clock, ends it.
  world.userConfig("sandbox:\n  timeout: 10m\n");
  const r = await world.cru(["plugins", "run", "flood", "--yes", "--json"]);
  strictEqual(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  strictEqual(out.error.code, "E_QUOTA");
  match(out.error.message, /already made 1000 writes/);
  strictEqual(notesIn(path.join(world.kiln.root, "flood")), 1000);
});

Deno.test("raising the quota in a manifest needs approval", async () => {
  using world = hostileWorld({
    ".crucible/plugins/flood.lua": FLOOD.replace("LIMITS", "limits: { writes: 3000 }"),
  });
  world.userConfig("sandbox:\n  writes: 10\n");
  const before = await world.checksums({ skip: SKIP });
  const denied = await world.cru(["plugins", "run", "flood", "--json"]);
  strictEqual(denied.code, 1);
  const out = JSON.parse(denied.stdout) as { error: { code: string; message: string } };
  strictEqual(out.error.code, "E_APPROVAL_DENIED");
  match(out.error.message, /limits\.writes\(3000\)/);
  assertUnchanged(before, await world.checksums({ skip: SKIP }));
  // Approved, the raised quota applies, and is still capped by the user's maximum.
  world.userConfig("sandbox:\n  writes: 10\n  max:\n    writes: 25\n");
  const approved = await world.cru(["plugins", "run", "flood", "--yes", "--json"]);
  strictEqual(approved.code, 1, approved.stderr);
  match(JSON.parse(approved.stdout).error.message, /already made 25 writes/);
  strictEqual(notesIn(path.join(world.kiln.root, "flood")), 25);
});

Deno.test("a note 500 folders deep is refused before anything is created", async () => {
  using world = hostileWorld({ "a.md": "# A\n", ".crucible/plugins/deep.lua": DEEP });
  const before = await world.checksums({ skip: SKIP });
  const r = await world.cru(["plugins", "run", "deep", "--yes", "--json"]);
  strictEqual(r.code, 1, r.stderr);
  const out = JSON.parse(r.stdout) as { error: { code: string; message: string } };
  strictEqual(out.error.code, "E_QUOTA");
  match(out.error.message, /nests 500 folders deep, over the limits\.folder_depth quota of 32/);
  ok(out.error.message.length < 1000, "the message does not repeat the whole path");
  assertUnchanged(before, await world.checksums({ skip: SKIP }));
  deepStrictEqual([...Deno.readDirSync(world.kiln.root)].map((e) => e.name).sort(), [
    ".crucible",
    "a.md",
  ]);
});
