/**
 * The built-in items a program can name: the prelude (`Some`, `Vec`, `String`, `println`, …) and
 * the `std` paths (`std::i64::max`, `std::cmp::Ordering`, `std::f64::consts::PI`, …). The
 * compiler resolves paths against {@link resolveBuiltin}; compiled code receives the values
 * through {@link LIB}, a `Map`, so the set of reachable built-ins is exactly what is listed
 * here.
 *
 * @module
 */
import { callable, mc0, METHODS, named } from "../runtime/dispatch.ts";
import { panic, typeError } from "../runtime/errors.ts";
import { debug, display } from "../runtime/format.ts";
import { io } from "../runtime/io.ts";
import { charge, COST } from "../runtime/meter.ts";
import { typeName } from "../runtime/ops.ts";
import {
  Bytes,
  Char,
  END as END_VALUE,
  Err,
  Float,
  HashMapValue,
  HashSetValue,
  Iter,
  type MethodTable,
  NONE,
  Ok,
  Range,
  Some,
  StructValue,
  Tuple,
  UNIT,
  type Value,
  VecDequeValue,
} from "../runtime/values.ts";
import { ArrayIter, drain, intBound, IntRangeIter, toIter } from "./iter.ts";
import { mapFrom, setFrom } from "./collections.ts";
import { dequeFrom } from "./deque.ts";
import { EQUAL, GREATER, LESS, ORDERING } from "./ordering.ts";
import { charFromDigit, charFromU32, intPow, maxOf, minOf } from "./num.ts";
import { parseFloat64, parseInt64 } from "./string.ts";
import {
  Complete,
  Future,
  Generator,
  GENERATOR_STATE,
  join as joinFutures,
  Yielded,
} from "../runtime/generator.ts";

/** A built-in type: how `is` recognises its values and where its methods are. */
export interface BuiltinType {
  /** Name as written (`Vec`, `i64`). */
  name: string;
  /** Does a value belong to it? */
  test(v: Value): boolean;
  /** Its instance methods (for `Type::method(value, …)` calls). */
  methods: MethodTable;
}

/** A built-in type whose values are instances of a runtime class with a method table. */
function classType(name: string, cls: abstract new (...a: never[]) => unknown) {
  return {
    name,
    test: (v: Value) => v instanceof cls,
    methods: (cls.prototype as unknown as { $m: MethodTable }).$m,
  };
}

const isInt = (v: Value) => typeof v === "number" || typeof v === "bigint";

/** A lookup table without a prototype, so no program-supplied name finds an inherited key. */
function nullProto<T>(entries: Record<string, T>): Record<string, T> {
  return Object.assign(Object.create(null), entries);
}

/** Built-in types by name. */
export const BUILTIN_TYPES: Record<string, BuiltinType> = Object.assign(Object.create(null), {
  i64: { name: "i64", test: isInt, methods: METHODS.int },
  f64: { name: "f64", test: (v: Value) => v instanceof Float, methods: METHODS.float },
  bool: { name: "bool", test: (v: Value) => typeof v === "boolean", methods: METHODS.bool },
  char: { name: "char", test: (v: Value) => v instanceof Char, methods: METHODS.char },
  String: { name: "String", test: (v: Value) => typeof v === "string", methods: METHODS.string },
  Vec: { name: "Vec", test: (v: Value) => Array.isArray(v), methods: METHODS.vec },
  Object: { name: "Object", test: (v: Value) => v instanceof Map, methods: METHODS.object },
  Tuple: { name: "Tuple", test: (v: Value) => v instanceof Tuple, methods: METHODS.tuple },
  Option: {
    name: "Option",
    test: (v: Value) => v instanceof Some || v === NONE,
    methods: METHODS.option,
  },
  Result: {
    name: "Result",
    test: (v: Value) => v instanceof Ok || v instanceof Err,
    methods: METHODS.result,
  },
  Range: { name: "Range", test: (v: Value) => v instanceof Range, methods: METHODS.range },
  Bytes: { name: "Bytes", test: (v: Value) => v instanceof Bytes, methods: METHODS.bytes },
  Iterator: { name: "Iterator", test: (v: Value) => v instanceof Iter, methods: METHODS.iter },
  Function: { name: "Function", test: (v: Value) => typeof v === "function", methods: METHODS.fn },
  HashMap: classType("HashMap", HashMapValue),
  HashSet: classType("HashSet", HashSetValue),
  VecDeque: classType("VecDeque", VecDequeValue),
  Generator: classType("Generator", Generator),
  Future: classType("Future", Future),
  GeneratorState: {
    name: "GeneratorState",
    test: (v: Value) => v instanceof Yielded || v instanceof Complete,
    methods: GENERATOR_STATE.methods,
  },
  Ordering: {
    name: "Ordering",
    test: (v: Value) => v instanceof StructValue && v.$t.enum === ORDERING,
    methods: ORDERING.methods,
  },
});

