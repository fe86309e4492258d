/**
 * The parts of `cru plugins test` that are plain functions: which lines count for coverage in
 * each language, the Rune instrumentation, result matching, JUnit escaping, templates.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { compile, RuneVm } from "../../src/rune/mod.ts";
import { executableLines } from "../../src/runtime/engines/lua/coverage.ts";
import { COVERAGE_HOST, instrument } from "../../src/runtime/engines/rune/coverage.ts";
import { luaTestLines } from "../../src/plugins/testing.ts";
import { jsonEqual, jsonMatch } from "../../src/plugins/test_cases.ts";
import { renderJunit } from "../../src/plugins/junit.ts";
import { lineRanges } from "../../src/cli/plugins_test.ts";
import { findTemplate, renderTemplate, TEMPLATE_KINDS } from "../../src/plugins/templates.ts";
import { splitPluginSource } from "../../src/plugins/source.ts";
import { parseManifest } from "../../src/plugins/manifest.ts";

Deno.test("Lua coverage counts code lines, not comments, long strings, closers or headers", () => {
  const code = [
    "-- a comment", // 1
    "local M = {}", // 2
    "--[[ a long", // 3
    "comment ]]", // 4
    "local s = [[", // 5
    "text inside", // 6
    "]]", // 7
    "function M.main(params)", // 8
    "  if params.x then", // 9
    '    return "-- not a comment"', // 10
    "  else", // 11
    "    return 2", // 12
    "  end", // 13
    "end", // 14
    "M.f = function(a)", // 15
    "  return a", // 16
    "end,", // 17
    "return M", // 18
  ].join("\n");
  deepStrictEqual(executableLines(code), [2, 5, 9, 10, 12, 16, 18]);
});

Deno.test("Lua test functions and tests tables are found for leaving out of coverage", () => {
  const code = [
    "local M = {}", // 1
    "function M.test_a()", // 2
    "  assert(true)", // 3
    "end", // 4
    "function M.helper()", // 5
    "  return 1", // 6
    "end", // 7
    "local function test_b() return 1 end", // 8
    "M.tests = {", // 9
    "  x = function() end,", // 10
    "}", // 11
    "return M", // 12
  ].join("\n");
  deepStrictEqual([...luaTestLines(code)].sort((a, b) => a - b), [2, 3, 4, 8, 9, 10, 11]);
});

Deno.test("Rune instrumentation records the lines that run and keeps results and line numbers", () => {
  const source = [
    "fn used(x) {", // 1
    "    let y = x + 1;", // 2
    "    y * 2", // 3
    "}", // 4
    "fn unused() {", // 5
    '    panic!("never")', // 6
    "}", // 7
    "pub fn main() {", // 8
    "    if used(1) > 100 {", // 9
    "        return 0;", // 10
    "    }", // 11
    "    used(2)", // 12
    "}", // 13
    "#[test]", // 14
    "fn a_test() {", // 15
    "    assert_eq!(used(0), 2);", // 16
    "}", // 17
  ].join("\n");
  const { program } = compile(source, { file: "t.rn" });
  ok(program);
  const covered = instrument(program, new Set(["a_test"]));
  ok(covered, "instrumented");
  const hits: number[] = [];
  const vm = new RuneVm(covered.program, { host: { [COVERAGE_HOST]: () => hits } });
  strictEqual(vm.call("main", []), 6);
  const hit = hits.flatMap((v, line) => (v ? [line] : []));
  ok(covered.executable.includes(6) && !hit.includes(6), "the unused function did not run");
  for (const line of [2, 3, 9, 12]) ok(hit.includes(line), `line ${line} ran`);
  ok(!covered.executable.some((l) => l >= 15), "the #[test] function is not plugin code");
  // An error still points at its own line.
  const broken = compile("pub fn main() {\n    let v = [];\n    v[3]\n}\n", { file: "b.rn" });
  const vm2 = new RuneVm(instrument(broken.program!, new Set())!.program, {
    host: { [COVERAGE_HOST]: () => [] },
  });
  try {
    vm2.call("main", []);
    throw new Error("expected an error");
  } catch (e) {
    strictEqual((e as { trace: { line: number }[] }).trace[0].line, 3);
  }
});

Deno.test("results match by deep equality or by the listed fields", () => {
  ok(jsonEqual({ a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] }));
  ok(!jsonEqual({ a: 1 }, { a: 1, b: 2 }));
  ok(!jsonEqual([1, 2], [2, 1]));
  ok(jsonMatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: 2 } }));
  ok(!jsonMatch({ a: 1 }, { a: 2 }));
  ok(!jsonMatch({ a: [1, 2] }, { a: [1] }), "arrays match element by element, same length");
  ok(!jsonMatch([], {}));
});

Deno.test("JUnit XML escapes names and messages, and drops control characters", () => {
  const xml = renderJunit([{
    plugin: { name: "p", version: "1.0.0", language: "lua", file: "/x/p&q.lua" },
    tests: [{
      name: 'a <b> & "c"',
      kind: "case",
      ok: false,
      durationMs: 1234,
      failure: "expected 1\x1b[31m\nactual 2",
      error: null,
      logs: ["x < y"],
    }],
    passed: 0,
    failed: 1,
    durationMs: 1500,
    coverage: null,
    withheld: [],
    casesFiles: [],
  }]);
  ok(xml.includes('name="a &lt;b&gt; &amp; &quot;c&quot;" time="1.234"'));
  ok(xml.includes('file="/x/p&amp;q.lua"'));
  ok(xml.includes('message="expected 1\ufffd[31m"'));
  ok(xml.includes("<system-out>x &lt; y</system-out>"));
  ok(!xml.includes("\x1b"));
});

Deno.test("line ranges are compact", () => {
  strictEqual(lineRanges([3, 4, 5, 9, 11, 12]), "3-5, 9, 11-12");
  strictEqual(lineRanges([]), "");
});

Deno.test("every template renders a valid manifest, with extra parameters and capabilities", () => {
  for (const kind of TEMPLATE_KINDS) {
    for (const lang of ["rune", "lua"]) {
      const t = findTemplate(kind, lang);
      ok(t, `${kind} ${lang}`);
      const g = renderTemplate(t, {
        name: `x-${kind}`,
        capabilities: [{ NetworkHttps: ["api.example.org"] }, "KilnRead"],
        parameters: { limit: { type: "integer", required: true } },
      });
      const src = splitPluginSource(`/p/${g.file}`, g.text);
      const { manifest, problems } = parseManifest(src);
      deepStrictEqual(problems.filter((p) => p.severity === "error"), [], g.text);
      strictEqual(manifest!.name, `x-${kind}`);
      ok(manifest!.capabilities.some((c) => c.name === "NetworkHttps"));
      strictEqual(
        manifest!.capabilities.filter((c) => c.name === "KilnRead").length,
        t.capabilities.includes("KilnRead") ? 1 : 1,
        "no capability twice",
      );
      // The required extra parameter gets a sample value wherever the template passes params.
      for (const e of manifest!.examples) {
        if (e.error !== "E_INVALID_PARAMS") strictEqual(e.input.limit, 1);
      }
      ok(g.casesText.includes("limit: 1"));
    }
  }
});
