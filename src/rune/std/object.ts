/**
 * `Object` methods (a string-keyed map, kept in insertion order), and the methods of tuples and
 * ranges.
 *
 * @module
 */
import { callable, METHODS } from "../runtime/dispatch.ts";
import { typeError } from "../runtime/errors.ts";
import { charge, COST, credit } from "../runtime/meter.ts";
import { eq, typeName } from "../runtime/ops.ts";
import { Float, NONE, type Range, Some, Tuple, UNIT, type Value } from "../runtime/values.ts";
import { ArrayIter, drain, JsIter, rangeIter, toIter } from "./iter.ts";
// The range wrappers below copy iterator methods, so those must be installed first.
import "./iter_methods.ts";

type Obj = Map<string, Value>;

function key(k: Value, what: string): string {
  if (typeof k !== "string") throw typeError(`${what} expects a String key, not ${typeName(k)}`);
  return k;
}

const O = METHODS.object;
O.len = (o: Obj) => o.size;
O.is_empty = (o: Obj) => o.size === 0;
O.get = (o: Obj, k: Value) => {
  const v = o.get(key(k, "get"));
  return v === undefined ? NONE : new Some(v);
};
O.contains_key = (o: Obj, k: Value) => o.has(key(k, "contains_key"));
O.insert = (o: Obj, k: Value, v: Value) => {
  const name = key(k, "insert");
  const old = o.get(name);
  if (old === undefined) charge(COST.entry + name.length * COST.char);
  o.set(name, v);
  return old === undefined ? NONE : new Some(old);
};
O.remove = (o: Obj, k: Value) => {
  const name = key(k, "remove");
  const old = o.get(name);
  if (old === undefined) return NONE;
  o.delete(name);
  credit(COST.entry + name.length * COST.char);
  return new Some(old);
};
O.clear = (o: Obj) => {
  o.clear();
  return UNIT;
};
O.keys = (o: Obj) => new JsIter(o.keys(), (k) => k);
O.values = (o: Obj) => new JsIter(o.values(), (v) => v);
O.iter = (o: Obj) => toIter(o);
O.into_iter = (o: Obj) => toIter(o);
O.clone = (o: Obj) => {
  charge(o.size * COST.entry + COST.header);
  return new Map(o);
};
O.extend = (o: Obj, other: Value) => {
  for (const pair of drain(toIter(other))) {
    if (!(pair instanceof Tuple) || pair.t.length !== 2) {
      throw typeError("extend needs (key, value) pairs");
    }
    O.insert(o, pair.t[0], pair.t[1]);
  }
  return UNIT;
};
O.retain = (o: Obj, f: Value) => {
  const g = callable(f, 2, "retain");
  for (const [k, v] of [...o]) if (g(k, v) !== true) o.delete(k);
  return UNIT;
};
O.get_or = (o: Obj, k: Value, d: Value) => o.get(key(k, "get_or")) ?? d;

const T = METHODS.tuple;
T.len = (t: Tuple) => t.t.length;
T.is_empty = (t: Tuple) => t.t.length === 0;
T.get = (
  t: Tuple,
  i: Value,
) => (typeof i === "number" && i >= 0 && i < t.t.length ? new Some(t.t[i]) : NONE);
T.iter = (t: Tuple) => new ArrayIter(t.t);
T.into_iter = T.iter;
T.clone = (t: Tuple) => (t.t.length === 0 ? t : new Tuple(t.t.slice()));

const R = METHODS.range;
R.iter = (r: Range) => rangeIter(r);
R.into_iter = R.iter;
R.contains = (r: Range, x: Value) => {
  const num = (
    v: Value,
  ) => (v instanceof Float ? v.v : typeof v === "object" && v !== null && "c" in v ? v.c : v);
  const v = num(x);
  const hasStart = r.kind === "range" || r.kind === "inclusive" || r.kind === "from";
  const hasEnd = r.kind !== "from" && r.kind !== "full";
  if (hasStart && v < num(r.start)) return false;
  if (!hasEnd) return true;
  return r.kind === "inclusive" || r.kind === "toinclusive" ? v <= num(r.end) : v < num(r.end);
};
R.is_empty = (r: Range) => {
  if (r.kind === "range") return !(r.start < r.end);
  if (r.kind === "inclusive") return !(r.start <= r.end);
  return false;
};
R.len = (r: Range) => {
  if (r.kind === "range" && typeof r.start === "number" && typeof r.end === "number") {
    return Math.max(0, r.end - r.start);
  }
  if (r.kind === "inclusive" && typeof r.start === "number" && typeof r.end === "number") {
    return Math.max(0, r.end - r.start + 1);
  }
  throw typeError("len needs a bounded range of ints");
};
R.rev = (r: Range) => METHODS.iter.rev(rangeIter(r));
for (
  const name of [
    "map",
    "filter",
    "sum",
    "fold",
    "count",
    "collect",
    "step_by",
    "enumerate",
    "zip",
    "take",
    "skip",
    "rev",
    "any",
    "all",
    "find",
    "for_each",
    "product",
    "min",
    "max",
    "filter_map",
    "chain",
    "position",
    "last",
    "nth",
    "flat_map",
    "take_while",
    "skip_while",
  ]
) {
  if (R[name] !== undefined && name !== "rev") continue;
  const f = METHODS.iter[name];
  const wrapper = (r: Range, ...args: Value[]) => f(rangeIter(r), ...args);
  Object.defineProperty(wrapper, "length", { value: f.length });
  R[name] = wrapper;
}
for (
  const name of ["collect::<Vec>", "collect::<Object>", "collect::<String>", "collect::<Tuple>"]
) {
  const f = METHODS.iter[name];
  const wrapper = (r: Range) => f(rangeIter(r));
  R[name] = wrapper;
}

/** Equality helper reused by HashMap-like containers. */
export function sameKey(a: Value, b: Value): boolean {
  return eq(a, b);
}
