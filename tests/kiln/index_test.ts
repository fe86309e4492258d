import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { NoteIndex } from "../../src/kiln/mod.ts";
import { tempKiln } from "../helpers.ts";

function open(root: string): NoteIndex {
  return NoteIndex.open(root);
}

/** Bump a file's mtime so a same-size rewrite within one millisecond is still seen as changed. */
function touch(abs: string, secondsAhead = 5): void {
  const t = new Date(Date.now() + secondsAhead * 1000);
  Deno.utimeSync(abs, t, t);
}

Deno.test("first index reads every note; a second run reads nothing", () => {
  using kiln = tempKiln({
    "a.md": "# A\nlinks to [[b]]\n",
    "sub/b.md": "# B\n#tag\n",
  });
  const index = open(kiln.root);
  try {
    const first = index.update();
    strictEqual(first.added, 2);
    strictEqual(first.notes, 2);
    strictEqual(first.rebuilt, true);
    const second = index.update();
    deepStrictEqual(
      [second.added, second.changed, second.deleted, second.unchanged, second.notes],
      [0, 0, 0, 2, 2],
    );
  } finally {
    index.close();
  }
});

Deno.test("the index persists across opens", () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const one = open(kiln.root);
  one.update();
  one.close();
  const two = open(kiln.root);
  try {
    const r = two.update();
    strictEqual(r.unchanged, 1);
    strictEqual(r.added, 0);
    strictEqual(two.note("a.md")?.title, "A");
  } finally {
    two.close();
  }
});

Deno.test("a modified note is re-read and its links, tags and text replaced", () => {
  using kiln = tempKiln({
    "a.md": "# A\nsee [[b]] #old\nwhalebone\n",
    "b.md": "# B\n",
    "c.md": "# C\n",
  });
  const index = open(kiln.root);
  try {
    index.update();
    touch(kiln.write("a.md", "# A2\nsee [[c]] #new\nnarwhal tusk\n"));
    const r = index.update();
    deepStrictEqual([r.changed, r.unchanged, r.added], [1, 2, 0]);
    strictEqual(index.note("a.md")?.title, "A2");
    deepStrictEqual(index.note("a.md")?.tags, ["new"]);
    deepStrictEqual(index.backlinks("b.md"), []);
    deepStrictEqual(index.backlinks("c.md").map((b) => b.path), ["a.md"]);
    deepStrictEqual(index.search("whalebone"), []);
    deepStrictEqual(index.search("narwhal").map((h) => h.path), ["a.md"]);
    deepStrictEqual(index.list({ tag: "old" }), []);
  } finally {
    index.close();
  }
});

Deno.test("a deleted note leaves the index and links to it become unresolved", () => {
  using kiln = tempKiln({ "a.md": "[[b]]\n", "b.md": "# B\nzeppelin\n" });
  const index = open(kiln.root);
  try {
    index.update();
    strictEqual(index.unresolved().length, 0);
    kiln.remove("b.md");
    const r = index.update();
    deepStrictEqual([r.deleted, r.notes], [1, 1]);
    strictEqual(index.note("b.md"), null);
    deepStrictEqual(index.search("zeppelin"), []);
    deepStrictEqual(index.unresolved(), [{ source: "a.md", target: "b", line: 1 }]);
    strictEqual(index.forwardLinks("a.md")[0].resolved, null);
  } finally {
    index.close();
  }
});

Deno.test("adding a note resolves links that were waiting for it", () => {
  using kiln = tempKiln({ "a.md": "planned: [[The Drowned Bell]]\n" });
  const index = open(kiln.root);
  try {
    index.update();
    strictEqual(index.unresolved().length, 1);
    kiln.write("lore/The Drowned Bell.md", "# The Drowned Bell\n");
    const r = index.update();
    strictEqual(r.added, 1);
    deepStrictEqual(index.unresolved(), []);
    deepStrictEqual(index.backlinks("lore/The Drowned Bell.md").map((b) => b.path), ["a.md"]);
  } finally {
    index.close();
  }
});

Deno.test("a rename is a delete plus an add, and links follow the file name", () => {
  using kiln = tempKiln({
    "a.md": "[[Mira]]\n",
    "npcs/Mira.md": "# Mira\nlighthouse keeper\n",
  });
  const index = open(kiln.root);
  try {
    index.update();
    Deno.renameSync(`${kiln.root}/npcs/Mira.md`, `${kiln.root}/Mira.md`);
    const r = index.update();
    deepStrictEqual([r.added, r.deleted, r.notes], [1, 1, 2]);
    strictEqual(index.note("npcs/Mira.md"), null);
    deepStrictEqual(index.backlinks("Mira.md").map((b) => b.path), ["a.md"]);
    deepStrictEqual(index.search("lighthouse").map((h) => h.path), ["Mira.md"]);
  } finally {
    index.close();
  }
});

