/**
 * Field and index access. Compiled code reads a field as `x["f_name"]` first (struct and variant
 * instances keep their fields as own properties with that prefix, and no built-in prototype has
 * such a property); everything else comes here. Objects are `Map`s, so a key from a program
 * can never reach a JavaScript property.
 *
 * @module
 */
import { panic, typeError } from "./errors.ts";
import { charge, COST } from "./meter.ts";
import { typeName } from "./ops.ts";
import { HashMapValue, Range, StructValue, Tuple, type Value } from "./values.ts";
import { indexString } from "../std/string.ts";
import { indexMap, mapInsert } from "../std/collections.ts";
import { sliceVec } from "../std/vec.ts";

/** `x.name` when the fast path missed. */
export function getField(x: Value, name: string): Value {
  if (x instanceof Map) {
    const v = x.get(name);
    if (v === undefined) throw panic(`missing field \`${name}\` in object`);
    return v;
  }
  if (x instanceof Tuple) {
    const i = Number(name);
    if (Number.isInteger(i) && i >= 0 && i < x.t.length) return x.t[i];
    throw typeError(`no field \`${name}\` on a tuple of ${x.t.length} elements`);
  }
  if (x instanceof StructValue) throw typeError(`\`${x.$t.name}\` has no field \`${name}\``);
  throw typeError(`no field \`${name}\` on a value of type \`${typeName(x)}\``);
}

/** `x.name = v` when the fast path missed. */
export function setField(x: Value, name: string, v: Value): void {
  if (x instanceof Map) {
    if (!x.has(name)) charge(COST.entry + name.length * COST.char);
    x.set(name, v);
    return;
  }
  if (x instanceof Tuple) {
    const i = Number(name);
    if (Number.isInteger(i) && i >= 0 && i < x.t.length && !Object.isFrozen(x.t)) {
      x.t[i] = v;
      return;
    }
    throw typeError(`no field \`${name}\` on a tuple of ${x.t.length} elements`);
  }
  if (x instanceof StructValue) throw typeError(`\`${x.$t.name}\` has no field \`${name}\``);
  throw typeError(`cannot set field \`${name}\` on a value of type \`${typeName(x)}\``);
}

/** `x[i]`. */
export function index(x: Value, i: Value): Value {
  if (Array.isArray(x)) {
    if (typeof i === "number") {
      if (i >= 0 && i < x.length) return x[i];
      throw panic(`index ${i} is out of bounds of a vector of length ${x.length}`);
    }
    if (i instanceof Range) {
      const s = sliceVec(x, i);
      if (s === null) throw panic(`range is out of bounds of a vector of length ${x.length}`);
      charge(s.length * COST.slot);
      return s;
    }
    throw typeError(`a Vec is indexed by an int or a range, not ${typeName(i)}`);
  }
  if (x instanceof Map) {
    if (typeof i !== "string") {
      throw typeError(`an Object is indexed by a String, not ${typeName(i)}`);
    }
    const v = x.get(i);
    if (v === undefined) throw panic(`missing key ${JSON.stringify(i)} in object`);
    return v;
  }
  if (x instanceof Tuple) {
    if (typeof i === "number" && i >= 0 && i < x.t.length) return x.t[i];
    throw panic(`index ${typeName(i) === "i64" ? i : typeName(i)} is out of bounds of the tuple`);
  }
  if (typeof x === "string") return indexString(x, i);
  if (x instanceof HashMapValue) return indexMap(x, i);
  if (x !== null && typeof x === "object" && typeof x.indexValue === "function") {
    return x.indexValue(i);
  }
  throw typeError(`a value of type \`${typeName(x)}\` cannot be indexed`);
}

/** `x[i] = v`. */
export function setIndex(x: Value, i: Value, v: Value): void {
  if (Array.isArray(x)) {
    if (typeof i === "number" && i >= 0 && i < x.length) {
      x[i] = v;
      return;
    }
    if (typeof i === "number") {
      throw panic(`index ${i} is out of bounds of a vector of length ${x.length}`);
    }
    throw typeError(`a Vec is indexed by an int, not ${typeName(i)}`);
  }
  if (x instanceof Map) {
    if (typeof i !== "string") {
      throw typeError(`an Object is indexed by a String, not ${typeName(i)}`);
    }
    if (!x.has(i)) charge(COST.entry + i.length * COST.char);
    x.set(i, v);
    return;
  }
  if (x instanceof Tuple) {
    if (typeof i === "number" && i >= 0 && i < x.t.length && !Object.isFrozen(x.t)) {
      x.t[i] = v;
      return;
    }
    throw panic(`index is out of bounds of the tuple`);
  }
  if (x instanceof HashMapValue) {
    mapInsert(x, i, v);
    return;
  }
  if (x !== null && typeof x === "object" && typeof x.setIndexValue === "function") {
    x.setIndexValue(i, v);
    return;
  }
  throw typeError(`a value of type \`${typeName(x)}\` cannot be indexed`);
}
