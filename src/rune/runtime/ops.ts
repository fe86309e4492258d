/**
 * Operators with Rune's semantics: `int` is i64 and never mixes with `float`; integer overflow,
 * division by zero and bad shifts are errors; comparisons and equality are structural where Rune
 * defines them.
 *
 * Ints are JavaScript numbers while they are safe integers, so the fast path of every operator
 * is a `typeof` check and one machine operation; results that leave the safe range are redone
 * with BigInt and kept as a `bigint` only while they are outside it (the representation is
 * canonical, so `===` is int equality).
 *
 * @module
 */
import { typeError } from "./errors.ts";
import { chargeText } from "./meter.ts";
import {
  Bytes,
  Char,
  Err,
  Float,
  HashMapValue,
  HashSetValue,
  NONE,
  Ok,
  Range,
  Some,
  StructValue,
  Tuple,
  UNIT,
  type Value,
  VecDequeValue,
} from "./values.ts";
import { RuneError } from "./errors.ts";
import { NE_IMPL, userCmp, userEq } from "./traits.ts";

const MAX = Number.MAX_SAFE_INTEGER;
const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;
const SAFE_MAX = BigInt(MAX);

/** Bring a BigInt result back to canonical form, or raise overflow. */
export function normInt(x: bigint, what = "arithmetic"): number | bigint {
  if (x > I64_MAX || x < I64_MIN) throw new RuneError("E_RUNTIME", `integer overflow in ${what}`);
  return x <= SAFE_MAX && x >= -SAFE_MAX ? Number(x) : x;
}

/** Canonical form of an int that may be a bigint in the safe range. */
export function canon(x: number | bigint): number | bigint {
  return typeof x === "bigint" && x <= SAFE_MAX && x >= -SAFE_MAX ? Number(x) : x;
}

/** An i64 as a bigint. */
export function big(x: number | bigint): bigint {
  return typeof x === "bigint" ? x : BigInt(x);
}

/** The Rune type name of a value, for messages. */
export function typeName(v: Value): string {
  switch (typeof v) {
    case "number":
    case "bigint":
      return "i64";
    case "string":
      return "String";
    case "boolean":
      return "bool";
    case "function":
      return "Function";
    case "object":
      if (Array.isArray(v)) return "Vec";
      if (v instanceof Map) return "Object";
      if (v instanceof Float) return "f64";
      if (v instanceof Char) return "char";
      if (v instanceof Tuple) return "Tuple";
      if (v instanceof Some || v === NONE) return "Option";
      if (v instanceof Ok || v instanceof Err) return "Result";
      if (v instanceof Range) return "Range";
      if (v instanceof Bytes) return "Bytes";
      if (v instanceof HashMapValue) return "HashMap";
      if (v instanceof HashSetValue) return "HashSet";
      if (v instanceof VecDequeValue) return "VecDeque";
      if (v instanceof StructValue) return v.$t.enum ? v.$t.enum.name : v.$t.name;
      return v.$name ?? "value";
    default:
      return "value";
  }
}

function unsupported(op: string, a: Value, b: Value): RuneError {
  const ta = typeName(a);
  const tb = typeName(b);
  const hint = (ta === "i64" && tb === "f64") || (ta === "f64" && tb === "i64")
    ? " (ints and floats do not mix: convert one with `to::<f64>()` or `as f64`)"
    : "";
  return typeError(`unsupported operation: ${ta} ${op} ${tb}${hint}`);
}

/** `a + b`. */
export function add(a: Value, b: Value): Value {
  if (typeof a === "number" && typeof b === "number") {
    const r = a + b;
    if (r <= MAX && r >= -MAX) return r;
  }
  return addSlow(a, b);
}

function addSlow(a: Value, b: Value): Value {
  if (typeof a === "number" && typeof b === "number") {
    return normInt(BigInt(a) + BigInt(b), "addition");
  }
  if (a instanceof Float && b instanceof Float) return new Float(a.v + b.v);
  if (typeof a === "string" && typeof b === "string") {
    chargeText(b.length, a.length + b.length);
    return a + b;
  }
  if (isInt(a) && isInt(b)) return normInt(big(a) + big(b), "addition");
  throw unsupported("+", a, b);
}

/** `a - b`. */
export function sub(a: Value, b: Value): Value {
  if (typeof a === "number" && typeof b === "number") {
    const r = a - b;
    if (r <= MAX && r >= -MAX) return r;
  }
  return subSlow(a, b);
}

