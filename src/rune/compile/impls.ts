/**
 * `impl` blocks attached to their types: inherent impls and trait impls of the program's structs
 * and enums (with the trait's required methods and constants checked and its defaults added),
 * trait impls for built-in types (kept in the program's own table), and `impl fmt::Display` /
 * `impl fmt::Debug`.
 *
 * @module
 */
import type { ConstItem, FnItem, Item } from "../ast.ts";
import { DEBUG_IMPL, DISPLAY_IMPL } from "../runtime/format.ts";
import type { BuiltinImpl, ConstDef, FnDef, Mod, TraitDef, TypeDef } from "./item_defs.ts";
import type { ItemTable } from "./items.ts";
import { checkStdImpl, markStdImpl, stdTraitOf } from "./std_traits.ts";

type ImplItem = Extract<Item, { kind: "impl" }>;

/** Where an `impl` block was declared. */
export interface ImplSite {
  /** The module (or block scope) it is declared in, where its paths resolve. */
  mod: Mod;
  /** The impl block. */
  impl: ImplItem;
}

/** Attach an `impl` to the type it is for, reporting what is wrong with it. */
export function attachImpl(table: ItemTable, { mod, impl }: ImplSite): void {
  const segs = impl.target.segments;
  if (segs.length === 1 && impl.typeParams?.includes(segs[0].name)) {
    table.report.error(
      impl.target.span,
      `\`${
        segs[0].name
      }\` is a type parameter of the impl: implementing a trait for every type (a blanket impl) is not supported`,
      "implement it for each type that needs it: `impl Trait for Point { … }`",
    );
    return;
  }
  const resolved = table.resolvePath(mod, impl.target, true);
  if (resolved === null) return;
  let target: TypeDef | BuiltinImpl;
  if (resolved.kind === "builtin" && resolved.ref.kind === "type") {
    const name = resolved.ref.name;
    if (!impl.trait) {
      table.report.error(
        impl.target.span,
        `cannot define methods directly on the built-in type \`${name}\``,
        `declare a trait and implement it: \`trait Ext { … } impl Ext for ${name} { … }\``,
      );
      return;
    }
    target = builtinImpl(table, name);
  } else if (resolved.kind === "struct" || resolved.kind === "enum") {
    target = resolved;
  } else {
    table.report.error(
      impl.target.span,
      "`impl` needs a struct or an enum declared in this file, or a built-in type",
    );
    return;
  }
  const fns: { f: FnItem; mod: Mod }[] = impl.fns.map((f) => ({ f, mod }));
  const consts: { item: ConstItem; mod: Mod }[] = impl.consts.map((item) => ({ item, mod }));
  let std: string | null = null;
  if (impl.trait) {
    const trait = table.resolvePath(mod, impl.trait, true);
    if (trait === null) return;
    std = stdTraitOf(trait);
    if (std !== null) {
      if (!checkStdImpl(table, impl, target, std)) return;
    } else if (trait.kind === "builtin" && trait.ref.kind === "trait") {
      attachFormatting(table, mod, impl, target, trait.ref.name);
      return;
    } else if (trait.kind !== "trait") {
      table.report.error(
        impl.trait.span,
        `\`${impl.trait.segments.map((s) => s.name).join("::")}\` is not a trait`,
      );
      return;
    } else {
      attachTraitItems(table, impl, target, trait, fns, consts);
    }
  }
  for (const { f, mod } of fns) {
    if (
      target.fns.has(f.name.name) || (target.kind === "enum" && target.variants.has(f.name.name))
    ) {
      table.report.error(
        f.name.span,
        `\`${target.name}::${f.name.name}\` is defined more than once`,
      );
      continue;
    }
    const def: FnDef = {
      kind: "fn",
      item: f,
      js: table.names.fresh("F", `${target.name}_${f.name.name}`),
      path: `${typePath(target)}::${f.name.name}`,
      mod,
      ...ownerOf(target),
      arity: f.params.length + (f.hasSelf ? 1 : 0),
    };
    target.fns.set(f.name.name, def);
    table.fns.push(def);
  }
  for (const { item, mod } of consts) {
    const name = item.name.name;
    if (
      target.fns.has(name) || target.consts.has(name) ||
      (target.kind === "enum" && target.variants.has(name))
    ) {
      table.report.error(item.name.span, `\`${target.name}::${name}\` is defined more than once`);
      continue;
    }
    const def: ConstDef = {
      kind: "const",
      item,
      js: table.names.fresh("K", `${target.name}_${name}`),
      path: `${typePath(target)}::${name}`,
      mod,
      ...ownerOf(target),
    };
    target.consts.set(name, def);
    table.consts.push(def);
  }
  if (std !== null && target.kind !== "builtinImpl") markStdImpl(target, impl, std);
}

