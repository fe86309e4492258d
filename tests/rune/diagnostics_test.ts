/**
 * Syntax and compile diagnostics: where they point, what they say, the source excerpt with a
 * caret, hints, and recovery (one broken item does not hide the errors of the next).
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { compile, parse } from "../../src/rune/mod.ts";

function errors(code: string) {
  const r = compile(code, { file: "d.rn" });
  strictEqual(r.program, null, "expected errors");
  return r;
}

Deno.test("a syntax error has file:line:col, an excerpt and a caret", () => {
  const r = errors("fn main() {\n    let x = ;\n}\n");
  strictEqual(r.diagnostics.length, 1);
  const d = r.diagnostics[0];
  deepStrictEqual([d.code, d.file, d.line, d.column], ["E_SYNTAX", "d.rn", 2, 13]);
  match(d.message, /expected an expression, found `;`/);
  strictEqual(
    r.rendered,
    [
      "error: expected an expression, found `;`",
      " --> d.rn:2:13",
      "  |",
      "2 |     let x = ;",
      "  |             ^",
    ].join("\n"),
  );
});

Deno.test("a missing semicolon gets a hint", () => {
  const r = errors("fn main() {\n    let a = 1\n    let b = 2;\n}");
  match(r.diagnostics[0].message, /expected `;` after the `let` statement/);
  strictEqual(r.diagnostics[0].line, 3);
  const r2 = errors("fn main() { foo() bar() }");
  strictEqual(r2.diagnostics[0].hint, "end the statement with `;`");
  match(r2.rendered, /= hint: end the statement with `;`/);
});

Deno.test("errors in several items are all reported", () => {
  const r = errors("fn a() { 1 + }\nfn ok() { 1 }\nfn b() { let = 2; }\nstruct S { a, a }\n");
  deepStrictEqual(r.diagnostics.map((d) => d.line), [1, 3, 4]);
});

Deno.test("lexer problems are diagnostics, not exceptions", () => {
  for (
    const [code, message] of [
      ['fn main() { "open }', /unterminated string/],
      ["fn main() { 'ab' }", /exactly one character/],
      ["fn main() { 0x }", /missing digits/],
      ['fn main() { "\\q" }', /unknown escape/],
      ["fn main() { ` ${ 1 ` }", /unterminated/],
      ["fn main() { 1 § 2 }", /unexpected character/],
      ["/* never closed", /unterminated block comment/],
      ["fn main() { b'é' }", /byte literal/],
    ] as const
  ) {
    const r = errors(code);
    ok(r.diagnostics.some((d) => message.test(d.message)), `${code}: ${r.rendered}`);
  }
});

Deno.test("compile errors name what is missing", () => {
  const cases: [string, RegExp][] = [
    ["fn main() { nope }", /cannot find `nope` in this scope/],
    ["fn main() { nope() }", /cannot find `nope`/],
    ["fn f(a) {} fn main() { f(1, 2) }", /takes 1 argument but 2 were given/],
    ["struct P { x } fn main() { P { y: 1 } }", /has no field `y`/],
    ["struct P { x, y } fn main() { P { x: 1 } }", /missing field `y`/],
    ["fn main() { break; }", /`break` outside of a loop/],
    ["fn main() { loop { break 'x; } }", /no loop labelled `'x`/],
    ["fn main() { 99999999999999999999 }", /does not fit in an i64/],
    ['fn main() { println!("{} {}", 1) }', /needs argument 1/],
    ['fn main() { println!("{}", 1, 2) }', /never used/],
    ['fn main() { println!("{", 1) }', /unmatched `\{`/],
    ["fn main() { frob!(1) }", /unknown macro `frob!`/],
    ["fn main() { 1 = 2; }", /cannot be assigned/],
    ["use nothing::here; fn main() {}", /cannot find/],
    ["fn f() {} fn f() {}", /defined more than once/],
    ["fn main() { let x = 1; x.y::<i64>; }", /expected `\(`/],
    ["fn f() { let c = || { yield 1; }; }", /`yield` is only allowed in the body of a `fn`/],
    ["fn f() { let s = async { yield 1; }; }", /`yield` is only allowed in the body of a `fn`/],
    ["fn main() { match 1 { Foo::Bar => 1 } }", /cannot find `Foo::Bar`/],
    ["trait T { fn make(); } fn main() { let f = T::make; }", /`T::make` has no `self`/],
    ["fn main() { let n @ = 1; }", /expected a pattern/],
    ["trait T { const N; } struct S; impl T for S {}", /`S` does not define `N` of the trait `T`/],
    ["trait T {} struct S; impl T for S { const N = 1; }", /not a constant of the trait `T`/],
    ["struct S; impl S { const N = 1; fn N() {} }", /`S::N` is defined more than once/],
    ["trait T { const N = 1; } fn main() { T::N }", /through a type that implements the trait/],
    ["struct S; impl S { const A = Self::B; const B = Self::A; }", /`S::A` depends on itself/],
  ];
  for (const [code, message] of cases) {
    const r = errors(code);
    ok(r.diagnostics.some((d) => message.test(d.message)), `${code}:\n${r.rendered}`);
  }
});

Deno.test("comparison chains and bad assignments are rejected with hints", () => {
  const r = errors("fn main() { 1 < 2 < 3 }");
  match(r.diagnostics[0].message, /cannot be chained/);
  strictEqual(r.diagnostics[0].hint, "use parentheses or `&&`");
});

Deno.test("the parser reports deep nesting instead of overflowing the stack", () => {
  const deep = "fn main() { " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }";
  const r = errors(deep);
  match(r.diagnostics[0].message, /nesting is deeper than/);
  const deepBlocks = "fn main() { " + "{".repeat(3000) + "}".repeat(3000) + " }";
  match(errors(deepBlocks).diagnostics[0].message, /nesting/);
  // Long chains are not nested in the source but make deep trees.
  for (
    const chain of [
      "1 + ".repeat(100_000) + "1",
      "x" + ".a()".repeat(100_000),
      "v" + "[0]".repeat(100_000),
    ]
  ) {
    match(
      errors(`fn main() { let x = 1; let v = [1]; ${chain} }`).diagnostics[0].message,
      /nested too deeply/,
    );
  }
});

Deno.test("parse never throws and always ends, whatever the input", () => {
  for (
    const code of [
      "",
      "}",
      "{{{{",
      "fn",
      "fn (",
      "#[",
      "mod m {",
      "impl {",
      "use ::;",
      "'",
      "`",
      'r#"',
      "match",
    ]
  ) {
    const r = parse(code);
    ok(Array.isArray(r.diagnostics));
  }
  strictEqual(parse("").diagnostics.length, 0);
});

Deno.test("warnings do not stop compilation; a clean file has no diagnostics", () => {
  const r = compile("pub fn main() { 1 }");
  ok(r.program);
  deepStrictEqual(r.diagnostics, []);
  strictEqual(r.rendered, "");
});

Deno.test("broken generic parameters and where clauses point at the offending token", () => {
  for (
    const [code, line, column, message] of [
      ["fn f<T(a: T) { a }", 1, 7, /expected `>` to close the generic parameters, found `\(`/],
      ["fn ok() {}\nstruct P<A B> { a: A }", 2, 12, /expected `>` to close the generic parameters/],
      ["fn f<T>(a: T) -> T\nwhere T Ord { a }", 2, 9, /expected `:` after the type in the where/],
      ["impl<T> Foo<T { }", 1, 15, /to close the type arguments/],
      ["fn f(v: Vec<i64) {}", 1, 16, /expected `>` to close the type arguments, found `\)`/],
    ] as const
  ) {
    const r = errors(code);
    const d = r.diagnostics[0];
    deepStrictEqual([d.line, d.column], [line, column], `${code}: ${r.rendered}`);
    match(d.message, message);
  }
});

Deno.test("methods cannot be added to built-in types without a trait", () => {
  const r = errors("fn ok() {}\nimpl i64 {\n  fn double(self) { self * 2 }\n}\n");
  const d = r.diagnostics[0];
  deepStrictEqual([d.line, d.column], [2, 6]);
  match(d.message, /cannot define methods directly on the built-in type `i64`/);
  match(d.hint ?? "", /impl Ext for i64/);
  const missing = errors("trait T { fn a(self); }\nimpl T for String {}\n");
  match(missing.diagnostics[0].message, /`String` does not implement `a` of the trait `T`/);
  strictEqual(missing.diagnostics[0].line, 2);
});

Deno.test("a Display impl must be exactly one fmt(self, f) on a type of the program", () => {
  for (
    const [code, line, message] of [
      ["use std::fmt;\nstruct P;\nimpl fmt::Display for P {}\n", 3, /`P` does not implement `fmt`/],
      [
        "use std::fmt;\nstruct P;\nimpl fmt::Display for P {\n  fn fmt(self, f) { Ok(()) }\n  fn show(self) {}\n}",
        5,
        /`show` is not a method of the trait `Display`/,
      ],
      [
        "use std::fmt;\nimpl fmt::Display for i64 {\n  fn fmt(self, f) { Ok(()) }\n}",
        2,
        /`i64` already implements `Display`/,
      ],
      [
        "struct P;\nimpl std::fmt::Debug for P {\n  fn fmt(self) { Ok(()) }\n}",
        3,
        /`fmt` of `Debug` takes `self` and the formatter/,
      ],
      [
        "struct P;\nimpl Display for P {\n  fn fmt(self, f) { Ok(()) }\n}",
        2,
        /cannot find `Display`/,
      ],
    ] as const
  ) {
    const r = errors(code);
    const d = r.diagnostics[0];
    strictEqual(d.line, line, `${code}: ${r.rendered}`);
    match(d.message, message);
  }
});

Deno.test("a type alias must lead to a type, without a cycle", () => {
  for (
    const [code, line, column, message] of [
      [
        "type A = B;\ntype B = A;\nfn main() { A::new() }\n",
        1,
        6,
        /type alias `A` refers to itself/,
      ],
      ["type A = A;\n", 1, 6, /type alias `A` refers to itself/],
      ["type G = Nope<i64>;\nfn main() {}\n", 1, 10, /cannot find `Nope`/],
      ["fn f() {}\ntype G = f;\n", 2, 10, /`f` is not a type, so `type G` cannot stand for it/],
      ["type F = fn(i64);\nfn main() { F::new() }\n", 2, 13, /`F` stands for a type no path/],
      ["mod m { pub type X = Y; }\nfn main() { m::X::new() }\n", 1, 22, /cannot find `Y`/],
    ] as const
  ) {
    const r = errors(code);
    strictEqual(r.diagnostics.length, 1, r.rendered);
    const d = r.diagnostics[0];
    deepStrictEqual([d.line, d.column], [line, column], `${code}: ${r.rendered}`);
    match(d.message, message);
  }
});

Deno.test("standard trait impls are checked against the trait's methods", () => {
  for (
    const [code, line, column, message] of [
      [
        "struct P;\nimpl Clone for P {}\n",
        2,
        16,
        /`P` does not implement `clone` of the trait `Clone`/,
      ],
      [
        "struct P;\nimpl PartialEq for P {\n  fn eq(self, o) { true }\n  fn same(self, o) { true }\n}\n",
        4,
        6,
        /`same` is not a method of the trait `PartialEq`/,
      ],
      [
        "struct P;\nimpl Default for P {\n  fn default(self) { P }\n}\n",
        3,
        6,
        /`default` of `Default` takes no `self`/,
      ],
      [
        "struct P;\nimpl Iterator for P {\n  fn next() { None }\n}\n",
        3,
        6,
        /`next` of `Iterator` takes `self` first/,
      ],
      [
        "impl Clone for i64 {\n  fn clone(self) { self }\n}\n",
        1,
        16,
        /only types declared in this program can implement `Clone`, not `i64`/,
      ],
      [
        "struct P(v);\nimpl From<i64> for P {\n  fn from(v) { P(v) }\n}\nimpl From<String> for P {\n  fn from(v) { P(0) }\n}\n",
        5,
        23,
        /`P` already has a `from`: a type can have one `From` impl here/,
      ],
      [
        "struct P;\nimpl Eq for P {\n  const X = 1;\n}\n",
        3,
        9,
        /`X` is not a constant of the trait `Eq`/,
      ],
      [
        "trait Show { fn show(self); }\nimpl<T> Show for T {\n  fn show(self) {}\n}\n",
        2,
        18,
        /`T` is a type parameter of the impl: .*a blanket impl\) is not supported/,
      ],
    ] as const
  ) {
    const r = errors(code);
    strictEqual(r.diagnostics.length, 1, r.rendered);
    const d = r.diagnostics[0];
    deepStrictEqual([d.line, d.column], [line, column], `${code}: ${r.rendered}`);
    match(d.message, message);
  }
});

Deno.test("a standard trait's function needs its type named, with a hint", () => {
  const d = errors("fn main() {\n  let p = Default::default();\n}\n").diagnostics[0];
  deepStrictEqual([d.line, d.column], [2, 11]);
  match(d.message, /`Default::default` names a method through the trait `Default`/);
  match(d.hint ?? "", /name the type, as in `Point::default\(\)`/);
  const c = errors("fn main() {\n  Clone::clone(1)\n}\n").diagnostics[0];
  match(c.hint ?? "", /call it on the value: `x.clone\(\)`/);
  const derived = errors("#[derive(Default)]\nstruct P;\nfn main() {\n  P::default()\n}\n")
    .diagnostics[0];
  deepStrictEqual([derived.line, derived.column], [4, 3]);
  match(derived.hint ?? "", /`#\[derive\(Default\)\]` gives no `default\(\)` here/);
});

Deno.test("struct update syntax is for structs and ends the field list", () => {
  const variant = errors(
    "enum E { V { a, b } }\nfn main(e) {\n  E::V { a: 1, ..e }\n}\n",
  ).diagnostics[0];
  deepStrictEqual([variant.line, variant.column], [3, 18]);
  match(variant.message, /struct update syntax works with structs only/);
  const late = errors("struct P { a, b }\nfn main(p) {\n  P { ..p, a: 1 }\n}\n").diagnostics[0];
  deepStrictEqual(late.line, 3);
  match(late.hint ?? late.message, /`\.\.base` comes last in a struct literal/);
});

Deno.test("an unresolved use is reported once, and each use of its name once", () => {
  const { diagnostics } = errors("use std::iter::nope;\nfn main() {\n  nope(1) + nope(2)\n}\n");
  deepStrictEqual(
    diagnostics.map((d) => [d.line, d.column, d.message]),
    [
      [1, 5, "cannot find `std::iter::nope`"],
      [3, 3, "cannot find `nope` in this scope"],
      [3, 13, "cannot find `nope` in this scope"],
    ],
  );
});
