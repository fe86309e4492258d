/**
 * How Rune values are represented in JavaScript. The choice is driven by speed for the common
 * cases and by the rule that compiled code can never reach a JavaScript object it did not get
 * from this runtime:
 *
 * | Rune | JavaScript |
 * | --- | --- |
 * | `int` (i64) | a `number` when it is a safe integer (|n| < 2^53), else a `bigint` in i64 range |
 * | `float` (f64) | a {@link Float} box, so it never mixes up with an int |
 * | `bool` | `boolean` |
 * | `String` | `string` (immutable; see docs/rune.md for what that changes) |
 * | `char` | a {@link Char} (ASCII ones are interned) |
 * | `()` and tuples | a {@link Tuple}; `()` is the empty tuple {@link UNIT} |
 * | `Vec` | a JavaScript `Array` |
 * | `Object` | a `Map` with string keys |
 * | `Option`, `Result` | {@link Some} / {@link NONE}, {@link Ok} / {@link Err} |
 * | structs, enum variants | instances of classes generated per type, fields as `f_<name>` |
 * | functions, closures | JavaScript functions compiled from Rune (or built-ins) |
 *
 * Every class here has a method table `$m` on its prototype (a null-prototype object), which is
 * how method calls dispatch. No Rune value is ever `undefined` or `null`.
 *
 * @module
 */
import { KeyTable } from "./keytable.ts";

/** Any Rune value (kept loose: the compiler, not TypeScript, knows the shapes). */
// deno-lint-ignore no-explicit-any
export type Value = any;

/** A method implementation: the receiver first, then the arguments. */
// deno-lint-ignore no-explicit-any
export type Method = (self: any, ...args: any[]) => Value;

/** A table of methods by name, with no prototype so no inherited name can be looked up. */
export type MethodTable = Record<string, Method>;

/** A fresh, empty method table. */
export function methodTable(): MethodTable {
  return Object.create(null) as MethodTable;
}

/** Install a method table on a class's prototype. */
export function setMethods(cls: { prototype: object }, table: MethodTable): void {
  Object.defineProperty(cls.prototype, "$m", { value: table, writable: false });
}

/** A 64-bit float. */
export class Float {
  /** The number. */
  readonly v: number;
  /** @param v the number */
  constructor(v: number) {
    this.v = v;
  }
}

/** A Unicode scalar value. */
export class Char {
  /** The code point. */
  readonly c: number;
  /** @param c the code point */
  constructor(c: number) {
    this.c = c;
  }
}

const ASCII: Char[] = Array.from({ length: 128 }, (_, i) => new Char(i));

/** The char for a code point (interned for ASCII). */
export function char(cp: number): Char {
  return cp < 128 ? ASCII[cp] : new Char(cp);
}

/** A tuple (fixed length, elements may be reassigned). */
export class Tuple {
  /** The elements. */
  readonly t: Value[];
  /** @param t the elements */
  constructor(t: Value[]) {
    this.t = t;
  }
}

/** The unit value `()`, the empty tuple. */
export const UNIT: Tuple = Object.freeze(new Tuple(Object.freeze([]) as unknown as Value[]));

/** `Some(v)`. */
export class Some {
  /** The value. */
  v: Value;
  /** @param v the value */
  constructor(v: Value) {
    this.v = v;
  }
}

/** The class of `None`. */
export class NoneType {}

/** `None`. */
export const NONE: NoneType = Object.freeze(new NoneType());

/** `Ok(v)`. */
export class Ok {
  /** The value. */
  v: Value;
  /** @param v the value */
  constructor(v: Value) {
    this.v = v;
  }
}

/** `Err(e)`. */
export class Err {
  /** The error value. */
  v: Value;
  /** @param v the error value */
  constructor(v: Value) {
    this.v = v;
  }
}

/** Which kind of range. */
export type RangeKind = "range" | "inclusive" | "from" | "to" | "toinclusive" | "full";

