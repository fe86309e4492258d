/**
 * `cru plugins new`: every template, in both languages, generates a valid plugin whose own tests,
 * examples and cases pass `cru plugins test`; the wizard, driven through a real terminal (tmux),
 * asks for what the flags left out.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { parse } from "yaml";
import { runCru, runCruJson, tempKiln } from "../helpers.ts";
import { hasTmux, Terminal } from "./terminal.ts";

const KINDS = ["tool", "workflow", "fsm", "graph"];
const LANGS = ["rune", "lua"];

type Report = {
  ok: boolean;
  failed: number;
  plugins: {
    plugin: { name: string };
    failed: number;
    tests: { kind: string; ok: boolean; name: string; failure: string | null }[];
  }[];
};

Deno.test("plugins new: every template passes its own tests, examples and cases", async () => {
  using dir = tempKiln();
  const files: string[] = [];
  for (const kind of KINDS) {
    for (const lang of LANGS) {
      const r = await runCruJson<{ file: string; cases_file: string; template: string }>(
        [
          "plugins",
          "new",
          `${kind}-${lang}`,
          "--lang",
          lang,
          "--template",
          kind,
          "--dir",
          dir.root,
        ],
      );
      strictEqual(r.code, 0, r.stderr);
      strictEqual(r.json.file, path.join(dir.root, `${kind}-${lang}.${lang}`));
      strictEqual(r.json.cases_file, path.join(dir.root, `${kind}-${lang}.test.yaml`));
      files.push(r.json.file);
    }
  }
  const valid = await runCruJson<{ valid: boolean }>(["plugins", "validate", files[0]]);
  strictEqual(valid.json.valid, true);
  const { code, json, stderr } = await runCruJson<Report>(["plugins", "test", ...files]);
  const failures = json.plugins.flatMap((p) =>
    p.tests.filter((t) => !t.ok).map((t) => `${p.plugin.name}: ${t.name}: ${t.failure}`)
  );
  deepStrictEqual(failures, [], stderr);
  strictEqual(code, 0);
  for (const p of json.plugins) {
    deepStrictEqual(
      new Set(p.tests.map((t) => t.kind)),
      new Set(["test", "example", "case"]),
      `${p.plugin.name} has tests of every kind`,
    );
  }
});

Deno.test("plugins new: bad names and options are usage errors; files are not overwritten", async () => {
  using dir = tempKiln();
  const bad = await runCru(["plugins", "new", "My Tool", "--lang", "lua"]);
  strictEqual(bad.code, 2);
  match(bad.stderr, /"My Tool" is not lowercase letters, digits and hyphens — e\.g\. my-tool/);
  const lang = await runCru(["plugins", "new", "x", "--lang", "rnue"]);
  strictEqual(lang.code, 2);
  match(lang.stderr, /--lang must be one of rune, lua, got "rnue"; did you mean rune\?/);
  const kind = await runCru(["plugins", "new", "x", "--lang", "lua", "--template", "fms"]);
  strictEqual(kind.code, 2);
  match(kind.stderr, /did you mean fsm\?/);
  // Without a terminal there is no wizard: the missing option is named.
  const missing = await runCru(["plugins", "new", "x"]);
  strictEqual(missing.code, 2);
  match(missing.stderr, /needs --lang rune\|lua \(or a terminal/);

  const args = ["plugins", "new", "once", "--lang", "rune", "--dir", dir.root];
  strictEqual((await runCru(args)).code, 0);
  const again = await runCru(args);
  strictEqual(again.code, 1);
  match(again.stderr, /once\.rune already exists; pass --force/);
  strictEqual((await runCru([...args, "--force"])).code, 0);
});

// The wizard in a real terminal.

Deno.test("plugins new: the wizard asks for name, language, template, description, capabilities and parameters", async () => {
  if (!hasTmux) throw new Error("this test needs tmux: apt-get install tmux");
  using dir = tempKiln();
  {
    await using term = await Terminal.start(["plugins", "new", "--dir", dir.root]);
    await term.answer("Plugin name", "my-tool", "Enter");
    await term.answer(/Language[\s\S]*Rune[\s\S]*Lua/, "Down", "Enter");
    await term.answer(/Template[\s\S]*workflow/, "Enter");
    await term.answer("Description", "Counts things in notes", "Enter");
    await term.answer(/Capabilities besides KilnRead[\s\S]*KilnWrite/, " ", "Enter");
    await term.answer("Add a parameter?", "y", "Enter");
    await term.answer("Parameter name", "limit", "Enter");
    await term.answer("Type of limit", "Down", "Down", "Enter");
    await term.answer("What limit means", "How many to count", "Enter");
    await term.answer("Is limit required?", "y", "Enter");
    await term.answer(/limit required\?[\s\S]*Add a parameter\?/, "Enter");
    const pane = await term.waitFor(/created .*my-tool\.test\.yaml/);
    match(pane, /created .*my-tool\.lua/);
    strictEqual(await term.exitStatus(), "0", pane);
  }
  const file = path.join(dir.root, "my-tool.lua");
  const text = Deno.readTextFileSync(file);
  const manifest = parse(text.split("---\n")[1]) as Record<string, unknown>;
  strictEqual(manifest.name, "my-tool");
  strictEqual(manifest.description, "Counts things in notes");
  strictEqual(manifest.language, "lua");
  deepStrictEqual(manifest.capabilities, ["KilnRead", "KilnWrite"]);
  deepStrictEqual((manifest.parameters as Record<string, unknown>).limit, {
    type: "integer",
    description: "How many to count",
    required: true,
  });
  // The required parameter the code does not use gets a value in the examples and cases.
  const r = await runCru(["plugins", "test", file]);
  strictEqual(r.code, 0, r.stdout + r.stderr);
  match(r.stdout, /test result: ok\./);
  ok(!r.stdout.includes("FAIL"));
});
