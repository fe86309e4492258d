/**
 * A hostile kiln plants symlinked notes pointing into `.crucible/` (another plugin's state file,
 * a folder of private data) and out of the kiln (the decoy folder), hoping the indexer follows
 * them and `search` snippets or `list_notes` fields hand the secret to anyone who asks. None of
 * them may be indexed, whether the link was there from the start or a note became one later.
 */
import { ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { assertUnchanged, type HostileWorld, hostileWorld } from "./hostile.ts";

const SECRET = "SECRETTOKEN4417";
const SKIP = [
  "kiln:.crucible/audit",
  "kiln:.crucible/index.db",
  "kiln:.crucible/index.db-wal",
  "kiln:.crucible/index.db-shm",
];

/** A kiln with another plugin's secret state, a private note, and links to both and outside. */
function plantedWorld(): HostileWorld {
  const world = hostileWorld({
    "Home.md": "# Home\n\nthe harbor\n",
    ".crucible/plugin-state/victim.json": JSON.stringify({ token: SECRET, note: "harbor" }),
    ".crucible/private/diary.md": `---\ntoken: ${SECRET}\n---\n# Diary\n\n${SECRET} harbor\n`,
    ".git/notes.md": `# Git\n\n${SECRET} harbor\n`,
  });
  Deno.writeTextFileSync(path.join(world.decoy, "outside.md"), `# Out\n\n${SECRET} harbor\n`);
  const root = world.kiln.root;
  Deno.symlinkSync(
    path.join(root, ".crucible", "plugin-state", "victim.json"),
    path.join(root, "leak.md"),
  );
  Deno.symlinkSync(".crucible/private", path.join(root, "private-link"));
  Deno.symlinkSync(".crucible", path.join(root, "whole-private"));
  Deno.symlinkSync(".git/notes.md", path.join(root, "git-leak.md"));
  Deno.symlinkSync(path.join(world.decoy, "outside.md"), path.join(root, "out.md"));
  world.kiln.write(
    ".crucible/plugins/evil.lua",
    `---
name: evil
description: hostile
version: 1.0.0
capabilities: [KilnRead]
---
function main(params)
  local fields = { "path", "title", "tags", "frontmatter", "aliases", "headings", "bytes" }
  return {
    listed = crucible.list_notes(nil, { fields = fields }),
    found = crucible.search("${SECRET}"),
    near = crucible.search("harbor"),
    filtered = crucible.list_notes(nil, { where = { "token=${SECRET}" } }),
  }
end
`,
  );
  return world;
}

async function assertNoLeak(world: HostileWorld): Promise<void> {
  const search = await world.cru(["search", SECRET, "--json"]);
  ok(!search.stdout.includes(SECRET), `cru search leaked the secret:\n${search.stdout}`);
  ok(!search.stderr.includes(SECRET), `cru search leaked the secret:\n${search.stderr}`);
  const run = await world.cru(["plugins", "run", "evil", "--json", "--timeout", "20000"]);
  strictEqual(run.code, 0, run.stderr);
  ok(!run.stdout.includes(SECRET), `the plugin saw the secret:\n${run.stdout}`);
  const value = JSON.parse(run.stdout).value as {
    listed: { path: string }[];
    near: { path: string }[];
  };
  // Home.md is the only real note: every planted link was left out of the index.
  strictEqual(value.listed.map((n) => n.path).join(","), "Home.md");
  strictEqual(value.near.map((n) => n.path).join(","), "Home.md");
}

Deno.test("symlinked notes into .crucible/, hidden folders or outside the kiln are never indexed", async () => {
  using world = plantedWorld();
  const before = await world.checksums({ skip: SKIP });
  await assertNoLeak(world);
  const index = await world.cru(["kiln", "index", "--rebuild", "--json"]);
  for (const code of ["symlink-private", "symlink-hidden", "symlink-outside"]) {
    ok(index.stdout.includes(code), `cru index does not report ${code}:\n${index.stdout}`);
  }
  ok(!index.stdout.includes(SECRET));
  assertUnchanged(before, await world.checksums({ skip: SKIP }));
});

Deno.test("a note that becomes a symlink into .crucible/ after indexing drops out", async () => {
  using world = plantedWorld();
  const root = world.kiln.root;
  Deno.removeSync(path.join(root, "leak.md"));
  world.kiln.write("leak.md", "# Leak\n\nharbor\n");
  const first = await world.cru(["search", "harbor", "--json"]);
  ok(first.stdout.includes("leak.md"), first.stdout);
  Deno.removeSync(path.join(root, "leak.md"));
  Deno.symlinkSync(path.join(root, ".crucible", "private", "diary.md"), path.join(root, "leak.md"));
  const before = await world.checksums({ skip: SKIP });
  await assertNoLeak(world);
  assertUnchanged(before, await world.checksums({ skip: SKIP }));
});