Deno.test("changing a note's aliases re-resolves links that use them", () => {
  using kiln = tempKiln({
    "a.md": "[[The Grey Lady]]\n",
    "Mira.md": "---\naliases: [The Grey Lady]\n---\n# Mira\n",
  });
  const index = open(kiln.root);
  try {
    index.update();
    deepStrictEqual(index.backlinks("Mira.md").map((b) => b.path), ["a.md"]);
    touch(kiln.write("Mira.md", "---\naliases: [Someone Else]\n---\n# Mira\n"));
    index.update();
    deepStrictEqual(index.backlinks("Mira.md"), []);
    deepStrictEqual(index.unresolved().map((u) => u.target), ["The Grey Lady"]);
  } finally {
    index.close();
  }
});

Deno.test("a new note with the same name in a nearer folder takes over a link", () => {
  using kiln = tempKiln({ "campaign/s.md": "[[Index]]\n", "Index.md": "# Root index\n" });
  const index = open(kiln.root);
  try {
    index.update();
    strictEqual(index.forwardLinks("campaign/s.md")[0].resolved, "Index.md");
    kiln.write("campaign/Index.md", "# Campaign index\n");
    index.update();
    strictEqual(index.forwardLinks("campaign/s.md")[0].resolved, "campaign/Index.md");
  } finally {
    index.close();
  }
});

Deno.test("attachments satisfy embeds and their removal unresolves them", () => {
  using kiln = tempKiln({ "a.md": "![[map.png]]\n", "assets/map.png": new Uint8Array([137, 80]) });
  const index = open(kiln.root);
  try {
    const r = index.update();
    strictEqual(r.attachments, 1);
    deepStrictEqual(index.forwardLinks("a.md")[0].resolvedKind, "attachment");
    strictEqual(index.unresolved().length, 0);
    kiln.remove("assets/map.png");
    index.update();
    strictEqual(index.unresolved().length, 1);
  } finally {
    index.close();
  }
});

Deno.test("--rebuild reads everything again and gives the same answers", () => {
  using kiln = tempKiln({ "a.md": "# A\n[[b]] #x\n", "b.md": "# B\n" });
  const index = open(kiln.root);
  try {
    index.update();
    const before = [index.stats(), index.forwardLinks("a.md"), index.list()];
    const r = index.update({ rebuild: true });
    deepStrictEqual([r.added, r.rebuilt], [2, true]);
    deepStrictEqual([index.stats(), index.forwardLinks("a.md"), index.list()], before);
  } finally {
    index.close();
  }
});

Deno.test("a corrupt index file is replaced, not fatal", () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  kiln.write(".crucible/index.db", "this is not a database, just text ".repeat(200));
  const index = open(kiln.root);
  try {
    const r = index.update();
    strictEqual(r.added, 1);
    strictEqual(index.note("a.md")?.title, "A");
  } finally {
    index.close();
  }
});

Deno.test("list filters by folder, recursion, tag (with nesting) and frontmatter", () => {
  using kiln = tempKiln({
    "Home.md": "# Home\n",
    "npcs/Mira.md": "---\ntype: npc\nstatus: alive\nlevel: 5\n---\n#faction/harbor\n",
    "npcs/Oskar.md": "---\ntype: npc\nstatus: dead\nlevel: 12\n---\n#faction/choir\n",
    "npcs/old/Pell.md": "---\ntype: npc\nstatus: alive\ntags: [retired]\n---\n",
  });
  const index = open(kiln.root);
  try {
    index.update();
    const paths = (o: Parameters<NoteIndex["list"]>[0]) => index.list(o).map((n) => n.path);
    deepStrictEqual(paths({}), ["Home.md", "npcs/Mira.md", "npcs/Oskar.md", "npcs/old/Pell.md"]);
    deepStrictEqual(paths({ folder: "" }), ["Home.md"]);
    deepStrictEqual(paths({ folder: "npcs" }), ["npcs/Mira.md", "npcs/Oskar.md"]);
    deepStrictEqual(paths({ folder: "npcs", recursive: true }), [
      "npcs/Mira.md",
      "npcs/Oskar.md",
      "npcs/old/Pell.md",
    ]);
    deepStrictEqual(paths({ tag: "faction" }), ["npcs/Mira.md", "npcs/Oskar.md"]);
    deepStrictEqual(paths({ tag: "#Faction/Harbor" }), ["npcs/Mira.md"]);
    deepStrictEqual(paths({ tag: "fact" }), []);
    deepStrictEqual(
      paths({ where: [{ key: "status", op: "=", value: "ALIVE" }] }),
      ["npcs/Mira.md", "npcs/old/Pell.md"],
    );
    deepStrictEqual(paths({ where: [{ key: "level", op: ">=", value: "10" }] }), ["npcs/Oskar.md"]);
    deepStrictEqual(paths({ where: [{ key: "type", op: "!=", value: "npc" }] }), ["Home.md"]);
    deepStrictEqual(paths({ limit: 2 }), ["Home.md", "npcs/Mira.md"]);
  } finally {
    index.close();
  }
});

