/**
 * Closures. A closure compiles to a module-level factory function taking the captured values;
 * creating the closure calls the factory. Captures are by value at creation time, as in Rune:
 * the closure sees the values its variables had when it was made, and a closure that assigns a
 * captured variable starts every call from the captured value.
 *
 * @module
 */
import type { Block, Expr } from "../ast.ts";
import { Compiler } from "./compiler.ts";
import { FnCtx, Scope } from "./context.ts";
import { expr } from "./expr.ts";
import { emitFunction } from "./function.ts";

/** Compile a closure expression; returns the expression that creates it. */
export function closure(c: Compiler, e: Extract<Expr, { kind: "closure" }>): string {
  if (e.isAsync) {
    // `async |x| body` is `|x| async { body }`: calling it gives a future.
    const body: Block = e.body.kind === "block" && !e.body.isAsync
      ? { ...e.body, isAsync: true }
      : { kind: "block", stmts: [], tail: e.body, isAsync: true, span: e.body.span };
    return closure(c, { ...e, isAsync: false, body });
  }
  const fn = new FnCtx(c.fn, `${c.fn.name}::{closure}`, c.fn.selfType, c.prog.names);
  const inner = new Compiler(c.prog, fn, new Scope(c.scope, fn, c.scope.items));
  inner.pos = e.span.start;
  const name = c.prog.names.fresh("C", c.fn.name.replace(/::\{closure\}/g, "") + "_closure");
  c.prog.fnNames.set(name, fn.name);
  const factory = emitFunction(inner, {
    jsName: name,
    params: e.params,
    selfParam: false,
    body: () => {
      // A body that is not a block is credited to its own line (which may not be the `|…|`'s).
      if (e.body.kind !== "block") inner.pos = e.body.span.start;
      return expr(inner, e.body);
    },
    pos: e.span.start,
  });
  const caps = [...fn.captures.values()];
  // The factory's parameters are the captured values; a capture the closure assigns to gets a
  // per-call copy.
  const params = caps.map((cap) => (cap.assigned ? `$${cap.inner}` : cap.inner));
  const copies = caps.filter((cap) => cap.assigned).map((cap) => `${cap.inner} = $${cap.inner};`);
  c.prog.closures.push({ name, params, copies, fn: factory });
  const outer = caps.map((cap) => cap.outer);
  return caps.length === 0 ? `${name}$make()` : `${name}$make(${outer.join(", ")})`;
}

/**
 * `async { … }`: a future whose body is the block, compiled as a closure without parameters (so
 * `return` and `?` inside it leave the block, as in Rune).
 */
export function asyncBlock(c: Compiler, b: Block): string {
  const body: Block = { ...b, isAsync: false };
  const make = closure(c, {
    kind: "closure",
    params: [],
    body,
    isMove: true,
    isAsync: false,
    span: b.span,
  });
  return `new $Future(${make}, [])`;
}
