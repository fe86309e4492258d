/**
 * Parsing items (`fn`, `const`, `struct`, `enum`, `impl`, `mod`, `use`) and attributes, and the
 * error recovery that skips a broken item and carries on with the next one.
 *
 * @module
 */
import type {
  Attribute,
  Block,
  ConstItem,
  FnItem,
  Ident,
  Item,
  Path,
  Pattern,
  StructBody,
  TraitConst,
  UseTree,
  Variant,
} from "./ast.ts";
import { parseExpr } from "./parse_expr.ts";
import { parseBlock } from "./parse_block.ts";
import { parsePath, parsePattern } from "./parse_pattern.ts";
import { ParseAbort, type Parser } from "./parser_core.ts";
import { describeToken } from "./token.ts";

/** Does an item (or its attributes or visibility) start here? */
export function startsItem(p: Parser): boolean {
  if (p.at("#") && p.at("[", 1)) return true;
  if (p.at("#") && p.at("!", 1) && p.at("[", 2)) return true;
  if (p.at("pub") || p.at("fn") || p.at("struct") || p.at("enum") || p.at("impl")) return true;
  if (p.at("mod") || p.at("use")) return true;
  if (p.atIdent("trait") && p.peek(1).kind === "ident") return true;
  if (p.atIdent("type") && p.peek(1).kind === "ident") return true;
  if (p.at("const") && (p.peek(1).kind === "ident" || p.at("fn", 1))) return true;
  if (p.at("async") && p.at("fn", 1)) return true;
  return false;
}

function ident(p: Parser, what: string): Ident {
  const t = p.ident(what);
  return { name: t.text, span: { start: t.start, end: t.end } };
}

function parseAttributes(p: Parser): Attribute[] {
  const attrs: Attribute[] = [];
  while (p.at("#") && (p.at("[", 1) || (p.at("!", 1) && p.at("[", 2)))) {
    const start = p.next().start;
    p.eat("!");
    p.expect("[");
    const name = p.ident("an attribute name");
    let args: string | undefined;
    let text: string | undefined;
    if (p.at("(")) {
      const open = p.next();
      let depth = 1;
      while (depth > 0) {
        const t = p.next();
        if (t.kind === "str" && text === undefined) text = t.str;
        if (t.kind === "eof") p.fail(open, "unclosed attribute arguments");
        if (t.kind === "punct" && (t.text === "(" || t.text === "[" || t.text === "{")) depth++;
        if (t.kind === "punct" && (t.text === ")" || t.text === "]" || t.text === "}")) depth--;
      }
      args = p.tokensText(open.end).replace(/\)$/, "");
    } else if (p.eat("=")) {
      p.next();
    }
    p.expect("]", "to close the attribute");
    attrs.push({
      name: name.text,
      span: p.span(start),
      ...(args !== undefined ? { args } : {}),
      ...(text !== undefined ? { text } : {}),
    });
  }
  return attrs;
}