/** Other names of built-in types. */
const TYPE_ALIASES: Record<string, string> = nullProto({
  int: "i64",
  float: "f64",
  u64: "i64",
  u8: "i64",
  usize: "i64",
  i32: "i64",
  u32: "i64",
  f32: "f64",
  str: "String",
});

/** Canonical built-in paths of the types (`std::vec::Vec` → `Vec`). */
const TYPE_PATHS: Record<string, string> = nullProto({
  "std::i64": "i64",
  "std::f64": "f64",
  "std::u64": "i64",
  "std::bool": "bool",
  "std::char": "char",
  "std::string::String": "String",
  "std::vec::Vec": "Vec",
  "std::object::Object": "Object",
  "std::tuple::Tuple": "Tuple",
  "std::option::Option": "Option",
  "std::result::Result": "Result",
  "std::ops::Range": "Range",
  "std::bytes::Bytes": "Bytes",
  "std::iter::Iterator": "Iterator",
  "std::cmp::Ordering": "Ordering",
  "std::ops::GeneratorState": "GeneratorState",
  "std::ops::generator::GeneratorState": "GeneratorState",
  "std::ops::Generator": "Generator",
  "std::ops::generator::Generator": "Generator",
  "std::generator::Generator": "Generator",
  "std::future::Future": "Future",
  "std::collections::HashMap": "HashMap",
  "std::collections::HashSet": "HashSet",
  "std::collections::VecDeque": "VecDeque",
  "std::collections::vec_deque::VecDeque": "VecDeque",
});

function fn<F extends (...a: never[]) => unknown>(name: string, f: F): F {
  return named(name, f);
}

