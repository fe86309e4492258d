/**
 * The full build (first index, `--rebuild`): written to a scratch file and renamed into place,
 * with notes parsed and the full-text index filled on worker threads. It must give exactly the
 * answers that adding the same notes one update at a time gives, with or without workers, and
 * never leave a broken or half-built index behind.
 */
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import * as path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { LinkGraph, NoteIndex } from "../../src/kiln/mod.ts";
import { readVarints, writeVarints } from "../../src/kiln/fts_totals.ts";
import { FtsOffload } from "../../src/kiln/fts_offload.ts";
import { createBuildDb } from "../../src/kiln/index_db.ts";
import { DEMO_KILN, REPO, type TempKiln, tempKiln } from "../helpers.ts";

/** The demo kiln plus the cases a full build resolves differently from an update. */
function fillKiln(kiln: TempKiln): void {
  const copy = (from: string, rel: string) => {
    for (const e of Deno.readDirSync(from)) {
      if (e.name.startsWith(".")) continue;
      const abs = path.join(from, e.name);
      const child = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory) copy(abs, child);
      else if (e.isFile) kiln.write(child, Deno.readFileSync(abs));
    }
  };
  copy(DEMO_KILN, "");
  const files: Record<string, string | Uint8Array> = {
    // Links by alias, resolvable only once every note's aliases are known.
    "extra/Zed.md": "---\naliases: [The Last Letter]\n---\n# Zed\n",
    "extra/Alpha.md": "# Alpha\n[[The Last Letter]] and [[the last letter|again]] #extra/nested\n",
    // A link to a note that turns out to be binary, and one to a same-named attachment.
    "extra/Broken.md": new Uint8Array([0x23, 0x20, 0, 0x41]),
    "extra/Links.md": "[[Broken]] ![[map.png]] [x](../Home.md) [[#Self]] [[nowhere]]\n",
    "extra/map.png": new Uint8Array([137, 80, 78, 71]),
    // Same names in several folders: the nearest wins.
    "extra/a/Overview.md": "# Overview A\n[[Overview]]\n",
    "extra/b/Overview.md": "# Overview B\n[[Overview]] #overview\n",
    "extra/Overview.md": "# Overview root\n",
    "extra/Frontmatter only.md": "---\ntitle: Only properties\n---\n",
  };
  for (const [rel, content] of Object.entries(files)) kiln.write(rel, content);
}

/** Everything the index answers, for comparing two indexes of the same notes. */
function answers(index: NoteIndex) {
  const paths = index.paths();
  const graph = LinkGraph.fromIndex(index);
  const withoutMtime = (p: string) => {
    const { mtime: _, ...rest } = index.note(p)!;
    return rest;
  };
  return {
    paths,
    stats: index.stats(),
    notes: paths.map(withoutMtime),
    forward: paths.map((p) => index.forwardLinks(p)),
    back: paths.map((p) => index.backlinks(p)),
    unresolved: index.unresolved(),
    diagnostics: index.diagnostics(),
    tagged: index.list({ tag: "extra" }).map((n) => n.path),
    hubs: graph.hubs(10),
    orphans: graph.orphans(),
    search: ["dragon", '"lantern choir"', "rol*", "letter", "overview"].map((q) => index.search(q)),
    find: ["the last letter", "Overview", "broken"].map((r) => index.find(r)),
  };
}

/** The same notes, added to an existing index by updates instead of one full build. */
function incrementalAnswers() {
  using kiln = tempKiln({ "seed.md": "# Seed\n" });
  const index = NoteIndex.open(kiln.root);
  try {
    strictEqual(index.update().rebuilt, true);
    fillKiln(kiln);
    const r = index.update();
    strictEqual(r.rebuilt, false);
    kiln.remove("seed.md");
    index.update();
    return answers(index);
  } finally {
    index.close();
  }
}

