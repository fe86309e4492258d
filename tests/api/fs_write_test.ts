/**
 * crucible.fs.write: files outside the kiln, written by the host within the FsWrite paths only,
 * journaled for undo, honouring dry runs — tested through the real CLI with real workers.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { type SameUser, sameUser, tempKiln } from "../helpers.ts";

type RunJson = {
  ok: boolean;
  value: Record<string, unknown>;
  error?: { code: string; message: string };
  writes: { path: string; kind: string; created: boolean; diff: string; journal?: string }[];
};

function runPlugin(user: SameUser, kiln: string, name: string, ...flags: string[]) {
  return user.cruJson<RunJson>(["--kiln", kiln, "plugins", "run", name, ...flags]);
}

function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory) walk(abs);
      else if (e.isFile) out[path.relative(root, abs)] = Deno.readTextFileSync(abs);
    }
  };
  walk(root);
  return out;
}

function writerPlugin(outDir: string, lang: "lua" | "rune", body: string): string {
  const head = `---
name: exporter
description: Exports a summary outside the kiln
capabilities:
  - KilnRead
  - FsWrite: [${outDir}]
---
`;
  return lang === "lua" ? `${head}function main(params)\n${body}\nend\n` : `${head}${body}\n`;
}

Deno.test("fs.write writes inside the FsWrite paths, refuses everywhere else, and undo restores", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  using user = sameUser();
  using outside = tempKiln({ "exports/old.txt": "old text\n", "secret/keep.txt": "keep\n" });
  const exports = path.join(outside.root, "exports");
  // A symlink inside the allowed folder that leads out of it.
  Deno.symlinkSync(path.join(outside.root, "secret"), path.join(exports, "escape"));
  const q = (p: string) => JSON.stringify(p);
  const plugin = writerPlugin(
    exports,
    "lua",
    `local out = {}
  out.new = crucible.fs.write(${q(path.join(exports, "new.txt"))}, "fresh\\n")
  out.old = crucible.fs.write(${q(path.join(exports, "old.txt"))}, "replaced\\n")
  for k, target in pairs({ sibling = ${q(path.join(outside.root, "secret", "keep.txt"))},
                           symlink = ${q(path.join(exports, "escape", "keep.txt"))},
                           dotdot = ${q(path.join(exports, "..", "secret", "keep.txt"))},
                           kiln = ${q(path.join(kiln.root, "a.md"))},
                           private = ${q(path.join(kiln.root, ".crucible", "config.yaml"))},
                           relative = "new.txt",
                           nofolder = ${q(path.join(exports, "missing", "x.txt"))} }) do
    local ok, err = pcall(crucible.fs.write, target, "pwned")
    out[k] = ok and "WRITTEN" or err.code
  end
  return out`,
  );
  Deno.mkdirSync(path.join(kiln.root, ".crucible", "plugins"), { recursive: true });
  Deno.writeTextFileSync(path.join(kiln.root, ".crucible", "plugins", "exporter.lua"), plugin);
  const kilnBefore = snapshot(kiln.root);
  const r = await runPlugin(user, kiln.root, "exporter", "--yes");
  strictEqual(r.code, 0, r.stderr);
  const v = r.json.value;
  deepStrictEqual(v.new, { path: path.join(exports, "new.txt"), created: true, bytes: 6 });
  deepStrictEqual(v.old, { path: path.join(exports, "old.txt"), created: false, bytes: 9 });
  deepStrictEqual(
    [v.sibling, v.symlink, v.dotdot, v.kiln, v.private, v.relative, v.nofolder],
    [
      "E_CAPABILITY",
      "E_CAPABILITY",
      "E_CAPABILITY",
      "E_CAPABILITY",
      "E_CAPABILITY",
      "E_PATH",
      "E_NOT_FOUND",
    ],
  );
  deepStrictEqual(
    r.json.writes.map((w) => [path.basename(w.path), w.kind, w.created]),
    [["new.txt", "file", true], ["old.txt", "file", false]],
  );
  match(r.json.writes[1].diff, /-old text\n\+replaced/);
  strictEqual(Deno.readTextFileSync(path.join(exports, "new.txt")), "fresh\n");
  strictEqual(Deno.readTextFileSync(path.join(exports, "old.txt")), "replaced\n");
  strictEqual(Deno.readTextFileSync(path.join(outside.root, "secret", "keep.txt")), "keep\n");
  const kilnAfter = snapshot(kiln.root);
  for (const [k, text] of Object.entries(kilnBefore)) {
    if (!k.startsWith(".crucible/")) strictEqual(kilnAfter[k], text, k);
  }
  ok(!Object.values(kilnAfter).some((t) => t === "pwned"));
  // The refusals are security events in the audit log.
  const audit = await user.cruJson<{ binding: string; granted: boolean }[]>([
    "--kiln",
    kiln.root,
    "audit",
    "--security",
    "--json",
  ]);
  strictEqual(audit.code, 0, audit.stderr);
  ok(audit.json.length >= 5, JSON.stringify(audit.json));

  const undone = await user.cruJson<{ path: string; kind: string; action: string }[]>([
    "--kiln",
    kiln.root,
    "undo",
  ]);
  strictEqual(undone.code, 0, undone.stderr);
  deepStrictEqual(
    undone.json.map((u) => [path.basename(u.path), u.kind, u.action]).sort(),
    [["new.txt", "file", "removed"], ["old.txt", "file", "restored"]],
  );
  strictEqual(Deno.readTextFileSync(path.join(exports, "old.txt")), "old text\n");
  ok(!Deno.readDirSync(exports).some((e) => e.name === "new.txt"));
});

Deno.test("fs.write without FsWrite is refused, and a dry run writes nothing", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  using user = sameUser();
  using outside = tempKiln({ "out/report.txt": "v1\n" });
  const out = path.join(outside.root, "out");
  const target = JSON.stringify(path.join(out, "report.txt"));
  // Declared but not approved: the non-interactive run denies it.
  Deno.mkdirSync(path.join(kiln.root, ".crucible", "plugins"), { recursive: true });
  Deno.writeTextFileSync(
    path.join(kiln.root, ".crucible", "plugins", "exporter.lua"),
    writerPlugin(out, "lua", `return crucible.fs.write(${target}, "v2\\n")`),
  );
  const denied = await runPlugin(user, kiln.root, "exporter");
  strictEqual(denied.code, 1);
  strictEqual(denied.json.error?.code, "E_APPROVAL_DENIED");
  // Not declared at all.
  Deno.writeTextFileSync(
    path.join(kiln.root, ".crucible", "plugins", "nodecl.lua"),
    `---\nname: nodecl\ndescription: x\n---\nfunction main()\n  return crucible.fs.write(${target}, "v2\\n")\nend\n`,
  );
  const undeclared = await runPlugin(user, kiln.root, "nodecl", "--yes");
  strictEqual(undeclared.code, 1);
  strictEqual(undeclared.json.error?.code, "E_CAPABILITY");

  const before = snapshot(outside.root);
  const dry = await runPlugin(user, kiln.root, "exporter", "--yes", "--dry-run");
  strictEqual(dry.code, 0, dry.stderr);
  deepStrictEqual(dry.json.value, {
    path: path.join(out, "report.txt"),
    created: false,
    bytes: 3,
    dry_run: true,
  });
  match(dry.json.writes[0].diff, /-v1\n\+v2/);
  deepStrictEqual(snapshot(outside.root), before);
  const human = await user.cru([
    "--kiln",
    kiln.root,
    "plugins",
    "run",
    "exporter",
    "--yes",
    "--dry-run",
  ]);
  strictEqual(human.code, 0, human.stderr);
  match(human.stdout, /dry run: 1 write not performed/);
  deepStrictEqual(snapshot(outside.root), before);
});

Deno.test("fs.write from Rune, with the file-size limit", async () => {
  using kiln = tempKiln({
    "a.md": "# A\n",
    ".crucible/config.yaml": "sandbox:\n  file_size: 1MB\n",
  });
  using user = sameUser();
  using outside = tempKiln({ "out/.keep": "" });
  const out = path.join(outside.root, "out");
  Deno.mkdirSync(path.join(kiln.root, ".crucible", "plugins"), { recursive: true });
  Deno.writeTextFileSync(
    path.join(kiln.root, ".crucible", "plugins", "exporter.rune"),
    writerPlugin(
      out,
      "rune",
      `pub fn main(params) {
    let small = crucible::fs::write(${JSON.stringify(path.join(out, "s.txt"))}, "héllo");
    let big = "x".repeat(2 * 1024 * 1024);
    let refused = match crucible::fs::write(${
        JSON.stringify(path.join(out, "big.txt"))
      }, big) { _ => "WRITTEN" };
    #{ small, refused }
}`,
    ),
  );
  const r = await runPlugin(user, kiln.root, "exporter", "--yes");
  // The oversized write raises a runtime error that ends the invocation.
  strictEqual(r.code, 1, r.stderr);
  strictEqual(r.json.error?.code, "E_FILE_TOO_LARGE");
  strictEqual(Deno.readTextFileSync(path.join(out, "s.txt")), "héllo");
  ok(!Deno.readDirSync(out).some((e) => e.name === "big.txt"));
});
