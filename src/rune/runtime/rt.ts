/**
 * The runtime object handed to compiled code: every helper a compiled module may use, and
 * nothing else. Compiled code binds these as `$name` constants and can reach no other
 * JavaScript value.
 *
 * @module
 */
import { getField, index, setField, setIndex } from "./access.ts";
import {
  call0,
  call1,
  call2,
  callN,
  type ExtensionTables,
  ic0,
  ic1,
  ic2,
  icN,
  miss,
  named,
  site,
  tableOf,
} from "./dispatch.ts";
import { panic, RuneError, typeError } from "./errors.ts";
import { debug, display, formatter, writeTo } from "./format.ts";
import { io } from "./io.ts";
import { charge, chargeText, COST, meter, tick, tickSlice } from "./meter.ts";
import {
  add,
  bitand,
  bitor,
  bitxor,
  div,
  eq,
  ge,
  gt,
  le,
  lt,
  mul,
  ne,
  neg,
  not,
  rem,
  shl,
  shr,
  sub,
  truth,
  typeName,
} from "./ops.ts";
import {
  Bytes,
  Char,
  char,
  END,
  Err,
  Float,
  methodTable,
  NONE,
  Ok,
  Range,
  type RuneFn,
  Some,
  StructValue,
  Tuple,
  type TypeInfo,
  UNIT,
  type Value,
} from "./values.ts";
import { toIter } from "../std/iter.ts";
import { provideTraitMethods } from "./traits.ts";
import {
  awaitValue,
  Complete,
  Future,
  Generator,
  selectFirst,
  Stream,
  Yielded,
} from "./generator.ts";
import { cast } from "../std/num.ts";
import { BUILTIN_TYPES, LIB } from "../std/prelude.ts";
import { takeString, updateString } from "../std/string.ts";
import { tryFailure } from "../std/option.ts";
import "../std/iter_methods.ts";
import "../std/vec.ts";
import "../std/object.ts";
import "../std/bytes.ts";

function assertFailed(op: string, a: Value, b: Value, message: string | null): never {
  const head = message ?? `assertion \`left ${op} right\` failed`;
  throw panic(`${head}\n  left: ${debug(a)}\n right: ${debug(b)}`);
}

function makeType(
  name: string,
  path: string,
  kind: TypeInfo["kind"],
  fields: string[],
  shape: TypeInfo["shape"],
  parent: TypeInfo | null,
): TypeInfo {
  return {
    name,
    path,
    kind,
    fields,
    shape,
    ...(parent ? { enum: parent } : {}),
    methods: parent ? parent.methods : methodTable(),
  };
}

function bindType(cls: { prototype: object; $unit?: unknown }, info: TypeInfo): void {
  Object.defineProperty(cls.prototype, "$t", { value: info });
  Object.defineProperty(cls.prototype, "$m", { value: info.methods });
  if (info.shape === "unit") {
    Object.defineProperty(cls, "$unit", {
      value: Object.freeze(new (cls as unknown as new () => object)()),
    });
  }
  if (info.methods.clone === undefined) {
    info.methods.clone = (self: StructValue) => cloneStruct(self);
  }
}

function cloneStruct(self: StructValue): StructValue {
  if (self.$t.shape === "unit") return self;
  const copy = Object.create(Object.getPrototypeOf(self));
  for (const f of self.$t.fields) {
    copy["f_" + f] = (self as unknown as Record<string, Value>)["f_" + f];
  }
  charge(COST.header + self.$t.fields.length * COST.slot);
  return copy;
}

