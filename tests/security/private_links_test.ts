/**
 * A shared kiln may replace `.crucible/` or anything in it with a symlink to somewhere else. cru
 * must never follow such a link: not to write the index, the journal, the audit log or plugin
 * state outside the kiln, and not to read a file it points at. Each test plants the link, runs the
 * real CLI, and checks the refusal and that nothing outside (or inside) the kiln changed.
 */
import { match, notStrictEqual, ok } from "node:assert/strict";
import * as path from "node:path";
import { assertUnchanged, type HostileWorld, hostileWorld } from "./hostile.ts";

const WRITER = `---
name: writer
description: writes a note and its state
capabilities: [KilnWrite, StateManage]
---
function main()
  crucible.state.set("runs", 1)
  crucible.write_note("Home.md", "# defaced")
  return "done"
end
`;

function world(): HostileWorld {
  const w = hostileWorld({ "Home.md": "# Home\n" });
  w.kiln.write(".crucible/plugins/writer.lua", WRITER);
  return w;
}

/** Replace `<kiln>/<rel>` with a link to the decoy folder (or to `target`). */
function plant(w: HostileWorld, rel: string, target = w.decoy): void {
  const abs = path.join(w.kiln.root, rel);
  Deno.mkdirSync(path.dirname(abs), { recursive: true });
  Deno.symlinkSync(target, abs);
}

Deno.test("a .crucible that links out of the kiln: no command writes through it", async () => {
  using w = hostileWorld({ "Home.md": "# Home\n" });
  plant(w, ".crucible");
  const before = await w.checksums();
  for (
    const args of [["kiln", "index"], ["search", "home"], ["notes", "list"], ["kiln", "stats"]]
  ) {
    const r = await w.cru(args);
    notStrictEqual(r.code, 0, `cru ${args.join(" ")} succeeded through the link`);
    match(r.stderr, /\.crucible is a symbolic link .*will not follow it.*Remove the link/s);
  }
  assertUnchanged(before, await w.checksums());
});

for (const folder of ["journal", "audit", "plugin-state"]) {
  Deno.test(`a linked .crucible/${folder}: a writing plugin changes nothing anywhere`, async () => {
    using w = world();
    plant(w, `.crucible/${folder}`);
    // The state write comes first and legitimately lands inside the kiln when only the journal is
    // linked; what must not happen is a write through the link, or the note write without it.
    const skip = ["kiln:.crucible/index.db", "kiln:.crucible/audit", "kiln:.crucible/plugin-state"];
    const before = await w.checksums({ skip });
    const r = await w.cru(["plugins", "run", "writer", "--yes", "--json"]);
    notStrictEqual(r.code, 0, r.stdout + r.stderr);
    const out = r.stdout ? JSON.parse(r.stdout) : null;
    if (out) match(out.error.code, /^E_(PATH|AUDIT)$/);
    match(r.stdout + r.stderr, new RegExp(`\\.crucible/${folder} is a symbolic link`));
    assertUnchanged(before, await w.checksums({ skip }));
    ok(Deno.readTextFileSync(path.join(w.kiln.root, "Home.md")) === "# Home\n");
  });
}

Deno.test("a linked index database or WAL file is refused, not written through", async () => {
  for (const name of ["index.db", "index.db-wal"]) {
    using w = hostileWorld({ "Home.md": "# Home\n" });
    Deno.writeTextFileSync(path.join(w.decoy, "victim.db"), "not a database\n");
    Deno.mkdirSync(path.join(w.kiln.root, ".crucible"));
    plant(w, `.crucible/${name}`, path.join(w.decoy, "victim.db"));
    const before = await w.checksums();
    const r = await w.cru(["kiln", "index"]);
    strictNotZero(r.code, r.stderr);
    match(r.stderr, new RegExp(`${name.replace(".", "\\.")} is a symbolic link`));
    assertUnchanged(before, await w.checksums());
  }
});

Deno.test("a plugin's state file linked to a file outside is neither read nor replaced", async () => {
  using w = world();
  Deno.writeTextFileSync(path.join(w.decoy, "state.json"), '{"runs": "decoy secret"}');
  plant(w, ".crucible/plugin-state/reader.json", path.join(w.decoy, "state.json"));
  w.kiln.write(
    ".crucible/plugins/reader.lua",
    `---\nname: reader\ndescription: reads its state\ncapabilities: [StateManage]\n---\n` +
      `function main() return crucible.state.get("runs") end\n`,
  );
  const skip = ["kiln:.crucible/audit", "kiln:.crucible/index.db"];
  const before = await w.checksums({ skip });
  const r = await w.cru(["plugins", "run", "reader", "--json"]);
  strictNotZero(r.code, r.stdout);
  const out = JSON.parse(r.stdout);
  match(out.error.code, /^E_PATH$/);
  ok(!r.stdout.includes("decoy secret") && !r.stderr.includes("decoy secret"));
  assertUnchanged(before, await w.checksums({ skip }));
});

function strictNotZero(code: number, detail: string): void {
  notStrictEqual(code, 0, `expected a refusal, got exit 0:\n${detail}`);
}
