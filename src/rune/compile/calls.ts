/**
 * Paths as values, calls, method calls and struct literals.
 *
 * @module
 */
import { COST } from "../runtime/meter.ts";
import type { Expr, Path } from "../ast.ts";
import { BUILTIN_TYPES, LIB } from "../std/prelude.ts";
import { STRING_TAKERS, STRING_UPDATERS } from "../std/string.ts";
import type { Compiler } from "./compiler.ts";
import { expr } from "./expr.ts";
import type { FnDef, ItemDef, ShapeDef, TraitFnDef } from "./items.ts";

/** Resolve a path in expression position to an item (after local variables were ruled out). */
export function resolveItem(c: Compiler, path: Path): ItemDef | null {
  const segs = path.segments;
  const self = c.fn.selfType;
  if (segs[0].name === "Self" && self !== null) {
    if (self.kind === "builtinSelf") {
      // `Self::zero()` in `impl Zero for i64` is `i64::zero()`.
      const named = [{ name: self.name, span: segs[0].span }, ...segs.slice(1)];
      return c.prog.items.resolveSegments(c.scope.items, named, path.span, true);
    }
    const t = self;
    if (segs.length === 1) return t;
    const name = segs[1].name;
    const f = t.fns.get(name) ?? t.consts.get(name);
    if (segs.length === 2 && f) return f;
    if (segs.length === 2 && t.kind === "enum" && t.variants.has(name)) {
      return t.variants.get(name)!;
    }
    c.error(path.span, `\`${t.name}\` has no associated item \`${name}\``);
    return null;
  }
  if (segs[0].name === "Self") {
    c.error(path.span, "`Self` is only available inside an `impl` block");
    return null;
  }
  return c.prog.items.resolvePath(c.scope.items, path);
}

/** A path used as a value: a variable, a function, a unit struct or variant, a constant, … */
export function pathValue(c: Compiler, path: Path): string {
  const segs = path.segments;
  if (segs.length === 1 && !path.global) {
    if (segs[0].name === "self") {
      const v = c.variable("self");
      if (v) return v.js;
      c.error(path.span, "`self` is only available in methods");
      return "$UNIT";
    }
    const v = c.variable(segs[0].name);
    if (v) return v.js;
  }
  const item = resolveItem(c, path);
  if (!item) return "$UNIT";
  switch (item.kind) {
    case "fn":
      return item.js;
    case "const":
      return item.js;
    case "struct":
    case "variant":
      if (item.shape === "unit") return `${item.cls}.$unit`;
      if (item.shape === "tuple") return constructorFn(c, item);
      c.error(path.span, `\`${item.name}\` has named fields`, `write \`${item.name} { … }\``);
      return "$UNIT";
    case "host":
      if (item.spec) return c.prog.hostRef(item.path);
      c.error(path.span, `\`${item.path}\` is a module, not a value`);
      return "$UNIT";
    case "enum":
    case "mod":
      c.error(
        path.span,
        `\`${segs.map((s) => s.name).join("::")}\` is a ${
          item.kind === "enum" ? "type" : "module"
        }, not a value`,
      );
      return "$UNIT";
    case "builtin": {
      const ref = item.ref;
      if (ref.kind === "value") {
        if (LIB.has(ref.key)) return c.prog.libRef(ref.key);
        const ufcs = splitUfcs(ref.key);
        if (ufcs) return c.prog.ufcsRef(ufcs.type, ufcs.method);
        c.error(path.span, `cannot find \`${segs.map((s) => s.name).join("::")}\``);
        return "$UNIT";
      }
      c.error(path.span, `\`${segs.map((s) => s.name).join("::")}\` is a ${ref.kind}, not a value`);
      return "$UNIT";
    }
    case "trait":
      c.error(path.span, `\`${item.item.name.name}\` is a trait, not a value`);
      return "$UNIT";
    case "traitfn":
      return traitFnValue(c, item, path);
    case "alias":
      // Paths see through aliases, so none is ever resolved to.
      return "$UNIT";
  }
}

/** `Trait::method` as a value: a function calling the method on its first argument. */
function traitFnValue(c: Compiler, item: TraitFnDef, path: Path): string {
  const name = `${item.trait.item.name.name}::${item.name}`;
  if (!item.fn.hasSelf) {
    c.error(
      path.span,
      `\`${name}\` has no \`self\`, so there is no value to call it on`,
      "name it through the type instead: `Type::" + item.name + "`",
    );
    return "$UNIT";
  }
  const params = ["a0", ...item.fn.params.map((_, i) => `a${i + 1}`)];
  const body = methodCall(c, item.name, "a0", params.slice(1), false);
  return c.prog.constant(
    `$named(${JSON.stringify(name)}, (${params.join(", ")}) => ${body})`,
  );
}

