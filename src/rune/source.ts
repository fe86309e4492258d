/**
 * A Rune source file: its name, its text, and the mapping from character offsets to 1-based
 * line and column numbers that diagnostics and stack traces need.
 *
 * @example
 * ```ts
 * import { Source } from "./source.ts";
 * const src = new Source("main.rn", "fn main() {\n  1\n}\n");
 * src.position(14); // { line: 2, column: 3 }
 * ```
 *
 * @module
 */

/** A half-open range of character offsets into a source. */
export interface Span {
  /** First character. */
  start: number;
  /** One past the last character. */
  end: number;
}

/** A 1-based line and column. */
export interface Position {
  /** Line, from 1. */
  line: number;
  /** Column in characters, from 1. */
  column: number;
}

/** One source file. */
export class Source {
  /** The file name shown in diagnostics. */
  readonly name: string;
  /** The text. */
  readonly text: string;
  #lineStarts: number[] | null = null;

  /** @param name shown in diagnostics; @param text the code */
  constructor(name: string, text: string) {
    this.name = name;
    this.text = text;
  }

  /** Offsets at which each line starts. */
  get lineStarts(): number[] {
    if (this.#lineStarts === null) {
      const starts = [0];
      for (let i = 0; i < this.text.length; i++) {
        if (this.text.charCodeAt(i) === 10) starts.push(i + 1);
      }
      this.#lineStarts = starts;
    }
    return this.#lineStarts;
  }

  /** The line and column of an offset. */
  position(offset: number): Position {
    const starts = this.lineStarts;
    const at = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: at - starts[lo] + 1 };
  }

  /** The text of a 1-based line, without its line break. */
  line(n: number): string {
    const starts = this.lineStarts;
    if (n < 1 || n > starts.length) return "";
    const from = starts[n - 1];
    const to = n < starts.length ? starts[n] - 1 : this.text.length;
    return this.text.slice(from, to).replace(/\r$/, "");
  }
}