function subSlow(a: Value, b: Value): Value {
  if (typeof a === "number" && typeof b === "number") {
    return normInt(BigInt(a) - BigInt(b), "subtraction");
  }
  if (a instanceof Float && b instanceof Float) return new Float(a.v - b.v);
  if (isInt(a) && isInt(b)) return normInt(big(a) - big(b), "subtraction");
  throw unsupported("-", a, b);
}

/** `a * b`. */
export function mul(a: Value, b: Value): Value {
  if (typeof a === "number" && typeof b === "number") {
    const r = a * b;
    if (r <= MAX && r >= -MAX) return r === 0 ? 0 : r;
  }
  return mulSlow(a, b);
}

function mulSlow(a: Value, b: Value): Value {
  if (typeof a === "number" && typeof b === "number") {
    return normInt(BigInt(a) * BigInt(b), "multiplication");
  }
  if (a instanceof Float && b instanceof Float) return new Float(a.v * b.v);
  if (isInt(a) && isInt(b)) return normInt(big(a) * big(b), "multiplication");
  throw unsupported("*", a, b);
}

/** `a / b` (ints truncate toward zero). */
export function div(a: Value, b: Value): Value {
  if (typeof a === "number" && typeof b === "number" && b !== 0) {
    const r = (a - a % b) / b;
    return r === 0 ? 0 : r;
  }
  return divSlow(a, b);
}

function divSlow(a: Value, b: Value): Value {
  if (a instanceof Float && b instanceof Float) return new Float(a.v / b.v);
  if (isInt(a) && isInt(b)) {
    if (b === 0) throw new RuneError("E_RUNTIME", "division by zero");
    return normInt(big(a) / big(b), "division");
  }
  throw unsupported("/", a, b);
}

/** `a % b` (the sign of the dividend). */
export function rem(a: Value, b: Value): Value {
  if (typeof a === "number" && typeof b === "number" && b !== 0) {
    const r = a % b;
    return r === 0 ? 0 : r;
  }
  return remSlow(a, b);
}

function remSlow(a: Value, b: Value): Value {
  if (a instanceof Float && b instanceof Float) return new Float(a.v % b.v);
  if (isInt(a) && isInt(b)) {
    if (b === 0) throw new RuneError("E_RUNTIME", "division by zero in remainder");
    return normInt(big(a) % big(b), "remainder");
  }
  throw unsupported("%", a, b);
}

/** `-a`. */
export function neg(a: Value): Value {
  if (typeof a === "number") return a === 0 ? 0 : -a;
  if (a instanceof Float) return new Float(-a.v);
  if (typeof a === "bigint") return normInt(-a, "negation");
  throw typeError(`unsupported operation: -${typeName(a)}`);
}

/** `!a`: logical not for bools, bitwise not for ints. */
export function not(a: Value): Value {
  if (typeof a === "boolean") return !a;
  if (typeof a === "number" && (a | 0) === a) return ~a;
  if (isInt(a)) return normInt(~big(a));
  throw typeError(`unsupported operation: !${typeName(a)}`);
}

function isInt(v: Value): v is number | bigint {
  return typeof v === "number" || typeof v === "bigint";
}

function isSmall(v: Value): v is number {
  return typeof v === "number" && (v | 0) === v;
}

/** `a & b`. */
export function bitand(a: Value, b: Value): Value {
  if (isSmall(a) && isSmall(b)) return a & b;
  if (typeof a === "boolean" && typeof b === "boolean") return a && b;
  if (isInt(a) && isInt(b)) return canon(BigInt.asIntN(64, big(a) & big(b)));
  throw unsupported("&", a, b);
}

/** `a | b`. */
export function bitor(a: Value, b: Value): Value {
  if (isSmall(a) && isSmall(b)) return a | b;
  if (typeof a === "boolean" && typeof b === "boolean") return a || b;
  if (isInt(a) && isInt(b)) return canon(BigInt.asIntN(64, big(a) | big(b)));
  throw unsupported("|", a, b);
}

/** `a ^ b`. */
export function bitxor(a: Value, b: Value): Value {
  if (isSmall(a) && isSmall(b)) return a ^ b;
  if (typeof a === "boolean" && typeof b === "boolean") return a !== b;
  if (isInt(a) && isInt(b)) return canon(BigInt.asIntN(64, big(a) ^ big(b)));
  throw unsupported("^", a, b);
}

