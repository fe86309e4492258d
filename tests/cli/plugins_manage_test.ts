/**
 * `cru plugins install | remove` as a subprocess on temp kiln, config and cache folders: the
 * install → list → run → remove round trip, overwrite protection, confirmation, cleanup.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { runCru, runCruJson, tempKiln } from "../helpers.ts";

const PLUGIN = `---
name: shout
description: Upper-case a note's title
version: 1.2.0
capabilities: [KilnRead, KilnWrite]
parameters:
  path: {type: string, required: true}
---
local M = {}
function M.main(params)
  local note = crucible.read_note(params.path)
  return { title = note.title:upper() }
end
return M
`;

function exists(file: string): boolean {
  try {
    Deno.statSync(file);
    return true;
  } catch {
    return false;
  }
}

/** A home folder the test controls, so config and cache paths can be checked on disk. */
function tempHome(): { env: Record<string, string>; config: string; cache: string } & Disposable {
  const home = Deno.makeTempDirSync({ prefix: "cru-home-test-" });
  const config = path.join(home, "config");
  const cache = path.join(home, "cache");
  return {
    env: { CRUCIBLE_CONFIG_DIR: config, XDG_CACHE_HOME: cache },
    config,
    cache: path.join(cache, "crucible"),
    [Symbol.dispose]: () => Deno.removeSync(home, { recursive: true }),
  };
}

type Listed = { name: string; scope: string; file: string; version: string };

Deno.test("install → list → run → remove round trip in the kiln scope", async () => {
  using kiln = tempKiln({ "Home.md": "# Home\n\nHello.\n" });
  using home = tempHome();
  const src = kiln.write("src/shout.lua", PLUGIN);
  const env = home.env;

  const inst = await runCruJson<Record<string, unknown>>(
    ["--kiln", kiln.root, "plugins", "install", src],
    { env },
  );
  strictEqual(inst.code, 0, inst.stderr);
  const target = path.join(kiln.root, ".crucible", "plugins", "shout.lua");
  strictEqual(inst.json.file, target);
  strictEqual(inst.json.scope, "kiln");
  deepStrictEqual(inst.json.capabilities, [
    { display: "KilnRead", risk: "low" },
    { display: "KilnWrite", risk: "high" },
  ]);
  strictEqual(inst.json.risk, "high");
  deepStrictEqual(inst.json.overrides, []);
  deepStrictEqual(inst.json.overridden_by, null);
  strictEqual(Deno.readTextFileSync(target), PLUGIN);

  const list = await runCruJson<Listed[]>(["--kiln", kiln.root, "plugins", "list"], { env });
  const listed = list.json.find((p) => p.name === "shout");
  deepStrictEqual([listed?.scope, listed?.file, listed?.version], ["kiln", target, "1.2.0"]);

  const run = await runCruJson<{ ok: boolean; value: unknown }>(
    ["--kiln", kiln.root, "plugins", "run", "shout", "--params", '{"path": "Home.md"}'],
    { env },
  );
  deepStrictEqual([run.code, run.json.ok, run.json.value], [0, true, { title: "HOME" }]);

  // A compile-cache entry keyed by the plugin's hash, and its state, go with it.
  const hash = (await runCruJson<{ hash: string }>(
    ["--kiln", kiln.root, "plugins", "show", "shout"],
    { env },
  )).json.hash;
  const cached = path.join(home.cache, "compile", `${hash}.js`);
  Deno.mkdirSync(path.dirname(cached), { recursive: true });
  Deno.writeTextFileSync(cached, "compiled");
  const other = path.join(home.cache, "compile", `${"0".repeat(64)}.js`);
  Deno.writeTextFileSync(other, "another plugin's");
  const state = kiln.write(".crucible/plugin-state/shout.json", "{}");
  const keptState = kiln.write(".crucible/plugin-state/other.json", "{}");

  const rm = await runCruJson<Record<string, unknown>>(
    ["--kiln", kiln.root, "plugins", "remove", "shout", "--yes", "--purge"],
    { env },
  );
  strictEqual(rm.code, 0, rm.stderr);
  deepStrictEqual(rm.json, {
    removed: true,
    name: "shout",
    scope: "kiln",
    files: [target],
    cases: [],
    cache: [cached],
    state: [state],
  });
  ok(!exists(target) && !exists(cached) && !exists(state));
  ok(exists(src), "the source file is left alone");
  ok(exists(other) && exists(keptState), "other plugins' cache and state are left alone");

  const after = await runCruJson<Listed[]>(["--kiln", kiln.root, "plugins", "list"], { env });
  ok(!after.json.some((p) => p.name === "shout"));
});

