/**
 * Semantic search and the semantic traversal through the plugin API: `crucible.search` with a
 * mode from Lua and Rune, and `crucible.graph.traverse` with `strategy = "semantic"`.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { loadPluginFile } from "../../src/plugins/mod.ts";
import { tempKiln } from "../helpers.ts";
import { luaPlugin, testRunner } from "../sandbox/sandbox_helpers.ts";
import { SHARED_XDG_CACHE } from "../kiln/word_vectors.ts";

const KILN = {
  "sea.md": "# Sea\nWaves, tides and sailors on the open ocean.\n[[bread]] [[harbour]] [[chess]]\n",
  "harbour.md": "# Harbour\nShips moor at the quay; fishing boats unload their catch.\n[[storm]]\n",
  "storm.md": "# Storm\nA gale drove the schooner onto the reef in heavy surf.\n",
  "bread.md": "---\nstatus: done\n---\n# Bread\nKnead the dough, bake the loaf in a hot oven.\n" +
    "[[sea]]\n",
  "chess.md": "# Chess\nDevelop knights and bishops, castle early.\n[[bread]]\n",
};

/** Run Lua `code` (the body of main) on a fresh kiln, with the shared word vectors. */
async function lua(code: string) {
  using kiln = tempKiln(KILN);
  const { runner } = testRunner(kiln, { env: { XDG_CACHE_HOME: SHARED_XDG_CACHE } });
  const p = await luaPlugin("s", "", `function main()\n${code}\nend`);
  try {
    const r = await runner.invoke({ plugin: p });
    if (!r.ok) throw new Error(`${r.error!.code}: ${r.error!.message}`);
    return r.value;
  } finally {
    runner.close();
    p.cleanup();
  }
}

Deno.test("graph.traverse semantic visits the linked notes closest in meaning first", async () => {
  const nodes = await lua(`
    local out = {}
    for _, n in ipairs(crucible.graph.traverse("sea", { strategy = "semantic" })) do
      out[#out + 1] = { n.path, n.depth, tostring(n.via), n.score }
    end
    return out`) as [string, number, string, number][];
  deepStrictEqual(nodes.slice(0, 3).map((n) => n.slice(0, 3)), [
    ["sea.md", 0, "nil"],
    ["harbour.md", 1, "sea.md"],
    ["storm.md", 2, "harbour.md"],
  ], "the storm note, two links away, comes before the unrelated neighbours");
  strictEqual(nodes.length, 5, "links are followed both ways");
  strictEqual(nodes[0][3], 1);
  deepStrictEqual(nodes.slice(3).map((n) => n[0]).sort(), ["bread.md", "chess.md"]);
  ok(nodes[1][3] >= nodes[3][3] && nodes[3][3] >= nodes[4][3], "most similar first");
  const limited = await lua(`
    local out = {}
    for _, n in ipairs(crucible.graph.traverse("sea", { strategy = "semantic", depth = 1,
      limit = 2, where = {} })) do out[#out + 1] = n.path end
    return out`);
  deepStrictEqual(limited, ["sea.md", "harbour.md"]);
});

Deno.test("crucible.search takes a mode from Lua; where filters every mode", async () => {
  const r = await lua(`
    local function paths(hits)
      local out = {}
      for _, h in ipairs(hits) do out[#out + 1] = h.path end
      return out
    end
    return {
      text = #crucible.search("hurricane wrecked the vessel on rocks", {}),
      semantic = paths(crucible.search("hurricane wrecked the vessel on rocks",
        { mode = "semantic", limit = 1 })),
      hybrid = paths(crucible.search("oven", { mode = "hybrid", limit = 1 })),
      filtered = paths(crucible.search("ocean", { mode = "semantic", where = { "status=done" } })),
      bad = select(2, pcall(crucible.search, "x", { mode = "fuzzy" })),
    }`) as Record<string, unknown>;
  strictEqual(r.text, 0);
  deepStrictEqual(r.semantic, ["storm.md"]);
  deepStrictEqual(r.hybrid, ["bread.md"]);
  deepStrictEqual(r.filtered, ["bread.md"]);
  ok(String(JSON.stringify(r.bad)).includes("E_INVALID_PARAMS"), JSON.stringify(r.bad));
});

Deno.test("crucible::search takes a mode from Rune", async () => {
  using kiln = tempKiln(KILN);
  const { runner } = testRunner(kiln, { env: { XDG_CACHE_HOME: SHARED_XDG_CACHE } });
  const dir = Deno.makeTempDirSync({ prefix: "cru-rune-" });
  const file = `${dir}/finder.rune`;
  Deno.writeTextFileSync(
    file,
    `---\nname: finder\ndescription: test plugin\nlanguage: rune\ncapabilities: [KilnRead]\n---\n` +
      `pub fn main(params) {\n` +
      `  let hits = crucible::search("hurricane wrecked the vessel on rocks", #{ mode: "semantic", limit: 1 });\n` +
      `  hits[0].path\n}\n`,
  );
  try {
    const plugin = { ...(await loadPluginFile(file, "kiln")), shadows: [] };
    const r = await runner.invoke({ plugin });
    strictEqual(r.ok, true, JSON.stringify(r.error));
    strictEqual(r.value, "storm.md");
  } finally {
    runner.close();
    Deno.removeSync(dir, { recursive: true });
  }
});
