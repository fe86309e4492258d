/**
 * `Vec` methods with Rune's names. Vectors are JavaScript arrays shared by reference, as Rune
 * shares them; growth is charged to the memory account and shrinking credits it back.
 *
 * @module
 */
import { callable, METHODS } from "../runtime/dispatch.ts";
import { panic, typeError } from "../runtime/errors.ts";
import { charge, chargeText, COST, credit, meter, tick } from "../runtime/meter.ts";
import { cmp, eq, typeName } from "../runtime/ops.ts";
import { NONE, Range, Some, Tuple, UNIT, type Value } from "../runtime/values.ts";
import { ArrayIter, drain, toIter } from "./iter.ts";
import { orderingValue } from "./ordering.ts";

function index(v: Value[], i: Value, what: string, allowEnd = false): number {
  if (typeof i !== "number") throw typeError(`${what} expects an int index, not ${typeName(i)}`);
  if (i < 0 || i > v.length || (!allowEnd && i === v.length)) {
    throw panic(`index ${i} is out of bounds of a vector of length ${v.length}`);
  }
  return i;
}

/** The part of `v` a range selects, or null when the range is out of bounds. */
export function sliceVec(v: Value[], r: Range): Value[] | null {
  const from = r.kind === "to" || r.kind === "toinclusive" || r.kind === "full" ? 0 : r.start;
  let to = r.kind === "from" || r.kind === "full" ? v.length : r.end;
  if (typeof from !== "number" || typeof to !== "number") return null;
  if (r.kind === "inclusive" || r.kind === "toinclusive") to += 1;
  if (from < 0 || from > to || to > v.length) return null;
  return v.slice(from, to);
}

function sortCompare(a: Value, b: Value): number {
  const c = cmp(a, b);
  if (Number.isNaN(c)) throw typeError("cannot sort a vector holding NaN");
  return c;
}

/** Sort stably, counting one step per comparison. */
function sortWith(v: Value[], compare: (a: Value, b: Value) => number): void {
  v.sort((a, b) => {
    if (--meter.b < 0) tick();
    return compare(a, b);
  });
}

