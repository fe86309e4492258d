import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { memoryLookup, resolveLink, targetKey } from "../../src/kiln/resolver.ts";

const notes = [
  { path: "Home.md", aliases: [] },
  { path: "campaign/npcs/Mira Vale.md", aliases: ["The Grey Lady", "Mira"] },
  { path: "campaign/sessions/Session 01.md", aliases: [] },
  { path: "campaign/Index.md", aliases: [] },
  { path: "research/Index.md", aliases: [] },
  { path: "Index.md", aliases: [] },
  { path: "deep/a/b/Index.md", aliases: [] },
  { path: "research/papers/Brin 1998.md", aliases: ["PageRank paper"] },
  { path: "Mira.md", aliases: [] },
];
const lookup = memoryLookup(notes, ["assets/map.png", "campaign/assets/map.png"]);

function wiki(target: string, source: string) {
  return resolveLink({ target, kind: "wikilink" }, source, lookup);
}
function md(target: string, source: string) {
  return resolveLink({ target, kind: "markdown" }, source, lookup);
}

Deno.test("targetKey is the lowercased last segment without .md", () => {
  strictEqual(targetKey("campaign/npcs/Mira Vale.md"), "mira vale");
  strictEqual(targetKey("Mira Vale"), "mira vale");
  strictEqual(targetKey("assets/Map.PNG"), "map.png");
});

Deno.test("wikilink resolves by file name, case-insensitively, with or without .md", () => {
  const want = { path: "campaign/npcs/Mira Vale.md", kind: "note" };
  deepStrictEqual(wiki("Mira Vale", "Home.md"), want);
  deepStrictEqual(wiki("mira vale", "Home.md"), want);
  deepStrictEqual(wiki("MIRA VALE.md", "Home.md"), want);
});

Deno.test("wikilink resolves by path from the kiln root and relative to the source", () => {
  deepStrictEqual(wiki("campaign/npcs/Mira Vale", "research/x.md"), {
    path: "campaign/npcs/Mira Vale.md",
    kind: "note",
  });
  deepStrictEqual(wiki("../npcs/Mira Vale", "campaign/sessions/Session 01.md"), {
    path: "campaign/npcs/Mira Vale.md",
    kind: "note",
  });
  deepStrictEqual(wiki("npcs/mira vale", "Home.md"), {
    path: "campaign/npcs/Mira Vale.md",
    kind: "note",
  });
});

Deno.test("a path that names no note is unresolved even when the file name exists", () => {
  strictEqual(wiki("elsewhere/Mira Vale", "Home.md"), null);
});

Deno.test("aliases resolve, case-insensitively, only when no file name matches", () => {
  deepStrictEqual(wiki("the grey lady", "Home.md"), {
    path: "campaign/npcs/Mira Vale.md",
    kind: "note",
  });
  deepStrictEqual(wiki("PageRank paper", "Home.md"), {
    path: "research/papers/Brin 1998.md",
    kind: "note",
  });
  // "Mira" is both an alias of Mira Vale and the file Mira.md: the file wins.
  deepStrictEqual(wiki("Mira", "campaign/npcs/Other.md"), { path: "Mira.md", kind: "note" });
});

Deno.test("ties go to the same folder, then the nearest folder, then the shortest path", () => {
  deepStrictEqual(wiki("Index", "research/Notes.md"), { path: "research/Index.md", kind: "note" });
  deepStrictEqual(wiki("Index", "campaign/npcs/x.md"), { path: "campaign/Index.md", kind: "note" });
  deepStrictEqual(wiki("Index", "deep/a/b/c/x.md"), { path: "deep/a/b/Index.md", kind: "note" });
  deepStrictEqual(wiki("Index", "other/x.md"), { path: "Index.md", kind: "note" });
});

Deno.test("same-note links resolve to the source", () => {
  deepStrictEqual(wiki("", "Home.md"), { path: "Home.md", kind: "self" });
});

Deno.test("markdown links resolve relative to the source folder", () => {
  deepStrictEqual(md("../npcs/Mira Vale.md", "campaign/sessions/Session 01.md"), {
    path: "campaign/npcs/Mira Vale.md",
    kind: "note",
  });
  deepStrictEqual(md("Session 01.md", "campaign/sessions/Other.md"), {
    path: "campaign/sessions/Session 01.md",
    kind: "note",
  });
  deepStrictEqual(md("/research/Index.md", "campaign/x.md"), {
    path: "research/Index.md",
    kind: "note",
  });
});

Deno.test("markdown links do not resolve through aliases", () => {
  strictEqual(md("The Grey Lady.md", "Home.md"), null);
});

Deno.test("embeds of attachments resolve to the nearest attachment", () => {
  deepStrictEqual(wiki("map.png", "campaign/x.md"), {
    path: "campaign/assets/map.png",
    kind: "attachment",
  });
  deepStrictEqual(wiki("map.png", "Home.md"), { path: "assets/map.png", kind: "attachment" });
  deepStrictEqual(wiki("assets/map.png", "Home.md"), {
    path: "assets/map.png",
    kind: "attachment",
  });
});

Deno.test("unknown targets are unresolved", () => {
  strictEqual(wiki("The Drowned Bell", "Home.md"), null);
  strictEqual(md("missing.md", "Home.md"), null);
});
