/**
 * `Bytes` methods, and `cmp`/`partial_cmp` for every type with an order.
 *
 * @module
 */
import { METHODS } from "../runtime/dispatch.ts";
import { typeError } from "../runtime/errors.ts";
import { charge, COST, credit } from "../runtime/meter.ts";
import { cmp, typeName } from "../runtime/ops.ts";
import { Bytes, NONE, Some, UNIT, type Value } from "../runtime/values.ts";
import { ArrayIter } from "./iter.ts";
import { ordering } from "./ordering.ts";

function byte(v: Value, what: string): number {
  if (typeof v === "number" && v >= 0 && v <= 255) return v;
  throw typeError(
    `${what} expects a byte (an int from 0 to 255), not ${typeName(v)} ${
      typeof v === "number" ? v : ""
    }`,
  );
}

const B = METHODS.bytes;
B.len = (b: Bytes) => b.b.length;
B.is_empty = (b: Bytes) => b.b.length === 0;
B.push = (b: Bytes, x: Value) => {
  charge(1);
  b.b.push(byte(x, "push"));
  return UNIT;
};
B.pop = (b: Bytes) => {
  if (b.b.length === 0) return NONE;
  credit(1);
  return new Some(b.b.pop());
};
B.get = (
  b: Bytes,
  i: Value,
) => (typeof i === "number" && i >= 0 && i < b.b.length ? new Some(b.b[i]) : NONE);
B.first = (b: Bytes) => (b.b.length ? new Some(b.b[0]) : NONE);
B.last = (b: Bytes) => (b.b.length ? new Some(b.b[b.b.length - 1]) : NONE);
B.clear = (b: Bytes) => {
  credit(b.b.length);
  b.b.length = 0;
  return UNIT;
};
B.extend = (b: Bytes, other: Value) => {
  const items = other instanceof Bytes ? other.b : Array.isArray(other) ? other : null;
  if (items === null) {
    throw typeError(`extend expects Bytes or a Vec of bytes, not ${typeName(other)}`);
  }
  charge(items.length);
  for (const x of items) b.b.push(byte(x, "extend"));
  return UNIT;
};
B.iter = (b: Bytes) => new ArrayIter(b.b);
B.into_vec = (b: Bytes) => {
  charge(b.b.length * COST.slot);
  return b.b.slice();
};
B.to_vec = B.into_vec;
B.clone = (b: Bytes) => {
  charge(b.b.length + COST.header);
  return new Bytes(b.b.slice());
};

for (
  const table of [
    METHODS.string,
    METHODS.vec,
    METHODS.tuple,
    METHODS.char,
    METHODS.bool,
    METHODS.option,
    METHODS.bytes,
  ]
) {
  table.cmp = (a: Value, b: Value) => ordering(cmp(a, b));
  table.partial_cmp = (a: Value, b: Value) => {
    const c = cmp(a, b);
    return Number.isNaN(c) ? NONE : new Some(ordering(c));
  };
}
