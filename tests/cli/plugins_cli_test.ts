/**
 * `cru plugins list | show | validate` as a subprocess, with the kiln and config folders in temp
 * dirs (the built-in plugins of the repository are always there, lowest precedence).
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { runCru, runCruJson, tempKiln } from "../helpers.ts";

const GOOD = `---
name: word-count
description: A kiln copy that overrides the built-in word-count
version: 9.0.0
capabilities: [KilnRead, {NetworkHttps: [api.example.org]}]
parameters:
  path: {type: string, required: true}
---
return { main = function(p) return p end }
`;

function kilnWith(files: Record<string, string>) {
  const kiln = tempKiln({ "note.md": "# Note\n" });
  for (const [name, text] of Object.entries(files)) {
    kiln.write(path.join(".crucible", "plugins", name), text);
  }
  return kiln;
}

type Summary = {
  name: string;
  version: string | null;
  scope: string;
  valid: boolean;
  capabilities: string[];
  shadows: { scope: string; version: string | null }[];
};

Deno.test("plugins list --json shows the winning copy and what it shadows", async () => {
  using kiln = kilnWith({ "wc.lua": GOOD });
  const { code, json } = await runCruJson<Summary[]>(["--kiln", kiln.root, "plugins", "list"]);
  strictEqual(code, 0);
  const wc = json.find((p) => p.name === "word-count")!;
  deepStrictEqual([wc.scope, wc.version, wc.valid], ["kiln", "9.0.0", true]);
  deepStrictEqual(wc.capabilities, ["KilnRead", "NetworkHttps(api.example.org)"]);
  deepStrictEqual(wc.shadows.map((s) => [s.scope, s.version]), [["builtin", "1.0.0"]]);
  ok(json.some((p) => p.name === "dice-roller" && p.scope === "builtin"));
});

Deno.test("plugins list prints a table and the overrides", async () => {
  using kiln = kilnWith({ "wc.lua": GOOD });
  const r = await runCru(["--kiln", kiln.root, "plugins", "list"]);
  strictEqual(r.code, 0);
  match(r.stdout, /NAME\s+VERSION\s+LANG\s+SCOPE/);
  match(r.stdout, /word-count: kiln copy .* overrides builtin copy 1\.0\.0/);
});

Deno.test("plugins show --json gives schema, capabilities with risk, and problems", async () => {
  using kiln = kilnWith({ "wc.lua": GOOD });
  const { code, json } = await runCruJson<Record<string, unknown>>([
    "--kiln",
    kiln.root,
    "plugins",
    "show",
    "word-count",
  ]);
  strictEqual(code, 0);
  deepStrictEqual(json.parameters, {
    type: "object",
    properties: { path: { type: "string" } },
    required: ["path"],
    additionalProperties: false,
  });
  deepStrictEqual(
    (json.capabilities as { display: string; risk: string }[]).map((c) => [c.display, c.risk]),
    [["KilnRead", "low"], ["NetworkHttps(api.example.org)", "high"]],
  );
  strictEqual(typeof json.hash, "string");
  strictEqual((json.shadows as unknown[]).length, 1);
});

Deno.test("plugins show of a typo suggests the name and exits 1", async () => {
  using kiln = kilnWith({});
  const r = await runCru(["--kiln", kiln.root, "plugins", "show", "dice-rollr"]);
  strictEqual(r.code, 1);
  match(r.stderr, /no plugin named "dice-rollr"; did you mean "dice-roller"\?/);
});

Deno.test("plugins validate exits 0 when all are valid, 1 with file:line problems otherwise", async () => {
  using good = kilnWith({ "wc.lua": GOOD });
  const ok1 = await runCru(["--kiln", good.root, "plugins", "validate"]);
  strictEqual(ok1.code, 0, ok1.stdout + ok1.stderr);
  match(ok1.stdout, /checked: \d+ valid, 0 invalid/);

  using bad = kilnWith({
    "bad.lua": "---\nname: Bad Name\ndescription: d\nversion: x\n---\nreturn {}\n",
  });
  const r = await runCru(["--kiln", bad.root, "plugins", "validate"]);
  strictEqual(r.code, 1);
  match(r.stdout, /bad\.lua:2: error \[name\]: name "Bad Name" is not lowercase.*e\.g\. bad-name/);
  match(r.stdout, /bad\.lua:4: error \[version\]: version "x" is not a semantic version/);
});

Deno.test("plugins validate NAME and PATH check just that plugin; --json", async () => {
  using kiln = kilnWith({
    "wc.lua": GOOD,
    "bad.lua": "---\nname: bad\ndescription: d\n---\nlocal x = = 1\n",
  });
  type V = {
    valid: boolean;
    checked: number;
    plugins: { name: string; problems: { line: number; code: string }[] }[];
  };
  const byName = await runCruJson<V>(["--kiln", kiln.root, "plugins", "validate", "word-count"]);
  deepStrictEqual([byName.code, byName.json.valid, byName.json.checked], [0, true, 1]);
  const file = path.join(kiln.root, ".crucible", "plugins", "bad.lua");
  const byPath = await runCruJson<V>(["--kiln", kiln.root, "plugins", "validate", file]);
  strictEqual(byPath.code, 1);
  strictEqual(byPath.json.valid, false);
  deepStrictEqual(byPath.json.plugins[0].problems.map((p) => [p.code, p.line]), [[
    "lua-syntax",
    5,
  ]]);
  // A file outside every plugin folder can be checked before it is installed.
  using scratch = tempKiln({ "draft.lua": GOOD.replace("word-count", "draft") });
  const draft = await runCruJson<V>([
    "--kiln",
    kiln.root,
    "plugins",
    "validate",
    path.join(scratch.root, "draft.lua"),
  ]);
  deepStrictEqual([draft.code, draft.json.plugins[0].name], [0, "draft"]);
  const unknown = await runCru(["--kiln", kiln.root, "plugins", "validate", "nope-nothing"]);
  strictEqual(unknown.code, 1);
});

Deno.test("a system plugin from CRUCIBLE_CONFIG_DIR is listed with its scope", async () => {
  using kiln = kilnWith({});
  using config = tempKiln({ "plugins/sys.lua": GOOD.replace("word-count", "sys-tool") });
  const { json } = await runCruJson<Summary[]>(["--kiln", kiln.root, "plugins", "list"], {
    env: { CRUCIBLE_CONFIG_DIR: config.root },
  });
  strictEqual(json.find((p) => p.name === "sys-tool")?.scope, "system");
});

Deno.test("a pin in the kiln config selects the version", async () => {
  using kiln = kilnWith({
    "v1.lua": GOOD.replace("9.0.0", "1.0.0"),
    "v2.lua": GOOD.replace("9.0.0", "2.0.0"),
  });
  const latest = await runCruJson<Summary[]>(["--kiln", kiln.root, "plugins", "list"]);
  strictEqual(latest.json.find((p) => p.name === "word-count")?.version, "2.0.0");
  kiln.write(".crucible/config.yaml", "plugins:\n  pins:\n    word-count: 1.0.0\n");
  const pinned = await runCruJson<Summary[]>(["--kiln", kiln.root, "plugins", "list"]);
  strictEqual(pinned.json.find((p) => p.name === "word-count")?.version, "1.0.0");
});

Deno.test("a broken config file is a clear error naming the file", async () => {
  using kiln = kilnWith({});
  kiln.write(".crucible/config.yaml", "plugins: [unclosed\n");
  const r = await runCru(["--kiln", kiln.root, "plugins", "list"]);
  strictEqual(r.code, 1);
  match(r.stderr, /config\.yaml: is not valid YAML/);
});
