/**
 * `std::cmp::Ordering` (`Less`, `Equal`, `Greater`): a built-in enum made of the same kind of
 * classes the compiler generates for user enums, so matching, `is`, `==` and `{:?}` treat it
 * like any other enum.
 *
 * @module
 */
import { methodTable, StructValue, type TypeInfo } from "../runtime/values.ts";

/** The enum's type. */
export const ORDERING: TypeInfo = {
  name: "Ordering",
  path: "std::cmp::Ordering",
  kind: "enum",
  fields: ["Less", "Equal", "Greater"],
  shape: "unit",
  methods: methodTable(),
};

function variant(name: string): StructValue {
  const info: TypeInfo = {
    name: `Ordering::${name}`,
    path: `std::cmp::Ordering::${name}`,
    kind: "variant",
    fields: [],
    shape: "unit",
    enum: ORDERING,
    methods: ORDERING.methods,
  };
  const cls = class extends StructValue {};
  Object.defineProperty(cls.prototype, "$t", { value: info });
  Object.defineProperty(cls.prototype, "$m", { value: info.methods });
  return Object.freeze(new cls());
}

/** `Ordering::Less`. */
export const LESS: StructValue = variant("Less");
/** `Ordering::Equal`. */
export const EQUAL: StructValue = variant("Equal");
/** `Ordering::Greater`. */
export const GREATER: StructValue = variant("Greater");

/** The Ordering of a comparison result (-1, 0, 1). */
export function ordering(c: number): StructValue {
  if (Number.isNaN(c)) return EQUAL;
  return c < 0 ? LESS : c > 0 ? GREATER : EQUAL;
}

/** The comparison result (-1, 0, 1) of an Ordering; NaN for anything else. */
export function orderingValue(o: unknown): number {
  return o === LESS ? -1 : o === EQUAL ? 0 : o === GREATER ? 1 : NaN;
}

ORDERING.methods.reverse = (o: StructValue) => ordering(-orderingValue(o));
ORDERING.methods.is_lt = (o: StructValue) => o === LESS;
ORDERING.methods.is_le = (o: StructValue) => o !== GREATER;
ORDERING.methods.is_gt = (o: StructValue) => o === GREATER;
ORDERING.methods.is_ge = (o: StructValue) => o !== LESS;
ORDERING.methods.is_eq = (o: StructValue) => o === EQUAL;
ORDERING.methods.is_ne = (o: StructValue) => o !== EQUAL;
ORDERING.methods.then = (o: StructValue, other: StructValue) => (o === EQUAL ? other : o);
