/**
 * The per-function compiler: emits lines into the current function, manages scopes and
 * variables (including closure captures), and evaluates lists of subexpressions in order even
 * when some of them need statements (spilling earlier values to temporaries).
 *
 * @module
 */
import type { Span } from "../source.ts";
import { Binding, type Capture, type FnCtx, type Line, type Program, Scope } from "./context.ts";
import type { Mod } from "./items.ts";

const STABLE =
  /^(\$t\d+|\$k\d+_c|\$UNIT|\$NONE|true|false|-?\d+(\.\d+)?(e[+-]?\d+)?n?|"(?:[^"\\]|\\.)*")$/;

/** Is a JavaScript expression free of side effects and unaffected by later statements? */
export function isStable(js: string): boolean {
  return STABLE.test(js);
}

/** Compiles one function body. */
export class Compiler {
  /** Rune offset recorded with emitted lines. */
  pos = -1;
  /** JavaScript names known to hold a JavaScript number (a safe int), such as range counters. */
  readonly numeric = new Set<string>();

  /** @param prog the program; @param fn the function; @param scope its outermost scope */
  constructor(readonly prog: Program, public fn: FnCtx, public scope: Scope) {}

  /** Emit one line. */
  emit(code: string): void {
    this.fn.lines.push({ code, pos: this.pos });
  }

  /** Run `f`, returning what it emitted instead of emitting it. */
  collect<T>(f: () => T): [T, Line[]] {
    const saved = this.fn.lines;
    this.fn.lines = [];
    try {
      const value = f();
      return [value, this.fn.lines];
    } finally {
      this.fn.lines = saved;
    }
  }

  /** Emit `head {`, the lines indented, and `}` (plus an optional tail such as `else {`). */
  emitBlock(head: string, body: Line[], tail = "}"): void {
    this.emit(head);
    for (const l of body) this.fn.lines.push({ code: "  " + l.code, pos: l.pos });
    this.emit(tail);
  }

  /** Append already-built lines. */
  emitLines(lines: Line[]): void {
    for (const l of lines) this.fn.lines.push(l);
  }

  /** Run `f` in a new lexical scope. */
  withScope<T>(f: () => T, items?: Mod): T {
    const saved = this.scope;
    this.scope = new Scope(saved, this.fn, items ?? saved.items);
    try {
      return f();
    } finally {
      this.scope = saved;
    }
  }

  /** Declare a variable in the current scope. */
  declare(name: string): Binding {
    const b = new Binding(name, this.fn.local(name), this.fn);
    this.scope.vars.set(name, b);
    return b;
  }

  /** The JavaScript name of variable `name` here (capturing it into closures as needed). */
  variable(name: string): { js: string; binding: Binding } | null {
    const b = this.scope.lookup(name);
    if (!b) return null;
    return { js: this.access(b, this.fn), binding: b };
  }

  private access(b: Binding, fn: FnCtx): string {
    if (b.fn === fn) return b.js;
    const existing = fn.captures.get(b);
    if (existing) return existing.inner;
    if (fn.parent === null) throw new Error(`internal: variable ${b.name} is not reachable`);
    const outer = this.access(b, fn.parent);
    const cap: Capture = { binding: b, outer, inner: this.fn.names.fresh("k", b.name) };
    fn.captures.set(b, cap);
    return cap.inner;
  }

  /**
   * Evaluate expressions left to right. Each is compiled by `compile`; if a later one needs
   * statements, the earlier values are first stored in temporaries so they are computed before
   * those statements run.
   */
  list<E>(items: readonly E[], compile: (e: E) => string): string[] {
    const out: string[] = [];
    for (const item of items) {
      const mark = this.fn.lines.length;
      const js = compile(item);
      if (this.fn.lines.length > mark) {
        const emitted = this.fn.lines.splice(mark);
        for (let k = 0; k < out.length; k++) {
          if (!isStable(out[k])) {
            const t = this.fn.tmp();
            this.emit(`${t} = ${out[k]};`);
            out[k] = t;
          }
        }
        this.emitLines(emitted);
      }
      out.push(js);
    }
    return out;
  }

  /** Store a value in a temporary unless it already is stable. */
  stable(js: string): string {
    if (isStable(js)) return js;
    const t = this.fn.tmp();
    this.emit(`${t} = ${js};`);
    return t;
  }

  /** Store a value in a temporary unless it already is one (for subjects of `.v`/`[i]` access). */
  temp(js: string): string {
    if (/^(\$t\d+|\$k\d+_c|\$UNIT|\$NONE)$/.test(js)) return js;
    const t = this.fn.tmp();
    this.emit(`${t} = ${js};`);
    return t;
  }

  /** Report a compile error. */
  error(span: Span, message: string, hint?: string): void {
    this.prog.error(span, message, hint);
  }
}