const M = METHODS.vec;
M.len = (v: Value[]) => v.length;
M.is_empty = (v: Value[]) => v.length === 0;
M.push = (v: Value[], x: Value) => {
  charge(COST.slot);
  v.push(x);
  return UNIT;
};
M.pop = (v: Value[]) => {
  if (v.length === 0) return NONE;
  credit(COST.slot);
  return new Some(v.pop());
};
M.get = (v: Value[], i: Value) => {
  if (i instanceof Range) {
    const s = sliceVec(v, i);
    if (s !== null) charge(s.length * COST.slot);
    return s === null ? NONE : new Some(s);
  }
  if (typeof i !== "number") {
    throw typeError(`Vec::get expects an int or a range, not ${typeName(i)}`);
  }
  return i >= 0 && i < v.length ? new Some(v[i]) : NONE;
};
M.first = (v: Value[]) => (v.length > 0 ? new Some(v[0]) : NONE);
M.last = (v: Value[]) => (v.length > 0 ? new Some(v[v.length - 1]) : NONE);
M.insert = (v: Value[], i: Value, x: Value) => {
  v.splice(index(v, i, "insert", true), 0, x);
  charge(COST.slot);
  return UNIT;
};
M.remove = (v: Value[], i: Value) => {
  const at = index(v, i, "remove");
  credit(COST.slot);
  return v.splice(at, 1)[0];
};
M.swap_remove = (v: Value[], i: Value) => {
  const at = index(v, i, "swap_remove");
  const x = v[at];
  v[at] = v[v.length - 1];
  v.pop();
  credit(COST.slot);
  return x;
};
M.clear = (v: Value[]) => {
  credit(v.length * COST.slot);
  v.length = 0;
  return UNIT;
};
M.truncate = (v: Value[], n: Value) => {
  if (typeof n !== "number" || n < 0) throw typeError("truncate expects a non-negative int");
  if (n < v.length) {
    credit((v.length - n) * COST.slot);
    v.length = n;
  }
  return UNIT;
};
M.contains = (v: Value[], x: Value) => {
  for (const y of v) {
    if (--meter.b < 0) tick();
    if (eq(y, x)) return true;
  }
  return false;
};
M.iter = (v: Value[]) => new ArrayIter(v);
M.into_iter = (v: Value[]) => new ArrayIter(v);
M.clone = (v: Value[]) => {
  charge(v.length * COST.slot + COST.header);
  return v.slice();
};
M.to_vec = M.clone;
M.sort = (v: Value[]) => {
  sortWith(v, sortCompare);
  return UNIT;
};
M.sort_by = (v: Value[], f: Value) => {
  const g = callable(f, 2, "sort_by");
  sortWith(v, (a, b) => {
    const c = orderingValue(g(a, b));
    if (Number.isNaN(c)) throw typeError("sort_by expects its function to return an Ordering");
    return c;
  });
  return UNIT;
};
M.sort_by_key = (v: Value[], f: Value) => {
  const g = callable(f, 1, "sort_by_key");
  sortWith(v, (a, b) => sortCompare(g(a), g(b)));
  return UNIT;
};
M.sort_unstable = M.sort;
M.sort_unstable_by = M.sort_by;
M.sort_unstable_by_key = M.sort_by_key;
M.reverse = (v: Value[]) => {
  v.reverse();
  return UNIT;
};
M.dedup = (v: Value[]) => {
  let w = 0;
  for (let r = 0; r < v.length; r++) {
    if (w === 0 || !eq(v[r], v[w - 1])) v[w++] = v[r];
  }
  credit((v.length - w) * COST.slot);
  v.length = w;
  return UNIT;
};
M.retain = (v: Value[], f: Value) => {
  const g = callable(f, 1, "retain");
  let w = 0;
  for (let r = 0; r < v.length; r++) {
    const x = v[r];
    if (g(x) === true) v[w++] = x;
  }
  credit((v.length - w) * COST.slot);
  v.length = w;
  return UNIT;
};
M.extend = (v: Value[], other: Value) => {
  const items = Array.isArray(other) ? other.slice() : drain(toIter(other));
  charge(items.length * COST.slot);
  for (const x of items) v.push(x);
  return UNIT;
};
M.append = (v: Value[], other: Value) => {
  if (!Array.isArray(other)) throw typeError(`append expects a Vec, not ${typeName(other)}`);
  charge(other.length * COST.slot);
  for (const x of other) v.push(x);
  other.length = 0;
  return UNIT;
};
M.join = (v: Value[], sep: Value) => {
  if (typeof sep !== "string") {
    throw typeError(`join expects a String separator, not ${typeName(sep)}`);
  }
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (typeof x !== "string") throw typeError(`join needs a Vec of Strings, found ${typeName(x)}`);
  }
  const out = v.join(sep);
  chargeText(out.length, out.length);
  return out;
};
M.concat = (v: Value[]) => {
  if (v.every((x) => typeof x === "string")) return M.join(v, "");
  const out: Value[] = [];
  for (const x of v) {
    if (!Array.isArray(x)) {
      throw typeError(`concat needs a Vec of Vecs or Strings, found ${typeName(x)}`);
    }
    out.push(...x);
  }
  charge(out.length * COST.slot);
  return out;
};
M.swap = (v: Value[], a: Value, b: Value) => {
  const i = index(v, a, "swap");
  const j = index(v, b, "swap");
  const t = v[i];
  v[i] = v[j];
  v[j] = t;
  return UNIT;
};
M.split_off = (v: Value[], at: Value) => v.splice(index(v, at, "split_off", true));
M.capacity = (v: Value[]) => v.length;
M.reserve = (_v: Value[], _n: Value) => UNIT;
M.fill = (v: Value[], x: Value) => {
  v.fill(x);
  return UNIT;
};
M.resize = (v: Value[], n: Value, x: Value) => {
  if (typeof n !== "number" || n < 0) throw typeError("resize expects a non-negative int");
  if (n > v.length) {
    charge((n - v.length) * COST.slot);
    while (v.length < n) {
      if (--meter.b < 0) tick();
      v.push(x);
    }
  } else {
    credit((v.length - n) * COST.slot);
    v.length = n;
  }
  return UNIT;
};
M.windows = (v: Value[], n: Value) => {
  if (typeof n !== "number" || n < 1) throw typeError("windows expects a size above zero");
  const out: Value[] = [];
  for (let i = 0; i + n <= v.length; i++) out.push(v.slice(i, i + n));
  charge(out.length * n * COST.slot);
  return new ArrayIter(out);
};
M.chunks = (v: Value[], n: Value) => {
  if (typeof n !== "number" || n < 1) throw typeError("chunks expects a size above zero");
  const out: Value[] = [];
  for (let i = 0; i < v.length; i += n) out.push(v.slice(i, i + n));
  charge(v.length * COST.slot);
  return new ArrayIter(out);
};
M.split_first = (v: Value[]) => (v.length ? new Some(new Tuple([v[0], v.slice(1)])) : NONE);
M.split_last = (v: Value[]) =>
  v.length ? new Some(new Tuple([v[v.length - 1], v.slice(0, -1)])) : NONE;
M.starts_with = (v: Value[], p: Value) =>
  Array.isArray(p) && p.length <= v.length && p.every((x, i) => eq(x, v[i]));
M.ends_with = (v: Value[], p: Value) =>
  Array.isArray(p) && p.length <= v.length && p.every((x, i) => eq(x, v[v.length - p.length + i]));
