/**
 * Control flow: blocks, `if`/`if let`, `match`, `loop`/`while`/`while let`/`for` with labels and
 * `break` values, `continue` and `return`. Loops check the instruction budget on every
 * back-edge; `for` over a literal range compiles to a counting loop.
 *
 * @module
 */
import type { Block, Condition, Expr, IfExpr, Pattern } from "../ast.ts";
import type { Span } from "../source.ts";
import type { Compiler } from "./compiler.ts";
import type { Line, LoopCtx } from "./context.ts";
import { asyncBlock } from "./closure.ts";
import { blockBody, blockParts, expr, exprInto, exprStatement } from "./expr.ts";
import { cond } from "./operators.ts";
import { patternTest } from "./pattern.ts";
import { armTest, branch } from "./probe.ts";

/** The budget check at function entry and loop back-edges. */
export const BUDGET = "if (--$B < 0) $B = $tickSlice();";

let labels = 0;

function newLabel(): string {
  return `L${++labels}`;
}

/** A block whose value goes to `target`. */
export function blockInto(c: Compiler, b: Block, target: string | null): void {
  const saved = c.pos;
  try {
    blockIntoAt(c, b, target);
  } finally {
    c.pos = saved;
  }
}

function blockIntoAt(c: Compiler, b: Block, target: string | null): void {
  if (b.isAsync) {
    const future = asyncBlock(c, b);
    if (target !== null) c.emit(`${target} = ${future};`);
    return;
  }
  if (b.label) {
    const loop: LoopCtx = { label: b.label.name, js: newLabel(), result: target, isBlock: true };
    c.fn.loops.push(loop);
    const pos = c.pos;
    const [, lines] = c.collect(() => c.withScope(() => blockBody(c, b, target)));
    c.fn.loops.pop();
    c.pos = pos;
    c.emitBlock(`${loop.js}: {`, lines);
    return;
  }
  c.withScope(() => blockBody(c, b, target));
}

/** Compile a condition, binding `if let` patterns in the current scope. */
function condition(c: Compiler, k: Condition): string {
  if (k.kind === "letcond") {
    const subject = c.temp(expr(c, k.expr));
    return patternTest(c, k.pat, subject);
  }
  return cond(c, k);
}

/** `if` / `if let` / `else`. */
export function ifInto(c: Compiler, e: IfExpr, target: string | null): void {
  c.withScope(() => {
    const test = condition(c, e.cond);
    const then = blockParts(c, e.then, target === null);
    let other: { lines: Line[]; value: string; pos: number } | null = null;
    if (e.else) {
      // The else branch does not see `if let` bindings.
      const saved = c.scope;
      c.scope = saved.parent ?? saved;
      try {
        other = e.else.kind === "if"
          ? elseIf(c, e.else, target)
          : blockParts(c, e.else, target === null);
      } finally {
        c.scope = saved;
      }
    }
    if (
      target && then.lines.length === 0 && other && other.lines.length === 0 &&
      e.else?.kind !== "if"
    ) {
      const yes = branch(then.value, then.pos);
      const no = branch(other.value, other.pos);
      c.emit(`${target} = ${test} ? ${yes} : ${no};`);
      return;
    }
    const thenLines = withValue(then, target);
    if (!other) {
      c.emitBlock(`if (${test}) {`, thenLines);
      if (target) c.emit(`else ${target} = $UNIT;`);
      return;
    }
    const elseLines = e.else?.kind === "if" ? other.lines : withValue(other, target);
    c.emitBlock(`if (${test}) {`, thenLines, "} else {");
    for (const l of elseLines) c.fn.lines.push({ code: "  " + l.code, pos: l.pos });
    c.emit("}");
  });
}

/** `else if …`: its lines, credited to the line of its own `if`. */
function elseIf(
  c: Compiler,
  e: IfExpr,
  target: string | null,
): { lines: Line[]; value: string; pos: number } {
  const saved = c.pos;
  c.pos = e.span.start;
  try {
    const [, lines] = c.collect(() => ifInto(c, e, target));
    return { lines, value: "", pos: e.span.start };
  } finally {
    c.pos = saved;
  }
}

