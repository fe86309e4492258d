/**
 * A single-pass, hand-written scanner that pulls tags, links, headings, block ids and a word count
 * out of a note body, following what Obsidian users expect rather than full CommonMark.
 *
 * The scan walks the body line by line with `charCodeAt`; regexes run only on one character or on
 * an already cut-out destination, so throughput stays well above 40 MB/s on typical notes.
 *
 * @module
 */

import type { Heading, Link, MarkdownScan } from "./types.ts";

/** Options for {@linkcode scanMarkdown}. */
export interface ScanMarkdownOptions {
  /** File line on which `body` starts, so reported lines count frontmatter too. Default 1. */
  firstLine?: number;
}

const CR = 13;
const TAB = 9;
const SPACE = 32;
const BANG = 33;
const DOUBLE_QUOTE = 34;
const HASH = 35;
const PERCENT = 37;
const APOSTROPHE = 39;
const OPEN_PAREN = 40;
const CLOSE_PAREN = 41;
const SLASH = 47;
const LT = 60;
const GT = 62;
const OPEN_BRACKET = 91;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const CARET = 94;
const BACKTICK = 96;
const PIPE = 124;
const TILDE = 126;
const RIGHT_SINGLE_QUOTE = 0x2019;
const BOM = 0xfeff;
/**
 * Longest inline Markdown link considered, in code units. Without a bound, a line of thousands of
 * unclosed `[` makes every one scan to the line's end; no local note link is anywhere near this.
 */
const MAX_LINK_LENGTH = 2048;

/** ASCII classes: 1 letter/digit, 2 tag-only (`_` `-` `/`), 4 starts inline syntax. */
const ASCII = new Uint8Array(128);
for (let c = 48; c <= 57; c++) ASCII[c] = 1;
for (let c = 65; c <= 90; c++) ASCII[c] = ASCII[c + 32] = 1;
for (const ch of "_-/") ASCII[ch.charCodeAt(0)] = 2;
for (const ch of "!#%<[\\`") ASCII[ch.charCodeAt(0)] = 4;

/** Lazily filled class of each BMP code unit above ASCII: 0 unknown, 1 word, 2 not. */
const BMP_WORD = new Uint8Array(65536);
const WORD_CHAR = /^[\p{L}\p{N}\p{M}]$/u;
const ALL_DIGITS = /^\p{Nd}+$/u;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

interface ScanState {
  src: string;
  tags: string[];
  tagKeys: Set<string>;
  links: Link[];
  headings: Heading[];
  blockIds: string[];
  firstH1: string | undefined;
  /** Exclusive end of a comment that runs past the current line; 0 when none is open. */
  commentEnd: number;
}

/**
 * Scans a note body for tags, links, ATX headings, block ids and words.
 *
 * Rules and choices, beyond the field docs in `types.ts`:
 * - Code: fenced blocks (3+ backticks or tildes, closed by the same char at least as long;
 *   unclosed runs to the end), inline code spans (a run of n backticks closed by exactly n on
 *   the same line), `<!-- -->` and `%% %%` comments (may span lines; unclosed runs to the end)
 *   hold no tags, links, headings or block ids. Fence lines may be indented any amount and sit
 *   behind `>` quote markers, so fences nested in list items and callouts are recognised.
 *   Indented code blocks are not recognised: list continuations are indented the same way.
 * - Headings: ATX only (`#`..`######`, up to 3 leading spaces); setext headings are out of
 *   scope. Headings with empty text are skipped.
 * - Tags: `#` at line start or after whitespace, then letters, marks, digits, `_`, `-`, `/`;
 *   needs a non-digit, trailing `/` dropped. `\#` escapes a tag.
 * - Wikilinks: `[[Note#A#B]]` has heading `A#B` (Obsidian's sub-heading path); `\|` (table
 *   escape) works like `|`; empty alias/heading parts are omitted.
 * - Markdown links: only local `.md` destinations; `x.md#^id` sets `block`. The text and
 *   destination of any inline link, local or not, are not scanned for tags; reference links
 *   are out of scope.
 * - Words: runs of Unicode letters, marks and digits over the whole body, code and comments
 *   included; an apostrophe inside a word (`don't`) keeps one word, while hyphens and
 *   underscores split (`state-of-the-art` is 4). A run of CJK text without spaces is one word.
 *
 * @example
 * ```ts
 * import { scanMarkdown } from "./markdown.ts";
 * const scan = scanMarkdown("# Mira\nMet [[Tomas|the smith]] #npc\n", { firstLine: 4 });
 * console.log(scan.firstH1, scan.tags, scan.links[0].line); // "Mira" ["npc"] 5
 * ```
 */
