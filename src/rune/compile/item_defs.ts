/**
 * What names in a program can stand for: the item definitions the compiler collects (functions,
 * constants, structs, enums and variants, modules, built-ins, host functions), modules and block
 * scopes, and the allocator of unique JavaScript names.
 *
 * @module
 */
import type {
  ConstItem,
  EnumItem,
  FnItem,
  Ident,
  StructBody,
  StructItem,
  TraitItem,
  TypeAliasItem,
} from "../ast.ts";
import type { Span } from "../source.ts";
import type { BuiltinRef } from "../std/prelude.ts";

/** A function item (free function, associated function or method). */
export interface FnDef {
  kind: "fn";
  item: FnItem;
  /** JavaScript name. */
  js: string;
  /** Rune path for messages and exports (`foo::bar`, `Point::new`). */
  path: string;
  mod: Mod;
  /** The type an `impl` attached it to. */
  owner?: TypeDef;
  /** The built-in type an `impl Trait for i64` attached it to. */
  builtinOwner?: string;
  /** Parameters, counting `self`. */
  arity: number;
}

/** A constant. */
export interface ConstDef {
  kind: "const";
  item: ConstItem;
  js: string;
  path: string;
  mod: Mod;
  /** The type of an associated constant (what `Self` means in its value). */
  owner?: TypeDef;
  /** The built-in type of a constant from an `impl Trait for i64`. */
  builtinOwner?: string;
}

/**
 * What a program's trait impls add to one built-in type (`impl Double for i64 { … }`). These
 * belong to the program: they reach compiled code through the program's own table, never
 * through the shared method tables of the runtime.
 */
export interface BuiltinImpl {
  kind: "builtinImpl";
  /** The built-in type's name (`i64`, `String`, `Vec`, `Tuple`, …). */
  name: string;
  fns: Map<string, FnDef>;
  consts: Map<string, ConstDef>;
}

/** A struct or an enum variant: something with a shape that can be constructed. */
export interface ShapeDef {
  /** JavaScript class name. */
  cls: string;
  /** JavaScript name of the TypeInfo. */
  info: string;
  /** Field names (`0`, `1`, … for tuple shapes). */
  fields: string[];
  shape: StructBody["kind"];
  /** Display name (`Foo`, `Enum::Variant`). */
  name: string;
  /** Where it was declared. */
  span: Span;
}

/** A struct. */
export interface StructDef extends ShapeDef {
  kind: "struct";
  item: StructItem;
  path: string;
  mod: Mod;
  fns: Map<string, FnDef>;
  /** Associated constants (`impl Foo { const MAX = 3; }`). */
  consts: Map<string, ConstDef>;
}

/** An enum. */
export interface EnumDef {
  kind: "enum";
  item: EnumItem;
  /** JavaScript name of the enum's TypeInfo. */
  info: string;
  name: string;
  path: string;
  mod: Mod;
  variants: Map<string, VariantDef>;
  fns: Map<string, FnDef>;
  /** Associated constants (`impl Foo { const MAX = 3; }`). */
  consts: Map<string, ConstDef>;
}

/** An enum variant. */
export interface VariantDef extends ShapeDef {
  kind: "variant";
  enum: EnumDef;
}

/** A struct or an enum. */
export type TypeDef = StructDef | EnumDef;

/** A module. */
export interface ModDef {
  kind: "mod";
  mod: Mod;
}

/** A built-in reached by a path. */
export interface BuiltinDef {
  kind: "builtin";
  ref: BuiltinRef;
}

/** A trait: methods an `impl Trait for Type` must define, and default ones it gets. */
export interface TraitDef {
  kind: "trait";
  item: TraitItem;
  /** The module the trait is declared in (its default methods resolve names there). */
  mod: Mod;
}

/** A trait's method named through the trait (`Shape::area`): calls it on the first argument. */
export interface TraitFnDef {
  kind: "traitfn";
  trait: TraitDef;
  name: string;
  /** The trait's declaration of the method. */
  fn: FnItem;
}

/** A function the host provides (`crucible::read_note`), or a module of them. */
export interface HostDef {
  kind: "host";
  /** Full path. */
  path: string;
  /** The function, or undefined for a module. */
  spec?: HostFunctionSpec;
}

/** A function a host makes available to programs under a module path. */
export interface HostFunctionSpec {
  /**
   * Full path, `::`-separated (`crucible::graph::backlinks`). A path ending in `::*` makes every
   * function name in that module a host function with these parameters (`other_plugin::*`).
   */
  path: string;
  /** Number of parameters. */
  params: number;
  /** How many of the trailing parameters may be left out. Default 0. */
  optional?: number;
}

/**
 * `type Name = Target;`. Paths see through it to the target, so an alias never appears in a
 * resolved path; only the resolver itself handles this kind.
 */
export interface AliasDef {
  kind: "alias";
  item: TypeAliasItem;
  /** The module the alias is declared in (its target resolves there). */
  mod: Mod;
  /**
   * The target once resolved; null when it names no type (already reported); "resolving" while
   * its target is being resolved, so a path back to it is a cycle.
   */
  resolved?: ItemDef | null | "resolving";
}

/** Anything a path can name (besides local variables). */
export type ItemDef =
  | AliasDef
  | FnDef
  | ConstDef
  | StructDef
  | EnumDef
  | VariantDef
  | ModDef
  | BuiltinDef
  | HostDef
  | TraitDef
  | TraitFnDef;

/** One `use` binding: a name and the path it stands for. */
export interface Import {
  name: string;
  path: Ident[];
  span: Span;
  /** `use foo::*`. */
  glob: boolean;
}

/** A module (or the item scope of a block). */
export class Mod {
  readonly items = new Map<string, ItemDef>();
  readonly imports: Import[] = [];
  /** The module whose items a block's items can also see (blocks only). */
  readonly outer: Mod | null;
  /** Path segments from the crate root (blocks share their module's path). */
  readonly path: string[];
  readonly parent: Mod | null;
  /** True for the item scope of a function body. */
  readonly isBlock: boolean;

  /** @param parent enclosing module; @param name module name (none for blocks) */
  constructor(parent: Mod | null, name: string | null, outer: Mod | null = null) {
    this.parent = parent;
    this.outer = outer;
    this.isBlock = name === null && parent !== null;
    this.path = parent === null ? [] : name === null ? parent.path : [...parent.path, name];
  }

  /** The real module a block scope belongs to. */
  get module(): Mod {
    return this.isBlock && this.parent ? this.parent.module : this;
  }
}

/** Where resolution problems go. */
export interface Reporter {
  error(span: Span, message: string, hint?: string): void;
}

/** Allocates unique JavaScript names. */
export class Names {
  #n = 0;
  /** A fresh name with a readable tail. */
  fresh(prefix: string, hint: string): string {
    return `${prefix}${++this.#n}_${hint.replace(/[^A-Za-z0-9_]/g, "_").slice(0, 40)}`;
  }
}
