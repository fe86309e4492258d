/**
 * `std::collections::VecDeque`: a double-ended queue on a ring buffer (see
 * {@link VecDequeValue}), with Rust's method names. Like `Vec`, it is shared by reference, its
 * slots are charged to the memory account as it grows and credited back as it shrinks.
 *
 * @module
 */
import { callable, METHODS } from "../runtime/dispatch.ts";
import { panic, typeError } from "../runtime/errors.ts";
import { charge, COST, credit, meter, tick } from "../runtime/meter.ts";
import { eq, typeName } from "../runtime/ops.ts";
import {
  type Iter,
  methodTable,
  NONE,
  setMethods,
  Some,
  UNIT,
  type Value,
  VecDequeValue,
} from "../runtime/values.ts";
import { ArrayIter, drain, toIter } from "./iter.ts";

const D = methodTable();
setMethods(VecDequeValue, D);

/** The element at logical position `i` (which must be in bounds). */
function at(d: VecDequeValue, i: number): Value {
  return d.buf[(d.head + i) & (d.buf.length - 1)];
}

function put(d: VecDequeValue, i: number, x: Value): void {
  d.buf[(d.head + i) & (d.buf.length - 1)] = x;
}

function dequeItems(d: VecDequeValue): Value[] {
  return d.items();
}

/** Replace the contents with `items` (the buffer is reallocated to fit). */
function refill(d: VecDequeValue, items: Value[]): void {
  let cap = 4;
  while (cap < items.length + 1) cap *= 2;
  const buf = new Array(cap);
  for (let i = 0; i < items.length; i++) buf[i] = items[i];
  d.buf = buf;
  d.head = 0;
  d.len = items.length;
}

function grow(d: VecDequeValue): void {
  if (d.len < d.buf.length) return;
  const items = dequeItems(d);
  const buf = new Array(d.buf.length * 2);
  for (let i = 0; i < items.length; i++) buf[i] = items[i];
  d.buf = buf;
  d.head = 0;
}

/** Append at the back, charging one slot. */
export function pushBack(d: VecDequeValue, x: Value): void {
  charge(COST.slot);
  grow(d);
  put(d, d.len, x);
  d.len++;
}

/** A new deque holding the values of an iterable. */
export function dequeFrom(items: Value): VecDequeValue {
  const list = Array.isArray(items) ? items.slice() : drain(toIter(items));
  const d = new VecDequeValue();
  charge(COST.header + list.length * COST.slot);
  refill(d, list);
  return d;
}

function index(d: VecDequeValue, i: Value, what: string, allowEnd = false): number {
  if (typeof i !== "number") throw typeError(`${what} expects an int index, not ${typeName(i)}`);
  if (i < 0 || i > d.len || (!allowEnd && i === d.len)) {
    throw panic(`index ${i} is out of bounds of a VecDeque of length ${d.len}`);
  }
  return i;
}

function count(n: Value, what: string): number {
  if (typeof n !== "number" || n < 0) throw typeError(`${what} expects a non-negative int`);
  return n;
}

