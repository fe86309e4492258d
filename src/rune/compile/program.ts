/**
 * Compiling a whole file: declare its items, compile every function, closure and constant, and
 * assemble one JavaScript module body with a line table mapping generated lines back to Rune
 * source offsets (for stack traces). The result is plain data, so it can be cached by source
 * hash and loaded later without recompiling.
 *
 * @module
 */
import type { File } from "../ast.ts";
import type { Source } from "../source.ts";
import { Compiler } from "./compiler.ts";
import { FnCtx, type Line, Program, Scope } from "./context.ts";
import { DISPLAY_IMPL } from "../runtime/format.ts";
import { CMP_IMPL, EQ_IMPL, ITER_IMPL } from "../runtime/traits.ts";
import { blockBody } from "./expr.ts";
import { emitFunction, type FunctionCode } from "./function.ts";
import { type Probes, takeProbes } from "./probe.ts";
import {
  type ConstDef,
  type FnDef,
  type HostFunctionSpec,
  ItemTable,
  type ShapeDef,
} from "./items.ts";

/** A function a host can call. */
export interface ExportInfo {
  /** Rune path (`main`, `tests::adds`). */
  name: string;
  /** Number of parameters. */
  arity: number;
  /** Marked `#[test]`. */
  test: boolean;
  /** Marked `#[bench]`. */
  bench: boolean;
  /** Declared `pub`. */
  isPub: boolean;
  /**
   * `#[should_panic]` (or `#[test(should_panic)]`): the test passes only if it fails; a string
   * is the text the error message must contain (`#[should_panic(expected = "…")]`).
   */
  shouldPanic?: true | string;
  /** 1-based line of the declaration. */
  line: number;
}

/** A compiled program: JavaScript module body plus what is needed to run and trace it. */
export interface CompiledProgram {
  /** Source file name. */
  file: string;
  /** The module body; called with the runtime, it returns the exported functions in order. */
  code: string;
  /** Exported functions, in the order the module returns them. */
  exports: ExportInfo[];
  /** For each generated line (0-based), the Rune line it came from (0: none). */
  lines: number[];
  /** For each generated line, the Rune column. */
  columns: number[];
  /** Generated function name → Rune function name. */
  fnNames: Record<string, string>;
  /** Host functions the program calls (each must be provided when it is loaded). */
  host: string[];
  /** With module files: the file names, and for each generated line the index of its file. */
  files?: { names: string[]; lines: number[] };
  /** What line coverage needs beyond `lines`, when the program has value-only branches. */
  probes?: Probes;
}

/** Names the runtime object provides, bound as `$name` at the top of every module. */
export const RUNTIME_NAMES = [
  "add",
  "sub",
  "mul",
  "div",
  "rem",
  "neg",
  "not",
  "band",
  "bor",
  "bxor",
  "shl",
  "shr",
  "eq",
  "ne",
  "lt",
  "le",
  "gt",
  "ge",
  "truth",
  "idx",
  "setidx",
  "getField",
  "charge",
  "setField",
  "ic0",
  "ic1",
  "ic2",
  "icN",
  "site",
  "tableOf",
  "miss",
  "call0",
  "call1",
  "call2",
  "callN",
  "tuple",
  "vec",
  "obj",
  "str",
  "display",
  "debug",
  "debugPretty",
  "formatter",
  "cat",
  "out",
  "eout",
  "panicNow",
  "assertEq",
  "assertNe",
  "cast",
  "isType",
  "isEnum",
  "isChar",
  "isFloat",
  "isVec",
  "iter",
  "intRange",
  "tryFail",
  "patFail",
  "structBase",
  "fail",
  "supd",
  "stake",
  "named",
  "char",
  "Float",
  "Bytes",
  "Tuple",
  "Map",
  "Range",
  "Some",
  "Ok",
  "Err",
  "NONE",
  "UNIT",
  "END",
  "StructValue",
  "Char",
  "tick",
  "tickSlice",
  "mkType",
  "bindType",
  "Gen",
  "Stream",
  "Future",
  "await",
  "select",
  "Yielded",
  "Complete",
  "fsqrt",
  "fabs",
  "ext",
  "traits",
  "fwrite",
] as const;

