/**
 * Rune line coverage credits each statement to its own line: the compiler's line table gives
 * every compiled statement the line where its Rune statement starts, even when it is emitted
 * after the code of a nested block (an `if` head, a loop head, a value taken from a branch).
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { compile, fromJson, RuneVm } from "../../src/rune/mod.ts";
import { COVERAGE_HOST, instrument } from "../../src/runtime/engines/rune/coverage.ts";

const SOURCE = [
  "fn run(n) {", // 1
  "    let label = if n > 10 {", // 2
  "        let big = n * 2;", // 3
  "        `big ${big}`", // 4
  "    } else if n > 5 {", // 5
  '        "mid"', // 6
  "    } else {", // 7
  '        "small"', // 8
  "    };", // 9
  "    let total = 0;", // 10
  "    for i in 0..n {", // 11
  "        total += i;", // 12
  "        if i == 100 {", // 13
  "            break;", // 14
  "        }", // 15
  "    }", // 16
  "    while total > 100 {", // 17
  "        total -= 7;", // 18
  "    }", // 19
  "    let r = 'blk: {", // 20
  "        if total > 100 {", // 21
  "            break 'blk 1;", // 22
  "        }", // 23
  "        2", // 24
  "    };", // 25
  '    assert!(r > 0, "r {}", r);', // 26
  "    let Some(first) = [label].get(0) else {", // 27
  "        return ();", // 28
  "    };", // 29
  "    (first, total, r)", // 30
  "}", // 31
  "pub fn main(n) {", // 32
  "    run(n)", // 33
  "}", // 34
].join("\n");

function covered(n: number): { executable: number[]; hit: number[] } {
  const { program, rendered } = compile(SOURCE, { file: "lines.rn" });
  ok(program, rendered);
  const instrumented = instrument(program, new Set());
  ok(instrumented, "the instrumented program loads");
  const hits: number[] = [];
  const vm = new RuneVm(instrumented.program, { host: { [COVERAGE_HOST]: () => hits } });
  vm.call("main", [n]);
  return {
    executable: instrumented.executable,
    hit: hits.flatMap((v, line) => (v ? [line] : [])),
  };
}

Deno.test("every statement of a Rune function has a coverage marker on its own line", () => {
  const { executable } = covered(3);
  deepStrictEqual(
    executable,
    [1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 17, 18, 20, 21, 22, 24, 26, 27, 28, 30, 32, 33],
  );
});

Deno.test("a branch that did not run is not covered by the statement around it", () => {
  const { hit } = covered(3);
  // Not run with n = 3: the `if` body (3, 4), the `break` (14), the `while` body (18), the
  // labelled block's `break` (22) and the `let … else` body (28).
  deepStrictEqual(hit, [1, 2, 5, 10, 11, 12, 13, 17, 20, 21, 24, 26, 27, 30, 32, 33]);
  const big = covered(20).hit;
  for (const line of [3, 4, 18]) ok(big.includes(line), `line ${line} ran for n = 20`);
  ok(!big.includes(5), "the else-if was not reached for n = 20");
});

Deno.test("an error in an if condition after a nested block names the if's line", () => {
  const source = [
    "pub fn main(x) {", // 1
    "    if x > 1.0 {", // 2
    "        let y = 1;", // 3
    "        y + 1", // 4
    "    } else {", // 5
    "        0", // 6
    "    }", // 7
    "}", // 8
  ].join("\n");
  const { program, rendered } = compile(source, { file: "trace.rn" });
  ok(program, rendered);
  try {
    new RuneVm(program).call("main", [fromJson(2)]);
    throw new Error("expected a type error");
  } catch (e) {
    const trace = (e as { trace?: { line: number }[] }).trace;
    ok(trace, String(e));
    deepStrictEqual(trace[0].line, 2);
  }
});