Deno.test("a full build answers exactly as updates do, with and without workers", () => {
  const expected = incrementalAnswers();
  for (const workers of [0, 1, 2]) {
    using kiln = tempKiln();
    fillKiln(kiln);
    const index = NoteIndex.open(kiln.root);
    try {
      const r = index.update({ workers });
      deepStrictEqual([r.rebuilt, r.skipped, r.notes], [true, 1, expected.paths.length]);
      deepStrictEqual(answers(index), expected, `workers: ${workers}`);
      // And a rebuild over it.
      index.update({ rebuild: true, workers });
      deepStrictEqual(answers(index), expected, `rebuild, workers: ${workers}`);
    } finally {
      index.close();
    }
  }
});

Deno.test("a full-text index built on a worker passes SQLite's check and takes updates", () => {
  using kiln = tempKiln();
  fillKiln(kiln);
  const index = NoteIndex.open(kiln.root);
  const check = () => {
    const db = new DatabaseSync(index.file);
    try {
      db.exec("INSERT INTO notes_fts (notes_fts) VALUES ('integrity-check')");
    } finally {
      db.close();
    }
  };
  try {
    index.update({ workers: 1 });
    check();
    kiln.write("extra/Alpha.md", "# Alpha\nnow about narwhals\n");
    Deno.utimeSync(path.join(kiln.root, "extra/Alpha.md"), new Date(Date.now() + 5000), new Date());
    kiln.remove("extra/Zed.md");
    kiln.write("extra/New.md", "# New\nnarwhals too\n");
    index.update();
    check();
    deepStrictEqual(index.search("narwhal").map((h) => h.path).sort(), [
      "extra/Alpha.md",
      "extra/New.md",
    ]);
    deepStrictEqual(index.search("zed"), []);
  } finally {
    index.close();
  }
});

Deno.test("ranking after many edits equals the ranking of a fresh build", () => {
  using kiln = tempKiln();
  fillKiln(kiln);
  const index = NoteIndex.open(kiln.root);
  try {
    index.update();
    for (let i = 1; i <= 5; i++) {
      const abs = kiln.write("extra/Alpha.md", `# Alpha\n${"dragon lantern ".repeat(i * 3)}\n`);
      Deno.utimeSync(abs, new Date(Date.now() + i * 1000), new Date(Date.now() + i * 1000));
      index.update();
      kiln.remove("extra/Overview.md");
      index.update();
      kiln.write("extra/Overview.md", `# Overview root ${i}\n`);
      index.update();
    }
    const queries = ["dragon", "lantern", "overview", "rol*"];
    const edited = queries.map((q) => index.search(q));
    index.update({ rebuild: true });
    deepStrictEqual(edited, queries.map((q) => index.search(q)));
  } finally {
    index.close();
  }
});

Deno.test("a rebuild that fails part-way leaves the previous index in place", () => {
  for (const workers of [0, 2]) {
    using kiln = tempKiln({ "a.md": "# A\nmarmot\n", "b.md": "# B\n" });
    const index = NoteIndex.open(kiln.root);
    try {
      index.update();
      kiln.write("c.md", "# C\nmarmot\n");
      throws(
        () =>
          index.update({
            rebuild: true,
            workers,
            onProgress: (done) => {
              if (done > 0) throw new Error("interrupted");
            },
          }),
        /interrupted/,
      );
      const leftovers = [...Deno.readDirSync(path.dirname(index.file))]
        .map((e) => e.name)
        .filter((n) => n.includes(".build-"));
      deepStrictEqual(leftovers, []);
      deepStrictEqual(index.search("marmot").map((h) => h.path), ["a.md"]);
      deepStrictEqual(index.update().added, 1);
      deepStrictEqual(index.search("marmot").map((h) => h.path).sort(), ["a.md", "c.md"]);
    } finally {
      index.close();
    }
  }
});

