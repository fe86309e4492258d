/**
 * Items and their names: the module tree of a file (inline `mod`s and the items declared inside
 * function bodies), `use` imports (paths, aliases, groups, globs), and resolution of paths to
 * items or built-ins. `impl` blocks are attached in `impls.ts`.
 *
 * @module
 */
import type { Ident, Item, Path, StructBody, UseTree } from "../ast.ts";
import type { Span } from "../source.ts";
import { resolveBuiltin } from "../std/prelude.ts";
import { aliasTarget, seeThrough } from "./aliases.ts";
import { attachImpl } from "./impls.ts";
import {
  type AliasDef,
  type BuiltinImpl,
  type ConstDef,
  type EnumDef,
  type FnDef,
  type HostDef,
  type HostFunctionSpec,
  type Import,
  type ItemDef,
  Mod,
  type Names,
  type Reporter,
  type StructDef,
} from "./item_defs.ts";

export type {
  BuiltinDef,
  BuiltinImpl,
  ConstDef,
  EnumDef,
  FnDef,
  HostDef,
  HostFunctionSpec,
  ItemDef,
  ModDef,
  Reporter,
  ShapeDef,
  StructDef,
  TraitFnDef,
  TypeDef,
  VariantDef,
} from "./item_defs.ts";
export { Mod, Names } from "./item_defs.ts";

/** Collects items into modules and resolves paths. */
export class ItemTable {
  readonly root = new Mod(null, "crate");
  readonly fns: FnDef[] = [];
  readonly consts: ConstDef[] = [];
  readonly structs: StructDef[] = [];
  readonly enums: EnumDef[] = [];
  /** What the program's trait impls add to built-in types, by type name. */
  readonly builtinImpls = new Map<string, BuiltinImpl>();
  /** Every module and block scope declared, in order (imports are checked once per scope). */
  readonly scopes: Mod[] = [];
  #checkedScopes = 0;
  #resolving = new Set<Import>();
  /** Type aliases not yet checked. */
  #aliases: AliasDef[] = [];

  readonly #host = new Map<string, HostFunctionSpec>();
  readonly #hostModules = new Set<string>();
  /** Modules whose every function is a host function (`module::*`). */
  readonly #hostWildcards = new Map<string, HostFunctionSpec>();

  /**
   * @param names name allocator; @param report error sink; @param host host functions;
   * @param suggest close names for a misspelt one (no did-you-mean without it)
   */
  constructor(
    readonly names: Names,
    readonly report: Reporter,
    host: readonly HostFunctionSpec[] = [],
    readonly suggest?: (name: string, candidates: readonly string[]) => string[],
  ) {
    for (const h of host) {
      if (h.path.endsWith("::*")) this.#hostWildcards.set(h.path.slice(0, -3), h);
      else this.#host.set(h.path, h);
      const parts = h.path.split("::");
      for (let i = 1; i < parts.length; i++) this.#hostModules.add(parts.slice(0, i).join("::"));
    }
  }

