/**
 * `std::collections::HashMap` and `HashSet`. Keys are any hashable Rune value — ints, strings,
 * chars, bools, `()`, floats other than NaN, and tuples, vectors and Options of those — encoded
 * to a string that is equal exactly when the keys are equal, so lookups are JavaScript `Map`
 * lookups.
 *
 * @module
 */
import { callable, METHODS } from "../runtime/dispatch.ts";
import { panic, typeError } from "../runtime/errors.ts";
import { charge, COST, credit } from "../runtime/meter.ts";
import { typeName } from "../runtime/ops.ts";
import { debug } from "../runtime/format.ts";
import {
  Char,
  Float,
  HashMapValue,
  HashSetValue,
  type Iter,
  mapEntries,
  mapKeyValue,
  methodTable,
  NONE,
  setMethods,
  Some,
  Tuple,
  UNIT,
  type Value,
} from "../runtime/values.ts";
import { ArrayIter, drain, JsIter, toIter } from "./iter.ts";

/**
 * The JavaScript `Map` key of a hashable key: a safe int is itself, a string is itself, anything
 * else is a string encoding that starts with a lone surrogate (U+DFFF), which no string key
 * starts with (a string that does is encoded as well), so no two keys collide.
 */
export function hashKey(k: Value): string | number {
  if (typeof k === "number") return k;
  // A string from JSON may start with a lone surrogate; such a string is encoded too.
  if (typeof k === "string" && k.charCodeAt(0) !== 0xdfff) return k;
  return "\uDFFF" + encodeKey(k, 0);
}

/** An unambiguous string encoding of a hashable key (used inside composite keys). */
function encodeKey(k: Value, depth: number): string {
  if (depth > 32) throw typeError("a key is nested too deeply to hash");
  switch (typeof k) {
    case "number":
    case "bigint":
      return `i${k}`;
    case "string":
      return `s${k}`;
    case "boolean":
      return k ? "b1" : "b0";
  }
  if (k instanceof Char) return `c${k.c}`;
  if (k instanceof Float) {
    if (Number.isNaN(k.v)) throw typeError("NaN cannot be a key");
    return `f${k.v === 0 ? 0 : k.v}`;
  }
  if (k instanceof Tuple) return `t(${k.t.map((x) => encodeKey(x, depth + 1)).join(",")})`;
  if (Array.isArray(k)) return `v[${k.map((x) => encodeKey(x, depth + 1)).join(",")}]`;
  if (k instanceof Some) return `S(${encodeKey(k.v, depth + 1)})`;
  if (k === NONE) return "N";
  throw typeError(`a value of type \`${typeName(k)}\` cannot be used as a key`);
}

const MAP = methodTable();
const SET = methodTable();
setMethods(HashMapValue, MAP);
setMethods(HashSetValue, SET);

function entryCost(k: Value): number {
  return COST.entry + (typeof k === "string" ? k.length * COST.char : 0);
}

/** Insert into a map, charging for a new entry; returns the old value or undefined. */
export function mapInsert(map: HashMapValue, k: Value, v: Value): Value | undefined {
  const key = hashKey(k);
  const old = map.m.get(key);
  if (old === undefined) {
    charge(entryCost(k));
    if (typeof key === "string" && key !== k) (map.k ??= new Map()).set(key, k);
  }
  map.m.set(key, v);
  return old;
}

/** A new HashMap from (key, value) pairs. */
export function mapFrom(items: Value): HashMapValue {
  const map = new HashMapValue();
  for (const pair of drain(toIter(items))) {
    if (!(pair instanceof Tuple) || pair.t.length !== 2) {
      throw typeError("a HashMap is built from (key, value) pairs");
    }
    mapInsert(map, pair.t[0], pair.t[1]);
  }
  return map;
}

/** A new HashSet from values. */
export function setFrom(items: Value): HashSetValue {
  const set = new HashSetValue();
  for (const x of drain(toIter(items))) SET.insert(set, x);
  return set;
}

MAP.len = (m: HashMapValue) => m.m.size;
MAP.is_empty = (m: HashMapValue) => m.m.size === 0;
MAP.insert = (m: HashMapValue, k: Value, v: Value) => {
  const old = mapInsert(m, k, v);
  return old === undefined ? NONE : new Some(old);
};
MAP.get = (m: HashMapValue, k: Value) => {
  const v = m.m.get(hashKey(k));
  return v === undefined ? NONE : new Some(v);
};
MAP.contains_key = (m: HashMapValue, k: Value) => m.m.has(hashKey(k));
MAP.remove = (m: HashMapValue, k: Value) => {
  const key = hashKey(k);
  const v = m.m.get(key);
  if (v === undefined) return NONE;
  m.m.delete(key);
  m.k?.delete(key as string);
  credit(entryCost(k));
  return new Some(v);
};
MAP.clear = (m: HashMapValue) => {
  m.m.clear();
  m.k = null;
  return UNIT;
};
MAP.keys = (m: HashMapValue) => new JsIter(m.m.keys(), (k) => mapKeyValue(m, k as string));
MAP.values = (m: HashMapValue) => new JsIter(m.m.values(), (v) => v);
MAP.iter = (m: HashMapValue) =>
  new JsIter(m.m.entries(), (e) => {
    const [k, v] = e as [string | number, Value];
    return new Tuple([mapKeyValue(m, k), v]);
  });
