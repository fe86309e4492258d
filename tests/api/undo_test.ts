/**
 * Note writes are journaled, undoable, dry-runnable and crash-safe — tested through the real CLI.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { denoDir, REPO, sameUser, tempKiln } from "../helpers.ts";

const WRITER = `---
name: w
description: Rewrites a.md and creates b.md
capabilities: [KilnRead, KilnWrite]
---
function main()
  crucible.write_note("a.md", "# New\\nfresh words\\n")
  crucible.write_note("b.md", "# B\\n", { tags = { "x" } })
  return "done"
end
`;

function notes(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of Deno.readDirSync(root)) {
    if (e.isFile) out[e.name] = Deno.readTextFileSync(path.join(root, e.name));
  }
  return out;
}

function writerKiln() {
  return tempKiln({ "a.md": "# Old\nold words\n", ".crucible/plugins/w.lua": WRITER });
}

Deno.test("a plugin's writes are undone together, and the index follows", async () => {
  using kiln = writerKiln();
  using user = sameUser();
  const before = notes(kiln.root);
  const run = await user.cruJson<
    { ok: boolean; writes: { path: string; created: boolean; journal: string }[] }
  >(
    ["--kiln", kiln.root, "plugins", "run", "w", "--yes"],
  );
  strictEqual(run.code, 0, run.stderr);
  deepStrictEqual(run.json.writes.map((w) => [w.path, w.created]), [["a.md", false], [
    "b.md",
    true,
  ]]);
  ok(run.json.writes.every((w) => typeof w.journal === "string"));
  const search = await user.cruJson<{ path: string }[]>(["--kiln", kiln.root, "search", "fresh"]);
  deepStrictEqual(search.json.map((h) => h.path), ["a.md"]);

  const undone = await user.cruJson<{ path: string; action: string }[]>([
    "--kiln",
    kiln.root,
    "undo",
  ]);
  strictEqual(undone.code, 0, undone.stderr);
  deepStrictEqual(undone.json.map((u) => [u.path, u.action]).sort(), [["a.md", "restored"], [
    "b.md",
    "removed",
  ]]);
  deepStrictEqual(notes(kiln.root), before);
  const after = await user.cruJson<{ path: string }[]>(["--kiln", kiln.root, "search", "fresh"]);
  deepStrictEqual(after.json, []);
  const nothing = await user.cru(["--kiln", kiln.root, "undo"]);
  strictEqual(nothing.code, 1);
  match(nothing.stderr, /nothing left to undo/);
});

Deno.test("undo --list shows the journal; an undo can itself be undone", async () => {
  using kiln = writerKiln();
  using user = sameUser();
  await user.cru(["--kiln", kiln.root, "plugins", "run", "w", "--yes"]);
  const list = await user.cruJson<{ id: string; path: string; plugin: string; created: boolean }[]>(
    ["--kiln", kiln.root, "undo", "--list"],
  );
  deepStrictEqual(list.json.map((e) => [e.path, e.plugin, e.created]), [["b.md", "w", true], [
    "a.md",
    "w",
    false,
  ]]);
  // Undo just the change to a.md, by an id prefix.
  const one = await user.cruJson<{ path: string }[]>([
    "--kiln",
    kiln.root,
    "undo",
    list.json[1].id.slice(0, 18),
  ]);
  deepStrictEqual(one.json.map((u) => u.path), ["a.md"]);
  strictEqual(Deno.readTextFileSync(path.join(kiln.root, "a.md")), "# Old\nold words\n");
  ok(Deno.statSync(path.join(kiln.root, "b.md")).isFile, "b.md was not part of that undo");
  // The undo was journaled: undoing the latest entry (the undo) brings the new text back.
  const redo = await user.cruJson<{ path: string }[]>([
    "--kiln",
    kiln.root,
    "undo",
    "--plugin",
    "cru undo",
  ]);
  deepStrictEqual(redo.json.map((u) => u.path), ["a.md"]);
  strictEqual(Deno.readTextFileSync(path.join(kiln.root, "a.md")), "# New\nfresh words\n");
});

Deno.test("undo refuses to overwrite a later edit unless forced", async () => {
  using kiln = writerKiln();
  using user = sameUser();
  await user.cru(["--kiln", kiln.root, "plugins", "run", "w", "--yes"]);
  kiln.write("a.md", "# Edited by hand\n");
  const refused = await user.cru(["--kiln", kiln.root, "undo"]);
  strictEqual(refused.code, 1);
  match(refused.stderr, /a\.md changed after the write being undone/);
  strictEqual(Deno.readTextFileSync(path.join(kiln.root, "a.md")), "# Edited by hand\n");
  ok(Deno.statSync(path.join(kiln.root, "b.md")).isFile, "nothing was undone");
  const forced = await user.cru(["--kiln", kiln.root, "undo", "--force"]);
  strictEqual(forced.code, 0, forced.stderr);
  strictEqual(Deno.readTextFileSync(path.join(kiln.root, "a.md")), "# Old\nold words\n");
});

Deno.test("a dry run leaves the disk byte-for-byte unchanged and shows diffs", async () => {
  using kiln = writerKiln();
  using user = sameUser();
  const before = notes(kiln.root);
  const r = await user.cruJson<
    { ok: boolean; dry_run: boolean; writes: { path: string; diff: string }[] }
  >(
    ["--kiln", kiln.root, "plugins", "run", "w", "--yes", "--dry-run"],
  );
  strictEqual(r.code, 0, r.stderr);
  strictEqual(r.json.dry_run, true);
  deepStrictEqual(notes(kiln.root), before);
  let journal = true;
  try {
    Deno.statSync(path.join(kiln.root, ".crucible", "journal"));
  } catch {
    journal = false;
  }
  strictEqual(journal, false, "a dry run journals nothing");
  const a = r.json.writes.find((w) => w.path === "a.md")!;
  ok(a.diff.includes("-# Old") && a.diff.includes("+# New"), a.diff);
  const human = await user.cru(["--kiln", kiln.root, "plugins", "run", "w", "--yes", "--dry-run"]);
  match(human.stdout, /dry run: 2 writes not performed/);
});

Deno.test("a crash between the journal entry and the rename leaves the old note, and undo still works", async () => {
  using kiln = writerKiln();
  using user = sameUser();
  const before = Deno.readTextFileSync(path.join(kiln.root, "a.md"));
  const home = Deno.makeTempDirSync();
  try {
    const res = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `--config=${path.join(REPO, "deno.json")}`,
        path.join(REPO, "cli.ts"),
        "--kiln",
        kiln.root,
        "plugins",
        "run",
        "w",
        "--yes",
      ],
      env: {
        CRU_TEST_CRASH: "after-journal",
        ...user.env,
        HOME: home,
        NO_COLOR: "1",
        DENO_DIR: denoDir(),
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    strictEqual(res.code, 86, "the process died at the crash point");
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
  // Old content, whole; no partial file under the note's name.
  strictEqual(Deno.readTextFileSync(path.join(kiln.root, "a.md")), before);
  const list = await user.cruJson<{ path: string }[]>(["--kiln", kiln.root, "undo", "--list"]);
  deepStrictEqual(list.json.map((e) => e.path), ["a.md"]);
  const undo = await user.cru(["--kiln", kiln.root, "undo"]);
  strictEqual(undo.code, 0, undo.stderr);
  strictEqual(Deno.readTextFileSync(path.join(kiln.root, "a.md")), before);
});
