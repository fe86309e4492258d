/**
 * Rune line coverage credits each statement to its own line: the compiler's line table gives
 * every compiled statement the line where its Rune statement starts, even when it is emitted
 * after the code of a nested block (an `if` head, a loop head, a value taken from a branch).
 * A branch that is only a value (of an `if`, a `match` arm, the right side of `&&`) is a line of
 * its own too, run only when the branch is taken.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { compile, debugValue, fromJson, RuneVm } from "../../src/rune/mod.ts";
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

function covered(
  n: unknown,
  source = SOURCE,
  args: unknown[] = [n],
): { executable: number[]; hit: number[]; value: unknown } {
  const { program, rendered } = compile(source, { file: "lines.rn" });
  ok(program, rendered);
  const instrumented = instrument(program, new Set());
  ok(instrumented, "the instrumented program loads");
  const hits: number[] = [];
  const vm = new RuneVm(instrumented.program, { host: { [COVERAGE_HOST]: () => hits } });
  const value = vm.call("main", args);
  return {
    executable: instrumented.executable,
    hit: hits.flatMap((v, line) => (v ? [line] : [])),
    value,
  };
}

Deno.test("every statement of a Rune function has a coverage marker on its own line", () => {
  const { executable } = covered(3);
  deepStrictEqual(
    executable,
    [1, 2, 3, 4, 5, 6, 8, 10, 11, 12, 13, 14, 17, 18, 20, 21, 22, 24, 26, 27, 28, 30, 32, 33],
  );
});

Deno.test("a branch that did not run is not covered by the statement around it", () => {
  const { hit } = covered(3);
  // Not run with n = 3: the `if` body (3, 4), the else-if's value (6), the `break` (14), the
  // `while` body (18), the labelled block's `break` (22) and the `let … else` body (28).
  deepStrictEqual(hit, [1, 2, 5, 8, 10, 11, 12, 13, 17, 20, 21, 24, 26, 27, 30, 32, 33]);
  const big = covered(20).hit;
  for (const line of [3, 4, 18]) ok(big.includes(line), `line ${line} ran for n = 20`);
  for (const line of [5, 6, 8]) ok(!big.includes(line), `line ${line} did not run for n = 20`);
  ok(covered(7).hit.includes(6) && !covered(7).hit.includes(8), "n = 7 takes the else-if");
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

const VALUES = [
  "fn pick(n, opt) {", // 1
  "    let size = if n > 10 {", // 2
  '        "big"', // 3
  "    } else if n > 5 {", // 4
  '        "mid"', // 5
  "    } else {", // 6
  '        "small"', // 7
  "    };", // 8
  "    let name = match n {", // 9
  '        1 => "one",', // 10
  '        2 => "two",', // 11
  '        k if k > 100 => "huge",', // 12
  "        _ => {", // 13
  '            "other"', // 14
  "        }", // 15
  "    };", // 16
  "    let inner = if let Some(v) = opt {", // 17
  "        v", // 18
  "    } else {", // 19
  "        0", // 20
  "    };", // 21
  "    let twice = |x|", // 22
  "        x * 2;", // 23
  "    let scale = |x| if x > 0 {", // 24
  "        x", // 25
  "    } else {", // 26
  "        -x", // 27
  "    };", // 28
  "    let both = n > 0 &&", // 29
  "        n < 3;", // 30
  "    let either = n > 0 ||", // 31
  "        n < -3;", // 32
  '    let text = format!("{}", if both {', // 33
  '        "yes"', // 34
  "    } else {", // 35
  '        "no"', // 36
  "    });", // 37
  "    let kind = match opt {", // 38
  "        Some(v) if v > 5 => {", // 39
  "            let w = v + 1;", // 40
  "            w", // 41
  "        }", // 42
  "        Some(v) => v,", // 43
  "        None => 0,", // 44
  "    };", // 45
  "    (size, name, inner, scale(n), both, either, text, kind)", // 46
  "}", // 47
  "pub fn main(n, o) {", // 48
  "    pick(n, if o < 0 { None } else { Some(o) })", // 49
  "}", // 50
].join("\n");

/** Coverage of `pick(n, opt)`, for no option when `opt` is null. */
function values(n: number, opt: number | null) {
  return covered(n, VALUES, [n, opt ?? -1]);
}

