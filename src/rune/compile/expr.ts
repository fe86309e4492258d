/**
 * Compiling expressions and statements to JavaScript. An expression compiles to a JavaScript
 * expression string; expressions that need statements (blocks, `if`, `match`, loops, `?`,
 * `break`, …) emit them first and yield a temporary.
 *
 * @module
 */
import type { Block, Expr, LitValue, Stmt } from "../ast.ts";
import type { Span } from "../source.ts";
import { call, method, pathValue, structLiteral } from "./calls.ts";
import { closure } from "./closure.ts";
import type { Compiler } from "./compiler.ts";
import {
  blockInto,
  breakExpr,
  continueExpr,
  forInto,
  ifInto,
  loopInto,
  matchInto,
  returnExpr,
  selectInto,
  whileInto,
} from "./control.ts";
import type { Line } from "./context.ts";
import { Mod } from "./items.ts";
import { macro } from "./macros.ts";
import { bindPattern } from "./pattern.ts";
import { resolveType } from "./types.ts";
import { fastIndex } from "./fast.ts";
import { assign, binary, unary } from "./operators.ts";

const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Kinds that compile to statements. */
const CONTROL = new Set(["block", "if", "match", "loop", "while", "for", "select"]);

/** JavaScript for an int literal (a number when safe, else a bigint), or null if out of range. */
export function intLiteral(v: bigint): string | null {
  if (v > I64_MAX || v < I64_MIN) return null;
  if (v <= SAFE && v >= -SAFE) return v < 0n ? `(${v})` : String(v);
  return `(${v}n)`;
}

/** Compile a literal. */
export function literal(c: Compiler, v: LitValue, span: Span): string {
  switch (v.t) {
    case "int": {
      const js = intLiteral(v.v);
      if (js === null) {
        c.error(
          span,
          `integer literal ${v.v} does not fit in an i64`,
          "ints range from -2^63 to 2^63-1",
        );
        return "0";
      }
      return js;
    }
    case "byte":
      return String(v.v);
    case "float": {
      const js = c.prog.constant(`new $Float(${floatLiteral(v.v)})`);
      c.prog.floatConstants.add(js);
      return js;
    }
    case "bool":
      return String(v.v);
    case "str":
      return JSON.stringify(v.v);
    case "char":
      return c.prog.constant(`$char(${v.v})`);
    case "bytes":
      return `new $Bytes(${JSON.stringify(v.v)})`;
  }
}

function floatLiteral(n: number): string {
  if (Number.isNaN(n)) return "(0/0)";
  if (n === Infinity) return "(1/0)";
  if (n === -Infinity) return "(-1/0)";
  return Object.is(n, -0) ? "-0" : String(n);
}