/** Parse one item, attributes and visibility included. */
export function parseItem(p: Parser): Item {
  const start = p.peek().start;
  const attrs = parseAttributes(p);
  let isPub = false;
  if (p.eat("pub")) {
    isPub = true;
    if (p.at("(")) {
      // pub(crate), pub(super), pub(in path)
      p.next();
      while (!p.at(")") && p.peek().kind !== "eof") p.next();
      p.expect(")");
    }
  }
  const t = p.peek();
  if (t.kind === "ident" && t.text === "trait" && p.peek(1).kind === "ident") {
    return parseTrait(p, attrs, isPub, start);
  }
  if (t.kind === "ident" && t.text === "type" && p.peek(1).kind === "ident") {
    return parseTypeAlias(p, attrs, isPub, start);
  }
  if (t.kind === "kw") {
    switch (t.text) {
      case "async":
      case "fn":
        return parseFn(p, attrs, isPub, start);
      case "const":
        // `const fn` is an ordinary function here: nothing is evaluated at compile time.
        if (p.at("fn", 1)) return parseFn(p, attrs, isPub, start);
        return parseConst(p, attrs, isPub, start);
      case "struct": {
        p.next();
        const name = ident(p, "a struct name");
        if (p.at("<")) p.skipGenericParams();
        p.skipWhere();
        const body = structBody(p);
        if (body.kind === "tuple") p.skipWhere();
        if (body.kind !== "named") p.expect(";", "after the struct");
        return { kind: "struct", name, body, isPub, attrs, span: p.span(start) };
      }
      case "enum": {
        p.next();
        const name = ident(p, "an enum name");
        if (p.at("<")) p.skipGenericParams();
        p.skipWhere();
        p.expect("{", "to start the enum's variants");
        const variants: Variant[] = [];
        while (!p.at("}")) {
          parseAttributes(p);
          const vStart = p.peek().start;
          const vName = ident(p, "a variant name");
          const body = structBody(p);
          if (p.eat("=")) parseExpr(p);
          variants.push({ name: vName, body, span: p.span(vStart) });
          if (!p.eat(",")) break;
        }
        p.expect("}", "to close the enum");
        return { kind: "enum", name, variants, isPub, attrs, span: p.span(start) };
      }
      case "impl": {
        p.next();
        let typeParams: string[] | undefined;
        if (p.at("<") && !p.at("<", 1)) {
          const from = p.peek().start;
          p.skipGenericParams();
          // Only to explain a blanket impl (`impl<T> Trait for T`), which is not supported.
          typeParams = [...p.tokensText(from).matchAll(/[<,]\s*([\p{L}_][\p{L}\p{N}_]*)/gu)]
            .map((m) => m[1]);
        }
        p.eat("!");
        let target = implType(p);
        let trait: Path | undefined;
        if (p.eat("for")) {
          trait = target;
          target = implType(p);
        }
        p.skipWhere();
        p.expect("{", "to start the impl block");
        const fns: FnItem[] = [];
        const consts: ConstItem[] = [];
        while (!p.at("}")) {
          if (p.peek().kind === "eof") p.fail(p.peek(), "expected `}` to close the impl block");
          const fStart = p.peek().start;
          const fAttrs = parseAttributes(p);
          let fPub = false;
          if (p.eat("pub")) {
            fPub = true;
            if (p.at("(")) {
              while (!p.at(")") && p.peek().kind !== "eof") p.next();
              p.expect(")");
            }
          }
          if (p.at("const") && !p.at("fn", 1)) {
            consts.push(parseConst(p, fAttrs, fPub, fStart));
            continue;
          }
          if (skipAssociatedType(p)) continue;
          if (!p.at("fn") && !p.at("async") && !p.at("const")) {
            p.fail(p.peek(), `expected \`fn\` in the impl block, found ${describeToken(p.peek())}`);
          }
          fns.push(parseFn(p, fAttrs, fPub, fStart));
        }
        p.expect("}", "to close the impl block");
        return {
          kind: "impl",
          target,
          ...(trait ? { trait } : {}),
          ...(typeParams ? { typeParams } : {}),
          fns,
          consts,
          attrs,
          span: p.span(start),
        };
      }
      case "mod": {
        p.next();
        const name = ident(p, "a module name");
        if (p.eat(";")) {
          return {
            kind: "mod",
            name,
            items: [],
            external: true,
            isPub,
            attrs,
            span: p.span(start),
          };
        }
        p.expect("{", "to start the module");
        const items = parseItems(p, "}");
        p.expect("}", "to close the module");
        return { kind: "mod", name, items, isPub, attrs, span: p.span(start) };
      }
      case "use": {
        p.next();
        const tree = useTree(p, []);
        p.expect(";", "after the use declaration");
        return { kind: "use", tree, isPub, attrs, span: p.span(start) };
      }
    }
  }
  p.fail(
    t,
    `expected an item (fn, struct, enum, impl, const, mod, use), found ${describeToken(t)}`,
  );
}

function parseTypeAlias(p: Parser, attrs: Attribute[], isPub: boolean, start: number): Item {
  p.next();
  const name = ident(p, "a type name");
  if (p.at("<")) p.skipGenericParams();
  p.skipWhere();
  p.expect("=", "after the type alias's name");
  let target: Path | null = null;
  const t = p.peek();
  const named = t.kind === "ident" || p.at("&") || p.at("&&") || p.at("(") || p.at("[") ||
    p.at("crate") || p.at("self") || p.at("super") || p.at("::");
  if (named && !p.atIdent("dyn") && !p.atIdent("impl")) {
    target = implType(p);
    const last = target.segments[target.segments.length - 1].name;
    // Smart pointers name no type of their own here (`Box<dyn Fn()>` is a function).
    if (target.segments.length === 1 && /^(Box|Rc|Arc|RefCell|Cell)$/.test(last)) target = null;
  } else {
    p.skipType();
  }
  p.skipWhere();
  p.expect(";", "after the type alias");
  return { kind: "type", name, target, isPub, attrs, span: p.span(start) };
}

/**
 * The type an `impl` is for, or the trait it implements: a path with optional type arguments
 * (`Pair<A, B>`, `fmt::Display`, `Vec<T>`), or a built-in type written another way: `&str`,
 * `[T]`, tuples and `()` (which stand for `String`, `Vec` and `Tuple`).
 */
