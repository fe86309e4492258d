/**
 * Emitting one JavaScript function: parameters (simple names, or patterns destructured on entry),
 * hoisted locals and temporaries, the budget check at entry, the body, and the return of its
 * value.
 *
 * @module
 */
import type { Pattern } from "../ast.ts";
import type { Compiler } from "./compiler.ts";
import { Binding, type Line } from "./context.ts";
import { BUDGET } from "./control.ts";
import { patternTest } from "./pattern.ts";

/** What to emit. */
export interface FunctionSpec {
  /** JavaScript name. */
  jsName: string;
  /** Parameter patterns (after `self`). */
  params: Pattern[];
  /** Takes `self` first. */
  selfParam: boolean;
  /** Compile the body; returns the value to return. */
  body: () => string;
  /** Rune offset of the function. */
  pos: number;
}

/** A compiled function: its parameter list and body lines (without the `function` header). */
export interface FunctionCode {
  name: string;
  params: string[];
  lines: Line[];
  pos: number;
  /** A JavaScript generator function (`function*`). */
  star?: boolean;
}

/** Compile a function body with `c` (whose FnCtx and scope are the function's own). */
export function emitFunction(c: Compiler, spec: FunctionSpec): FunctionCode {
  const params: string[] = [];
  const [value, bodyLines] = c.collect(() => {
    if (spec.selfParam) {
      const b = new Binding("self", c.prog.names.fresh("v", "self"), c.fn);
      c.scope.vars.set("self", b);
      params.push(b.js);
    }
    spec.params.forEach((p, i) => {
      if (p.kind === "bind") {
        const b = new Binding(p.name.name, c.prog.names.fresh("v", p.name.name), c.fn);
        if (c.scope.vars.has(p.name.name)) {
          c.error(p.span, `parameter \`${p.name.name}\` is declared twice`);
        }
        c.scope.vars.set(p.name.name, b);
        params.push(b.js);
        return;
      }
      const js = `$p${i}`;
      params.push(js);
      if (p.kind === "wild") return;
      c.pos = p.span.start;
      const test = patternTest(c, p, js);
      if (test !== "true") c.emit(`if (!${test}) throw $patFail(${js});`);
    });
    c.pos = spec.pos;
    return spec.body();
  });
  const lines: Line[] = [];
  const decls = [...c.fn.decls];
  if (decls.length > 0) lines.push({ code: `let ${decls.join(", ")};`, pos: spec.pos });
  lines.push({ code: BUDGET, pos: spec.pos });
  lines.push(...bodyLines);
  lines.push({ code: `return ${value};`, pos: c.pos });
  return { name: spec.jsName, params, lines, pos: spec.pos };
}