function shiftAmount(b: Value, op: string): number {
  if (!isInt(b)) throw typeError(`the shift amount of ${op} must be an int, not ${typeName(b)}`);
  if (b < 0 || b > 63) throw new RuneError("E_RUNTIME", `shift overflow: ${op} by ${b} bits`);
  return Number(b);
}

/** `a << b` (bits shifted out are lost, as in i64; a shift of 64 or more is an error). */
export function shl(a: Value, b: Value): Value {
  if (!isInt(a)) throw unsupported("<<", a, b);
  const n = shiftAmount(b, "<<");
  if (typeof a === "number" && n < 53) {
    const r = a * 2 ** n;
    if (r <= MAX && r >= -MAX) return r;
  }
  return canon(BigInt.asIntN(64, big(a) << BigInt(n)));
}

/** `a >> b` (arithmetic). */
export function shr(a: Value, b: Value): Value {
  if (!isInt(a)) throw unsupported(">>", a, b);
  const n = shiftAmount(b, ">>");
  if (typeof a === "number") return Math.floor(a / 2 ** n);
  return canon(a >> BigInt(n));
}

/** Compare two values: -1, 0, 1 (NaN compares as undefined → NaN). */
export function cmp(a: Value, b: Value): number {
  if (isInt(a) && isInt(b)) return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof Float && b instanceof Float) {
    return a.v < b.v ? -1 : a.v > b.v ? 1 : a.v === b.v ? 0 : NaN;
  }
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return Number(a) - Number(b);
  if (a instanceof Char && b instanceof Char) return Math.sign(a.c - b.c);
  if ((Array.isArray(a) && Array.isArray(b)) || (a instanceof Tuple && b instanceof Tuple)) {
    const x: Value[] = Array.isArray(a) ? a : a.t;
    const y: Value[] = Array.isArray(b) ? b : b.t;
    const n = Math.min(x.length, y.length);
    for (let i = 0; i < n; i++) {
      const c = cmp(x[i], y[i]);
      if (c !== 0) return c;
    }
    return Math.sign(x.length - y.length);
  }
  if ((a instanceof Some || a === NONE) && (b instanceof Some || b === NONE)) {
    if (a === NONE || b === NONE) return a === b ? 0 : a === NONE ? -1 : 1;
    return cmp(a.v, b.v);
  }
  if (a instanceof Bytes && b instanceof Bytes) return cmp(a.b, b.b);
  if ((a instanceof Ok || a instanceof Err) && (b instanceof Ok || b instanceof Err)) {
    if (a.constructor !== b.constructor) return a instanceof Ok ? -1 : 1;
    return cmp(a.v, b.v);
  }
  if (a instanceof StructValue) {
    const c = userCmp(a, b);
    if (c !== undefined) return c;
  }
  if (
    a instanceof StructValue && b instanceof StructValue && a.$t.enum && a.$t.enum === b.$t.enum
  ) {
    // Variants order by declaration, then by fields.
    const order = a.$t.enum.fields;
    const ia = order.indexOf(a.$t.name.slice(a.$t.name.lastIndexOf("::") + 2));
    const ib = order.indexOf(b.$t.name.slice(b.$t.name.lastIndexOf("::") + 2));
    if (ia !== ib) return Math.sign(ia - ib);
    for (const f of a.$t.fields) {
      const c = cmp(a[("f_" + f) as keyof StructValue], b[("f_" + f) as keyof StructValue]);
      if (c !== 0) return c;
    }
    return 0;
  }
  throw unsupported("<", a, b);
}

/** `a < b`. */
export function lt(a: Value, b: Value): boolean {
  if (typeof a === "number" && typeof b === "number") return a < b;
  return cmpSlow(a, b) < 0;
}

/** `a <= b`. */
export function le(a: Value, b: Value): boolean {
  if (typeof a === "number" && typeof b === "number") return a <= b;
  return cmpSlow(a, b) <= 0;
}

/** `a > b`. */
export function gt(a: Value, b: Value): boolean {
  if (typeof a === "number" && typeof b === "number") return a > b;
  return cmpSlow(a, b) > 0;
}

