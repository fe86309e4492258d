/**
 * Standard traits a program's structs and enums implement (`PartialEq`, `PartialOrd`/`Ord`,
 * `Iterator`): the runtime side. The compiler puts the impl's method into the type's method table
 * a second time under a key no program can name (as `impl Display` does), and the operators,
 * `sort`, `max`, `contains` and `for` find it there. Keys a program can name (`eq`, `cmp`, `next`)
 * are not used for this, so an inherent method called `eq` changes nothing about `==`.
 *
 * @module
 */
import { METHODS } from "./dispatch.ts";
import { typeError } from "./errors.ts";
import { ne, typeName } from "./ops.ts";
import { orderingValue } from "../std/ordering.ts";
import {
  END,
  Iter,
  type Method,
  NONE,
  Some,
  StructValue,
  type TypeInfo,
  type Value,
} from "./values.ts";

/** `PartialEq::eq` of a type: what `==` calls. */
export const EQ_IMPL = "==";
/** `PartialEq::ne` of a type, when the impl defines it: what `!=` calls. */
export const NE_IMPL = "!=";
/** `Ord::cmp`, or else `PartialOrd::partial_cmp`, of a type: what `<` and sorting call. */
export const CMP_IMPL = "<=>";
/** `Iterator::next` of a type: what `for` and the iterator adapters call. */
export const ITER_IMPL = "for in";

/** Are these values of one type (the variants of an enum share their enum's table)? */
function sameType(a: StructValue, b: Value): boolean {
  return b instanceof StructValue && b.$t.methods === a.$t.methods;
}

/**
 * `a == b` through the user's `eq`, when `a`'s type implements `PartialEq`: undefined when it
 * does not (structural equality applies), false for a value of another type.
 */
export function userEq(a: StructValue, b: Value, key = EQ_IMPL): boolean | undefined {
  const f = a.$t.methods[key];
  if (f === undefined) return undefined;
  if (!sameType(a, b)) return false;
  const r = f(a, b);
  if (typeof r !== "boolean") {
    throw typeError(
      `\`${typeName(a)}::${key === EQ_IMPL ? "eq" : "ne"}\` returned a value of type \`${
        typeName(r)
      }\`, not a bool`,
    );
  }
  return r;
}

/**
 * Compare through the user's `cmp` or `partial_cmp`: -1, 0, 1, NaN for `None`, or undefined
 * when `a`'s type implements neither or `b` is of another type.
 */
export function userCmp(a: StructValue, b: Value): number | undefined {
  const f = a.$t.methods[CMP_IMPL];
  if (f === undefined || !sameType(a, b)) return undefined;
  const r = f(a, b);
  if (r === NONE) return NaN;
  const c = orderingValue(r instanceof Some ? r.v : r);
  if (Number.isNaN(c)) {
    throw typeError(
      `the comparison of \`${typeName(a)}\` returned a value of type \`${
        typeName(r)
      }\`, not an Ordering (or an Option of one from partial_cmp)`,
    );
  }
  return c;
}

/** A value of a type with `impl Iterator`, driven through its `next`. */
class UserIter extends Iter {
  constructor(readonly self: StructValue, readonly next: Method) {
    super();
  }
  nx(): Value {
    const r = this.next(this.self);
    if (r instanceof Some) return r.v;
    if (r === NONE) return END;
    throw typeError(
      `\`${typeName(this.self)}::next\` returned a value of type \`${typeName(r)}\`, not an Option`,
    );
  }
}

/** The iterator of a value whose type implements `Iterator`, or undefined. */
export function userIter(x: StructValue): Iter | undefined {
  const next = x.$t.methods[ITER_IMPL];
  return next === undefined ? undefined : new UserIter(x, next);
}

/** A method of iterators, called on a value of a type with `impl Iterator`. */
function adapter(f: Method): Method {
  const g = (self: StructValue, ...args: Value[]) =>
    f(new UserIter(self, self.$t.methods[ITER_IMPL]), ...args);
  // Method calls check the arity against `length`.
  Object.defineProperty(g, "length", { value: f.length });
  return g;
}

/**
 * Give a type the methods its standard trait impls provide, except the ones it defines itself:
 * an `Iterator` gets every iterator method (`map`, `filter`, `sum`, `collect`, …), a `PartialEq`
 * gets `ne`, a `PartialOrd` gets `lt`, `le`, `gt` and `ge`, and an `Ord` also `max`, `min` and
 * `clamp`.
 */
export function provideTraitMethods(info: TypeInfo): void {
  const m = info.methods;
  if (m[ITER_IMPL] !== undefined) {
    for (const name of Object.keys(METHODS.iter)) {
      if (m[name] === undefined) m[name] = adapter(METHODS.iter[name]);
    }
  }
  if (m[EQ_IMPL] !== undefined) m.ne ??= (a: StructValue, b: Value) => ne(a, b);
  const c = (a: StructValue, b: Value): number => userCmp(a, b) ?? NaN;
  if (m[CMP_IMPL] !== undefined) {
    m.lt ??= (a: StructValue, b: Value) => c(a, b) < 0;
    m.le ??= (a: StructValue, b: Value) => c(a, b) <= 0;
    m.gt ??= (a: StructValue, b: Value) => c(a, b) > 0;
    m.ge ??= (a: StructValue, b: Value) => c(a, b) >= 0;
  }
  if (m[CMP_IMPL] !== undefined && m.cmp === m[CMP_IMPL]) {
    m.max ??= (a: StructValue, b: Value) => (c(a, b) > 0 ? a : b);
    m.min ??= (a: StructValue, b: Value) => (c(a, b) <= 0 ? a : b);
    m.clamp ??= (a: StructValue, lo: Value, hi: Value) => c(a, lo) < 0 ? lo : c(a, hi) > 0 ? hi : a;
  }
}
