import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { PluginRegistry, type RegistryChange, watchPlugins } from "../../src/plugins/mod.ts";
import { tempKiln } from "../helpers.ts";

/** Three plugin folders in temp dirs: a kiln, a config folder and a built-in folder. */
function setup() {
  const kiln = tempKiln();
  const config = tempKiln();
  const builtin = tempKiln();
  const env = (name: string) => (name === "CRUCIBLE_CONFIG_DIR" ? config.root : undefined);
  const write = (where: "kiln" | "system" | "builtin", file: string, text: string) => {
    const base = where === "kiln"
      ? path.join(".crucible", "plugins")
      : where === "system"
      ? "plugins"
      : "";
    const t = where === "kiln" ? kiln : where === "system" ? config : builtin;
    return t.write(path.join(base, file), text);
  };
  const load = (pins: Record<string, string> = {}) =>
    PluginRegistry.load({ kilnRoot: kiln.root, env, builtinDir: builtin.root, pins });
  return {
    kiln,
    config,
    builtin,
    write,
    load,
    [Symbol.dispose]() {
      kiln[Symbol.dispose]();
      config[Symbol.dispose]();
      builtin[Symbol.dispose]();
    },
  };
}

function lua(name: string, extra = "", code = "return { main = function(p) return p end }") {
  return `---\nname: ${name}\ndescription: test plugin ${name}\n${extra}---\n${code}\n`;
}

Deno.test("missing plugin folders are normal: an empty registry", async () => {
  using s = setup();
  const r = await s.load();
  deepStrictEqual(r.list(), []);
  strictEqual(r.dirs.length, 3);
});

Deno.test("kiln beats system beats built-in, and every override is visible", async () => {
  using s = setup();
  s.write("builtin", "greet.lua", lua("greet", "version: 3.0.0\n"));
  s.write("system", "greet.lua", lua("greet", "version: 2.0.0\n"));
  const kilnFile = s.write("kiln", "greet.lua", lua("greet", "version: 1.0.0\n"));
  s.write("system", "only-system.lua", lua("only-system"));
  s.write("builtin", "only-builtin.lua", lua("only-builtin"));
  const r = await s.load();
  const greet = r.get("greet")!;
  strictEqual(greet.scope, "kiln");
  strictEqual(greet.file, kilnFile);
  strictEqual(greet.version, "1.0.0");
  deepStrictEqual(greet.shadows.map((c) => [c.scope, c.version]), [
    ["system", "2.0.0"],
    ["builtin", "3.0.0"],
  ]);
  deepStrictEqual(r.list().map((p) => [p.name, p.scope]), [
    ["greet", "kiln"],
    ["only-builtin", "builtin"],
    ["only-system", "system"],
  ]);
  deepStrictEqual(r.overrides().map((o) => o.name), ["greet"]);
});

Deno.test("within a folder the highest version wins unless one is pinned", async () => {
  using s = setup();
  s.write("system", "a/tool.lua", lua("tool", "version: 1.2.0\n"));
  s.write("system", "b/tool.lua", lua("tool", "version: 1.10.0\n"));
  s.write("system", "c/tool.lua", lua("tool", "version: 1.9.9\n"));
  strictEqual((await s.load()).get("tool")!.version, "1.10.0");
  strictEqual((await s.load({ tool: "1.2.0" })).get("tool")!.version, "1.2.0");
  const missing = (await s.load({ tool: "4.0.0" })).get("tool")!;
  strictEqual(missing.valid, false);
  ok(missing.problems.some((p) => p.code === "pin-unsatisfied" && p.message.includes("4.0.0")));
});

Deno.test("a bad plugin is reported and skipped; the rest still load", async () => {
  using s = setup();
  s.write("kiln", "good.lua", lua("good"));
  s.write("kiln", "broken.lua", "---\nname: broken\n---\nreturn 1\n");
  s.write("kiln", "syntax.lua", lua("syntax", "", "local x = \nreturn"));
  s.write("kiln", "README.md", "# My plugins\n");
  const r = await s.load();
  deepStrictEqual(r.list().map((p) => [p.name, p.valid]), [
    ["broken", false],
    ["good", true],
    ["syntax", false],
  ]);
  const syntax = r.get("syntax")!.problems.find((p) => p.code === "lua-syntax")!;
  strictEqual(syntax.line, 6);
  ok(r.get("broken")!.problems.some((p) => p.field === "description"));
});

Deno.test("an invalid kiln copy does not hide a valid system copy", async () => {
  using s = setup();
  s.write("kiln", "tool.lua", "---\nname: tool\n---\n");
  s.write("system", "tool.lua", lua("tool"));
  const p = (await s.load()).get("tool")!;
  strictEqual(p.scope, "system");
  strictEqual(p.valid, true);
  deepStrictEqual(p.shadows.map((c) => [c.scope, c.valid]), [["kiln", false]]);
});

Deno.test("safety lints refuse Lua that names removed globals", async () => {
  using s = setup();
  s.write(
    "kiln",
    "sneaky.lua",
    lua("sneaky", "", "local f = io.open('/etc/passwd')\nos.execute('rm -rf /')\nreturn {}"),
  );
  const p = (await s.load()).get("sneaky")!;
  strictEqual(p.valid, false);
  deepStrictEqual(
    p.problems.filter((x) => x.code === "lua-unsafe").map((x) => x.line),
    [5, 6],
  );
});

Deno.test("rune plugins are syntax-checked by the Rune compiler", async () => {
  using s = setup();
  s.write("kiln", "r.rune", "---\nname: r\ndescription: d\n---\npub fn main(p) { p }\n");
  s.write(
    "kiln",
    "bad.rune",
    "---\nname: bad\ndescription: d\n---\npub fn main(p) {\n  let = 1;\n}\n",
  );
  const r = await s.load();
  strictEqual(r.get("r")!.valid, true);
  deepStrictEqual(r.get("r")!.problems, []);
  const bad = r.get("bad")!;
  strictEqual(bad.valid, false);
  ok(
    bad.problems.some((x) => x.severity === "error" && x.line === 6),
    JSON.stringify(bad.problems),
  );
});