/** `Type::method` of a built-in type, when it names an instance method. */
function splitUfcs(key: string): { type: string; method: string } | null {
  const at = key.lastIndexOf("::");
  if (at < 0) return null;
  const type = key.slice(0, at);
  const method = key.slice(at + 2);
  const t = BUILTIN_TYPES[type];
  if (!t || t.methods[method] === undefined) return null;
  return { type, method };
}

function constructorFn(c: Compiler, shape: ShapeDef): string {
  return c.prog.constant(
    `$named(${JSON.stringify(shape.name)}, (${
      shape.fields.map((_, i) => `a${i}`).join(", ")
    }) => new ${shape.cls}(${shape.fields.map((_, i) => `a${i}`).join(", ")}))`,
  );
}

function arityError(c: Compiler, e: Expr, what: string, want: number, got: number): void {
  c.error(
    e.span,
    `${what} takes ${want} argument${want === 1 ? "" : "s"} but ${got} ${
      got === 1 ? "was" : "were"
    } given`,
  );
}

/** A call `f(args)`. */
export function call(c: Compiler, e: Extract<Expr, { kind: "call" }>): string {
  const callee = e.callee;
  if (callee.kind === "path") {
    const segs = callee.path.segments;
    const isVar = segs.length === 1 && !callee.path.global && c.scope.lookup(segs[0].name) !== null;
    if (!isVar) {
      const item = resolveItem(c, callee.path);
      if (!item) {
        c.list(e.args, (a) => expr(c, a));
        return "$UNIT";
      }
      const direct = directCall(c, e, item);
      if (direct !== null) return direct;
    }
  }
  const [f, ...args] = c.list([callee, ...e.args], (x) => expr(c, x));
  if (args.length <= 2) return `$call${args.length}(${[f, ...args].join(", ")})`;
  return `$callN(${f}, [${args.join(", ")}])`;
}

function directCall(c: Compiler, e: Extract<Expr, { kind: "call" }>, item: ItemDef): string | null {
  const args = () => c.list(e.args, (a) => expr(c, a));
  const name = e.callee.kind === "path" ? e.callee.path.segments.map((s) => s.name).join("::") : "";
  switch (item.kind) {
    case "fn":
      return fnCall(c, e, item, args());
    case "struct":
    case "variant":
      if (item.shape !== "tuple") {
        c.error(
          e.span,
          `\`${item.name}\` is not a tuple ${
            item.kind === "struct" ? "struct" : "variant"
          } and cannot be called`,
        );
        args();
        return "$UNIT";
      }
      if (item.fields.length !== e.args.length) {
        arityError(c, e, `\`${item.name}\``, item.fields.length, e.args.length);
      }
      return `new ${item.cls}(${args().join(", ")})`;
    case "builtin": {
      const ref = item.ref;
      if (ref.kind !== "value") {
        c.error(e.span, `\`${name}\` is a ${ref.kind}, not a function`);
        args();
        return "$UNIT";
      }
      if (ref.key === "Some" || ref.key === "Ok" || ref.key === "Err") {
        if (e.args.length !== 1) arityError(c, e, `\`${ref.key}\``, 1, e.args.length);
        return `new $${ref.key}(${args().join(", ")})`;
      }
      const value = LIB.get(ref.key);
      if (typeof value === "function") {
        if (value.length !== e.args.length) {
          arityError(c, e, `\`${name}\``, value.length, e.args.length);
        }
        return `${c.prog.libRef(ref.key)}(${args().join(", ")})`;
      }
      if (value !== undefined) return null;
      const ufcs = splitUfcs(ref.key);
      if (ufcs) {
        const m = BUILTIN_TYPES[ufcs.type].methods[ufcs.method];
        if (m.length !== e.args.length) arityError(c, e, `\`${name}\``, m.length, e.args.length);
        return `${c.prog.ufcsRef(ufcs.type, ufcs.method)}(${args().join(", ")})`;
      }
      c.error(e.span, `cannot find function \`${name}\``);
      args();
      return "$UNIT";
    }
    case "const":
      return null;
    case "traitfn": {
      // `Trait::method(value, args…)` is `value.method(args…)`.
      if (e.args.length === 0) {
        c.error(e.span, `\`${name}\` needs the value to call it on as its first argument`);
        return "$UNIT";
      }
      const [recv, ...rest] = args();
      return methodCall(c, item.name, c.stable(recv), rest);
    }
    case "host": {
      if (!item.spec) {
        c.error(e.span, `\`${item.path}\` is a module, not a function`);
        args();
        return "$UNIT";
      }
      const max = item.spec.params;
      const min = max - (item.spec.optional ?? 0);
      if (e.args.length < min || e.args.length > max) {
        const want = min === max
          ? `${max} argument${max === 1 ? "" : "s"}`
          : `${min} to ${max} arguments`;
        c.error(
          e.span,
          `\`${item.path}\` takes ${want} but ${e.args.length} ${
            e.args.length === 1 ? "was" : "were"
          } given`,
        );
      }
      return `${c.prog.hostRef(item.path)}(${args().join(", ")})`;
    }
    default:
      c.error(e.span, `\`${name}\` is not a function`);
      args();
      return "$UNIT";
  }
}