/** The runtime object compiled modules are called with. */
export const RUNTIME = Object.freeze({
  add,
  sub,
  mul,
  div,
  rem,
  neg,
  not,
  band: bitand,
  bor: bitor,
  bxor: bitxor,
  shl,
  shr,
  eq,
  ne,
  lt,
  le,
  gt,
  ge,
  truth,
  idx(x: Value, i: Value): Value {
    if (Array.isArray(x) && typeof i === "number" && i >= 0 && i < x.length) return x[i];
    return index(x, i);
  },
  setidx(x: Value, i: Value, v: Value): void {
    if (Array.isArray(x) && typeof i === "number" && i >= 0 && i < x.length) x[i] = v;
    else setIndex(x, i, v);
  },
  getField,
  setField,
  charge,
  ic0,
  ic1,
  ic2,
  icN,
  site,
  tableOf,
  miss,
  call0,
  call1,
  call2,
  callN,
  tuple(items: Value[]): Tuple {
    charge(COST.header + items.length * COST.slot);
    return new Tuple(items);
  },
  vec(items: Value[]): Value[] {
    charge(COST.header + items.length * COST.slot);
    return items;
  },
  obj(o: Map<string, Value>, bytes: number): Map<string, Value> {
    charge(bytes);
    return o;
  },
  str(s: string): string {
    chargeText(s.length, s.length);
    return s;
  },
  display,
  debug: (v: Value) => debug(v),
  debugPretty: (v: Value) => debug(v, true),
  formatter,
  cat(parts: string[]): string {
    return parts.join("");
  },
  out(text: string): Tuple {
    io.out(text);
    return UNIT;
  },
  eout(text: string): Tuple {
    io.err(text);
    return UNIT;
  },
  panicNow(message: string): never {
    throw panic(message);
  },
  assertEq(a: Value, b: Value, message: string | null): Tuple {
    if (!eq(a, b)) assertFailed("==", a, b, message);
    return UNIT;
  },
  assertNe(a: Value, b: Value, message: string | null): Tuple {
    if (!ne(a, b)) assertFailed("!=", a, b, message);
    return UNIT;
  },
  cast,
  isType: (v: Value, name: string) => BUILTIN_TYPES[name].test(v),
  isEnum: (v: Value, info: TypeInfo) => v instanceof StructValue && v.$t.enum === info,
  isChar: (v: Value, cp: number) => v instanceof Char && v.c === cp,
  isFloat: (v: Value, x: number) => v instanceof Float && v.v === x,
  isVec: Array.isArray,
  iter: toIter,
  intRange(a: Value, b: Value): void {
    if (typeof a === "number" && typeof b === "number") return;
    for (const v of [a, b]) {
      if (typeof v === "bigint") {
        throw typeError(`range bound ${v} is beyond ±2^53, which a loop cannot count to`);
      }
      if (typeof v !== "number") {
        throw typeError(`a range in a for loop needs int bounds, found ${typeName(v)}`);
      }
    }
  },
  tryFail: tryFailure,
  patFail(v: Value): RuneError {
    return panic(`the value ${debug(v)} does not match the pattern`);
  },
  /** The base of `Name { a, ..base }`: a value of the same struct. */
  structBase(v: Value, cls: abstract new (...a: never[]) => unknown, name: string): Value {
    if (v instanceof cls) return v;
    throw typeError(
      `struct update syntax needs a \`${name}\` to copy the other fields from, not \`${
        typeName(v)
      }\``,
    );
  },
  fail(message: string): RuneError {
    return panic(message);
  },
  supd: updateString,
  stake: takeString,
  named: <F extends (...a: never[]) => unknown>(name: string, f: F) => named(name, f),
  char,
  Float,
  Bytes,
  Tuple,
  Map,
  Range,
  Some,
  Ok,
  Err,
  NONE,
  UNIT,
  END,
  StructValue,
  Char,
  meter,
  tick,
  tickSlice,
  mkType: makeType,
  bindType,
  Gen: Generator,
  Stream,
  Future,
  await: awaitValue,
  select: selectFirst,
  Yielded,
  Complete,
  fsqrt: Math.sqrt,
  fabs: Math.abs,
  lib: LIB,
  fwrite: writeTo,
  traits: provideTraitMethods,
  ext(entries: [string, string, RuneFn][]): ExtensionTables | undefined {
    if (entries.length === 0) return undefined;
    const tables: ExtensionTables = new Map();
    for (const [type, name, f] of entries) {
      const shared = BUILTIN_TYPES[type].methods;
      let own = tables.get(shared);
      if (own === undefined) {
        own = methodTable();
        tables.set(shared, own);
      }
      own[name] = f;
    }
    return tables;
  },
  ufcs(type: string, method: string) {
    const t = BUILTIN_TYPES[type];
    const f = t.methods[method];
    // The method's implementation trusts its receiver's type, so check it here.
    const wrapper = (...args: Value[]) => {
      if (!t.test(args[0])) {
        throw typeError(
          `\`${type}::${method}\` expects a \`${type}\` as its first argument, not \`${
            typeName(args[0])
          }\``,
        );
      }
      return f(...(args as [Value]));
    };
    Object.defineProperty(wrapper, "length", { value: f.length });
    return named(`${type}::${method}`, wrapper);
  },
});

export { RuneError };
