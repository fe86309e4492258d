/**
 * The VM as a host uses it: calling functions with arguments, JSON in and out, runtime errors
 * with Rune-level stack traces, output capture, and the exported-function table.
 */
import { deepStrictEqual, match, ok, strictEqual, throws } from "node:assert/strict";
import { compile, fromJson, RuneError, RuneVm, toJson } from "../../src/rune/mod.ts";

function vm(code: string, file = "rt.rn"): RuneVm {
  const { program, rendered } = compile(code, { file });
  if (!program) throw new Error(rendered);
  return new RuneVm(program);
}

Deno.test("runtime errors carry a Rune stack trace with function names and lines", () => {
  const v = vm(
    [
      "struct P { x }",
      "impl P {",
      "    fn boom(self) {",
      "        let v = [1, 2];",
      "        v[self.x]",
      "    }",
      "}",
      "fn helper(n) {",
      "    let p = P { x: n };",
      "    p.boom()",
      "}",
      "pub fn main() {",
      "    let f = |n| helper(n);",
      "    f(7)",
      "}",
    ].join("\n"),
    "trace.rn",
  );
  try {
    v.call("main", []);
    throw new Error("no error");
  } catch (e) {
    ok(e instanceof RuneError);
    strictEqual(e.code, "E_RUNTIME");
    match(e.message, /index 7 is out of bounds of a vector of length 2/);
    deepStrictEqual(
      e.trace.map((f) => `${f.fn}@${f.line}`),
      ["P::boom@5", "helper@10", "main::{closure}@13", "main@14"],
    );
    strictEqual(e.trace[0].file, "trace.rn");
    match(e.describe(), /at P::boom \(trace\.rn:5:\d+\)\n {4}at helper \(trace\.rn:10:\d+\)/);
  }
});

Deno.test("panics in tests name the test and the line", () => {
  const v = vm(
    'fn check(x) {\n  assert!(x > 1, "too small: {}", x);\n}\npub fn main() { check(0) }',
  );
  throws(() => v.call("main", []), (e: RuneError) => {
    strictEqual(e.message, "too small: 0");
    strictEqual(e.where?.line, 2);
    strictEqual(e.where?.fn, "check");
    return true;
  });
});

Deno.test("functions take arguments and the arity is checked", () => {
  const v = vm("pub fn add(a, b) { a + b } pub fn main() { 0 }");
  strictEqual(v.call("add", [2, 3]), 5);
  throws(() => v.call("add", [1]), /takes 2 arguments, but 1 was given/);
  throws(() => v.call("nope", []), /no function `nope`/);
  ok(v.has("add"));
  ok(!v.has("nope"));
});

Deno.test("JSON parameters become Rune values with ints and floats kept apart", () => {
  const v = vm(`
    pub fn main(p) {
      assert!(p is Object);
      assert!(p.count is i64);
      assert!(p.ratio is f64);
      assert!(p.whole_float is i64);
      assert!(p.list is Vec);
      assert!(p.none is Tuple);
      #{ doubled: p.count * 2, half: p.ratio / 2.0, first: p.list[0], name: p.name }
    }`);
  const out = v.call("main", [
    fromJson({ count: 21, ratio: 0.5, whole_float: 2.0, list: ["a"], none: null, name: "x" }),
  ]);
  deepStrictEqual(toJson(out), { doubled: 42, half: 0.25, first: "a", name: "x" });
});

Deno.test("Rune values become JSON by documented rules", () => {
  const v = vm(`
    struct P { x, y }
    struct T(a, b);
    struct U;
    enum E { A, B(n), C { w } }
    pub fn main() {
      #{
        unit: (), none: None, some: Some(1), ok: Ok(2), err: Err("bad"), tuple: (1, "a"),
        ch: 'c', float: 1.5, whole: 2.0, big: i64::MAX, p: P { x: 1, y: [true] }, t: T(1, 2),
        u: U, a: E::A, b: E::B(3), c: E::C { w: 4 }, bytes: b"hi",
      }
    }`);
  deepStrictEqual(toJson(v.call("main", [])), {
    unit: null,
    none: null,
    some: 1,
    ok: 2,
    err: { Err: "bad" },
    tuple: [1, "a"],
    ch: "c",
    float: 1.5,
    whole: 2,
    big: 9223372036854775807,
    p: { x: 1, y: [true] },
    t: [1, 2],
    u: "U",
    a: "A",
    b: { B: 3 },
    c: { C: { w: 4 } },
    bytes: [104, 105],
  });
});

