/**
 * Patterns compile to one JavaScript boolean expression that tests the subject and, as it goes,
 * assigns the bindings (`(v1_x = s.v, true)`), so guards and later sub-patterns can use them.
 *
 * @module
 */
import type { Block, LitValue, Path, Pattern } from "../ast.ts";
import type { Binding } from "./context.ts";
import type { Compiler } from "./compiler.ts";
import { blockParts, intLiteral } from "./expr.ts";
import { resolveItem } from "./calls.ts";
import type { ItemDef } from "./items.ts";
import { LIB } from "../std/prelude.ts";

/** Bindings of the first alternative of an or-pattern, reused by the others. */
type Reuse = Map<string, Binding> | null;

/** Compile a pattern test against `subject` (a stable JavaScript expression). */
export function patternTest(c: Compiler, pat: Pattern, subject: string): string {
  return test(c, pat, subject, null, new Set());
}

function and(parts: string[]): string {
  const real = parts.filter((p) => p !== "true");
  if (real.length === 0) return "true";
  return real.length === 1 ? real[0] : `(${real.join(" && ")})`;
}

function bind(
  c: Compiler,
  name: string,
  subject: string,
  reuse: Reuse,
  seen: Set<string>,
  span: { start: number; end: number },
): string {
  if (seen.has(name)) c.error(span, `\`${name}\` is bound more than once in this pattern`);
  seen.add(name);
  let b = reuse?.get(name);
  if (!b) {
    b = c.declare(name);
  } else c.scope.vars.set(name, b);
  return `((${b.js} = ${subject}), true)`;
}

function litTest(
  c: Compiler,
  v: LitValue,
  s: string,
  span: { start: number; end: number },
): string {
  switch (v.t) {
    case "int": {
      const js = intLiteral(v.v);
      if (js === null) {
        c.error(span, `integer literal ${v.v} does not fit in an i64`);
        return "false";
      }
      return `${s} === ${js}`;
    }
    case "byte":
      return `${s} === ${v.v}`;
    case "bool":
      return `${s} === ${v.v}`;
    case "str":
      return `${s} === ${JSON.stringify(v.v)}`;
    case "char":
      return `$isChar(${s}, ${v.v})`;
    case "float":
      return `$isFloat(${s}, ${v.v})`;
    case "bytes":
      return `$eq(${s}, new $Bytes(${JSON.stringify(v.v)}))`;
  }
}

function bound(v: LitValue): string {
  if (v.t === "int") return intLiteral(v.v) ?? "0";
  if (v.t === "char" || v.t === "byte") return String(v.v);
  if (v.t === "float") return String(v.v);
  return "0";
}

/** Does a single identifier in a pattern name an item (a unit struct/variant or a constant)? */
function patternItem(
  c: Compiler,
  name: string,
  span: { start: number; end: number },
): ItemDef | null {
  if (!/^\p{Lu}/u.test(name) && name !== "None") return null;
  const path: Path = { segments: [{ name, span }], global: false, span };
  const found = c.prog.items.resolveSegments(c.scope.items, path.segments, span, false);
  if (!found) return null;
  if (found.kind === "struct" || found.kind === "variant") {
    return found.shape === "unit" ? found : null;
  }
  if (found.kind === "const") return found;
  if (
    found.kind === "builtin" && found.ref.kind === "value" &&
    !(typeof LIB.get(found.ref.key) === "function")
  ) {
    return found;
  }
  return null;
}

/** Built-in one-field variants: their runtime class and the field holding the value. */
const WRAPPERS: Record<string, [string, string]> = Object.assign(Object.create(null), {
  Some: ["$Some", ".v"],
  Ok: ["$Ok", ".v"],
  Err: ["$Err", ".v"],
  "GeneratorState::Yielded": ["$Yielded", '["f_0"]'],
  "GeneratorState::Complete": ["$Complete", '["f_0"]'],
});

