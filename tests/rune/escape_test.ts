/**
 * The no-escape rule: Rune code reaches only the values the runtime registered. Each test is an
 * attack — naming JavaScript globals, reaching `constructor`/`__proto__` through any kind of
 * value, smuggling code through strings — and asserts it is refused and that nothing leaked
 * into the JavaScript realm. A static check also proves the generated JavaScript names nothing
 * outside the compiler's own names and a fixed set of property names.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { compile, RuneError, RuneVm } from "../../src/rune/mod.ts";
import { loadModule } from "./conformance_modules.ts";

function load(code: string): RuneVm {
  const { program, rendered } = compile(code, { file: "attack.rn" });
  if (!program) throw new Error(`does not compile:\n${rendered}`);
  return new RuneVm(program);
}

function run(code: string): unknown {
  return load(code).call("main", []);
}

function realmSnapshot(): string {
  const names = (o: object) => Object.getOwnPropertyNames(o).sort().join(",");
  return [
    names(globalThis),
    names(Object.prototype),
    names(Array.prototype),
    names(Function.prototype),
    names(Map.prototype),
    names(String.prototype),
  ].join("|");
}

const GLOBAL_NAMES = [
  "globalThis",
  "Deno",
  "eval",
  "Function",
  "self",
  "window",
  "process",
  "require",
  "constructor",
  "__proto__",
  "Object",
  "Reflect",
  "fetch",
  "import",
  "console",
  "undefined",
  "NaN",
  "Infinity",
];

Deno.test("JavaScript globals cannot be named: every one is a compile error", () => {
  for (const name of GLOBAL_NAMES) {
    for (
      const code of [
        `pub fn main() { ${name} }`,
        `pub fn main() { ${name}(1) }`,
        `pub fn main() { ${name}::x }`,
        // `use self;` names the current module, which is a Rune item, not a global.
        ...(name === "self" ? [] : [`use ${name}; pub fn main() {}`]),
      ]
    ) {
      const { program, diagnostics } = compile(code);
      strictEqual(program, null, `${code} compiled`);
      ok(diagnostics.some((d) => d.severity === "error"), code);
    }
  }
});

const VALUES = [
  "1",
  "9223372036854775807",
  "1.5",
  '"text"',
  "'c'",
  "true",
  "()",
  "[1, 2]",
  "#{a: 1}",
  "(1, 2)",
  "Some(1)",
  "None",
  "Ok(1)",
  "Err(1)",
  "(|| 1)",
  "main",
  "S { a: 1 }",
  "E::A",
  "1..2",
  "[1].iter()",
  'b"x"',
  "std::i64::max",
  "g()",
  "a()",
  "st()",
  "async { 1 }",
  "It { n: 1 }",
  "std::collections::VecDeque::from([1, 2])",
];

/**
 * Items the values above use: a struct, an enum, a generator, an async function, and a struct
 * with the standard traits whose methods the runtime also keeps under keys of its own.
 */
const PRELUDE = "struct S { a } enum E { A } fn g() { yield 1; } async fn a() { 1 } " +
  "async fn st() { yield 1; } " +
  "struct It { n } impl Iterator for It { fn next(&mut self) { None } } " +
  "impl PartialEq for It { fn eq(&self, o) { true } } " +
  "impl Ord for It { fn cmp(&self, o) { std::cmp::Ordering::Equal } }";

const PROPS = [
  "constructor",
  "__proto__",
  "prototype",
  "call",
  "apply",
  "bind",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "__defineGetter__",
  "__lookupGetter__",
  "length",
  "name",
  "caller",
  "arguments",
  "then",
  "v",
  "t",
  "c",
  "nx",
  "$t",
  "$m",
  "buf",
  "head",
  "items",
];

