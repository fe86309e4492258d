/**
 * The parser's token stream: lookahead, expectations, diagnostics, and the guards that keep a
 * hostile input from hanging or crashing the parser (a nesting limit, a diagnostic cap, and
 * abort-and-resynchronise error recovery at item boundaries).
 *
 * @module
 */
import type { Diagnostic } from "./diagnostic.ts";
import type { Span } from "./source.ts";
import { describeToken, type Token } from "./token.ts";

/** Thrown to abandon the current item after a syntax error has been recorded. */
export class ParseAbort extends Error {}

/** Deepest nesting of expressions, patterns and blocks the parser accepts. */
export const MAX_NESTING = 200;
/** Diagnostics after which parsing stops. */
export const MAX_DIAGNOSTICS = 50;

/** A stream of tokens with the helpers every parsing function uses. */
export class Parser {
  readonly tokens: Token[];
  pos = 0;
  readonly diagnostics: Diagnostic[];
  /** Nesting depth of the current expression/pattern/block. */
  depth = 0;
  /** Inside `if`/`while`/`match`/`for` heads a `Path {` is not a struct literal. */
  noStruct = false;
  /** One entry per enclosing function or closure body: whether it contains `yield`. */
  readonly yields: boolean[] = [];

  /** @param tokens ending with `eof`; @param diagnostics shared list to append to */
  constructor(tokens: Token[], diagnostics: Diagnostic[]) {
    this.tokens = tokens;
    this.diagnostics = diagnostics;
  }

  /** The token `n` ahead (the `eof` token past the end). */
  peek(n = 0): Token {
    const i = this.pos + n;
    return i < this.tokens.length ? this.tokens[i] : this.tokens[this.tokens.length - 1];
  }

  /** Consume and return the current token (never moves past `eof`). */
  next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  /** The previous token's end, for closing spans. */
  get lastEnd(): number {
    return this.pos > 0 ? this.tokens[this.pos - 1].end : 0;
  }

  /** Is the token `n` ahead the punctuation or keyword `text`? */
  at(text: string, n = 0): boolean {
    const t = this.peek(n);
    return (t.kind === "punct" || t.kind === "kw") && t.text === text;
  }

  /** Is the current token a plain identifier (optionally a specific one)? */
  atIdent(name?: string, n = 0): boolean {
    const t = this.peek(n);
    return t.kind === "ident" && (name === undefined || t.text === name);
  }

  /** Consume `text` if it is next. */
  eat(text: string): boolean {
    if (this.at(text)) {
      this.next();
      return true;
    }
    return false;
  }

  /** Consume `text` or report what was found instead. */
  expect(text: string, context?: string, hint?: string): Token {
    if (this.at(text)) return this.next();
    const t = this.peek();
    this.fail(
      t,
      `expected \`${text}\`${context ? ` ${context}` : ""}, found ${describeToken(t)}`,
      hint,
    );
  }

  /** Consume an identifier or report. */
  ident(what = "a name"): Token {
    const t = this.peek();
    if (t.kind === "ident") return this.next();
    this.fail(t, `expected ${what}, found ${describeToken(t)}`);
  }

  /** Span from `start` to the end of the last consumed token. */
  span(start: number): Span {
    return { start, end: Math.max(start, this.lastEnd) };
  }

  /** Record a diagnostic without aborting. */
  report(span: Span, message: string, hint?: string): void {
    if (this.diagnostics.length >= MAX_DIAGNOSTICS) return;
    this.diagnostics.push({
      severity: "error",
      code: "E_SYNTAX",
      message,
      span,
      ...(hint ? { hint } : {}),
    });
  }

  /** Record a diagnostic at a token (or span) and abandon the current item. */
  fail(at: Token | Span, message: string, hint?: string): never {
    const span = "kind" in at ? { start: at.start, end: Math.max(at.end, at.start + 1) } : at;
    this.report(span, message, hint);
    throw new ParseAbort(message);
  }