function implType(p: Parser): Path {
  const start = p.peek().start;
  if (p.eat("&") || p.eat("&&")) {
    if (p.peek().kind === "label") p.next();
    if (p.atIdent("mut")) p.next();
    return implType(p);
  }
  const builtin = (name: string): Path => {
    p.skipType();
    return { segments: [{ name, span: p.span(start) }], global: false, span: p.span(start) };
  };
  if (p.at("(")) return builtin("Tuple");
  if (p.at("[")) return builtin("Vec");
  const path = parsePath(p, false);
  if (p.at("<")) p.skipGenerics();
  else if (p.at("(") && /^Fn(Mut|Once)?$/.test(path.segments[path.segments.length - 1].name)) {
    p.next();
    while (!p.at(")")) {
      p.skipType();
      if (!p.eat(",")) break;
    }
    p.expect(")", "to close the parameter types");
    if (p.eat("->")) p.skipType();
  }
  return { ...path, span: p.span(start) };
}

function structBody(p: Parser): StructBody {
  if (p.eat("(")) {
    let count = 0;
    while (!p.at(")")) {
      p.eat("pub");
      p.skipType();
      count++;
      if (!p.eat(",")) break;
    }
    p.expect(")", "to close the tuple fields");
    return { kind: "tuple", count };
  }
  if (p.at("{")) {
    p.next();
    const fields: Ident[] = [];
    while (!p.at("}")) {
      parseAttributes(p);
      p.eat("pub");
      const f = ident(p, "a field name");
      if (fields.some((x) => x.name === f.name)) {
        p.report(f.span, `field \`${f.name}\` is declared twice`);
      }
      fields.push(f);
      if (p.eat(":")) p.skipType();
      if (!p.eat(",")) break;
    }
    p.expect("}", "to close the fields");
    return { kind: "named", fields };
  }
  return { kind: "unit" };
}

function parseTrait(p: Parser, attrs: Attribute[], isPub: boolean, start: number): Item {
  p.next();
  const name = ident(p, "a trait name");
  if (p.at("<")) p.skipGenericParams();
  // Supertraits are accepted and ignored.
  if (p.eat(":") && !p.at("{") && !p.atIdent("where")) p.skipBounds();
  p.skipWhere();
  p.expect("{", "to start the trait");
  const provided: FnItem[] = [];
  const required: FnItem[] = [];
  const consts: TraitConst[] = [];
  while (!p.at("}")) {
    if (p.peek().kind === "eof") p.fail(p.peek(), "expected `}` to close the trait");
    const fStart = p.peek().start;
    const fAttrs = parseAttributes(p);
    if (p.at("const") && !p.at("fn", 1)) {
      p.next();
      const cName = ident(p, "a constant name");
      if (p.eat(":")) p.skipType();
      const value = p.eat("=") ? parseExpr(p) : undefined;
      p.expect(";", "after the constant");
      consts.push({ name: cName, ...(value ? { value } : {}), span: p.span(fStart) });
      continue;
    }
    if (skipAssociatedType(p)) continue;
    if (!p.at("fn") && !p.at("async") && !p.at("const")) {
      p.fail(p.peek(), `expected \`fn\` in the trait, found ${describeToken(p.peek())}`);
    }
    const f = parseFn(p, fAttrs, true, fStart, true);
    if (f.declaration) required.push(f);
    else provided.push(f);
  }
  p.expect("}", "to close the trait");
  return { kind: "trait", name, provided, required, consts, isPub, attrs, span: p.span(start) };
}

function parseConst(p: Parser, attrs: Attribute[], isPub: boolean, start: number): ConstItem {
  p.expect("const");
  const name = ident(p, "a constant name");
  if (p.eat(":")) p.skipType();
  p.expect("=", "after the constant's name");
  const value = parseExpr(p);
  p.expect(";", "after the constant");
  return { kind: "const", name, value, isPub, attrs, span: p.span(start) };
}

/** `type Name = Type;` (or `type Name;` in a trait): associated types are accepted and ignored. */
function skipAssociatedType(p: Parser): boolean {
  if (!(p.atIdent("type") && p.peek(1).kind === "ident")) return false;
  p.next();
  p.next();
  if (p.at("<")) p.skipGenericParams();
  if (p.eat(":") && !p.at(";") && !p.at("=")) p.skipBounds();
  p.skipWhere();
  if (p.eat("=")) p.skipType();
  p.skipWhere();
  p.expect(";", "after the associated type");
  return true;
}

