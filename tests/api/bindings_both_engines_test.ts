/**
 * Every binding of the table called from both engines — a real Lua plugin (wasmoon) and a real
 * Rune plugin, each in its own narrowed worker — over one temp kiln, a loopback HTTP server and a
 * folder outside the kiln: the same call gives the same answer in both languages. Then the same
 * calls from plugins that hold no capability: every capability-bound binding is refused with
 * E_CAPABILITY, and nothing on disk or on the server changes.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { BINDINGS } from "../../src/runtime/bindings.ts";
import { STDLIB_BINDINGS } from "../../src/runtime/bindings_stdlib.ts";
import { PluginRegistry } from "../../src/plugins/registry.ts";
import { tempKiln } from "../helpers.ts";
import { fixedApprover, SandboxPool, testRunner } from "../sandbox/sandbox_helpers.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** One call, written in both languages, and what its result must satisfy. */
interface Case {
  /** The binding exercised (several cases may share one). */
  binding: string;
  /** Lua body of `function(p)`; `p.lang` is "lua". */
  lua: string;
  /** Rune body of `pub fn NAME(p)`; `p.lang` is "rune". */
  rune: string;
  /** Checks the value (the same for both languages unless it depends on `lang`). */
  check(value: Json, lang: "lua" | "rune"): void;
}

const rows = (v: Json) => (Array.isArray(v) ? v : []) as Record<string, Json>[];

