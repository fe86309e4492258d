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

/** One file of a program made of several (`mod name;` files appended after the main file). */
export interface SourcePart {
  /** File name shown in diagnostics. */
  name: string;
  /** Offset in the combined text where the file starts (always at the start of a line). */
  start: number;
}

/**
 * One source file, or a main file followed by the module files it loads: offsets are into the
 * combined text, and lines and columns are those of the file an offset falls in.
 */
export class Source {
  /** The (main) file name shown in diagnostics. */
  readonly name: string;
  /** The text. */
  readonly text: string;
  /** The files, in order of their start offsets; the first is the main file. */
  readonly parts: readonly SourcePart[];
  #lineStarts: number[] | null = null;

  /**
   * @param name shown in diagnostics; @param text the code
   * @param parts the files of a combined text (default: one file, `name`)
   */
  constructor(name: string, text: string, parts?: SourcePart[]) {
    this.name = name;
    this.text = text;
    this.parts = parts && parts.length > 0 ? parts : [{ name, start: 0 }];
  }

  /** Index in {@link parts} of the file an offset falls in. */
  partIndex(offset: number): number {
    let i = 0;
    while (i + 1 < this.parts.length && this.parts[i + 1].start <= offset) i++;
    return i;
  }

  /** The name of the file an offset falls in. */
  fileAt(offset: number): string {
    return this.parts[this.partIndex(offset)].name;
  }

  /** The text of the line an offset falls in. */
  lineAt(offset: number): string {
    return this.line(this.#globalLine(offset));
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

  /** The line (in its own file) and column of an offset. */
  position(offset: number): Position {
    const { line, column } = this.#position(offset);
    if (this.parts.length === 1) return { line, column };
    const first = this.#globalLine(this.parts[this.partIndex(offset)].start);
    return { line: line - first + 1, column };
  }

  #globalLine(offset: number): number {
    return this.#position(offset).line;
  }

  #position(offset: number): Position {
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

  /** The text of a 1-based line of the combined text, without its line break. */
  line(n: number): string {
    const starts = this.lineStarts;
    if (n < 1 || n > starts.length) return "";
    const from = starts[n - 1];
    const to = n < starts.length ? starts[n] - 1 : this.text.length;
    return this.text.slice(from, to).replace(/\r$/, "");
  }
}