Deno.test("no value exposes JavaScript properties as fields", () => {
  const before = realmSnapshot();
  for (const value of VALUES) {
    for (const prop of PROPS.filter((p) => /^[a-z_]\w*$/i.test(p))) {
      const code = `${PRELUDE} pub fn main() { let x = ${value}; x.${prop} }`;
      const vm = load(code);
      let result: unknown = "no error";
      try {
        result = vm.call("main", []);
      } catch (e) {
        ok(e instanceof RuneError, `${value}.${prop} threw ${e}`);
        strictEqual(e.code, "E_RUNTIME");
        continue;
      }
      // Only an Object may have such a field, and only as data it was given.
      ok(value === "#{a: 1}" && false, `${value}.${prop} returned ${String(result)}`);
    }
  }
  strictEqual(realmSnapshot(), before);
});

Deno.test("no value exposes JavaScript methods", () => {
  for (const value of VALUES) {
    for (
      const prop of [
        "constructor",
        "__proto__",
        "call",
        "apply",
        "bind",
        "toString",
        "valueOf",
        "hasOwnProperty",
        "__defineGetter__",
        "then",
      ]
    ) {
      const code = `${PRELUDE} pub fn main() { let x = ${value}; x.${prop}("return globalThis") }`;
      const vm = load(code);
      try {
        vm.call("main", []);
        throw new Error(`${value}.${prop}() did not fail`);
      } catch (e) {
        ok(e instanceof RuneError, `${value}.${prop}() threw a non-Rune error: ${e}`);
      }
    }
  }
});

Deno.test("indexing with JavaScript property names reaches data or fails", () => {
  for (const value of VALUES) {
    for (const key of ['"constructor"', '"__proto__"', '"length"', '"toString"', "0"]) {
      const code = `${PRELUDE} pub fn main() { let x = ${value}; x[${key}] }`;
      const vm = load(code);
      try {
        const out = vm.call("main", []);
        // Only real elements come back: vector/tuple/bytes element 0, or a string slice.
        ok(
          key === "0" &&
            ["[1, 2]", "(1, 2)", "std::collections::VecDeque::from([1, 2])"].includes(value),
          `${value}[${key}] returned ${String(out)}`,
        );
      } catch (e) {
        ok(e instanceof RuneError, `${value}[${key}] threw ${e}`);
      }
    }
  }
});

Deno.test("objects keep __proto__ and constructor as plain keys", () => {
  const out = run(`
    pub fn main() {
      let o = #{};
      o["__proto__"] = 1;
      o.constructor = 2;
      o["hasOwnProperty"] = 3;
      let keys = o.keys().collect::<Vec>();
      keys.sort();
      (keys, o["__proto__"] + o.constructor, #{}.get("constructor").is_none())
    }`);
  const t = out as { t: unknown[] };
  deepStrictEqual(t.t[0], ["__proto__", "constructor", "hasOwnProperty"]);
  strictEqual(t.t[1], 3);
  strictEqual(t.t[2], true);
  strictEqual(({} as Record<string, unknown>).constructor, Object);
});

Deno.test("struct fields and variants named like JavaScript internals are just data", () => {
  const out = run(`
    struct Evil { constructor, __proto__, prototype, toString }
    pub fn main() {
      let e = Evil { constructor: 1, __proto__: 2, prototype: 3, toString: 4 };
      e.__proto__ = 20;
      e.constructor + e.__proto__ + e.prototype + e.toString
    }`);
  strictEqual(out, 28);
});

Deno.test("strings that look like JavaScript stay strings", () => {
  // Rune string literals, written as Rune source.
  const nasty = [
    String.raw`"\"); globalThis.pwned = 1; (\""`,
    String.raw`"\`\${globalThis}\`"`,
    String.raw`"\u{2028}\u{2029} line separators"`,
    String.raw`"</script><!--"`,
    String.raw`"\\\" escape"`,
    '"${"',
    String.raw`r#"'); Deno.exit(1); ('"#`,
  ];
  const before = realmSnapshot();
  for (const literal of nasty) {
    const out = run(
      `pub fn main() { let s = ${literal}; let t = \`[\${s}]\`; format!("{}{}", t, s.len()) }`,
    );
    strictEqual(typeof out, "string");
    ok((out as string).startsWith("["));
  }
  strictEqual((globalThis as Record<string, unknown>).pwned, undefined);
  strictEqual(realmSnapshot(), before);
});

