/**
 * Methods of `i64`, `f64`, `bool` and `char`, and the conversions between them (`to::<f64>()`,
 * `as`).
 *
 * @module
 */
import { callable, METHODS } from "../runtime/dispatch.ts";
import { panic, RuneError, typeError } from "../runtime/errors.ts";
import { display, floatDisplay } from "../runtime/format.ts";
import { add, big, canon, cmp, div, mul, normInt, rem, sub, typeName } from "../runtime/ops.ts";
import { Char, char, Float, NONE, Some, type Value } from "../runtime/values.ts";
import { ordering } from "./ordering.ts";

type Int = number | bigint;
const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;

function int(v: Value, what: string): Int {
  if (typeof v === "number" || typeof v === "bigint") return v;
  throw typeError(`${what} expects an int, not ${typeName(v)}`);
}

function flt(v: Value, what: string): number {
  if (v instanceof Float) return v.v;
  throw typeError(`${what} expects a float, not ${typeName(v)}`);
}

/** `as f64` / `to::<f64>()` of an int. */
export function intToFloat(v: Int): Float {
  const n = Number(v);
  return new Float(n === 0 ? 0 : n);
}

/** `as i64` of a float: saturating, NaN to 0 (Rust's rule). */
export function floatToInt(x: number): Int {
  if (Number.isNaN(x)) return 0;
  const t = Math.trunc(x);
  if (Number.isSafeInteger(t)) return t === 0 ? 0 : t;
  if (t >= 9223372036854775807) return I64_MAX;
  if (t <= -9223372036854775808) return I64_MIN;
  return canon(BigInt(t));
}

/** `value as Type` for the types `as` supports. */
export function cast(v: Value, type: string): Value {
  switch (type) {
    case "f64":
    case "f32":
    case "float":
      if (v instanceof Float) return v;
      if (typeof v === "number" || typeof v === "bigint") return intToFloat(v);
      break;
    case "i64":
    case "int":
    case "isize":
      if (typeof v === "number" || typeof v === "bigint") return v;
      if (v instanceof Float) return floatToInt(v.v);
      if (v instanceof Char) return v.c;
      if (typeof v === "boolean") return v ? 1 : 0;
      break;
    case "u64":
    case "usize":
    case "u32":
    case "i32":
    case "u8": {
      let n: Int;
      if (typeof v === "number" || typeof v === "bigint") n = v;
      else if (v instanceof Float) n = floatToInt(v.v);
      else if (v instanceof Char) n = v.c;
      else if (typeof v === "boolean") n = v ? 1 : 0;
      else break;
      const bits = type === "u8" ? 8 : type === "u32" || type === "i32" ? 32 : 64;
      const signed = type === "i32";
      const r = signed ? BigInt.asIntN(bits, big(n)) : BigInt.asUintN(bits, big(n));
      if (r > I64_MAX) throw typeError(`${display(v)} as ${type} does not fit in an i64`);
      return canon(r);
    }
    case "char":
      if (typeof v === "number" && v >= 0 && v <= 255) return char(v);
      if (v instanceof Char) return v;
      break;
    case "bool":
      if (typeof v === "boolean") return v;
      break;
  }
  throw typeError(`cannot cast a value of type ${typeName(v)} to ${type}`);
}

function checked(f: () => Value): Value {
  try {
    return new Some(f());
  } catch {
    return NONE;
  }
}

function wrap(x: bigint): Int {
  return canon(BigInt.asIntN(64, x));
}

function saturate(x: bigint): Int {
  return canon(x > I64_MAX ? I64_MAX : x < I64_MIN ? I64_MIN : x);
}

/** `a.pow(b)` for ints, with overflow checks. */
export function intPow(a: Int, b: Value): Int {
  const e = int(b, "pow");
  if (e < 0) throw typeError("pow expects a non-negative exponent");
  if (typeof a === "number") {
    const r = a ** Number(e);
    if (Number.isSafeInteger(r)) return r;
  }
  if (e > 64 && (a > 1 || a < -1)) throw new RuneError("E_RUNTIME", "integer overflow in pow");
  return normInt(big(a) ** big(e), "pow");
}

