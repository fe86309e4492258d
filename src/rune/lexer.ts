/**
 * The lexer: Rune source text to tokens. It never throws on bad input; problems become
 * diagnostics and lexing continues after the bad character, so the parser always gets a token
 * stream ending in `eof`.
 *
 * @example
 * ```ts
 * import { lex } from "./lexer.ts";
 * const { tokens } = lex("let x = 0x_ff;");
 * tokens.map((t) => t.text); // ["let", "x", "=", "0x_ff", ";", ""]
 * ```
 *
 * @module
 */
import type { Diagnostic } from "./diagnostic.ts";
import { KEYWORDS, PUNCTUATION, type TemplatePart, type Token } from "./token.ts";

/** Result of lexing. */
export interface LexResult {
  /** Tokens, ending with one `eof` token. */
  tokens: Token[];
  /** Problems found. */
  diagnostics: Diagnostic[];
}

const ID_START = /[\p{ID_Start}_]/u;
const ID_CONTINUE = /[\p{ID_Continue}]/u;
const INT_SUFFIXES = new Set(["i64", "u64", "u8", "i32", "u32", "usize", "isize", "i8", "i16"]);
const FLOAT_SUFFIXES = new Set(["f64", "f32"]);

/** Lex a whole source text. */
export function lex(text: string): LexResult {
  const lexer = new Lexer(text);
  const tokens: Token[] = [];
  for (;;) {
    const t = lexer.next();
    if (t === null) continue;
    tokens.push(t);
    if (t.kind === "eof") break;
  }
  return { tokens, diagnostics: lexer.diagnostics };
}

class Lexer {
  pos = 0;
  readonly diagnostics: Diagnostic[] = [];
  constructor(readonly text: string) {}

  error(start: number, end: number, message: string, hint?: string): void {
    this.diagnostics.push({
      severity: "error",
      code: "E_SYNTAX",
      message,
      span: { start, end: Math.max(end, start + 1) },
      ...(hint ? { hint } : {}),
    });
  }

  /** The next token, or null when a bad character was skipped. */
  next(): Token | null {
    this.skipTrivia();
    const text = this.text;
    const start = this.pos;
    if (start >= text.length) return { kind: "eof", text: "", start, end: start };
    const c = text[start];
    const code = text.charCodeAt(start);
    if (
      c === "r" &&
      (text[start + 1] === '"' || (text[start + 1] === "#" && this.rawAhead(start + 1)))
    ) {
      return this.rawString(start, start, false);
    }
    if (c === "b") {
      if (text[start + 1] === "'") return this.charLit(start, start + 1, true);
      if (text[start + 1] === '"') return this.string(start, start + 1, true);
      if (text[start + 1] === "r" && (text[start + 2] === '"' || text[start + 2] === "#")) {
        return this.rawString(start, start + 1, true);
      }
    }
    if (code >= 48 && code <= 57) return this.number(start);
    if (c === '"') return this.string(start, start, false);
    if (c === "'") return this.quote(start);
    if (c === "`") return this.template(start);
    if (isIdentStart(c, text, start)) return this.ident(start);
    for (const p of PUNCTUATION) {
      if (text.startsWith(p, start)) {
        this.pos = start + p.length;
        return { kind: "punct", text: p, start, end: this.pos };
      }
    }
    const cp = text.codePointAt(start)!;
    const width = cp > 0xffff ? 2 : 1;
    this.pos = start + width;
    this.error(start, this.pos, `unexpected character ${JSON.stringify(String.fromCodePoint(cp))}`);
    return null;
  }

  rawAhead(at: number): boolean {
    let i = at;
    while (this.text[i] === "#") i++;
    return this.text[i] === '"';
  }

