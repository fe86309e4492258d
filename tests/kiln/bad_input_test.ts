/**
 * Bad input: every case is indexed or skipped with a diagnostic naming the file (and line), the
 * rest of the kiln is still indexed, nothing crashes, and no file on disk changes.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { type Diagnostic, NoteIndex, walkKiln } from "../../src/kiln/mod.ts";
import { REPO, tempKiln } from "../helpers.ts";

/** Every regular file under root (symlinks not followed) with its bytes. */
function snapshot(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const abs = path.join(dir, e.name);
      if (e.name === ".crucible") continue;
      if (e.isDirectory) walk(abs);
      else if (e.isFile) out.set(abs, Deno.readFileSync(abs).join(","));
      else if (e.isSymlink) out.set(abs, "-> " + Deno.readLinkSync(abs));
    }
  };
  walk(root);
  return out;
}

function indexOnce(root: string) {
  const index = NoteIndex.open(root);
  const report = index.update();
  return { index, report };
}

function find(diags: readonly Diagnostic[], file: string, code: string): Diagnostic {
  const d = diags.find((x) => x.file === file && x.code === code);
  ok(d, `expected a ${code} diagnostic for ${file}, got ${JSON.stringify(diags)}`);
  return d;
}

Deno.test("frontmatter that is not YAML: the note is indexed and the line is named", () => {
  using kiln = tempKiln({
    "bad.md": "---\ntitle: ok\ntags: [unclosed\n---\n# Heading\nmarmalade\n",
    "good.md": "# Good\n",
  });
  const before = snapshot(kiln.root);
  const { index, report } = indexOnce(kiln.root);
  try {
    const d = find(report.diagnostics, "bad.md", "frontmatter-yaml");
    ok(d.line !== undefined && d.line >= 2 && d.line <= 4, `line ${d.line}`);
    strictEqual(index.note("bad.md")?.title, "Heading");
    deepStrictEqual(index.search("marmalade").map((h) => h.path), ["bad.md"]);
    strictEqual(report.notes, 2);
    deepStrictEqual(snapshot(kiln.root), before);
  } finally {
    index.close();
  }
});

Deno.test("YAML that is a list or a scalar is reported, the note still indexed", () => {
  using kiln = tempKiln({
    "list.md": "---\n- a\n- b\n---\n# List\n",
    "scalar.md": "---\njust a sentence\n---\n# Scalar\n",
  });
  const { index, report } = indexOnce(kiln.root);
  try {
    find(report.diagnostics, "list.md", "frontmatter-not-mapping");
    find(report.diagnostics, "scalar.md", "frontmatter-not-mapping");
    deepStrictEqual(index.note("list.md")?.frontmatter, {});
    strictEqual(index.note("scalar.md")?.title, "Scalar");
  } finally {
    index.close();
  }
});

Deno.test("duplicate frontmatter keys are reported with their line", () => {
  using kiln = tempKiln({ "dup.md": "---\ntitle: One\nstatus: a\nstatus: b\n---\nbody\n" });
  const { index, report } = indexOnce(kiln.root);
  try {
    const d = find(report.diagnostics, "dup.md", "frontmatter-duplicate-key");
    strictEqual(d.line, 4);
    ok(d.message.includes("status"), d.message);
    ok(index.note("dup.md"));
  } finally {
    index.close();
  }
});

Deno.test("an unterminated frontmatter fence is reported and the text indexed as body", () => {
  using kiln = tempKiln({ "open.md": "---\ntitle: never closed\nquokka sighting\n" });
  const { index, report } = indexOnce(kiln.root);
  try {
    const d = find(report.diagnostics, "open.md", "frontmatter-unterminated");
    strictEqual(d.line, 1);
    deepStrictEqual(index.search("quokka").map((h) => h.path), ["open.md"]);
  } finally {
    index.close();
  }
});

Deno.test("a binary file named .md is skipped with a warning, once", () => {
  using kiln = tempKiln({
    "image.md": new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0xff]),
    "good.md": "# Good\n",
  });
  const before = snapshot(kiln.root);
  const { index, report } = indexOnce(kiln.root);
  try {
    find(report.diagnostics, "image.md", "binary-file");
    deepStrictEqual([report.notes, report.skipped], [1, 1]);
    strictEqual(index.note("image.md"), null);
    const again = index.update();
    deepStrictEqual([again.added, again.changed, again.skipped], [0, 0, 1]);
    find(again.diagnostics, "image.md", "binary-file");
    deepStrictEqual(snapshot(kiln.root), before);
  } finally {
    index.close();
  }
});

Deno.test("a file that is not valid UTF-8 is skipped with a warning", () => {
  using kiln = tempKiln({
    "latin1.md": new Uint8Array([0x23, 0x20, 0x43, 0x61, 0x66, 0xe9, 0x0a]), // "# Café" in Latin-1
    "good.md": "# Good\n",
  });
  const { index, report } = indexOnce(kiln.root);
  try {
    const d = find(report.diagnostics, "latin1.md", "invalid-utf8");
    ok(d.message.includes("UTF-8"));
    strictEqual(report.notes, 1);
  } finally {
    index.close();
  }
});

Deno.test("a skipped file that is fixed is indexed on the next run", () => {
  using kiln = tempKiln({ "x.md": new Uint8Array([0x41, 0, 0x42]) });
  const { index } = indexOnce(kiln.root);
  try {
    strictEqual(index.note("x.md"), null);
    const abs = kiln.write("x.md", "# Fixed now\n");
    const t = new Date(Date.now() + 5000);
    Deno.utimeSync(abs, t, t);
    const r = index.update();
    deepStrictEqual([r.added, r.skipped], [1, 0]);
    strictEqual(index.note("x.md")?.title, "Fixed now");
  } finally {
    index.close();
  }
});

