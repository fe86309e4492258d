/**
 * Formatting values: `{}` (Display), `{:?}` (Debug, `{:#?}` pretty), and format specs with
 * fill, alignment, sign, width, precision and the integer radixes, following Rust's rules.
 *
 * @module
 */
import { typeError } from "./errors.ts";
import { chargeText } from "./meter.ts";
import { typeName } from "./ops.ts";
import {
  Bytes,
  Char,
  Err,
  Float,
  HashMapValue,
  HashSetValue,
  mapEntries,
  type Method,
  methodTable,
  NONE,
  Ok,
  Range,
  setMethods,
  Some,
  StructValue,
  Tuple,
  UNIT,
  type Value,
  VecDequeValue,
} from "./values.ts";

/**
 * The method-table keys of a type's `impl std::fmt::Display` and `impl std::fmt::Debug`. Neither
 * is an identifier, so no method call or path in a program can name them.
 */
export const DISPLAY_IMPL = "{}";
/** See {@link DISPLAY_IMPL}. */
export const DEBUG_IMPL = "{:?}";

/** `std::fmt::Formatter`: what a `fmt` method writes to with `write!` and `writeln!`. */
export class Formatter {
  /** The text written so far. */
  s = "";
}
const FORMATTER = methodTable();
setMethods(Formatter, FORMATTER);
Object.defineProperty(Formatter.prototype, "$name", { value: "Formatter" });
FORMATTER.write_str = (f: Formatter, s: Value) => {
  if (typeof s !== "string") throw typeError(`write_str expects a String, not ${typeName(s)}`);
  return writeTo(f, s);
};
FORMATTER.write_char = (f: Formatter, c: Value) => {
  if (!(c instanceof Char)) throw typeError(`write_char expects a char, not ${typeName(c)}`);
  return writeTo(f, String.fromCodePoint(c.c));
};
FORMATTER.alternate = (_f: Formatter) => false;

/** `write!(f, …)`: append formatted text to a Formatter; gives `Ok(())`. */
export function writeTo(f: Value, text: string): Ok {
  if (!(f instanceof Formatter)) {
    throw typeError(
      `\`write!\` writes to the formatter a \`fmt\` method is given, not to a value of type \`${
        typeName(f)
      }\``,
    );
  }
  chargeText(text.length, f.s.length + text.length);
  f.s += text;
  return new Ok(UNIT);
}

/** Run a program's `fmt` method (of `impl Display` or `impl Debug`) on `v`. */
function viaImpl(fmt: Method, v: Value, trait: string): string {
  const f = new Formatter();
  const r = fmt(v, f);
  if (r instanceof Ok) return f.s;
  const type = typeName(v);
  if (r instanceof Err) {
    throw typeError(`the \`${trait}\` implementation of \`${type}\` returned an error`);
  }
  throw typeError(
    `\`fmt\` of \`${type}\` must return \`Ok(())\` (a \`fmt::Result\`), not a value of type \`${
      typeName(r)
    }\``,
  );
}

/** A parsed `{:…}` spec. */
export interface FormatSpec {
  fill?: string;
  align?: "<" | ">" | "^";
  sign?: "+";
  alternate?: boolean;
  zero?: boolean;
  width?: number;
  precision?: number;
  /** `` (Display), `?`, `x`, `X`, `b`, `o`, `e`, `E`. */
  type: string;
}

/** Rust's Display for f64: shortest round-trip digits, never an exponent. */
export function floatDisplay(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (Object.is(v, -0)) return "-0";
  const s = String(v);
  if (!/e/.test(s)) return s;
  return expandExponent(s);
}

/** Rust's Debug for f64: like Display, with `.0` on whole numbers and exponents when huge/tiny. */
export function floatDebug(v: number): string {
  if (!Number.isFinite(v)) return floatDisplay(v);
  const abs = Math.abs(v);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [m, e] = v.toExponential().split("e");
    return `${m.includes(".") ? m : m}e${e.startsWith("+") ? e.slice(1) : e}`;
  }
  const s = floatDisplay(v);
  return /[.]/.test(s) || /inf|NaN/.test(s) ? s : s + ".0";
}

