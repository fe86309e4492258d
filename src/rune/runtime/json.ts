/**
 * Converting between JSON data and Rune values, for hosts that pass parameters in and results
 * out (the plugin engine, `cru rune run`).
 *
 * JSON → Rune: objects become `Object`s, arrays `Vec`s, integral numbers `int`s, other numbers
 * `float`s, `null` becomes `()`.
 *
 * Rune → JSON: `()` and `None` become `null`, `Some(v)` and `Ok(v)` become `v`, tuples and
 * vectors arrays, objects and structs objects, chars strings, enum variants serde's external
 * tagging (`"Unit"`, `{"Tuple": [..]}`, `{"Struct": {..}}`), `Err(e)` `{"Err": e}`. Functions,
 * iterators, ranges, NaN and infinities cannot be converted; ints beyond ±2^53 lose precision.
 *
 * @module
 */
import { RuneError } from "./errors.ts";
import { typeName } from "./ops.ts";
import {
  Bytes,
  Char,
  Err,
  Float,
  HashMapValue,
  HashSetValue,
  mapEntries,
  NONE,
  Ok,
  Some,
  StructValue,
  Tuple,
  UNIT,
  type Value,
  VecDequeValue,
} from "./values.ts";

/** JSON data. */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
  [key: string]: JsonValue;
};

const MAX_DEPTH = 64;

/** JSON data to a Rune value. */
export function fromJson(v: unknown, depth = 0): Value {
  if (depth > MAX_DEPTH) {
    throw new RuneError("E_RUNTIME", `the value is nested more than ${MAX_DEPTH} levels`);
  }
  if (v === null || v === undefined) return UNIT;
  switch (typeof v) {
    case "boolean":
    case "string":
      return v;
    case "number":
      if (Number.isSafeInteger(v)) return v === 0 ? 0 : v;
      return new Float(v);
    case "object":
      if (Array.isArray(v)) return v.map((x) => fromJson(x, depth + 1));
      return new Map(
        Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJson(x, depth + 1)]),
      );
  }
  throw new RuneError("E_RUNTIME", `a ${typeof v} cannot be passed to a Rune program`);
}

/** A Rune value to JSON data. */
export function toJson(v: Value, what = "the value", depth = 0): JsonValue {
  if (depth > MAX_DEPTH) {
    throw new RuneError("E_RUNTIME", `${what} is nested more than ${MAX_DEPTH} levels`);
  }
  const inner = (x: Value, w: string) => toJson(x, w, depth + 1);
  switch (typeof v) {
    case "boolean":
    case "string":
      return v;
    case "number":
      return v;
    case "bigint":
      return Number(v);
  }
  if (v === UNIT || v === NONE) return null;
  if (v instanceof Float) {
    if (!Number.isFinite(v.v)) {
      throw new RuneError("E_RUNTIME", `${what} is ${v.v}, which JSON cannot hold`);
    }
    return v.v;
  }
  if (v instanceof Char) return String.fromCodePoint(v.c);
  if (Array.isArray(v)) return v.map((x, i) => inner(x, `${what}[${i}]`));
  if (v instanceof Tuple) return v.t.map((x, i) => inner(x, `${what}.${i}`));
  if (v instanceof Map) {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of v) {
      Object.defineProperty(out, k, {
        value: inner(x, `${what}.${k}`),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  if (v instanceof Some || v instanceof Ok) return inner(v.v, what);
  if (v instanceof Err) return { Err: inner(v.v, what) };
  if (v instanceof Bytes) return v.b.slice();
  if (v instanceof HashSetValue) return [...v.m.values()].map((x, i) => inner(x, `${what}[${i}]`));
  if (v instanceof VecDequeValue) return v.items().map((x, i) => inner(x, `${what}[${i}]`));
  if (v instanceof HashMapValue) {
    const entries = mapEntries(v);
    if (entries.every(([k]) => typeof k === "string")) {
      const out: Record<string, JsonValue> = {};
      for (const [k, x] of entries) {
        Object.defineProperty(out, k, {
          value: inner(x, `${what}.${k}`),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return entries.map(([k, x], i) => [inner(k, `${what} key ${i}`), inner(x, `${what}[${i}]`)]);
  }
  if (v instanceof StructValue) {
    const t = v.$t;
    const field = (f: string) => (v as unknown as Record<string, Value>)["f_" + f];
    let body: JsonValue;
    if (t.shape === "unit") body = null;
    else if (t.shape === "tuple") {
      body = t.fields.length === 1
        ? inner(field("0"), what)
        : t.fields.map((f) => inner(field(f), `${what}.${f}`));
    } else {
      const o: Record<string, JsonValue> = {};
      for (const f of t.fields) {
        Object.defineProperty(o, f, {
          value: inner(field(f), `${what}.${f}`),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      body = o;
    }
    if (t.kind === "variant") {
      const name = t.name.slice(t.name.lastIndexOf("::") + 2);
      return body === null ? name : { [name]: body };
    }
    return body ?? t.name;
  }
  throw new RuneError(
    "E_RUNTIME",
    `${what} is a ${typeName(v)}, which cannot be converted to JSON`,
  );
}

/** A top-level `Err(e)`'s error value, or undefined when `v` is not an `Err`. */
export function errorOf(v: Value): Value | undefined {
  return v instanceof Err ? v.v : undefined;
}