const I = METHODS.int;
I.abs = (a: Int) => (a < 0 ? normInt(-big(a), "abs") : a);
I.pow = (a: Int, b: Value) => intPow(a, b);
I.min = (a: Int, b: Value) => (cmp(a, int(b, "min")) <= 0 ? a : b);
I.max = (a: Int, b: Value) => (cmp(a, int(b, "max")) >= 0 ? a : b);
I.clamp = (
  a: Int,
  lo: Value,
  hi: Value,
) => (cmp(a, int(lo, "clamp")) < 0 ? lo : cmp(a, int(hi, "clamp")) > 0 ? hi : a);
I.signum = (a: Int) => (a > 0 ? 1 : a < 0 ? -1 : 0);
I.is_positive = (a: Int) => a > 0;
I.is_negative = (a: Int) => a < 0;
I.to_string = (a: Int) => String(a);
I.clone = (a: Int) => a;
I.to_float = (a: Int) => intToFloat(a);
I["to::<f64>"] = (a: Int) => intToFloat(a);
I["to::<i64>"] = (a: Int) => a;
I["to::<u64>"] = (a: Int) => cast(a, "u64");
I.cmp = (a: Int, b: Value) => ordering(cmp(a, int(b, "cmp")));
I.partial_cmp = (a: Int, b: Value) => new Some(ordering(cmp(a, int(b, "partial_cmp"))));
I.checked_add = (a: Int, b: Value) => checked(() => add(a, int(b, "checked_add")));
I.checked_sub = (a: Int, b: Value) => checked(() => sub(a, int(b, "checked_sub")));
I.checked_mul = (a: Int, b: Value) => checked(() => mul(a, int(b, "checked_mul")));
I.checked_div = (a: Int, b: Value) => checked(() => div(a, int(b, "checked_div")));
I.checked_rem = (a: Int, b: Value) => checked(() => rem(a, int(b, "checked_rem")));
I.checked_pow = (a: Int, b: Value) => checked(() => intPow(a, b));
I.checked_neg = (a: Int) => checked(() => normInt(-big(a)));
I.checked_abs = (a: Int) => checked(() => normInt(a < 0 ? -big(a) : big(a)));
I.wrapping_add = (a: Int, b: Value) => wrap(big(a) + big(int(b, "wrapping_add")));
I.wrapping_sub = (a: Int, b: Value) => wrap(big(a) - big(int(b, "wrapping_sub")));
I.wrapping_mul = (a: Int, b: Value) => wrap(big(a) * big(int(b, "wrapping_mul")));
I.wrapping_neg = (a: Int) => wrap(-big(a));
I.wrapping_div = (a: Int, b: Value) => {
  if (big(int(b, "wrapping_div")) === 0n) throw panic("attempt to divide by zero");
  return wrap(big(a) / big(b));
};
I.wrapping_rem = (a: Int, b: Value) => {
  if (big(int(b, "wrapping_rem")) === 0n) {
    throw panic("attempt to calculate the remainder with a divisor of zero");
  }
  return wrap(big(a) % big(b));
};
I.saturating_add = (a: Int, b: Value) => saturate(big(a) + big(int(b, "saturating_add")));
I.saturating_sub = (a: Int, b: Value) => saturate(big(a) - big(int(b, "saturating_sub")));
I.saturating_mul = (a: Int, b: Value) => saturate(big(a) * big(int(b, "saturating_mul")));
I.saturating_abs = (a: Int) => saturate(a < 0 ? -big(a) : big(a));
I.saturating_pow = (a: Int, b: Value) => {
  try {
    return intPow(a, b);
  } catch {
    return a < 0 && big(int(b, "saturating_pow")) % 2n === 1n ? I64_MIN : I64_MAX;
  }
};
I.rem_euclid = (a: Int, b: Value) => {
  const m = big(int(b, "rem_euclid"));
  if (m === 0n) throw panic("attempt to calculate the remainder with a divisor of zero");
  const r = big(a) % m;
  return canon(r < 0n ? r + (m < 0n ? -m : m) : r);
};
I.div_euclid = (a: Int, b: Value) => {
  const m = big(int(b, "div_euclid"));
  if (m === 0n) throw panic("attempt to divide by zero");
  const q = big(a) / m;
  const r = big(a) % m;
  return normInt(r < 0n ? (m > 0n ? q - 1n : q + 1n) : q, "div_euclid");
};
I.count_ones = (a: Int) => BigInt.asUintN(64, big(a)).toString(2).replace(/0/g, "").length;
I.count_zeros = (a: Int) => 64 - (I.count_ones(a) as number);
I.leading_zeros = (a: Int) => {
  const s = BigInt.asUintN(64, big(a)).toString(2);
  return s === "0" ? 64 : 64 - s.length;
};
I.trailing_zeros = (a: Int) => {
  const s = BigInt.asUintN(64, big(a)).toString(2);
  if (s === "0") return 64;
  return s.length - 1 - s.lastIndexOf("1");
};
I.is_power_of_two = (a: Int) => a > 0 && (big(a) & (big(a) - 1n)) === 0n;

