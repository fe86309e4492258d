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
  return `(${test} ? ${t} : ${helper}(${a}, ${b}))`;
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
  return `(${types.join(" && ")} ? ${a} ${jsOp} ${b} : ${helper}(${a}, ${b}))`;
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
