/**
 * Search snippets built from the note text: the full-text index is contentless (it keeps no copy
 * of the notes), so the passage shown with a hit comes from the note file, cut around the first
 * matched term. Text is split and folded the way FTS5's `unicode61 remove_diacritics 2`
 * tokenizer does and stemmed with the same Porter rules, so the words highlighted are the words
 * the index matched.
 *
 * @module
 */
import { porterStem } from "./porter.ts";

/** One positive search term: a phrase of one or more stemmed tokens. */
export interface SnippetPhrase {
  /** Stemmed tokens, in order. */
  stems: readonly string[];
  /** True when the last token matches as a prefix (`word*`). */
  prefix: boolean;
}

/** Options of {@link buildSnippet}. */
export interface SnippetOptions {
  /** Marks the start of a match. */
  open: string;
  /** Marks the end of a match. */
  close: string;
  /** Tokens in the passage. Default 16. */
  tokens?: number;
  /** Marks text cut off at either end. Default `…`. */
  ellipsis?: string;
}

/** Tokens of a text: UTF-16 offsets and folded (lower-case, no diacritics) forms. */
export interface TextTokens {
  /** Start offset of each token. */
  starts: number[];
  /** End offset (exclusive) of each token. */
  ends: number[];
  /** Folded form of each token. */
  folded: string[];
}

/** Characters scanned for matches; a longer note shows its start if nothing matched earlier. */
const MAX_SCAN = 512 * 1024;
const CONTEXT_BEFORE = 4;

// FTS5's own Unicode tables count unassigned code points as token characters too.
const TOKEN_START = /^[\p{L}\p{N}\p{Co}\p{Cn}]$/u;
/** The combining marks FTS5 keeps inside a token (and drops): its `IsDiacritic` set. */
const DIACRITICS = new Set([
  ...range(0x300, 0x304),
  ...range(0x306, 0x30c),
  0x30f,
  0x311,
  0x31b,
  ...range(0x323, 0x328),
  0x32d,
  0x32e,
  0x330,
  0x331,
]);
/** Latin letters whose diacritics FTS5 keeps (ǡ ǣ ǯ ǽ ǿ and their capitals). */
const KEEPS_DIACRITICS = new Set([
  0x1e0,
  0x1e1,
  0x1e2,
  0x1e3,
  0x1ee,
  0x1ef,
  0x1fc,
  0x1fd,
  0x1fe,
  0x1ff,
]);
/** Per BMP code unit above ASCII: 0 unknown, 1 token char, 2 combining mark, 3 separator. */
const CLASS = new Uint8Array(65536);
const FOLD = new Map<number, string>();

function classOf(cp: number): number {
  if (cp < 65536) {
    let c = CLASS[cp];
    if (c === 0) {
      c = computeClass(cp);
      CLASS[cp] = c;
    }
    return c;
  }
  return computeClass(cp);
}

function computeClass(cp: number): number {
  const ch = String.fromCodePoint(cp);
  if (TOKEN_START.test(ch)) return 1;
  return DIACRITICS.has(cp) ? 2 : 3;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function fold(cp: number): string {
  let f = FOLD.get(cp);
  if (f === undefined) {
    const ch = String.fromCodePoint(cp);
    // Case folding rather than lower-casing (ſ is s, final ς is σ), one character at a time.
    const upper = ch.toUpperCase();
    f = [...upper].length === 1 && cp !== 0x131 ? upper.toLowerCase() : ch.toLowerCase();
    // FTS5 removes diacritics from Latin letters only, and not from a few with two of them.
    if ((cp < 0x250 && !KEEPS_DIACRITICS.has(cp)) || (cp >= 0x1e00 && cp <= 0x1eff)) {
      f = f.normalize("NFD").replace(/\p{M}/gu, "").normalize("NFC");
    }
    if (DIACRITICS.has(cp)) f = "";
    FOLD.set(cp, f);
  }
  return f;
}

/**
 * Split text into tokens as FTS5's unicode61 tokenizer with `remove_diacritics 2` does: runs of
 * letters, digits and private-use characters (combining diacritics continue a token), folded to
 * lower case without diacritics.
 *
 * @example
 * ```ts
 * import { tokenize } from "./snippet.ts";
 * tokenize("Café au-lait").folded; // ["cafe", "au", "lait"]
 * ```
 */
export function tokenize(text: string, limit = text.length): TextTokens {
  const starts: number[] = [];
  const ends: number[] = [];
  const folded: string[] = [];
  const end = Math.min(limit, text.length);
  let i = 0;
  while (i < end) {
    let c = text.charCodeAt(i);
    // Skip separators.
    if (c < 128) {
      if (!isAsciiWord(c)) {
        i++;
        continue;
      }
    } else {
      const cp = text.codePointAt(i)!;
      if (classOf(cp) !== 1) {
        i += cp > 0xffff ? 2 : 1;
        continue;
      }
    }
    const start = i;
    let out = "";
    while (i < end) {
      c = text.charCodeAt(i);
      if (c < 128) {
        if (!isAsciiWord(c)) break;
        out += c >= 65 && c <= 90 ? String.fromCharCode(c + 32) : text[i];
        i++;
      } else {
        const cp = text.codePointAt(i)!;
        if (classOf(cp) === 3) break;
        out += fold(cp);
        i += cp > 0xffff ? 2 : 1;
      }
    }
    starts.push(start);
    ends.push(i);
    folded.push(out);
  }
  return { starts, ends, folded };
}

function isAsciiWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
}