function parseFn(
  p: Parser,
  attrs: Attribute[],
  isPub: boolean,
  start: number,
  declaration = false,
): FnItem {
  p.eat("const");
  const isAsync = p.eat("async");
  p.expect("fn");
  const name = ident(p, "a function name");
  if (p.at("<")) p.skipGenericParams();
  p.expect("(", "to start the parameters");
  const params: Pattern[] = [];
  let hasSelf = false;
  while (!p.at(")")) {
    const lifetime = p.at("&") && p.peek(1).kind === "label" ? 1 : 0;
    const selfAhead = p.at("self") ||
      (p.at("&") &&
        (p.at("self", 1 + lifetime) ||
          (p.atIdent("mut", 1 + lifetime) && p.at("self", 2 + lifetime)))) ||
      (p.atIdent("mut") && p.at("self", 1));
    if (selfAhead) {
      if (params.length > 0 || hasSelf) p.fail(p.peek(), "`self` must be the first parameter");
      while (!p.at("self")) p.next();
      p.next();
      hasSelf = true;
    } else {
      params.push(parsePattern(p));
    }
    if (p.eat(":")) p.skipType();
    if (!p.eat(",")) break;
  }
  p.expect(")", "to close the parameters");
  if (p.eat("->")) p.skipType();
  p.skipWhere();
  if (declaration && p.eat(";")) {
    // A trait method without a default body.
    return {
      kind: "fn",
      name,
      params,
      hasSelf,
      body: { kind: "block", stmts: [], span: p.span(start) },
      isPub,
      isAsync,
      isGenerator: false,
      attrs,
      span: p.span(start),
      declaration: true,
    };
  }
  p.yields.push(false);
  let isGenerator = false;
  let body: Block;
  try {
    body = parseBlock(p);
  } finally {
    isGenerator = p.yields.pop() ?? false;
  }
  return {
    kind: "fn",
    name,
    params,
    hasSelf,
    body,
    isPub,
    isAsync,
    isGenerator,
    attrs,
    span: p.span(start),
  };
}

function useTree(p: Parser, prefix: Ident[]): UseTree {
  const start = p.peek().start;
  const path = [...prefix];
  p.eat("::");
  for (;;) {
    if (p.eat("*")) return { kind: "glob", path, span: p.span(start) };
    if (p.at("{")) {
      p.next();
      const items: UseTree[] = [];
      while (!p.at("}")) {
        items.push(useTree(p, []));
        if (!p.eat(",")) break;
      }
      p.expect("}", "to close the use group");
      return { kind: "group", path, items, span: p.span(start) };
    }
    const t = p.peek();
    if (
      t.kind !== "ident" &&
      !(t.kind === "kw" && ["self", "crate", "super", "Self"].includes(t.text))
    ) {
      p.fail(t, `expected a name in the use path, found ${describeToken(t)}`);
    }
    p.next();
    path.push({ name: t.text, span: { start: t.start, end: t.end } });
    if (p.eat("::")) continue;
    let alias: Ident | undefined;
    if (p.eat("as")) alias = ident(p, "an alias");
    return { kind: "name", path, alias, span: p.span(start) };
  }
}

/**
 * Parse items until `close` (or end of file), recovering from errors: a broken item is
 * reported once and skipped to its end, and parsing continues with the next item.
 */
export function parseItems(p: Parser, close: string | null): Item[] {
  const items: Item[] = [];
  for (;;) {
    if (p.peek().kind === "eof") return items;
    if (close !== null && p.at(close)) return items;
    if (p.eat(";")) continue;
    const startPos = p.pos;
    try {
      items.push(parseItem(p));
    } catch (e) {
      if (!(e instanceof ParseAbort)) throw e;
      p.depth = 0;
      p.noStruct = false;
      p.yields.length = 0;
      recover(p, startPos);
    }
  }
}

/** Skip to the end of the item that began at token `startPos` (brace-matched). */
function recover(p: Parser, startPos: number): void {
  const failedAt = p.pos;
  let depth = 0;
  let i = startPos;
  const tokens = p.tokens;
  for (; i < tokens.length - 1; i++) {
    const t = tokens[i];
    if (t.kind !== "punct") continue;
    if (t.text === "{" || t.text === "(" || t.text === "[") depth++;
    else if (t.text === "}" || t.text === ")" || t.text === "]") {
      depth--;
      if (depth <= 0 && t.text === "}") {
        i++;
        break;
      }
      if (depth < 0) break;
    } else if (t.text === ";" && depth === 0) {
      i++;
      break;
    }
  }
  if (depth <= 0) {
    p.pos = Math.min(Math.max(i, startPos + 1), tokens.length - 1);
    return;
  }
  // Unbalanced to the end of the file: resume after the point of failure, at the next token that
  // can start an item.
  p.pos = Math.min(Math.max(failedAt + 1, startPos + 1), tokens.length - 1);
  while (p.peek().kind !== "eof" && !startsItem(p)) p.next();
}