/** Check an impl of one of the program's traits, adding the defaults it does not override. */
function attachTraitItems(
  table: ItemTable,
  impl: ImplItem,
  target: TypeDef | BuiltinImpl,
  trait: TraitDef,
  fns: { f: FnItem; mod: Mod }[],
  consts: { item: ConstItem; mod: Mod }[],
): void {
  const t = trait.item;
  traitConsts(table, target, impl, trait, consts);
  const members = new Set([...t.required, ...t.provided].map((f) => f.name.name));
  const given = new Set(impl.fns.map((f) => f.name.name));
  for (const f of impl.fns) {
    if (!members.has(f.name.name)) {
      table.report.error(
        f.name.span,
        `\`${f.name.name}\` is not a method of the trait \`${t.name.name}\``,
      );
    }
  }
  const missing = t.required.filter((r) => !given.has(r.name.name)).map((r) => r.name);
  if (missing.length > 0) {
    table.report.error(
      impl.target.span,
      `\`${target.name}\` does not implement ${
        missing.map((m) => `\`${m.name}\``).join(", ")
      } of the trait \`${t.name.name}\``,
    );
  }
  // Default methods the impl does not override, compiled for this type.
  for (const f of t.provided) {
    if (!given.has(f.name.name)) fns.push({ f, mod: trait.mod });
  }
}

/**
 * `impl fmt::Display for Point` (or `Debug`): its `fmt` method goes into the type's method table
 * under a key no program can name, where `{}` (or `{:?}`) finds it.
 */
function attachFormatting(
  table: ItemTable,
  mod: Mod,
  impl: ImplItem,
  target: TypeDef | BuiltinImpl,
  trait: string,
): void {
  if (target.kind === "builtinImpl") {
    table.report.error(
      impl.target.span,
      `\`${target.name}\` already implements \`${trait}\`: only types declared in this program can implement it`,
    );
    return;
  }
  for (const k of impl.consts) {
    table.report.error(
      k.name.span,
      `\`${k.name.name}\` is not a constant of the trait \`${trait}\``,
    );
  }
  const fmt = impl.fns.find((f) => f.name.name === "fmt");
  for (const f of impl.fns) {
    if (f !== fmt) {
      table.report.error(
        f.name.span,
        `\`${f.name.name}\` is not a method of the trait \`${trait}\``,
      );
    }
  }
  if (!fmt) {
    table.report.error(
      impl.target.span,
      `\`${target.name}\` does not implement \`fmt\` of the trait \`${trait}\``,
      'write `fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result { write!(f, "…") }`',
    );
    return;
  }
  if (!fmt.hasSelf || fmt.params.length !== 1) {
    table.report.error(
      fmt.name.span,
      `\`fmt\` of \`${trait}\` takes \`self\` and the formatter`,
      "write `fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result`",
    );
    return;
  }
  const key = trait === "Display" ? DISPLAY_IMPL : DEBUG_IMPL;
  if (target.fns.has(key)) {
    table.report.error(
      impl.target.span,
      `\`${trait}\` is implemented twice for \`${target.name}\``,
    );
    return;
  }
  const def: FnDef = {
    kind: "fn",
    item: fmt,
    js: table.names.fresh("F", `${target.name}_fmt_${trait}`),
    path: `${typePath(target)}::fmt`,
    mod,
    owner: target,
    arity: 2,
  };
  target.fns.set(key, def);
  table.fns.push(def);
}

/** The program's additions to built-in type `name`, created on first use. */
function builtinImpl(table: ItemTable, name: string): BuiltinImpl {
  let t = table.builtinImpls.get(name);
  if (!t) {
    t = { kind: "builtinImpl", name, fns: new Map(), consts: new Map() };
    table.builtinImpls.set(name, t);
  }
  return t;
}

/** Check an impl's constants against its trait's, adding the trait's defaults to `consts`. */
function traitConsts(
  table: ItemTable,
  target: { name: string },
  impl: ImplItem,
  trait: TraitDef,
  consts: { item: ConstItem; mod: Mod }[],
): void {
  const t = trait.item;
  const declared = new Map(t.consts.map((k) => [k.name.name, k]));
  const given = new Set(impl.consts.map((k) => k.name.name));
  for (const k of impl.consts) {
    if (!declared.has(k.name.name)) {
      table.report.error(
        k.name.span,
        `\`${k.name.name}\` is not a constant of the trait \`${t.name.name}\``,
      );
    }
  }
  const missing = t.consts.filter((k) => !k.value && !given.has(k.name.name));
  if (missing.length > 0) {
    table.report.error(
      impl.target.span,
      `\`${target.name}\` does not define ${
        missing.map((m) => `\`${m.name.name}\``).join(", ")
      } of the trait \`${t.name.name}\``,
    );
  }
  for (const k of t.consts) {
    if (given.has(k.name.name) || !k.value) continue;
    const item: ConstItem = {
      kind: "const",
      name: k.name,
      value: k.value,
      isPub: true,
      attrs: [],
      span: k.span,
    };
    consts.push({ item, mod: trait.mod });
  }
}

/** The Rune path of a type's items (`m::Point`, `i64`). */
function typePath(target: TypeDef | BuiltinImpl): string {
  if (target.kind === "builtinImpl") return target.name;
  return [...target.mod.path, target.name].join("::");
}

/** The owner fields of a function or constant defined in an impl of `target`. */
function ownerOf(target: TypeDef | BuiltinImpl): { owner: TypeDef } | { builtinOwner: string } {
  return target.kind === "builtinImpl" ? { builtinOwner: target.name } : { owner: target };
}
