/**
 * `cru plugins test` as a subprocess: own tests, examples and cases in the real sandbox, each
 * against a throwaway kiln; JSON and JUnit output; coverage; exit codes.
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { REPO, runCru, runCruJson, tempKiln } from "../helpers.ts";

type TestJson = {
  name: string;
  kind: string;
  ok: boolean;
  duration_ms: number;
  failure: string | null;
  error: { code: string; message: string; line?: number } | null;
  logs: string[];
};
type RunJson = {
  plugin: { name: string; file: string };
  passed: number;
  failed: number;
  coverage: { lines: number; covered: number; percent: number; uncovered: number[] } | null;
  withheld: string[];
  cases_files: string[];
  tests: TestJson[];
};
type Report = { ok: boolean; passed: number; failed: number; plugins: RunJson[] };

const LUA = `---
name: journal
description: Append a line to a note
capabilities: [KilnRead, KilnWrite, {FsRead: [OUTSIDE]}]
parameters:
  path: {type: string, required: true}
  line: {type: string, required: true}
examples:
  - description: the line is required
    input: {path: a.md}
    error: E_INVALID_PARAMS
---
local M = {}

local function append(text, line)
  if text == "" then return line .. "\\n" end
  return text .. line .. "\\n"
end

function M.main(params)
  local ok, note = pcall(crucible.read_note, params.path)
  local text = ok and note.content or ""
  crucible.write_note(params.path, append(text, params.line))
  return { lines = select(2, (text .. params.line):gsub("\\n", "")) + 1 }
end

function M.peek()
  return crucible.fs.read("OUTSIDE/fixture/log.md")
end

function M.test_append_to_empty()
  assert(append("", "a") == "a\\n")
end

function test_append_more()
  assert(append("a\\n", "b") == "a\\nb\\n", "appends")
end

M.tests = {
  broken = function() error("this one fails") end,
}

return M
`;

const CASES = `fixtures: fixture
notes:
  inline.md: "first\\n"
cases:
  - name: appends to a fixture note
    params: {path: log.md, line: second}
    output: {lines: 2}
    writes:
      log.md: "from the fixture\\nsecond\\n"
  - name: creates a note
    params: {path: new/today.md, line: hello}
    match: {lines: 1}
    writes:
      new/today.md: {contains: hello}
      log.md: {contains: fixture}
  - name: inline notes are there too
    params: {path: inline.md, line: x}
    output: {lines: 2}
  - name: files outside the kiln are withheld
    fn: peek
    error: E_CAPABILITY
  - name: a wrong expectation fails
    params: {path: log.md, line: z}
    output: {lines: 99}
`;

function pluginDir() {
  const dir = tempKiln();
  dir.write("journal.lua", LUA.replaceAll("OUTSIDE", dir.root));
  dir.write("journal.test.yaml", CASES);
  dir.write("fixture/log.md", "from the fixture\n");
  return dir;
}

Deno.test("plugins test runs own tests, examples and cases, each in a throwaway kiln", async () => {
  using dir = pluginDir();
  using kiln = tempKiln({ "log.md": "the real kiln\n" });
  const { code, json, stderr } = await runCruJson<Report>([
    "--kiln",
    kiln.root,
    "plugins",
    "test",
    path.join(dir.root, "journal.lua"),
  ]);
  strictEqual(code, 1, stderr);
  strictEqual(json.ok, false);
  const run = json.plugins[0];
  const byName = Object.fromEntries(run.tests.map((t) => [t.name, t]));
  deepStrictEqual(
    run.tests.map((t) => [t.kind, t.name, t.ok]),
    [
      ["test", "test_append_more", true],
      ["test", "test_append_to_empty", true],
      ["test", "tests.broken", false],
      ["example", "the line is required", true],
      ["case", "appends to a fixture note", true],
      ["case", "creates a note", true],
      ["case", "inline notes are there too", true],
      ["case", "files outside the kiln are withheld", true],
      ["case", "a wrong expectation fails", false],
    ],
  );
  deepStrictEqual([json.passed, json.failed, run.passed, run.failed], [7, 2, 7, 2]);
  match(byName["tests.broken"].failure!, /E_RUNTIME: this one fails \(journal\.lua:\d+\)/);
  strictEqual(byName["tests.broken"].error!.code, "E_RUNTIME");
  strictEqual(
    byName["a wrong expectation fails"].failure,
    'expected {"lines":99}\nactual   {"lines":2}',
  );
  ok(run.tests.every((t) => typeof t.duration_ms === "number" && t.duration_ms >= 0));
  deepStrictEqual(run.withheld, [`FsRead(${dir.root})`]);
  deepStrictEqual(run.cases_files, [path.join(dir.root, "journal.test.yaml")]);
  // Coverage: the function only the withheld case calls ran up to the refused call.
  ok(run.coverage && run.coverage.lines > 5 && run.coverage.covered <= run.coverage.lines);

  // Nothing touched the real kiln, the plugin's folder, or the plugin folders.
  strictEqual(Deno.readTextFileSync(path.join(kiln.root, "log.md")), "the real kiln\n");
  strictEqual(
    Deno.readTextFileSync(path.join(dir.root, "fixture", "log.md")),
    "from the fixture\n",
  );
  ok(![...Deno.readDirSync(dir.root)].some((e) => e.name === "new" || e.name === ".crucible"));
  const list = await runCruJson<{ name: string }[]>(["--kiln", kiln.root, "plugins", "list"]);
  ok(!list.json.some((p) => p.name === "journal"), "testing never installs");
});

Deno.test("plugins test --approve lets a test use a capability outside the kiln", async () => {
  using dir = pluginDir();
  const r = await runCruJson<Report>([
    "plugins",
    "test",
    path.join(dir.root, "journal.lua"),
    "--filter",
    "withheld",
    "--approve",
    "journal:FsRead",
  ]);
  // Granted now, so the case that expects E_CAPABILITY gets past the grant check and fails.
  deepStrictEqual(r.json.plugins[0].withheld, []);
  const t = r.json.plugins[0].tests;
  deepStrictEqual(t.map((x) => x.name), ["files outside the kiln are withheld"]);
  strictEqual(t[0].ok, false);
  strictEqual(r.code, 1);

  // The own tests are found and run with the approved capability as well.
  const own = await runCruJson<Report>([
    "plugins",
    "test",
    path.join(dir.root, "journal.lua"),
    "--filter",
    "append",
    "--yes",
  ]);
  deepStrictEqual(own.json.plugins[0].tests.map((x) => [x.name, x.ok]), [
    ["test_append_more", true],
    ["test_append_to_empty", true],
    ["appends to a fixture note", true],
  ]);
  strictEqual(own.code, 0);
});

Deno.test("plugins test of a Rune plugin: #[test], should_panic, a failure, coverage", async () => {
  using dir = tempKiln();
  const file = dir.write(
    "calc.rune",
    `---
name: calc
description: Add numbers
parameters:
  a: {type: integer, required: true}
  b: {type: integer, required: true}
examples:
  - input: {a: 2, b: 3}
    output: 5
---
fn add(a, b) {
    a + b
}

fn unused(x) {
    let y = x * 2;
    y + 1
}

pub fn main(params) {
    let sum = add(params.a, params.b);
    if sum > 100 {
        sum - 100
    } else {
        sum
    }
}

#[test]
fn adds() {
    assert_eq!(add(1, 2), 3);
}

#[test]
#[should_panic(expected = "boom")]
fn panics() {
    panic!("boom");
}

#[test]
fn wrong() {
    assert_eq!(add(1, 1), 3);
}
`,
  );
  const { code, json } = await runCruJson<Report>(["plugins", "test", file]);
  strictEqual(code, 1);
  const run = json.plugins[0];
  deepStrictEqual(
    run.tests.map((t) => [t.kind, t.name, t.ok]),
    [["test", "adds", true], ["test", "panics", true], ["test", "wrong", false], [
      "example",
      'example 1 {"a":2,"b":3}',
      true,
    ]],
  );
  match(run.tests[2].failure!, /assert/);
  // unused() never ran (its first line is its entry), nor did the branch of main's value-only
  // `if` for sums over 100; #[test] functions are not plugin code.
  deepStrictEqual(run.coverage?.uncovered, [15, 16, 17, 23]);
  ok(run.coverage!.lines >= 4);

  const filtered = await runCruJson<Report>(["plugins", "test", file, "--filter", "add"]);
  strictEqual(filtered.code, 0);
  deepStrictEqual(filtered.json.plugins[0].tests.map((t) => t.name), ["adds"]);

  const human = await runCru(["plugins", "test", file, "--no-coverage"]);
  strictEqual(human.code, 1);
  // Each line shows how long the test took, in ms or, past a second, in s.
  match(human.stdout, /^ {2}ok {3}test {4} +(?:\d+ ms|\d+\.\d\d s) {2}adds$/m);
  match(human.stdout, /^ {2}FAIL test {4} +(?:\d+ ms|\d+\.\d\d s) {2}wrong$/m);
  match(human.stdout, /test result: FAILED\. 3 passed; 1 failed/);
  ok(!human.stdout.includes("coverage:"));
});

Deno.test("plugins test --reporter junit prints JUnit XML", async () => {
  using dir = pluginDir();
  const r = await runCru([
    "plugins",
    "test",
    path.join(dir.root, "journal.lua"),
    "--reporter",
    "junit",
  ]);
  strictEqual(r.code, 1);
  ok(r.stdout.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites'));
  match(r.stdout, /<testsuite name="journal" tests="9" failures="2"/);
  strictEqual(r.stdout.match(/<testcase /g)?.length, 9);
  strictEqual(r.stdout.match(/<failure /g)?.length, 2);
  match(
    r.stdout,
    /<testcase classname="journal\.case" name="appends to a fixture note" time="\d+\.\d{3}"\/>/,
  );
  match(r.stdout, /<failure type="assertion" message="expected \{&quot;lines&quot;:99\}">/);
  match(r.stdout, /<property name="coverage\.percent" value="[\d.]+"\/>/);
  match(r.stdout, /<\/testsuites>$/m);

  const bad = await runCru([
    "plugins",
    "test",
    path.join(dir.root, "journal.lua"),
    "--reporter",
    "tap",
  ]);
  strictEqual(bad.code, 2);
  match(bad.stderr, /--reporter must be human or junit/);
});

Deno.test("plugins test: the shipped plugins pass, by name and by file", async () => {
  const files = [...Deno.readDirSync(path.join(REPO, "plugins"))]
    .filter((e) => /\.(rune|lua|md)$/.test(e.name) && !/^readme\.md$/i.test(e.name))
    .map((e) => path.join(REPO, "plugins", e.name)).sort();
  ok(files.length >= 4);
  const { code, json, stderr } = await runCruJson<Report>(["plugins", "test", ...files]);
  const failures = json.plugins.flatMap((p) =>
    p.tests.filter((t) => !t.ok).map((t) => `${p.plugin.name}: ${t.name}: ${t.failure}`)
  );
  deepStrictEqual(failures, [], stderr);
  strictEqual(code, 0);
  const dice = json.plugins.find((p) => p.plugin.name === "dice-roller")!;
  deepStrictEqual(new Set(dice.tests.map((t) => t.kind)), new Set(["test", "example", "case"]));
  ok(dice.coverage!.percent > 80);
  const wc = json.plugins.find((p) => p.plugin.name === "word-count")!;
  strictEqual(wc.coverage?.percent, 100);

  // No target: every plugin the registry knows (here: the built-in ones).
  const all = await runCruJson<Report>(["plugins", "test", "--no-coverage"]);
  strictEqual(all.code, 0, all.stderr);
  deepStrictEqual(
    all.json.plugins.map((p) => p.plugin.file).sort(),
    files,
  );

  const byName = await runCru(["plugins", "test", "word-count"]);
  strictEqual(byName.code, 0, byName.stderr);
  match(byName.stdout, /test result: ok\. 4 passed; 0 failed/);
  const typo = await runCru(["plugins", "test", "word-cont"]);
  strictEqual(typo.code, 1);
  match(typo.stderr, /did you mean "word-count"\?/);
});

Deno.test("plugins test reports a broken cases file and an invalid plugin as failures", async () => {
  using dir = tempKiln();
  const file = dir.write(
    "ok.lua",
    "---\nname: ok\ndescription: Fine\n---\nreturn { main = function() return 1 end }\n",
  );
  dir.write("ok.test.yaml", "cases:\n  - name: x\n    outptu: 1\n");
  const r = await runCruJson<Report>(["plugins", "test", file]);
  strictEqual(r.code, 1);
  const t = r.json.plugins[0].tests;
  deepStrictEqual(t.map((x) => [x.name, x.ok]), [["(ok.test.yaml)", false]]);
  match(t[0].failure!, /cases\.0: Unrecognized key/);

  const bad = dir.write("bad.lua", "---\nname: bad\ndescription: Broken\n---\nreturn {\n");
  const b = await runCruJson<Report>(["plugins", "test", bad]);
  strictEqual(b.code, 1);
  match(b.json.plugins[0].tests[0].failure!, /the plugin is invalid: bad\.lua:\d+/);
});

Deno.test("plugins test --timeout stops a test that runs too long; the others still run", async () => {
  using dir = tempKiln();
  const file = dir.write(
    "spin.lua",
    "---\nname: spin\ndescription: Spins\n---\nlocal M = {}\n" +
      "function M.test_spins() while true do end end\n" +
      "function M.test_quick() return 1 end\nreturn M\n",
  );
  const r = await runCruJson<Report>(["plugins", "test", file, "--timeout", "300"]);
  strictEqual(r.code, 1);
  const t = r.json.plugins[0].tests;
  deepStrictEqual(t.map((x) => [x.name, x.ok, x.error?.code ?? null]), [
    ["test_quick", true, null],
    ["test_spins", false, "E_TIMEOUT"],
  ]);
  // One-line test functions are tests, not plugin code.
  deepStrictEqual(r.json.plugins[0].coverage?.lines, 2);
  const bad = await runCru(["plugins", "test", file, "--timeout", "0"]);
  strictEqual(bad.code, 2);
});

Deno.test("a plugin under test cannot reach past its throwaway kiln", async () => {
  using dir = tempKiln();
  const marker = `cru-escape-${crypto.randomUUID()}`;
  const file = dir.write(
    "esc.lua",
    `---
name: esc
description: Tries to leave its kiln
capabilities: [KilnRead, KilnWrite, StateManage]
---
local M = {}
function M.up() return crucible.write_note("../${marker}.md", "x") end
function M.abs() return crucible.write_note("/tmp/${marker}-abs.md", "x") end
function M.peek() return crucible.read_note("../../../etc/hostname") end
function M.fs() return crucible.fs.read("/etc/hostname") end
function M.private() return crucible.write_note(".crucible/plugins/evil.lua", "x") end
function M.global() return crucible.state.set("k", 1, {scope = "global"}) end
return M
`,
  );
  dir.write(
    "esc.test.yaml",
    `cases:
  - {name: up, fn: up, error: E_PATH}
  - {name: an absolute note path is refused, fn: abs, error: E_PATH}
  - {name: peek, fn: peek, error: E_PATH}
  - {name: files outside, fn: fs, error: E_CAPABILITY}
  - {name: private folder, fn: private, error: E_PATH}
  - {name: global state needs its scope declared, fn: global, error: E_CAPABILITY}
`,
  );
  const before = [...Deno.readDirSync(dir.root)].map((e) => e.name).sort();
  const { code, json, stderr } = await runCruJson<Report>(["plugins", "test", file]);
  const failures = json.plugins[0].tests.filter((t) => !t.ok).map((t) => `${t.name}: ${t.failure}`);
  deepStrictEqual(failures, [], stderr);
  strictEqual(code, 0);
  const tmp = path.dirname(Deno.makeTempDirSync());
  ok(![...Deno.readDirSync(tmp)].some((e) => e.name.startsWith(marker)), "nothing escaped");
  deepStrictEqual([...Deno.readDirSync(dir.root)].map((e) => e.name).sort(), before);
});