  /** The host item at a full path, if any. */
  private hostItem(path: string): HostDef | null {
    const spec = this.#host.get(path);
    if (spec) return { kind: "host", path, spec };
    if (this.#hostModules.has(path)) return { kind: "host", path };
    const at = path.lastIndexOf("::");
    const wildcard = at < 0 ? undefined : this.#hostWildcards.get(path.slice(0, at));
    if (wildcard && /^[\p{L}_][\p{L}\p{N}_]*$/u.test(path.slice(at + 2))) {
      return { kind: "host", path, spec: { ...wildcard, path } };
    }
    return null;
  }

  /** "did you mean `crucible::read_note`?" for a name missing from a host module. */
  private hostHint(module: string, name: string): string | undefined {
    if (!this.suggest) return undefined;
    const prefix = module + "::";
    const names = new Set<string>();
    for (const path of [...this.#host.keys(), ...this.#hostModules]) {
      if (path.startsWith(prefix)) names.add(path.slice(prefix.length).split("::")[0]);
    }
    const close = this.suggest(name, [...names]);
    return close.length
      ? `did you mean ${close.map((c) => `\`${prefix}${c}\``).join(" or ")}?`
      : undefined;
  }

  /** Declare items into `mod` (a module or a block scope); impls are attached afterwards. */
  declare(mod: Mod, items: Item[]): void {
    this.scopes.push(mod);
    const impls: Extract<Item, { kind: "impl" }>[] = [];
    for (const item of items) {
      switch (item.kind) {
        case "fn": {
          const path = [...mod.path, item.name.name].join("::");
          const def: FnDef = {
            kind: "fn",
            item,
            js: this.names.fresh("F", item.name.name),
            path,
            mod,
            arity: item.params.length + (item.hasSelf ? 1 : 0),
          };
          if (item.hasSelf) {
            this.report.error(
              item.name.span,
              "`self` is only allowed in functions inside an `impl` block",
            );
          }
          this.add(mod, item.name, def);
          this.fns.push(def);
          break;
        }
        case "const": {
          const def: ConstDef = {
            kind: "const",
            item,
            js: this.names.fresh("K", item.name.name),
            path: [...mod.path, item.name.name].join("::"),
            mod,
          };
          this.add(mod, item.name, def);
          this.consts.push(def);
          break;
        }
        case "struct": {
          const fields = shapeFields(item.body);
          const def: StructDef = {
            kind: "struct",
            item,
            cls: this.names.fresh("S", item.name.name),
            info: this.names.fresh("T", item.name.name),
            fields,
            shape: item.body.kind,
            name: item.name.name,
            path: [...mod.path, item.name.name].join("::"),
            mod,
            fns: new Map(),
            consts: new Map(),
            span: item.name.span,
          };
          this.add(mod, item.name, def);
          this.structs.push(def);
          break;
        }
        case "enum": {
          const def: EnumDef = {
            kind: "enum",
            item,
            info: this.names.fresh("T", item.name.name),
            name: item.name.name,
            path: [...mod.path, item.name.name].join("::"),
            mod,
            variants: new Map(),
            fns: new Map(),
            consts: new Map(),
          };
          for (const v of item.variants) {
            if (def.variants.has(v.name.name)) {
              this.report.error(v.name.span, `variant \`${v.name.name}\` is declared twice`);
              continue;
            }
            def.variants.set(v.name.name, {
              kind: "variant",
              enum: def,
              cls: this.names.fresh("V", `${item.name.name}_${v.name.name}`),
              info: this.names.fresh("T", `${item.name.name}_${v.name.name}`),
              fields: shapeFields(v.body),
              shape: v.body.kind,
              name: `${item.name.name}::${v.name.name}`,
              span: v.name.span,
            });
          }
          this.add(mod, item.name, def);
          this.enums.push(def);
          break;
        }
        case "mod": {
          const child = new Mod(mod, item.name.name);
          this.add(mod, item.name, { kind: "mod", mod: child });
          this.declare(child, item.items);
          break;
        }
        case "use":
          this.addUse(mod, item.tree, []);
          break;
        case "impl":
          impls.push(item);
          break;
        case "trait":
          this.add(mod, item.name, { kind: "trait", item, mod });
          break;
        case "type": {
          const def: AliasDef = { kind: "alias", item, mod };
          this.add(mod, item.name, def);
          this.#aliases.push(def);
          break;
        }
      }
    }
    for (const impl of impls) attachImpl(this, { mod, impl });
  }

  private add(mod: Mod, name: Ident, def: ItemDef): void {
    if (mod.items.has(name.name)) {
      this.report.error(name.span, `\`${name.name}\` is defined more than once in this module`);
      return;
    }
    mod.items.set(name.name, def);
  }

  private addUse(mod: Mod, tree: UseTree, prefix: Ident[]): void {
    const path = [...prefix, ...tree.path];
    if (tree.kind === "glob") {
      mod.imports.push({ name: "*", path, span: tree.span, glob: true });
    } else if (tree.kind === "group") {
      for (const t of tree.items) this.addUse(mod, t, path);
    } else {
      const last = path[path.length - 1];
      if (last.name === "self" && path.length > 1) {
        const target = path.slice(0, -1);
        const name = tree.alias?.name ?? target[target.length - 1].name;
        mod.imports.push({ name, path: target, span: tree.span, glob: false });
        return;
      }
      mod.imports.push({ name: tree.alias?.name ?? last.name, path, span: tree.span, glob: false });
    }
  }

  /** Resolve every import declared since the last check, reporting the ones that name nothing. */
  checkImports(): void {
    for (const a of this.#aliases) aliasTarget(this, a);
    this.#aliases = [];
    for (; this.#checkedScopes < this.scopes.length; this.#checkedScopes++) {
      const mod = this.scopes[this.#checkedScopes];
      for (const imp of mod.imports) {
        const target = this.resolveSegments(mod.module, imp.path, imp.span, true);
        if (
          target && imp.glob && target.kind !== "mod" && target.kind !== "enum" &&
          !(target.kind === "host" && !target.spec) &&
          !(target.kind === "builtin" && target.ref.kind !== "value")
        ) {
          this.report.error(imp.span, "`*` can only import from a module or an enum");
        }
      }
    }
  }

  /** Look a single name up from `mod`: its items, its imports, enclosing blocks, the prelude. */
  lookup(mod: Mod, name: string, span: Span): ItemDef | null {
    for (let m: Mod | null = mod; m !== null; m = m.isBlock ? m.parent : null) {
      const found = m.items.get(name) ?? this.fromImports(m, name, span);
      if (found) return found;
      if (!m.isBlock) break;
    }
    if (name === "crate") return { kind: "mod", mod: this.root };
    if (name === "std") return { kind: "builtin", ref: { kind: "module", path: "std" } };
    const host = this.hostItem(name);
    if (host) return host;
    const builtin = resolveBuiltin([name]);
    return builtin ? { kind: "builtin", ref: builtin } : null;
  }

  private fromImports(mod: Mod, name: string, span: Span): ItemDef | null {
    for (const imp of mod.imports) {
      if (imp.glob || imp.name !== name) continue;
      return this.resolveImport(mod, imp, span);
    }
    for (const imp of mod.imports) {
      if (!imp.glob || this.#resolving.has(imp)) continue;
      this.#resolving.add(imp);
      try {
        const target = this.resolveSegments(mod.module, imp.path, imp.span, false);
        if (target?.kind === "mod") {
          const found = target.mod.items.get(name);
          if (found) return found;
        } else if (target?.kind === "enum") {
          const v = target.variants.get(name);
          if (v) return v;
        } else if (target?.kind === "host" && !target.spec) {
          const h = this.hostItem(`${target.path}::${name}`);
          if (h) return h;
        } else if (target?.kind === "builtin" && target.ref.kind !== "value") {
          const base = target.ref.kind === "module"
            ? target.ref.path.split("::")
            : [target.ref.name];
          const b = resolveBuiltin([...base, name]);
          if (b) return { kind: "builtin", ref: b };
        }
      } finally {
        this.#resolving.delete(imp);
      }
    }
    return null;
  }

  private resolveImport(mod: Mod, imp: Import, _span: Span): ItemDef | null {
    if (this.#resolving.has(imp)) {
      this.report.error(imp.span, `the import \`${imp.name}\` refers to itself`);
      return null;
    }
    if (imp.path.length === 1 && imp.path[0].name === imp.name) {
      // `use name;` names a top-level module the host provides (`use crucible;`, a plugin's
      // dependency), not the import itself.
      const host = this.hostItem(imp.name);
      if (host) return host;
    }
    this.#resolving.add(imp);
    try {
      return this.resolveSegments(mod.module, imp.path, imp.span, true);
    } finally {
      this.#resolving.delete(imp);
    }
  }

  /** Resolve a path written in `mod` to an item; reports and returns null when it names nothing. */
  resolvePath(mod: Mod, path: Path, report = true): ItemDef | null {
    return this.resolveSegments(mod, path.segments, path.span, report);
  }

  /** Resolve path segments. */
  resolveSegments(mod: Mod, segments: Ident[], span: Span, report: boolean): ItemDef | null {
    const fail = (message: string, hint?: string): null => {
      if (report) this.report.error(span, message, hint);
      return null;
    };
    const written = segments.map((s) => s.name).join("::");
    let cur: ItemDef | null;
    let i = 1;
    const first = segments[0].name;
    if (first === "crate") cur = { kind: "mod", mod: this.root };
    else if (first === "self") cur = { kind: "mod", mod: mod.module };
    else if (first === "super") {
      const parent = mod.module.parent;
      if (!parent) return fail("`super` at the crate root has no parent module");
      cur = { kind: "mod", mod: parent.module };
    } else {
      cur = this.lookup(mod, first, span);
      if (cur === null) {
        // Built-in paths beginning with a type or module name (`i64::MAX`, `std::cmp::max`).
        const b = resolveBuiltin(segments.map((s) => s.name));
        if (b) return { kind: "builtin", ref: b };
        return fail(`cannot find \`${written}\` in this scope`);
      }
      cur = seeThrough(this, cur, span, report);
      if (cur === null) return null;
    }
    for (; i < segments.length; i++) {
      const seg = segments[i].name;
      if (cur.kind === "mod") {
        if (seg === "super") {
          const parent: Mod | null = cur.mod.parent;
          if (!parent) return fail("`super` at the crate root has no parent module");
          cur = { kind: "mod", mod: parent.module };
          continue;
        }
        const next: ItemDef | null = cur.mod.items.get(seg) ?? this.fromImports(cur.mod, seg, span);
        if (!next) {
          return fail(`cannot find \`${seg}\` in module \`${cur.mod.path.join("::") || "crate"}\``);
        }
        const seen = seeThrough(this, next, span, report);
        if (seen === null) return null;
        cur = seen;
      } else if (cur.kind === "struct" || cur.kind === "enum") {
        const f = cur.fns.get(seg) ?? cur.consts.get(seg);
        const v = cur.kind === "enum" ? cur.variants.get(seg) : undefined;
        if (v && i === segments.length - 1) return v;
        if (f && i === segments.length - 1) return f;
        return fail(
          `\`${cur.name}\` has no associated item \`${seg}\``,
          seg === "default"
            ? `\`#[derive(Default)]\` gives no \`default()\` here, since field types are not known: write \`impl Default for ${cur.name} { fn default() -> Self { … } }\``
            : undefined,
        );
      } else if (cur.kind === "trait") {
        const t = cur.item;
        const fn = t.required.find((r) => r.name.name === seg) ??
          t.provided.find((f) => f.name.name === seg);
        if (fn && i === segments.length - 1) return { kind: "traitfn", trait: cur, name: seg, fn };
        if (t.consts.some((k) => k.name.name === seg)) {
          return fail(
            `\`${t.name.name}::${seg}\` has a value for each type: name it through a type that implements the trait`,
          );
        }
        return fail(`the trait \`${t.name.name}\` has no method \`${seg}\``);
      } else if (cur.kind === "host" && !cur.spec) {
        const next = this.hostItem(`${cur.path}::${seg}`);
        if (!next) {
          return fail(`cannot find \`${seg}\` in \`${cur.path}\``, this.hostHint(cur.path, seg));
        }
        cur = next;
      } else if (cur.kind === "builtin") {
        const base = cur.ref.kind === "module"
          ? cur.ref.path.split("::")
          : cur.ref.kind === "type"
          ? [cur.ref.name]
          : null;
        if (cur.ref.kind === "trait") {
          const statics = seg === "default" || seg === "from";
          return fail(
            `\`${written}\` names a method through the trait \`${cur.ref.name}\`, which needs the type to be known`,
            statics
              ? `there is no type inference here: name the type, as in \`Point::${seg}(${
                seg === "from" ? "x" : ""
              })\``
              : `call it on the value: \`x.${seg}()\``,
          );
        }
        if (base === null) return fail(`cannot find \`${written}\``);
        const b = resolveBuiltin([...base, ...segments.slice(i).map((s) => s.name)]);
        if (b) return { kind: "builtin", ref: b };
        const own = cur.ref.kind === "type" && i === segments.length - 1
          ? this.builtinImpls.get(cur.ref.name)
          : undefined;
        const mine = own?.fns.get(seg) ?? own?.consts.get(seg);
        // `i64::double`: a method or constant this program's `impl Trait for i64` defined.
        if (mine) return mine;
        if (cur.ref.kind === "type" && i === segments.length - 1) {
          // `Vec::len` and friends: a type's instance method used as a function.
          return { kind: "builtin", ref: { kind: "value", key: `${cur.ref.name}::${seg}` } };
        }
        return fail(`cannot find \`${written}\``);
      } else {
        return fail(
          `\`${segments.slice(0, i).map((s) => s.name).join("::")}\` is not a module or a type`,
        );
      }
    }
    return cur;
  }
}

function shapeFields(body: StructBody): string[] {
  if (body.kind === "named") return body.fields.map((f) => f.name);
  if (body.kind === "tuple") return Array.from({ length: body.count }, (_, i) => String(i));
  return [];
}