function expandExponent(s: string): string {
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = "", expText] = m;
  const exp = Number(expText);
  const digits = lead + frac;
  if (exp >= 0) {
    const point = 1 + exp;
    if (digits.length <= point) return sign + digits + "0".repeat(point - digits.length);
    return sign + digits.slice(0, point) + "." + digits.slice(point);
  }
  return sign + "0." + "0".repeat(-exp - 1) + digits;
}

/** `{}` of a value. */
export function display(v: Value): string {
  switch (typeof v) {
    case "string":
      return v;
    case "number":
      return String(v);
    case "bigint":
    case "boolean":
      return String(v);
  }
  if (v instanceof Float) return floatDisplay(v.v);
  if (v instanceof Char) return String.fromCodePoint(v.c);
  if (v instanceof StructValue) {
    const fmt = v.$t.methods[DISPLAY_IMPL];
    if (fmt !== undefined) return viaImpl(fmt, v, "Display");
    const type = typeName(v);
    throw typeError(
      `\`${type}\` does not implement the display protocol: implement \`std::fmt::Display\` for it ` +
        `(\`impl fmt::Display for ${type}\`) or format it with {:?}`,
    );
  }
  throw typeError(
    `\`${typeName(v)}\` does not implement the display protocol; format it with {:?} instead`,
  );
}

const ESCAPES: Record<string, string> = Object.assign(Object.create(null), {
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\\": "\\\\",
  "\0": "\\0",
});

/** A string literal as Rust's Debug writes it. */
export function debugString(s: string, quote = '"'): string {
  let out = quote;
  for (const ch of s) {
    if (ch === quote) out += "\\" + quote;
    else if (ESCAPES[ch] !== undefined) out += ESCAPES[ch];
    else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f) {
      out += `\\u{${ch.charCodeAt(0).toString(16)}}`;
    } else out += ch;
  }
  return out + quote;
}

/** `{:?}` (or `{:#?}` when `pretty`) of a value. */
export function debug(v: Value, pretty = false): string {
  const seen = new Set<object>();
  return debugInner(v, pretty, 0, seen);
}

function debugInner(v: Value, pretty: boolean, indent: number, seen: Set<object>): string {
  switch (typeof v) {
    case "string":
      return debugString(v);
    case "number":
    case "bigint":
    case "boolean":
      return String(v);
    case "function":
      return `<fn ${v.$name ?? "closure"}>`;
  }
  if (v instanceof Float) return floatDebug(v.v);
  if (v instanceof Char) return debugString(String.fromCodePoint(v.c), "'");
  if (v === NONE) return "None";
  if (seen.has(v)) return "...";
  if (seen.size > 200) return "...";
  seen.add(v);
  try {
    const list = (open: string, close: string, items: string[]) => {
      if (items.length === 0) return open + close;
      if (!pretty) return open + items.join(", ") + close;
      const pad = "    ".repeat(indent + 1);
      return `${open}\n${items.map((i) => pad + i + ",\n").join("")}${
        "    ".repeat(indent)
      }${close}`;
    };
    const inner = (x: Value) => debugInner(x, pretty, indent + 1, seen);
    if (Array.isArray(v)) return list("[", "]", v.map(inner));
    if (v instanceof Tuple) {
      if (v.t.length === 1 && !pretty) return `(${inner(v.t[0])},)`;
      return list("(", ")", v.t.map(inner));
    }
    if (v instanceof Map) {
      return list("{", "}", [...v].map(([k, x]) => `${debugString(k)}: ${inner(x)}`));
    }
    if (v instanceof Some) return list("Some(", ")", [inner(v.v)]);
    if (v instanceof Ok) return list("Ok(", ")", [inner(v.v)]);
    if (v instanceof Err) return list("Err(", ")", [inner(v.v)]);
    if (v instanceof Bytes) return list("[", "]", v.b.map(String));
    if (v instanceof HashMapValue) {
      return list(
        "{",
        "}",
        mapEntries(v).map(([k, x]) => `${inner(k)}: ${inner(x)}`),
      );
    }
    if (v instanceof HashSetValue) return list("{", "}", [...v.m.values()].map(inner));
    if (v instanceof VecDequeValue) return list("[", "]", v.items().map(inner));
    if (v instanceof Range) {
      const s = v.kind === "to" || v.kind === "toinclusive" || v.kind === "full"
        ? ""
        : inner(v.start);
      const e = v.kind === "from" || v.kind === "full" ? "" : inner(v.end);
      return `${s}${v.kind === "inclusive" || v.kind === "toinclusive" ? "..=" : ".."}${e}`;
    }
    if (v instanceof StructValue) {
      const t = v.$t;
      const fmt = t.methods[DEBUG_IMPL];
      if (fmt !== undefined) return viaImpl(fmt, v, "Debug");
      const get = (f: string) => (v as unknown as Record<string, Value>)["f_" + f];
      // Variants print as Rust's derived Debug does: by their own name.
      const name = t.kind === "variant" ? t.name.slice(t.name.lastIndexOf("::") + 2) : t.name;
      if (t.shape === "unit") return name;
      if (t.shape === "tuple") return list(`${name}(`, ")", t.fields.map((f) => inner(get(f))));
      if (t.fields.length === 0) return `${name} {}`;
      if (!pretty) return `${name} { ${t.fields.map((f) => `${f}: ${inner(get(f))}`).join(", ")} }`;
      return list(`${name} {`, "}", t.fields.map((f) => `${f}: ${inner(get(f))}`));
    }
    if (typeof v.debugName === "function") return v.debugName();
    return `<${typeName(v)}>`;
  } finally {
    seen.delete(v);
  }
}

