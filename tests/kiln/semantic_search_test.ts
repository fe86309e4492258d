/**
 * Semantic and hybrid search: the word-vector cache, note vectors kept in the index through
 * builds, updates and deletes, the three search modes, and `cru search --mode`.
 */
import { deepStrictEqual, match, ok, rejects, strictEqual } from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { NoteIndex } from "../../src/kiln/mod.ts";
import { searchKiln } from "../../src/kiln/hybrid.ts";
import { builtinEmbedder, embeddingProvider } from "../../src/kiln/embedding_providers.ts";
import { readVocabulary, VOCABULARY_SIZE, vocabularyFile } from "../../src/kiln/vocabulary.ts";
import { runCru, runCruJson, tempKiln } from "../helpers.ts";
import { BUILTIN, SHARED_CACHE_DIR, SHARED_XDG_CACHE } from "./word_vectors.ts";

const KILN = {
  "storm.md": "# Shipwreck off the cape\nThe gale drove the schooner onto the reef; the crew " +
    "swam ashore through heavy surf.\n",
  "bread.md": "# Sourdough\nFeed the starter, knead the dough and bake the loaf in a hot oven.\n",
  "chess.md": "---\nstatus: draft\n---\n# Openings\nDevelop knights and bishops, castle early, " +
    "control the centre with pawns.\n",
  "garden.md": "# Tomatoes\nWater the seedlings, stake the vines and pick the fruit when red.\n",
};

function provider() {
  return embeddingProvider(BUILTIN);
}

function vectorRows(root: string): Map<string, number> {
  const db = new DatabaseSync(`${root}/.crucible/index.db`, { readOnly: true });
  try {
    const rows = db.prepare(
      "SELECT n.path AS path, length(v.vec) AS bytes FROM vectors v JOIN notes n ON n.id = v.note_id",
    ).all() as { path: string; bytes: number }[];
    return new Map(rows.map((r) => [r.path, r.bytes]));
  } finally {
    db.close();
  }
}

Deno.test("the word vectors are compacted once into a small quantized cache", () => {
  const e = builtinEmbedder(SHARED_CACHE_DIR);
  const file = vocabularyFile(SHARED_CACHE_DIR);
  const v = readVocabulary(file)!;
  strictEqual(v.header.count, VOCABULARY_SIZE);
  strictEqual(v.header.dims, 100);
  ok(Deno.statSync(file).size < 16 * 1024 * 1024, "the cache stays small");
  ok(v.words.slice(0, 10).includes("the"), "most frequent words first");
  ok(v.words.every((w) => /^[a-z]+$/.test(w)), "lower-case alphabetic words only");
  // Related words end up closer than unrelated ones.
  const cos = (a: string, b: string) => {
    const x = e.embedText(a)!, y = e.embedText(b)!;
    return x.reduce((s, xi, i) => s + xi * y[i], 0);
  };
  ok(cos("ocean", "sea") > cos("ocean", "bread"));
  strictEqual(e.embedText("zzqx 1234"), null);
});

Deno.test("semantic search finds a note by words it does not contain", async () => {
  using kiln = tempKiln(KILN);
  const index = NoteIndex.open(kiln.root, { embeddings: BUILTIN });
  try {
    index.update();
    const text = await searchKiln(index, "storm at sea", { mode: "text" });
    deepStrictEqual(text, []);
    const semantic = await searchKiln(index, "storm at sea", { mode: "semantic", provider });
    strictEqual(semantic[0].path, "storm.md");
    strictEqual(semantic.length, 4);
    ok(semantic[0].score > semantic[1].score && semantic[0].score <= 1);
    match(semantic[0].snippet, /gale/);
    const hybrid = await searchKiln(index, "storm at sea", { mode: "hybrid", provider });
    strictEqual(hybrid[0].path, "storm.md");
  } finally {
    index.close();
  }
});

Deno.test("hybrid puts notes both rankings find first; filters and exclusions hold in every mode", async () => {
  using kiln = tempKiln(KILN);
  const index = NoteIndex.open(kiln.root, { embeddings: BUILTIN });
  try {
    index.update();
    const hybrid = await searchKiln(index, "knights", { mode: "hybrid", provider });
    strictEqual(hybrid[0].path, "chess.md");
    ok(hybrid[0].snippet.includes("\u0002"), "text matches stay highlighted");
    for (const mode of ["semantic", "hybrid", "text"] as const) {
      const drafts = await searchKiln(index, "pawns centre", {
        mode,
        provider,
        accept: (p) => index.note(p)?.frontmatter.status === "draft",
      });
      deepStrictEqual(drafts.map((h) => h.path), ["chess.md"], mode);
      const excluded = await searchKiln(index, "ship reef -gale", { mode, provider });
      ok(!excluded.some((h) => h.path === "storm.md"), mode);
    }
    const one = await searchKiln(index, "pastry recipe", { mode: "semantic", provider, limit: 1 });
    deepStrictEqual(one.map((h) => h.path), ["bread.md"]);
    await rejects(
      () => searchKiln(index, "x", { mode: "semantic", provider, limit: 101 }),
      /1 to 100/,
    );
    await rejects(
      () => searchKiln(index, "x", { mode: "fuzzy" as "text", provider }),
      /text, hybrid, semantic/,
    );
  } finally {
    index.close();
  }
});

