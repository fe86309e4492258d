/**
 * Graph algorithms from Lua and Rune in real sandboxes: on the kiln's link graph (host side,
 * KilnRead) and on graphs the plugin builds (worker side, no capability).
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { tempKiln } from "../helpers.ts";
import { testRunner } from "../sandbox/sandbox_helpers.ts";
import { plugin } from "./stdlib_helpers.ts";

// Two triangles of notes joined by one link, plus an unlinked note.
const KILN = {
  "a1.md": "---\nkind: x\n---\n# A1\n[[a2]] [[a3]] [[b1]]\n",
  "a2.md": "# A2\n[[a1]] [[a3]]\n",
  "a3.md": "---\nkind: x\n---\n# A3\n[[a1]] [[a2]]\n",
  "b1.md": "# B1\n[[b2]] [[b3]]\n",
  "b2.md": "# B2\n[[b1]] [[b3]]\n",
  "b3.md": "# B3\n[[b1]] [[b2]]\n",
  "lonely.md": "# Lonely\n",
};

Deno.test("kiln graph from Lua: pagerank, communities, shortest paths, bfs/dfs with filters", async () => {
  using kiln = tempKiln(KILN);
  const { runner } = testRunner(kiln);
  const p = await plugin(
    "kiln-graph",
    "lua",
    "",
    `function main()
       local pr = crucible.graph.pagerank({ limit = 3 })
       local total = 0
       for _, r in ipairs(crucible.graph.pagerank({ limit = 100 })) do total = total + r.score end
       local c = crucible.graph.communities()
       return {
         top = pr[1].path, top_title = pr[1].title, n = #pr, total = total,
         communities = { c.communities[1].notes, c.communities[2].notes }, count = c.count,
         path = crucible.graph.shortest_path("A2", "b3"),
         back = crucible.graph.shortest_path("b3", "a2") == nil,
         none = crucible.graph.shortest_path("a1", "lonely") == nil,
         bfs = crucible.graph.bfs("a2", { depth = 1 }),
         dfs_x = crucible.graph.dfs("a2", { depth = 5, where = { kind = "x" } }),
       }
     end`,
  );
  try {
    const r = await runner.invoke({ plugin: p });
    ok(r.ok, JSON.stringify(r.error));
    const v = r.value as Record<string, unknown>;
    strictEqual(v.top, "b1.md", "b1 is linked from both clusters");
    strictEqual(v.top_title, "B1");
    strictEqual(v.n, 3);
    ok(Math.abs((v.total as number) - 1) < 1e-6);
    deepStrictEqual(v.communities, [["a1.md", "a2.md", "a3.md"], ["b1.md", "b2.md", "b3.md"]]);
    strictEqual(v.count, 3, "the unlinked note is a community of one, left out by min_size 2");
    deepStrictEqual(v.path, ["a2.md", "a1.md", "b1.md", "b3.md"]);
    strictEqual(v.back, true, "no link leads back from b to a");
    strictEqual(v.none, true);
    deepStrictEqual(v.bfs, [
      { path: "a2.md", title: "A2", depth: 0 },
      { path: "a1.md", title: "A1", depth: 1, via: "a2.md" },
      { path: "a3.md", title: "A3", depth: 1, via: "a2.md" },
    ]);
    deepStrictEqual((v.dfs_x as { path: string }[]).map((x) => x.path), [
      "a2.md",
      "a1.md",
      "a3.md",
    ]);
  } finally {
    runner.close();
    p.cleanup();
  }
});

Deno.test("kiln graph needs KilnRead; algo.* on a plugin's own graph needs nothing", async () => {
  using kiln = tempKiln(KILN);
  const { runner, events } = testRunner(kiln);
  const p = await plugin(
    "own-graph",
    "rune",
    "capabilities: []\n",
    `
pub fn main() {
    let g = #{ edges: [["a", "b", 1], ["b", "d", 10], ["a", "c", 2], ["c", "d", 2]] };
    #{
        hops: crucible::algo::shortest_path(g, "a", "d", ()),
        cheap: crucible::algo::shortest_path(g, "a", "d", #{ weighted: true }),
        none: crucible::algo::shortest_path(g, "d", "a", ()),
        rank: crucible::algo::pagerank(#{ edges: [["x", "y"], ["y", "x"]] }, ()),
        split: crucible::algo::communities(#{ edges: [["p", "q"], ["q", "r"], ["r", "p"], ["s", "t"]], directed: false }, ()).count,
        walk: crucible::algo::dfs(g, "a", #{ depth: 1 }).len(),
    }
}
pub fn kiln() { crucible::graph::pagerank(()) }
`,
  );
  try {
    const r = await runner.invoke({ plugin: p });
    ok(r.ok, JSON.stringify(r.error));
    deepStrictEqual(r.value, {
      hops: ["a", "b", "d"],
      cheap: ["a", "c", "d"],
      none: null,
      rank: [{ node: "x", score: 0.5 }, { node: "y", score: 0.5 }],
      split: 2,
      walk: 3,
    });
    const refused = await runner.invoke({ plugin: p, fn: "kiln" });
    strictEqual(refused.error?.code, "E_CAPABILITY");
    ok(events.some((e) => e.kind === "security"));
  } finally {
    runner.close();
    p.cleanup();
  }
});

Deno.test("kiln graph from Rune; algo.* from Lua", async () => {
  using kiln = tempKiln(KILN);
  const { runner } = testRunner(kiln);
  const rune = await plugin(
    "kiln-graph-rune",
    "rune",
    "",
    `
use crucible::graph;
pub fn main() {
    let top = graph::pagerank(#{ limit: 1 });
    #{
        top: top[0].path,
        path: graph::shortest_path("a3", "b2", ()),
        none: graph::shortest_path("b2", "a3", ()),
        sizes: graph::communities(()).communities.iter().map(|c| c.size).collect::<Vec>(),
        reach: graph::bfs("b1", #{ depth: 1, direction: "in" }).len(),
    }
}
`,
  );
  const lua = await plugin(
    "algo-lua",
    "lua",
    "capabilities: []\n",
    `function main()
       local g = { edges = { { "a", "b" }, { "b", "c" }, { "c", "a" }, { "c", "d" } } }
       local pr = crucible.algo.pagerank(g, { tolerance = 1e-9, max_iterations = 500 })
       local walk = {}
       for _, v in ipairs(crucible.algo.bfs(g, "a", { depth = 10 })) do walk[#walk + 1] = v.node end
       return { first = pr[1].node, n = #pr, walk = walk,
                path = crucible.algo.shortest_path(g, "d", "a", { directed = false }) }
     end`,
  );
  try {
    const r = await runner.invoke({ plugin: rune });
    ok(r.ok, JSON.stringify(r.error));
    deepStrictEqual(r.value, {
      top: "b1.md",
      path: ["a3.md", "a1.md", "b1.md", "b2.md"],
      none: null,
      sizes: [3, 3],
      reach: 4,
    });
    const l = await runner.invoke({ plugin: lua });
    ok(l.ok, JSON.stringify(l.error));
    deepStrictEqual(l.value, {
      first: "c",
      n: 4,
      walk: ["a", "b", "c", "d"],
      path: ["d", "c", "a"],
    });
  } finally {
    runner.close();
    rune.cleanup();
    lua.cleanup();
  }
});
