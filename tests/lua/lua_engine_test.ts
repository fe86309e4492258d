/**
 * The Lua engine in real sandbox workers: bindings, value conversion, the restricted standard
 * library, limits, and the escapes Lua code might try. Attacks assert refusal, a live host and an
 * unchanged disk.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { tempKiln } from "../helpers.ts";
import { fixedApprover, luaPlugin, SandboxPool, testRunner } from "../sandbox/sandbox_helpers.ts";

function snapshot(root: string): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
      const abs = path.join(dir, e.name);
      if (e.name === ".crucible") continue;
      if (e.isDirectory) walk(abs);
      else out.push(`${abs}:${Deno.readTextFileSync(abs)}`);
    }
  };
  walk(root);
  return out.join("\n");
}

async function run(
  code: string,
  options: {
    manifest?: string;
    params?: unknown;
    fn?: string;
    approve?: string[];
    timeoutMs?: number;
  } = {},
  files: Record<string, string> = {
    "a.md": "---\ntags: [x]\n---\n# Alpha\nhello [[b]] world\n",
    "b.md": "# Beta\n",
  },
) {
  using kiln = tempKiln(files);
  const plugin = await luaPlugin("probe", options.manifest ?? "", code);
  if (!plugin.valid) throw new Error(`test plugin is invalid: ${JSON.stringify(plugin.problems)}`);
  const pool = new SandboxPool({ size: 2, graceMs: 200 });
  const { runner, events } = testRunner(kiln, {
    approver: fixedApprover(options.approve ?? []),
    pool,
  });
  const before = snapshot(kiln.root);
  try {
    const result = await runner.invoke({
      plugin,
      params: options.params,
      fn: options.fn,
      timeoutMs: options.timeoutMs,
    });
    return { result, events, unchanged: snapshot(kiln.root) === before, root: kiln.root };
  } finally {
    runner.close();
    pool.close();
    plugin.cleanup();
  }
}

Deno.test("a Lua plugin returns a table of functions; the entry gets the parameters", async () => {
  const { result } = await run(
    `local M = {}\nfunction M.main(p) return { doubled = p.n * 2, name = p.name } end\nreturn M\n`,
    {
      manifest: "parameters:\n  n: integer\n  name: {type: string, default: x}\n",
      params: { n: 21 },
    },
  );
  deepStrictEqual(result.value, { doubled: 42, name: "x" });
});

Deno.test("global functions work too, and --fn calls another public function", async () => {
  const code = `function main(p) return "main" end\nfunction other(p) return "other " .. p.x end\n`;
  strictEqual((await run(code)).result.value, "main");
  strictEqual((await run(code, { fn: "other", params: { x: 1 } })).result.value, "other 1");
  const missing = await run(code, { fn: "nope" });
  strictEqual(missing.result.error?.code, "E_NOT_FOUND");
});

Deno.test("a manifest entry other than main is called", async () => {
  const { result } = await run(`return { roll = function() return 6 end }`, {
    manifest: "entry: roll\n",
  });
  strictEqual(result.value, 6);
});

Deno.test("values cross by deep copy with the documented rules", async () => {
  const { result } = await run(
    `
    function main(p)
      return {
        ints = { 1, -2, math.maxinteger // 2 ^ 0 // 1 == 0 and 0 or 3 },
        float = 2.5, whole_float = 2.0, text = "héllo \\"quoted\\" \\n",
        empty = {}, nested = { a = { b = { c = true } } },
        echo = p, int_type = math.type(p.count), float_type = math.type(p.ratio),
        keys = { [1] = "a", [2] = "b" }, sparse = { [1] = "a", [3] = "c" },
      }
    end`,
    {
      manifest: "parameters:\n  count: integer\n  ratio: number\n  list: array\n",
      params: { count: 3, ratio: 0.5, list: [1, "two", null, { k: [] }] },
    },
  );
  const v = result.value as Record<string, unknown>;
  deepStrictEqual(v.float, 2.5);
  deepStrictEqual(v.whole_float, 2);
  deepStrictEqual(v.text, 'héllo "quoted" \n');
  deepStrictEqual(v.empty, {});
  deepStrictEqual(v.nested, { a: { b: { c: true } } });
  deepStrictEqual([v.int_type, v.float_type], ["integer", "float"]);
  deepStrictEqual(v.keys, ["a", "b"]);
  deepStrictEqual(v.sparse, { "1": "a", "3": "c" });
  deepStrictEqual((v.echo as Record<string, unknown>).count, 3);
});

Deno.test("cycles, functions and NaN cannot cross; errors name what was wrong", async () => {
  const cycle = await run(`function main() local t = {} t.me = t return t end`);
  strictEqual(cycle.result.error?.code, "E_INVALID_VALUE");
  ok(/contains itself/.test(cycle.result.error!.message));
  const fn = await run(`function main() return { f = print } end`);
  strictEqual(fn.result.error?.code, "E_INVALID_VALUE");
  const nan = await run(`function main() return 0/0 end`);
  strictEqual(nan.result.error?.code, "E_INVALID_VALUE");
  const deep = await run(
    `function main() local t = {} local c = t for i = 1, 100 do c.n = {} c = c.n end return t end`,
  );
  ok(/64 levels/.test(deep.result.error!.message));
});

Deno.test("bindings: read_note, list_notes, search, graph, time and print", async () => {
  const { result, events } = await run(`
    function main()
      local note = crucible.read_note("a")
      print("read", note.title)
      return {
        title = note.title, tags = note.tags, links = note.links, words = note.word_count,
        fm = note.frontmatter, listed = #crucible.list_notes(),
        found = crucible.search("hello")[1].path,
        back = crucible.graph.backlinks("b")[1].path,
        now = type(crucible.time.now()), iso = crucible.time.iso(0),
      }
    end`);
  strictEqual(result.ok, true, JSON.stringify(result.error));
  deepStrictEqual(result.value, {
    title: "Alpha",
    tags: ["x"],
    links: ["b"],
    words: 4,
    fm: { tags: ["x"] },
    listed: 2,
    found: "a.md",
    back: "a.md",
    now: "number",
    iso: "1970-01-01T00:00:00.000Z",
  });
  deepStrictEqual(result.logs, ["read\tAlpha"]);
  ok(
    events.some((e) => e.kind === "capability" && e.binding === "read_note" && e.target === "a.md"),
  );
});

Deno.test("binding errors are catchable tables with a code", async () => {
  const { result } = await run(`
    function main()
      local ok, err = pcall(crucible.read_note, "missing.md")
      return { ok = ok, code = err.code, text = tostring(err) }
    end`);
  deepStrictEqual(result.value, {
    ok: false,
    code: "E_NOT_FOUND",
    text: "E_NOT_FOUND: note missing.md does not exist",
  });
});

Deno.test("an uncaught error carries the plugin file, the real line and a traceback", async () => {
  const { result } = await run(
    `local M = {}\nlocal function helper(x)\n  return x.field.deeper\nend\nfunction M.main()\n  return helper({})\nend\nreturn M\n`,
  );
  strictEqual(result.error?.code, "E_RUNTIME");
  ok(result.error!.file!.endsWith("probe.lua"));
  // The frontmatter is 4 lines, so "return x.field.deeper" is on file line 7.
  strictEqual(result.error!.line, 7);
  ok(/attempt to index a nil value/.test(result.error!.message));
  ok(/probe\.lua:7/.test(result.error!.traceback ?? ""), result.error!.traceback);
});

Deno.test("a syntax error is reported at install time and at run time", async () => {
  const plugin = await luaPlugin("broken", "", "function main()\n  return 1 +\nend\n");
  try {
    strictEqual(plugin.valid, false);
    ok(plugin.problems.some((p) => p.code === "lua-syntax" && p.line === 7));
  } finally {
    plugin.cleanup();
  }
});

Deno.test("writes from Lua need KilnWrite, are journaled and change only their note", async () => {
  const code =
    `function main() return crucible.write_note("new.md", "# New", { type = "idea" }) end`;
  const denied = await run(code);
  strictEqual(denied.result.error?.code, "E_CAPABILITY");
  strictEqual(denied.unchanged, true);
  const { result } = await run(code, {
    manifest: "capabilities: [KilnRead, KilnWrite]\n",
    approve: ["KilnWrite"],
  });
  deepStrictEqual(result.value, { path: "new.md", created: true, word_count: 1, bytes: 24 });
});

Deno.test("removed globals are absent: io, os, debug, package, dofile, loadfile, collectgarbage", async () => {
  // Written so the install-time lint does not catch them: the sandbox must hold on its own.
  const { result, unchanged } = await run(`
    function main()
      local out = {}
      for _, name in ipairs({ "io", "os", "debug", "package", "dofile", "loadfile", "collectgarbage" }) do
        out[name] = type(_G[name])
      end
      out.string_dump = type(string["dump"])
      out.meta_dump = type(getmetatable("").__index["dump"])
      out.cru = type(_G["__cru_call"]) .. type(_G["__cru_run"])
      out.req_os = select(2, pcall(require, "os")).code
      out.req_str = require("string") == string
      return out
    end`);
  deepStrictEqual(result.value, {
    io: "nil",
    os: "nil",
    debug: "nil",
    package: "nil",
    dofile: "nil",
    loadfile: "nil",
    collectgarbage: "nil",
    string_dump: "nil",
    meta_dump: "nil",
    cru: "nilnil",
    req_os: "E_NOT_FOUND",
    req_str: true,
  });
  strictEqual(unchanged, true);
});

Deno.test("load takes text only, in the plugin's own environment; binary chunks are refused", async () => {
  const { result } = await run(`
    function main()
      local f = load("return 1 + 1")
      local ok1, e1 = pcall(load, "return 1", "x", "b")
      local ok2, e2 = pcall(load, function() return nil end)
      local g = load("return io")
      local binary = "\\27Lua" .. string.rep("\\0", 20)
      local f3, e3 = load(binary)
      return { f = f(), b = e1.code, fn = e2.code, io = type(g()), bin = tostring(f3) .. " " .. tostring(e3) }
    end`);
  const v = result.value as Record<string, string>;
  deepStrictEqual([v.f, v.b, v.fn, v.io], [2, "E_CAPABILITY", "E_CAPABILITY", "nil"]);
  ok(/binary|attempt to load/.test(v.bin), v.bin);
});

Deno.test("string metatable tampering does not leak into the next invocation", async () => {
  using kiln = tempKiln({ "a.md": "# A\n" });
  const pool = new SandboxPool({ size: 1 });
  const { runner } = testRunner(kiln, { pool });
  const plugin = await luaPlugin(
    "tamper",
    "parameters:\n  tamper: boolean\n",
    `function main(p)
       if p.tamper then getmetatable("").__index.upper = function() return "pwned" end end
       return ("abc"):upper()
     end`,
  );
  try {
    strictEqual((await runner.invoke({ plugin, params: { tamper: true } })).value, "pwned");
    strictEqual((await runner.invoke({ plugin, params: {} })).value, "ABC");
    strictEqual(pool.stats().spawned, 1, "the same warm worker served both");
  } finally {
    runner.close();
    pool.close();
    plugin.cleanup();
  }
});

Deno.test("nothing reaches JavaScript: every function is Lua's, no userdata, no constructor", async () => {
  const { result } = await run(`
    function main()
      local found = {}
      local seen = {}
      local function scan(t, path)
        if seen[t] then return end
        seen[t] = true
        for k, v in pairs(t) do
          local kind = type(v)
          if kind == "userdata" or kind == "thread" then found[#found + 1] = path .. "." .. tostring(k) end
          if kind == "table" then scan(v, path .. "." .. tostring(k)) end
        end
      end
      scan(_G, "_G")
      local ok, err = pcall(function() return crucible.read_note.constructor end)
      local note = crucible.read_note("a")
      return { found = found, ctor = ok, note_meta = getmetatable(note) == nil, fn_meta = getmetatable(crucible.read_note) == nil }
    end`);
  deepStrictEqual(result.value, { found: {}, ctor: false, note_meta: true, fn_meta: true });
});

Deno.test("an infinite loop is stopped gracefully with its line; the host stays responsive", async () => {
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 20);
  try {
    const { result } = await run(
      `function main()\n  local n = 0\n  while true do n = n + 1 end\nend\n`,
      { timeoutMs: 600 },
    );
    strictEqual(result.error?.code, "E_TIMEOUT");
    strictEqual(result.error?.line, 7);
    ok(ticks > 5);
  } finally {
    clearInterval(ticker);
  }
});

Deno.test("coroutines are stopped too", async () => {
  const { result } = await run(
    `function main() local co = coroutine.wrap(function() while true do end end) co() end`,
    { timeoutMs: 500 },
  );
  strictEqual(result.error?.code, "E_TIMEOUT");
});

Deno.test("deep recursion is a clear error", async () => {
  const { result } = await run(
    `local function f(n) return 1 + f(n + 1) end\nfunction main() return f(1) end`,
  );
  ok(["E_RUNTIME", "E_MEMORY"].includes(result.error!.code), JSON.stringify(result.error));
  ok(/stack overflow|memory/.test(result.error!.message), result.error!.message);
});

Deno.test("memory bombs are stopped: tables, string.rep and table.concat", async () => {
  for (
    const code of [
      `function main() local t = {} for i = 1, 1e9 do t[i] = {i} end end`,
      `function main() return #string.rep("x", 1e9) end`,
      `function main() local parts = {} for i = 1, 2000 do parts[i] = string.rep(string.char(65 + i % 26), 1e5) end return #table.concat(parts) end`,
    ]
  ) {
    const { result, unchanged } = await run(code, { manifest: "limits: {memory: 32MB}\n" });
    strictEqual(result.error?.code, "E_MEMORY", `${code}: ${JSON.stringify(result.error)}`);
    strictEqual(unchanged, true);
  }
});

Deno.test("a pattern-matching bomb is stopped", async () => {
  const { result } = await run(
    `function main() return string.rep("a", 40000):find(".-.-.-.-.-.-.-.-b") end`,
    { timeoutMs: 700 },
  );
  strictEqual(result.ok, false);
  ok(["E_TIMEOUT", "E_RUNTIME"].includes(result.error!.code), JSON.stringify(result.error));
});

Deno.test("a huge return value is refused, not crashing the host", async () => {
  const { result } = await run(
    `function main() local t = {} for i = 1, 400000 do t[i] = string.rep("y", 100) end return t end`,
    { manifest: "limits: {memory: 64MB}\n" },
  );
  strictEqual(result.ok, false);
  ok(
    ["E_MEMORY", "E_PAYLOAD_TOO_LARGE"].includes(result.error!.code),
    JSON.stringify(result.error),
  );
});

Deno.test("print output is captured and size-limited", async () => {
  const { result } = await run(
    `function main() for i = 1, 20000 do print("line " .. i .. string.rep(".", 20)) end return 1 end`,
  );
  strictEqual(result.ok, true);
  ok(result.logs.length < 20000);
  ok(/more log lines dropped/.test(result.logs[result.logs.length - 1]));
});

Deno.test("objects cross with sorted keys; crucible.array() and host arrays stay arrays when empty", async () => {
  const { result } = await run(`
    function main()
      local note = crucible.read_note("b")
      local tags = note.tags
      return { z = 1, a = 2, m = { y = 1, b = 2 }, empty = crucible.array(), emptied = tags }
    end`);
  strictEqual(
    JSON.stringify(result.value),
    '{"a":2,"emptied":[],"empty":[],"m":{"b":2,"y":1},"z":1}',
  );
});