Deno.test("install copies NAME.test.yaml beside the plugin, test NAME runs it, remove deletes it", async () => {
  using kiln = tempKiln({ "Home.md": "# Home\n\nHello.\n" });
  using home = tempHome();
  const env = home.env;
  const src = kiln.write("src/shout.lua", PLUGIN);
  const cases = 'notes:\n  Home.md: "# Home\\n"\ncases:\n  - name: shouts the title\n' +
    "    params: {path: Home.md}\n    output: {title: HOME}\n";
  kiln.write("src/shout.test.yaml", cases);
  kiln.write("src/shout.slow.test.yaml", cases.replace("shouts the title", "slow one"));
  kiln.write("src/shout.test.yaml.bak", "not a cases file");
  kiln.write("src/fixtures.test.yaml", "fixtures: campaign\ncases:\n  - params: {}\n");
  const dir = path.join(kiln.root, ".crucible", "plugins");

  const inst = await runCruJson<{ cases: string[]; warnings: string[] }>(
    ["--kiln", kiln.root, "plugins", "install", src],
    { env },
  );
  strictEqual(inst.code, 0, inst.stderr);
  const copied = [path.join(dir, "shout.slow.test.yaml"), path.join(dir, "shout.test.yaml")];
  deepStrictEqual(inst.json.cases, copied);
  deepStrictEqual(inst.json.warnings, []);
  strictEqual(Deno.readTextFileSync(copied[1]), cases);
  ok(
    !exists(path.join(dir, "shout.test.yaml.bak")) && !exists(path.join(dir, "fixtures.test.yaml")),
  );

  type Report = { plugins: { tests: { name: string; ok: boolean }[] }[] };
  const test = await runCruJson<Report>(["--kiln", kiln.root, "plugins", "test", "shout"], { env });
  strictEqual(test.code, 0, test.stderr);
  const names = test.json.plugins[0].tests.map((t) => [t.name, t.ok]);
  ok(names.some(([n, k]) => n === "shouts the title" && k), JSON.stringify(names));
  ok(names.some(([n, k]) => n === "slow one" && k), JSON.stringify(names));

  // Reinstalling a copy without cases must not leave the old copy's cases to run against it.
  Deno.removeSync(path.join(kiln.root, "src", "shout.slow.test.yaml"));
  const again = await runCruJson<{ cases: string[] }>(
    ["--kiln", kiln.root, "plugins", "install", src, "--force"],
    { env },
  );
  strictEqual(again.code, 0, again.stderr);
  deepStrictEqual(again.json.cases, [copied[1]]);
  ok(!exists(copied[0]), "the stale cases file of the replaced copy is gone");

  const rm = await runCruJson<{ files: string[]; cases: string[] }>(
    ["--kiln", kiln.root, "plugins", "remove", "shout", "--yes"],
    { env },
  );
  strictEqual(rm.code, 0, rm.stderr);
  deepStrictEqual(rm.json.cases, [copied[1]]);
  ok(!exists(copied[1]));
  ok(exists(path.join(kiln.root, "src", "shout.test.yaml")), "the source's cases are left alone");
});

Deno.test("install says when a cases file's fixture folder is not copied", async () => {
  using kiln = tempKiln();
  using home = tempHome();
  const src = kiln.write("src/shout.lua", PLUGIN);
  kiln.write("src/shout.test.yaml", "fixtures: campaign\ncases:\n  - params: {path: a.md}\n");
  const r = await runCru(["--kiln", kiln.root, "plugins", "install", src], { env: home.env });
  strictEqual(r.code, 0, r.stderr);
  match(r.stdout, /with its test cases .*shout\.test\.yaml/);
  match(r.stderr, /shout\.test\.yaml uses the fixture folder campaign, which is not copied/);
});

Deno.test("install refuses to overwrite without --force, by file name or plugin name", async () => {
  using kiln = tempKiln();
  using home = tempHome();
  const src = kiln.write("shout.lua", PLUGIN);
  const renamed = kiln.write("elsewhere/loud.lua", PLUGIN.replace("1.2.0", "1.3.0"));
  const args = ["--kiln", kiln.root, "plugins", "install", "--scope", "system"];
  strictEqual((await runCru([...args, src], { env: home.env })).code, 0);
  const target = path.join(home.config, "plugins", "shout.lua");
  ok(exists(target));

  const again = await runCru([...args, src], { env: home.env });
  strictEqual(again.code, 1);
  match(
    again.stderr,
    /shout is already installed in the system scope \(shout\.lua\); pass --force/,
  );

  const byName = await runCru([...args, renamed], { env: home.env });
  strictEqual(byName.code, 1);
  match(byName.stderr, /already installed/);

  const forced = await runCruJson<{ file: string; replaced: string[]; version: string }>(
    [...args, renamed, "--force"],
    { env: home.env },
  );
  strictEqual(forced.code, 0, forced.stderr);
  deepStrictEqual(forced.json.replaced, [target]);
  ok(!exists(target), "the replaced copy is gone");
  strictEqual(forced.json.file, path.join(home.config, "plugins", "loud.lua"));
  strictEqual(forced.json.version, "1.3.0");
});