Deno.test("a full-text worker that fails hands the text back to the caller", () => {
  using kiln = tempKiln();
  /** Fill a new build database through a worker; what it then finds for "hello". */
  const build = (rows: [number, string, string, string][]) => {
    const { db, file } = createBuildDb(path.join(kiln.root, ".crucible", "index.db"));
    try {
      const fts = FtsOffload.start({ hashSize: 1 << 20 })!;
      for (const r of rows) fts.add(...r);
      const ok = fts.finish(db);
      db.close();
      const check = new DatabaseSync(file);
      try {
        check.exec("INSERT INTO notes_fts (notes_fts) VALUES ('integrity-check')");
        const hits = check.prepare(
          "SELECT rowid FROM notes_fts WHERE notes_fts MATCH 'hello' ORDER BY rowid",
        ).all().map((r) => (r as { rowid: number }).rowid);
        return { ok, hits };
      } finally {
        check.close();
      }
    } finally {
      Deno.removeSync(file);
    }
  };
  deepStrictEqual(
    build([[1, "One", "hello there", ""], ["not a rowid" as unknown as number, "Two", "x", ""]]),
    { ok: false, hits: [] },
  );
  deepStrictEqual(
    build([[1, "One", "hello there", ""], [2, "Two", "goodbye", "hello"]]),
    { ok: true, hits: [1, 2] },
  );
});

Deno.test("an index open elsewhere follows a rebuild that replaced its file", () => {
  using kiln = tempKiln({ "a.md": "# A\n", "b.md": "# B\n" });
  const first = NoteIndex.open(kiln.root);
  const second = NoteIndex.open(kiln.root);
  try {
    first.update();
    second.update();
    kiln.write("c.md", "# C\nibex\n");
    first.update({ rebuild: true });
    kiln.write("d.md", "# D\nibex\n");
    // The second index writes into the new file, where the first one sees it.
    strictEqual(second.update().added, 1);
    deepStrictEqual(first.search("ibex").map((h) => h.path).sort(), ["c.md", "d.md"]);
    deepStrictEqual(second.paths(), ["a.md", "b.md", "c.md", "d.md"]);
  } finally {
    first.close();
    second.close();
  }
});

Deno.test("scratch files of a build that died are cleared, a running build's are not", () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const stale = kiln.write(".crucible/index.db.build-dead-1", "half an index");
  const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
  Deno.utimeSync(stale, old, old);
  const running = kiln.write(".crucible/index.db.build-running-2", "being written");
  const index = NoteIndex.open(kiln.root);
  try {
    index.update();
    throws(() => Deno.statSync(stale), Deno.errors.NotFound);
    ok(Deno.statSync(running).isFile);
  } finally {
    index.close();
  }
});

Deno.test("workers read no note the process may not read", async () => {
  using kiln = tempKiln({ "a.md": "# A\n", "locked.md": "# Locked\nsecret\n", "z.md": "# Z\n" });
  const script = `
    import { NoteIndex } from ${JSON.stringify(path.join(REPO, "src/kiln/mod.ts"))};
    const index = NoteIndex.open(${JSON.stringify(kiln.root)});
    const r = index.update({ workers: 2 });
    console.log(JSON.stringify({ paths: index.paths(), diagnostics: r.diagnostics }));
    index.close();
  `;
  const file = kiln.write("../" + path.basename(kiln.root) + "-workers.ts", script);
  try {
    const res = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        `--config=${path.join(REPO, "deno.json")}`,
        "--allow-read",
        `--allow-write=${kiln.root}`,
        `--deny-read=${path.join(kiln.root, "locked.md")}`,
        "--allow-env",
        file,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    strictEqual(res.code, 0, new TextDecoder().decode(res.stderr));
    const out = JSON.parse(new TextDecoder().decode(res.stdout));
    deepStrictEqual(out.paths, ["a.md", "z.md"]);
    ok(
      out.diagnostics.some((d: { file: string; code: string }) =>
        d.file === "locked.md" && d.code === "unreadable"
      ),
    );
  } finally {
    Deno.removeSync(file);
  }
});

Deno.test("FTS5 varints round-trip", () => {
  const values = [0, 1, 127, 128, 300, 16383, 16384, 2 ** 21, 2 ** 35 + 7, 2 ** 49 + 3];
  deepStrictEqual(readVarints(writeVarints(values)), values);
  deepStrictEqual([...writeVarints([128, 300])], [0x81, 0x00, 0x82, 0x2c]);
});