Deno.test("the lines of value-only branches are code lines of their own", () => {
  const { executable } = values(1, null);
  // Every branch value, arm and right-hand side on a line of its own; not the lines that only
  // close a block or open an else (6, 8, 15, 16, 19, 21, 26, 28, 35, 37, 42, 45).
  deepStrictEqual(executable, [
    ...[1, 2, 3, 4, 5, 7, 9, 10, 11, 12, 13, 14, 17, 18, 20, 22, 23, 24, 25, 27, 29, 30, 31, 32],
    ...[33, 34, 36, 38, 39, 40, 41, 43, 44, 46, 48, 49],
  ]);
});

Deno.test("a value-only branch that did not run is not covered", () => {
  const { hit, value } = values(1, null);
  strictEqual(debugValue(value), '("small", "one", 0, 1, true, true, "yes", 0)');
  // n = 1 and no option: the `else` of each `if` (7, 20), the first arm (10), the right side of
  // `&&` (30) but not of `||` (32), the then-branch of the `if` in `format!` (34) and the last
  // arm of the `match` with a block arm (44), the then-branch of the closure's `if` (25). Not
  // the closure that is never called (23), nor the other values, arms and guard (3, 5, 11, 12,
  // 13, 14, 18, 27, 36, 39, 43).
  deepStrictEqual(hit, [
    ...[1, 2, 4, 7, 9, 10, 17, 20, 22, 24, 25, 29, 30, 31, 33, 34, 38, 44, 46, 48, 49],
  ]);
  const other = values(-7, 9);
  strictEqual(debugValue(other.value), '("small", "other", 9, 7, false, true, "no", 10)');
  for (const line of [13, 14, 18, 27, 32, 36, 39, 40, 41]) {
    ok(other.hit.includes(line), `line ${line} ran for n = -7, Some(9)`);
  }
  for (const line of [10, 11, 12, 20, 25, 30, 34, 43, 44]) {
    ok(!other.hit.includes(line), `line ${line} did not run for n = -7, Some(9)`);
  }
  ok(values(200, 3).hit.includes(12), "the guarded arm ran for n = 200");
  ok(
    values(200, 3).hit.includes(43) && !values(200, 3).hit.includes(39),
    "Some(3) skips the guard",
  );
});

Deno.test("coverage probes change no value and no error line", () => {
  const source = [
    "pub fn main(n) {", // 1
    "    let v = match n {", // 2
    "        1 => 1.5,", // 3
    "        _ =>", // 4
    "            n + 1,", // 5
    "    };", // 6
    "    let w = if n > 2 &&", // 7
    "        n < 10 { v } else {", // 8
    "        v * 2", // 9
    "    };", // 10
    "    (v, w)", // 11
    "}", // 12
  ].join("\n");
  const { program, rendered } = compile(source, { file: "same.rn" });
  ok(program, rendered);
  const plain = new RuneVm(program);
  const probed = new RuneVm(instrument(program, new Set())!.program, {
    host: { [COVERAGE_HOST]: () => [] },
  });
  const run = (vm: RuneVm, n: unknown) => {
    try {
      return debugValue(vm.call("main", [n]));
    } catch (e) {
      const trace = (e as { trace?: { line: number; column: number }[] }).trace ?? [];
      return `${(e as Error).message} @ ${trace.map((f) => `${f.line}:${f.column}`).join(",")}`;
    }
  };
  for (const n of [0, 1, 3, 5, 20, fromJson("x"), fromJson(1.5)]) {
    strictEqual(run(probed, n), run(plain, n));
  }
});
