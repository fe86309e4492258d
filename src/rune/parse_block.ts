/**
 * Parsing blocks and statements, and the block-like expressions: closures, `if`/`if let`,
 * `match`, `loop`/`while`/`for`.
 *
 * @module
 */
import type { Block, Condition, Expr, Ident, MatchArm, Pattern, SelectArm, Stmt } from "./ast.ts";
import { parseItem, startsItem } from "./parse_item.ts";
import { parseCondExpr, parseExpr, parsePostfix, parsePrimary } from "./parse_expr.ts";
import { parsePattern } from "./parse_pattern.ts";
import type { Parser } from "./parser_core.ts";
import { describeToken } from "./token.ts";

export function parseClosure(p: Parser, start: number, isMove: boolean, isAsync: boolean): Expr {
  const params: Pattern[] = [];
  if (p.eat("||")) {
    // no parameters
  } else {
    p.expect("|", "to start the closure's parameters");
    while (!p.at("|")) {
      params.push(parsePattern(p));
      if (p.eat(":")) p.skipType();
      if (!p.eat(",")) break;
    }
    p.expect("|", "to close the closure's parameters");
  }
  p.yields.push(false);
  let body: Expr;
  try {
    if (p.eat("->")) {
      p.skipType();
      body = parseBlock(p);
    } else {
      body = p.withNoStruct(false, () => parseExpr(p));
    }
  } finally {
    p.yields.pop();
  }
  return { kind: "closure", params, body, isMove, isAsync, span: p.span(start) };
}

function parseCondition(p: Parser): Condition {
  const start = p.peek().start;
  if (p.eat("let")) {
    const pat = parsePattern(p, { allowOr: true });
    p.expect("=", "in `let` condition");
    const expr = parseCondExpr(p);
    return { kind: "letcond", pat, expr, span: p.span(start) };
  }
  return parseCondExpr(p);
}

export function parseIf(p: Parser): Expr {
  const start = p.peek().start;
  p.expect("if");
  const cond = parseCondition(p);
  const then = parseBlock(p);
  if (!p.eat("else")) return { kind: "if", cond, then, span: p.span(start) };
  if (p.at("if")) {
    const elseIf = parseIf(p) as Extract<Expr, { kind: "if" }>;
    return { kind: "if", cond, then, else: elseIf, span: p.span(start) };
  }
  const otherwise = parseBlock(p);
  return { kind: "if", cond, then, else: otherwise, span: p.span(start) };
}

export function parseMatch(p: Parser): Expr {
  const start = p.peek().start;
  p.expect("match");
  const scrutinee = parseCondExpr(p);
  p.expect("{", "to start the match arms");
  const arms: MatchArm[] = [];
  p.withNoStruct(false, () => {
    while (!p.at("}")) {
      const armStart = p.peek().start;
      const pat = parsePattern(p, { allowOr: true });
      const guard = p.eat("if") ? parseExpr(p) : undefined;
      p.expect("=>", "after the match pattern");
      const blockLike = p.at("{");
      const body = parseExpr(p);
      arms.push({ pat, guard, body, span: p.span(armStart) });
      if (!p.eat(",") && !blockLike && !p.at("}")) {
        p.fail(
          p.peek(),
          `expected \`,\` or \`}\` after the match arm, found ${describeToken(p.peek())}`,
        );
      }
    }
  });
  p.expect("}", "to close the match");
  return { kind: "match", scrutinee, arms, span: p.span(start) };
}

/** `select { pat = future => body, …, default => body }`. */
export function parseSelect(p: Parser): Expr {
  const start = p.peek().start;
  p.expect("select");
  p.expect("{", "to start the select branches");
  const arms: SelectArm[] = [];
  let otherwise: Expr | undefined;
  p.withNoStruct(false, () => {
    while (!p.at("}")) {
      const armStart = p.peek().start;
      const t = p.peek();
      let pat: Pattern | null = null;
      let future: Expr | null = null;
      if (t.kind === "ident" && t.text === "default" && p.at("=>", 1)) {
        p.next();
        if (otherwise) p.fail(t, "a `select` has at most one `default` branch");
      } else {
        pat = parsePattern(p, { allowOr: true });
        p.expect("=", "after the select pattern", "write `pattern = future => body`");
        future = p.withNoStruct(true, () => parseExpr(p));
      }
      p.expect("=>", "after the select branch's future");
      const blockLike = p.at("{");
      const body = parseExpr(p);
      if (pat && future) arms.push({ pat, future, body, span: p.span(armStart) });
      else otherwise = body;
      if (!p.eat(",") && !blockLike && !p.at("}")) {
        p.fail(
          p.peek(),
          `expected \`,\` or \`}\` after the select branch, found ${describeToken(p.peek())}`,
        );
      }
    }
  });
  p.expect("}", "to close the select");
  return { kind: "select", arms, default: otherwise, span: p.span(start) };
}