function cases(outside: string, url: string): Record<string, Case> {
  const q = JSON.stringify;
  return {
    read_note: {
      binding: "read_note",
      lua: `return crucible.read_note("a")`,
      rune: `crucible::read_note("a")`,
      check(v) {
        const n = v as Record<string, Json>;
        deepStrictEqual(
          [n.path, n.title, n.links, n.tags, n.word_count, n.frontmatter],
          ["a.md", "Alpha", ["b"], ["t"], 5, { status: "draft", tags: ["t"] }],
        );
        ok(typeof n.modified === "string" && n.content === "# Alpha\n\nSee [[b]] for beta.\n");
      },
    },
    list_notes: {
      binding: "list_notes",
      lua: `return crucible.list_notes("", { tag = "t", fields = { "path", "title" } })`,
      rune: `crucible::list_notes("", #{ tag: "t", fields: ["path", "title"] })`,
      check: (v) => deepStrictEqual(v, [{ path: "a.md", title: "Alpha" }]),
    },
    list_where: {
      binding: "list_notes",
      lua: `return crucible.list_notes("sub", { where = { status = "done" } })`,
      rune: `crucible::list_notes("sub", #{ where: #{ status: "done" } })`,
      check: (v) => deepStrictEqual(rows(v).map((r) => r.path), ["sub/c.md"]),
    },
    search: {
      binding: "search",
      lua: `return crucible.search("beta", { limit = 5 })`,
      rune: `crucible::search("beta", #{ limit: 5 })`,
      check: (v) => deepStrictEqual(rows(v).map((r) => r.path).sort(), ["a.md", "b.md"]),
    },
    write_note: {
      binding: "write_note",
      lua: `return crucible.write_note("out/" .. p.lang .. ".md", "# Out\\n", { kind = "x" })`,
      rune: `crucible::write_note("out/" + p.lang + ".md", "# Out\\n", #{ kind: "x" })`,
      check: (v, lang) =>
        deepStrictEqual(v, { path: `out/${lang}.md`, created: true, word_count: 1, bytes: 22 }),
    },
    backlinks: {
      binding: "graph.backlinks",
      lua: `return crucible.graph.backlinks("b")`,
      rune: `crucible::graph::backlinks("b")`,
      check: (v) =>
        deepStrictEqual(rows(v).map((r) => [r.path, r.title, r.line]), [["a.md", "Alpha", 7]]),
    },
    forwardlinks: {
      binding: "graph.forwardlinks",
      lua: `return crucible.graph.forwardlinks("a.md")`,
      rune: `crucible::graph::forwardlinks("a.md")`,
      check: (v) => deepStrictEqual(rows(v).map((r) => [r.target, r.path]), [["b", "b.md"]]),
    },
    traverse: {
      binding: "graph.traverse",
      lua: `return crucible.graph.traverse("a", { depth = 2 })`,
      rune: `crucible::graph::traverse("a", #{ depth: 2 })`,
      check: (v) =>
        deepStrictEqual(rows(v).map((r) => [r.path, r.depth, r.via ?? null]), [
          ["a.md", 0, null],
          ["b.md", 1, "a.md"],
          ["sub/c.md", 2, "b.md"],
        ]),
    },
    state: {
      binding: "state.set",
      lua: `crucible.state.set("k", { n = 1 }, { ttl = "1h" })
        local got = crucible.state.get("k")
        local keys = crucible.state.keys()
        local gone = crucible.state.delete("k")
        return { got = got, keys = keys, gone = gone, after = crucible.state.get("k") or "nil" }`,
      rune: `crucible::state::set("k", #{ n: 1 }, #{ ttl: "1h" });
        let got = crucible::state::get("k");
        let keys = crucible::state::keys();
        let gone = crucible::state::delete("k");
        let after = crucible::state::get("k");
        #{ got, keys, gone, after: if after == () { "nil" } else { "set" } }`,
      check: (v) => deepStrictEqual(v, { got: { n: 1 }, keys: ["k"], gone: true, after: "nil" }),
    },
    invoke_plugin: {
      binding: "invoke_plugin",
      lua: `return crucible.invoke_plugin("adder", { a = 2, b = 3 })`,
      rune: `crucible::invoke_plugin("adder", #{ a: 2, b: 3 })`,
      check: (v) => strictEqual(v, 5),
    },
    http_request: {
      binding: "http.request",
      lua: `local r = crucible.http.request(${q(url)} .. "/echo", { method = "PUT", body = "x",
          headers = { ["x-test"] = "1" } })
        return { status = r.status, body = r.body }`,
      rune: `let r = crucible::http::request(${q(url)} + "/echo", #{ method: "PUT", body: "x",
          headers: #{ "x-test": "1" } });
        #{ status: r.status, body: r.body }`,
      check: (v) => deepStrictEqual(v, { status: 200, body: "PUT /echo x-test=1 x" }),
    },
    http_get: {
      binding: "http.get",
      lua: `return crucible.http.get(${q(url)} .. "/g").body`,
      rune: `crucible::http::get(${q(url)} + "/g").body`,
      check: (v) => strictEqual(v, "GET /g x-test=- "),
    },
    http_post: {
      binding: "http.post",
      lua: `return crucible.http.post(${q(url)} .. "/p", "payload").body`,
      rune: `crucible::http::post(${q(url)} + "/p", "payload").body`,
      check: (v) => strictEqual(v, "POST /p x-test=- payload"),
    },
    fs_read: {
      binding: "fs.read",
      lua: `return crucible.fs.read(${q(path.join(outside, "in.txt"))})`,
      rune: `crucible::fs::read(${q(path.join(outside, "in.txt"))})`,
      check: (v) => strictEqual(v, "outside text\n"),
    },
    fs_list: {
      binding: "fs.list",
      lua: `return crucible.fs.list(${q(outside)})`,
      rune: `crucible::fs::list(${q(outside)})`,
      check: (v) =>
        deepStrictEqual(
          rows(v).filter((e) => e.name === "in.txt"),
          [{ name: "in.txt", type: "file" }],
        ),
    },
    fs_write: {
      binding: "fs.write",
      lua: `return crucible.fs.write(${q(outside)} .. "/" .. p.lang .. ".txt", "written")`,
      rune: `crucible::fs::write(${q(outside)} + "/" + p.lang + ".txt", "written")`,
      check: (v, lang) =>
        deepStrictEqual(v, { path: path.join(outside, `${lang}.txt`), created: true, bytes: 7 }),
    },
    batch: {
      binding: "batch",
      lua: `local r = crucible.batch({ { "read_note", "b" }, { "graph.backlinks", "b" },
          { "read_note", "missing" } })
        return { r[1].ok, r[1].value.title, r[2].ok, #r[2].value, r[3].ok, r[3].error.code }`,
      rune: `let r = crucible::batch([["read_note", "b"], ["graph.backlinks", "b"],
          ["read_note", "missing"]]);
        [r[0].ok, r[0].value.title, r[1].ok, r[1].value.len(), r[2].ok, r[2].error.code]`,
      check: (v) => deepStrictEqual(v, [true, "Beta", true, 1, false, "E_NOT_FOUND"]),
    },
    random_int: {
      binding: "random.int",
      lua: `local a = crucible.random.int(7, 7)
        local b = crucible.random.int(1, 6)
        return { a, b >= 1 and b <= 6 }`,
      rune: `let a = crucible::random::int(7, 7);
        let b = crucible::random::int(1, 6);
        [a, b >= 1 && b <= 6]`,
      check: (v) => deepStrictEqual(v, [7, true]),
    },
    time_now: {
      binding: "time.now",
      lua: `return crucible.time.now() > 1.7e12`,
      rune: `crucible::time::now() > 1700000000000`,
      check: (v) => strictEqual(v, true),
    },
    time_iso: {
      binding: "time.iso",
      lua: `return crucible.time.iso(0)`,
      rune: `crucible::time::iso(0)`,
      check: (v) => strictEqual(v, "1970-01-01T00:00:00.000Z"),
    },
    log: {
      binding: "log",
      lua: `crucible.log("hello from " .. p.lang)
        return "logged"`,
      rune: `crucible::log("hello from " + p.lang);
        "logged"`,
      check: (v) => strictEqual(v, "logged"),
    },
  };
}

