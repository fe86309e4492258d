/**
 * Inline fast paths for the hottest operations: int arithmetic and comparisons, vector indexing
 * and bool conditions. Each tests the common case inline (a `typeof` or two and one machine
 * operation) and falls back to the runtime helper, which implements the full semantics (floats,
 * strings, bigints, overflow and type errors). Inlining matters most before the JIT has warmed
 * up, which is most of a short plugin run.
 *
 * @module
 */
import type { Compiler } from "./compiler.ts";

const MAX = "9007199254740991";

/** Expressions that may be read twice: temporaries, variables, constants, small literals. */
const SIMPLE = /^(\$t\d+|\$k\d+_c|v\d+_\w*|k\d+_\w*|-?\d+|\(-\d+\)|true|false)$/;

/** A non-negative or negative safe integer literal, as a number; null otherwise. */
function smallInt(js: string): number | null {
  const m = /^\(?(-?\d+)\)?$/.exec(js);
  if (!m) return null;
  const n = Number(m[1]);
  return Number.isSafeInteger(n) && Math.abs(n) < 2 ** 31 ? n : null;
}

/** The `typeof x === "number"` test, or nothing when `x` is known to be a number. */
function isNum(c: Compiler, x: string): string[] {
  return smallInt(x) !== null || c.numeric.has(x) ? [] : [`typeof ${x} === "number"`];
}

/** Is `x` certainly an int (a small literal or a known counter)? Then it is never a float. */
function knownInt(c: Compiler, x: string): boolean {
  return /^\(?-?\d+n?\)?$/.test(x) || c.numeric.has(x);
}

/** Is `x` a pooled float literal? */
function floatConst(c: Compiler, x: string): boolean {
  return c.prog.floatConstants.has(x);
}

/**
 * The inline float path: both operands floats → `f(a.v, b.v)`, else `otherwise`. Floats stay
 * boxed, but inline boxes that do not escape the expression are removed by V8's escape analysis.
 */
function floatPath(c: Compiler, a: string, b: string, value: string, otherwise: string): string {
  if (knownInt(c, a) || knownInt(c, b)) return otherwise;
  const tests = [a, b].filter((x) => !floatConst(c, x)).map((x) => `${x} instanceof $Float`);
  if (tests.length === 0) return value;
  return `${tests.join(" && ")} ? ${value} : ${otherwise}`;
}

/** Make both operands safe to read twice, keeping left-to-right evaluation. */
function operands(c: Compiler, a: string, b: string): [string, string] {
  if (SIMPLE.test(a) && SIMPLE.test(b)) return [a, b];
  return [c.stable(a), c.stable(b)];
}

/** `a + b`, `a - b`, `a * b` with an inline int fast path. */
export function fastArith(c: Compiler, op: "+" | "-" | "*", left: string, right: string): string {
  const helper = op === "+" ? "$add" : op === "-" ? "$sub" : "$mul";
  const [a, b] = operands(c, left, right);
  const t = c.fn.tmp();
  const k = smallInt(b);
  if (floatConst(c, a) || floatConst(c, b)) {
    // A float literal operand: the int path can never apply.
    return `(${floatPath(c, a, b, `new $Float(${a}.v ${op} ${b}.v)`, `${helper}(${a}, ${b})`)})`;
  }
  if (op !== "*" && k !== null) {
    // Adding a small constant can only leave the safe range on one side.
    const grows = (op === "+") === (k >= 0);
    const bound = grows ? `${t} <= ${MAX}` : `${t} >= -${MAX}`;
    const test = [...isNum(c, a), `(${t} = ${a} ${op} ${b}, ${bound})`].join(" && ");
    return `(${test} ? ${t} : ${helper}(${a}, ${b}))`;
  }
  const zero = op === "*" ? ` && ${t} !== 0` : "";
  const types = a === b ? isNum(c, a) : [...isNum(c, a), ...isNum(c, b)];
  const test = [...types, `(${t} = ${a} ${op} ${b}, ${t} <= ${MAX} && ${t} >= -${MAX}${zero})`]
    .join(" && ");
  const slow = floatPath(c, a, b, `new $Float(${a}.v ${op} ${b}.v)`, `${helper}(${a}, ${b})`);
  return `(${test} ? ${t} : ${slow})`;
}