/** Compile a parsed file. Diagnostics (errors and warnings) are in `prog.diagnostics`. */
export function compileFile(
  source: Source,
  file: File,
  options: {
    host?: readonly HostFunctionSpec[];
    suggest?: (name: string, candidates: readonly string[]) => string[];
  } = {},
): { program: CompiledProgram | null; prog: Program } {
  const prog = new Program(source);
  const items = new ItemTable(prog.names, prog, options.host ?? [], options.suggest);
  prog.items = items;
  items.declare(items.root, file.items);
  items.checkImports();

  const functions: FunctionCode[] = [];
  for (let i = 0; i < items.fns.length; i++) functions.push(...compileFn(prog, items.fns[i]));
  const consts = items.consts.length > 0 ? compileConsts(prog, items.consts) : [];
  if (prog.diagnostics.some((d) => d.severity === "error")) return { program: null, prog };

  const out: Line[] = [];
  const emit = (code: string, pos = -1) => out.push({ code, pos });
  emit('"use strict";');
  emit(`const ${RUNTIME_NAMES.map((n) => `$${n} = $rt.${n}`).join(", ")};`);
  // `$B`: the steps left in this program's slice of the budget, a variable of the module so that
  // counting a step is cheap even before V8 optimises (see tickSlice in runtime/meter.ts).
  emit("const $m = $rt.meter; let $B = $m.cb;");
  for (const [key, js] of prog.lib) emit(`const ${js} = $rt.lib.get(${JSON.stringify(key)});`);
  for (const [key, js] of prog.host) emit(`const ${js} = $host.get(${JSON.stringify(key)});`);
  for (const [key, js] of prog.ufcs) {
    const at = key.lastIndexOf("::");
    emit(
      `const ${js} = $rt.ufcs(${JSON.stringify(key.slice(0, at))}, ${
        JSON.stringify(key.slice(at + 2))
      });`,
    );
  }
  for (const e of items.enums) {
    emit(
      `const ${e.info} = $mkType(${JSON.stringify(e.name)}, ${JSON.stringify(e.path)}, "enum", ${
        JSON.stringify([...e.variants.keys()])
      }, "unit", null);`,
      e.item.span.start,
    );
    for (const v of e.variants.values()) {
      emitShape(emit, v, JSON.stringify(`${e.path}::${v.name.split("::")[1]}`), e.info);
    }
  }
  for (const s of items.structs) emitShape(emit, s, JSON.stringify(s.path), "null");
  for (const [field, js] of prog.getters) {
    const k = JSON.stringify("f_" + field);
    emit(
      `function ${js}(o) { const v = o[${k}]; return v !== void 0 ? v : $getField(o, ${
        JSON.stringify(field)
      }); }`,
    );
  }
  for (const [field, js] of prog.setters) {
    const k = JSON.stringify("f_" + field);
    emit(
      `function ${js}(o, v) { if (o[${k}] !== void 0) o[${k}] = v; else $setField(o, ${
        JSON.stringify(field)
      }, v); }`,
    );
  }
  for (const f of functions) {
    emitCode(out, `function${f.star ? "*" : ""} ${f.name}(${f.params.join(", ")}) {`, f);
  }
  for (const cl of prog.closures) {
    out.push({ code: `function ${cl.name}$make(${cl.params.join(", ")}) {`, pos: cl.fn.pos });
    const inner: FunctionCode = {
      ...cl.fn,
      lines: [
        ...cl.copies.map((code) => ({ code: `let ${code}`, pos: cl.fn.pos })),
        ...cl.fn.lines,
      ],
    };
    emitCode(out, `  return function ${cl.name}(${cl.fn.params.join(", ")}) {`, inner, "  ");
    out.push({ code: "}", pos: cl.fn.pos });
  }
  for (const t of [...items.structs, ...items.enums]) {
    for (const [name, f] of t.fns) {
      if (f.item.hasSelf) emit(`${t.info}.methods[${JSON.stringify(name)}] = ${f.js};`);
    }
    // `impl Display` gives the type `to_string()`, unless it defines its own.
    if (t.fns.has(DISPLAY_IMPL) && !t.fns.has("to_string")) {
      emit(`${t.info}.methods["to_string"] = $display;`);
    }
    if (t.fns.has(ITER_IMPL) || t.fns.has(CMP_IMPL) || t.fns.has(EQ_IMPL)) {
      emit(`$traits(${t.info});`);
    }
  }
  for (const f of items.fns) emit(`$named(${JSON.stringify(f.path)}, ${f.js});`);
  const entries: string[] = [];
  for (const t of items.builtinImpls.values()) {
    for (const [name, f] of t.fns) {
      if (f.item.hasSelf) {
        entries.push(`[${JSON.stringify(t.name)}, ${JSON.stringify(name)}, ${f.js}]`);
      }
    }
  }
  emit(`const $xt = $ext([${entries.join(", ")}]);`);
  for (const [, c] of prog.pool) emit(`const ${c.js} = ${c.code};`);
  if (consts.length > 0) {
    emit(`let ${consts.map((c) => c.def.js).join(", ")};`);
    for (const c of consts) {
      emitCode(out, `${c.def.js} = (function ${c.def.js}$init() {`, c.code, "", "})();");
    }
  }
  const exported = items.fns.filter((f) => !f.owner && !f.mod.isBlock);
  // The exported functions, then the VM's access to `$B` (read it, or set it and read it).
  emit(
    `return [${
      [...exported.map((f) => f.js), "(v) => (v === void 0 ? $B : ($B = v))"].join(", ")
    }];`,
  );

  const fnNames: Record<string, string> = {};
  for (const f of items.fns) fnNames[f.js] = f.path;
  for (const [js, name] of prog.fnNames) fnNames[js] = name;
  for (const c of items.consts) fnNames[`${c.js}$init`] = c.path;
  const lines = out.map((l) => (l.pos < 0 ? 0 : source.position(l.pos).line));
  const code = takeProbes(
    out.map((l, i) => ({ code: l.code, line: lines[i] })),
    (pos) => source.position(pos).line,
  );
  return {
    prog,
    program: {
      file: source.name,
      code: code.lines.join("\n"),
      lines,
      columns: out.map((l) => (l.pos < 0 ? 0 : source.position(l.pos).column)),
      fnNames,
      host: [...prog.host.keys()],
      ...(source.parts.length > 1
        ? {
          files: {
            names: source.parts.map((p) => p.name),
            lines: out.map((l) => (l.pos < 0 ? 0 : source.partIndex(l.pos))),
          },
        }
        : {}),
      ...(code.probes ? { probes: code.probes } : {}),
      exports: exported.map((f) => ({
        name: f.path,
        arity: f.arity,
        test: f.item.attrs.some((a) => a.name === "test"),
        bench: f.item.attrs.some((a) => a.name === "bench"),
        isPub: f.item.isPub,
        line: source.position(f.item.span.start).line,
        ...shouldPanic(f.item.attrs),
      })),
    },
  };
}