  skipTrivia(): void {
    const text = this.text;
    for (;;) {
      const c = text.charCodeAt(this.pos);
      if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff) {
        this.pos++;
      } else if (c === 47 && text.charCodeAt(this.pos + 1) === 47) {
        const nl = text.indexOf("\n", this.pos);
        this.pos = nl < 0 ? text.length : nl + 1;
      } else if (c === 47 && text.charCodeAt(this.pos + 1) === 42) {
        const start = this.pos;
        let depth = 0;
        while (this.pos < text.length) {
          if (text.startsWith("/*", this.pos)) {
            depth++;
            this.pos += 2;
          } else if (text.startsWith("*/", this.pos)) {
            depth--;
            this.pos += 2;
            if (depth === 0) break;
          } else {
            this.pos++;
          }
        }
        if (depth > 0) this.error(start, start + 2, "unterminated block comment");
      } else {
        return;
      }
    }
  }

  ident(start: number): Token {
    const text = this.text;
    let i = start;
    while (i < text.length) {
      const cp = text.codePointAt(i)!;
      const ch = String.fromCodePoint(cp);
      if (i === start ? !isIdentStart(ch, text, i) : !ID_CONTINUE.test(ch)) break;
      i += ch.length;
    }
    this.pos = i;
    const word = text.slice(start, i);
    return { kind: KEYWORDS.has(word) ? "kw" : "ident", text: word, start, end: i, str: word };
  }

  number(start: number): Token {
    const text = this.text;
    let i = start;
    let radix = 10;
    if (text[i] === "0" && /[xob]/.test(text[i + 1] ?? "")) {
      radix = text[i + 1] === "x" ? 16 : text[i + 1] === "o" ? 8 : 2;
      i += 2;
      const digitsFrom = i;
      const valid = radix === 16 ? /[0-9a-fA-F_]/ : radix === 8 ? /[0-7_]/ : /[01_]/;
      while (i < text.length && valid.test(text[i])) i++;
      const digits = text.slice(digitsFrom, i).replace(/_/g, "");
      const suffix = this.suffix(i);
      i += suffix.length;
      this.pos = i;
      if (digits === "") {
        this.error(start, i, `missing digits after the integer base prefix`);
        return { kind: "int", text: text.slice(start, i), start, end: i, int: 0n };
      }
      if (/[0-9a-zA-Z]/.test(text[i] ?? "")) {
        while (/[0-9a-zA-Z_]/.test(text[this.pos] ?? "")) this.pos++;
        this.error(start, this.pos, `invalid digit for a base ${radix} literal`);
      }
      const prefix = radix === 16 ? "0x" : radix === 8 ? "0o" : "0b";
      return {
        kind: "int",
        text: text.slice(start, i),
        start,
        end: i,
        int: BigInt(prefix + digits),
        ...(suffix ? { suffix } : {}),
      };
    }
    while (i < text.length && /[0-9_]/.test(text[i])) i++;
    let isFloat = false;
    if (
      text[i] === "." && text[i + 1] !== "." && !isIdentStart(text[i + 1] ?? "", text, i + 1)
    ) {
      isFloat = true;
      i++;
      while (i < text.length && /[0-9_]/.test(text[i])) i++;
    }
    if (/[eE]/.test(text[i] ?? "")) {
      let j = i + 1;
      if (text[j] === "+" || text[j] === "-") j++;
      while (text[j] === "_") j++;
      if (/[0-9]/.test(text[j] ?? "")) {
        isFloat = true;
        i = j;
        while (i < text.length && /[0-9_]/.test(text[i])) i++;
      }
    }
    const body = text.slice(start, i).replace(/_/g, "");
    const suffix = this.suffix(i);
    i += suffix.length;
    this.pos = i;
    const raw = text.slice(start, i);
    if (isFloat || FLOAT_SUFFIXES.has(suffix)) {
      return { kind: "float", text: raw, start, end: i, float: Number(body), suffix };
    }
    return {
      kind: "int",
      text: raw,
      start,
      end: i,
      int: BigInt(body),
      ...(suffix ? { suffix } : {}),
    };
  }

  suffix(at: number): string {
    const m = /^[a-z][a-z0-9]*/.exec(this.text.slice(at, at + 8));
    if (!m) return "";
    if (INT_SUFFIXES.has(m[0]) || FLOAT_SUFFIXES.has(m[0])) return m[0];
    return "";
  }

  /** `'a'` is a char; `'label` is a label. */
  quote(start: number): Token {
    const text = this.text;
    const next = text[start + 1];
    if (next !== "\\" && next !== undefined) {
      const cp = text.codePointAt(start + 1)!;
      const w = cp > 0xffff ? 2 : 1;
      if (text[start + 1 + w] !== "'" && isIdentStart(next, text, start + 1)) {
        let i = start + 1;
        while (i < text.length && ID_CONTINUE.test(String.fromCodePoint(text.codePointAt(i)!))) {
          i += text.codePointAt(i)! > 0xffff ? 2 : 1;
        }
        if (text[i] === "'") return this.charLit(start, start, false);
        this.pos = i;
        return {
          kind: "label",
          text: text.slice(start, i),
          start,
          end: i,
          str: text.slice(start + 1, i),
        };
      }
    }
    return this.charLit(start, start, false);
  }

  charLit(start: number, quoteAt: number, byte: boolean): Token {
    const text = this.text;
    let i = quoteAt + 1;
    let cp: number;
    if (text[i] === "\\") {
      const esc = this.escape(i, byte);
      cp = esc.cp;
      i = esc.end;
    } else if (i >= text.length || text[i] === "\n") {
      this.pos = i;
      this.error(start, i, "unterminated character literal");
      return {
        kind: byte ? "byte" : "char",
        text: text.slice(start, i),
        start,
        end: i,
        str: "\0",
        bytes: [0],
      };
    } else {
      cp = text.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      if (byte && cp > 0x7f) {
        this.error(start, i + 1, "a byte literal must be ASCII or a \\x escape");
      }
    }
    if (text[i] !== "'") {
      const close = text.indexOf("'", i);
      const nl = text.indexOf("\n", i);
      const stop = close >= 0 && (nl < 0 || close < nl) ? close + 1 : i;
      this.pos = stop;
      this.error(
        start,
        stop,
        "a character literal holds exactly one character",
        "use double quotes for a string",
      );
      return {
        kind: byte ? "byte" : "char",
        text: text.slice(start, stop),
        start,
        end: stop,
        str: String.fromCodePoint(cp),
        bytes: [cp & 0xff],
      };
    }
    i++;
    this.pos = i;
    return {
      kind: byte ? "byte" : "char",
      text: text.slice(start, i),
      start,
      end: i,
      str: String.fromCodePoint(cp),
      bytes: [cp & 0xff],
    };
  }

  /** Decode one escape starting at the backslash. */
  escape(at: number, byte: boolean): { cp: number; end: number } {
    const text = this.text;
    const c = text[at + 1];
    switch (c) {
      case "n":
        return { cp: 10, end: at + 2 };
      case "r":
        return { cp: 13, end: at + 2 };
      case "t":
        return { cp: 9, end: at + 2 };
      case "0":
        return { cp: 0, end: at + 2 };
      case "\\":
      case "'":
      case '"':
      case "`":
      case "$":
      case "{":
      case "}":
        return { cp: c.charCodeAt(0), end: at + 2 };
      case "x": {
        const hex = text.slice(at + 2, at + 4);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
          this.error(at, at + 2, "a \\x escape needs two hex digits");
          return { cp: 0, end: at + 2 };
        }
        const v = parseInt(hex, 16);
        if (!byte && v > 0x7f) {
          this.error(at, at + 4, "a \\x escape in a string must be at most \\x7f");
        }
        return { cp: v, end: at + 4 };
      }
      case "u": {
        const m = /^\{([0-9a-fA-F_]{1,8})\}/.exec(text.slice(at + 2, at + 14));
        if (!m || byte) {
          this.error(
            at,
            at + 2,
            byte
              ? "\\u escapes are not allowed in byte literals"
              : "a \\u escape looks like \\u{1F600}",
          );
          return { cp: 0, end: at + 2 };
        }
        const v = parseInt(m[1].replace(/_/g, ""), 16);
        if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
          this.error(at, at + 3 + m[0].length, "invalid unicode escape");
          return { cp: 0xfffd, end: at + 2 + m[0].length };
        }
        return { cp: v, end: at + 2 + m[0].length };
      }
      default:
        this.error(at, at + 2, `unknown escape \\${c ?? ""}`, "escape a backslash as \\\\");
        return { cp: 0xfffd, end: Math.min(text.length, at + 2) };
    }
  }

  string(start: number, quoteAt: number, byte: boolean): Token {
    const text = this.text;
    let i = quoteAt + 1;
    let out = "";
    for (;;) {
      if (i >= text.length) {
        this.error(start, quoteAt + 1, "unterminated string literal", 'close it with "');
        break;
      }
      const c = text[i];
      if (c === '"') {
        i++;
        break;
      }
      if (c === "\\") {
        if (text[i + 1] === "\n" || (text[i + 1] === "\r" && text[i + 2] === "\n")) {
          i += text[i + 1] === "\r" ? 3 : 2;
          while (/[ \t\r\n]/.test(text[i] ?? "")) i++;
          continue;
        }
        const e = this.escape(i, byte);
        out += String.fromCodePoint(e.cp);
        i = e.end;
        continue;
      }
      out += c;
      i++;
    }
    this.pos = i;
    const raw = text.slice(start, i);
    if (byte) return { kind: "bytes", text: raw, start, end: i, bytes: toBytes(out) };
    return { kind: "str", text: raw, start, end: i, str: out };
  }

  rawString(start: number, rAt: number, byte: boolean): Token {
    const text = this.text;
    let i = rAt + 1;
    let hashes = 0;
    while (text[i] === "#") {
      hashes++;
      i++;
    }
    i++; // the opening quote
    const close = '"' + "#".repeat(hashes);
    const end = text.indexOf(close, i);
    let value: string;
    if (end < 0) {
      this.error(start, i, "unterminated raw string literal", `close it with ${close}`);
      value = text.slice(i);
      this.pos = text.length;
    } else {
      value = text.slice(i, end);
      this.pos = end + close.length;
    }
    const raw = text.slice(start, this.pos);
    if (byte) return { kind: "bytes", text: raw, start, end: this.pos, bytes: toBytes(value) };
    return { kind: "str", text: raw, start, end: this.pos, str: value };
  }

  template(start: number): Token {
    const text = this.text;
    const parts: TemplatePart[] = [];
    let i = start + 1;
    let buf = "";
    for (;;) {
      if (i >= text.length) {
        this.error(start, start + 1, "unterminated template string", "close it with `");
        break;
      }
      const c = text[i];
      if (c === "`") {
        i++;
        break;
      }
      if (c === "\\") {
        const e = this.escape(i, false);
        buf += String.fromCodePoint(e.cp);
        i = e.end;
        continue;
      }
      if (c === "$" && text[i + 1] === "{") {
        if (buf) parts.push({ text: buf });
        buf = "";
        const exprStart = i + 2;
        this.pos = exprStart;
        const tokens: Token[] = [];
        let depth = 0;
        for (;;) {
          const t = this.next();
          if (t === null) continue;
          if (t.kind === "eof") {
            this.error(i, i + 2, "unterminated ${ in a template string");
            tokens.push(t);
            break;
          }
          if (t.kind === "punct" && t.text === "{") depth++;
          if (t.kind === "punct" && t.text === "}") {
            if (depth === 0) {
              tokens.push({ kind: "eof", text: "", start: t.start, end: t.start });
              parts.push({ tokens, start: exprStart, end: t.start });
              break;
            }
            depth--;
          }
          tokens.push(t);
        }
        i = this.pos;
        continue;
      }
      buf += c;
      i++;
    }
    if (buf) parts.push({ text: buf });
    this.pos = i;
    return { kind: "template", text: text.slice(start, i), start, end: i, parts };
  }
}

function isIdentStart(c: string, text: string, at: number): boolean {
  if (c === "") return false;
  const code = c.charCodeAt(0);
  if ((code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95) return true;
  if (code < 128) return false;
  return ID_START.test(String.fromCodePoint(text.codePointAt(at)!));
}

function toBytes(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0xff) out.push(cp);
    else out.push(...new TextEncoder().encode(ch));
  }
  return out;
}
