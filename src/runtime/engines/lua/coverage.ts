/**
 * Which lines of a Lua plugin hold code, for line coverage. Lua's line hook (see the prelude)
 * says which lines ran; this says which lines could have, by reading the source: lines with a
 * statement or expression, not blank lines, comments, the inside of long strings, or lines that
 * only close a block (`end`, `else`, `}`), which the hook reports inconsistently, or only open a
 * function (`function M.main(params)`), which runs nothing itself.
 *
 * @module
 */

const CLOSERS = /^(?:end|else|do|then|repeat|[})\],;])(?:[\s})\],;]|end\b|else\b)*$/;
// A function's header line runs nothing: Lua attributes the closure's creation to its `end`.
const HEADER = /^(?:local\s+)?function\b[^)]*\)\s*$|=\s*function\s*\([^)]*\)\s*$/;

/**
 * The 1-based lines of `code` that hold runnable code.
 *
 * @example
 * ```ts
 * import { executableLines } from "./coverage.ts";
 * executableLines("-- hi\nlocal x = 1\nif x then\n  x = 2\nend\n"); // [2, 3, 4]
 * ```
 */
export function executableLines(code: string): number[] {
  const out: number[] = [];
  const lines = code.split("\n");
  // Inside a long comment or long string: the closing bracket we wait for.
  let open: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    let text = lines[i];
    let visible = "";
    let pos = 0;
    if (open !== null) {
      const end = text.indexOf(open);
      if (end < 0) continue;
      pos = end + open.length;
      open = null;
    }
    while (pos < text.length) {
      const rest = text.slice(pos);
      const long = /^(--)?\[(=*)\[/.exec(rest);
      if (long) {
        const close = `]${long[2]}]`;
        const end = rest.indexOf(close, long[0].length);
        if (!long[1]) visible += '""';
        if (end < 0) {
          open = close;
          break;
        }
        pos += end + close.length;
        continue;
      }
      if (rest.startsWith("--")) break;
      const c = rest[0];
      if (c === '"' || c === "'") {
        let j = 1;
        while (j < rest.length && rest[j] !== c) j += rest[j] === "\\" ? 2 : 1;
        visible += '""';
        pos += j + 1;
        continue;
      }
      visible += c;
      pos++;
    }
    text = visible.trim();
    if (text !== "" && !CLOSERS.test(text) && !HEADER.test(text)) out.push(i + 1);
  }
  return out;
}
