/**
 * A catalogue of hostile kilns: files a collaborator could have put in a shared kiln to make cru
 * hang, leak a file from outside, or loosen its own limits. Each runs the real CLI on a fresh
 * hostile world and checks the outcome and that nothing outside the kiln changed. These are the
 * attacks beyond the numbered findings of the hardening review.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { gzipSync } from "node:zlib";
import { assertUnchanged, hostileWorld } from "./hostile.ts";

/** Where a read-only command may legitimately write: the index it refreshes. */
const INDEX = [
  "kiln:.crucible/index.db",
  "kiln:.crucible/index.db-wal",
  "kiln:.crucible/index.db-shm",
];

function yamlBomb(): string {
  const lines = [`a0: &a0 [${Array(10).fill('"x"').join(",")}]`];
  for (let i = 1; i < 8; i++) {
    lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(",")}]`);
  }
  return `---\n${lines.join("\n")}\n---\n# Bomb\n`;
}

Deno.test("hostile kiln: a YAML alias bomb in frontmatter is ignored with a warning", async () => {
  using w = hostileWorld({ "Home.md": "# Home\n", "bomb.md": yamlBomb() });
  const r = await w.cru(["kiln", "index"]);
  strictEqual(r.code, 0, r.stderr);
  match(r.stderr, /bomb\.md.*not valid YAML.*resource exhaustion/s);
  const show = await w.cru(["notes", "show", "bomb", "--json"]);
  deepStrictEqual(JSON.parse(show.stdout).frontmatter, {});
});

Deno.test("hostile kiln: a FIFO, a folder loop and a link out do not hang or leak", async () => {
  using w = hostileWorld({ "Home.md": "# Home\n" });
  new Deno.Command("mkfifo", { args: [path.join(w.kiln.root, "pipe.md")] }).outputSync();
  Deno.mkdirSync(path.join(w.kiln.root, "a"));
  Deno.symlinkSync("..", path.join(w.kiln.root, "a", "loop"));
  Deno.symlinkSync(w.decoy, path.join(w.kiln.root, "outside"));
  const before = await w.checksums({ skip: ["kiln:.crucible"] });
  const r = await w.cru(["kiln", "index"], { killAfterMs: 60_000 });
  strictEqual(r.code, 0, r.stderr);
  match(r.stderr, /a\/loop: symlink points back/);
  match(r.stderr, /outside: symlink leads outside the kiln/);
  const found = await w.cru(["search", "decoy", "--json"]);
  deepStrictEqual(JSON.parse(found.stdout), []);
  assertUnchanged(before, await w.checksums({ skip: ["kiln:.crucible"] }));
});

Deno.test("hostile kiln: planted index rows pointing outside the kiln are pruned", async () => {
  using w = hostileWorld({ "Home.md": "# Home\n", "Other.md": "# Other\nplain words\n" });
  strictEqual((await w.cru(["kiln", "index"])).code, 0);
  const db = new DatabaseSync(path.join(w.kiln.root, ".crucible", "index.db"));
  db.exec(
    `UPDATE notes SET path = '../${path.basename(w.decoy)}/secret.txt',
       path_lower = '../${path.basename(w.decoy)}/secret.txt' WHERE path = 'Other.md'`,
  );
  db.close();
  const list = await w.cru(["notes", "list", "--json"]);
  const paths = (JSON.parse(list.stdout) as { path: string }[]).map((n) => n.path).sort();
  deepStrictEqual(paths, ["Home.md", "Other.md"]);
  const show = await w.cru(["notes", "show", `../${path.basename(w.decoy)}/secret.txt`]);
  strictEqual(show.code, 1);
  ok(!show.stdout.includes("decoy secret") && !show.stderr.includes("decoy secret"));
});

Deno.test("hostile kiln: its config can neither trust a plugin nor raise a limit", async () => {
  using w = hostileWorld({ "Home.md": "# Home\n" });
  w.kiln.write(
    ".crucible/config.yaml",
    "sandbox:\n  max: {memory: 8GB, timeout: 10h}\nlimits: {memory: 4GB, timeout: 5h}\n",
  );
  w.kiln.write(
    ".crucible/plugins/greedy.lua",
    "---\nname: greedy\ndescription: asks for more\nlimits: {memory: 1GB}\n---\n" +
      "function main() return 1 end\n",
  );
  const skip = ["kiln:.crucible/audit", ...INDEX];
  const before = await w.checksums({ skip });
  const r = await w.cru(["plugins", "run", "greedy", "--json"]);
  strictEqual(r.code, 1, r.stdout);
  const out = JSON.parse(r.stdout);
  strictEqual(out.error.code, "E_APPROVAL_DENIED");
  match(out.error.message, /limits\.memory/);
  assertUnchanged(before, await w.checksums({ skip }));
});

Deno.test("hostile kiln: a gzip bomb or a device link in the audit folder is skipped", async () => {
  using w = hostileWorld({ "Home.md": "# Home\n" });
  // 200 concatenated gzip members of 1 MB of zeros: a 200 KB file that inflates to 200 MB.
  const member = gzipSync(new Uint8Array(1024 * 1024));
  const bomb = new Uint8Array(member.length * 200);
  for (let i = 0; i < 200; i++) bomb.set(member, i * member.length);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  w.kiln.write(`.crucible/audit/audit-${yesterday}.jsonl.gz`, bomb);
  Deno.symlinkSync("/dev/zero", path.join(w.kiln.root, `.crucible/audit/audit-${yesterday}.jsonl`));
  const before = await w.checksums();
  const r = await w.cru(["audit", "--since", "7d", "--json"], { killAfterMs: 60_000 });
  strictEqual(r.code, 0, r.stderr);
  match(r.stderr, /inflates to more than 128 MB; skipped/);
  deepStrictEqual(JSON.parse(r.stdout), []);
  assertUnchanged(before, await w.checksums());
});