export function scanMarkdown(body: string, options: ScanMarkdownOptions = {}): MarkdownScan {
  const st: ScanState = {
    src: body,
    tags: [],
    tagKeys: new Set(),
    links: [],
    headings: [],
    blockIds: [],
    firstH1: undefined,
    commentEnd: 0,
  };
  const len = body.length;
  let words = 0;
  let fence = 0; // fence char in the low byte, length above it; 0 outside a fence
  let line = options.firstLine ?? 1;
  let pos = body.charCodeAt(0) === BOM ? 1 : 0;

  for (;;) {
    let nl = body.indexOf("\n", pos);
    if (nl < 0) nl = len;
    const end = nl > pos && body.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
    words += countWords(body, pos, end);
    if (fence !== 0) {
      if (closesFence(body, pos, end, fence & 0xff, fence >> 8)) fence = 0;
    } else if (st.commentEnd > pos) {
      if (st.commentEnd < end) scanInline(st, st.commentEnd, pos, end, line);
    } else {
      fence = opensFence(body, pos, end);
      if (fence === 0) {
        scanHeading(st, pos, end, line);
        scanInline(st, pos, pos, end, line);
      }
    }
    if (nl >= len) break;
    pos = nl + 1;
    line++;
  }

  const scan: MarkdownScan = {
    tags: st.tags,
    links: st.links,
    headings: st.headings,
    blockIds: st.blockIds,
    wordCount: words,
  };
  if (st.firstH1 !== undefined) scan.firstH1 = st.firstH1;
  return scan;
}

function isWordUnit(c: number): boolean {
  if (c < 128) return ASCII[c] === 1;
  let v = BMP_WORD[c];
  if (v === 0) {
    v = WORD_CHAR.test(String.fromCharCode(c)) ? 1 : 2;
    BMP_WORD[c] = v;
  }
  return v === 1;
}

/** Width (1 or 2 code units) of the word character at `k`, or 0 if it is not one. */
function wordCharWidth(src: string, k: number, end: number): number {
  const c = src.charCodeAt(k);
  if (c < 0xd800 || c > 0xdbff) return isWordUnit(c) ? 1 : 0;
  if (k + 1 >= end) return 0;
  const cp = src.codePointAt(k)!;
  return cp > 0xffff && WORD_CHAR.test(String.fromCodePoint(cp)) ? 2 : 0;
}

/** ASCII punctuation, the only characters a backslash escapes (CommonMark). */
function isEscapable(c: number): boolean {
  return c > SPACE && c < 127 && ASCII[c] !== 1;
}

function isSpace(c: number): boolean {
  return c === SPACE || c === TAB || c === 0xa0 || c === 0x3000 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f;
}

function countWords(src: string, from: number, end: number): number {
  let n = 0;
  let inWord = false;
  for (let k = from; k < end; k++) {
    const c = src.charCodeAt(k);
    if (c < 128 ? ASCII[c] === 1 : c < 0xd800 ? isWordUnit(c) : wordCharWidth(src, k, end) > 0) {
      if (!inWord) {
        n++;
        inWord = true;
      }
      if (c >= 0xd800 && c <= 0xdbff) k++;
    } else if (!(inWord && (c === APOSTROPHE || c === RIGHT_SINGLE_QUOTE))) {
      inWord = false;
    }
  }
  return n;
}

/** Skips indentation and blockquote markers at the start of a fence line. */
function fenceIndent(src: string, k: number, end: number): number {
  while (k < end) {
    const c = src.charCodeAt(k);
    if (c !== SPACE && c !== TAB && c !== GT) break;
    k++;
  }
  return k;
}

