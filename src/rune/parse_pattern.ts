/**
 * Parsing patterns (`let`, `match`, `if let`, `for`, closure and function parameters) and paths.
 *
 * @module
 */
import type { Ident, LitValue, Path, Pattern } from "./ast.ts";
import type { Parser } from "./parser_core.ts";
import { describeToken, type Token } from "./token.ts";

/** Options for {@link parsePattern}. */
export interface PatternOptions {
  /** Allow `a | b` alternatives (not in closure parameters, where `|` ends the list). */
  allowOr?: boolean;
}

/** Parse a pattern. */
export function parsePattern(p: Parser, options: PatternOptions = {}): Pattern {
  return p.nested(() => {
    const start = p.peek().start;
    p.eat("|");
    const first = parseSingle(p);
    if (!options.allowOr || !p.at("|")) return first;
    const alts = [first];
    while (p.eat("|")) alts.push(parseSingle(p));
    return { kind: "or", alts, span: p.span(start) };
  });
}

/** Turn a literal token into a literal value, or null. */
export function literalOf(t: Token): LitValue | null {
  switch (t.kind) {
    case "int":
      if (t.suffix === "f64" || t.suffix === "f32") return { t: "float", v: Number(t.int!) };
      if (t.suffix === "u8") return { t: "byte", v: Number(t.int!) };
      return { t: "int", v: t.int! };
    case "float":
      return { t: "float", v: t.float! };
    case "str":
      return { t: "str", v: t.str! };
    case "char":
      return { t: "char", v: t.str!.codePointAt(0)! };
    case "byte":
      return { t: "byte", v: t.bytes![0] };
    case "bytes":
      return { t: "bytes", v: t.bytes! };
    case "kw":
      if (t.text === "true") return { t: "bool", v: true };
      if (t.text === "false") return { t: "bool", v: false };
      return null;
    default:
      return null;
  }
}

function negate(v: LitValue): LitValue | null {
  if (v.t === "int") return { t: "int", v: -v.v };
  if (v.t === "float") return { t: "float", v: -v.v };
  return null;
}

/** A literal, optionally negative, for patterns and range bounds; null if none is next. */
function patternLiteral(p: Parser): LitValue | null {
  if (p.at("-")) {
    const t = p.peek(1);
    const lit = literalOf(t);
    const neg = lit && negate(lit);
    if (!neg) return null;
    p.next();
    p.next();
    return neg;
  }
  const lit = literalOf(p.peek());
  if (lit) p.next();
  return lit;
}

function parseSingle(p: Parser): Pattern {
  const start = p.peek().start;
  const t = p.peek();
  if (t.kind === "ident" && t.text === "_") {
    p.next();
    return { kind: "wild", span: p.span(start) };
  }
  if (p.at("..") && !isLiteralStart(p, 1)) {
    p.next();
    return { kind: "rest", span: p.span(start) };
  }
  if (p.at("..") || p.at("..=")) {
    const inclusive = p.next().text === "..=";
    const end = patternLiteral(p);
    if (!end) p.fail(p.peek(), "expected a literal after `..` in a range pattern");
    return { kind: "range", end, inclusive, span: p.span(start) };
  }
  if (p.at("&") || p.at("&&")) {
    p.next();
    return parseSingle(p);
  }
  const lit = patternLiteral(p);
  if (lit) {
    if (p.at("..") || p.at("..=")) {
      const inclusive = p.next().text === "..=";
      const end = patternLiteral(p) ?? undefined;
      return { kind: "range", start: lit, end, inclusive, span: p.span(start) };
    }
    return { kind: "lit", value: lit, span: p.span(start) };
  }
  if (p.eat("(")) {
    const items = p.withNoStruct(false, () => patternList(p, ")"));
    if (items.length === 1 && !items.trailingComma && items[0].kind !== "rest") {
      return items[0];
    }
    return { kind: "tuple", items: [...items], span: p.span(start) };
  }
  if (p.eat("[")) {
    const items = p.withNoStruct(false, () => patternList(p, "]"));
    return { kind: "vec", items: [...items], span: p.span(start) };
  }
  if (p.at("#") && p.at("{", 1)) {
    p.next();
    p.next();
    return p.withNoStruct(false, () => objectPattern(p, start));
  }
  if (t.kind === "ident" && t.text === "mut" && p.peek(1).kind === "ident") {
    p.next();
    return parseSingle(p);
  }
  if (
    t.kind === "ident" || p.at("self") || p.at("Self") || p.at("crate") || p.at("super") ||
    p.at("::")
  ) {
    const path = parsePath(p, false);
    if (p.eat("(")) {
      const items = p.withNoStruct(false, () => patternList(p, ")"));
      return { kind: "tuplestruct", path, items: [...items], span: p.span(start) };
    }
    if (p.at("{")) {
      p.next();
      return p.withNoStruct(false, () => structPattern(p, path, start));
    }
    if (path.segments.length === 1 && !path.global && p.peek(-1).kind === "ident") {
      const name = path.segments[0];
      if (p.eat("@")) {
        const pat = parseSingle(p);
        return { kind: "at", name, pat, span: p.span(start) };
      }
      return { kind: "bind", name, span: name.span };
    }
    return { kind: "path", path, span: p.span(start) };
  }
  p.fail(t, `expected a pattern, found ${describeToken(t)}`);
}