/** A branch's lines followed by the use of its value (credited to the line of the tail). */
function withValue(
  branch: { lines: Line[]; value: string; pos: number },
  target: string | null,
): Line[] {
  const { lines, value, pos } = branch;
  if (target) return [...lines, { code: `${target} = ${value};`, pos }];
  if (/^(\$UNIT|\$t\d+|v\d+_\w*|true|false|-?\d+)$/.test(value)) return lines;
  return [...lines, { code: exprStatement(value), pos }];
}

/**
 * `match`. For coverage, an arm's line runs when the arm is taken, not when its pattern is tried:
 * its test lines are marked as tests, and the line that leaves the match is the arm's.
 */
export function matchInto(
  c: Compiler,
  e: Extract<Expr, { kind: "match" }>,
  target: string | null,
): void {
  const subject = c.temp(expr(c, e.scrutinee));
  // Each arm: its test (with bindings), its guard and its body, compiled in its own scope.
  const arms = e.arms.map((arm) =>
    c.withScope(() => {
      const savedPos = c.pos;
      c.pos = arm.span.start;
      const test = patternTest(c, arm.pat, subject);
      const [guard, guardLines] = arm.guard ? c.collect(() => cond(c, arm.guard!)) : [null, []];
      const [body, bodyLines] = c.collect(
        () => (target ? expr(c, arm.body) : (exprInto(c, arm.body, null), "$UNIT")),
      );
      c.pos = savedPos;
      const pos = arm.span.start;
      return { test, guard, guardLines, body, bodyLines, pos, valuePos: valueStart(arm.body) };
    })
  );
  const simple = arms.every((a) => a.guardLines.length === 0 && a.bodyLines.length === 0);
  if (simple && target) {
    let out = "$UNIT";
    for (let i = arms.length - 1; i >= 0; i--) {
      const a = arms[i];
      const t = a.guard ? `(${a.test} && ${a.guard})` : a.test;
      const body = branch(branch(a.body, a.valuePos), a.pos);
      out = t === "true" ? body : `${t} ? ${body} : ${out}`;
    }
    c.emit(`${target} = ${out};`);
    return;
  }
  const label = newLabel();
  const body: Line[] = [];
  for (const a of arms) {
    const inner = a.guardLines.map((l) => (l.pos === a.pos ? { ...l, code: armTest(l.code) } : l));
    const finish: Line[] = [...a.bodyLines];
    if (target) finish.push({ code: `${target} = ${a.body};`, pos: a.valuePos });
    finish.push({ code: `break ${label};`, pos: a.pos });
    if (a.guard) {
      inner.push({ code: armTest(`if (${a.guard}) {`), pos: a.pos });
      for (const l of finish) inner.push({ code: "  " + l.code, pos: l.pos });
      inner.push({ code: "}", pos: a.pos });
    } else inner.push(...finish);
    if (a.test === "true") {
      body.push(...inner);
      if (!a.guard) break;
    } else {
      body.push({ code: armTest(`if (${a.test}) {`), pos: a.pos });
      for (const l of inner) body.push({ code: "  " + l.code, pos: l.pos });
      body.push({ code: "}", pos: a.pos });
    }
  }
  if (target) body.push({ code: `${target} = $UNIT;`, pos: c.pos });
  c.emitBlock(`${label}: {`, body);
}

/** Where the value of a branch body comes from: the innermost tail of its blocks. */
function valueStart(e: Expr): number {
  for (;;) {
    if (e.kind === "paren") e = e.expr;
    else if (e.kind === "block" && !e.label && !e.isAsync && e.tail) e = e.tail;
    else return e.span.start;
  }
}

function pushLoop(c: Compiler, label: string | undefined, result: string | null): LoopCtx {
  const loop: LoopCtx = { label, js: newLabel(), result, isBlock: false };
  c.fn.loops.push(loop);
  return loop;
}