/**
 * Fold and stem a query term into the tokens FTS5 looks up.
 *
 * @example
 * ```ts
 * import { termStems } from "./snippet.ts";
 * termStems("Rolling Dice"); // ["roll", "dice"]
 * ```
 */
export function termStems(term: string): string[] {
  return tokenize(term).folded.map(porterStem);
}

/**
 * A passage of `text` around the first place any phrase matches, with every match in it
 * wrapped in `open`/`close`. With no match, the start of the text.
 *
 * @example
 * ```ts
 * import { buildSnippet } from "./snippet.ts";
 * buildSnippet("A dragon was seen rolling dice.", [{ stems: ["roll"], prefix: false }], {
 *   open: "[",
 *   close: "]",
 * }); // "A dragon was seen [rolling] dice."
 * ```
 */
export function buildSnippet(
  text: string,
  phrases: readonly SnippetPhrase[],
  options: SnippetOptions,
): string {
  const size = options.tokens ?? 16;
  const ellipsis = options.ellipsis ?? "…";
  const t = tokenize(text, MAX_SCAN);
  const n = t.folded.length;
  if (n === 0) return text.length <= 200 ? text : text.slice(0, 200) + ellipsis;

  // Stem only tokens whose first letter some phrase starts with (stemming never changes it).
  const firsts = new Set<number>();
  for (const p of phrases) for (const s of p.stems) if (s !== "") firsts.add(s.charCodeAt(0));
  const stems: (string | undefined)[] = new Array(n);
  const stemAt = (i: number): string | undefined => {
    if (!firsts.has(t.folded[i].charCodeAt(0))) return undefined;
    return (stems[i] ??= porterStem(t.folded[i]));
  };

  // Phrase instances as [first token, last token], in text order.
  const spans: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    let longest = -1;
    for (const p of phrases) {
      const k = p.stems.length;
      if (k === 0 || i + k > n) continue;
      let ok = true;
      for (let j = 0; j < k && ok; j++) {
        const s = stemAt(i + j);
        const want = p.stems[j];
        ok = s !== undefined && (p.prefix && j === k - 1 ? s.startsWith(want) : s === want);
      }
      if (ok) longest = Math.max(longest, i + k - 1);
    }
    if (longest >= 0) spans.push([i, longest]);
  }

  const first = spans.length > 0 ? spans[0][0] : 0;
  const start = Math.max(0, Math.min(first - CONTEXT_BEFORE, n - size));
  const last = Math.min(n - 1, start + size - 1);
  let out = start > 0 ? ellipsis : "";
  let pos = start > 0 ? t.starts[start] : 0;
  for (const [a, b0] of spans) {
    if (b0 < start) continue;
    if (a > last) break;
    const b = Math.min(b0, last);
    const from = t.starts[Math.max(a, start)];
    if (from < pos) continue; // overlaps the previous span
    out += text.slice(pos, from) + options.open + text.slice(from, t.ends[b]) + options.close;
    pos = t.ends[b];
  }
  const stop = last === n - 1 && text.length <= MAX_SCAN ? text.length : t.ends[last];
  out += text.slice(pos, Math.max(pos, stop));
  if (stop < text.length) out += ellipsis;
  return out;
}