  /** Run `f` one nesting level deeper, refusing absurd depths. */
  nested<T>(f: () => T): T {
    if (++this.depth > MAX_NESTING) {
      this.depth = 0;
      this.fail(this.peek(), `nesting is deeper than ${MAX_NESTING} levels`);
    }
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  /** Run `f` with the struct-literal restriction set to `value`, restoring it afterwards. */
  withNoStruct<T>(value: boolean, f: () => T): T {
    const saved = this.noStruct;
    this.noStruct = value;
    try {
      return f();
    } finally {
      this.noStruct = saved;
    }
  }

  /**
   * Skip a type annotation (`i64`, `Vec<String>`, `(a, b)`, `&mut [u8]`, `fn(i64) -> i64`),
   * returning its text. Types are accepted for Rust compatibility and otherwise ignored.
   */
  skipType(): string {
    const start = this.peek().start;
    this.nested(() => this.typeInner());
    return this.tokensText(start);
  }

  private typeInner(): void {
    const t = this.peek();
    if (this.eat("&") || this.eat("&&")) {
      if (this.peek().kind === "label") this.next();
      if (this.atIdent("mut")) this.next();
      this.typeInner();
      return;
    }
    if (this.at("*") && (this.at("const", 1) || this.atIdent("mut", 1))) {
      this.next();
      this.next();
      this.typeInner();
      return;
    }
    if (this.eat("(")) {
      while (!this.at(")")) {
        this.nested(() => this.typeInner());
        if (!this.eat(",")) break;
      }
      this.expect(")", "to close the tuple type");
      return;
    }
    if (this.eat("[")) {
      this.nested(() => this.typeInner());
      if (this.eat(";")) this.skipConstArg();
      this.expect("]", "to close the slice type");
      return;
    }
    if (this.eat("!")) return;
    if (this.at("fn") || (this.atIdent("unsafe") && this.at("fn", 1))) {
      if (this.atIdent("unsafe")) this.next();
      this.next();
      this.expect("(");
      while (!this.at(")")) {
        this.nested(() => this.typeInner());
        if (!this.eat(",")) break;
      }
      this.expect(")");
      if (this.eat("->")) this.typeInner();
      return;
    }
    if (this.at("impl") || this.atIdent("dyn")) {
      this.next();
      this.skipBounds();
      return;
    }
    if (this.at("<")) {
      // A qualified path: `<T as Trait>::Item`.
      this.next();
      this.nested(() => this.typeInner());
      if (this.eat("as")) this.nested(() => this.typeInner());
      this.expect(">", "to close the qualified path");
      this.expect("::", "after a qualified path");
      this.typeInner();
      return;
    }
    if (
      t.kind === "ident" || this.at("Self") || this.at("crate") || this.at("super") ||
      this.at("self") || this.at("::")
    ) {
      this.eat("::");
      for (;;) {
        const seg = this.next();
        if (this.at("<") || this.at("<<")) this.skipGenerics();
        else if (this.at("(") && /^Fn(Mut|Once)?$/.test(seg.text)) {
          // `Fn(i64) -> bool` sugar.
          this.next();
          while (!this.at(")")) {
            this.nested(() => this.typeInner());
            if (!this.eat(",")) break;
          }
          this.expect(")", "to close the parameter types");
          if (this.eat("->")) this.nested(() => this.typeInner());
          return;
        }
        if (this.at("::") && (this.peek(1).kind === "ident" || this.at("<", 1))) {
          this.next();
          if (this.at("<")) {
            this.skipGenerics();
            if (!this.at("::")) return;
            this.next();
          }
          continue;
        }
        return;
      }
    }
    this.fail(t, `expected a type, found ${describeToken(t)}`);
  }

  /** A const generic argument or array length: a literal, a name, `-1` or a `{ … }` block. */
  private skipConstArg(): void {
    if (this.at("{")) {
      const open = this.next();
      let depth = 1;
      while (depth > 0) {
        const t = this.next();
        if (t.kind === "eof") this.fail(open, "unclosed `{` in a type");
        if (t.kind === "punct" && t.text === "{") depth++;
        if (t.kind === "punct" && t.text === "}") depth--;
      }
      return;
    }
    this.eat("-");
    const t = this.peek();
    if (t.kind === "ident" || t.kind === "int" || t.kind === "char" || t.kind === "str") {
      this.next();
      return;
    }
    if (this.at("true") || this.at("false")) {
      this.next();
      return;
    }
    this.fail(t, `expected a constant, found ${describeToken(t)}`);
  }

  /**
   * Skip trait bounds: `Clone + 'a + ?Sized + for<'b> Fn(&'b str) -> bool`. Bounds are accepted
   * for Rust compatibility and otherwise ignored.
   */
  skipBounds(): void {
    for (;;) {
      if (this.peek().kind === "label") this.next();
      else {
        const paren = this.eat("(");
        this.eat("?");
        this.eat("~");
        if (this.atIdent("const")) this.next();
        if (this.at("for") && this.at("<", 1)) {
          this.next();
          this.skipGenericParams();
        }
        this.nested(() => this.typeInner());
        if (paren) this.expect(")", "to close the bound");
      }
      if (!this.eat("+")) return;
      // A trailing `+` before the end of the bounds is allowed.
      if (this.at(",") || this.at(">") || this.at("{") || this.at("=") || this.at(";")) return;
    }
  }

  /**
   * Skip a declaration's generic parameters: `<'a, T: Clone + 'a, U = i64, const N: usize = 3>`.
   * Rune is dynamically typed, so they are accepted and ignored.
   */
  skipGenericParams(): void {
    this.expect("<");
    while (!this.at(">")) {
      if (this.at(">>") || this.at(">=") || this.at(">>=")) break;
      const t = this.peek();
      if (t.kind === "label") {
        this.next();
        if (this.eat(":")) {
          while (this.peek().kind === "label") {
            this.next();
            if (!this.eat("+")) break;
          }
        }
      } else if (this.at("const")) {
        this.next();
        this.ident("a const parameter name");
        this.expect(":", "after the const parameter's name");
        this.skipType();
        if (this.eat("=")) this.skipConstArg();
      } else {
        this.ident("a generic parameter name");
        if (this.eat(":") && !this.at(",") && !this.at(">")) this.skipBounds();
        if (this.eat("=")) this.skipType();
      }
      if (!this.eat(",")) break;
    }
    this.closeAngle("to close the generic parameters");
  }

  /** Skip a `where` clause, if one is next: `where T: Ord, Vec<T>: Debug, 'a: 'b`. */
  skipWhere(): void {
    if (!this.atIdent("where")) return;
    this.next();
    while (!this.at("{") && !this.at(";") && !this.at("=") && this.peek().kind !== "eof") {
      if (this.at("for") && this.at("<", 1)) {
        this.next();
        this.skipGenericParams();
      }
      if (this.peek().kind === "label") {
        this.next();
        this.expect(":", "in the where clause");
        while (this.peek().kind === "label") {
          this.next();
          if (!this.eat("+")) break;
        }
      } else {
        this.skipType();
        this.expect(":", "after the type in the where clause");
        if (!this.at(",") && !this.at("{") && !this.at(";")) this.skipBounds();
      }
      if (!this.eat(",")) break;
    }
  }

  /** Consume a `>` closing an angle-bracket list, splitting `>>`, `>=` and `>>=` as needed. */
  private closeAngle(context: string): void {
    if (this.at(">>") || this.at(">=") || this.at(">>=")) {
      this.splitFirst(">");
      this.next();
      return;
    }
    this.expect(">", context);
  }

  /** Skip `<…>` (handling `>>` as two closers) and return the top-level arguments' text. */
  skipGenerics(): string[] {
    if (this.at("<<")) this.splitFirst("<");
    this.expect("<");
    const args: string[] = [];
    for (;;) {
      if (this.at(">") || this.at(">>") || this.at(">=") || this.at(">>=")) {
        this.closeAngle("to close the type arguments");
        return args;
      }
      const start = this.peek().start;
      this.nested(() => this.genericArg());
      args.push(this.tokensText(start));
      if (!this.eat(",")) {
        this.closeAngle("to close the type arguments");
        return args;
      }
    }
  }

  /** One type argument: a type, a lifetime, a constant, or `Item = Type` / `Item: Bound`. */
  private genericArg(): void {
    const t = this.peek();
    if (t.kind === "label") {
      this.next();
      return;
    }
    if (t.kind === "ident" && (this.at("=", 1) || (this.at(":", 1) && !this.at("::", 1)))) {
      this.next();
      if (this.eat("=")) this.typeInner();
      else {
        this.next();
        this.skipBounds();
      }
      return;
    }
    if (
      this.at("{") || this.at("-") || t.kind === "int" || t.kind === "char" || t.kind === "str" ||
      this.at("true") || this.at("false")
    ) {
      this.skipConstArg();
      return;
    }
    this.typeInner();
  }

  /** Split the current multi-character token so its first character is a token of its own. */
  private splitFirst(first: string): void {
    const t = this.peek();
    const rest: Token = { ...t, text: t.text.slice(first.length), start: t.start + first.length };
    const head: Token = { ...t, text: first, end: t.start + first.length };
    this.tokens.splice(this.pos, 1, head, rest);
  }

  /** The source text covered by the tokens consumed since the token starting at `start`. */
  tokensText(start: number): string {
    const parts: string[] = [];
    for (let i = this.pos - 1; i >= 0 && this.tokens[i].start >= start; i--) {
      parts.unshift(this.tokens[i].text);
    }
    return parts.join("");
  }
}
