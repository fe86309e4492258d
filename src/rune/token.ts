/**
 * Tokens produced by the lexer.
 *
 * @module
 */

/** Token kinds. Keywords are `kw`; everything else that is a name is `ident`. */
export type TokenKind =
  | "ident"
  | "kw"
  | "int"
  | "float"
  | "char"
  | "byte"
  | "str"
  | "bytes"
  | "template"
  | "label"
  | "punct"
  | "eof";

/** One piece of a template string: literal text, or the tokens of an interpolated expression. */
export type TemplatePart = { text: string } | { tokens: Token[]; start: number; end: number };

/** One token. Only the fields of its kind are set. */
export interface Token {
  /** What kind of token. */
  kind: TokenKind;
  /** The source text (for punctuation and keywords, the operator or word itself). */
  text: string;
  /** Offset of the first character. */
  start: number;
  /** Offset after the last character. */
  end: number;
  /** Integer literals: the value (without sign). */
  int?: bigint;
  /** Float literals: the value. */
  float?: number;
  /** Numeric literal suffix (`i64`, `f64`, `u8`, …), when written. */
  suffix?: string;
  /** Strings, chars (as one code point), labels (without the quote), identifiers. */
  str?: string;
  /** Byte strings; for a byte literal, a single element. */
  bytes?: number[];
  /** Template strings. */
  parts?: TemplatePart[];
}

/** Reserved words. */
export const KEYWORDS: ReadonlySet<string> = new Set([
  "as",
  "async",
  "await",
  "break",
  "const",
  "continue",
  "crate",
  "else",
  "enum",
  "false",
  "fn",
  "for",
  "if",
  "impl",
  "in",
  "is",
  "let",
  "loop",
  "match",
  "mod",
  "move",
  "not",
  "pub",
  "return",
  "select",
  "self",
  "Self",
  "struct",
  "super",
  "true",
  "use",
  "while",
  "yield",
]);

/** Punctuation, longest first so the lexer can match greedily. */
export const PUNCTUATION: readonly string[] = [
  "<<=",
  ">>=",
  "..=",
  "...",
  "::",
  "->",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "^=",
  "&=",
  "|=",
  "<<",
  ">>",
  "..",
  "+",
  "-",
  "*",
  "/",
  "%",
  "^",
  "!",
  "&",
  "|",
  "=",
  "<",
  ">",
  "@",
  ".",
  ",",
  ";",
  ":",
  "#",
  "$",
  "?",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
];

/** A short human description of a token, for "expected X, found Y" messages. */
export function describeToken(t: Token): string {
  switch (t.kind) {
    case "eof":
      return "end of file";
    case "ident":
      return `identifier \`${t.text}\``;
    case "kw":
    case "punct":
      return `\`${t.text}\``;
    case "int":
    case "float":
      return `number \`${t.text}\``;
    case "str":
    case "template":
    case "bytes":
      return "a string literal";
    case "char":
    case "byte":
      return `character literal \`${t.text}\``;
    case "label":
      return `label \`${t.text}\``;
  }
}
