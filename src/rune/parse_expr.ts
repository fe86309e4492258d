/**
 * Parsing expressions with Rust's precedence: assignment, ranges, binary and unary operators,
 * postfix calls, fields, indexing and `?`, and primary expressions.
 *
 * @module
 */
import type { AssignOp, BinaryOp, Expr, Ident } from "./ast.ts";
import {
  parseBlock,
  parseClosure,
  parseIf,
  parseLoop,
  parseMatch,
  parseSelect,
} from "./parse_block.ts";
import {
  looksLikeStructLit,
  objectLiteral,
  parenOrTuple,
  parseMacro,
  structLiteral,
  template,
} from "./parse_literal.ts";
import { literalOf, parsePath } from "./parse_pattern.ts";
import { ParseAbort, type Parser } from "./parser_core.ts";
import { describeToken, type Token } from "./token.ts";

const ASSIGN_OPS = new Set(["=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|="]);

/** Binding power of binary operators (higher binds tighter). */
const BINARY: Record<string, number> = {
  "||": 1,
  "&&": 2,
  "==": 3,
  "!=": 3,
  "<": 3,
  "<=": 3,
  ">": 3,
  ">=": 3,
  "|": 4,
  "^": 5,
  "&": 6,
  "<<": 7,
  ">>": 7,
  "+": 8,
  "-": 8,
  "*": 9,
  "/": 9,
  "%": 9,
};
const COMPARISON = 3;

/** Parse an expression (assignments included). */
export function parseExpr(p: Parser): Expr {
  return p.nested(() => parseAssign(p));
}

/** Parse an expression in a position where `Path {` is not a struct literal. */
export function parseCondExpr(p: Parser): Expr {
  return p.withNoStruct(true, () => parseExpr(p));
}

function parseAssign(p: Parser): Expr {
  const start = p.peek().start;
  const left = parseRange(p);
  const t = p.peek();
  if (t.kind === "punct" && ASSIGN_OPS.has(t.text)) {
    p.next();
    const value = p.nested(() => parseAssign(p));
    return { kind: "assign", op: t.text as AssignOp, target: left, value, span: p.span(start) };
  }
  return left;
}

/** Can an expression start at the current token? */
export function startsExpr(p: Parser): boolean {
  const t = p.peek();
  switch (t.kind) {
    case "eof":
      return false;
    case "punct":
      return ["(", "[", "{", "-", "!", "*", "&", "&&", "|", "||", "#", "..", "::"].includes(t.text);
    case "kw":
      return !["else", "as", "is", "in"].includes(t.text);
    default:
      return true;
  }
}

function parseRange(p: Parser): Expr {
  const start = p.peek().start;
  if (p.at("..") || p.at("..=")) {
    const inclusive = p.next().text === "..=";
    const end = startsExpr(p) && !(p.noStruct && p.at("{")) ? parseBinary(p, 1) : undefined;
    return { kind: "range", end, inclusive, span: p.span(start) };
  }
  const left = parseBinary(p, 1);
  if (p.at("..") || p.at("..=")) {
    const inclusive = p.next().text === "..=";
    const end = startsExpr(p) && !(p.noStruct && p.at("{")) ? parseBinary(p, 1) : undefined;
    return { kind: "range", start: left, end, inclusive, span: p.span(start) };
  }
  return left;
}

function parseBinary(p: Parser, minPower: number): Expr {
  const start = p.peek().start;
  let left = parseUnary(p);
  for (;;) {
    const t = p.peek();
    if (t.kind === "kw" && t.text === "is" && COMPARISON >= minPower) {
      p.next();
      const negated = p.eat("not");
      const type = parsePath(p, true);
      left = { kind: "is", expr: left, type, negated, span: p.span(start) };
      continue;
    }
    if (t.kind !== "punct") return left;
    const power = BINARY[t.text];
    if (power === undefined || power < minPower) return left;
    p.next();
    const right = p.nested(() => parseBinary(p, power === COMPARISON ? power + 1 : power + 1));
    left = { kind: "binary", op: t.text as BinaryOp, left, right, span: p.span(start) };
    if (power === COMPARISON && p.peek().kind === "punct" && BINARY[p.peek().text] === COMPARISON) {
      p.fail(p.peek(), "comparison operators cannot be chained", "use parentheses or `&&`");
    }
  }
}