export function parseLoop(p: Parser, label: Ident | undefined, start: number): Expr {
  const t = p.next();
  if (t.text === "loop") {
    const body = parseBlock(p);
    return { kind: "loop", label, body, span: p.span(start) };
  }
  if (t.text === "while") {
    const cond = parseCondition(p);
    const body = parseBlock(p);
    return { kind: "while", label, cond, body, span: p.span(start) };
  }
  const pat = parsePattern(p, { allowOr: true });
  p.expect("in", "after the `for` pattern");
  const iter = parseCondExpr(p);
  const body = parseBlock(p);
  return { kind: "for", label, pat, iter, body, span: p.span(start) };
}

function isBlockLike(e: Expr): boolean {
  return ["block", "if", "match", "loop", "while", "for", "select"].includes(e.kind);
}

function startsBlockLike(p: Parser): boolean {
  if (p.peek().kind === "label") return true;
  return p.at("{") || p.at("if") || p.at("match") || p.at("loop") || p.at("while") ||
    p.at("for") || p.at("select") || (p.at("async") && p.at("{", 1));
}

/** Parse `{ statements; tail }`. */
export function parseBlock(p: Parser): Block {
  return p.nested(() =>
    p.withNoStruct(false, () => {
      const start = p.peek().start;
      p.expect("{", "to start a block");
      const stmts: Stmt[] = [];
      let tail: Expr | undefined;
      while (!p.at("}")) {
        if (p.peek().kind === "eof") p.fail(p.peek(), "expected `}` to close the block");
        if (p.eat(";")) continue;
        if (tail) {
          // The previous expression had no `;` and was not block-like.
          p.fail(p.peek(), `expected \`;\` or \`}\`, found ${describeToken(p.peek())}`);
        }
        const s = parseStmt(p);
        if (s.kind === "expr" && !s.semi && !isBlockLike(s.expr)) tail = s.expr;
        else if (s.kind === "expr" && !s.semi && p.at("}")) tail = s.expr;
        else stmts.push(s);
      }
      p.expect("}");
      return { kind: "block", stmts, tail, span: p.span(start) } as Block;
    })
  );
}

function parseStmt(p: Parser): Stmt {
  const start = p.peek().start;
  if (startsItem(p)) {
    const item = parseItem(p);
    return { kind: "item", item, span: p.span(start) };
  }
  if (p.eat("let")) {
    const pat = parsePattern(p, { allowOr: false });
    if (p.eat(":")) p.skipType();
    let init: Expr | undefined;
    let otherwise: Block | undefined;
    if (p.eat("=")) {
      init = parseExpr(p);
      if (p.eat("else")) otherwise = parseBlock(p);
    }
    p.expect(";", "after the `let` statement");
    return { kind: "let", pat, init, else: otherwise, span: p.span(start) };
  }
  if (startsBlockLike(p)) {
    let expr = parseExpr0BlockLike(p);
    if (p.at(".") || p.at("?")) {
      expr = parsePostfixContinue(p, expr, start);
      const semi = p.eat(";");
      if (!semi && !p.at("}")) p.expect(";", "after the expression");
      return { kind: "expr", expr, semi, span: p.span(start) };
    }
    const semi = p.eat(";");
    return { kind: "expr", expr, semi, span: p.span(start) };
  }
  const expr = parseExpr(p);
  const semi = p.eat(";");
  if (!semi && !p.at("}")) {
    p.fail(
      p.peek(),
      `expected \`;\` or \`}\` after the expression, found ${describeToken(p.peek())}`,
      "end the statement with `;`",
    );
  }
  return { kind: "expr", expr, semi, span: p.span(start) };
}

function parseExpr0BlockLike(p: Parser): Expr {
  return p.nested(() => parsePrimary(p));
}

function parsePostfixContinue(p: Parser, expr: Expr, start: number): Expr {
  return parsePostfix(p, expr, start);
}