Deno.test("a 50 MB note is recorded but its text is not indexed", () => {
  using kiln = tempKiln({ "small.md": "# Small\n" });
  const big = "# Huge\n" + "wombat ".repeat(50 * 1024 * 1024 / 7) + "\n";
  kiln.write("big.md", big);
  const { index, report } = indexOnce(kiln.root);
  try {
    find(report.diagnostics, "big.md", "file-too-large");
    const note = index.note("big.md");
    ok(note);
    strictEqual(note.indexed, false);
    ok(note.bytes > 50 * 1000 * 1000);
    deepStrictEqual(index.search("wombat"), []);
    deepStrictEqual(index.list().map((n) => n.path), ["big.md", "small.md"]);
    strictEqual(Deno.statSync(path.join(kiln.root, "big.md")).size, big.length);
  } finally {
    index.close();
  }
});

Deno.test("a link cycle is indexed and every note in it has a backlink", () => {
  using kiln = tempKiln({ "a.md": "[[b]]\n", "b.md": "[[c]]\n", "c.md": "[[a]]\n" });
  const { index } = indexOnce(kiln.root);
  try {
    deepStrictEqual(index.backlinks("a.md").map((b) => b.path), ["c.md"]);
    deepStrictEqual(index.backlinks("b.md").map((b) => b.path), ["a.md"]);
    deepStrictEqual(index.backlinks("c.md").map((b) => b.path), ["b.md"]);
  } finally {
    index.close();
  }
});

Deno.test("a symlink loop is reported and the walk finishes", () => {
  using kiln = tempKiln({ "notes/a.md": "# A\n" });
  Deno.symlinkSync(kiln.root, path.join(kiln.root, "notes", "back-to-root"));
  Deno.symlinkSync("self", path.join(kiln.root, "self"));
  const { index, report } = indexOnce(kiln.root);
  try {
    find(report.diagnostics, "notes/back-to-root", "symlink-loop");
    find(report.diagnostics, "self", "symlink-loop");
    deepStrictEqual(index.paths(), ["notes/a.md"]);
  } finally {
    index.close();
  }
});

Deno.test("a symlink to /etc is refused and nothing outside the kiln is read", () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  Deno.symlinkSync("/etc", path.join(kiln.root, "etc"));
  kiln.write("outside-target.md", "");
  const outside = Deno.makeTempDirSync({ prefix: "cru-outside-" });
  try {
    Deno.writeTextFileSync(path.join(outside, "secret.md"), "# Secret\npangolin\n");
    Deno.symlinkSync(path.join(outside, "secret.md"), path.join(kiln.root, "secret.md"));
    Deno.symlinkSync(outside, path.join(kiln.root, "outside"));
    const { index, report } = indexOnce(kiln.root);
    try {
      find(report.diagnostics, "etc", "symlink-outside");
      find(report.diagnostics, "secret.md", "symlink-outside");
      find(report.diagnostics, "outside", "symlink-outside");
      deepStrictEqual(index.paths(), ["a.md", "outside-target.md"]);
      deepStrictEqual(index.search("pangolin"), []);
    } finally {
      index.close();
    }
  } finally {
    Deno.removeSync(outside, { recursive: true });
  }
});

Deno.test("a symlink inside the kiln is followed once", () => {
  using kiln = tempKiln({ "real/a.md": "# A\n" });
  Deno.symlinkSync(path.join(kiln.root, "real"), path.join(kiln.root, "alias"));
  const w = walkKiln(kiln.root);
  deepStrictEqual(w.notes.map((n) => n.path), ["real/a.md"]);
  find(w.diagnostics, "alias", "symlink-duplicate");
});

Deno.test("hidden folders, .git, node_modules and .crucible are not walked", () => {
  using kiln = tempKiln({
    "a.md": "",
    ".git/x.md": "",
    ".obsidian/y.md": "",
    "node_modules/pkg/README.md": "",
    ".crucible/plugins/p.md": "",
    "sub/.hidden.md": "",
  });
  deepStrictEqual(walkKiln(kiln.root).notes.map((n) => n.path), ["a.md"]);
});

Deno.test("an unreadable file is reported and the rest is indexed", async () => {
  using kiln = tempKiln({ "a.md": "# A\n", "locked.md": "# Locked\nsecret\n", "z.md": "# Z\n" });
  // Root can read any file, so make it unreadable the way a sandbox would: deny it to the process.
  const script = `
    import { NoteIndex } from ${JSON.stringify(path.join(REPO, "src/kiln/mod.ts"))};
    const index = NoteIndex.open(${JSON.stringify(kiln.root)});
    const r = index.update();
    console.log(JSON.stringify({ paths: index.paths(), diagnostics: r.diagnostics }));
    index.close();
  `;
  const file = kiln.write("../" + path.basename(kiln.root) + "-script.ts", script);
  try {
    const res = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        `--config=${path.join(REPO, "deno.json")}`,
        `--allow-read`,
        `--allow-write=${kiln.root}`,
        `--deny-read=${path.join(kiln.root, "locked.md")}`,
        "--allow-env",
        file,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(res.stderr);
    strictEqual(res.code, 0, stderr);
    const out = JSON.parse(new TextDecoder().decode(res.stdout));
    deepStrictEqual(out.paths, ["a.md", "z.md"]);
    find(out.diagnostics, "locked.md", "unreadable");
  } finally {
    Deno.removeSync(file);
  }
});