function opensFence(src: string, start: number, end: number): number {
  const k = fenceIndent(src, start, end);
  const ch = src.charCodeAt(k);
  if (ch !== BACKTICK && ch !== TILDE) return 0;
  let m = k;
  while (m < end && src.charCodeAt(m) === ch) m++;
  if (m - k < 3) return 0;
  if (ch === BACKTICK) {
    // A backtick fence's info string may not contain backticks (```a``` is inline code).
    for (let j = m; j < end; j++) if (src.charCodeAt(j) === BACKTICK) return 0;
  }
  return ((m - k) << 8) | ch;
}

function closesFence(src: string, start: number, end: number, ch: number, n: number): boolean {
  const k = fenceIndent(src, start, end);
  let m = k;
  while (m < end && src.charCodeAt(m) === ch) m++;
  if (m - k < n) return false;
  for (; m < end; m++) {
    const c = src.charCodeAt(m);
    if (c !== SPACE && c !== TAB) return false;
  }
  return true;
}

function scanHeading(st: ScanState, start: number, end: number, line: number): void {
  const src = st.src;
  let k = start;
  while (k < end && k - start < 3 && src.charCodeAt(k) === SPACE) k++;
  let level = 0;
  while (k < end && src.charCodeAt(k) === HASH) {
    level++;
    k++;
  }
  if (level === 0 || level > 6) return;
  if (k < end && src.charCodeAt(k) !== SPACE && src.charCodeAt(k) !== TAB) return;
  let e = end;
  while (k < e && isSpace(src.charCodeAt(k))) k++;
  while (e > k && isSpace(src.charCodeAt(e - 1))) e--;
  let h = e;
  while (h > k && src.charCodeAt(h - 1) === HASH) h--;
  if (h === k) return; // only a closing sequence: empty heading
  if (h < e && (src.charCodeAt(h - 1) === SPACE || src.charCodeAt(h - 1) === TAB)) {
    e = h;
    while (e > k && isSpace(src.charCodeAt(e - 1))) e--;
  }
  const text = src.slice(k, e);
  st.headings.push({ level, text, line });
  if (level === 1 && st.firstH1 === undefined) st.firstH1 = text;
}

/** Scans `[from, end)` of the line starting at `lineStart` for inline syntax and a block id. */
function scanInline(st: ScanState, from: number, lineStart: number, end: number, line: number) {
  const src = st.src;
  let i = from;
  let excludedEnd = from; // end of the last code span, comment or link on this line
  while (i < end) {
    const c = src.charCodeAt(i);
    if (c >= 128 || ASCII[c] !== 4) {
      i++;
      continue;
    }
    let next = -1;
    switch (c) {
      case BACKSLASH:
        i += i + 1 < end && isEscapable(src.charCodeAt(i + 1)) ? 2 : 1;
        continue;
      case BACKTICK: {
        let m = i;
        while (m < end && src.charCodeAt(m) === BACKTICK) m++;
        next = codeSpanEnd(src, m, end, m - i);
        if (next < 0) {
          i = m; // an unmatched run is literal text
          continue;
        }
        break;
      }
      case LT:
        if (src.startsWith("<!--", i)) next = commentEnd(st, src.indexOf("-->", i + 2), 3);
        break;
      case PERCENT:
        if (src.charCodeAt(i + 1) === PERCENT) {
          next = commentEnd(st, src.indexOf("%%", i + 2), 2);
        }
        break;
      case BANG:
        if (src.charCodeAt(i + 1) === OPEN_BRACKET) {
          next = scanLink(st, i + 1, end, { embed: true, line, column: i - lineStart + 1 });
        }
        break;
      case OPEN_BRACKET:
        next = scanLink(st, i, end, { embed: false, line, column: i - lineStart + 1 });
        break;
      case HASH:
        if (i === lineStart || isSpace(src.charCodeAt(i - 1))) {
          i = scanTag(st, i + 1, end);
          continue;
        }
        break;
    }
    if (next < 0) {
      i++;
    } else if (next > end) {
      return; // a comment runs past this line; nothing after it counts here
    } else {
      i = excludedEnd = next;
    }
  }
  scanBlockId(st, lineStart, excludedEnd, end);
}