Deno.test("note vectors follow builds, edits, renames and deletes", async () => {
  using kiln = tempKiln(KILN);
  for (let i = 0; i < 600; i++) kiln.write(`filler/n${i}.md`, `# Filler ${i}\nplain words ${i}\n`);
  {
    // A plain cold build leaves the vectors to the first semantic search (it keeps builds fast).
    const index = NoteIndex.open(kiln.root, { embeddings: BUILTIN });
    try {
      index.update({ rebuild: true });
      strictEqual(vectorRows(kiln.root).size, 0, "no vectors from a plain build");
      await searchKiln(index, "sea storm sailors", { mode: "semantic", provider });
      strictEqual(vectorRows(kiln.root).size, 604, "every note embedded by the first search");
    } finally {
      index.close();
    }
  }
  for (const workers of [0, 2]) {
    const index = NoteIndex.open(kiln.root, { embeddings: BUILTIN });
    try {
      // Asked for, the build embeds as it parses, on the workers too.
      index.update({ rebuild: true, workers, embedder: builtinEmbedder(SHARED_CACHE_DIR) });
      const rows = vectorRows(kiln.root);
      strictEqual(rows.size, 604, `every note has a vector at build (workers ${workers})`);
      strictEqual(rows.get("storm.md"), 400, "100 float32 values");
      strictEqual(index.vectorModel(), builtinEmbedder(SHARED_CACHE_DIR).model);
    } finally {
      index.close();
    }
  }
  const index = NoteIndex.open(kiln.root, { embeddings: BUILTIN });
  try {
    const before = index.vectorOf("garden.md")!;
    kiln.write("garden.md", "# Tomatoes\nA thunderstorm flooded the harbour and sank boats.\n");
    kiln.remove("bread.md");
    kiln.write("moved/storm2.md", Deno.readTextFileSync(`${kiln.root}/storm.md`));
    kiln.remove("storm.md");
    index.update();
    const rows = vectorRows(kiln.root);
    strictEqual(rows.size, 603);
    ok(!rows.has("bread.md") && !rows.has("storm.md") && rows.has("moved/storm2.md"));
    const after = index.vectorOf("garden.md")!;
    ok(after.some((x, i) => x !== before[i]), "an edited note is embedded again");
    const hits = await searchKiln(index, "sea storm sailors", { mode: "semantic", provider });
    deepStrictEqual(hits.slice(0, 2).map((h) => h.path).sort(), ["garden.md", "moved/storm2.md"]);
    ok(!hits.some((h) => h.path === "bread.md"));
  } finally {
    index.close();
  }
});

Deno.test("an index built before the vectors were cached gets them at the first semantic search", async () => {
  using kiln = tempKiln(KILN);
  const noVectors = { provider: "builtin" as const, cacheDir: `${kiln.root}/no-cache-here` };
  let index = NoteIndex.open(kiln.root, { embeddings: noVectors });
  index.update();
  strictEqual(vectorRows(kiln.root).size, 0);
  index.close();
  index = NoteIndex.open(kiln.root, { embeddings: BUILTIN });
  try {
    const hits = await searchKiln(index, "baking", { mode: "semantic", provider });
    strictEqual(hits[0].path, "bread.md");
    strictEqual(vectorRows(kiln.root).size, 4);
  } finally {
    index.close();
  }
});

Deno.test("cru search --mode semantic|hybrid|text from the command line", async () => {
  using kiln = tempKiln(KILN);
  const env = { XDG_CACHE_HOME: SHARED_XDG_CACHE };
  const semantic = await runCruJson<{ path: string; score: number; snippet: string }[]>(
    ["--kiln", kiln.root, "search", "storm", "at", "sea", "--mode", "semantic", "--limit", "2"],
    { env },
  );
  strictEqual(semantic.code, 0, semantic.stderr);
  deepStrictEqual(semantic.json.length, 2);
  strictEqual(semantic.json[0].path, "storm.md");
  ok(!semantic.json[0].snippet.includes("\u0002"));
  const hybrid = await runCruJson<{ path: string }[]>(
    ["--kiln", kiln.root, "search", "bake", "--mode", "hybrid"],
    { env },
  );
  strictEqual(hybrid.json[0].path, "bread.md");
  const text = await runCruJson<{ path: string }[]>(["--kiln", kiln.root, "search", "bake"]);
  deepStrictEqual(text.json.map((h) => h.path), ["bread.md"], "text is the default");
  const bad = await runCru(["--kiln", kiln.root, "search", "x", "--mode", "fuzzy"]);
  strictEqual(bad.code, 2);
  match(bad.stderr, /--mode must be one of text, hybrid, semantic/);
});

Deno.test("cru search names the config field when the configured service is unreachable", async () => {
  using kiln = tempKiln(KILN);
  using config = tempKiln({
    "config.yaml": "search:\n  embeddings:\n    provider: ollama\n    url: http://127.0.0.1:9\n",
  });
  const r = await runCru(["--kiln", kiln.root, "search", "storm", "--mode", "hybrid"], {
    env: { CRUCIBLE_CONFIG_DIR: config.root },
  });
  strictEqual(r.code, 1);
  match(
    r.stderr,
    /cannot reach the ollama embeddings service at http:\/\/127\.0\.0\.1:9\/api\/embed/,
  );
  match(r.stderr, /search\.embeddings\.url/);
});