function fnCall(c: Compiler, e: Expr, def: FnDef, args: string[]): string {
  if (def.arity !== args.length) {
    arityError(c, e, `function \`${def.path}\``, def.arity, args.length);
  }
  return `${def.js}(${args.join(", ")})`;
}

/** `v.push(x)` on a vector, inline: charge the slot, push, give `()`. */
function vecPush(v: string, x: string): string {
  return `((($m.mem += ${COST.slot}) > $m.memLimit && $charge(0)), ${v}.push(${x}), $UNIT)`;
}

/** Is this expression a place (variable, field, element) a String mutator can write back to? */
function placeOf(e: Expr): Expr | null {
  if (e.kind === "paren") return placeOf(e.expr);
  if (e.kind === "path" && e.path.segments.length === 1 && !e.path.global) return e;
  if (e.kind === "field" || e.kind === "index") return e;
  return null;
}

/** A method call `x.name(args)`. */
export function method(c: Compiler, e: Extract<Expr, { kind: "method" }>): string {
  const name = e.name.name + (e.generics ? `::<${e.generics.join(",")}>` : "");
  const place = e.generics ? null : placeOf(e.receiver);
  const mutator = name in STRING_UPDATERS || name in STRING_TAKERS;
  if (
    place && mutator &&
    !(place.kind === "path" && c.scope.lookup(place.path.segments[0].name) === null)
  ) {
    return stringMutation(c, e, place, name);
  }
  const [recv, ...args] = c.list([e.receiver, ...e.args], (x) => expr(c, x));
  if ((name === "len" && args.length === 0) || (name === "push" && args.length === 1)) {
    return methodCall(c, name, c.stable(recv), args.map((a) => c.stable(a)));
  }
  if ((name === "sqrt" || name === "abs") && args.length === 0) {
    // Float math inline; anything else (an int's `abs`, errors) through the call site.
    const r = c.stable(recv);
    // An int literal is never a float (and `5.v` would not parse).
    if (/^-?\d/.test(r)) return methodCall(c, name, r, []);
    const f = name === "sqrt" ? "$fsqrt" : "$fabs";
    return `(${r} instanceof $Float ? new $Float(${f}(${r}.v)) : ${methodCall(c, name, r, [])})`;
  }
  return methodCall(c, name, recv, args);
}

/**
 * A method call through an inline-cached call site of its own. `inline` checks the cache in the
 * compiled function itself, so each call site's call has one target that V8 can inline; code
 * outside a function body (a module-level constant) goes through the shared helpers instead.
 */
export function methodCall(
  c: Compiler,
  name: string,
  recv: string,
  args: string[],
  inline = true,
  vecFast = true,
): string {
  // Every call site can also look in the program's own table of methods it added to built-in
  // types (`impl Double for i64`); an impl in a function body is only seen after the call sites
  // compiled before it, so this does not depend on the method name.
  const s = c.prog.constant(
    `$site(${JSON.stringify(name)}, ${args.length}, ${c.prog.sites++}, $xt)`,
  );
  let generic: string;
  if (inline) {
    const r = c.stable(recv);
    const t = c.fn.tmp();
    const target = `((${t} = $tableOf(${r})) === ${s}.t ? ${s}.f : $miss(${s}, ${r}, ${t}))`;
    generic = `${target}(${[r, ...args].join(", ")})`;
    recv = r;
  } else {
    generic = args.length <= 2
      ? `$ic${args.length}(${[s, recv, ...args].join(", ")})`
      : `$icN(${s}, ${recv}, [${args.join(", ")}])`;
  }
  if (!vecFast) return generic;
  // The two hottest vector methods skip dispatch (the receiver is stable here).
  if (name === "len" && args.length === 0) return `($isVec(${recv}) ? ${recv}.length : ${generic})`;
  if (name === "push" && args.length === 1) {
    return `($isVec(${recv}) ? ${vecPush(recv, args[0])} : ${generic})`;
  }
  return generic;
}

/**
 * `place.push_str(x)` and the other String mutators: strings are immutable here, so when the
 * receiver turns out to be a String the new string is written back to the place.
 */
