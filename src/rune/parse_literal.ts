/**
 * Parsing the composite literals (tuples and parentheses, objects, struct literals, template
 * strings) and macro calls.
 *
 * @module
 */
import type { Expr, Ident, MacroArg, Path } from "./ast.ts";
import { parseExpr } from "./parse_expr.ts";
import { parsePattern } from "./parse_pattern.ts";
import { Parser } from "./parser_core.ts";
import { describeToken, type Token } from "./token.ts";

export function template(p: Parser, t: Token): Expr {
  const parts: (string | Expr)[] = [];
  for (const part of t.parts!) {
    if ("text" in part) {
      parts.push(part.text);
      continue;
    }
    const sub = new Parser(part.tokens, p.diagnostics);
    sub.depth = p.depth;
    if (sub.peek().kind === "eof") {
      p.fail({ start: part.start - 2, end: part.end + 1 }, "empty `${}` in a template string");
    }
    const expr = parseExpr(sub);
    if (sub.peek().kind !== "eof") {
      sub.fail(
        sub.peek(),
        `expected \`}\` to close the template expression, found ${describeToken(sub.peek())}`,
      );
    }
    parts.push(expr);
  }
  return { kind: "template", parts, span: { start: t.start, end: t.end } };
}

export function parenOrTuple(p: Parser, start: number): Expr {
  p.next();
  return p.withNoStruct(false, () => {
    if (p.eat(")")) return { kind: "tuple", items: [], span: p.span(start) } as Expr;
    const first = parseExpr(p);
    if (p.eat(")")) return { kind: "paren", expr: first, span: p.span(start) } as Expr;
    const items = [first];
    p.expect(",", "or `)` after the expression");
    while (!p.at(")")) {
      items.push(parseExpr(p));
      if (!p.eat(",")) break;
    }
    p.expect(")", "to close the tuple");
    return { kind: "tuple", items, span: p.span(start) } as Expr;
  });
}

export function objectLiteral(p: Parser, start: number): Expr {
  const entries: { key: string; keySpan: { start: number; end: number }; value?: Expr }[] = [];
  while (!p.at("}")) {
    const k = p.peek();
    let key: string;
    if (k.kind === "ident") key = k.text;
    else if (k.kind === "str") key = k.str!;
    else if (k.kind === "int") key = String(k.int);
    else p.fail(k, `expected an object key, found ${describeToken(k)}`);
    p.next();
    const keySpan = { start: k.start, end: k.end };
    if (p.eat(":")) entries.push({ key, keySpan, value: parseExpr(p) });
    else if (k.kind === "ident") entries.push({ key, keySpan });
    else p.fail(p.peek(), "expected `:` after a quoted object key");
    if (!p.eat(",")) break;
  }
  p.expect("}", "to close the object");
  return { kind: "object", entries, span: p.span(start) };
}

/** `Foo { a: 1 }` / `Foo { a }` / `Foo {}` / `Foo { ..base }` — not a block following a variable. */
export function looksLikeStructLit(p: Parser, path: Path): boolean {
  const last = path.segments[path.segments.length - 1].name;
  const upper = /^\p{Lu}/u.test(last);
  if (p.at("}", 1)) return upper;
  if (p.at("..", 1)) return upper; // `Foo { ..base }`
  const t1 = p.peek(1);
  if (t1.kind !== "ident" && t1.kind !== "int") return false;
  if (p.at(":", 2)) return true;
  if ((p.at(",", 2) || p.at("}", 2)) && upper) return true;
  return false;
}

export function structLiteral(p: Parser, path: Path, start: number): Expr {
  p.expect("{");
  const fields: { name: Ident; value?: Expr }[] = [];
  let base: Expr | undefined;
  p.withNoStruct(false, () => {
    while (!p.at("}")) {
      if (p.eat("..")) {
        // Struct update syntax: the rest of the fields come from another value; it ends the list.
        base = parseExpr(p);
        break;
      }
      const n = p.peek();
      if (n.kind !== "ident" && n.kind !== "int") {
        p.fail(n, `expected a field name, found ${describeToken(n)}`);
      }
      p.next();
      const name: Ident = {
        name: n.kind === "int" ? String(n.int) : n.text,
        span: { start: n.start, end: n.end },
      };
      if (p.eat(":")) fields.push({ name, value: parseExpr(p) });
      else fields.push({ name });
      if (!p.eat(",")) break;
    }
  });
  if (base) p.expect("}", "after `..base`", "`..base` comes last in a struct literal");
  else p.expect("}", "to close the struct literal");
  return { kind: "structlit", path, fields, base, span: p.span(start) };
}

const FORMAT_MACROS = new Set([
  "println",
  "print",
  "eprintln",
  "eprint",
  "format",
  "panic",
  "unreachable",
  "todo",
]);

export function parseMacro(p: Parser, name: Ident, start: number): Expr {
  const open = p.next().text;
  const close = open === "(" ? ")" : open === "[" ? "]" : "}";
  return p.withNoStruct(false, () => {
    const args: MacroArg[] = [];
    if (name.name === "matches") {
      const value = parseExpr(p);
      p.expect(",", "between the value and the pattern of matches!");
      const pattern = parsePattern(p, { allowOr: true });
      const guard = p.eat("if") ? parseExpr(p) : undefined;
      p.eat(",");
      p.expect(close, "to close the macro");
      return {
        kind: "macro",
        name,
        args: [{ value }],
        pattern,
        span: p.span(start),
        ...(guard ? { guard } : {}),
      } as Expr;
    }
    while (!p.at(close)) {
      if (FORMAT_MACROS.has(name.name) || args.length > 0) {
        const t = p.peek();
        if (t.kind === "ident" && p.at("=", 1)) {
          p.next();
          p.next();
          args.push({
            name: { name: t.text, span: { start: t.start, end: t.end } },
            value: parseExpr(p),
          });
          if (!p.eat(",")) break;
          continue;
        }
      }
      args.push({ value: parseExpr(p) });
      if (!p.eat(",")) break;
    }
    p.expect(close, "to close the macro arguments");
    return { kind: "macro", name, args, span: p.span(start) } as Expr;
  });
}
