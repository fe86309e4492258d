/**
 * Parser and compiler robustness: random token streams, random text and mutated valid programs
 * never crash or hang `compile` — they give diagnostics — and whatever does compile loads as
 * valid JavaScript.
 */
import { ok } from "node:assert/strict";
import * as path from "node:path";
import fc from "fast-check";
import { compile, RuneError, RuneVm } from "../../src/rune/mod.ts";

const TOKENS = [
  "fn",
  "pub",
  "let",
  "if",
  "else",
  "match",
  "loop",
  "while",
  "for",
  "in",
  "break",
  "continue",
  "return",
  "struct",
  "enum",
  "impl",
  "mod",
  "use",
  "const",
  "self",
  "Self",
  "crate",
  "super",
  "is",
  "not",
  "as",
  "move",
  "async",
  "await",
  "yield",
  "true",
  "false",
  "main",
  "x",
  "y",
  "Foo",
  "Some",
  "None",
  "Ok",
  "Err",
  "println",
  "format",
  "assert_eq",
  "matches",
  "_",
  "'a",
  "0",
  "1_000",
  "0xff",
  "1.5e3",
  "'c'",
  "b'x'",
  '"s"',
  'r#"r"#',
  'b"b"',
  "`t ${x} `",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  "#{",
  "#[test]",
  "<",
  ">",
  "<<",
  ">>",
  "<=",
  ">=",
  "==",
  "!=",
  "+",
  "-",
  "*",
  "/",
  "%",
  "&",
  "&&",
  "|",
  "||",
  "^",
  "!",
  "=",
  "+=",
  "-=",
  "..",
  "..=",
  ".",
  ",",
  ";",
  ":",
  "::",
  "->",
  "=>",
  "?",
  "@",
  "#",
];

/** Compile, asserting it returns; load what compiled, asserting no internal error. */
function survive(code: string): void {
  const start = performance.now();
  const result = compile(code, { file: "fuzz.rn" });
  ok(Array.isArray(result.diagnostics));
  ok(
    performance.now() - start < 5000,
    `compiling took too long: ${JSON.stringify(code.slice(0, 200))}`,
  );
  if (!result.program) return;
  let vm: RuneVm;
  try {
    vm = new RuneVm(result.program, { budget: 10_000 });
  } catch (e) {
    // Constant initialisers run at load and may fail like any Rune code; the JavaScript
    // itself must always be valid.
    ok(e instanceof RuneError && !/internal error/.test(e.message), `${e}\n--- code:\n${code}`);
    return;
  }
  // Whatever the mutated functions do, they fail as Rune errors, never as runtime bugs.
  for (const f of vm.exports) {
    if (f.arity !== 0) continue;
    try {
      vm.call(f.name, [], { budget: 20_000, memoryLimit: 8 * 1024 * 1024 });
    } catch (e) {
      ok(
        e instanceof RuneError && !/internal error/.test(e.message),
        `${f.name}: ${e}\n--- code:\n${code}`,
      );
    }
  }
}

Deno.test("random token streams never crash or hang the compiler", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 80 }), (tokens) => {
      survive(tokens.join(" "));
    }),
    { numRuns: 400 },
  );
});

Deno.test("token streams inside a function body never crash the compiler", () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), (tokens) => {
      survive(`pub fn main() { ${tokens.join(" ")} }`);
      survive(`pub fn main() { let v = ${tokens.join(" ")}; }`);
    }),
    { numRuns: 400 },
  );
});

Deno.test("arbitrary text never crashes the compiler", () => {
  fc.assert(
    fc.property(fc.string({ unit: "binary", maxLength: 200 }), (text) => survive(text)),
    { numRuns: 300 },
  );
});

const DIR = path.join(import.meta.dirname!, "conformance");
const PROGRAMS = [...Deno.readDirSync(DIR)].filter((e) => e.name.endsWith(".rn"))
  .map((e) => Deno.readTextFileSync(path.join(DIR, e.name)));

type Mutation = {
  kind: "delete" | "duplicate" | "insert" | "swap";
  at: number;
  len: number;
  token: string;
};

function mutate(text: string, m: Mutation): string {
  const at = m.at % (text.length + 1);
  const end = Math.min(text.length, at + m.len);
  switch (m.kind) {
    case "delete":
      return text.slice(0, at) + text.slice(end);
    case "duplicate":
      return text.slice(0, end) + text.slice(at, end) + text.slice(end);
    case "insert":
      return text.slice(0, at) + ` ${m.token} ` + text.slice(at);
    case "swap":
      return text.slice(0, at) + text.slice(at + 1, at + 2) + text.slice(at, at + 1) +
        text.slice(at + 2);
  }
}

Deno.test("mutated valid programs never crash the compiler and compile to valid JavaScript", () => {
  const mutation = fc.record({
    kind: fc.constantFrom("delete", "duplicate", "insert", "swap") as fc.Arbitrary<
      Mutation["kind"]
    >,
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 40 }),
    token: fc.constantFrom(...TOKENS),
  });
  fc.assert(
    fc.property(
      fc.constantFrom(...PROGRAMS),
      fc.array(mutation, { minLength: 1, maxLength: 4 }),
      (program, mutations) => survive(mutations.reduce(mutate, program)),
    ),
    { numRuns: 300 },
  );
});
