/**
 * Limits: the instruction budget (loops and recursion), the host's stop callback, the deadline,
 * memory accounting as strings, vectors and objects grow, and deep recursion — each stops the
 * program with a stable code, and the VM stays usable afterwards.
 */
import { deepStrictEqual, match, ok, strictEqual, throws } from "node:assert/strict";
import { compile, RuneError, RuneVm, type RunOptions } from "../../src/rune/mod.ts";

function vm(code: string): RuneVm {
  const { program, rendered } = compile(code, { file: "limits.rn" });
  if (!program) throw new Error(rendered);
  return new RuneVm(program);
}

function failure(code: string, options: RunOptions, fn = "main"): RuneError {
  const v = vm(code);
  try {
    v.call(fn, [], options);
  } catch (e) {
    if (e instanceof RuneError) return e;
    throw e;
  }
  throw new Error("the program finished");
}

Deno.test("an infinite loop stops with E_TIMEOUT when the budget runs out", () => {
  for (
    const body of [
      "loop {}",
      "while true {}",
      "for i in 0.. {}",
      "let i = 0; while i >= 0 { i = 1; }",
    ]
  ) {
    const e = failure(`pub fn main() { ${body} }`, { budget: 100_000 });
    strictEqual(e.code, "E_TIMEOUT", body);
    match(e.message, /budget of 100000 steps/);
    strictEqual(e.trace[0]?.fn, "main");
  }
});

Deno.test("unbounded recursion stops on the budget or as a stack overflow", () => {
  const e = failure("fn f(n) { f(n + 1) } pub fn main() { f(0) }", { budget: 2_000 });
  strictEqual(e.code, "E_TIMEOUT");
  const deep = failure("fn f(n) { 1 + f(n + 1) } pub fn main() { f(0) }", {});
  strictEqual(deep.code, "E_RUNTIME");
  match(deep.message, /stack overflow/);
});

Deno.test("native loops inside built-ins count against the budget", () => {
  const e = failure("pub fn main() { (0..).map(|x| x).take(100000000).count() }", {
    budget: 100_000,
  });
  strictEqual(e.code, "E_TIMEOUT");
  const e2 = failure("pub fn main() { (0..1000000000).count() }", { budget: 100_000 });
  strictEqual(e2.code, "E_TIMEOUT");
});

Deno.test("a budget large enough lets the program finish, and the count is per call", () => {
  const v = vm("pub fn main() { let s = 0; for i in 0..1000 { s += i; } s }");
  strictEqual(v.call("main", [], { budget: 5_000 }), 499500);
  strictEqual(v.call("main", [], { budget: 5_000 }), 499500);
  throws(() => v.call("main", [], { budget: 500 }), (e: RuneError) => e.code === "E_TIMEOUT");
});

Deno.test("the host's stop callback stops a running program", () => {
  let polls = 0;
  const e = failure("pub fn main() { loop {} }", {
    shouldStop: () => ++polls > 3,
  });
  strictEqual(e.code, "E_TIMEOUT");
  match(e.message, /stopped by its host/);
  ok(polls >= 4);
});

Deno.test("a wall-clock timeout stops a running program", () => {
  const start = Date.now();
  const e = failure("pub fn main() { loop {} }", { timeoutMs: 50 });
  strictEqual(e.code, "E_TIMEOUT");
  ok(Date.now() - start < 5000);
});

Deno.test("growing a vector past the memory limit stops with E_MEMORY", () => {
  const e = failure("pub fn main() { let v = []; loop { v.push(1); } }", {
    memoryLimit: 1024 * 1024,
  });
  strictEqual(e.code, "E_MEMORY");
  match(e.message, /memory limit of 1 MB/);
});

Deno.test("growing strings and objects past the memory limit stops with E_MEMORY", () => {
  for (
    const body of [
      'let s = "x"; loop { s = s + s; }',
      'let s = String::new(); loop { s.push_str("abcdefgh"); }',
      "let o = #{}; let i = 0; loop { o[`k${i}`] = i; i += 1; }",
      'let s = "ab"; let t = s.repeat(100000000);',
      "let v = []; loop { v.push([1, 2, 3, 4]); }",
      "let d = std::collections::VecDeque::new(); loop { d.push_front(1); d.push_back(2); }",
      'let s = "x"; loop { s = format!("{}{}", s, s); }',
    ]
  ) {
    const e = failure(`pub fn main() { ${body} }`, {
      memoryLimit: 4 * 1024 * 1024,
      budget: 10_000_000,
    });
    strictEqual(e.code, "E_MEMORY", body);
  }
});

