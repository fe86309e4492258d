/**
 * `cru plugins stubs` (editor support generated from the binding table) and `cru completions`
 * (shell scripts generated from the command tree), as a subprocess.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { BINDINGS } from "../../src/runtime/bindings.ts";
import { checkLuaSyntax } from "../../src/plugins/syntax.ts";
import { REPO, runCru, runCruJson, tempKiln } from "../helpers.ts";

Deno.test("plugins stubs: every binding is in the Lua annotations and the Rune reference", async () => {
  using dir = tempKiln();
  const { code, json, stderr } = await runCruJson<Record<string, unknown>>([
    "plugins",
    "stubs",
    "--out",
    dir.root,
  ]);
  strictEqual(code, 0, stderr);
  deepStrictEqual(json, {
    lua: path.join(dir.root, "types", "crucible.lua"),
    luarc: path.join(dir.root, ".luarc.json"),
    luarc_action: "written",
    rune: path.join(dir.root, "rune-api.md"),
    bindings: BINDINGS.length,
  });
  const lua = Deno.readTextFileSync(json.lua as string);
  ok(lua.startsWith("---@meta crucible\n"));
  deepStrictEqual(await checkLuaSyntax(json.lua as string, "crucible.lua", lua), [], "valid Lua");
  const rune = Deno.readTextFileSync(json.rune as string);
  for (const b of BINDINGS) {
    const params = b.params.map((p) => p.name).join(", ");
    ok(lua.includes(`function crucible.${b.name}(${params}) end`), `Lua stub for ${b.name}`);
    for (const p of b.params) {
      match(lua, new RegExp(`---@param ${p.name}${p.optional ? "\\?" : ""} \\S+ `), b.name);
    }
    ok(rune.includes(`crucible::${b.name.replaceAll(".", "::")}(`), `Rune entry for ${b.name}`);
  }
  // Namespaces are declared before their functions, so LuaLS knows crucible.graph is a table.
  ok(lua.indexOf("crucible.graph = {}") < lua.indexOf("function crucible.graph.backlinks("));
  match(lua, /---@param path string kiln-relative path of the note/);
  match(rune, /crucible::read_note\(path: String\) -> Object/);
  match(rune, /## `crucible::graph`/);

  const luarc = JSON.parse(Deno.readTextFileSync(json.luarc as string));
  strictEqual(luarc["runtime.version"], "Lua 5.4");
  deepStrictEqual(luarc["workspace.library"], ["types"]);
  strictEqual(luarc["runtime.builtin"].io, "disable");
});

Deno.test("plugins stubs keeps an existing .luarc.json and adds the stubs to it", async () => {
  using dir = tempKiln({ ".luarc.json": '{"workspace.library": ["lib"], "custom": 1}' });
  const first = await runCruJson<{ luarc_action: string }>(
    ["plugins", "stubs", "--out", dir.root],
  );
  strictEqual(first.json.luarc_action, "merged");
  deepStrictEqual(JSON.parse(Deno.readTextFileSync(path.join(dir.root, ".luarc.json"))), {
    "workspace.library": ["lib", "types"],
    custom: 1,
  });
  const again = await runCru(["plugins", "stubs", "--out", dir.root]);
  strictEqual(again.code, 0);
  match(again.stdout, /already uses the stubs/);
});

function commandPaths(help: string): string[] {
  // "Commands:" section lines of a --help output: the first word of each entry.
  const section = help.split(/^Commands:$/m)[1] ?? "";
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]).filter((c) =>
    c !== "help"
  );
}

/**
 * The real bash script, sourced in a real bash: `complete(...words)` sets COMP_WORDS/COMP_CWORD
 * to the line (the last word is the one being completed), calls `_cru` and returns COMPREPLY.
 * `bin/cru` in the folder is on PATH, for the plugin names the script asks cru for.
 */
async function bashCompleter(dir: { root: string }) {
  const r = await runCru(["completions", "bash"]);
  strictEqual(r.code, 0);
  Deno.writeTextFileSync(path.join(dir.root, "c.bash"), r.stdout);
  return async (...words: string[]) => {
    const script = `source ${dir.root}/c.bash; COMP_WORDS=(${
      words.map((w) => `'${w}'`).join(" ")
    }); COMP_CWORD=${words.length - 1}; _cru; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = await new Deno.Command("bash", {
      args: ["-c", script],
      cwd: dir.root,
      stdout: "piped",
      env: {
        PATH: `${path.join(dir.root, "bin")}:${Deno.env.get("PATH")}`,
        CRUCIBLE_CONFIG_DIR: path.join(dir.root, "config"),
        XDG_CACHE_HOME: path.join(dir.root, "cache"),
        NO_COLOR: "1",
      },
    }).output();
    return new TextDecoder().decode(out.stdout).trim().split("\n").filter(Boolean);
  };
}

/** A `cru` on PATH (in `dir/bin`) running this checkout, and a kiln holding the plugin `shout`. */
function cruOnPath(dir: { root: string; write(rel: string, text: string): string }): string {
  dir.write(
    "kiln/.crucible/plugins/shout.lua",
    "---\nname: shout\ndescription: Shout\n---\nreturn {main = function() return 1 end}\n",
  );
  const stub = dir.write(
    "bin/cru",
    `#!/bin/sh\nexec "${Deno.execPath()}" run --quiet --allow-read --allow-write --allow-env ` +
      `--allow-sys "${path.join(REPO, "cli.ts")}" "$@"\n`,
  );
  Deno.chmodSync(stub, 0o755);
  return path.join(dir.root, "kiln");
}

