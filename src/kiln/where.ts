/**
 * Frontmatter filters, as written on the command line (`--where status=alive`) and, later, by
 * plugins (`list_notes{where}`).
 *
 * A filter is `key OP value` with OP one of `=`, `!=`, `>`, `>=`, `<`, `<=`. `key` may be a dotted
 * path into nested mappings (`stats.hp>10`). Equality is case-insensitive for text, numeric for
 * numbers, matches any element of a list, and ignores wikilink brackets (`location=Saltmarsh Docks`
 * matches `location: "[[Saltmarsh Docks]]"`). Ordering compares numbers as numbers and anything
 * else as text, so ISO dates order correctly. A note without the key matches only `!=`.
 *
 * @module
 */
import { InvalidParamsError } from "../errors.ts";

/** Longest filter expression accepted, in characters. */
export const MAX_WHERE_LENGTH = 1000;

/** Most filters one `where` may hold. */
export const MAX_WHERE_FILTERS = 50;

/** A comparison operator of a filter. */
export type WhereOp = "=" | "!=" | ">" | ">=" | "<" | "<=";

/** One parsed filter. */
export interface WhereFilter {
  /** Dotted key path. */
  key: string;
  /** The comparison. */
  op: WhereOp;
  /** The value as written. */
  value: string;
}

/**
 * Parse `key=value` (or another operator).
 *
 * @example
 * ```ts
 * import { parseWhere } from "./where.ts";
 * parseWhere("session>=3"); // { key: "session", op: ">=", value: "3" }
 * ```
 */
export function parseWhere(expr: string): WhereFilter {
  if (expr.length > MAX_WHERE_LENGTH) {
    throw new InvalidParamsError(
      `filter is ${expr.length} characters long, over the ${MAX_WHERE_LENGTH}-character limit ` +
        `of a where filter; write a shorter key=value`,
    );
  }
  // Scanned by hand, not with a regular expression: a pattern like `\s*(.*?)\s*$` is quadratic on
  // long runs of spaces, and filters come from plugins.
  let at = 0;
  while (at < expr.length && !OPERATOR_START.has(expr[at])) at++;
  const key = expr.slice(0, at).trim();
  const op = (["!=", ">=", "<=", "=", ">", "<"] as const).find((o) => expr.startsWith(o, at));
  if (key === "" || op === undefined) {
    const shown = expr.length > 60 ? `${expr.slice(0, 60)}…` : expr;
    throw new InvalidParamsError(
      `filter ${JSON.stringify(shown)} is not key=value; write e.g. status=alive, ` +
        `session>=3 or type!=npc`,
    );
  }
  return { key, op, value: expr.slice(at + op.length).trim() };
}

const OPERATOR_START = new Set(["=", "!", "<", ">"]);

/** True when the frontmatter satisfies every filter. */
export function matchesWhere(
  frontmatter: Record<string, unknown>,
  filters: readonly WhereFilter[],
): boolean {
  return filters.every((f) => matchOne(frontmatter, f));
}

function matchOne(frontmatter: Record<string, unknown>, f: WhereFilter): boolean {
  const actual = lookup(frontmatter, f.key);
  if (actual === undefined || actual === null) return f.op === "!=";
  const values = Array.isArray(actual) ? actual : [actual];
  if (f.op === "!=") return !values.some((v) => equals(v, f.value));
  if (f.op === "=") return values.some((v) => equals(v, f.value));
  return values.some((v) => {
    const c = compare(v, f.value);
    if (c === null) return false;
    switch (f.op) {
      case ">":
        return c > 0;
      case ">=":
        return c >= 0;
      case "<":
        return c < 0;
      default:
        return c <= 0;
    }
  });
}

function lookup(data: Record<string, unknown>, key: string): unknown {
  if (key in data) return data[key];
  let cur: unknown = data;
  for (const part of key.split(".")) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function text(v: unknown): string {
  const s = typeof v === "string" ? v : JSON.stringify(v);
  const link = /^\s*\[\[([^\]|#]*)(?:[#|][^\]]*)?\]\]\s*$/.exec(s);
  return (link ? link[1] : s).trim().toLowerCase();
}

function equals(actual: unknown, wanted: string): boolean {
  if (typeof actual === "number") {
    const n = Number(wanted);
    return wanted.trim() !== "" && !Number.isNaN(n) && n === actual;
  }
  if (typeof actual === "boolean") return String(actual) === wanted.trim().toLowerCase();
  return text(actual) === text(wanted);
}

function compare(actual: unknown, wanted: string): number | null {
  if (typeof actual === "number") {
    const n = Number(wanted);
    if (wanted.trim() === "" || Number.isNaN(n)) return null;
    return actual - n;
  }
  if (typeof actual === "object") return null;
  const a = text(actual);
  const b = text(wanted);
  return a < b ? -1 : a > b ? 1 : 0;
}
