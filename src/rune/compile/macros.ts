/**
 * The built-in macros: `println!`, `print!`, `eprintln!`, `eprint!`, `format!`, `panic!`,
 * `assert!`, `assert_eq!`, `assert_ne!`, `matches!`, `dbg!`, `unreachable!`, `todo!`. Format
 * strings are parsed here, at compile time, so a bad placeholder is a compile error.
 *
 * @module
 */
import type { Expr, MacroArg } from "../ast.ts";
import { parseFormatString } from "../format_string.ts";
import type { Compiler } from "./compiler.ts";
import { expr } from "./expr.ts";
import { cond } from "./operators.ts";
import { pathValue } from "./calls.ts";
import { patternTest } from "./pattern.ts";

type MacroExpr = Extract<Expr, { kind: "macro" }>;

/** Compile a format string and its arguments to a JavaScript string expression. */
function format(c: Compiler, e: MacroExpr, args: MacroArg[]): string {
  if (args.length === 0) return '""';
  const first = args[0];
  if (first.name || first.value.kind !== "lit" || first.value.value.t !== "str") {
    c.error(
      first.value.span,
      `\`${e.name.name}!\` needs a string literal as its first argument`,
      'write `{}` placeholders: `println!("{}", value)`',
    );
    return '""';
  }
  const text = first.value.value.v;
  const parsed = parseFormatString(text);
  if (parsed.error) {
    c.error(first.value.span, parsed.error.message, "write `{{` and `}}` for literal braces");
    return '""';
  }
  const positional = args.slice(1).filter((a) => !a.name);
  const named = new Map(args.slice(1).filter((a) => a.name).map((a) => [a.name!.name, a]));
  if (args.slice(1).some((a, i) => !a.name && args.slice(1, i + 1).some((b) => b.name))) {
    c.error(e.span, "positional arguments must come before named arguments");
  }
  // Which arguments each placeholder uses, in order, and how often.
  const refs: { key: string; expr: Expr; spec: (typeof parsed.pieces)[number] }[] = [];
  let next = 0;
  const used = new Set<string>();
  for (const piece of parsed.pieces) {
    if (typeof piece === "string") continue;
    let key: string;
    let value: Expr | undefined;
    if (piece.arg.kind === "next" || piece.arg.kind === "index") {
      const i = piece.arg.kind === "next" ? next++ : piece.arg.index;
      key = `#${i}`;
      value = positional[i]?.value;
      if (!value) {
        c.error(
          first.value.span,
          `the format string needs argument ${i} but only ${positional.length} ${
            positional.length === 1 ? "was" : "were"
          } given`,
        );
        return '""';
      }
    } else {
      key = piece.arg.name;
      value = named.get(piece.arg.name)?.value ??
        {
          kind: "path",
          path: {
            segments: [{ name: piece.arg.name, span: first.value.span }],
            global: false,
            span: first.value.span,
          },
          span: first.value.span,
        };
    }
    used.add(key);
    refs.push({ key, expr: value, spec: piece });
  }
  positional.forEach((a, i) => {
    if (!used.has(`#${i}`)) c.error(a.value.span, "argument never used in the format string");
  });
  for (const [name, a] of named) {
    if (!used.has(name)) c.error(a.value.span, "named argument never used in the format string");
  }
  // Evaluate every argument once, in the order written.
  const order: { key: string; expr: Expr }[] = [];
  positional.forEach((a, i) => order.push({ key: `#${i}`, expr: a.value }));
  for (const [name, a] of named) order.push({ key: name, expr: a.value });
  for (const r of refs) {
    if (!order.some((o) => o.key === r.key)) order.push({ key: r.key, expr: r.expr });
  }
  const counts = new Map<string, number>();
  for (const r of refs) counts.set(r.key, (counts.get(r.key) ?? 0) + 1);
  const values = c.list(
    order,
    (
      o,
    ) => (o.expr.kind === "path" && o.key !== "" && !o.key.startsWith("#") && !named.has(o.key)
      ? pathValue(c, o.expr.path)
      : expr(c, o.expr)),
  );
  const valueOf = new Map<string, string>();
  order.forEach((o, i) =>
    valueOf.set(o.key, (counts.get(o.key) ?? 0) > 1 ? c.stable(values[i]) : values[i])
  );
  const parts: string[] = [];
  let r = 0;
  for (const piece of parsed.pieces) {
    if (typeof piece === "string") {
      parts.push(JSON.stringify(piece));
      continue;
    }
    const v = valueOf.get(refs[r++].key)!;
    const spec = piece.spec;
    const plain = spec.fill === undefined && spec.align === undefined && spec.sign === undefined &&
      !spec.alternate && !spec.zero && spec.width === undefined && spec.precision === undefined;
    if (plain && spec.type === "") parts.push(`$display(${v})`);
    else if (plain && spec.type === "?") parts.push(`$debug(${v})`);
    else parts.push(`${c.prog.spec(spec)}(${v})`);
  }
  if (parts.length === 0) return '""';
  // Three or more pieces are joined into one flat string: chains of `+` make V8 keep a tree of
  // pieces, which costs memory and collection time when the string is kept.
  return parts.length <= 2 ? parts.join(" + ") : `$cat([${parts.join(", ")}])`;
}