/**
 * `a / b` and `a % b` with inline int and float paths. Safe ints divide exactly in doubles; the
 * runtime handles zero divisors, bigints and type errors. `+ 0` turns `-0` into `0`.
 */
export function fastDiv(c: Compiler, op: "/" | "%", left: string, right: string): string {
  const [a, b] = operands(c, left, right);
  const helper = op === "/" ? "$div" : "$rem";
  const slow = floatPath(c, a, b, `new $Float(${a}.v ${op} ${b}.v)`, `${helper}(${a}, ${b})`);
  if (floatConst(c, a) || floatConst(c, b)) return `(${slow})`;
  const k = smallInt(b);
  const tests = a === b ? isNum(c, a) : [...isNum(c, a), ...isNum(c, b)];
  if (k === null) tests.push(`${b} !== 0`);
  else if (k === 0) return `${helper}(${a}, ${b})`;
  const value = op === "%" ? `${a} % ${b} + 0` : `(${a} - ${a} % ${b}) / ${b} + 0`;
  if (tests.length === 0) return `(${value})`;
  return `(${tests.join(" && ")} ? ${value} : ${slow})`;
}

/** `-x` with an inline float path. */
export function fastNeg(c: Compiler, operand: string): string {
  if (knownInt(c, operand)) return `$neg(${operand})`;
  const x = SIMPLE.test(operand) ? operand : c.stable(operand);
  return `(${x} instanceof $Float ? new $Float(-${x}.v) : $neg(${x}))`;
}

/** `a < b` and friends, `==`, `!=`, with an inline int fast path. */
export function fastCompare(c: Compiler, op: string, left: string, right: string): string {
  const helper = {
    "<": "$lt",
    "<=": "$le",
    ">": "$gt",
    ">=": "$ge",
    "==": "$eq",
    "!=": "$ne",
  }[op]!;
  const [a, b] = operands(c, left, right);
  const jsOp = op === "==" ? "===" : op === "!=" ? "!==" : op;
  const types = a === b ? isNum(c, a) : [...isNum(c, a), ...isNum(c, b)];
  if (types.length === 0) return `(${a} ${jsOp} ${b})`;
  const slow = floatPath(c, a, b, `${a}.v ${jsOp} ${b}.v`, `${helper}(${a}, ${b})`);
  if (floatConst(c, a) || floatConst(c, b)) return `(${slow})`;
  return `(${types.join(" && ")} ? ${a} ${jsOp} ${b} : ${slow})`;
}

/** `v[i]` with an inline fast path for vectors. */
export function fastIndex(c: Compiler, target: string, index: string): string {
  const [v, i] = operands(c, target, index);
  const t = c.fn.tmp();
  const test = ["$isVec(" + v + ")", ...isNum(c, i), `(${t} = ${v}[${i}]) !== void 0`].join(" && ");
  return `(${test} ? ${t} : $idx(${v}, ${i}))`;
}

/** `v[i] = x;` with an inline fast path for vectors (a statement). */
export function fastSetIndex(c: Compiler, target: string, index: string, value: string): string {
  const [v, i] = operands(c, target, index);
  const test = ["$isVec(" + v + ")", ...isNum(c, i), `${i} >= 0`, `${i} < ${v}.length`].join(
    " && ",
  );
  return `if (${test}) ${v}[${i}] = ${value}; else $setidx(${v}, ${i}, ${value});`;
}

/** A condition that must be a bool. */
export function fastTruth(c: Compiler, js: string): string {
  const v = SIMPLE.test(js) ? js : c.stable(js);
  return `(${v} === true || (${v} !== false && $truth(${v})))`;
}
