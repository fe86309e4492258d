/**
 * Regular expressions (JavaScript syntax, named groups included) with limits against runaway
 * matching. A backtracking engine cannot be interrupted in the middle of one match, so the
 * defence is layered: patterns and inputs are size-limited here, loops over many matches check
 * the caller's stop request between matches, and a single catastrophic match runs into the
 * invocation's time budget, after which the host terminates the sandbox (E_TIMEOUT).
 *
 * @example
 * ```ts
 * import { regexFindAll, regexReplace } from "./regex.ts";
 * regexFindAll("#(\\w+)", "a #b c #d").map((m) => m.groups[0]); // ["b", "d"]
 * regexReplace("(\\d+)-(\\d+)", "1-2", "$2-$1"); // "2-1"
 * ```
 *
 * @module
 */
import { int, invalid, type Json, options, StdlibError, str } from "./errors.ts";

/** Longest pattern, in characters. */
export const MAX_PATTERN = 2_000;
/** Longest input text, in characters. */
export const MAX_INPUT = 1_000_000;
/** Most matches one call returns. */
export const MAX_MATCHES = 100_000;

/** One match. */
export interface RegexMatch {
  [key: string]: Json;
  /** The matched text. */
  match: string;
  /** Offset of the match in the text (UTF-16 code units, from 0). */
  index: number;
  /** Numbered groups, in order (null for a group that did not take part). */
  groups: (string | null)[];
  /** Named groups. */
  named: Record<string, string | null>;
}

/** Called between matches; throws to stop (the sandbox's stop request). */
export type StopCheck = () => void;

const cache = new Map<string, RegExp>();

function compile(pattern: Json, flags: Json | undefined, global: boolean): RegExp {
  const p = str(pattern, "regex pattern");
  if (p.length > MAX_PATTERN) invalid(`regex pattern is over ${MAX_PATTERN} characters`);
  const f = flags === undefined || flags === null ? "" : str(flags, "regex flags");
  if (!/^[imsu]*$/.test(f)) invalid(`regex flags are any of i, m, s, u (not ${JSON.stringify(f)})`);
  const key = `${global ? "g" : ""}${f}/${p}`;
  let re = cache.get(key);
  if (!re) {
    try {
      re = new RegExp(p, f + (global ? "g" : ""));
    } catch (e) {
      throw new StdlibError("E_REGEX", `bad regex ${JSON.stringify(p)}: ${(e as Error).message}`);
    }
    if (cache.size > 256) cache.clear();
    cache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

function input(text: Json): string {
  const t = str(text, "regex text");
  if (t.length > MAX_INPUT) {
    invalid(`regex text is over ${MAX_INPUT} characters; split it (by line or paragraph) first`);
  }
  return t;
}

function toMatch(m: RegExpExecArray): RegexMatch {
  const named: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(m.groups ?? {})) named[k] = v ?? null;
  return { match: m[0], index: m.index, groups: m.slice(1).map((g) => g ?? null), named };
}

/** `regex.test(pattern, text, flags?)`. */
export function regexTest(pattern: Json, text: Json, flags?: Json): boolean {
  return compile(pattern, flags, false).test(input(text));
}

/** `regex.match(pattern, text, flags?)`: the first match, or null. */
export function regexMatch(pattern: Json, text: Json, flags?: Json): RegexMatch | null {
  const m = compile(pattern, flags, false).exec(input(text));
  return m ? toMatch(m) : null;
}

/** `regex.captures(pattern, text, flags?)`: the groups of the first match, or null. */
export function regexCaptures(pattern: Json, text: Json, flags?: Json): (string | null)[] | null {
  return regexMatch(pattern, text, flags)?.groups ?? null;
}

/** `regex.find_all(pattern, text, flags?)`: every match, in order. */
export function regexFindAll(
  pattern: Json,
  text: Json,
  flags?: Json,
  stop?: StopCheck,
): RegexMatch[] {
  const re = compile(pattern, flags, true);
  const t = input(text);
  const out: RegexMatch[] = [];
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    if (m[0] === "") re.lastIndex++;
    out.push(toMatch(m));
    if (out.length >= MAX_MATCHES) break;
    if ((out.length & 1023) === 0) stop?.();
  }
  return out;
}

/** `regex.replace(pattern, text, replacement, {all, flags})`: `$1`, `$<name>`, `$&` work. */
export function regexReplace(
  pattern: Json,
  text: Json,
  replacement: Json,
  opts?: Json,
): string {
  const o = options(opts, "regex.replace options");
  const re = compile(pattern, o.flags, o.all !== false);
  return input(text).replace(re, str(replacement, "regex.replace replacement"));
}

/** `regex.split(pattern, text, limit?)`. */
export function regexSplit(pattern: Json, text: Json, limit?: Json): string[] {
  const n = int(limit, "regex.split limit", { min: 1, max: MAX_MATCHES, fallback: MAX_MATCHES });
  return input(text).split(compile(pattern, "", false), n);
}

/** `regex.escape(text)`: the text as a pattern matching itself. */
export function regexEscape(text: Json): string {
  return str(text, "regex.escape(text)").replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