MAP.into_iter = MAP.iter;
MAP.extend = (m: HashMapValue, items: Value) => {
  const more = mapFrom(items);
  for (const [k, v] of mapEntries(more)) mapInsert(m, k, v);
  return UNIT;
};
MAP.clone = (m: HashMapValue) => {
  const out = new HashMapValue();
  for (const [key, v] of m.m) out.m.set(key, v);
  if (m.k) out.k = new Map(m.k);
  charge(m.m.size * COST.entry + COST.header);
  return out;
};
MAP.retain = (m: HashMapValue, f: Value) => {
  const g = callable(f, 2, "retain");
  for (const [key, v] of [...m.m]) {
    if (g(mapKeyValue(m, key), v) !== true) {
      m.m.delete(key);
      m.k?.delete(key as string);
    }
  }
  return UNIT;
};
MAP.get_or_insert = (m: HashMapValue, k: Value, d: Value) => {
  const key = hashKey(k);
  const v = m.m.get(key);
  if (v !== undefined) return v;
  mapInsert(m, k, d);
  return d;
};

SET.len = (s: HashSetValue) => s.m.size;
SET.is_empty = (s: HashSetValue) => s.m.size === 0;
SET.insert = (s: HashSetValue, x: Value) => {
  const key = hashKey(x);
  if (s.m.has(key)) return false;
  charge(entryCost(x));
  s.m.set(key, x);
  return true;
};
SET.contains = (s: HashSetValue, x: Value) => s.m.has(hashKey(x));
SET.remove = (s: HashSetValue, x: Value) => {
  const key = hashKey(x);
  if (!s.m.delete(key)) return false;
  credit(entryCost(x));
  return true;
};
SET.clear = (s: HashSetValue) => {
  s.m.clear();
  return UNIT;
};
SET.iter = (s: HashSetValue) => new JsIter(s.m.values(), (x) => x);
SET.into_iter = SET.iter;
SET.extend = (s: HashSetValue, items: Value) => {
  for (const x of drain(toIter(items))) SET.insert(s, x);
  return UNIT;
};
SET.clone = (s: HashSetValue) => {
  const out = new HashSetValue();
  for (const [k, x] of s.m) out.m.set(k, x);
  charge(s.m.size * COST.entry + COST.header);
  return out;
};
function other(s: Value, what: string): HashSetValue {
  if (s instanceof HashSetValue) return s;
  throw typeError(`${what} expects a HashSet, not ${typeName(s)}`);
}
SET.union = (a: HashSetValue, b: Value) =>
  new ArrayIter([
    ...a.m.values(),
    ...[...other(b, "union").m].filter(([k]) => !a.m.has(k)).map(([, x]) => x),
  ]);
SET.intersection = (a: HashSetValue, b: Value) =>
  new ArrayIter([...a.m].filter(([k]) => other(b, "intersection").m.has(k)).map(([, x]) => x));
SET.difference = (a: HashSetValue, b: Value) =>
  new ArrayIter([...a.m].filter(([k]) => !other(b, "difference").m.has(k)).map(([, x]) => x));
SET.is_subset = (a: HashSetValue, b: Value) =>
  [...a.m.keys()].every((k) => other(b, "is_subset").m.has(k));

METHODS.iter["collect::<HashMap>"] = (it: Iter) => mapFrom(it);
METHODS.iter["collect::<HashSet>"] = (it: Iter) => setFrom(it);
METHODS.vec["collect::<HashSet>"] = (v: Value[]) => setFrom(v);

/** `map[key]`. */
export function indexMap(m: HashMapValue, k: Value): Value {
  const v = m.m.get(hashKey(k));
  if (v === undefined) throw panic(`missing key ${debug(k)} in map`);
  return v;
}

// `for` loops and iterator adapters reach these through toIter's hook.
Object.defineProperty(HashMapValue.prototype, "iterValue", {
  value(this: HashMapValue) {
    return MAP.iter(this);
  },
});
Object.defineProperty(HashSetValue.prototype, "iterValue", {
  value(this: HashSetValue) {
    return SET.iter(this);
  },
});