/** End of a comment whose closer was found at `close` (or -1); records a multi-line comment. */
function commentEnd(st: ScanState, close: number, closerLength: number): number {
  const e = close < 0 ? st.src.length : close + closerLength;
  st.commentEnd = e;
  return e;
}

function codeSpanEnd(src: string, k: number, end: number, n: number): number {
  while (k < end) {
    if (src.charCodeAt(k) !== BACKTICK) {
      k++;
      continue;
    }
    const run = k;
    while (k < end && src.charCodeAt(k) === BACKTICK) k++;
    if (k - run === n) return k;
  }
  return -1;
}

function scanTag(st: ScanState, from: number, end: number): number {
  const src = st.src;
  let k = from;
  while (k < end) {
    const c = src.charCodeAt(k);
    if (c < 128) {
      if (ASCII[c] === 0 || ASCII[c] === 4) break;
      k++;
    } else {
      const w = wordCharWidth(src, k, end);
      if (w === 0) break;
      k += w;
    }
  }
  let e = k;
  while (e > from && src.charCodeAt(e - 1) === SLASH) e--;
  if (e === from) return k;
  const tag = src.slice(from, e);
  if (ALL_DIGITS.test(tag)) return k;
  const key = tag.toLowerCase();
  if (!st.tagKeys.has(key)) {
    st.tagKeys.add(key);
    st.tags.push(tag);
  }
  return k;
}

function scanBlockId(st: ScanState, lineStart: number, excludedEnd: number, end: number): void {
  const src = st.src;
  let e = end;
  while (e > lineStart && isSpace(src.charCodeAt(e - 1))) e--;
  let k = e;
  while (k > lineStart) {
    const c = src.charCodeAt(k - 1);
    if (c >= 128 || (ASCII[c] !== 1 && c !== 45)) break;
    k--;
  }
  const caret = k - 1;
  if (
    k === e || caret < excludedEnd || caret < lineStart || src.charCodeAt(caret) !== CARET ||
    (caret > lineStart && !isSpace(src.charCodeAt(caret - 1)))
  ) {
    return;
  }
  st.blockIds.push(src.slice(k, e));
}

/** Where a link starts: its line, the column of its first character (`!` for embeds). */
interface LinkPlace {
  embed: boolean;
  line: number;
  column: number;
}

/**
 * Tries a wikilink, then an inline Markdown link, whose first `[` is at `open`. Returns the index
 * after the link, or -1 if there is none.
 */
function scanLink(st: ScanState, open: number, end: number, place: LinkPlace): number {
  if (st.src.charCodeAt(open + 1) === OPEN_BRACKET) {
    const e = scanWikilink(st, open + 2, end, place);
    if (e >= 0) return e;
  }
  return scanMarkdownLink(st, open, end, place);
}

function scanWikilink(st: ScanState, from: number, end: number, place: LinkPlace): number {
  const src = st.src;
  let close = -1;
  let pipe = -1;
  for (let k = from; k + 1 < end; k++) {
    const c = src.charCodeAt(k);
    if (c === CLOSE_BRACKET && src.charCodeAt(k + 1) === CLOSE_BRACKET) {
      close = k;
      break;
    }
    if (c === OPEN_BRACKET && src.charCodeAt(k + 1) === OPEN_BRACKET) return -1;
    if (c === PIPE && pipe < 0) pipe = k;
  }
  if (close < 0) return -1;
  let refEnd = pipe < 0 ? close : pipe;
  if (pipe > from && src.charCodeAt(pipe - 1) === BACKSLASH) refEnd--;
  const ref = src.slice(from, refEnd);
  const hash = ref.indexOf("#");
  const target = (hash < 0 ? ref : ref.slice(0, hash)).trim();
  const { embed, line, column } = place;
  const link: Link = { target, embed, kind: "wikilink", line, column };
  if (hash >= 0) setFragment(link, ref.slice(hash + 1).trim());
  if (target === "" && link.heading === undefined && link.block === undefined) return -1;
  if (pipe >= 0) {
    const alias = src.slice(pipe + 1, close).trim();
    if (alias !== "") link.alias = alias;
  }
  st.links.push(link);
  return close + 2;
}