Deno.test("dependencies: present, satisfied, optional", async () => {
  using s = setup();
  s.write("kiln", "lib.lua", lua("lib", "version: 1.4.0\n"));
  s.write(
    "kiln",
    "ok.lua",
    lua("ok", "dependencies:\n  lib: ^1.2.0\n  nice-to-have:\n    optional: true\n"),
  );
  s.write("kiln", "old.lua", lua("old", "dependencies:\n  lib: ^2.0.0\n"));
  s.write("kiln", "lost.lua", lua("lost", "dependencies: [ghost@1.x]\n"));
  const r = await s.load();
  strictEqual(r.get("ok")!.valid, true);
  const old = r.get("old")!.problems.find((p) => p.code === "dependency-version")!;
  ok(old.message.includes("needs lib ^2.0.0, but lib 1.4.0 is installed"), old.message);
  strictEqual(old.line, 5);
  ok(r.get("lost")!.problems.some((p) => p.code === "dependency-missing"));
  strictEqual(r.get("lost")!.valid, false);
});

Deno.test("a dependency cycle is named on every member", async () => {
  using s = setup();
  s.write("kiln", "a.lua", lua("a", "dependencies: [b]\n"));
  s.write("kiln", "b.lua", lua("b", "dependencies: [c]\n"));
  s.write("kiln", "c.lua", lua("c", "dependencies: [a]\n"));
  s.write("kiln", "d.lua", lua("d", "dependencies: [a]\n"));
  const r = await s.load();
  for (const name of ["a", "b", "c"]) {
    const p = r.get(name)!;
    strictEqual(p.valid, false);
    const cycle = p.problems.find((x) => x.code === "dependency-cycle")!;
    strictEqual(cycle.message, "dependency cycle: a → b → c → a");
  }
  ok(!r.get("d")!.problems.some((x) => x.code === "dependency-cycle"));
});

Deno.test("reload re-reads changed files and reports added, changed and removed", async () => {
  using s = setup();
  const file = s.write("kiln", "x.lua", lua("x", "version: 1.0.0\n"));
  const r = await s.load();
  const before = r.get("x")!;
  deepStrictEqual(await r.reload(), []);
  s.write("kiln", "x.lua", lua("x", "version: 1.1.0\n"));
  Deno.utimeSync(file, new Date(Date.now() + 5000), new Date(Date.now() + 5000));
  s.write("kiln", "y.lua", lua("y"));
  const changes = await r.reload();
  deepStrictEqual(changes.map((c) => [c.type, c.name]).sort(), [["added", "y"], ["changed", "x"]]);
  strictEqual(r.get("x")!.version, "1.1.0");
  strictEqual(before.version, "1.0.0", "a record held by a running invocation does not change");
  s.kiln.remove(".crucible/plugins/y.lua");
  deepStrictEqual((await r.reload()).map((c) => [c.type, c.name]), [["removed", "y"]]);
});

Deno.test("hot reload: the watcher yields the new hash when a plugin file changes", async () => {
  using s = setup();
  s.write("kiln", "hot.lua", lua("hot", "version: 1.0.0\n"));
  const r = await s.load();
  const oldHash = r.get("hot")!.hash;
  const stop = new AbortController();
  const seen: RegistryChange[] = [];
  const watching = (async () => {
    for await (const batch of watchPlugins(r, { signal: stop.signal, debounceMs: 30 })) {
      seen.push(...batch);
      if (seen.some((c) => c.name === "hot" && c.type === "changed")) stop.abort();
    }
  })();
  // Give the watcher a moment to start before writing.
  await new Promise((res) => setTimeout(res, 100));
  s.write("kiln", "hot.lua", lua("hot", "version: 2.0.0\n"));
  const deadline = setTimeout(() => stop.abort(), 10_000);
  await watching;
  clearTimeout(deadline);
  const change = seen.find((c) => c.name === "hot" && c.type === "changed");
  ok(change, `no change seen: ${JSON.stringify(seen)}`);
  strictEqual(change.previousHash, oldHash);
  strictEqual(change.plugin?.version, "2.0.0");
  ok(change.plugin!.hash !== oldHash);
  strictEqual(r.get("hot")!.hash, change.plugin!.hash);
});

Deno.test("hot reload sees a plugin folder created after the watch started", async () => {
  using s = setup();
  const r = await s.load();
  const stop = new AbortController();
  const seen: RegistryChange[] = [];
  const watching = (async () => {
    for await (const batch of watchPlugins(r, { signal: stop.signal, debounceMs: 30 })) {
      seen.push(...batch);
      if (seen.some((c) => c.name === "late")) stop.abort();
    }
  })();
  await new Promise((res) => setTimeout(res, 100));
  s.write("system", "late.lua", lua("late"));
  const deadline = setTimeout(() => stop.abort(), 10_000);
  await watching;
  clearTimeout(deadline);
  deepStrictEqual(seen.map((c) => [c.type, c.name]), [["added", "late"]]);
});

Deno.test("the shipped built-in plugins are all valid", async () => {
  const r = await PluginRegistry.load({
    env: (n) => (n === "CRUCIBLE_CONFIG_DIR" ? "/nonexistent-config" : undefined),
  });
  ok(r.list().length >= 3);
  for (const p of r.list()) {
    strictEqual(p.scope, "builtin");
    deepStrictEqual(p.problems.filter((x) => x.severity === "error"), [], p.name);
  }
});