function test(c: Compiler, pat: Pattern, s: string, reuse: Reuse, seen: Set<string>): string {
  switch (pat.kind) {
    case "wild":
      return "true";
    case "rest":
      c.error(pat.span, "`..` is only allowed inside a tuple, vector or object pattern");
      return "true";
    case "bind": {
      const item = patternItem(c, pat.name.name, pat.name.span);
      if (item) return pathTest(c, item, s, pat.span);
      return bind(c, pat.name.name, s, reuse, seen, pat.name.span);
    }
    case "at":
      return and([
        test(c, pat.pat, s, reuse, seen),
        bind(c, pat.name.name, s, reuse, seen, pat.name.span),
      ]);
    case "lit":
      return litTest(c, pat.value, s, pat.span);
    case "range": {
      const kindTest = (pat.start ?? pat.end)!.t === "char"
        ? `${s} instanceof $Char`
        : (pat.start ?? pat.end)!.t === "float"
        ? `${s} instanceof $Float`
        : `(typeof ${s} === "number" || typeof ${s} === "bigint")`;
      const val = (pat.start ?? pat.end)!.t === "char"
        ? `${s}.c`
        : (pat.start ?? pat.end)!.t === "float"
        ? `${s}.v`
        : s;
      const parts = [kindTest];
      if (pat.start) parts.push(`${val} >= ${bound(pat.start)}`);
      if (pat.end) parts.push(`${val} ${pat.inclusive ? "<=" : "<"} ${bound(pat.end)}`);
      return and(parts);
    }
    case "tuple":
      return sequence(c, pat.items, `${s} instanceof $Tuple`, `${s}.t`, reuse, seen);
    case "vec":
      return sequence(c, pat.items, `$isVec(${s})`, s, reuse, seen);
    case "object": {
      const parts = [`${s} instanceof $Map`];
      if (!pat.rest) parts.push(`${s}.size === ${pat.entries.length}`);
      for (const en of pat.entries) {
        const k = JSON.stringify(en.key);
        parts.push(`${s}.has(${k})`);
        const sub = `${s}.get(${k})`;
        if (en.pat) parts.push(test(c, en.pat, sub, reuse, seen));
        else parts.push(bind(c, en.key, sub, reuse, seen, en.keySpan));
      }
      return and(parts);
    }
    case "path": {
      const item = resolveItem(c, pat.path);
      return item ? pathTest(c, item, s, pat.span) : "false";
    }
    case "tuplestruct": {
      const item = resolveItem(c, pat.path);
      if (!item) return "false";
      const wrapper = item.kind === "builtin" && item.ref.kind === "value"
        ? WRAPPERS[item.ref.key]
        : undefined;
      if (item.kind === "builtin" && wrapper) {
        const items = pat.items.filter((p) => p.kind !== "rest");
        if (items.length !== 1 && !(items.length === 0 && pat.items.length === 1)) {
          c.error(
            pat.span,
            `\`${item.ref.kind === "value" ? item.ref.key : ""}\` has exactly one field`,
          );
          return "false";
        }
        const [cls, field] = wrapper;
        const inner = items.length === 1 ? test(c, items[0], `${s}${field}`, reuse, seen) : "true";
        return and([`${s} instanceof ${cls}`, inner]);
      }
      if ((item.kind !== "struct" && item.kind !== "variant") || item.shape !== "tuple") {
        c.error(
          pat.path.span,
          `\`${pat.path.segments.map((x) => x.name).join("::")}\` is not a tuple struct or variant`,
        );
        return "false";
      }
      const hasRest = pat.items.some((p) => p.kind === "rest");
      const fixed = pat.items.filter((p) => p.kind !== "rest");
      if (hasRest ? fixed.length > item.fields.length : fixed.length !== item.fields.length) {
        c.error(
          pat.span,
          `\`${item.name}\` has ${item.fields.length} field${
            item.fields.length === 1 ? "" : "s"
          }, the pattern has ${fixed.length}`,
        );
        return "false";
      }
      const parts = [`${s} instanceof ${item.cls}`];
      const restAt = pat.items.findIndex((p) => p.kind === "rest");
      pat.items.forEach((p, i) => {
        if (p.kind === "rest") return;
        const field = restAt >= 0 && i > restAt ? item.fields.length - (pat.items.length - i) : i;
        parts.push(test(c, p, `${s}[${JSON.stringify("f_" + field)}]`, reuse, seen));
      });
      return and(parts);
    }
    case "struct": {
      const item = resolveItem(c, pat.path);
      if (!item) return "false";
      if ((item.kind !== "struct" && item.kind !== "variant") || item.shape !== "named") {
        c.error(
          pat.path.span,
          `\`${
            pat.path.segments.map((x) => x.name).join("::")
          }\` is not a struct or variant with named fields`,
        );
        return "false";
      }
      const parts = [`${s} instanceof ${item.cls}`];
      for (const f of pat.fields) {
        if (!item.fields.includes(f.name.name)) {
          c.error(f.name.span, `\`${item.name}\` has no field \`${f.name.name}\``);
          continue;
        }
        const sub = `${s}[${JSON.stringify("f_" + f.name.name)}]`;
        parts.push(
          f.pat
            ? test(c, f.pat, sub, reuse, seen)
            : bind(c, f.name.name, sub, reuse, seen, f.name.span),
        );
      }
      return and(parts);
    }
    case "or": {
      const firstSeen = new Set<string>();
      const saved = new Map(c.scope.vars);
      const first = test(c, pat.alts[0], s, reuse, firstSeen);
      const shared = new Map<string, Binding>();
      for (const name of firstSeen) shared.set(name, c.scope.vars.get(name)!);
      const rest = pat.alts.slice(1).map((alt) => {
        const altSeen = new Set<string>();
        const t = test(c, alt, s, shared, altSeen);
        const same = altSeen.size === firstSeen.size && [...altSeen].every((n) => firstSeen.has(n));
        if (!same) c.error(alt.span, "every alternative of a `|` pattern must bind the same names");
        return t;
      });
      for (const name of firstSeen) seen.add(name);
      void saved;
      return `(${[first, ...rest].join(" || ")})`;
    }
  }
}

