/**
 * A fast path for the frontmatter most notes have: flat `key: value` lines, flow lists
 * (`tags: [a, b]`) and block lists (`- item`). Parsing those with the full YAML parser costs
 * ~70 µs a note, most of the cold-index time of a large kiln; this costs a few.
 *
 * It is deliberately conservative: anything outside that subset — nesting, multi-line scalars,
 * anchors, tags, escapes, comments after values, duplicate keys, numbers that are not plain —
 * returns `null` and the caller uses the full parser, which also produces the diagnostics. When it
 * does answer, the answer equals the full parser's (YAML 1.2 core schema); a differential test
 * holds it to that.
 *
 * @module
 */

const KEY = /^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]+(.*))?$/;
const ITEM = /^([ \t]*)-(?:[ \t]+(.*))?$/;
const INT = /^[-+]?[0-9]{1,15}$/;
const FLOAT = /^[-+]?(?:[0-9]{1,15}\.[0-9]{0,15}|\.[0-9]{1,15})(?:[eE][-+]?[0-9]{1,3})?$/;
const EXP = /^[-+]?[0-9]{1,15}[eE][-+]?[0-9]{1,3}$/;
const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const TRUES = new Set(["true", "True", "TRUE"]);
const FALSES = new Set(["false", "False", "FALSE"]);

/** Sentinel for "outside the subset". */
const NO = Symbol("no");

/**
 * Parse a frontmatter block if it lies in the simple subset, else return null.
 *
 * @example
 * ```ts
 * import { parseSimpleYaml } from "./simple_yaml.ts";
 * parseSimpleYaml("title: Mira\ntags: [npc, guild]\nlevel: 5\n");
 * // { title: "Mira", tags: ["npc", "guild"], level: 5 }
 * parseSimpleYaml("stats:\n  hp: 10\n"); // null: nested mappings go to the full parser
 * ```
 */
export function parseSimpleYaml(text: string): Record<string, unknown> | null {
  const out: Record<string, unknown> = {};
  // The key whose value is still open: `key:` alone is null, unless `- item` lines follow.
  let listKey: string | null = null;
  let listIndent = -1;
  const close = () => {
    if (listKey !== null && (out[listKey] as unknown[]).length === 0) out[listKey] = null;
    listKey = null;
  };
  for (let raw of text.split("\n")) {
    if (raw.endsWith("\r")) raw = raw.slice(0, -1);
    if (raw.includes("\t") || raw.includes("\r")) return null;
    const trimmed = raw.trim();
    if (trimmed === "") continue;
    if (trimmed.startsWith("#")) {
      if (raw.startsWith("#")) continue;
      return null;
    }
    const item = ITEM.exec(raw);
    if (item) {
      if (listKey === null) return null;
      const indent = item[1].length;
      if (listIndent === -1) listIndent = indent;
      else if (indent !== listIndent) return null;
      const v = scalar(item[2] ?? "");
      if (v === NO) return null;
      (out[listKey] as unknown[]).push(v);
      continue;
    }
    const m = KEY.exec(raw);
    if (!m) return null;
    close();
    const key = m[1];
    if (Object.hasOwn(out, key) || key === "__proto__") return null;
    const value = m[2] ?? "";
    if (value.trim() === "") {
      out[key] = [];
      listKey = key;
      listIndent = -1;
      continue;
    }
    const v = value.startsWith("[") ? flow(value) : scalar(value);
    if (v === NO) return null;
    out[key] = v;
  }
  close();
  return out;
}

function flow(value: string): unknown[] | typeof NO {
  const v = value.trimEnd();
  if (!v.endsWith("]")) return NO;
  const inner = v.slice(1, -1);
  if (/[[\]{}]/.test(inner)) return NO;
  if (inner.trim() === "") return [];
  const parts = splitFlow(inner);
  if (parts === NO) return NO;
  const items: unknown[] = [];
  for (const p of parts) {
    const t = p.trim();
    if (t === "") return NO;
    if (t.includes(",") && !/^["']/.test(t)) return NO;
    const s = scalar(t);
    if (s === NO) return NO;
    items.push(s);
  }
  return items;
}

/** Split a flow list body on commas outside quotes. */
function splitFlow(inner: string): string[] | typeof NO {
  const parts: string[] = [];
  let cur = "";
  let quote = "";
  for (const ch of inner) {
    if (quote) {
      cur += ch;
      if (ch === quote) quote = "";
    } else if (ch === '"' || ch === "'") {
      if (cur.trim() !== "") return NO;
      quote = ch;
      cur += ch;
    } else if (ch === ",") {
      parts.push(cur);
      cur = "";
    } else {
      cur += ch;
    }
  }
  if (quote) return NO;
  parts.push(cur);
  return parts;
}

function scalar(raw: string): unknown {
  const s = raw.trim();
  if (s.startsWith('"')) {
    if (s.length < 2 || !s.endsWith('"') || s.slice(1, -1).includes('"')) return NO;
    if (s.includes("\\")) return NO;
    return s.slice(1, -1);
  }
  if (s.startsWith("'")) {
    if (s.length < 2 || !s.endsWith("'")) return NO;
    const inner = s.slice(1, -1);
    if (inner.replaceAll("''", "").includes("'")) return NO;
    return inner.replaceAll("''", "'");
  }
  if (NULLS.has(s)) return null;
  if (TRUES.has(s)) return true;
  if (FALSES.has(s)) return false;
  if (INT.test(s)) {
    // Leading zeros ("007") are still decimal ints in YAML 1.2 core; keep it simple and let the
    // full parser decide anything unusual.
    if (/^[-+]?0[0-9]/.test(s)) return NO;
    return Number(s);
  }
  if (FLOAT.test(s) || EXP.test(s) || /^[-+]?[0-9]+$/.test(s)) return NO;
  // Plain scalars: refuse indicators and anything that could be YAML syntax.
  if (/^[-?:,[\]{}#&*!|>'"%@`]/.test(s)) return NO;
  if (/:(\s|$)|\s#|[\t]/.test(s)) return NO;
  if (/^\.(inf|Inf|INF|nan|NaN|NAN)$|^[-+]\.(inf|Inf|INF)$/.test(s)) return NO;
  if (/^0x|^0o/i.test(s)) return NO;
  return s;
}