/** Every built-in value reachable from compiled code, by canonical path. */
export const LIB: Map<string, Value> = new Map<string, Value>([
  // Option and Result constructors, as values (`.map(Some)`).
  ["Some", fn("Some", (v: Value) => new Some(v))],
  ["None", NONE],
  ["Ok", fn("Ok", (v: Value) => new Ok(v))],
  ["Err", fn("Err", (v: Value) => new Err(v))],
  // i64
  ["i64::MAX", 9223372036854775807n],
  ["i64::MIN", -9223372036854775808n],
  ["i64::parse", fn("i64::parse", (s: Value) => parseInt64(str(s, "i64::parse")))],
  ["i64::from", fn("i64::from", (v: Value) => intFrom(v))],
  ["f64::from", fn("f64::from", (v: Value) => floatFrom(v))],
  ["i64::max", fn("i64::max", (a: Value, b: Value) => maxOf(a, b))],
  ["i64::min", fn("i64::min", (a: Value, b: Value) => minOf(a, b))],
  ["i64::pow", fn("i64::pow", (a: Value, b: Value) => intPow(a, b))],
  // f64
  ["f64::MAX", new Float(Number.MAX_VALUE)],
  ["f64::MIN", new Float(-Number.MAX_VALUE)],
  ["f64::MIN_POSITIVE", new Float(2.2250738585072014e-308)],
  ["f64::EPSILON", new Float(Number.EPSILON)],
  ["f64::INFINITY", new Float(Infinity)],
  ["f64::NEG_INFINITY", new Float(-Infinity)],
  ["f64::NAN", new Float(NaN)],
  ["f64::consts::PI", new Float(Math.PI)],
  ["f64::consts::E", new Float(Math.E)],
  ["f64::consts::TAU", new Float(2 * Math.PI)],
  ["f64::consts::SQRT_2", new Float(Math.SQRT2)],
  ["f64::consts::LN_2", new Float(Math.LN2)],
  ["f64::consts::LN_10", new Float(Math.LN10)],
  ["f64::parse", fn("f64::parse", (s: Value) => parseFloat64(str(s, "f64::parse")))],
  ["f64::max", fn("f64::max", (a: Value, b: Value) => METHODS.float.max(a, b))],
  ["f64::min", fn("f64::min", (a: Value, b: Value) => METHODS.float.min(a, b))],
  // char
  ["char::from_u32", fn("char::from_u32", (n: Value) => charFromU32(n))],
  ["char::from_i64", fn("char::from_i64", (n: Value) => charFromU32(n))],
  ["char::from_digit", fn("char::from_digit", (d: Value, r: Value) => charFromDigit(d, r))],
  ["char::from_int", fn("char::from_int", (n: Value) => charFromU32(n))],
  // String
  ["String::new", fn("String::new", () => "")],
  ["String::from", fn("String::from", (s: Value) => (typeof s === "string" ? s : display(s)))],
  ["String::from_str", fn("String::from_str", (s: Value) => str(s, "String::from_str"))],
  ["String::with_capacity", fn("String::with_capacity", (_n: Value) => "")],
  ["String::from_utf8", fn("String::from_utf8", (b: Value) => fromUtf8(b))],
  // Vec
  ["Vec::new", fn("Vec::new", () => [])],
  ["Vec::with_capacity", fn("Vec::with_capacity", (_n: Value) => [])],
  ["Vec::from", fn("Vec::from", (x: Value) => collectVec(x))],
  // Object
  ["Object::new", fn("Object::new", () => new Map())],
  ["Object::with_capacity", fn("Object::with_capacity", (_n: Value) => new Map())],
  ["Object::from", fn("Object::from", (x: Value) => METHODS.iter["collect::<Object>"](toIter(x)))],
  // Bytes
  ["Bytes::new", fn("Bytes::new", () => new Bytes([]))],
  ["Bytes::with_capacity", fn("Bytes::with_capacity", (_n: Value) => new Bytes([]))],
  // collections
  ["HashMap::new", fn("HashMap::new", () => new HashMapValue())],
  ["HashMap::with_capacity", fn("HashMap::with_capacity", (_n: Value) => new HashMapValue())],
  ["HashMap::from", fn("HashMap::from", (x: Value) => mapFrom(x))],
  ["HashSet::new", fn("HashSet::new", () => new HashSetValue())],
  ["HashSet::with_capacity", fn("HashSet::with_capacity", (_n: Value) => new HashSetValue())],
  ["HashSet::from", fn("HashSet::from", (x: Value) => setFrom(x))],
  ["VecDeque::new", fn("VecDeque::new", () => new VecDequeValue())],
  [
    "VecDeque::with_capacity",
    fn("VecDeque::with_capacity", (n: Value) => {
      if (typeof n !== "number" || n < 0) {
        throw typeError("VecDeque::with_capacity expects a non-negative int");
      }
      return new VecDequeValue(Math.min(n, 1 << 16));
    }),
  ],
  ["VecDeque::from", fn("VecDeque::from", (x: Value) => dequeFrom(x))],
  // Ordering
  ["Ordering::Less", LESS],
  ["Ordering::Equal", EQUAL],
  ["Ordering::Greater", GREATER],
  // generators and futures
  ["GeneratorState::Yielded", fn("Yielded", (v: Value) => new Yielded(v))],
  ["GeneratorState::Complete", fn("Complete", (v: Value) => new Complete(v))],
  ["future::join", fn("join", (x: Value) => joinFutures(x))],
  // cmp
  ["cmp::max", fn("max", (a: Value, b: Value) => maxOf(a, b))],
  ["cmp::min", fn("min", (a: Value, b: Value) => minOf(a, b))],
  // iter
  ["iter::once", fn("once", (v: Value) => new ArrayIter([v]))],
  ["iter::empty", fn("empty", () => new ArrayIter([]))],
  // Rune's `std::iter::range(start, end)`: the ints from start up to, not including, end.
  [
    "iter::range",
    fn(
      "range",
      (a: Value, b: Value) =>
        new IntRangeIter(intBound(a, "range's start"), intBound(b, "range's end")),
    ),
  ],
  ["iter::repeat", fn("repeat", (v: Value) => new RepeatIter(v))],
  ["iter::from_fn", fn("from_fn", (f: Value) => new FromFnIter(callable(f, 0, "from_fn")))],
  // io and friends
  ["io::print", fn("print", (s: Value) => (io.out(display(s)), UNIT))],
  ["io::println", fn("println", (s: Value) => (io.out(display(s) + "\n"), UNIT))],
  ["io::dbg", fn("dbg", (v: Value) => (io.err(debug(v) + "\n"), v))],
  [
    "panic",
    fn("panic", (m: Value) => {
      throw panic(typeof m === "string" ? m : debug(m));
    }),
  ],
  ["drop", fn("drop", (_v: Value) => UNIT)],
  ["mem::drop", fn("drop", (_v: Value) => UNIT)],
  ["clone::clone", fn("clone", (v: Value) => mc0(v, "clone"))],
  // No value is ever borrowed here (see docs/rune.md), so every value can be read and written.
  ["is_readable", fn("is_readable", (_v: Value) => true)],
  ["is_writable", fn("is_writable", (_v: Value) => true)],
  ["type_name_of_val", fn("type_name_of_val", (v: Value) => typeName(v))],
  ["any::type_name_of_val", fn("type_name_of_val", (v: Value) => typeName(v))],
]);

