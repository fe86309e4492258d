/**
 * Line coverage for Rune plugins by instrumentation: the compiled JavaScript has one statement
 * per line and a line table back to the Rune source, so each statement line inside a function
 * gets a hit marker in front of it (on the same line, so the line table and stack traces stay
 * right). A value-only branch inside a line (a branch of an `if` or `match` compiled to a
 * conditional expression, the right side of `&&` or `||`) that the compiler's probe table puts
 * on a Rune line of its own is wrapped in a hit of that line, `($cov[line] = 1, value)`, which
 * leaves its value unchanged; a line that only tests a `match` or `select` arm gets no marker,
 * as it runs for arms that are not taken. `#[test]` functions are not counted: coverage is of the plugin's
 * code, not its tests.
 *
 * @module
 */
import type { CompiledProgram } from "../../../rune/mod.ts";

/** The host function the instrumented program asks for its hit table. */
export const COVERAGE_HOST = "__cru::coverage";

/** An instrumented program and the Rune lines it can report. */
export interface Instrumented {
  /** The program with hit markers. */
  program: CompiledProgram;
  /** Rune lines with at least one marked statement. */
  executable: number[];
}

const STATEMENT = /^[A-Za-z_$]/;
const NOT_A_STATEMENT = /^(else|case|default|catch|finally|function|class)\b/;

/**
 * Add hit markers to a compiled program; null when the result would not load (the program then
 * runs without coverage rather than failing).
 */
export function instrument(
  program: CompiledProgram,
  testFns: ReadonlySet<string>,
): Instrumented | null {
  const lines = program.code.split("\n");
  const executable = new Set<number>();
  const tests = new Set(program.probes?.tests);
  const branches = new Map<number, [number, number, number][]>();
  for (const [at, start, end, rune] of program.probes?.branches ?? []) {
    const list = branches.get(at) ?? [];
    list.push([start, end, rune]);
    branches.set(at, list);
  }
  let inTest = false;
  let previous = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fn = /^function (\w+)\(/.exec(line);
    if (fn) inTest = testFns.has(program.fnNames[fn[1]] ?? "");
    else if (line.startsWith("}")) inTest = false;
    const trimmed = line.trimStart();
    const rune = program.lines[i] ?? 0;
    const indented = line.length > trimmed.length;
    const complete = previous === "" || /[;{}]$/.test(previous);
    if (trimmed !== "") previous = line.trimEnd();
    if (inTest || !indented) continue;
    const own = branches.get(i);
    const code = own ? withHits(line, own) : line;
    for (const [, , l] of own ?? []) executable.add(l);
    lines[i] = code;
    if (
      rune === 0 || !complete || !STATEMENT.test(trimmed) || NOT_A_STATEMENT.test(trimmed) ||
      tests.has(i)
    ) continue;
    const indent = line.length - trimmed.length;
    lines[i] = `${code.slice(0, indent)}$cov[${rune}] = 1; ${code.slice(indent)}`;
    executable.add(rune);
  }
  // The table is fetched once, after "use strict" (which must stay the first statement).
  lines[0] = `${lines[0]} const $cov = $host.get(${JSON.stringify(COVERAGE_HOST)})();`;
  const code = lines.join("\n");
  try {
    new Function("$rt", "$host", code);
  } catch {
    return null;
  }
  return {
    program: { ...program, code, host: [...(program.host ?? []), COVERAGE_HOST] },
    executable: [...executable].sort((a, b) => a - b),
  };
}

/**
 * `line` with each branch `[start, end, rune]` wrapped in a hit of its Rune line. Branches nest
 * or are apart, so the insertions are made in column order: at one column, a branch that ends
 * before one that starts, an outer branch's start before an inner one's, and an inner branch's
 * end before an outer one's.
 */
function withHits(line: string, branches: readonly [number, number, number][]): string {
  const at: { col: number; order: number[]; text: string }[] = [];
  for (const [start, end, rune] of branches) {
    at.push({ col: start, order: [1, -end], text: `($cov[${rune}] = 1, ` });
    at.push({ col: end, order: [0, -start], text: ")" });
  }
  at.sort((a, b) => a.col - b.col || a.order[0] - b.order[0] || a.order[1] - b.order[1]);
  let out = "";
  let from = 0;
  for (const { col, text } of at) {
    out += line.slice(from, col) + text;
    from = col;
  }
  return out + line.slice(from);
}