/** What `Self` means in a function or constant of an impl. */
function selfOf(def: FnDef | ConstDef): FnCtx["selfType"] {
  if (def.owner) return def.owner;
  if (def.builtinOwner) return { kind: "builtinSelf", name: def.builtinOwner };
  return null;
}

function shouldPanic(attrs: FnDef["item"]["attrs"]): { shouldPanic?: true | string } {
  for (const a of attrs) {
    const inTest = a.name === "test" && a.args !== undefined && /\bshould_panic\b/.test(a.args);
    if (a.name !== "should_panic" && !inTest) continue;
    return { shouldPanic: a.text ?? true };
  }
  return {};
}

function emitShape(
  emit: (code: string, pos?: number) => void,
  s: ShapeDef,
  path: string,
  enumInfo: string,
): void {
  emit(
    `const ${s.info} = $mkType(${JSON.stringify(s.name)}, ${path}, ${
      enumInfo === "null" ? '"struct"' : '"variant"'
    }, ${JSON.stringify(s.fields)}, ${JSON.stringify(s.shape)}, ${enumInfo});`,
    s.span.start,
  );
  const params = s.fields.map((_, i) => `a${i}`);
  const sets = s.fields.map((f, i) => `this[${JSON.stringify("f_" + f)}] = a${i};`).join(" ");
  emit(
    `class ${s.cls} extends $StructValue { constructor(${
      params.join(", ")
    }) { super(); ${sets} } }`,
    s.span.start,
  );
  emit(`$bindType(${s.cls}, ${s.info});`, s.span.start);
}

