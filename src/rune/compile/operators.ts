/**
 * Operators: unary and binary operators (with the inline fast paths of fast.ts), bool
 * conditions, and assignments, including compound assignment to variables, fields and elements.
 *
 * @module
 */
import type { AssignOp, Expr } from "../ast.ts";
import type { Span } from "../source.ts";
import type { Compiler } from "./compiler.ts";
import { methodCall } from "./calls.ts";
import { expr } from "./expr.ts";
import { branch } from "./probe.ts";
import {
  fastArith,
  fastCompare,
  fastDiv,
  fastIndex,
  fastNeg,
  fastSetIndex,
  fastTruth,
} from "./fast.ts";

const BINARY_HELPERS: Record<string, string> = {
  "+": "$add",
  "-": "$sub",
  "*": "$mul",
  "/": "$div",
  "%": "$rem",
  "<<": "$shl",
  ">>": "$shr",
  "&": "$band",
  "|": "$bor",
  "^": "$bxor",
  "==": "$eq",
  "!=": "$ne",
  "<": "$lt",
  "<=": "$le",
  ">": "$gt",
  ">=": "$ge",
};

/** Compile a condition to a JavaScript boolean expression. */
export function cond(c: Compiler, e: Expr): string {
  if (e.kind === "paren") return cond(c, e.expr);
  // A condition must be a bool, so `!x` there is logical negation (an int fails the check).
  if (e.kind === "unary" && e.op === "!") return `!${cond(c, e.operand)}`;
  const js = expr(c, e);
  return isBoolean(e) ? js : fastTruth(c, js);
}

/** Does an expression certainly produce a bool? */
export function isBoolean(e: Expr): boolean {
  switch (e.kind) {
    case "lit":
      return e.value.t === "bool";
    case "binary":
      return ["==", "!=", "<", "<=", ">", ">=", "&&", "||"].includes(e.op);
    case "unary":
      return e.op === "!" && isBoolean(e.operand);
    case "is":
      return true;
    case "paren":
      return isBoolean(e.expr);
    case "macro":
      return e.name.name === "matches";
    default:
      return false;
  }
}

export function unary(c: Compiler, e: Extract<Expr, { kind: "unary" }>): string {
  const x = expr(c, e.operand);
  switch (e.op) {
    case "-":
      return fastNeg(c, x);
    case "!":
      return isBoolean(e.operand) ? `!(${x})` : `$not(${x})`;
    case "*":
    case "&":
      return x;
  }
}

export function binary(c: Compiler, e: Extract<Expr, { kind: "binary" }>): string {
  if (e.op === "&&" || e.op === "||") {
    const left = cond(c, e.left);
    const [js, lines] = c.collect(() => cond(c, e.right));
    const right = branch(js, e.right.span.start);
    if (lines.length === 0) return `(${left} ${e.op} ${right})`;
    const t = c.fn.tmp();
    c.emit(`${t} = ${left};`);
    c.emitBlock(`if (${e.op === "&&" ? "" : "!"}${t}) {`, [...lines, {
      code: `${t} = ${right};`,
      pos: c.pos,
    }]);
    return t;
  }
  const tree = floatTree(c, e);
  if (tree !== null) return tree;
  const [a, b] = c.list([e.left, e.right], (x) => expr(c, x));
  return binaryJs(c, e.op, a, b);
}

/** A float expression tree: arithmetic over variables, fields of variables and literals. */
type FloatNode =
  | { k: "leaf"; e: Expr }
  | { k: "bin"; op: "+" | "-" | "*" | "/"; l: FloatNode; r: FloatNode }
  | { k: "neg"; x: FloatNode }
  | { k: "sqrt"; x: FloatNode };

function floatShape(e: Expr, ops: { n: number }): FloatNode | null {
  switch (e.kind) {
    case "paren":
      return floatShape(e.expr, ops);
    case "binary": {
      if (e.op !== "+" && e.op !== "-" && e.op !== "*" && e.op !== "/") return null;
      const l = floatShape(e.left, ops);
      const r = l && floatShape(e.right, ops);
      if (!l || !r) return null;
      ops.n++;
      return { k: "bin", op: e.op, l, r };
    }
    case "unary": {
      if (e.op !== "-") return null;
      const x = floatShape(e.operand, ops);
      if (!x) return null;
      ops.n++;
      return { k: "neg", x };
    }
    case "method": {
      if (e.name.name !== "sqrt" || e.args.length !== 0 || e.generics) return null;
      const x = floatShape(e.receiver, ops);
      if (!x) return null;
      ops.n++;
      return { k: "sqrt", x };
    }
    case "lit":
      return e.value.t === "float" ? { k: "leaf", e } : null;
    case "path":
      return e.path.segments.length === 1 && !e.path.global ? { k: "leaf", e } : null;
    case "field": {
      let t = e.target;
      while (t.kind === "paren") t = t.expr;
      if (t.kind === "path" && t.path.segments.length === 1 && !t.path.global) {
        return { k: "leaf", e };
      }
      return null;
    }
    default:
      return null;
  }
}