function setFragment(link: Link, fragment: string): void {
  if (fragment.charCodeAt(0) === CARET) {
    const block = fragment.slice(1).trim();
    if (block !== "") link.block = block;
  } else if (fragment !== "") {
    link.heading = fragment;
  }
}

function scanMarkdownLink(st: ScanState, open: number, lineEnd: number, place: LinkPlace): number {
  const src = st.src;
  const end = Math.min(lineEnd, open + MAX_LINK_LENGTH);
  let k = open + 1;
  let depth = 1;
  for (; k < end; k++) {
    const c = src.charCodeAt(k);
    if (c === BACKSLASH && isEscapable(src.charCodeAt(k + 1))) k++;
    else if (c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACKET && --depth === 0) break;
  }
  if (k >= end || src.charCodeAt(k + 1) !== OPEN_PAREN) return -1;
  const textEnd = k;
  let p = skipSpaces(src, k + 2, end);
  let dest: string;
  if (src.charCodeAt(p) === LT) {
    const s = p + 1;
    for (p = s; p < end; p++) {
      const c = src.charCodeAt(p);
      if (c === BACKSLASH && isEscapable(src.charCodeAt(p + 1))) p++;
      else if (c === GT || c === LT) break;
    }
    if (p >= end || src.charCodeAt(p) !== GT) return -1;
    dest = src.slice(s, p++);
  } else {
    const s = p;
    let parens = 0;
    for (; p < end; p++) {
      const c = src.charCodeAt(p);
      if (c === BACKSLASH && isEscapable(src.charCodeAt(p + 1))) p++;
      else if (c <= SPACE) break;
      else if (c === OPEN_PAREN) parens++;
      else if (c === CLOSE_PAREN && parens-- === 0) break;
    }
    if (p > end) p = end;
    dest = src.slice(s, p);
  }
  p = skipSpaces(src, p, end);
  const q = src.charCodeAt(p);
  if (q === DOUBLE_QUOTE || q === APOSTROPHE || q === OPEN_PAREN) {
    const closer = q === OPEN_PAREN ? CLOSE_PAREN : q;
    for (p++; p < end && src.charCodeAt(p) !== closer; p++) {
      if (src.charCodeAt(p) === BACKSLASH && isEscapable(src.charCodeAt(p + 1))) p++;
    }
    if (p >= end) return -1;
    p = skipSpaces(src, p + 1, end);
  }
  if (p >= end || src.charCodeAt(p) !== CLOSE_PAREN) return -1;

  const link = localMarkdownLink(dest, place);
  if (link) {
    const alias = src.slice(open + 1, textEnd).trim();
    if (alias !== "") link.alias = alias;
    st.links.push(link);
  }
  return p + 1;
}

function skipSpaces(src: string, k: number, end: number): number {
  while (k < end && (src.charCodeAt(k) === SPACE || src.charCodeAt(k) === TAB)) k++;
  return k;
}

/** A link for a local `.md` destination, or undefined for external and non-note targets. */
function localMarkdownLink(rawDest: string, place: LinkPlace): Link | undefined {
  const dest = rawDest.includes("\\") ? unescapePunctuation(rawDest) : rawDest;
  if (dest === "" || dest.charCodeAt(0) === HASH || dest.startsWith("//") || SCHEME.test(dest)) {
    return undefined;
  }
  const hash = dest.indexOf("#");
  const target = percentDecode(hash < 0 ? dest : dest.slice(0, hash)).trim();
  if (!target.toLowerCase().endsWith(".md")) return undefined;
  const { embed, line, column } = place;
  const link: Link = { target, embed, kind: "markdown", line, column };
  if (hash >= 0) setFragment(link, percentDecode(dest.slice(hash + 1)).trim());
  return link;
}

function unescapePunctuation(s: string): string {
  let out = "";
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === BACKSLASH && isEscapable(s.charCodeAt(k + 1))) k++;
    out += s[k];
  }
  return out;
}

function percentDecode(s: string): string {
  if (!s.includes("%")) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
