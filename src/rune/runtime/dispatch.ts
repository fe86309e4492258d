/**
 * Method dispatch and calls of function values. Every value's methods come from a null-prototype
 * table chosen by its JavaScript type (primitives, arrays, maps) or from the `$m` table on its
 * class's prototype (everything else), so a method name from a program can only ever find a
 * function this runtime registered.
 *
 * @module
 */
import { typeError } from "./errors.ts";
import { typeName } from "./ops.ts";
import {
  Bytes,
  Char,
  Err,
  Float,
  Iter,
  type Method,
  type MethodTable,
  methodTable,
  NoneType,
  Ok,
  Range,
  setMethods,
  Some,
  Tuple,
  type Value,
} from "./values.ts";

/** Method tables of the built-in types, filled by the std modules. */
export const METHODS = {
  int: methodTable(),
  float: methodTable(),
  bool: methodTable(),
  char: methodTable(),
  string: methodTable(),
  vec: methodTable(),
  object: methodTable(),
  tuple: methodTable(),
  option: methodTable(),
  result: methodTable(),
  range: methodTable(),
  bytes: methodTable(),
  iter: methodTable(),
  fn: methodTable(),
} satisfies Record<string, MethodTable>;

setMethods(Float, METHODS.float);
setMethods(Char, METHODS.char);
setMethods(Tuple, METHODS.tuple);
setMethods(Some, METHODS.option);
setMethods(NoneType, METHODS.option);
setMethods(Ok, METHODS.result);
setMethods(Err, METHODS.result);
setMethods(Range, METHODS.range);
setMethods(Bytes, METHODS.bytes);
setMethods(Iter, METHODS.iter);

/** The method table of a value. */
export function tableOf(x: Value): MethodTable | undefined {
  switch (typeof x) {
    case "number":
    case "bigint":
      return METHODS.int;
    case "string":
      return METHODS.string;
    case "boolean":
      return METHODS.bool;
    case "function":
      return METHODS.fn;
    case "object":
      if (Array.isArray(x)) return METHODS.vec;
      if (x instanceof Map) return METHODS.object;
      return x.$m;
  }
  return undefined;
}

/**
 * A program's own methods on built-in types (from `impl Trait for i64`): the shared method table
 * of each built-in type to the program's table of additions. Each program has its own, so no
 * program sees another's impls.
 */
export type ExtensionTables = Map<MethodTable, MethodTable>;

/**
 * Find method `name` of `x`, checking it takes `argc` arguments besides the receiver. The
 * built-in type's own methods come first (as inherent methods do in Rust), then the program's
 * additions in `ext`.
 */
export function lookupMethod(
  x: Value,
  name: string,
  argc: number,
  ext?: ExtensionTables,
): Method {
  const table = tableOf(x);
  let f = table === undefined ? undefined : table[name];
  if (f === undefined && ext !== undefined && table !== undefined) {
    const own = ext.get(table);
    if (own !== undefined) {
      const base = name.includes("::<") ? name.slice(0, name.indexOf("::<")) : name;
      f = own[base];
      if (f !== undefined) name = base;
    }
  }
  if (f === undefined && table !== undefined && name.includes("::<")) {
    // Type arguments select among built-ins by their outer type names
    // (`collect::<HashMap<String, i64>>` is `collect::<HashMap>`); a method a program defined
    // ignores them, as Rune is dynamically typed.
    const base = name.slice(0, name.indexOf("::<"));
    f = table[`${base}::<${outerTypeNames(name.slice(base.length + 3, -1))}>`];
    if (f === undefined && !selectsByType(table, base)) f = table[base];
    if (f !== undefined) name = base;
  }
  if (f === undefined) {
    throw typeError(`no method \`${name}\` on a value of type \`${typeName(x)}\``);
  }
  if (f.length !== argc + 1) {
    throw typeError(
      `method \`${typeName(x)}::${name}\` takes ${f.length - 1} argument${
        f.length === 2 ? "" : "s"
      }, ` +
        `but ${argc} ${argc === 1 ? "was" : "were"} given`,
    );
  }
  return f;
}

/** `Vec<i64>, std::collections::HashMap<K, V>` → `Vec,HashMap`. */
function outerTypeNames(args: string): string {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of args + ",") {
    if (ch === "<") depth++;
    else if (ch === ">") depth--;
    else if (ch === "," && depth === 0) {
      const path = cur.trim();
      out.push(path.slice(path.lastIndexOf(":") + 1));
      cur = "";
    } else if (depth === 0) cur += ch;
  }
  return out.join(",");
}

/** Does a built-in pick its implementation by type argument (`collect::<…>`, `parse::<…>`)? */
function selectsByType(table: MethodTable, base: string): boolean {
  for (const key in table) if (key.startsWith(`${base}::<`)) return true;
  return false;
}