/**
 * An arithmetic tree of two or more operations over variables, fields and float literals
 * (`dx * dx + dy * dy + dz * dz`) gets a whole-tree float path: when every leaf is a float, the
 * tree is computed on raw numbers and boxed once; otherwise it runs operation by operation as
 * usual, on the same leaf values.
 */
function floatTree(c: Compiler, e: Expr): string | null {
  const ops = { n: 0 };
  const shape = floatShape(e, ops);
  if (!shape || ops.n < 2) return null;
  const leaves: Expr[] = [];
  const collectLeaves = (n: FloatNode) => {
    if (n.k === "leaf") leaves.push(n.e);
    else if (n.k === "bin") {
      collectLeaves(n.l);
      collectLeaves(n.r);
    } else collectLeaves(n.x);
  };
  collectLeaves(shape);
  // An int literal or a name that is not a local variable makes it something else.
  for (const l of leaves) {
    if (l.kind === "path" && c.scope.lookup(l.path.segments[0].name) === null) return null;
    if (l.kind === "field") {
      let t = l.target;
      while (t.kind === "paren") t = t.expr;
      if (t.kind === "path" && c.scope.lookup(t.path.segments[0].name) === null) return null;
    }
  }
  const values = new Map<Expr, string>();
  for (const l of leaves) {
    if (values.has(l)) continue;
    const js = expr(c, l);
    values.set(l, l.kind === "field" ? c.stable(js) : js);
  }
  const isConst = (js: string) => c.prog.floatConstants.has(js);
  const raw = (n: FloatNode): string => {
    switch (n.k) {
      case "leaf":
        return `${values.get(n.e)}.v`;
      case "bin":
        return `(${raw(n.l)} ${n.op} ${raw(n.r)})`;
      case "neg":
        return `(-${raw(n.x)})`;
      case "sqrt":
        return `$fsqrt(${raw(n.x)})`;
    }
  };
  const generic = (n: FloatNode): string => {
    switch (n.k) {
      case "leaf":
        return values.get(n.e)!;
      case "bin":
        return binaryJs(c, n.op, c.stable(generic(n.l)), c.stable(generic(n.r)));
      case "neg":
        return fastNeg(c, c.stable(generic(n.x)));
      case "sqrt":
        return methodCall(c, "sqrt", c.stable(generic(n.x)), []);
    }
  };
  const tests = [...new Set(values.values())].filter((v) => !isConst(v)).map((v) =>
    `${v} instanceof $Float`
  );
  const t = c.fn.tmp();
  const [value, lines] = c.collect(() => generic(shape));
  c.emitBlock(
    `if (${tests.length > 0 ? tests.join(" && ") : "true"}) {`,
    [{ code: `${t} = new $Float(${raw(shape)});`, pos: c.pos }],
    "} else {",
  );
  for (const l of [...lines, { code: `${t} = ${value};`, pos: c.pos }]) {
    c.fn.lines.push({ code: "  " + l.code, pos: l.pos });
  }
  c.emit("}");
  return t;
}

/** A binary operator on two compiled operands, inline fast path where there is one. */
function binaryJs(c: Compiler, op: string, a: string, b: string): string {
  if (op === "+" || op === "-" || op === "*") return fastArith(c, op, a, b);
  if (["<", "<=", ">", ">=", "==", "!="].includes(op)) return fastCompare(c, op, a, b);
  if (op === "/" || op === "%") return fastDiv(c, op, a, b);
  return `${BINARY_HELPERS[op]}(${a}, ${b})`;
}