/** Prelude names that resolve without a path, to LIB keys or built-in types. */
const PRELUDE: Record<string, string> = nullProto({
  Some: "Some",
  None: "None",
  Ok: "Ok",
  Err: "Err",
  print: "io::print",
  println: "io::println",
  dbg: "io::dbg",
  panic: "panic",
  drop: "drop",
  is_readable: "is_readable",
  is_writable: "is_writable",
});

class RepeatIter extends Iter {
  constructor(readonly v: Value) {
    super();
  }
  nx(): Value {
    return this.v;
  }
}

class FromFnIter extends Iter {
  constructor(readonly f: () => Value) {
    super();
  }
  nx(): Value {
    const r = this.f();
    if (r instanceof Some) return r.v;
    if (r === NONE) return END_VALUE;
    throw typeError(`iter::from_fn expects its function to return an Option, not ${typeName(r)}`);
  }
}

function str(v: Value, what: string): string {
  if (typeof v === "string") return v;
  throw typeError(`${what} expects a String, not ${typeName(v)}`);
}

function collectVec(x: Value): Value[] {
  if (Array.isArray(x)) {
    charge(x.length * COST.slot);
    return x.slice();
  }
  return drain(toIter(x));
}

function fromUtf8(b: Value): Value {
  const bytes = b instanceof Bytes ? b.b : Array.isArray(b) ? b : null;
  if (bytes === null) throw typeError(`String::from_utf8 expects Bytes, not ${typeName(b)}`);
  try {
    return new Ok(new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes)));
  } catch {
    return new Err("invalid utf-8");
  }
}

/** What a path names among the built-ins. */
export type BuiltinRef =
  | { kind: "value"; key: string }
  | { kind: "type"; name: string }
  | { kind: "trait"; name: string }
  | { kind: "module"; path: string };

/** Standard traits a program can implement for its own types (`impl fmt::Display for P`). */
const TRAIT_PATHS: Record<string, string> = nullProto({
  "std::fmt::Display": "Display",
  "std::fmt::Debug": "Debug",
  // In Rust's prelude, so also without a path (`Iterator` is also a type: see BUILTIN_TYPES).
  Clone: "Clone",
  "std::clone::Clone": "Clone",
  Copy: "Copy",
  "std::marker::Copy": "Copy",
  Default: "Default",
  "std::default::Default": "Default",
  PartialEq: "PartialEq",
  "std::cmp::PartialEq": "PartialEq",
  Eq: "Eq",
  "std::cmp::Eq": "Eq",
  PartialOrd: "PartialOrd",
  "std::cmp::PartialOrd": "PartialOrd",
  Ord: "Ord",
  "std::cmp::Ord": "Ord",
  From: "From",
  "std::convert::From": "From",
  Into: "Into",
  "std::convert::Into": "Into",
});