/** Format one argument by a spec. */
export function formatWith(v: Value, spec: FormatSpec): string {
  let body: string;
  let numeric = false;
  let negative = false;
  switch (spec.type) {
    case "?":
      body = debug(v, spec.alternate ?? false);
      if (spec.precision !== undefined && v instanceof Float) {
        const x = v.v;
        const abs = Math.abs(x);
        body = spec.precision <= 100 && abs < 1e21
          ? (x < 0 || Object.is(x, -0) ? "-" : "") + fixedEven(abs, spec.precision)
          : x.toFixed(Math.min(spec.precision, 100));
      }
      break;
    case "x":
    case "X":
    case "b":
    case "o": {
      if (typeof v !== "number" && typeof v !== "bigint") {
        throw typeError(`{:${spec.type}} needs an int, not ${typeName(v)}`);
      }
      const radix = spec.type === "b" ? 2 : spec.type === "o" ? 8 : 16;
      // Rust prints negative numbers in two's complement for these radixes.
      const n = BigInt(v);
      const bits = n < 0n ? BigInt.asUintN(64, n) : n;
      body = bits.toString(radix);
      if (spec.type === "X") body = body.toUpperCase();
      if (spec.alternate) {
        body = (spec.type === "b" ? "0b" : spec.type === "o" ? "0o" : "0x") + body;
      }
      numeric = true;
      break;
    }
    case "e":
    case "E": {
      const x = v instanceof Float
        ? v.v
        : typeof v === "number" || typeof v === "bigint"
        ? Number(v)
        : NaN;
      if (Number.isNaN(x) && !(v instanceof Float)) {
        throw typeError(`{:e} needs a number, not ${typeName(v)}`);
      }
      body = spec.precision !== undefined ? x.toExponential(spec.precision) : x.toExponential();
      body = body.replace("e+", "e");
      if (spec.type === "E") body = body.toUpperCase();
      numeric = true;
      negative = body.startsWith("-");
      if (negative) body = body.slice(1);
      break;
    }
    default: {
      if (v instanceof Float) {
        numeric = true;
        const x = v.v;
        negative = x < 0 || Object.is(x, -0);
        const abs = Math.abs(x);
        body = spec.precision !== undefined && Number.isFinite(abs)
          ? toFixedExact(abs, spec.precision)
          : floatDisplay(abs);
      } else if (typeof v === "number" || typeof v === "bigint") {
        numeric = true;
        negative = v < 0;
        body = String(v < 0 ? -BigInt(v) : v);
      } else {
        body = display(v);
        if (spec.precision !== undefined && typeof v === "string") {
          body = [...body].slice(0, spec.precision).join("");
        }
      }
    }
  }
  let sign = "";
  if (numeric && spec.type !== "x" && spec.type !== "X" && spec.type !== "b" && spec.type !== "o") {
    sign = negative ? "-" : spec.sign === "+" ? "+" : "";
  }
  const width = spec.width ?? 0;
  if (width === 0) return sign + body;
  const len = charCount(body) + sign.length;
  if (len >= width) return sign + body;
  if (spec.zero && numeric) {
    const prefixMatch = spec.alternate ? /^0[xbo]/.exec(body) : null;
    const prefix = prefixMatch ? prefixMatch[0] : "";
    return sign + prefix + "0".repeat(width - len) + body.slice(prefix.length);
  }
  const fill = spec.fill ?? " ";
  const pad = width - len;
  const align = spec.align ?? (numeric ? ">" : "<");
  if (align === "<") return sign + body + fill.repeat(pad);
  if (align === ">") return fill.repeat(pad) + sign + body;
  const left = Math.floor(pad / 2);
  return fill.repeat(left) + sign + body + fill.repeat(pad - left);
}