function pathTest(
  c: Compiler,
  item: ItemDef,
  s: string,
  span: { start: number; end: number },
): string {
  switch (item.kind) {
    case "struct":
    case "variant":
      if (item.shape !== "unit") {
        c.error(
          span,
          `\`${item.name}\` has fields; match it with \`${item.name}(..)\` or \`${item.name} { .. }\``,
        );
        return "false";
      }
      return `${s} instanceof ${item.cls}`;
    case "const":
      return `$eq(${s}, ${item.js})`;
    case "builtin":
      if (item.ref.kind === "value") {
        if (item.ref.key === "None") return `${s} === $NONE`;
        const v = LIB.get(item.ref.key);
        if (v !== undefined && typeof v !== "function") {
          return `$eq(${s}, ${c.prog.libRef(item.ref.key)})`;
        }
      }
      c.error(span, "this path cannot be used as a pattern");
      return "false";
    default:
      c.error(span, "this path cannot be used as a pattern");
      return "false";
  }
}

function sequence(
  c: Compiler,
  items: Pattern[],
  kindTest: string,
  arr: string,
  reuse: Reuse,
  seen: Set<string>,
): string {
  const restAt = items.findIndex((p) => p.kind === "rest");
  if (items.filter((p) => p.kind === "rest").length > 1) {
    c.error(items[restAt].span, "only one `..` is allowed in a pattern");
  }
  const fixed = items.length - (restAt >= 0 ? 1 : 0);
  const parts = [
    kindTest,
    restAt >= 0 ? `${arr}.length >= ${fixed}` : `${arr}.length === ${fixed}`,
  ];
  items.forEach((p, i) => {
    if (p.kind === "rest") return;
    const at = restAt >= 0 && i > restAt
      ? `${arr}[${arr}.length - ${items.length - i}]`
      : `${arr}[${i}]`;
    parts.push(test(c, p, at, reuse, seen));
  });
  return and(parts);
}

/** `let PAT = value [else { … }];` */
export function bindPattern(
  c: Compiler,
  pat: Pattern,
  value: string,
  otherwise: Block | null,
): void {
  const t = patternTest(c, pat, value);
  if (t === "true") return;
  if (otherwise) {
    const { lines } = blockParts(c, otherwise, true);
    c.emitBlock(`if (!${t}) {`, [...lines, {
      code: `throw $fail("the else block of a let-else must not finish normally");`,
      pos: c.pos,
    }]);
    return;
  }
  c.emit(`if (!${t}) throw $patFail(${value});`);
}
