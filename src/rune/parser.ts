/**
 * The parser's entry point: source text to a syntax tree plus diagnostics. It never throws on
 * bad input and always terminates: broken items are reported and skipped.
 *
 * @example
 * ```ts
 * import { parse } from "./parser.ts";
 * const { file, diagnostics } = parse("fn main() { 1 + 2 }");
 * file.items.length; // 1
 * diagnostics.length; // 0
 * ```
 *
 * @module
 */
import type { File } from "./ast.ts";
import type { Diagnostic } from "./diagnostic.ts";
import { lex } from "./lexer.ts";
import { parseItems } from "./parse_item.ts";
import { Parser } from "./parser_core.ts";

/** What {@link parse} returns. */
export interface ParseResult {
  /** The items that parsed. */
  file: File;
  /** Lexer and parser problems, in source order. */
  diagnostics: Diagnostic[];
}

/** Parse a whole Rune file. */
export function parse(text: string): ParseResult {
  try {
    const { tokens, diagnostics } = lex(text);
    const p = new Parser(tokens, diagnostics);
    const items = parseItems(p, null);
    diagnostics.sort((a, b) => a.span.start - b.span.start);
    return { file: { items, span: { start: 0, end: text.length } }, diagnostics };
  } catch (e) {
    // The nesting limit keeps recursion shallow; this is the last line of defence.
    if (!(e instanceof RangeError)) throw e;
    return {
      file: { items: [], span: { start: 0, end: text.length } },
      diagnostics: [tooDeep("E_SYNTAX", "parse")],
    };
  }
}

/** The diagnostic for a program too deeply nested to handle. */
export function tooDeep(code: "E_SYNTAX" | "E_COMPILE", what: string): Diagnostic {
  return {
    severity: "error",
    code,
    message: `the program is nested too deeply to ${what}`,
    span: { start: 0, end: 1 },
    hint: "split long expressions and chains into several statements",
  };
}