/** `loop { … }`. */
export function loopInto(
  c: Compiler,
  e: Extract<Expr, { kind: "loop" }>,
  target: string | null,
): void {
  const result = target ?? null;
  if (result) c.emit(`${result} = $UNIT;`);
  const loop = pushLoop(c, e.label?.name, result);
  const [, lines] = c.collect(() => {
    c.emit(BUDGET);
    c.emitLines(blockParts(c, e.body, true).lines);
  });
  c.fn.loops.pop();
  c.emitBlock(`${loop.js}: for (;;) {`, lines);
}

/** `while cond { … }` and `while let PAT = EXPR { … }`. */
export function whileInto(
  c: Compiler,
  e: Extract<Expr, { kind: "while" }>,
  target: string | null,
): void {
  const loop = pushLoop(c, e.label?.name, null);
  const [, lines] = c.collect(() =>
    c.withScope(() => {
      c.emit(BUDGET);
      const test = condition(c, e.cond);
      c.emit(`if (!(${test})) break;`);
      c.emitLines(blockParts(c, e.body, true).lines);
    })
  );
  c.fn.loops.pop();
  c.emitBlock(`${loop.js}: for (;;) {`, lines);
  if (target) c.emit(`${target} = $UNIT;`);
}

/** `for PAT in EXPR { … }`. */
export function forInto(
  c: Compiler,
  e: Extract<Expr, { kind: "for" }>,
  target: string | null,
): void {
  let iter = e.iter;
  while (iter.kind === "paren") iter = iter.expr;
  if (iter.kind === "range" && iter.start && iter.end) {
    const [start, end] = c.list([iter.start, iter.end], (x) => expr(c, x)).map((x) => c.stable(x));
    c.emit(`$intRange(${start}, ${end});`);
    const i = c.fn.tmp();
    c.numeric.add(i);
    const stop = iter.inclusive ? "<=" : "<";
    loopBody(c, e, i, `for (${i} = ${start}; ${i} ${stop} ${end}; ${i}++) {`);
  } else {
    // A vector is walked by index (no iterator object, no call per element); anything else
    // through its iterator.
    const src = c.fn.tmp();
    const it = c.fn.tmp();
    const at = c.fn.tmp();
    c.numeric.add(at);
    c.emit(`${src} = ${expr(c, e.iter)};`);
    c.emit(`${it} = $isVec(${src}) ? null : $iter(${src}); ${at} = 0;`);
    const v = c.fn.tmp();
    loopBody(
      c,
      e,
      v,
      `for (;;) {`,
      `if (${it} === null) { if (${at} >= ${src}.length) break; ${v} = ${src}[${at}++]; } ` +
        `else { ${v} = ${it}.nx(); if (${v} === $END) break; }`,
    );
  }
  if (target) c.emit(`${target} = $UNIT;`);
}

function loopBody(
  c: Compiler,
  e: Extract<Expr, { kind: "for" }>,
  value: string,
  head: string,
  first?: string,
): void {
  const loop = pushLoop(c, e.label?.name, null);
  const [, lines] = c.collect(() =>
    c.withScope(() => {
      c.emit(BUDGET);
      if (first) c.emit(first);
      bindLoopPattern(c, e.pat, value, e.body);
      c.emitLines(blockParts(c, e.body, true).lines);
    })
  );
  c.fn.loops.pop();
  c.emitBlock(`${loop.js}: ${head}`, lines);
}

function bindLoopPattern(c: Compiler, pat: Pattern, value: string, body: Block): void {
  if (pat.kind === "bind") {
    const b = c.declare(pat.name.name);
    c.emit(`${b.js} = ${value};`);
    // A range counter stays a number unless the body assigns the variable.
    if (c.numeric.has(value) && !assigns(body, pat.name.name)) c.numeric.add(b.js);
    return;
  }
  if (pat.kind === "wild") return;
  const test = patternTest(c, pat, value);
  if (test !== "true") c.emit(`if (!(${test})) throw $patFail(${value});`);
}