function stringMutation(
  c: Compiler,
  e: Extract<Expr, { kind: "method" }>,
  place: Expr,
  name: string,
): string {
  let read: string;
  let write: (v: string) => string;
  if (place.kind === "path") {
    const v = c.variable(place.path.segments[0].name)!;
    v.binding.assigned = true;
    const cap = c.fn.captures.get(v.binding);
    if (cap) cap.assigned = true;
    read = v.js;
    write = (x) => `${v.js} = ${x}`;
  } else if (place.kind === "field") {
    const obj = c.stable(expr(c, place.target));
    read = `${c.prog.getter(place.name.name)}(${obj})`;
    write = (x) => `${c.prog.setter(place.name.name)}(${obj}, ${x})`;
  } else {
    const p = place as Extract<Expr, { kind: "index" }>;
    const [o, i] = c.list([p.target, p.index], (x) => expr(c, x)).map((x) => c.stable(x));
    read = `$idx(${o}, ${i})`;
    write = (x) => `$setidx(${o}, ${i}, ${x})`;
  }
  const recv = c.stable(read);
  const args = c.list(e.args, (x) => expr(c, x)).map((x) => c.stable(x));
  const n = JSON.stringify(name);
  const isPush = name === "push" && args.length === 1;
  const fallback = methodCall(c, name, recv, args, true, !isPush);
  if (isPush) {
    return `($isVec(${recv}) ? ${vecPush(recv, args[0])} : typeof ${recv} === "string" ? (${
      write(`$supd(${n}, ${[recv, ...args].join(", ")})`)
    }, $UNIT) : ${fallback})`;
  }
  if (name in STRING_UPDATERS) {
    return `(typeof ${recv} === "string" ? (${
      write(`$supd(${n}, ${[recv, ...args].join(", ")})`)
    }, $UNIT) : ${fallback})`;
  }
  const t = c.fn.tmp();
  return `(typeof ${recv} === "string" ? (${t} = $stake(${n}, ${[recv, ...args].join(", ")}), ${
    write(`${t}[0]`)
  }, ${t}[1]) : ${fallback})`;
}

/** `Name { field: value, … }`. */
export function structLiteral(c: Compiler, e: Extract<Expr, { kind: "structlit" }>): string {
  const item = resolveItem(c, e.path);
  const values = () =>
    c.list(
      [...e.fields, ...(e.base ? [{ name: e.path.segments[0], value: e.base }] : [])],
      (f) =>
        f.value
          ? expr(c, f.value)
          : pathValue(c, { segments: [f.name], global: false, span: f.name.span }),
    );
  if (!item) {
    values();
    return "$UNIT";
  }
  if ((item.kind !== "struct" && item.kind !== "variant") || item.shape !== "named") {
    const what = item.kind === "struct" || item.kind === "variant"
      ? item.name
      : e.path.segments.map((s) => s.name).join("::");
    c.error(e.path.span, `\`${what}\` is not a struct with named fields`);
    values();
    return "$UNIT";
  }
  const given = new Map<string, number>();
  e.fields.forEach((f, i) => {
    if (!item.fields.includes(f.name.name)) {
      c.error(
        f.name.span,
        `\`${item.name}\` has no field \`${f.name.name}\``,
        `its fields are: ${item.fields.join(", ")}`,
      );
    } else if (given.has(f.name.name)) {
      c.error(f.name.span, `field \`${f.name.name}\` is given twice`);
    } else given.set(f.name.name, i);
  });
  const missing = item.fields.filter((f) => !given.has(f));
  if (e.base && item.kind === "variant") {
    c.error(
      e.base.span,
      "struct update syntax works with structs only, not enum variants",
      "write every field of the variant",
    );
  }
  if (missing.length > 0 && !e.base) {
    c.error(
      e.span,
      `missing field${missing.length > 1 ? "s" : ""} ${
        missing.map((m) => `\`${m}\``).join(", ")
      } in \`${item.name}\``,
    );
  }
  let vals = values();
  if (e.base) {
    // The fields given are evaluated first, in order, then the base; the rest is copied from it.
    vals = vals.map((v) => c.stable(v));
    const base = c.stable(
      `$structBase(${vals.pop()}, ${item.cls}, ${JSON.stringify(item.name)})`,
    );
    const ordered = item.fields.map((f) =>
      given.has(f) ? vals[given.get(f)!] : `${base}[${JSON.stringify(`f_${f}`)}]`
    );
    return `new ${item.cls}(${ordered.join(", ")})`;
  }
  const inOrder = item.fields.every((f, i) => given.get(f) === i);
  if (!inOrder) vals = vals.map((v) => c.stable(v));
  const ordered = item.fields.map((f) => (given.has(f) ? vals[given.get(f)!] : "$UNIT"));
  return `new ${item.cls}(${ordered.join(", ")})`;
}
