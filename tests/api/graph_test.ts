/**
 * crucible.graph.* from a Lua plugin: backlinks, forward links and traversals.
 */
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { tempKiln } from "../helpers.ts";
import { luaPlugin, testRunner } from "../sandbox/sandbox_helpers.ts";

const KILN = {
  "hub.md": "# Hub\n[[a]] [[b]]\n",
  "a.md": "---\nstatus: done\n---\n# A\n[[c]] [[missing]]\n",
  "b.md": "# B\n[[c]] [[hub]]\n",
  "c.md": "---\nstatus: done\n---\n# C\n[[d]]\n",
  "d.md": "# D\n",
};

async function traverse(options: string) {
  using kiln = tempKiln(KILN);
  const { runner } = testRunner(kiln);
  const p = await luaPlugin(
    "walker",
    "",
    `function main()
       local out = {}
       for _, n in ipairs(crucible.graph.traverse("hub", ${options})) do
         out[#out + 1] = n.path .. "@" .. n.depth .. "<" .. tostring(n.via)
       end
       return out
     end`,
  );
  try {
    const r = await runner.invoke({ plugin: p });
    if (!r.ok) return r.error!.code;
    return r.value;
  } finally {
    runner.close();
    p.cleanup();
  }
}

Deno.test("bfs visits by depth, each note once, with the note it came from", async () => {
  deepStrictEqual(await traverse("{}"), [
    "hub.md@0<nil",
    "a.md@1<hub.md",
    "b.md@1<hub.md",
    "c.md@2<a.md",
    "d.md@3<c.md",
  ]);
});

Deno.test("depth and limit bound the walk", async () => {
  deepStrictEqual(await traverse("{ depth = 1 }"), [
    "hub.md@0<nil",
    "a.md@1<hub.md",
    "b.md@1<hub.md",
  ]);
  deepStrictEqual(await traverse("{ limit = 2 }"), ["hub.md@0<nil", "a.md@1<hub.md"]);
});

Deno.test("dfs goes deep first", async () => {
  deepStrictEqual(await traverse('{ strategy = "dfs" }'), [
    "hub.md@0<nil",
    "a.md@1<hub.md",
    "c.md@2<a.md",
    "d.md@3<c.md",
    "b.md@1<hub.md",
  ]);
});

Deno.test("backlinks walks links in; where filters what is returned", async () => {
  deepStrictEqual(await traverse('{ strategy = "backlinks" }'), ["hub.md@0<nil", "b.md@1<hub.md"]);
  deepStrictEqual(await traverse('{ where = { status = "done" } }'), [
    "a.md@1<hub.md",
    "c.md@2<a.md",
  ]);
});

Deno.test("bad options are clear errors", async () => {
  strictEqual(await traverse("{ depth = 11 }"), "E_INVALID_PARAMS");
  strictEqual(await traverse('{ strategy = "sideways" }'), "E_INVALID_PARAMS");
});

Deno.test("batch runs many calls, host and worker side, in order, each checked alone", async () => {
  using kiln = tempKiln(KILN);
  const { runner } = testRunner(kiln);
  const p = await luaPlugin(
    "batcher",
    "",
    `function main()
       local r = crucible.batch({
         { "read_note", "a" },
         { "graph.backlinks", "c" },
         { "search", "zzz-nothing" },
         { "write_note", "x.md", "no" },
         { "read_note", "missing" },
         { "nope" },
       })
       return {
         r[1].value.title, r[2].value[1].path, #r[3].value,
         r[4].error.code, r[5].error.code, r[6].error.code,
       }
     end`,
  );
  try {
    const r = await runner.invoke({ plugin: p });
    strictEqual(r.ok, true, JSON.stringify(r.error));
    deepStrictEqual(r.value, ["A", "a.md", 0, "E_CAPABILITY", "E_NOT_FOUND", "E_NOT_FOUND"]);
    let wrote = true;
    try {
      Deno.statSync(`${kiln.root}/x.md`);
    } catch {
      wrote = false;
    }
    strictEqual(wrote, false);
  } finally {
    runner.close();
    p.cleanup();
  }
});

Deno.test("list_notes returns chosen fields; search filters by frontmatter", async () => {
  using kiln = tempKiln(KILN);
  const { runner } = testRunner(kiln);
  const p = await luaPlugin(
    "lister",
    "",
    `function main()
       local rows = crucible.list_notes(nil, { where = { status = "done" }, fields = { "path", "frontmatter" } })
       local hits = crucible.search("a OR c OR d", { where = { "status=done" } })
       local paths = {}
       for _, h in ipairs(hits) do paths[#paths + 1] = h.path end
       table.sort(paths)
       return { rows = rows, hits = paths }
     end`,
  );
  try {
    const r = await runner.invoke({ plugin: p });
    strictEqual(r.ok, true, JSON.stringify(r.error));
    deepStrictEqual(r.value, {
      rows: [
        { frontmatter: { status: "done" }, path: "a.md" },
        { frontmatter: { status: "done" }, path: "c.md" },
      ],
      hits: ["a.md", "c.md"],
    });
  } finally {
    runner.close();
    p.cleanup();
  }
});