const ADDER = `---
name: adder
description: Adds two numbers
version: 1.0.0
parameters: {a: integer, b: integer}
---
function main(p) return p.a + p.b end
`;

function luaSource(name: string, caps: string, all: Record<string, Case>): string {
  const fns = Object.entries(all).map(([k, c]) =>
    `M[${JSON.stringify(k)}] = function(p)\n  ${c.lua}\nend`
  );
  return `---\nname: ${name}\ndescription: calls every binding\ncapabilities: ${caps}\n---\n` +
    `local M = {}\n${fns.join("\n")}\nreturn M\n`;
}

function runeSource(name: string, caps: string, all: Record<string, Case>): string {
  const fns = Object.entries(all).map(([k, c]) => `pub fn ${k}(p) {\n    ${c.rune}\n}`);
  return `---\nname: ${name}\ndescription: calls every binding\ncapabilities: ${caps}\n---\n` +
    `${fns.join("\n\n")}\n`;
}

function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory && e.name !== ".crucible") walk(abs);
      else if (e.isFile) out[path.relative(root, abs)] = Deno.readTextFileSync(abs);
    }
  };
  walk(root);
  return out;
}

async function fixture() {
  const kiln = tempKiln({
    "a.md": "---\nstatus: draft\ntags: [t]\n---\n# Alpha\n\nSee [[b]] for beta.\n",
    "b.md": "# Beta\n\nBeta links on to [[c]].\n",
    "sub/c.md": "---\nstatus: done\n---\n# Gamma\n",
    ".crucible/plugins/adder.lua": ADDER,
  });
  const outside = Deno.makeTempDirSync({ prefix: "cru-outside-" });
  Deno.writeTextFileSync(path.join(outside, "in.txt"), "outside text\n");
  const requests: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const u = new URL(req.url);
    requests.push(`${req.method} ${u.pathname}`);
    const body = await req.text();
    return new Response(
      `${req.method} ${u.pathname} x-test=${req.headers.get("x-test") ?? "-"} ${body}`,
    );
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  const all = cases(outside, url);
  const caps = `[KilnRead, KilnWrite, StateManage, {PluginInvoke: [adder]}, ` +
    `{NetworkHttp: ["127.0.0.1:${server.addr.port}"]}, {FsRead: [${outside}]}, {FsWrite: [${outside}]}]`;
  kiln.write(".crucible/plugins/every-lua.lua", luaSource("every-lua", caps, all));
  kiln.write(".crucible/plugins/every-rune.rune", runeSource("every-rune", caps, all));
  kiln.write(".crucible/plugins/none-lua.lua", luaSource("none-lua", "[]", all));
  kiln.write(".crucible/plugins/none-rune.rune", runeSource("none-rune", "[]", all));
  const registry = await PluginRegistry.load({
    kilnRoot: kiln.root,
    builtinDir: null,
    env: () => "/nonexistent",
  });
  const pool = new SandboxPool({ size: 2 });
  return {
    kiln,
    outside,
    requests,
    all,
    registry,
    pool,
    async [Symbol.asyncDispose]() {
      pool.close();
      await server.shutdown();
      kiln[Symbol.dispose]();
      Deno.removeSync(outside, { recursive: true });
    },
  };
}