const MODULES = new Set([
  "std::collections",
  "std",
  "std::cmp",
  "std::iter",
  "std::io",
  "std::collections",
  "std::f64::consts",
  "std::any",
  "std::string",
  "std::vec",
  "std::object",
  "std::option",
  "std::result",
  "std::tuple",
  "std::ops",
  "std::bytes",
  "std::char",
  "std::i64",
  "std::f64",
  "std::u64",
  "std::bool",
  "std::fmt",
  "std::future",
  "std::ops::generator",
]);

/**
 * Resolve a path (segments as written, `std::` optional for types) to a built-in, or null.
 *
 * @example
 * ```ts
 * import { resolveBuiltin } from "./prelude.ts";
 * resolveBuiltin(["std", "i64", "max"]); // { kind: "value", key: "i64::max" }
 * resolveBuiltin(["Vec"]); // { kind: "type", name: "Vec" }
 * ```
 */
export function resolveBuiltin(segments: string[]): BuiltinRef | null {
  if (segments.length === 1 && PRELUDE[segments[0]] !== undefined) {
    return { kind: "value", key: PRELUDE[segments[0]] };
  }
  let path = segments.join("::");
  if (TRAIT_PATHS[path] !== undefined) return { kind: "trait", name: TRAIT_PATHS[path] };
  if (path.startsWith("std::")) {
    // Types first: std::vec::Vec, std::i64
    for (const [full, name] of Object.entries(TYPE_PATHS)) {
      if (path === full) return { kind: "type", name };
      if (path.startsWith(full + "::")) {
        path = name + path.slice(full.length);
        break;
      }
    }
    if (path.startsWith("std::")) {
      const rest = path.slice(5);
      if (LIB.has(rest)) return { kind: "value", key: rest };
      if (rest === "option::Option::Some" || rest === "option::Some") {
        return { kind: "value", key: "Some" };
      }
      if (rest === "option::Option::None" || rest === "option::None") {
        return { kind: "value", key: "None" };
      }
      if (rest === "result::Result::Ok" || rest === "result::Ok") {
        return { kind: "value", key: "Ok" };
      }
      if (rest === "result::Result::Err" || rest === "result::Err") {
        return { kind: "value", key: "Err" };
      }
      if (MODULES.has(path)) return { kind: "module", path };
      return null;
    }
  }
  const [head, ...tail] = path.split("::");
  const typeName = BUILTIN_TYPES[head] ? head : TYPE_ALIASES[head];
  if (typeName !== undefined) {
    if (tail.length === 0) return { kind: "type", name: typeName };
    const key = [typeName, ...tail].join("::");
    if (LIB.has(key)) return { kind: "value", key };
    // `i64::abs`, `Vec::len`: an instance method used as a function.
    if (tail.length === 1 && BUILTIN_TYPES[typeName].methods[tail[0]] !== undefined) {
      return { kind: "value", key };
    }
    if (typeName === "Option" && tail.length === 1 && (tail[0] === "Some" || tail[0] === "None")) {
      return { kind: "value", key: tail[0] };
    }
    if (typeName === "Result" && tail.length === 1 && (tail[0] === "Ok" || tail[0] === "Err")) {
      return { kind: "value", key: tail[0] };
    }
    return null;
  }
  if (LIB.has(path) && segments.length > 1) return { kind: "value", key: path };
  return null;
}

/** The method a `Type::method` path names on a built-in type, for `Vec::len(v)` calls. */
export function builtinMethod(type: string, name: string): boolean {
  const t = BUILTIN_TYPES[type];
  return t !== undefined && t.methods[name] !== undefined;
}

/** `i64::from(x)`: an int, a bool or a char as an int (the lossless conversions Rust has). */
function intFrom(v: Value): Value {
  if (typeof v === "number" || typeof v === "bigint") return v;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (v instanceof Char) return v.c;
  throw typeError(`i64::from expects an int, a bool or a char, not ${typeName(v)}`);
}

/** `f64::from(x)`: a float, or an int as a float. */
function floatFrom(v: Value): Value {
  if (v instanceof Float) return v;
  if (typeof v === "number" || typeof v === "bigint") return new Float(Number(v));
  throw typeError(`f64::from expects an int or a float, not ${typeName(v)}`);
}