function findLoop(
  c: Compiler,
  label: string | undefined,
  span: Span,
  what: string,
): LoopCtx | null {
  const loops = c.fn.loops;
  for (let i = loops.length - 1; i >= 0; i--) {
    const l = loops[i];
    if (label === undefined ? !l.isBlock : l.label === label) return l;
  }
  c.error(
    span,
    label ? `there is no loop labelled \`'${label}\` here` : `\`${what}\` outside of a loop`,
  );
  return null;
}

/** `break`, `break 'label`, `break value`. */
export function breakExpr(c: Compiler, e: Extract<Expr, { kind: "break" }>): void {
  const loop = findLoop(c, e.label?.name, e.span, "break");
  if (!loop) return;
  if (e.value) {
    const v = expr(c, e.value);
    if (loop.result) c.emit(`${loop.result} = ${v};`);
    else if (!loop.isBlock && loop.result === null) {
      c.emit(exprStatement(v));
    }
  }
  c.emit(`break ${loop.js};`);
}

/** `continue`, `continue 'label`. */
export function continueExpr(c: Compiler, e: Extract<Expr, { kind: "continue" }>): void {
  const loop = findLoop(c, e.label?.name, e.span, "continue");
  if (!loop) return;
  if (loop.isBlock) {
    c.error(e.span, "`continue` cannot target a labelled block");
    return;
  }
  c.emit(`continue ${loop.js};`);
}

/** `select { pat = future => body, …, default => body }`. */
export function selectInto(
  c: Compiler,
  e: Extract<Expr, { kind: "select" }>,
  target: string | null,
): void {
  const futures = c.list(e.arms, (a) => expr(c, a.future));
  const won = c.fn.tmp();
  c.emit(`${won} = $select([${futures.join(", ")}]);`);
  const label = newLabel();
  const body: Line[] = [];
  const pos = c.pos;
  e.arms.forEach((arm, i) => {
    c.withScope(() => {
      const [, lines] = c.collect(() => {
        c.pos = arm.span.start;
        const v = c.fn.tmp();
        c.emit(`${v} = ${won}.t[1];`);
        const test = patternTest(c, arm.pat, v);
        if (test !== "true") c.emit(`if (!(${test})) throw $patFail(${v});`);
        exprInto(c, arm.body, target);
        c.emit(`break ${label};`);
      });
      body.push({ code: armTest(`if (${won}.t[0] === ${i}) {`), pos: arm.span.start });
      for (const l of lines) body.push({ code: "  " + l.code, pos: l.pos });
      body.push({ code: "}", pos: arm.span.start });
    });
  });
  c.pos = pos;
  if (e.default) {
    const [, lines] = c.collect(() => c.withScope(() => exprInto(c, e.default!, target)));
    body.push(...lines);
  } else if (target !== null) body.push({ code: `${target} = $UNIT;`, pos: c.pos });
  c.emitBlock(`${label}: {`, body);
}

/** `return` / `return value`. */
export function returnExpr(c: Compiler, value: Expr | undefined, _span: Span): void {
  const v = value ? expr(c, value) : "$UNIT";
  c.emit(`return ${v};`);
}

/** Does `node` assign (or string-mutate) a variable called `name` anywhere inside it? */
function assigns(node: unknown, name: string): boolean {
  if (node === null || typeof node !== "object") return false;
  if (Array.isArray(node)) return node.some((n) => assigns(n, name));
  const n = node as { kind?: string; target?: Expr; receiver?: Expr };
  if (n.kind === "assign" && isName(n.target!, name)) return true;
  if (n.kind === "method" && isName(n.receiver!, name)) return true;
  return Object.values(node).some((v) => typeof v === "object" && assigns(v, name));
}

function isName(e: Expr, name: string): boolean {
  if (e.kind === "paren") return isName(e.expr, name);
  return e.kind === "path" && e.path.segments.length === 1 && e.path.segments[0].name === name;
}