Deno.test("find accepts a path, a path without .md, another case, a name or an alias", () => {
  using kiln = tempKiln({
    "npcs/Mira Vale.md": "---\naliases: [The Grey Lady]\n---\n",
    "Home.md": "",
  });
  const index = open(kiln.root);
  try {
    index.update();
    for (
      const ref of [
        "npcs/Mira Vale.md",
        "npcs/Mira Vale",
        "NPCS/mira vale.md",
        "Mira Vale",
        "mira vale",
        "[[The Grey Lady]]",
        "./npcs/Mira Vale.md",
      ]
    ) strictEqual(index.find(ref), "npcs/Mira Vale.md", ref);
    strictEqual(index.find("Nobody"), null);
    strictEqual(index.find("../outside.md"), null);
  } finally {
    index.close();
  }
});

Deno.test("search ranks title matches first, stems words and returns snippets", () => {
  using kiln = tempKiln({
    "Dragons.md": "# Dragons\nAll about them.\n",
    "Tavern.md": "# Tavern\nA dragon was seen rolling dice near the tavern.\n",
    "Other.md": "# Other\nNothing here.\n",
    // BM25 needs a term to be rarer than half the notes to weigh it at all.
    ...Object.fromEntries(
      Array.from({ length: 6 }, (_, i) => [`filler/${i}.md`, `# Filler ${i}\nplain words\n`]),
    ),
  });
  const index = open(kiln.root);
  try {
    index.update();
    const hits = index.search("dragon");
    deepStrictEqual(hits.map((h) => h.path), ["Dragons.md", "Tavern.md"]);
    ok(hits[0].score > hits[1].score);
    ok(hits[1].snippet.includes("\u0002dragon\u0003"), hits[1].snippet);
    deepStrictEqual(index.search("rolls").map((h) => h.path), ["Tavern.md"]);
    deepStrictEqual(index.search('"seen rolling"').map((h) => h.path), ["Tavern.md"]);
    deepStrictEqual(index.search("dragon -tavern").map((h) => h.path), ["Dragons.md"]);
    deepStrictEqual(index.search("nothing OR tavern").map((h) => h.path).sort(), [
      "Other.md",
      "Tavern.md",
    ]);
    deepStrictEqual(index.search("tav*").map((h) => h.path), ["Tavern.md"]);
    deepStrictEqual(index.search("dragon", { limit: 1 }).length, 1);
  } finally {
    index.close();
  }
});

Deno.test("search refuses an empty or exclusion-only query and a bad limit", () => {
  using kiln = tempKiln({ "a.md": "x\n" });
  const index = open(kiln.root);
  try {
    index.update();
    for (const [q, limit] of [["", 5], ["-x", 5], ["!!!", 5], ["x", 0], ["x", 101]] as const) {
      try {
        index.search(q, { limit });
        throw new Error(`expected ${JSON.stringify(q)} limit ${limit} to be refused`);
      } catch (e) {
        strictEqual((e as { code?: string }).code, "E_INVALID_PARAMS", String(e));
      }
    }
  } finally {
    index.close();
  }
});

Deno.test("stats count notes, links, unresolved links, tags and embeds", () => {
  using kiln = tempKiln({
    "a.md": "# A\n[[b]] [[b#H]] ![[c]] [[nowhere]] [[#Self]] #x #y\n",
    "b.md": "# B\n#x\n## H\n",
    "c.md": "# C\n",
    "lonely.md": "# Lonely\n",
  });
  const index = open(kiln.root);
  try {
    index.update();
    const s = index.stats();
    deepStrictEqual(
      [s.notes, s.links, s.resolvedLinks, s.unresolvedLinks, s.unresolvedTargets, s.embeds, s.tags],
      [4, 5, 4, 1, 1, 1, 2],
    );
    deepStrictEqual(s.topTags[0], { tag: "x", notes: 2 });
  } finally {
    index.close();
  }
});

Deno.test("updating just some paths re-reads them, removes the gone, and leaves the rest", () => {
  using kiln = tempKiln({ "a.md": "[[new]]\n", "b.md": "# B\n", "c.md": "# C\n" });
  const index = open(kiln.root);
  try {
    index.update();
    kiln.write("new.md", "# New\nquasar\n");
    kiln.remove("b.md");
    kiln.remove("c.md");
    const r = index.update({ paths: ["new.md", "b.md"] });
    deepStrictEqual([r.added, r.deleted], [1, 1]);
    deepStrictEqual(index.paths(), ["a.md", "c.md", "new.md"], "c.md was not among the paths");
    deepStrictEqual(index.backlinks("new.md").map((b) => b.path), ["a.md"]);
    deepStrictEqual(index.search("quasar").map((h) => h.path), ["new.md"]);
  } finally {
    index.close();
  }
});