/** Compile an assignment (`=` and the compound operators). */
export function assign(c: Compiler, op: AssignOp, target: Expr, value: Expr, span: Span): void {
  if (op === "+=" || op === "-=" || op === "*=" || op === "/=") {
    // `p.vx -= dx * bm`: the whole `p.vx - dx * bm` may be a float tree.
    const whole: Expr = {
      kind: "binary",
      op: op.slice(0, -1) as "+",
      left: target,
      right: value,
      span,
    };
    const t = floatTree(c, whole);
    if (t !== null) {
      assignWith(c, "=", target, () => t, span);
      return;
    }
  }
  let literal: Expr = value;
  while (literal.kind === "paren") literal = literal.expr;
  assignWith(
    c,
    op,
    target,
    () => expr(c, value),
    span,
    literal.kind === "tuple" || literal.kind === "vec" ? literal : undefined,
  );
}

/** Assign the value `rhs` compiles (called once, before the place is evaluated) to `target`. */
function assignWith(
  c: Compiler,
  op: AssignOp,
  target: Expr,
  rhs: () => string,
  span: Span,
  literal?: Extract<Expr, { kind: "tuple" | "vec" }>,
): void {
  const bin = op === "=" ? null : op.slice(0, -1);
  const combine = (current: string, v: string) => (bin === null ? v : binaryJs(c, bin, current, v));
  let t = target;
  while (t.kind === "paren" || (t.kind === "unary" && t.op === "*")) {
    t = t.kind === "paren" ? t.expr : t.operand;
  }
  // As in Rust, the value is evaluated before the place it is assigned to.
  switch (t.kind) {
    case "path": {
      const segs = t.path.segments;
      const v = segs.length === 1 && !t.path.global ? c.variable(segs[0].name) : null;
      if (!v) {
        c.error(
          t.span,
          `cannot assign to \`${segs.map((s) => s.name).join("::")}\``,
          "only variables, fields and elements can be assigned",
        );
        return;
      }
      v.binding.assigned = true;
      const cap = c.fn.captures.get(v.binding);
      if (cap) cap.assigned = true;
      c.emit(`${v.js} = ${combine(v.js, rhs())};`);
      return;
    }
    case "field": {
      const v = c.stable(rhs());
      const obj = c.stable(expr(c, t.target));
      const name = t.name.name;
      const current = bin === null ? "" : `${c.prog.getter(name)}(${obj})`;
      c.emit(`${c.prog.setter(name)}(${obj}, ${combine(current, v)});`);
      return;
    }
    case "index": {
      const v = c.stable(rhs());
      const [obj, idx] = c.list([t.target, t.index], (x) => expr(c, x)).map((x) => c.stable(x));
      const next = bin === null ? v : c.stable(combine(fastIndex(c, obj, idx), v));
      c.emit(fastSetIndex(c, obj, idx, next));
      return;
    }
    case "tuple":
    case "vec": {
      // Destructuring assignment: `(a, b) = (b, a);`, `[x, y] = v;`. The whole value is taken
      // apart before any place is assigned, so swaps work.
      if (bin !== null) {
        c.error(span, `\`${op}\` cannot destructure; use \`=\``);
        return;
      }
      const n = t.items.length;
      const isTuple = t.kind === "tuple";
      if (literal && literal.kind === t.kind && literal.items.length === n) {
        // `(a, b) = (b, a)`: no tuple is built; the values go to temporaries first.
        const parts = c.list(literal.items, (x) => expr(c, x)).map((x) => {
          const p = c.fn.tmp();
          c.emit(`${p} = ${x};`);
          return p;
        });
        t.items.forEach((item, i) => {
          if (!isWildcard(item)) assignWith(c, "=", item, () => parts[i], item.span);
        });
        return;
      }
      const v = c.temp(rhs());
      const shape = isTuple
        ? `${v} instanceof $Tuple && ${v}.t.length === ${n}`
        : `$isVec(${v}) && ${v}.length === ${n}`;
      c.emit(`if (!(${shape})) throw $patFail(${v});`);
      const parts = t.items.map((_, i) => {
        const p = c.fn.tmp();
        c.emit(`${p} = ${v}${isTuple ? ".t" : ""}[${i}];`);
        return p;
      });
      t.items.forEach((item, i) => {
        if (isWildcard(item)) return;
        assignWith(c, "=", item, () => parts[i], item.span);
      });
      return;
    }
    default:
      c.error(
        span,
        "this expression cannot be assigned to",
        "assign to a variable, a field or an element",
      );
  }
}

/** `_` on the left of a destructuring assignment. */
function isWildcard(e: Expr): boolean {
  return e.kind === "path" && e.path.segments.length === 1 && e.path.segments[0].name === "_";
}