/** Compile an expression to a JavaScript expression. */
export function expr(c: Compiler, e: Expr): string {
  switch (e.kind) {
    case "lit":
      return literal(c, e.value, e.span);
    case "path":
      return pathValue(c, e.path);
    case "paren":
      return expr(c, e.expr);
    case "tuple":
      if (e.items.length === 0) return "$UNIT";
      return `$tuple([${c.list(e.items, (x) => expr(c, x)).join(", ")}])`;
    case "vec":
      return `$vec([${c.list(e.items, (x) => expr(c, x)).join(", ")}])`;
    case "object": {
      const seen = new Set<string>();
      for (const en of e.entries) {
        if (seen.has(en.key)) {
          c.error(en.keySpan, `the key \`${en.key}\` appears twice in this object`);
        }
        seen.add(en.key);
      }
      const values = c.list(e.entries, (en) =>
        en.value ? expr(c, en.value) : pathValue(c, {
          segments: [{ name: en.key, span: en.keySpan }],
          global: false,
          span: en.keySpan,
        }));
      const sets = e.entries.map((en, i) => `.set(${JSON.stringify(en.key)}, ${values[i]})`).join(
        "",
      );
      const bytes = e.entries.reduce((n, en) => n + 48 + en.key.length * 2, 32);
      return `$obj(new $Map()${sets}, ${bytes})`;
    }
    case "structlit":
      return structLiteral(c, e);
    case "template": {
      const parts = c.list(
        e.parts,
        (p) => (typeof p === "string" ? JSON.stringify(p) : `$display(${expr(c, p)})`),
      );
      if (parts.length === 0) return '""';
      return `$str(${parts.join(" + ")})`;
    }
    case "field": {
      const target = expr(c, e.target);
      return `${c.prog.getter(e.name.name)}(${target})`;
    }
    case "index": {
      const [t, i] = c.list([e.target, e.index], (x) => expr(c, x));
      return fastIndex(c, t, i);
    }
    case "call":
      return call(c, e);
    case "method":
      return method(c, e);
    case "unary":
      return unary(c, e);
    case "binary":
      return binary(c, e);
    case "is": {
      const x = expr(c, e.expr);
      const test = resolveType(c, e.type, x);
      return e.negated ? `!(${test})` : test;
    }
    case "as": {
      const x = expr(c, e.expr);
      const name = e.type.segments.map((s) => s.name).join("::");
      if (
        ![
          "i64",
          "f64",
          "u64",
          "u8",
          "u32",
          "i32",
          "usize",
          "isize",
          "f32",
          "int",
          "float",
          "char",
          "bool",
        ].includes(name)
      ) {
        c.error(
          e.type.span,
          `cannot cast with \`as\` to \`${name}\``,
          "use a method such as `to_string()` instead",
        );
        return x;
      }
      if (name === "f64") {
        // The common int → float conversion inline.
        const v = c.stable(x);
        return `(typeof ${v} === "number" ? new $Float(${v}) : $cast(${v}, "f64"))`;
      }
      return `$cast(${x}, ${JSON.stringify(name)})`;
    }
    case "assign":
      assign(c, e.op, e.target, e.value, e.span);
      return "$UNIT";
    case "range": {
      const kind = e.start && e.end
        ? (e.inclusive ? "inclusive" : "range")
        : e.start
        ? "from"
        : e.end
        ? (e.inclusive ? "toinclusive" : "to")
        : "full";
      const [s, t] = c.list([e.start, e.end], (x) => (x ? expr(c, x) : "$UNIT"));
      return `new $Range(${s}, ${t}, "${kind}")`;
    }
    case "closure":
      return closure(c, e);
    case "block":
    case "if":
    case "match":
    case "loop":
    case "while":
    case "for":
    case "select": {
      const simple = e.kind === "block" ? simpleBlock(c, e) : null;
      if (simple !== null) return simple;
      const t = c.fn.tmp();
      exprInto(c, e, t);
      return t;
    }
    case "break":
      breakExpr(c, e);
      return "$UNIT";
    case "continue":
      continueExpr(c, e);
      return "$UNIT";
    case "return":
      returnExpr(c, e.value, e.span);
      return "$UNIT";
    case "try": {
      const t = c.temp(expr(c, e.expr));
      const v = c.fn.tmp();
      c.emit(
        `if (${t} instanceof $Ok || ${t} instanceof $Some) ${v} = ${t}.v; else return $tryFail(${t});`,
      );
      return v;
    }
    case "macro":
      return macro(c, e);
    case "yield": {
      if (!c.fn.generator) {
        c.error(
          e.span,
          "`yield` is only allowed in the body of a `fn` item",
          "closures and async functions cannot be generators here",
        );
        return "$UNIT";
      }
      const v = e.value ? expr(c, e.value) : "$UNIT";
      const t = c.fn.tmp();
      c.emit(`${t} = yield ${v};`);
      return t;
    }
    case "await":
      return `$await(${expr(c, e.expr)})`;
    case "error":
      return "$UNIT";
  }
}

/** A block without statements is just its tail. */
function simpleBlock(c: Compiler, b: Block): string | null {
  if (b.label || b.isAsync || b.stmts.length > 0) return null;
  if (!b.tail) return "$UNIT";
  const [value, lines] = c.collect(() => c.withScope(() => expr(c, b.tail!)));
  if (lines.length > 0) {
    c.emitLines(lines);
  }
  return value;
}