D.len = (d: VecDequeValue) => d.len;
D.is_empty = (d: VecDequeValue) => d.len === 0;
D.capacity = (d: VecDequeValue) => d.buf.length;
D.push_back = (d: VecDequeValue, x: Value) => {
  pushBack(d, x);
  return UNIT;
};
D.push_front = (d: VecDequeValue, x: Value) => {
  charge(COST.slot);
  grow(d);
  d.head = (d.head - 1) & (d.buf.length - 1);
  d.buf[d.head] = x;
  d.len++;
  return UNIT;
};
D.pop_back = (d: VecDequeValue) => {
  if (d.len === 0) return NONE;
  d.len--;
  const slot = (d.head + d.len) & (d.buf.length - 1);
  const x = d.buf[slot];
  d.buf[slot] = undefined;
  credit(COST.slot);
  return new Some(x);
};
D.pop_front = (d: VecDequeValue) => {
  if (d.len === 0) return NONE;
  const x = d.buf[d.head];
  d.buf[d.head] = undefined;
  d.head = (d.head + 1) & (d.buf.length - 1);
  d.len--;
  credit(COST.slot);
  return new Some(x);
};
D.front = (d: VecDequeValue) => (d.len > 0 ? new Some(at(d, 0)) : NONE);
D.back = (d: VecDequeValue) => (d.len > 0 ? new Some(at(d, d.len - 1)) : NONE);
D.get = (d: VecDequeValue, i: Value) => {
  if (typeof i !== "number") throw typeError(`VecDeque::get expects an int, not ${typeName(i)}`);
  return i >= 0 && i < d.len ? new Some(at(d, i)) : NONE;
};
D.clear = (d: VecDequeValue) => {
  credit(d.len * COST.slot);
  refill(d, []);
  return UNIT;
};
D.contains = (d: VecDequeValue, x: Value) => {
  for (let i = 0; i < d.len; i++) {
    if (--meter.b < 0) tick();
    if (eq(at(d, i), x)) return true;
  }
  return false;
};
D.iter = (d: VecDequeValue): Iter => new ArrayIter(dequeItems(d));
D.into_iter = D.iter;
D.extend = (d: VecDequeValue, items: Value) => {
  const list = items instanceof VecDequeValue ? dequeItems(items) : drain(toIter(items));
  for (const x of list) pushBack(d, x);
  return UNIT;
};
D.append = (d: VecDequeValue, other: Value) => {
  if (!(other instanceof VecDequeValue)) {
    throw typeError(`VecDeque::append expects a VecDeque, not ${typeName(other)}`);
  }
  const list = dequeItems(other);
  refill(other, []);
  credit(list.length * COST.slot);
  for (const x of list) pushBack(d, x);
  return UNIT;
};
D.insert = (d: VecDequeValue, i: Value, x: Value) => {
  const n = index(d, i, "insert", true);
  charge(COST.slot);
  grow(d);
  d.len++;
  for (let k = d.len - 1; k > n; k--) put(d, k, at(d, k - 1));
  put(d, n, x);
  return UNIT;
};
D.remove = (d: VecDequeValue, i: Value) => {
  if (typeof i !== "number" || i < 0 || i >= d.len) {
    if (typeof i !== "number") throw typeError(`remove expects an int index, not ${typeName(i)}`);
    return NONE;
  }
  const x = at(d, i);
  for (let k = i; k < d.len - 1; k++) put(d, k, at(d, k + 1));
  put(d, d.len - 1, undefined);
  d.len--;
  credit(COST.slot);
  return new Some(x);
};
D.swap = (d: VecDequeValue, a: Value, b: Value) => {
  const i = index(d, a, "swap");
  const j = index(d, b, "swap");
  const x = at(d, i);
  put(d, i, at(d, j));
  put(d, j, x);
  return UNIT;
};
D.truncate = (d: VecDequeValue, n: Value) => {
  const keep = count(n, "truncate");
  while (d.len > keep) D.pop_back(d);
  return UNIT;
};
D.retain = (d: VecDequeValue, f: Value) => {
  const g = callable(f, 1, "retain");
  const items = dequeItems(d);
  const kept = items.filter((x) => {
    if (--meter.b < 0) tick();
    return g(x) === true;
  });
  credit((items.length - kept.length) * COST.slot);
  refill(d, kept);
  return UNIT;
};
function rotate(d: VecDequeValue, n: Value, what: string, left: boolean): Value {
  const k = count(n, what);
  if (k > d.len) {
    throw panic(`${what} by ${k} is more than the length ${d.len} of the VecDeque`);
  }
  const items = dequeItems(d);
  const cut = left ? k : d.len - k;
  refill(d, [...items.slice(cut), ...items.slice(0, cut)]);
  return UNIT;
}
D.rotate_left = (d: VecDequeValue, n: Value) => rotate(d, n, "rotate_left", true);
D.rotate_right = (d: VecDequeValue, n: Value) => rotate(d, n, "rotate_right", false);
D.clone = (d: VecDequeValue) => {
  charge(COST.header + d.len * COST.slot);
  const out = new VecDequeValue();
  refill(out, dequeItems(d));
  return out;
};
D.make_contiguous = (d: VecDequeValue) => {
  const items = dequeItems(d);
  charge(COST.header + items.length * COST.slot);
  return items;
};

METHODS.iter["collect::<VecDeque>"] = (it: Iter) => dequeFrom(it);
METHODS.vec["collect::<VecDeque>"] = (v: Value[]) => dequeFrom(v);
METHODS.range["collect::<VecDeque>"] = (r: Value) => dequeFrom(r);

// `for` loops, indexing and `typeName` reach a deque through these hooks.
Object.defineProperties(VecDequeValue.prototype, {
  iterValue: {
    value(this: VecDequeValue) {
      return D.iter(this);
    },
  },
  indexValue: {
    value(this: VecDequeValue, i: Value) {
      return at(this, index(this, i, "VecDeque indexing"));
    },
  },
  setIndexValue: {
    value(this: VecDequeValue, i: Value, x: Value) {
      put(this, index(this, i, "VecDeque indexing"), x);
    },
  },
});