Deno.test("install validates first: an invalid plugin is reported and nothing is copied", async () => {
  using kiln = tempKiln();
  using home = tempHome();
  const bad = kiln.write("bad.lua", "---\nname: Bad Name\n---\nreturn {}\n");
  const r = await runCru(["--kiln", kiln.root, "plugins", "install", bad], { env: home.env });
  strictEqual(r.code, 1);
  match(r.stderr, /error \[name\]: name "Bad Name"/);
  match(r.stderr, /not a valid plugin and was not installed/);
  ok(!exists(path.join(kiln.root, ".crucible", "plugins")));

  const missing = await runCru(["--kiln", kiln.root, "plugins", "install", "nope.lua"], {
    env: home.env,
  });
  strictEqual(missing.code, 1);
  match(missing.stderr, /cannot install nope\.lua: no such file/);

  const scope = await runCru(["--kiln", kiln.root, "plugins", "install", bad, "--scope", "x"]);
  strictEqual(scope.code, 2);
  match(scope.stderr, /--scope must be kiln or system/);
  // With --json a usage error is JSON on stdout too.
  const usage = await runCruJson<{ error: { code: string; message: string } }>(
    ["--kiln", kiln.root, "plugins", "install", bad, "--scope", "x"],
  );
  deepStrictEqual([usage.code, usage.json.error.code], [2, "E_USAGE"]);
});

Deno.test("remove asks for confirmation: without a terminal it needs --yes", async () => {
  using kiln = tempKiln();
  using home = tempHome();
  const target = kiln.write(".crucible/plugins/shout.lua", PLUGIN);
  const r = await runCru(["--kiln", kiln.root, "plugins", "remove", "shout"], { env: home.env });
  strictEqual(r.code, 2);
  match(r.stderr, /removing shout needs confirmation, and this is not a terminal; pass --yes/);
  ok(exists(target), "nothing removed");

  const typo = await runCru(["--kiln", kiln.root, "plugins", "remove", "shuot", "--yes"], {
    env: home.env,
  });
  strictEqual(typo.code, 1);
  match(typo.stderr, /did you mean "shout"\?/);

  const builtin = await runCru(["--kiln", kiln.root, "plugins", "remove", "dice-roller", "--yes"]);
  strictEqual(builtin.code, 1);
  match(builtin.stderr, /dice-roller is a built-in plugin and cannot be removed/);
});

Deno.test("remove needs --scope when the name is installed in both scopes", async () => {
  using kiln = tempKiln();
  using home = tempHome();
  const inKiln = kiln.write(".crucible/plugins/shout.lua", PLUGIN);
  const inSystem = path.join(home.config, "plugins", "shout.lua");
  Deno.mkdirSync(path.dirname(inSystem), { recursive: true });
  Deno.writeTextFileSync(inSystem, PLUGIN);
  const both = await runCru(["--kiln", kiln.root, "plugins", "remove", "shout", "--yes"], {
    env: home.env,
  });
  strictEqual(both.code, 1);
  match(both.stderr, /pass --scope kiln or --scope system/);
  const sys = await runCru(
    ["--kiln", kiln.root, "plugins", "remove", "shout", "--yes", "--scope", "system"],
    { env: home.env },
  );
  strictEqual(sys.code, 0, sys.stderr);
  ok(!exists(inSystem) && exists(inKiln));
});

Deno.test("install reports the copies it overrides, or the copy that overrides it", async () => {
  using kiln = tempKiln();
  using home = tempHome();
  const wc = kiln.write(
    "wc.lua",
    "---\nname: word-count\ndescription: Mine\nversion: 2.0.0\n---\nreturn {main = function() return 1 end}\n",
  );
  type Installed = {
    overrides: { scope: string; version: string }[];
    overridden_by: { scope: string } | null;
  };
  const inKiln = await runCruJson<Installed>(["--kiln", kiln.root, "plugins", "install", wc], {
    env: home.env,
  });
  deepStrictEqual(inKiln.json.overrides.map((o) => [o.scope, o.version]), [["builtin", "1.0.0"]]);
  const human = await runCru(["--kiln", kiln.root, "plugins", "install", wc, "--scope", "system"], {
    env: home.env,
  });
  strictEqual(human.code, 0, human.stderr);
  match(
    human.stderr,
    /the kiln copy .*wc\.lua wins over this one; remove it with cru plugins remove word-count --scope kiln/,
  );
});