/** `a >= b`. */
export function ge(a: Value, b: Value): boolean {
  if (typeof a === "number" && typeof b === "number") return a >= b;
  return cmpSlow(a, b) >= 0;
}

// Comparisons with NaN are false, as in Rust.
function cmpSlow(a: Value, b: Value): number {
  return cmp(a, b);
}

/** `a == b`: structural for containers, an error between an int and a float. */
export function eq(a: Value, b: Value): boolean {
  // Identical objects still compare by content: a vector holding NaN is not equal to itself.
  if (a === b && (typeof a !== "object" || a === NONE || a === UNIT)) return true;
  return eqSlow(a, b);
}

function eqSlow(a: Value, b: Value): boolean {
  if (typeof a !== "object" || typeof b !== "object") {
    if ((isInt(a) && b instanceof Float) || (a instanceof Float && isInt(b))) {
      throw unsupported("==", a, b);
    }
    return false;
  }
  return eqObjects(a, b, 0);
}

/** `a != b`. */
export function ne(a: Value, b: Value): boolean {
  if (a instanceof StructValue) {
    const r = userEq(a, b, NE_IMPL);
    if (r !== undefined) return r;
  }
  return !eq(a, b);
}

function eqObjects(a: Value, b: Value, depth: number): boolean {
  if (depth > 256) throw typeError("values are nested too deeply to compare");
  if (a instanceof Float) {
    if (b instanceof Float) return a.v === b.v;
    if (isInt(b)) throw unsupported("==", a, b);
    return false;
  }
  if (isInt(b) && a instanceof Float) throw unsupported("==", a, b);
  if (a instanceof Char) return b instanceof Char && a.c === b.c;
  if (a === NONE || b === NONE) return a === b;
  if (Array.isArray(a)) return Array.isArray(b) && eqLists(a, b, depth);
  if (a instanceof Tuple) return b instanceof Tuple && eqLists(a.t, b.t, depth);
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !eqValues(v, b.get(k), depth + 1)) return false;
    }
    return true;
  }
  if (a instanceof Some) return b instanceof Some && eqValues(a.v, b.v, depth + 1);
  if (a instanceof Ok) return b instanceof Ok && eqValues(a.v, b.v, depth + 1);
  if (a instanceof Err) return b instanceof Err && eqValues(a.v, b.v, depth + 1);
  if (a instanceof Range) {
    return b instanceof Range && a.kind === b.kind && eqValues(a.start, b.start, depth + 1) &&
      eqValues(a.end, b.end, depth + 1);
  }
  if (a instanceof Bytes) return b instanceof Bytes && eqLists(a.b, b.b, depth);
  if (a instanceof VecDequeValue) {
    return b instanceof VecDequeValue && eqLists(a.items(), b.items(), depth);
  }
  if (a instanceof HashSetValue) {
    return b instanceof HashSetValue && a.m.size === b.m.size &&
      [...a.m.keys()].every((k) => b.m.has(k));
  }
  if (a instanceof HashMapValue) {
    if (!(b instanceof HashMapValue) || a.m.size !== b.m.size) return false;
    for (const [k, x] of a.m) {
      const y = b.m.get(k);
      if (y === undefined || !eqValues(x, y, depth + 1)) return false;
    }
    return true;
  }
  if (a instanceof StructValue) {
    const r = userEq(a, b);
    if (r !== undefined) return r;
    if (!(b instanceof StructValue) || a.$t !== b.$t) return false;
    for (const f of a.$t.fields) {
      const k = ("f_" + f) as keyof StructValue;
      if (!eqValues(a[k], b[k], depth + 1)) return false;
    }
    return true;
  }
  return false;
}

function eqValues(a: Value, b: Value, depth: number): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object") {
    if ((isInt(a) && b instanceof Float) || (a instanceof Float && isInt(b))) {
      throw unsupported("==", a, b);
    }
    return false;
  }
  return eqObjects(a, b, depth);
}

function eqLists(a: Value[], b: Value[], depth: number): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!eqValues(a[i], b[i], depth + 1)) return false;
  return true;
}

/** The condition of `if`/`while`/`&&`/`||`/`!`: must be a bool. */
export function truth(v: Value): boolean {
  if (typeof v === "boolean") return v;
  throw typeError(`expected a bool condition, found ${typeName(v)}`);
}

/** `None` and `Some` share this check in `?`. */
export function isNone(v: Value): boolean {
  return v === NONE;
}