Deno.test("the memory measurement can overrule the allocation count", () => {
  // Temporary strings are charged when made; a host measurement that finds little live memory
  // lets the program carry on.
  const code =
    'pub fn main() { let n = 0; for i in 0..20000 { let s = "x".repeat(1000); n += s.len(); } n }';
  const e = failure(code, { memoryLimit: 1024 * 1024 });
  strictEqual(e.code, "E_MEMORY");
  const v = vm(code);
  strictEqual(
    v.call("main", [], { memoryLimit: 1024 * 1024, measureMemory: () => 1000 }),
    20_000_000,
  );
});

Deno.test("after a limit stops a call the VM still works", () => {
  const v = vm("pub fn spin() { loop {} } pub fn main() { 1 + 1 }");
  throws(() => v.call("spin", [], { budget: 1000 }), (e: RuneError) => e.code === "E_TIMEOUT");
  strictEqual(v.call("main", []), 2);
  deepStrictEqual(v.exports.map((e) => e.name), ["spin", "main"]);
});

Deno.test("the budget and the stop callback hold inside generators and async functions", () => {
  const programs = [
    "fn g() { loop { yield 1; } } pub fn main() { for x in g() {} }",
    "fn g() { loop {} yield 1; } pub fn main() { g().next() }",
    "fn g() { yield 1; loop {} } pub fn main() { g().map(|x| x).count() }",
    "async fn f() { loop {} } pub fn main() { f().await }",
    "async fn f() { loop {} } pub async fn main() { f().await }",
    "pub fn main() { async { loop {} }.await }",
    "async fn f(n) { if n == 0 { 0 } else { f(n - 1).await + 1 } } pub async fn main() { loop { f(10).await; } }",
  ];
  for (const code of programs) {
    const e = failure(code, { budget: 200_000 });
    strictEqual(e.code, "E_TIMEOUT", code);
    const s = failure(code, { shouldStop: () => true });
    strictEqual(s.code, "E_TIMEOUT", code);
  }
});

Deno.test("a VecDeque that shrinks gives its memory back", () => {
  // Pushing and popping forever stays within a small limit: each pop credits its slot.
  const v = vm(`pub fn main() {
    let d = std::collections::VecDeque::new();
    for i in 0..200000 { d.push_back(i); d.push_back(i); d.pop_front(); d.pop_front(); }
    d.len()
  }`);
  strictEqual(v.call("main", [], { memoryLimit: 64 * 1024 }), 0);
});

Deno.test("a call nested in a call of the same program has its own budget and hands back the outer one", () => {
  const code = "pub fn spin(n) { let s = 0; for i in 0..n { s += 1; } s }\n" +
    "pub fn main() { let a = spin(3000); let b = app::again(); a + b + spin(3000) }";
  const { program, rendered } = compile(code, {
    file: "nested.rn",
    host: [{ path: "app::again", params: 0 }],
  });
  ok(program, rendered);
  let inner: RuneVm | null = null;
  const v = new RuneVm(program, {
    host: { "app::again": () => inner!.call("spin", [4000], { budget: 5_000 }) },
  });
  inner = v;
  // The outer call runs 6,000 loop steps of its own; the nested one 4,000 within its 5,000.
  strictEqual(v.call("main", [], { budget: 7_000 }), 10_000);
  // The nested call's budget is its own: too small for it fails it, not the outer count.
  const small = new RuneVm(program, {
    host: { "app::again": () => small.call("spin", [4000], { budget: 1_000 }) },
  });
  throws(() => small.call("main", [], { budget: 7_000 }), (e: RuneError) => e.code === "E_TIMEOUT");
  // And the outer budget still counts the outer steps after the nested call returned.
  throws(() => v.call("main", [], { budget: 5_000 }), (e: RuneError) => e.code === "E_TIMEOUT");
  strictEqual(v.call("spin", [10], { budget: 100 }), 10);
});