Deno.test("every binding answers the same from Lua and from Rune", async () => {
  await using f = await fixture();
  for (const p of ["every-lua", "every-rune", "none-lua", "none-rune"]) {
    ok(f.registry.get(p)?.valid, `${p}: ${JSON.stringify(f.registry.get(p)?.problems)}`);
  }
  // Completeness: a kiln API binding added to the table without a case here fails this test (the
  // standard library's bindings are exercised from both engines in tests/stdlib/).
  const covered = new Set(Object.values(f.all).map((c) => c.binding));
  const stdlib = new Set(STDLIB_BINDINGS.map((b) => b.name));
  const missing = BINDINGS.filter((b) =>
    !covered.has(b.name) && !stdlib.has(b.name) && !b.name.startsWith("state.")
  )
    .map((b) => b.name);
  deepStrictEqual(missing, [], "bindings without a cross-engine case");

  const { runner } = testRunner(f.kiln, {
    registry: f.registry,
    pool: f.pool,
    approver: fixedApprover(["*"]),
  });
  try {
    for (const lang of ["lua", "rune"] as const) {
      for (const [name, c] of Object.entries(f.all)) {
        const r = await runner.invoke({ plugin: `every-${lang}`, fn: name, params: { lang } });
        strictEqual(r.ok, true, `${lang} ${name}: ${JSON.stringify(r.error)}`);
        try {
          c.check(r.value as Json, lang);
        } catch (e) {
          throw new Error(`${lang} ${name}: ${(e as Error).message}`);
        }
        if (name === "log") deepStrictEqual(r.logs, [`hello from ${lang}`]);
      }
    }
  } finally {
    runner.close();
  }
});

Deno.test("without capabilities every capability-bound binding is refused, in both engines", async () => {
  await using f = await fixture();
  const kilnBefore = snapshot(f.kiln.root);
  const outsideBefore = snapshot(f.outside);
  const { runner, events } = testRunner(f.kiln, {
    registry: f.registry,
    pool: f.pool,
    approver: fixedApprover(["*"]),
  });
  try {
    for (const lang of ["lua", "rune"] as const) {
      for (const [name, c] of Object.entries(f.all)) {
        const spec = BINDINGS.find((b) => b.name === c.binding)!;
        // invoke_plugin to a plugin that is not a dependency needs PluginInvoke.
        if (spec.capability === null) continue;
        const r = await runner.invoke({ plugin: `none-${lang}`, fn: name, params: { lang } });
        strictEqual(r.ok, false, `${lang} ${name} was allowed: ${JSON.stringify(r.value)}`);
        strictEqual(r.error?.code, "E_CAPABILITY", `${lang} ${name}: ${JSON.stringify(r.error)}`);
      }
    }
  } finally {
    runner.close();
  }
  deepStrictEqual(snapshot(f.kiln.root), kilnBefore);
  deepStrictEqual(snapshot(f.outside), outsideBefore);
  deepStrictEqual(f.requests, []);
  ok(
    events.filter((e) => e.kind === "capability" && (e as { granted?: boolean }).granted === false)
      .length >= 10,
  );
});