const F = METHODS.float;
const unary: Record<string, (x: number) => number> = {
  abs: Math.abs,
  sqrt: Math.sqrt,
  cbrt: Math.cbrt,
  floor: Math.floor,
  ceil: Math.ceil,
  round: (x) => (x < 0 ? -Math.round(-x) : Math.round(x)),
  trunc: Math.trunc,
  fract: (x) => x - Math.trunc(x),
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  tanh: Math.tanh,
  exp: Math.exp,
  exp2: (x) => 2 ** x,
  ln: Math.log,
  log10: Math.log10,
  log2: Math.log2,
  signum: (x) => (Number.isNaN(x) ? NaN : x > 0 || Object.is(x, 0) ? 1 : -1),
  to_degrees: (x) => (x * 180) / Math.PI,
  to_radians: (x) => (x * Math.PI) / 180,
  recip: (x) => 1 / x,
};
for (const [name, f] of Object.entries(unary)) F[name] = (x: Float) => new Float(f(x.v));
F.powi = (x: Float, n: Value) => new Float(x.v ** Number(int(n, "powi")));
F.powf = (x: Float, n: Value) => new Float(x.v ** flt(n, "powf"));
F.atan2 = (y: Float, x: Value) => new Float(Math.atan2(y.v, flt(x, "atan2")));
F.hypot = (x: Float, y: Value) => new Float(Math.hypot(x.v, flt(y, "hypot")));
F.log = (x: Float, b: Value) => new Float(Math.log(x.v) / Math.log(flt(b, "log")));
F.mul_add = (x: Float, a: Value, b: Value) =>
  new Float(x.v * flt(a, "mul_add") + flt(b, "mul_add"));
F.min = (x: Float, y: Value) => {
  const o = flt(y, "min");
  return Number.isNaN(x.v) ? y : Number.isNaN(o) ? x : o < x.v ? y : x;
};
F.max = (x: Float, y: Value) => {
  const o = flt(y, "max");
  return Number.isNaN(x.v) ? y : Number.isNaN(o) ? x : o > x.v ? y : x;
};
F.clamp = (x: Float, lo: Value, hi: Value) =>
  new Float(Math.min(Math.max(x.v, flt(lo, "clamp")), flt(hi, "clamp")));
F.is_nan = (x: Float) => Number.isNaN(x.v);
F.is_infinite = (x: Float) => x.v === Infinity || x.v === -Infinity;
F.is_finite = (x: Float) => Number.isFinite(x.v);
F.is_sign_negative = (x: Float) => x.v < 0 || Object.is(x.v, -0);
F.is_sign_positive = (x: Float) => !(x.v < 0 || Object.is(x.v, -0));
F.to_string = (x: Float) => floatDisplay(x.v);
F.clone = (x: Float) => x;
F.to_int = (x: Float) => floatToInt(x.v);
F.to_integer = F.to_int;
F["to::<i64>"] = (x: Float) => floatToInt(x.v);
F["to::<f64>"] = (x: Float) => x;
F.partial_cmp = (x: Float, y: Value) => {
  const c = cmp(x, y);
  return Number.isNaN(c) ? NONE : new Some(ordering(c));
};
F.total_cmp = (x: Float, y: Value) => {
  const o = flt(y, "total_cmp");
  return ordering(
    Number.isNaN(x.v) ? (Number.isNaN(o) ? 0 : 1) : Number.isNaN(o) ? -1 : Math.sign(x.v - o),
  );
};

const B = METHODS.bool;
B.to_string = (b: boolean) => String(b);
B.clone = (b: boolean) => b;
B.cmp = (a: boolean, b: Value) => ordering(cmp(a, b));
B.then = (b: boolean, f: Value) => (b ? new Some(callable(f, 0, "then")()) : NONE);
B.then_some = (b: boolean, v: Value) => (b ? new Some(v) : NONE);