function emitCode(out: Line[], head: string, f: FunctionCode, indent = "", tail = "}"): void {
  out.push({ code: indent + head, pos: f.pos });
  for (const l of f.lines) out.push({ code: `${indent}  ${l.code}`, pos: l.pos });
  out.push({ code: indent + tail, pos: f.pos });
}

/**
 * Compile one `fn` item. A generator function becomes a JavaScript generator function (`F$gen`)
 * behind a wrapper that returns a Rune `Generator` (a `Stream` for an `async fn` that yields); an
 * `async fn` becomes a plain function (`F$body`) behind a wrapper that returns a `Future` of it.
 */
function compileFn(prog: Program, def: FnDef): FunctionCode[] {
  const item = def.item;
  const fn = new FnCtx(null, def.path, selfOf(def), prog.names);
  const c = new Compiler(prog, fn, new Scope(null, fn, def.mod));
  c.pos = item.span.start;
  // An `async fn` that yields is a stream: a generator whose `next()` gives futures.
  fn.generator = item.isGenerator;
  const stream = item.isGenerator && item.isAsync;
  const suffix = fn.generator ? "$gen" : item.isAsync ? "$body" : "";
  const code = emitFunction(c, {
    jsName: def.js + suffix,
    params: item.params,
    selfParam: item.hasSelf,
    body: () => c.withScope(() => blockBody(c, item.body)),
    pos: item.span.start,
  });
  if (suffix === "") return [code];
  code.star = fn.generator;
  const args = code.params.join(", ");
  const make = stream
    ? `new $Stream(${code.name}(${args}))`
    : fn.generator
    ? `new $Gen(${code.name}(${args}))`
    : `new $Future(${code.name}, [${args}])`;
  const wrapper: FunctionCode = {
    name: def.js,
    params: code.params,
    lines: [{ code: `return ${make};`, pos: item.span.start }],
    pos: item.span.start,
  };
  return [wrapper, code];
}

function compileConsts(prog: Program, defs: ConstDef[]): { def: ConstDef; code: FunctionCode }[] {
  const compiled = defs.map((def) => {
    const fn = new FnCtx(null, def.path, selfOf(def), prog.names);
    const c = new Compiler(prog, fn, new Scope(null, fn, def.mod));
    c.pos = def.item.span.start;
    const code = emitFunction(c, {
      jsName: `${def.js}$init`,
      params: [],
      selfParam: false,
      body: () => expr0(c, def),
      pos: def.item.span.start,
    });
    return { def, code };
  });
  // Initialise constants after the constants they use.
  const byJs = new Map(compiled.map((c) => [c.def.js, c]));
  const order: typeof compiled = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (c: (typeof compiled)[number]) => {
    const s = state.get(c.def.js);
    if (s === "done") return;
    if (s === "visiting") {
      prog.error(c.def.item.name.span, `the constant \`${c.def.path}\` depends on itself`);
      return;
    }
    state.set(c.def.js, "visiting");
    const text = c.code.lines.map((l) => l.code).join("\n");
    for (const m of text.matchAll(/\bK\d+_\w+/g)) {
      const dep = byJs.get(m[0]);
      if (dep && dep !== c) visit(dep);
    }
    state.set(c.def.js, "done");
    order.push(c);
  };
  for (const c of compiled) visit(c);
  return order;
}

function expr0(c: Compiler, def: ConstDef): string {
  return blockBody(c, {
    kind: "block",
    stmts: [],
    tail: def.item.value,
    span: def.item.value.span,
  });
}