/** Compile an expression whose value goes to `target` (null: discarded). */
export function exprInto(c: Compiler, e: Expr, target: string | null): void {
  switch (e.kind) {
    case "block":
      blockInto(c, e, target);
      return;
    case "if":
      ifInto(c, e, target);
      return;
    case "match":
      matchInto(c, e, target);
      return;
    case "loop":
      loopInto(c, e, target);
      return;
    case "while":
      whileInto(c, e, target);
      return;
    case "for":
      forInto(c, e, target);
      return;
    case "select":
      selectInto(c, e, target);
      return;
    case "paren":
      exprInto(c, e.expr, target);
      return;
    case "assign":
      assign(c, e.op, e.target, e.value, e.span);
      if (target) c.emit(`${target} = $UNIT;`);
      return;
  }
  const js = expr(c, e);
  if (target !== null) c.emit(`${target} = ${js};`);
  else if (!isPure(js)) c.emit(exprStatement(js));
}

/**
 * A JavaScript expression statement. One that would start with punctuation (`(a ? b : c)`) gets
 * `void` in front, so every statement line starts with a word and coverage can mark it.
 */
export function exprStatement(js: string): string {
  return /^[A-Za-z_$]/.test(js) ? `${js};` : `void ${js};`;
}

function isPure(js: string): boolean {
  return /^(\$t\d+|\$k\d+_c|\$UNIT|\$NONE|v\d+_\w*|k\d+_\w*|true|false|-?\d+(\.\d+)?n?|"(?:[^"\\]|\\.)*")$/
    .test(js);
}

/**
 * Compile block statements (the caller owns the scope). Without `into`, returns the tail's value;
 * with `into` (a temporary, or null to discard it), stores the tail there and returns `$UNIT`.
 */
export function blockBody(c: Compiler, b: Block, into?: string | null): string {
  const itemStmts = b.stmts.filter((s) => s.kind === "item");
  if (itemStmts.length > 0) {
    const mod = new Mod(c.scope.items, null);
    c.prog.items.declare(mod, itemStmts.map((s) => (s as Extract<Stmt, { kind: "item" }>).item));
    c.prog.items.checkImports();
    // Items are visible to the rest of this block (and, unlike variables, before their
    // declaration too).
    (c.scope as { items: Mod }).items = mod;
  }
  for (const s of b.stmts) stmt(c, s);
  if (into !== undefined) {
    if (b.tail) {
      c.pos = b.tail.span.start;
      exprInto(c, b.tail, into);
    } else if (into !== null) c.emit(`${into} = $UNIT;`);
    return "$UNIT";
  }
  if (!b.tail) return "$UNIT";
  c.pos = b.tail.span.start;
  return expr(c, b.tail);
}

/** Compile a statement. */
export function stmt(c: Compiler, s: Stmt): void {
  c.pos = s.span.start;
  switch (s.kind) {
    case "item":
      return;
    case "let": {
      if (!s.init) {
        if (s.pat.kind !== "bind") {
          c.error(s.pat.span, "a `let` without a value must bind a single name");
        }
        if (s.pat.kind === "bind") {
          const b = c.declare(s.pat.name.name);
          c.emit(`${b.js} = $UNIT;`);
        }
        return;
      }
      if (s.pat.kind === "bind" && !s.else && !c.scope.items.items.has(s.pat.name.name)) {
        const value = expr(c, s.init);
        const b = c.declare(s.pat.name.name);
        c.emit(`${b.js} = ${value};`);
        return;
      }
      const value = c.temp(expr(c, s.init));
      bindPattern(c, s.pat, value, s.else ?? null);
      return;
    }
    case "expr": {
      const e = s.expr;
      if (CONTROL.has(e.kind)) {
        exprInto(c, e, null);
        return;
      }
      exprInto(c, e, null);
      return;
    }
  }
}

/**
 * Compile a block to its lines and value, in a scope of its own. With `discard`, the value is
 * not needed: the tail is compiled as a statement and the value is `$UNIT`. `pos` is where the
 * value comes from (the tail), for the line that uses it; the current position is left as it
 * was, so what the caller emits next is credited to its own line, not the block's last one.
 */
export function blockParts(
  c: Compiler,
  b: Block,
  discard = false,
): { lines: Line[]; value: string; pos: number } {
  const saved = c.pos;
  try {
    const [value, lines] = c.collect(() =>
      c.withScope(() => (discard ? blockBody(c, b, null) : blockBody(c, b)))
    );
    return { lines, value, pos: c.pos };
  } finally {
    c.pos = saved;
  }
}
