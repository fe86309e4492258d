/**
 * Coverage probes: marks the compiler leaves in generated code where the line table alone cannot
 * say which Rune line runs. A value-only branch (`if c { "a" } else { "b" }`, a `match` whose arms
 * are values, the right side of `&&`) compiles to part of one JavaScript line, so the line table
 * credits it to the statement's line; a `match` arm's test runs for arms that are then not taken.
 * The marks are taken out again when the module is assembled, so the code that runs without
 * coverage is exactly the code it would be without them, and what they said is kept as a table
 * for the coverage instrumentation.
 *
 * Generated code holds no character below U+0020 except these marks: Rune text only reaches it
 * through `JSON.stringify`, which escapes them.
 *
 * @example
 * ```ts
 * import { branch, takeProbes } from "./probe.ts";
 * const code = `  $t1 = v1_c ? ${branch('"yes"', 30)} : "no";`;
 * const { lines, probes } = takeProbes([{ code, line: 1 }], (pos) => (pos < 20 ? 1 : 2));
 * lines[0]; // '  $t1 = v1_c ? "yes" : "no";'
 * probes?.branches; // [[0, 15, 20, 2]]
 * ```
 *
 * @module
 */

const OPEN = "\u0001";
const SEP = "\u0002";
const CLOSE = "\u0003";
const TEST = "\u0004";
// The marks are control characters on purpose (see above).
// deno-lint-ignore no-control-regex
const ANY = /[\u0001-\u0004]/;

/** What coverage needs to know beyond the line table. */
export interface Probes {
  /**
   * Value-only branches inside a generated line, as `[line, start, end, Rune line]`: the code
   * from column `start` to `end` of generated line `line` (both 0-based) runs only when the
   * branch is taken, and it is the code of that Rune line. Only branches on a Rune line other
   * than their generated line's (and than an enclosing branch's) are listed.
   */
  branches: [number, number, number, number][];
  /**
   * Generated lines that test a `match` arm: they run for arms that are then not taken, so they
   * do not count as running the arm's line (the arm's own lines do, when it is taken).
   */
  tests: number[];
}

/** `js`, the value of a branch that comes from Rune offset `pos`, marked for coverage. */
export function branch(js: string, pos: number): string {
  return `${OPEN}${pos}${SEP}${js}${CLOSE}`;
}

/** A generated line of code that tests a `match` arm, marked for coverage. */
export function armTest(code: string): string {
  return TEST + code;
}

/**
 * Take the marks out of assembled lines of generated code, each with the Rune line it is
 * credited to (0: none); `lineOf` gives the Rune line of a Rune offset.
 */
export function takeProbes(
  lines: readonly { code: string; line: number }[],
  lineOf: (pos: number) => number,
): { lines: string[]; probes?: Probes } {
  if (!lines.some((l) => ANY.test(l.code))) return { lines: lines.map((l) => l.code) };
  const probes: Probes = { branches: [], tests: [] };
  const out = lines.map((l, i) => (ANY.test(l.code) ? strip(l, i, lineOf, probes) : l.code));
  return { lines: out, probes };
}

function strip(
  { code, line }: { code: string; line: number },
  at: number,
  lineOf: (pos: number) => number,
  probes: Probes,
): string {
  let text = "";
  // Open branches, inner last: their entry (listed in the order they open) and the Rune line
  // their code is credited to.
  const open: { entry: [number, number, number, number]; line: number }[] = [];
  let i = 0;
  while (i < code.length) {
    const ch = code[i];
    if (ch === OPEN) {
      const sep = code.indexOf(SEP, i);
      const rune = lineOf(Number(code.slice(i + 1, sep)));
      const entry: [number, number, number, number] = [at, text.length, -1, rune];
      // A branch on the line its statement (or the branch it is in) is credited to runs
      // whenever that line is counted anyway.
      if (rune !== (open.at(-1)?.line ?? line)) probes.branches.push(entry);
      open.push({ entry, line: rune });
      i = sep + 1;
    } else if (ch === CLOSE) {
      open.pop()!.entry[2] = text.length;
      i++;
    } else if (ch === TEST) {
      if (!probes.tests.includes(at)) probes.tests.push(at);
      i++;
    } else {
      const next = code.slice(i).search(ANY);
      const end = next < 0 ? code.length : i + next;
      text += code.slice(i, end);
      i = end;
    }
  }
  if (open.length > 0) throw new Error(`internal: unclosed coverage probe in ${text}`);
  return text;
}
