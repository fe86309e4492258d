/**
 * The compiler's state: the program being built (constant pool, built-ins used, line table), the
 * function being compiled (its output lines, temporaries, loops, closure captures) and lexical
 * scopes of local variables.
 *
 * Generated code only ever names: JavaScript keywords, runtime helpers bound at the top of the
 * module (`$`-prefixed), and names this compiler allocated (`v…`, `F…`, `S…`, `T…`, `K…`, …).
 * Rune identifiers never appear in code unmangled, so no Rune name can reach a JavaScript global.
 *
 * @module
 */
import type { Diagnostic } from "../diagnostic.ts";
import type { Source, Span } from "../source.ts";
import type { FormatSpec } from "../runtime/format.ts";
import type { FunctionCode } from "./function.ts";
import { type ItemTable, type Mod, Names, type Reporter, type TypeDef } from "./items.ts";

/** `Self` inside an `impl Trait for` a built-in type: that type. */
export interface BuiltinSelf {
  kind: "builtinSelf";
  /** The built-in type's name. */
  name: string;
}

/** One line of generated code and the Rune offset it came from (-1: none). */
export interface Line {
  code: string;
  pos: number;
}

/** A local variable. */
export class Binding {
  /** Assigned after its declaration (matters for closure captures). */
  assigned = false;
  /** @param name Rune name; @param js JavaScript name; @param fn the function that owns it */
  constructor(readonly name: string, readonly js: string, readonly fn: FnCtx) {}
}

/** A lexical scope. */
export class Scope {
  readonly vars = new Map<string, Binding>();
  /** @param parent enclosing scope; @param fn owning function; @param items item scope */
  constructor(readonly parent: Scope | null, readonly fn: FnCtx, readonly items: Mod) {}

  /** Find a variable by name, innermost first. */
  lookup(name: string): Binding | null {
    const b = this.vars.get(name);
    if (b) return b;
    return this.parent === null ? null : this.parent.lookup(name);
  }
}

/** An enclosing loop or labelled block. */
export interface LoopCtx {
  /** Rune label, without the quote. */
  label?: string;
  /** JavaScript label. */
  js: string;
  /** Temporary receiving `break value` (loops and labelled blocks used as values). */
  result: string | null;
  /** A labelled block (`continue` does not apply). */
  isBlock: boolean;
}

/** A variable a closure captured from an enclosing function. */
export interface Capture {
  /** The variable. */
  binding: Binding;
  /** Its name in the enclosing function (evaluated when the closure is created). */
  outer: string;
  /** Its name inside the closure. */
  inner: string;
  /** Assigned inside the closure (each call then starts from a copy). */
  assigned?: boolean;
}

/** The function (or closure, or constant initialiser) being compiled. */
export class FnCtx {
  lines: Line[] = [];
  readonly decls = new Set<string>();
  readonly loops: LoopCtx[] = [];
  readonly captures = new Map<Binding, Capture>();
  /** A generator function's body: `yield` is allowed. */
  generator = false;
  #temps = 0;

  /**
   * @param parent enclosing function (closures only)
   * @param name Rune display name (`main`, `Foo::new`, `main::{closure}`)
   * @param selfType the type `Self` means inside an impl
   */
  constructor(
    readonly parent: FnCtx | null,
    readonly name: string,
    readonly selfType: TypeDef | BuiltinSelf | null,
    readonly names: Names,
  ) {}

  /** A fresh temporary, declared at the top of the function. */
  tmp(): string {
    const t = `$t${++this.#temps}`;
    this.decls.add(t);
    return t;
  }

  /** Declare a fresh local for a Rune variable. */
  local(name: string): string {
    const js = this.names.fresh("v", name);
    this.decls.add(js);
    return js;
  }
}

/** A constant pooled at module level. */
export interface PooledConst {
  js: string;
  code: string;
}

/** State of the whole program being compiled. */
export class Program implements Reporter {
  readonly names = new Names();
  readonly diagnostics: Diagnostic[] = [];
  /** Built-ins used: LIB key → local name. */
  readonly lib = new Map<string, string>();
  /** Instance methods of built-in types used as functions: `Type::method` → local name. */
  readonly ufcs = new Map<string, string>();
  /** Field getters used: field name → function name. */
  readonly getters = new Map<string, string>();
  /** Field setters used: field name → function name. */
  readonly setters = new Map<string, string>();
  /** Method call sites allocated so far. */
  sites = 0;
  /** Constants pooled by code. */
  readonly pool = new Map<string, PooledConst>();
  /** JavaScript function name → Rune display name (for stack traces). */
  readonly fnNames = new Map<string, string>();
  /** Closure factories: their captured-value parameters, per-call copies, and function. */
  readonly closures: { name: string; params: string[]; copies: string[]; fn: FunctionCode }[] = [];
  items!: ItemTable;

  /** Errors recorded so far (span and message), so none is reported twice. */
  readonly #reported = new Set<string>();

  /** @param source the file */
  constructor(readonly source: Source) {}

  /** Record a compile error (once: a name resolved twice reports its problem once). */
  error(span: Span, message: string, hint?: string): void {
    const key = `${JSON.stringify(span)} ${message}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.diagnostics.push({
      severity: "error",
      code: "E_COMPILE",
      message,
      span,
      ...(hint ? { hint } : {}),
    });
  }

  /** Record a warning. */
  warn(span: Span, message: string, hint?: string): void {
    this.diagnostics.push({
      severity: "warning",
      code: "E_COMPILE",
      message,
      span,
      ...(hint ? { hint } : {}),
    });
  }

  /** Pooled constants that are float literals (their JavaScript names). */
  readonly floatConstants = new Set<string>();

  /** The local name of a built-in value. */
  libRef(key: string): string {
    let js = this.lib.get(key);
    if (!js) {
      js = this.names.fresh("$l", key);
      this.lib.set(key, js);
    }
    return js;
  }

  /** Host functions used: path → local name. */
  readonly host = new Map<string, string>();

  /** The local name of a host function. */
  hostRef(path: string): string {
    let js = this.host.get(path);
    if (!js) {
      js = this.names.fresh("$h", path.replace(/::/g, "_"));
      this.host.set(path, js);
    }
    return js;
  }

  /** The local name of a built-in type's method used as a function. */
  ufcsRef(type: string, method: string): string {
    const key = `${type}::${method}`;
    let js = this.ufcs.get(key);
    if (!js) {
      js = this.names.fresh("$u", key);
      this.ufcs.set(key, js);
    }
    return js;
  }

  /** The getter function of a field name. */
  getter(field: string): string {
    let js = this.getters.get(field);
    if (!js) {
      js = this.names.fresh("$g", field);
      this.getters.set(field, js);
    }
    return js;
  }

  /** The setter function of a field name. */
  setter(field: string): string {
    let js = this.setters.get(field);
    if (!js) {
      js = this.names.fresh("$s", field);
      this.setters.set(field, js);
    }
    return js;
  }

  /** A module-level constant for `code` (floats, chars, format specs). */
  constant(code: string): string {
    let c = this.pool.get(code);
    if (!c) {
      c = { js: this.names.fresh("$k", "c"), code };
      this.pool.set(code, c);
    }
    return c.js;
  }

  /** A pooled formatter for a `{:…}` spec: a function from a value to its text. */
  spec(spec: FormatSpec): string {
    return this.constant(`$formatter(${JSON.stringify(spec)})`);
  }
}
