/**
 * Line coverage for Rune plugins by instrumentation: the compiled JavaScript has one statement
 * per line and a line table back to the Rune source, so each statement line inside a function
 * gets a hit marker in front of it (on the same line, so the line table and stack traces stay
 * right). `#[test]` functions are not counted: coverage is of the plugin's code, not its tests.
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
  tests: ReadonlySet<string>,
): Instrumented | null {
  const lines = program.code.split("\n");
  const executable = new Set<number>();
  let inTest = false;
  let previous = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fn = /^function (\w+)\(/.exec(line);
    if (fn) inTest = tests.has(program.fnNames[fn[1]] ?? "");
    else if (line.startsWith("}")) inTest = false;
    const trimmed = line.trimStart();
    const rune = program.lines[i] ?? 0;
    const indented = line.length > trimmed.length;
    const complete = previous === "" || /[;{}]$/.test(previous);
    if (trimmed !== "") previous = line.trimEnd();
    if (
      inTest || !indented || rune === 0 || !complete || !STATEMENT.test(trimmed) ||
      NOT_A_STATEMENT.test(trimmed)
    ) continue;
    lines[i] = `${line.slice(0, line.length - trimmed.length)}$cov[${rune}] = 1; ${trimmed}`;
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