function parseUnary(p: Parser): Expr {
  const start = p.peek().start;
  const t = p.peek();
  if (
    t.kind === "punct" && (t.text === "-" || t.text === "!" || t.text === "*" || t.text === "&")
  ) {
    p.next();
    if (t.text === "&" && p.atIdent("mut")) p.next();
    const operand = p.nested(() => parseUnary(p));
    if (t.text === "-" && operand.kind === "lit") {
      if (operand.value.t === "int") {
        return { kind: "lit", value: { t: "int", v: -operand.value.v }, span: p.span(start) };
      }
      if (operand.value.t === "float") {
        return { kind: "lit", value: { t: "float", v: -operand.value.v }, span: p.span(start) };
      }
    }
    return { kind: "unary", op: t.text, operand, span: p.span(start) };
  }
  if (t.kind === "punct" && t.text === "&&") {
    // `&&x` is two borrows, both ignored.
    p.next();
    return p.nested(() => parseUnary(p));
  }
  let expr = parsePostfix(p, parsePrimary(p), start);
  while (p.at("as")) {
    p.next();
    const type = parsePath(p, true);
    expr = { kind: "as", expr, type, span: p.span(start) };
  }
  return expr;
}

/** Parse `.field`, `.method()`, `.await`, calls, indexing and `?` after an expression. */
export function parsePostfix(p: Parser, expr: Expr, start: number): Expr {
  for (;;) {
    if (p.at(".")) {
      p.next();
      const t = p.peek();
      if (t.kind === "kw" && t.text === "await") {
        p.next();
        expr = { kind: "await", expr, span: p.span(start) };
        continue;
      }
      if (t.kind === "int" && !t.suffix) {
        p.next();
        expr = field(expr, String(t.int), t, p.span(start));
        continue;
      }
      if (t.kind === "float" && /^\d+\.\d+$/.test(t.text)) {
        // `t.0.1` lexes as `t` `.` `0.1`.
        p.next();
        const [a, b] = t.text.split(".");
        const dot = t.start + a.length;
        expr = field(expr, a, { ...t, end: dot }, { start, end: dot });
        expr = field(expr, b, { ...t, start: dot + 1 }, p.span(start));
        continue;
      }
      if (t.kind !== "ident" && !(t.kind === "kw" && (t.text === "self" || t.text === "Self"))) {
        p.fail(t, `expected a field or method name after \`.\`, found ${describeToken(t)}`);
      }
      p.next();
      const name: Ident = { name: t.text, span: { start: t.start, end: t.end } };
      let generics: string[] | undefined;
      if (p.at("::") && p.at("<", 1)) {
        p.next();
        generics = p.skipGenerics();
      }
      if (p.at("(")) {
        const args = parseArgs(p);
        expr = {
          kind: "method",
          receiver: expr,
          name,
          args,
          span: p.span(start),
          ...(generics ? { generics } : {}),
        };
      } else {
        if (generics) p.fail(p.peek(), "expected `(` after a method's type arguments");
        expr = { kind: "field", target: expr, name, span: p.span(start) };
      }
      continue;
    }
    if (p.at("(")) {
      const args = parseArgs(p);
      expr = { kind: "call", callee: expr, args, span: p.span(start) };
      continue;
    }
    if (p.at("[")) {
      p.next();
      const index = p.withNoStruct(false, () => parseExpr(p));
      p.expect("]", "to close the index");
      expr = { kind: "index", target: expr, index, span: p.span(start) };
      continue;
    }
    if (p.at("?")) {
      p.next();
      expr = { kind: "try", expr, span: p.span(start) };
      continue;
    }
    return expr;
  }
}

function field(target: Expr, name: string, t: Token, span: { start: number; end: number }): Expr {
  return { kind: "field", target, name: { name, span: { start: t.start, end: t.end } }, span };
}

function parseArgs(p: Parser): Expr[] {
  p.expect("(");
  return p.withNoStruct(false, () => {
    const args: Expr[] = [];
    while (!p.at(")")) {
      args.push(parseExpr(p));
      if (!p.eat(",")) break;
    }
    p.expect(")", "to close the argument list");
    return args;
  });
}