function isLiteralStart(p: Parser, n: number): boolean {
  const t = p.peek(n);
  if (t.kind === "punct" && t.text === "-") return literalOf(p.peek(n + 1)) !== null;
  return t.kind !== "kw" && literalOf(t) !== null;
}

type PatternItems = Pattern[] & { trailingComma?: boolean };

function patternList(p: Parser, close: string): PatternItems {
  const items: PatternItems = [];
  while (!p.at(close)) {
    items.push(parsePattern(p, { allowOr: true }));
    if (!p.eat(",")) break;
    if (p.at(close)) items.trailingComma = true;
  }
  p.expect(close, "to close the pattern");
  return items;
}

function objectPattern(p: Parser, start: number): Pattern {
  const entries: { key: string; keySpan: { start: number; end: number }; pat?: Pattern }[] = [];
  let rest = false;
  while (!p.at("}")) {
    if (p.eat("..")) {
      rest = true;
      break;
    }
    const k = p.peek();
    let key: string;
    if (k.kind === "ident") key = k.text;
    else if (k.kind === "str") key = k.str!;
    else p.fail(k, `expected a field name in an object pattern, found ${describeToken(k)}`);
    p.next();
    const keySpan = { start: k.start, end: k.end };
    if (p.eat(":")) entries.push({ key, keySpan, pat: parsePattern(p, { allowOr: true }) });
    else if (k.kind === "ident") entries.push({ key, keySpan });
    else p.fail(p.peek(), "a quoted key in an object pattern needs `: pattern`");
    if (!p.eat(",")) break;
  }
  p.expect("}", "to close the object pattern");
  return { kind: "object", entries, rest, span: p.span(start) };
}

function structPattern(p: Parser, path: Path, start: number): Pattern {
  const fields: { name: Ident; pat?: Pattern }[] = [];
  let rest = false;
  while (!p.at("}")) {
    if (p.eat("..")) {
      rest = true;
      break;
    }
    const n = p.peek();
    if (n.kind !== "ident" && n.kind !== "int") {
      p.fail(n, `expected a field name, found ${describeToken(n)}`);
    }
    p.next();
    const name = {
      name: n.kind === "int" ? String(n.int) : n.text,
      span: { start: n.start, end: n.end },
    };
    if (p.eat(":")) fields.push({ name, pat: parsePattern(p, { allowOr: true }) });
    else fields.push({ name });
    if (!p.eat(",")) break;
  }
  p.expect("}", "to close the struct pattern");
  return { kind: "struct", path, fields, rest, span: p.span(start) };
}

/**
 * Parse a path: `a`, `a::b`, `::a`, `crate::a`, `Self::new`, with turbofish arguments
 * (`Vec::<i64>::new`, `Option::<i64>::None`, kept only for the last segment), in expressions and
 * patterns alike.
 */
export function parsePath(p: Parser, _exprGenerics: boolean): Path {
  const start = p.peek().start;
  const global = p.eat("::");
  const segments: Ident[] = [];
  let generics: string[] | undefined;
  for (;;) {
    const t = p.peek();
    const ok = t.kind === "ident" ||
      (t.kind === "kw" && ["self", "Self", "crate", "super"].includes(t.text));
    if (!ok) p.fail(t, `expected a name in a path, found ${describeToken(t)}`);
    p.next();
    segments.push({ name: t.text, span: { start: t.start, end: t.end } });
    generics = undefined;
    if (!p.at("::")) break;
    if (p.at("<", 1)) {
      p.next();
      generics = p.skipGenerics();
      if (!p.at("::")) break;
      p.next();
      continue;
    }
    const after = p.peek(1);
    if (
      after.kind === "ident" ||
      (after.kind === "kw" && ["self", "Self", "super"].includes(after.text))
    ) {
      p.next();
      continue;
    }
    break;
  }
  return { segments, global, span: p.span(start), ...(generics ? { generics } : {}) };
}