Deno.test("values JSON cannot hold are refused with a clear error", () => {
  const v = vm(
    "pub fn f() { || 1 } pub fn n() { f64::NAN } pub fn r() { 1..2 } pub fn main() { 0 }",
  );
  throws(() => toJson(v.call("f", [])), /Function, which cannot be converted to JSON/);
  throws(() => toJson(v.call("n", [])), /NaN, which JSON cannot hold/);
  throws(() => toJson(v.call("r", [])), /Range/);
  const cyclic = vm("pub fn main() { let v = []; v.push(v); v }").call("main", []);
  throws(() => toJson(cyclic), /nested more than 64 levels/);
});

Deno.test("JSON keys that are JavaScript property names stay plain data both ways", () => {
  const v = vm("pub fn main(p) { p }");
  const input = JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}');
  const out = toJson(v.call("main", [fromJson(input)])) as Record<string, unknown>;
  deepStrictEqual(Object.keys(out), ["__proto__", "constructor"]);
  strictEqual(({} as Record<string, unknown>).polluted, undefined);
  strictEqual(Object.getPrototypeOf(out), Object.prototype);
});

Deno.test("print macros write to the host's sinks", () => {
  const out: string[] = [];
  const err: string[] = [];
  const v = vm(
    'pub fn main() { println!("a {}", 1); print!("b"); eprintln!("c"); dbg!(2); 0 }',
    "io.rn",
  );
  v.call("main", [], { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  deepStrictEqual(out, ["a 1\n", "b"]);
  deepStrictEqual(err, ["c\n", "[io.rn:1] 2 = 2\n"]);
});

Deno.test("the export table lists functions with their attributes and lines", () => {
  const v = vm(
    "#[test]\nfn t() {}\n#[bench]\nfn b() {}\npub fn main(x) {}\nmod m { pub fn inner() {} }",
  );
  deepStrictEqual(
    v.exports.map((e) => [e.name, e.arity, e.test, e.bench, e.isPub, e.line]),
    [["t", 0, true, false, false, 1], ["b", 0, false, true, false, 3], [
      "main",
      1,
      false,
      false,
      true,
      5,
    ], [
      "m::inner",
      0,
      false,
      false,
      true,
      6,
    ]],
  );
});

Deno.test("a compiled program is plain data that reloads without recompiling", () => {
  const { program } = compile("pub fn main() { [1, 2, 3].iter().sum() }");
  ok(program);
  const copy = JSON.parse(JSON.stringify(program));
  strictEqual(new RuneVm(copy).call("main", []), 6);
});

Deno.test("hash map keys of different types never collide, even with odd strings", () => {
  const { program, rendered } = compile(`
    use std::collections::HashMap;
    pub fn main(s) {
      let m = HashMap::new();
      m.insert((1,), "tuple");
      m.insert(1, "int");
      m.insert("1", "string");
      m.insert(s, "odd string");
      [m.len(), m[(1,)], m[1], m["1"], m[s]]
    }`);
  ok(program, rendered);
  // The string that equals the encoding of the tuple key (1,).
  const odd = "\udfff" + "t(i1)";
  deepStrictEqual(toJson(new RuneVm(program).call("main", [fromJson(odd)])), [
    4,
    "tuple",
    "int",
    "string",
    "odd string",
  ]);
});

Deno.test("a VecDeque becomes a JSON array and its errors name the line", () => {
  const v = vm(`use std::collections::VecDeque;
pub fn main() { let d = VecDeque::from([2, 3]); d.push_front(1); #{ d } }
pub fn bad() {
  let d = VecDeque::new();
  d[0]
}`);
  deepStrictEqual(toJson(v.call("main", [])), { d: [1, 2, 3] });
  throws(() => v.call("bad", []), (e: RuneError) => {
    strictEqual(e.code, "E_RUNTIME");
    match(e.message, /index 0 is out of bounds of a VecDeque of length 0/);
    strictEqual(e.where?.line, 5);
    return true;
  });
});

Deno.test("methods a program adds to built-in types stay in that program", () => {
  const impl = (body: string) =>
    vm(`trait Twice { fn twice(self); }
impl Twice for i64 { fn twice(self) { ${body} } }
impl Twice for String { fn twice(self) { ${body} } }
pub fn main(x) { x.twice() }`);
  const a = impl("self + self");
  const b = impl("[self, self]");
  const none = vm("pub fn main(x) { x.twice() }");
  // Interleaved, so each program's call sites see the other's receivers' types too.
  for (let i = 0; i < 3; i++) {
    strictEqual(a.call("main", [4]), 8);
    deepStrictEqual(b.call("main", [4]), [4, 4]);
    strictEqual(a.call("main", ["ab"]), "abab");
    deepStrictEqual(b.call("main", ["ab"]), ["ab", "ab"]);
    throws(() => none.call("main", [4]), /no method `twice` on a value of type `i64`/);
  }
  // The shared tables of the built-in types are untouched.
  const probe = vm("pub fn main() { Vec::len([1]) }");
  strictEqual(probe.call("main", []), 1);
  throws(() => vm("pub fn main() { i64::twice(1) }"), /cannot find function `i64::twice`/);
});

Deno.test("a Display impl that forgets to return Ok(()) fails at the format, naming the line", () => {
  const v = vm(`use std::fmt;
struct P;
impl fmt::Display for P {
  fn fmt(self, f) { write!(f, "p"); }
}
pub fn main() {
  let p = P;
  format!("{}", p)
}`);
  throws(() => v.call("main", []), (e: RuneError) => {
    strictEqual(e.code, "E_RUNTIME");
    match(
      e.message,
      /`fmt` of `P` must return `Ok\(\(\)\)` \(a `fmt::Result`\), not a value of type `Tuple`/,
    );
    strictEqual(e.where?.line, 8);
    return true;
  });
});

Deno.test("a standard trait method returning the wrong type fails where it is used", () => {
  const v = vm(`use std::cmp::Ordering;
struct E(v);
impl PartialEq for E {
  fn eq(self, o) { 1 }
}
struct O(v);
impl PartialOrd for O {
  fn partial_cmp(self, o) { self.0 }
}
struct C;
impl Iterator for C {
  fn next(&mut self) { 5 }
}
pub fn eq() { E(1) == E(1) }
pub fn lt() { O(1) < O(2) }
pub fn each() {
  for x in C {}
}
pub fn adapt() { C.map(|x| x).count() }`);
  const fails = (name: string, message: RegExp, line: number) =>
    throws(() => v.call(name, []), (e: RuneError) => {
      strictEqual(e.code, "E_RUNTIME");
      match(e.message, message);
      strictEqual(e.where?.line, line);
      return true;
    });
  fails("eq", /`E::eq` returned a value of type `i64`, not a bool/, 14);
  fails("lt", /the comparison of `O` returned a value of type `i64`, not an Ordering/, 15);
  fails("each", /`C::next` returned a value of type `i64`, not an Option/, 17);
  fails("adapt", /`C::next` returned a value of type `i64`, not an Option/, 19);
});

Deno.test("a user iterator's next calls count against the budget", () => {
  const v = vm(`struct Forever;
impl Iterator for Forever {
  fn next(&mut self) { Some(1) }
}
pub fn main() { Forever.count() }`);
  throws(() => v.call("main", [], { budget: 10_000 }), /budget/);
});