function sourceText(c: Compiler, e: Expr): string {
  return c.prog.source.text.slice(e.span.start, e.span.end);
}

/** Compile a macro call. */
export function macro(c: Compiler, e: MacroExpr): string {
  const name = e.name.name;
  const args = e.args;
  switch (name) {
    case "println":
    case "print":
    case "eprintln":
    case "eprint": {
      const text = format(c, e, args);
      const nl = name.endsWith("ln") ? ` + "\\n"` : "";
      const sink = name.startsWith("e") ? "$eout" : "$out";
      return `${sink}(${text}${nl})`;
    }
    case "write":
    case "writeln": {
      // `write!(f, "…", args)` appends to the formatter of a `fmt` method.
      if (args.length === 0) {
        c.error(e.span, `\`${name}!\` needs the formatter to write to and a format string`);
        return "$UNIT";
      }
      const target = c.stable(expr(c, args[0].value));
      const text = args.length > 1 ? format(c, e, args.slice(1)) : '""';
      const nl = name === "writeln" ? ` + "\\n"` : "";
      return `$fwrite(${target}, ${text}${nl})`;
    }
    case "format":
      if (args.length === 0) c.error(e.span, "`format!` needs a format string");
      return `$str(${format(c, e, args)})`;
    case "panic":
      if (args.length === 0) return `$panicNow("explicit panic")`;
      return `$panicNow(${format(c, e, args)})`;
    case "unreachable":
      return `$panicNow("internal error: entered unreachable code"${
        args.length ? ` + ": " + ${format(c, e, args)}` : ""
      })`;
    case "todo":
      return `$panicNow("not yet implemented"${
        args.length ? ` + ": " + ${format(c, e, args)}` : ""
      })`;
    case "assert": {
      if (args.length === 0) {
        c.error(e.span, "`assert!` needs a condition");
        return "$UNIT";
      }
      const test = cond(c, args[0].value);
      const [message, lines] = c.collect(() =>
        args.length > 1
          ? format(c, e, args.slice(1))
          : JSON.stringify(`assertion failed: ${sourceText(c, args[0].value)}`)
      );
      if (lines.length > 0) {
        c.emitBlock(`if (!${test}) {`, [...lines, { code: `$panicNow(${message});`, pos: c.pos }]);
        return "$UNIT";
      }
      return `(${test} ? $UNIT : $panicNow(${message}))`;
    }
    case "assert_eq":
    case "assert_ne": {
      if (args.length < 2) {
        c.error(e.span, `\`${name}!\` needs two values`);
        return "$UNIT";
      }
      const [a, b] = c.list([args[0].value, args[1].value], (x) => expr(c, x));
      const message = args.length > 2 ? format(c, e, args.slice(2)) : "null";
      return `$${name === "assert_eq" ? "assertEq" : "assertNe"}(${a}, ${b}, ${message})`;
    }
    case "matches": {
      const subject = c.temp(expr(c, args[0].value));
      return c.withScope(() => {
        const test = patternTest(c, e.pattern!, subject);
        if (!e.guard) return `(${test})`;
        const [guard, lines] = c.collect(() => cond(c, e.guard!));
        if (lines.length === 0) return `(${test} && ${guard})`;
        // The guard needs statements, which must run only after the pattern matched.
        const t = c.fn.tmp();
        c.emit(`${t} = ${test};`);
        c.emitBlock(`if (${t}) {`, [...lines, { code: `${t} = ${guard};`, pos: c.pos }]);
        return t;
      });
    }
    case "dbg": {
      const values = c.list(args.map((a) => a.value), (x) => expr(c, x)).map((v) => c.stable(v));
      const { line } = c.prog.source.position(e.span.start);
      const prefix = `[${c.prog.source.fileAt(e.span.start)}:${line}]`;
      for (let i = 0; i < args.length; i++) {
        c.emit(
          `$eout(${JSON.stringify(`${prefix} ${sourceText(c, args[i].value)} = `)} + $debugPretty(${
            values[i]
          }) + "\\n");`,
        );
      }
      if (args.length === 0) {
        c.emit(`$eout(${JSON.stringify(prefix + "\n")});`);
        return "$UNIT";
      }
      return values.length === 1 ? values[0] : `$tuple([${values.join(", ")}])`;
    }
    default:
      c.error(
        e.name.span,
        `unknown macro \`${name}!\``,
        "the built-in macros are println!, print!, eprintln!, eprint!, format!, write!, writeln!, panic!, assert!, assert_eq!, assert_ne!, matches!, dbg!, unreachable!, todo!",
      );
      c.list(args.map((a) => a.value), (x) => expr(c, x));
      return "$UNIT";
  }
}