/** `a..b`, `a..=b`, `a..`, `..b`, `..=b`, `..`. */
export class Range {
  /** Start (UNIT when absent). */
  readonly start: Value;
  /** End (UNIT when absent). */
  readonly end: Value;
  /** Kind. */
  readonly kind: RangeKind;
  /** @param start first; @param end last or one past; @param kind which range */
  constructor(start: Value, end: Value, kind: RangeKind) {
    this.start = start;
    this.end = end;
    this.kind = kind;
  }
}

/** A byte string. */
export class Bytes {
  /** The bytes. */
  b: number[];
  /** @param b the bytes */
  constructor(b: number[]) {
    this.b = b;
  }
}

/** Describes a struct, an enum, or an enum variant. */
export interface TypeInfo {
  /** `Foo`, `Enum::Variant`. */
  name: string;
  /** Full item path (`crate::m::Foo`). */
  path: string;
  /** What it is. */
  kind: "struct" | "variant" | "enum";
  /** Field names in declaration order (`0`, `1`, … for tuple shapes). */
  fields: string[];
  /** Shape. */
  shape: "unit" | "tuple" | "named";
  /** For variants: the enum. */
  enum?: TypeInfo;
  /** Instance methods (from `impl`), shared by the variants of an enum. */
  methods: MethodTable;
}

/** Base of every generated struct and variant class. */
export class StructValue {
  /** The type (set on the generated class's prototype). */
  declare readonly $t: TypeInfo;
}

/** The sentinel an internal iterator returns when it is exhausted (never a Rune value). */
export const END: unique symbol = Symbol("end");

/** An iterator as the runtime drives it: `nx()` gives the next value or {@link END}. */
export abstract class Iter {
  /** The next value, or END. */
  abstract nx(): Value | typeof END;
}

/** A Rune function value with its arity (JavaScript's `length`). */
// deno-lint-ignore no-explicit-any
export type RuneFn = (...args: any[]) => Value;

/** Is this value a Rune int? */
export function isInt(v: Value): v is number | bigint {
  return typeof v === "number" || typeof v === "bigint";
}

/** `std::collections::HashMap`: any hashable key (see {@link hashKey}) to a value. */
export class HashMapValue {
  /** Map key (an int, a string, or an encoding; see hashKey) → value, in insertion order. */
  readonly m: KeyTable = new KeyTable();
  /** The original keys of entries whose map key is an encoding (tuples, chars, …). */
  k: Map<string, Value> | null = null;
}

/** The key a HashMap's map key stands for. */
export function mapKeyValue(map: HashMapValue, key: string | number): Value {
  if (typeof key === "number" || key.charCodeAt(0) !== 0xdfff) return key;
  return map.k!.get(key);
}

/** A HashMap's (key, value) entries, in insertion order. */
export function mapEntries(map: HashMapValue): [Value, Value][] {
  const out: [Value, Value][] = [];
  for (const [key, v] of map.m) out.push([mapKeyValue(map, key), v]);
  return out;
}

/** `std::collections::HashSet`. */
export class HashSetValue {
  /** Encoded key → key, in insertion order. */
  readonly m: KeyTable = new KeyTable();
}

/**
 * `std::collections::VecDeque`: a ring buffer, so pushing and popping at either end is O(1).
 * `buf.length` (the capacity) is a power of two; the elements are `buf[(head + i) & mask]` for
 * `i < len`, and unused slots hold `undefined` so dropped values can be collected.
 */
export class VecDequeValue {
  /** The slots. */
  buf: Value[];
  /** Slot of the first element. */
  head = 0;
  /** Number of elements. */
  len = 0;
  /** @param capacity slots to start with (rounded up to a power of two, at least 4) */
  constructor(capacity = 4) {
    let cap = 4;
    while (cap < capacity) cap *= 2;
    this.buf = new Array(cap);
  }
  /** The elements in order, as a new array. */
  items(): Value[] {
    const out = new Array(this.len);
    const mask = this.buf.length - 1;
    for (let i = 0; i < this.len; i++) out[i] = this.buf[(this.head + i) & mask];
    return out;
  }
}