/** Chars (code points) in a string, without building an array. */
function charCount(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const u = s.charCodeAt(i);
    if (u >= 0xd800 && u <= 0xdbff) n--;
  }
  return n;
}

/**
 * `x` (finite, at least 0, below 1e21) with `digits` decimals (at most 100), rounded as Rust
 * does: to the nearest, and on an exact tie to the even digit. JavaScript's `toFixed` rounds the
 * exact value too but sends ties up (`(0.5).toFixed(0)` is "1", Rust's `{:.0}` gives "0").
 */
export function fixedEven(x: number, digits: number): string {
  const s = x.toFixed(digits);
  // An exact tie makes x·10^digits a whole number and a half, which the product shows exactly
  // (a half-odd multiple of 10^-digits has few enough bits); anything else cannot be a tie.
  if (digits <= 22) {
    const y = x * 10 ** digits;
    if (y - Math.floor(y) !== 0.5) return s;
  } else if (digits > 70) return s;
  const long = x.toFixed(digits + 30);
  const cut = long.length - 30; // the first digit past the ones kept
  if (long.charCodeAt(cut) !== 53) return s; // "5"
  for (let i = cut + 1; i < long.length; i++) if (long.charCodeAt(i) !== 48) return s;
  const kept = digits === 0 ? long.slice(0, cut - 1) : long.slice(0, cut);
  return (kept.charCodeAt(kept.length - 1) - 48) % 2 === 0 ? kept : s;
}

function toFixedExact(x: number, digits: number): string {
  if (digits <= 100 && x < 1e21) return fixedEven(x, digits);
  const s = floatDisplay(x);
  const [int, frac = ""] = s.split(".");
  return digits === 0 ? int : `${int}.${(frac + "0".repeat(digits)).slice(0, digits)}`;
}

/**
 * A function formatting values by one spec, made once per `{:…}` placeholder in a program. The
 * common numeric specs (`{:5}`, `{:06}`, `{:<5}`, `{:8.2}`) get a direct path for non-negative
 * ints and finite non-negative floats; every other value and spec goes through
 * {@link formatWith}.
 */
export function formatter(spec: FormatSpec): (v: Value) => string {
  const s: FormatSpec = Object.freeze({ ...spec });
  const general = (v: Value) => formatWith(v, s);
  if (
    s.type !== "" || s.sign !== undefined || s.alternate || s.fill !== undefined ||
    s.align === "^"
  ) {
    return general;
  }
  const width = s.width ?? 0;
  const zero = s.zero === true;
  const left = s.align === "<";
  // Numbers align right unless told otherwise; zero padding goes between sign and digits, and
  // there is no sign here.
  const pad = (body: string): string => {
    const n = width - body.length;
    if (n <= 0) return body;
    if (zero) return "0".repeat(n) + body;
    return left ? body + " ".repeat(n) : " ".repeat(n) + body;
  };
  const precision = s.precision;
  if (precision === undefined) {
    return (v) => (typeof v === "number" && v >= 0 ? pad(String(v)) : formatWith(v, s));
  }
  if (precision > 100) return general;
  return (v) => {
    if (v instanceof Float) {
      const x = v.v;
      if (x >= 0 && x < 1e21 && !Object.is(x, -0)) return pad(fixedEven(x, precision));
    }
    return formatWith(v, s);
  };
}