/** Parse a primary expression (literal, path, group, block-like, …). */
export function parsePrimary(p: Parser): Expr {
  const start = p.peek().start;
  const t = p.peek();
  const lit = literalOf(t);
  if (lit && t.kind !== "template") {
    p.next();
    return { kind: "lit", value: lit, span: p.span(start) };
  }
  switch (t.kind) {
    case "template":
      p.next();
      return template(p, t);
    case "label": {
      p.next();
      p.expect(":", "after the label");
      const label: Ident = { name: t.str!, span: { start: t.start, end: t.end } };
      if (p.at("loop") || p.at("while") || p.at("for")) return parseLoop(p, label, start);
      if (p.at("{")) return { ...parseBlock(p), label, span: p.span(start) };
      p.fail(p.peek(), "expected `loop`, `while`, `for` or a block after a label");
      break;
    }
    case "punct":
      switch (t.text) {
        case "(":
          return parenOrTuple(p, start);
        case "[": {
          p.next();
          const items = p.withNoStruct(false, () => {
            const out: Expr[] = [];
            while (!p.at("]")) {
              out.push(parseExpr(p));
              if (!p.eat(",")) break;
            }
            return out;
          });
          p.expect("]", "to close the vector");
          return { kind: "vec", items, span: p.span(start) };
        }
        case "#":
          if (p.at("{", 1)) {
            p.next();
            p.next();
            return p.withNoStruct(false, () => objectLiteral(p, start));
          }
          break;
        case "{":
          return p.withNoStruct(false, () => parseBlock(p));
        case "|":
        case "||":
          return parseClosure(p, start, false, false);
        case "::":
          return pathExpr(p, start);
      }
      break;
    case "kw":
      switch (t.text) {
        case "if":
          return parseIf(p);
        case "match":
          return parseMatch(p);
        case "loop":
        case "while":
        case "for":
          return parseLoop(p, undefined, start);
        case "break": {
          p.next();
          let label: Ident | undefined;
          const l = p.peek();
          if (l.kind === "label") {
            p.next();
            label = { name: l.str!, span: { start: l.start, end: l.end } };
          }
          const value = startsExpr(p) && !(p.noStruct && p.at("{")) ? parseExpr(p) : undefined;
          return { kind: "break", label, value, span: p.span(start) };
        }
        case "continue": {
          p.next();
          let label: Ident | undefined;
          const l = p.peek();
          if (l.kind === "label") {
            p.next();
            label = { name: l.str!, span: { start: l.start, end: l.end } };
          }
          return { kind: "continue", label, span: p.span(start) };
        }
        case "return": {
          p.next();
          const value = startsExpr(p) ? parseExpr(p) : undefined;
          return { kind: "return", value, span: p.span(start) };
        }
        case "yield": {
          p.next();
          if (p.yields.length > 0) p.yields[p.yields.length - 1] = true;
          const value = startsExpr(p) ? parseExpr(p) : undefined;
          return { kind: "yield", value, span: p.span(start) };
        }
        case "move":
          p.next();
          return parseClosure(p, start, true, false);
        case "async":
          p.next();
          if (p.at("{")) return { ...parseBlock(p), isAsync: true, span: p.span(start) };
          if (p.eat("move")) return parseClosure(p, start, true, true);
          return parseClosure(p, start, false, true);
        case "self":
        case "Self":
        case "crate":
        case "super":
          return pathExpr(p, start);
        case "let":
          p.fail(t, "`let` is only allowed as a statement or in `if let` / `while let`");
          break;
        case "select":
          return parseSelect(p);
      }
      break;
    case "ident":
      return pathExpr(p, start);
  }
  p.fail(t, `expected an expression, found ${describeToken(t)}`);
}

function pathExpr(p: Parser, start: number): Expr {
  const path = parsePath(p, true);
  if (
    p.at("!") && path.segments.length === 1 && !path.global &&
    (p.at("(", 1) || p.at("[", 1) || p.at("{", 1))
  ) {
    p.next();
    return parseMacro(p, path.segments[0], start);
  }
  if (p.at("{") && !p.noStruct && looksLikeStructLit(p, path)) {
    return structLiteral(p, path, start);
  }
  return { kind: "path", path, span: p.span(start) };
}

export { ParseAbort };