/** `x.name()`. */
export function mc0(x: Value, name: string): Value {
  return lookupMethod(x, name, 0)(x);
}

/** `x.name(a)`. */
export function mc1(x: Value, name: string, a: Value): Value {
  return lookupMethod(x, name, 1)(x, a);
}

/** `x.name(a, b)`. */
export function mc2(x: Value, name: string, a: Value, b: Value): Value {
  return lookupMethod(x, name, 2)(x, a, b);
}

/** `x.name(…args)`. */
export function mcN(x: Value, name: string, args: Value[]): Value {
  return lookupMethod(x, name, args.length)(x, ...args);
}

function notCallable(f: Value): never {
  throw typeError(`\`${typeName(f)}\` is not a function and cannot be called`);
}

function badArity(f: Value, n: number): never {
  const want = (f as { length: number }).length;
  throw typeError(
    `${f.$name ? `\`${f.$name}\`` : "the function"} takes ${want} argument${
      want === 1 ? "" : "s"
    }, ` +
      `but ${n} ${n === 1 ? "was" : "were"} given`,
  );
}

/** Call a function value with no arguments. */
export function call0(f: Value): Value {
  if (typeof f !== "function") notCallable(f);
  if (f.length !== 0) badArity(f, 0);
  return f();
}

/** Call a function value with one argument. */
export function call1(f: Value, a: Value): Value {
  if (typeof f !== "function") notCallable(f);
  if (f.length !== 1) badArity(f, 1);
  return f(a);
}

/** Call a function value with two arguments. */
export function call2(f: Value, a: Value, b: Value): Value {
  if (typeof f !== "function") notCallable(f);
  if (f.length !== 2) badArity(f, 2);
  return f(a, b);
}

/** Call a function value. */
export function callN(f: Value, args: Value[]): Value {
  if (typeof f !== "function") notCallable(f);
  if (f.length !== args.length) badArity(f, args.length);
  return f(...args);
}

/** Check once that `f` is a function of `arity` arguments (for built-ins taking callbacks). */
export function callable(f: Value, arity: number, what: string): (...a: Value[]) => Value {
  if (typeof f !== "function") {
    throw typeError(`${what} expects a function, not \`${typeName(f)}\``);
  }
  if (f.length !== arity) {
    throw typeError(
      `${what} calls its function with ${arity} argument${arity === 1 ? "" : "s"}, ` +
        `but the function takes ${f.length}`,
    );
  }
  return f;
}

/** Give a built-in function value a Rune name (for messages and `{:?}`). */
export function named<F extends (...a: never[]) => unknown>(name: string, f: F): F {
  Object.defineProperty(f, "$name", { value: name });
  return f;
}

/** A method call site's inline cache: the last receiver method table seen and its method. */
export interface CallSite {
  /** Method name. */
  readonly name: string;
  /** Arguments besides the receiver. */
  readonly argc: number;
  /** Table of the last receiver. */
  t: MethodTable | undefined;
  /** Its method. */
  f: Method | undefined;
  /** The program's own methods on built-in types (undefined when it defines none). */
  readonly ext: ExtensionTables | undefined;
}

/**
 * A new call site (one per method call in the compiled code; `_n` only keeps pooled sites
 * apart).
 */
export function site(name: string, argc: number, _n?: number, ext?: ExtensionTables): CallSite {
  return { name, argc, t: undefined, f: undefined, ext };
}

/** Look a call site's method up for a receiver of a table it has not cached, and cache it. */
export function miss(s: CallSite, x: Value, t: MethodTable | undefined): Method {
  const f = lookupMethod(x, s.name, s.argc, s.ext);
  s.t = t;
  s.f = f;
  return f;
}

/** `x.m()` through a call site. */
export function ic0(s: CallSite, x: Value): Value {
  const t = tableOf(x);
  return (t === s.t ? s.f! : miss(s, x, t))(x);
}

/** `x.m(a)` through a call site. */
export function ic1(s: CallSite, x: Value, a: Value): Value {
  const t = tableOf(x);
  return (t === s.t ? s.f! : miss(s, x, t))(x, a);
}

/** `x.m(a, b)` through a call site. */
export function ic2(s: CallSite, x: Value, a: Value, b: Value): Value {
  const t = tableOf(x);
  return (t === s.t ? s.f! : miss(s, x, t))(x, a, b);
}

/** `x.m(…args)` through a call site. */
export function icN(s: CallSite, x: Value, args: Value[]): Value {
  const t = tableOf(x);
  return (t === s.t ? s.f! : miss(s, x, t))(x, ...args);
}
