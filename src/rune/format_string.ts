/**
 * Parsing `format!`-style strings at compile time: literal text, `{{`/`}}` escapes, and
 * placeholders `{}`, `{0}`, `{name}`, `{:?}`, `{:>8.2}`, `{x:#?}` with Rust's spec grammar
 * `[[fill]align][sign]['#']['0'][width]['.' precision][type]`.
 *
 * @example
 * ```ts
 * import { parseFormatString } from "./format_string.ts";
 * parseFormatString("x = {:>4}!").pieces;
 * // ["x = ", { arg: { kind: "next" }, spec: { align: ">", width: 4, type: "" } }, "!"]
 * ```
 *
 * @module
 */
import type { FormatSpec } from "./runtime/format.ts";

/** Which argument a placeholder formats. */
export type FormatArgRef =
  | { kind: "next" }
  | { kind: "index"; index: number }
  | { kind: "name"; name: string };

/** A placeholder. */
export interface Placeholder {
  /** The argument. */
  arg: FormatArgRef;
  /** How to format it. */
  spec: FormatSpec;
  /** Offset of the `{` within the string's value. */
  at: number;
}

/** Result of parsing a format string. */
export interface ParsedFormat {
  /** Literal text and placeholders in order. */
  pieces: (string | Placeholder)[];
  /** The first problem, with its offset in the string's value. */
  error?: { message: string; at: number };
}

/** Parse a format string. */
export function parseFormatString(s: string): ParsedFormat {
  const pieces: (string | Placeholder)[] = [];
  let text = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "{" && s[i + 1] === "{") {
      text += "{";
      i += 2;
      continue;
    }
    if (c === "}" && s[i + 1] === "}") {
      text += "}";
      i += 2;
      continue;
    }
    if (c === "}") return { pieces, error: { message: "unmatched `}` in format string", at: i } };
    if (c !== "{") {
      text += c;
      i++;
      continue;
    }
    const close = s.indexOf("}", i);
    if (close < 0) return { pieces, error: { message: "unmatched `{` in format string", at: i } };
    const inner = s.slice(i + 1, close);
    const colon = inner.indexOf(":");
    const argText = (colon < 0 ? inner : inner.slice(0, colon)).trim();
    const specText = colon < 0 ? "" : inner.slice(colon + 1);
    let arg: FormatArgRef;
    if (argText === "") arg = { kind: "next" };
    else if (/^\d+$/.test(argText)) arg = { kind: "index", index: Number(argText) };
    else if (/^[\p{ID_Start}_][\p{ID_Continue}]*$/u.test(argText)) {
      arg = { kind: "name", name: argText };
    } else return { pieces, error: { message: `invalid format argument \`${argText}\``, at: i } };
    const spec = parseSpec(specText);
    if (typeof spec === "string") return { pieces, error: { message: spec, at: i } };
    if (text) pieces.push(text);
    text = "";
    pieces.push({ arg, spec, at: i });
    i = close + 1;
  }
  if (text) pieces.push(text);
  return { pieces };
}

function parseSpec(s: string): FormatSpec | string {
  const spec: FormatSpec = { type: "" };
  let i = 0;
  const chars = [...s];
  const isAlign = (c: string | undefined) => c === "<" || c === ">" || c === "^";
  if (chars.length >= 2 && isAlign(chars[1])) {
    spec.fill = chars[0];
    spec.align = chars[1] as FormatSpec["align"];
    i = 2;
  } else if (isAlign(chars[0])) {
    spec.align = chars[0] as FormatSpec["align"];
    i = 1;
  }
  if (chars[i] === "+") {
    spec.sign = "+";
    i++;
  } else if (chars[i] === "-") i++;
  if (chars[i] === "#") {
    spec.alternate = true;
    i++;
  }
  if (chars[i] === "0" && /\d/.test(chars[i + 1] ?? "")) {
    spec.zero = true;
    i++;
  } else if (chars[i] === "0" && chars[i + 1] === undefined) {
    return "a width of 0 is not allowed";
  }
  let width = "";
  while (/\d/.test(chars[i] ?? "")) width += chars[i++];
  if (width) spec.width = Math.min(Number(width), 1 << 16);
  if (chars[i] === ".") {
    i++;
    let precision = "";
    while (/\d/.test(chars[i] ?? "")) precision += chars[i++];
    if (!precision) return "expected a precision after `.` in format spec";
    spec.precision = Math.min(Number(precision), 1 << 10);
  }
  const type = chars.slice(i).join("");
  if (!["", "?", "x", "X", "b", "o", "e", "E"].includes(type)) {
    return `unknown format type \`${type}\``;
  }
  spec.type = type;
  return spec;
}