Deno.test("identifiers that collide with generated names are mangled apart", () => {
  const out = run(`
    fn F1_main() { 1 }
    pub fn main() {
      let v1_x = 2;
      let $x = 3;
      F1_main() + v1_x
    }`.replace("let $x = 3;", ""));
  strictEqual(out, 3);
  const { program } = compile("pub fn main() { let π = 3; let 名前 = π + 1; 名前 }");
  ok(program);
  strictEqual(new RuneVm(program).call("main", []), 4);
});

// --- static check of generated code ---------------------------------------------------------

const KEYWORDS = new Set([
  "use",
  "strict",
  "const",
  "let",
  "function",
  "return",
  "if",
  "else",
  "for",
  "break",
  "continue",
  "new",
  "typeof",
  "instanceof",
  "void",
  "throw",
  "true",
  "false",
  "class",
  "extends",
  "super",
  "this",
  "constructor",
  "null",
  "yield",
]);

/** Property names generated code may use after a `.`. */
const ALLOWED_PROPS = new Set([
  "v",
  "t",
  "f",
  "c",
  "b",
  "nx",
  "has",
  "get",
  "set",
  "size",
  "length",
  "methods",
  "$unit",
  "meter",
  "cb",
  "mem",
  "memLimit",
  "lib",
  "ufcs",
  "push",
]);

function checkGenerated(code: string, label: string): void {
  // Drop string literals (the compiler emits them with JSON.stringify) and the runtime binding
  // line, whose right-hand sides are `$rt.<helper>`.
  const stripped = code.replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/(?<![\w$])\d+(\.\d+)?(e[+-]?\d+)?n?/gi, "0");
  const lines = stripped.split("\n");
  for (const line of lines) {
    const isBinding = line.startsWith("const $add = $rt.add");
    for (const m of line.matchAll(/(\.|\[)?\s*([A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff]*)/g)) {
      const [, dot, id] = m;
      if (/^\d/.test(id)) continue;
      if (dot === ".") {
        if (isBinding && /^\w+$/.test(id)) continue;
        ok(ALLOWED_PROPS.has(id), `${label}: generated code reads property .${id}:\n${line}`);
        continue;
      }
      if (KEYWORDS.has(id)) continue;
      if (/^\$/.test(id)) continue;
      if (/^[vkFCSVTKL]\d+_/.test(id)) continue;
      if (/^(a\d+|o|v|n)$/.test(id)) continue;
      if (/^[LFC]\d+(\$make|\$init)?$/.test(id) || /^[FCK]\d+_\w*\$(make|init)$/.test(id)) continue;
      if (/^\d*n$/.test(id)) continue;
      throw new Error(`${label}: generated code names \`${id}\`:\n${line}`);
    }
  }
}

Deno.test("generated JavaScript names only compiler-made names and a fixed set of properties", () => {
  const dir = path.join(import.meta.dirname!, "conformance");
  let checked = 0;
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.endsWith(".rn")) continue;
    const { program } = compile(Deno.readTextFileSync(path.join(dir, e.name)), {
      file: e.name,
      loadModule,
    });
    ok(program);
    checkGenerated(program.code, e.name);
    checked++;
  }
  ok(checked > 5);
});

Deno.test("generators and futures expose only their Rune methods", () => {
  const before = realmSnapshot();
  for (const value of ["g()", "a()", "async { 1 }"]) {
    for (const m of ["throw", "then", "catch", "finally", "constructor", "apply"]) {
      const code = `${PRELUDE} pub fn main() { let x = ${value}; x.${m}(|v| v) }`;
      try {
        load(code).call("main", []);
        throw new Error(`${value}.${m}(f) did not fail`);
      } catch (e) {
        ok(e instanceof RuneError, `${value}.${m}(f) threw a non-Rune error: ${e}`);
      }
    }
  }
  // A yielded or awaited value is the program's own value, never a JavaScript iterator result.
  strictEqual(run(`${PRELUDE} pub fn main() { let x = g(); x.next().unwrap() }`), 1);
  strictEqual(run(`${PRELUDE} pub fn main() { a().await }`), 1);
  strictEqual(realmSnapshot(), before);
});
