/**
 * Impls of the standard traits besides `Display` and `Debug` (`Clone`, `Copy`, `Default`,
 * `PartialEq`, `Eq`, `PartialOrd`, `Ord`, `Iterator`, `From`, `Into`) for the program's own types.
 * Their methods become ordinary methods and associated functions of the type; the ones the
 * runtime calls by itself (`eq`, `ne`, `cmp` or `partial_cmp`, `next`) also go into the type's
 * method table under the keys of `runtime/traits.ts`.
 *
 * @module
 */
import type { Item } from "../ast.ts";
import { CMP_IMPL, EQ_IMPL, ITER_IMPL, NE_IMPL } from "../runtime/traits.ts";
import type { BuiltinImpl, ItemDef, TypeDef } from "./item_defs.ts";
import type { ItemTable } from "./items.ts";

type ImplItem = Extract<Item, { kind: "impl" }>;

/** A standard trait's methods: which ones an impl must define, and which take `self`. */
interface StdTrait {
  required: string[];
  optional: string[];
  /** Methods without `self` (associated functions). */
  statics: string[];
}

const STD_TRAITS: Record<string, StdTrait> = Object.assign(Object.create(null), {
  Clone: { required: ["clone"], optional: ["clone_from"], statics: [] },
  Copy: { required: [], optional: [], statics: [] },
  Default: { required: ["default"], optional: [], statics: ["default"] },
  PartialEq: { required: ["eq"], optional: ["ne"], statics: [] },
  Eq: { required: [], optional: [], statics: [] },
  PartialOrd: { required: ["partial_cmp"], optional: ["lt", "le", "gt", "ge"], statics: [] },
  Ord: { required: ["cmp"], optional: ["max", "min", "clamp"], statics: [] },
  Iterator: { required: ["next"], optional: ["size_hint"], statics: [] },
  From: { required: ["from"], optional: [], statics: ["from"] },
  Into: { required: ["into"], optional: [], statics: [] },
});

/**
 * The standard trait (other than `Display` and `Debug`) a resolved trait path names, or null.
 * `Iterator` is also the built-in type of iterators, so it resolves as a type.
 */
export function stdTraitOf(def: ItemDef): string | null {
  if (def.kind !== "builtin") return null;
  if (def.ref.kind === "trait" && STD_TRAITS[def.ref.name]) return def.ref.name;
  if (def.ref.kind === "type" && def.ref.name === "Iterator") return "Iterator";
  return null;
}

/** Check an impl of standard trait `trait`; false when it cannot be attached at all. */
export function checkStdImpl(
  table: ItemTable,
  impl: ImplItem,
  target: TypeDef | BuiltinImpl,
  trait: string,
): boolean {
  if (target.kind === "builtinImpl") {
    table.report.error(
      impl.target.span,
      `only types declared in this program can implement \`${trait}\`, not \`${target.name}\``,
      trait === "From" || trait === "Into"
        ? "write a conversion function, or implement `From` for a type of the program"
        : undefined,
    );
    return false;
  }
  const spec = STD_TRAITS[trait];
  let ok = true;
  for (const k of impl.consts) {
    table.report.error(
      k.name.span,
      `\`${k.name.name}\` is not a constant of the trait \`${trait}\``,
    );
    ok = false;
  }
  for (const f of impl.fns) {
    const name = f.name.name;
    if (!spec.required.includes(name) && !spec.optional.includes(name)) {
      table.report.error(f.name.span, `\`${name}\` is not a method of the trait \`${trait}\``);
      ok = false;
    } else if (f.hasSelf === spec.statics.includes(name)) {
      table.report.error(
        f.name.span,
        f.hasSelf
          ? `\`${name}\` of \`${trait}\` takes no \`self\`: it makes a value`
          : `\`${name}\` of \`${trait}\` takes \`self\` first`,
      );
      ok = false;
    }
  }
  const given = new Set(impl.fns.map((f) => f.name.name));
  const missing = spec.required.filter((r) => !given.has(r));
  if (missing.length > 0) {
    table.report.error(
      impl.target.span,
      `\`${target.name}\` does not implement ${
        missing.map((m) => `\`${m}\``).join(", ")
      } of the trait \`${trait}\``,
    );
    ok = false;
  }
  if (trait === "From" && target.fns.has("from")) {
    table.report.error(
      impl.target.span,
      `\`${target.name}\` already has a \`from\`: a type can have one \`From\` impl here`,
      "without static types the argument cannot choose among several; give the other conversions names of their own (`fn from_text(s)`)",
    );
    ok = false;
  }
  return ok;
}

/** After an impl of `trait` is attached: the methods the runtime calls, under their keys. */
export function markStdImpl(target: TypeDef, impl: ImplItem, trait: string): void {
  const own = (name: string) => {
    const f = target.fns.get(name);
    return f && impl.fns.includes(f.item) ? f : undefined;
  };
  const mark = (key: string, name: string) => {
    const f = own(name);
    if (f) target.fns.set(key, f);
  };
  switch (trait) {
    case "PartialEq":
      mark(EQ_IMPL, "eq");
      mark(NE_IMPL, "ne");
      break;
    case "PartialOrd":
      // `Ord::cmp` wins over `partial_cmp`, whichever impl comes first.
      if (target.fns.get(CMP_IMPL)?.item.name.name !== "cmp") mark(CMP_IMPL, "partial_cmp");
      break;
    case "Ord":
      mark(CMP_IMPL, "cmp");
      break;
    case "Iterator":
      mark(ITER_IMPL, "next");
      break;
  }
}
