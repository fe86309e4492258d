/**
 * String helpers for notes and titles: slugs, truncation, wrapping, case conversion, edit
 * distance, padding and `{{name}}` templates. Lengths count Unicode code points, not bytes.
 *
 * @example
 * ```ts
 * import { slugify, levenshtein, convertCase } from "./text.ts";
 * slugify("Ysolde Brænn — Notes!"); // "ysolde-braenn-notes"
 * levenshtein("kitten", "sitting"); // 3
 * convertCase("Session notes two", "camel"); // "sessionNotesTwo"
 * ```
 *
 * @module
 */
import { int, invalid, type Json, options, str } from "./errors.ts";

/** Longest text the quadratic helpers (levenshtein) accept, in code points. */
export const MAX_DISTANCE_TEXT = 10_000;

const FOLD: Record<string, string> = {
  æ: "ae",
  Æ: "AE",
  ø: "o",
  Ø: "O",
  ß: "ss",
  œ: "oe",
  Œ: "OE",
  đ: "d",
  ł: "l",
  Ł: "L",
  þ: "th",
  ð: "d",
};

/** Latin letters without their accents (é → e, æ → ae). */
function fold(s: string): string {
  return s.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(
    /[æÆøØßœŒđłŁþð]/g,
    (c) => FOLD[c] ?? c,
  );
}

/** `text.slugify(text, {separator})`: lower-case ASCII words joined by "-". */
export function slugify(text: Json, opts?: Json): string {
  const o = options(opts, "text.slugify options");
  const sep = o.separator === undefined ? "-" : str(o.separator, "separator");
  return fold(str(text, "text.slugify(text)")).toLowerCase()
    .replace(/['’]/g, "")
    .split(/[^\p{L}\p{N}]+/u).filter(Boolean).join(sep);
}

/** `text.truncate(text, length, {ellipsis, words})`: at most `length` code points in all. */
export function truncate(text: Json, length: Json, opts?: Json): string {
  const s = [...str(text, "text.truncate(text)")];
  const n = int(length, "text.truncate length", { min: 0, max: 1e9 });
  const o = options(opts, "text.truncate options");
  const ellipsis = o.ellipsis === undefined ? "…" : str(o.ellipsis, "ellipsis");
  if (s.length <= n) return s.join("");
  const room = Math.max(0, n - [...ellipsis].length);
  let cut = s.slice(0, room).join("");
  if (o.words === true) {
    const at = cut.search(/\s\S*$/);
    if (at > 0) cut = cut.slice(0, at);
  }
  return cut.trimEnd() + ellipsis;
}

/** `text.wrap(text, width)`: lines of at most `width` code points, broken at spaces. */
export function wrap(text: Json, width: Json): string {
  const w = int(width, "text.wrap width", { min: 1, max: 10_000 });
  return str(text, "text.wrap(text)").split("\n").map((para) => {
    const lines: string[] = [];
    let line = "";
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (!line) line = word;
      else if ([...line].length + 1 + [...word].length <= w) line += " " + word;
      else {
        lines.push(line);
        line = word;
      }
      // A word longer than the width is split rather than overflowing.
      while ([...line].length > w) {
        const cps = [...line];
        lines.push(cps.slice(0, w).join(""));
        line = cps.slice(w).join("");
      }
    }
    lines.push(line);
    return lines.join("\n");
  }).join("\n");
}

/** The words of a name in any style: "sessionNotes-two" → ["session", "notes", "two"]. */
export function words(text: Json): string[] {
  return str(text, "text.words(text)")
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, "$1 $2")
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, "$1 $2")
    .split(/[^\p{L}\p{N}]+/u).filter(Boolean);
}

/** The case styles of {@link convertCase}. */
export const CASES = [
  "lower",
  "upper",
  "title",
  "sentence",
  "snake",
  "kebab",
  "camel",
  "pascal",
  "constant",
] as const;

const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase();

/** `text.case(text, style)`: one of {@link CASES}. */
export function convertCase(text: Json, style: Json): string {
  const s = str(text, "text.case(text)");
  const w = words(s);
  switch (style) {
    case "lower":
      return s.toLowerCase();
    case "upper":
      return s.toUpperCase();
    case "title":
      return w.map(cap).join(" ");
    case "sentence":
      return w.map((x, i) => (i === 0 ? cap(x) : x.toLowerCase())).join(" ");
    case "snake":
      return w.map((x) => x.toLowerCase()).join("_");
    case "kebab":
      return w.map((x) => x.toLowerCase()).join("-");
    case "camel":
      return w.map((x, i) => (i === 0 ? x.toLowerCase() : cap(x))).join("");
    case "pascal":
      return w.map(cap).join("");
    case "constant":
      return w.map((x) => x.toUpperCase()).join("_");
  }
  invalid(`text.case style must be one of ${CASES.join(", ")}`);
}

/** `text.levenshtein(a, b)`: the edit distance (insertions, deletions, substitutions). */
export function levenshtein(a: Json, b: Json): number {
  const x = [...str(a, "text.levenshtein(a)")];
  const y = [...str(b, "text.levenshtein(b)")];
  if (x.length > MAX_DISTANCE_TEXT || y.length > MAX_DISTANCE_TEXT) {
    invalid(`text.levenshtein compares texts of at most ${MAX_DISTANCE_TEXT} characters`);
  }
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length];
}

/** `text.similarity(a, b)`: 1 - distance / longer length (1 for equal texts). */
export function similarity(a: Json, b: Json): number {
  const longest = Math.max([...str(a, "a")].length, [...str(b, "b")].length);
  return longest === 0 ? 1 : 1 - levenshtein(a, b) / longest;
}

/** `text.pad(text, width, {side, fill})`: padded to `width` code points (left, right, both). */
export function pad(text: Json, width: Json, opts?: Json): string {
  const s = str(text, "text.pad(text)");
  const w = int(width, "text.pad width", { min: 0, max: 10_000 });
  const o = options(opts, "text.pad options");
  const fill = o.fill === undefined ? " " : str(o.fill, "fill");
  if ([...fill].length !== 1) invalid("text.pad fill must be one character");
  const missing = Math.max(0, w - [...s].length);
  const side = o.side ?? "right";
  if (side === "left") return fill.repeat(missing) + s;
  if (side === "right") return s + fill.repeat(missing);
  if (side === "both") {
    return fill.repeat(Math.floor(missing / 2)) + s + fill.repeat(Math.ceil(missing / 2));
  }
  invalid("text.pad side must be left, right or both");
}

/** `text.template(text, values)`: `{{name}}` and `{{a.b}}` replaced; missing names stay empty. */
export function template(text: Json, values: Json): string {
  const v = options(values, "text.template values");
  return str(text, "text.template(text)").replace(/\{\{\s*([\w.-]+)\s*\}\}/g, (_, key: string) => {
    let cur: Json | undefined = v;
    for (const part of key.split(".")) {
      cur = cur && typeof cur === "object" && !Array.isArray(cur) ? cur[part] : undefined;
    }
    if (cur === undefined || cur === null) return "";
    return typeof cur === "string" ? cur : JSON.stringify(cur);
  });
}