Deno.test("completions: bash completes commands, subcommands and options from the tree", async () => {
  using dir = tempKiln();
  const complete = await bashCompleter(dir);
  const top = await complete("cru", "");
  const help = await runCru(["--help"]);
  for (const c of commandPaths(help.stdout)) ok(top.includes(c), `${c} completes`);
  deepStrictEqual(await complete("cru", "plugins", "te"), ["test"]);
  deepStrictEqual(await complete("cru", "--kiln", "/k", "plugins", "install", "--sc"), ["--scope"]);
  ok((await complete("cru", "plugins", "test", "x.lua", "--")).includes("--reporter"));
  deepStrictEqual(await complete("cru", "rune", "t"), ["test"]);

  // Plugin names come from `cru plugins list --names`, in the kiln named on the line.
  const kiln = cruOnPath(dir);
  for (const verb of ["run", "show", "test", "remove"]) {
    deepStrictEqual(await complete("cru", "--kiln", kiln, "plugins", verb, "sh"), ["shout"], verb);
  }
  deepStrictEqual(await complete("cru", "plugins", "new", "sh"), [], "new takes a new name");
});

Deno.test("completions: bash completes option values and the shell, not file names", async () => {
  using dir = tempKiln({ "notes.md": "# a file that must not be offered\n" });
  Deno.mkdirSync(path.join(dir.root, "kilns", "campaign"), { recursive: true });
  const complete = await bashCompleter(dir);
  const sorted = async (...words: string[]) => (await complete(...words)).sort();
  deepStrictEqual(await sorted("cru", "search", "docks", "--mode", ""), [
    "hybrid",
    "semantic",
    "text",
  ]);
  deepStrictEqual(await complete("cru", "search", "--mode", "se"), ["semantic"]);
  deepStrictEqual(await complete("cru", "search", "--mode", "zz"), []);
  deepStrictEqual(await sorted("cru", "plugins", "new", "x", "--lang", ""), ["lua", "rune"]);
  deepStrictEqual(await complete("cru", "plugins", "new", "x", "--template", "w"), ["workflow"]);
  deepStrictEqual(await sorted("cru", "plugins", "install", "a.lua", "--scope", ""), [
    "kiln",
    "system",
  ]);
  deepStrictEqual(await complete("cru", "plugins", "remove", "--scope", "s"), ["system"]);
  deepStrictEqual(await complete("cru", "plugins", "test", "--reporter", "j"), ["junit"]);
  deepStrictEqual(await complete("cru", "completions", "z"), ["zsh"]);
  const shells = await complete("cru", "completions", "");
  for (const sh of ["bash", "zsh", "fish"]) ok(shells.includes(sh), sh);
  ok(!shells.includes("notes.md"));
  deepStrictEqual(await complete("cru", "--kiln", "kilns/c"), ["kilns/campaign"]);
  const kiln = cruOnPath(dir);
  deepStrictEqual(await complete("cru", "--kiln", kiln, "audit", "--plugin", "sho"), ["shout"]);
});

Deno.test("completions: zsh and fish name every command; an unknown shell is a usage error", async () => {
  const help = await runCru(["plugins", "--help"]);
  const sub = commandPaths(help.stdout);
  ok(sub.includes("install") && sub.includes("stubs"));
  const zsh = await runCru(["completions", "zsh"]);
  strictEqual(zsh.code, 0);
  ok(zsh.stdout.startsWith("#compdef cru\n"));
  for (const c of sub) match(zsh.stdout, new RegExp(`'${c}:`));
  match(zsh.stdout, /"plugins install"\) cmds=\(\); opts=\('--scope:/);
  const fish = await runCru(["completions", "fish"]);
  strictEqual(fish.code, 0);
  for (const c of sub) {
    match(fish.stdout, new RegExp(`__fish_seen_subcommand_from plugins; and not .* -a '${c}'`));
  }
  match(
    fish.stdout,
    /-n '__fish_seen_subcommand_from plugins; and __fish_seen_subcommand_from install' -l scope -r -f -a 'kiln system'/,
  );
  match(fish.stdout, /-l mode -r -f -a 'text hybrid semantic'/);
  match(fish.stdout, /-l params -s p -r -F/);
  match(fish.stdout, /__fish_seen_subcommand_from completions' -a 'bash zsh fish'/);
  match(zsh.stdout, /--mode\) compadd -- text hybrid semantic; return ;;/);
  match(zsh.stdout, /"completions"\) cmds=\('bash' 'zsh' 'fish'\)/);
  const bad = await runCru(["completions", "fsh"]);
  strictEqual(bad.code, 2);
  match(bad.stderr, /no completions for "fsh"; choose bash, zsh, fish \(did you mean fish\?\)/);
});