const C = METHODS.char;
const str = (c: Char) => String.fromCodePoint(c.c);
C.is_alphabetic = (c: Char) => /\p{Alphabetic}/u.test(str(c));
C.is_numeric = (c: Char) => /\p{N}/u.test(str(c));
C.is_alphanumeric = (c: Char) => /[\p{Alphabetic}\p{N}]/u.test(str(c));
C.is_whitespace = (c: Char) => /\s/u.test(str(c));
C.is_uppercase = (c: Char) => /\p{Uppercase}/u.test(str(c));
C.is_lowercase = (c: Char) => /\p{Lowercase}/u.test(str(c));
C.is_control = (c: Char) => /\p{Cc}/u.test(str(c));
C.is_ascii = (c: Char) => c.c < 128;
C.is_ascii_digit = (c: Char) => c.c >= 48 && c.c <= 57;
C.is_ascii_hexdigit = (c: Char) => /^[0-9a-fA-F]$/.test(str(c));
C.is_ascii_alphabetic = (c: Char) => /^[a-zA-Z]$/.test(str(c));
C.is_ascii_alphanumeric = (c: Char) => /^[a-zA-Z0-9]$/.test(str(c));
C.is_ascii_uppercase = (c: Char) => c.c >= 65 && c.c <= 90;
C.is_ascii_lowercase = (c: Char) => c.c >= 97 && c.c <= 122;
C.is_ascii_punctuation = (c: Char) => /^[!-\/:-@\[-`{-~]$/.test(str(c));
C.is_ascii_whitespace = (c: Char) => [32, 9, 10, 12, 13].includes(c.c);
C.is_digit = (c: Char, radix: Value) => digit(c, radix) !== -1;
C.to_digit = (c: Char, radix: Value) => {
  const d = digit(c, radix);
  return d === -1 ? NONE : new Some(d);
};
C.to_uppercase = (c: Char) => oneChar(str(c).toUpperCase(), c);
C.to_lowercase = (c: Char) => oneChar(str(c).toLowerCase(), c);
C.to_ascii_uppercase = (c: Char) => (c.c >= 97 && c.c <= 122 ? char(c.c - 32) : c);
C.to_ascii_lowercase = (c: Char) => (c.c >= 65 && c.c <= 90 ? char(c.c + 32) : c);
C.to_string = (c: Char) => str(c);
C.len_utf8 = (c: Char) => (c.c < 0x80 ? 1 : c.c < 0x800 ? 2 : c.c < 0x10000 ? 3 : 4);
C.clone = (c: Char) => c;
C.cmp = (a: Char, b: Value) => ordering(cmp(a, b));
C.eq_ignore_ascii_case = (a: Char, b: Value) =>
  b instanceof Char && str(a).toLowerCase() === str(b).toLowerCase();
C["to::<i64>"] = (c: Char) => c.c;
C["to::<u64>"] = (c: Char) => c.c;

function digit(c: Char, radix: Value): number {
  const r = int(radix, "to_digit");
  if (r < 2 || r > 36) throw panic("to_digit: radix must be between 2 and 36");
  const d = parseInt(str(c), Number(r));
  return Number.isNaN(d) || !/^[0-9a-zA-Z]$/.test(str(c)) ? -1 : d;
}

function oneChar(s: string, fallback: Char): Char {
  const cs = [...s];
  return cs.length === 1 ? char(cs[0].codePointAt(0)!) : fallback;
}

/** `char::from_u32(n)`. */
export function charFromU32(n: Value): Value {
  const v = int(n, "char::from_u32");
  if (v < 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return NONE;
  return new Some(char(Number(v)));
}

/** `char::from_digit(d, radix)`. */
export function charFromDigit(d: Value, radix: Value): Value {
  const v = Number(int(d, "char::from_digit"));
  const r = Number(int(radix, "char::from_digit"));
  if (v < 0 || v >= r || r > 36) return NONE;
  return new Some(char(v.toString(r).charCodeAt(0)));
}

/** `std::cmp::max(a, b)`. */
export function maxOf(a: Value, b: Value): Value {
  return cmp(a, b) > 0 ? a : b;
}

/** `std::cmp::min(a, b)`. */
export function minOf(a: Value, b: Value): Value {
  return cmp(a, b) <= 0 ? a : b;
}
