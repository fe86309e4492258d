/**
 * The Porter stemmer exactly as SQLite's FTS5 `porter` tokenizer applies it (`fts5_tokenize.c`),
 * so that text stemmed here matches the terms the full-text index holds. Search uses it to find
 * the matched words of a note when it builds a snippet from the note file (the index keeps no
 * copy of the text).
 *
 * FTS5 stems the UTF-8 bytes of a folded token: tokens under 3 or over 64 bytes pass through,
 * and any non-ASCII byte counts as a consonant. This port works on the same bytes.
 *
 * @module
 */

const MAX_TOKEN = 64;
const A = 97;
const E = 101;
const I = 105;
const O = 111;
const U = 117;
const Y = 121;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Stem one folded (lower-case, diacritics removed) token the way FTS5's porter tokenizer does.
 *
 * @example
 * ```ts
 * import { porterStem } from "./porter.ts";
 * porterStem("rolling"); // "roll"
 * porterStem("dragons"); // "dragon"
 * ```
 */
export function porterStem(token: string): string {
  let ascii = true;
  for (let i = 0; i < token.length; i++) {
    if (token.charCodeAt(i) > 127) {
      ascii = false;
      break;
    }
  }
  let buf: Uint8Array;
  if (ascii) {
    if (token.length < 3 || token.length > MAX_TOKEN) return token;
    buf = new Uint8Array(token.length + 8);
    for (let i = 0; i < token.length; i++) buf[i] = token.charCodeAt(i);
  } else {
    const bytes = encoder.encode(token);
    if (bytes.length < 3 || bytes.length > MAX_TOKEN) return token;
    buf = new Uint8Array(bytes.length + 8);
    buf.set(bytes);
  }
  const n = stemBytes(buf, ascii ? token.length : buf.length - 8);
  if (ascii) {
    let out = "";
    for (let i = 0; i < n; i++) out += String.fromCharCode(buf[i]);
    return out;
  }
  return decoder.decode(buf.subarray(0, n));
}

function isVowel(c: number, yIsVowel: boolean): boolean {
  return c === A || c === E || c === I || c === O || c === U || (yIsVowel && c === Y);
}

/** Index after the first vowel-consonant sequence in `b[from, from + n)`, relative; 0 if none. */
function gobbleVC(b: Uint8Array, from: number, n: number, prevCons: boolean): number {
  let cons = prevCons;
  let i = 0;
  for (; i < n; i++) {
    cons = !isVowel(b[from + i], cons);
    if (!cons) break;
  }
  for (i++; i < n; i++) {
    cons = !isVowel(b[from + i], cons);
    if (cons) return i + 1;
  }
  return 0;
}

/** m > 0 */
function mGt0(b: Uint8Array, n: number): boolean {
  return gobbleVC(b, 0, n, false) !== 0;
}

/** m > 1 */
function mGt1(b: Uint8Array, n: number): boolean {
  const k = gobbleVC(b, 0, n, false);
  return k !== 0 && gobbleVC(b, k, n - k, true) !== 0;
}

/** m = 1 */
function mEq1(b: Uint8Array, n: number): boolean {
  const k = gobbleVC(b, 0, n, false);
  return k !== 0 && gobbleVC(b, k, n - k, true) === 0;
}

/** *o: ends consonant-vowel-consonant, the last not w, x or y. */
function oStar(b: Uint8Array, n: number): boolean {
  const last = b[n - 1];
  if (last === 119 || last === 120 || last === Y) return false;
  let mask = 0;
  let cons = false;
  for (let i = 0; i < n; i++) {
    cons = !isVowel(b[i], cons);
    mask = (mask << 1) + (cons ? 1 : 0);
  }
  return (mask & 7) === 5;
}

/** m > 1 and the stem ends in s or t. */
function mGt1SorT(b: Uint8Array, n: number): boolean {
  const last = b[n - 1];
  return (last === 115 || last === 116) && mGt1(b, n);
}

/** *v*: the stem holds a vowel. */
function hasVowel(b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (isVowel(b[i], i > 0)) return true;
  return false;
}

function endsWith(b: Uint8Array, n: number, suffix: string): boolean {
  const k = suffix.length;
  if (n <= k) return false; // FTS5 requires the word to be longer than the suffix
  for (let i = 0; i < k; i++) if (b[n - k + i] !== suffix.charCodeAt(i)) return false;
  return true;
}

function put(b: Uint8Array, at: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[at + i] = s.charCodeAt(i);
  return at + s.length;
}

type Cond = (b: Uint8Array, n: number) => boolean;
/** A rule: suffix, condition on the stem before it, replacement. */
type Rule = readonly [string, Cond | null, string];

/**
 * Rules of steps 1b (its clean-up), 2, 3 and 4, keyed by the second-to-last letter as FTS5's generated switch
 * statements are. In each group the first rule whose suffix matches decides, whether or not its
 * condition holds.
 */
function rules(table: Record<string, Rule[]>): Map<number, Rule[]> {
  return new Map(Object.entries(table).map(([k, v]) => [k.charCodeAt(0), v]));
}

const STEP1B2 = rules({
  a: [["at", null, "ate"]],
  b: [["bl", null, "ble"]],
  i: [["iz", null, "ize"]],
});
const STEP2 = rules({
  a: [["ational", mGt0, "ate"], ["tional", mGt0, "tion"]],
  c: [["enci", mGt0, "ence"], ["anci", mGt0, "ance"]],
  e: [["izer", mGt0, "ize"]],
  g: [["logi", mGt0, "log"]],
  l: [
    ["bli", mGt0, "ble"],
    ["alli", mGt0, "al"],
    ["entli", mGt0, "ent"],
    ["eli", mGt0, "e"],
    ["ousli", mGt0, "ous"],
  ],
  o: [["ization", mGt0, "ize"], ["ation", mGt0, "ate"], ["ator", mGt0, "ate"]],
  s: [["alism", mGt0, "al"], ["iveness", mGt0, "ive"], ["fulness", mGt0, "ful"], [
    "ousness",
    mGt0,
    "ous",
  ]],
  t: [["aliti", mGt0, "al"], ["iviti", mGt0, "ive"], ["biliti", mGt0, "ble"]],
});
const STEP3 = rules({
  a: [["ical", mGt0, "ic"]],
  s: [["ness", mGt0, ""]],
  t: [["icate", mGt0, "ic"], ["iciti", mGt0, "ic"]],
  u: [["ful", mGt0, ""]],
  v: [["ative", mGt0, ""]],
  z: [["alize", mGt0, "al"]],
});
const STEP4 = rules({
  a: [["al", mGt1, ""]],
  c: [["ance", mGt1, ""], ["ence", mGt1, ""]],
  e: [["er", mGt1, ""]],
  i: [["ic", mGt1, ""]],
  l: [["able", mGt1, ""], ["ible", mGt1, ""]],
  n: [["ant", mGt1, ""], ["ement", mGt1, ""], ["ment", mGt1, ""], ["ent", mGt1, ""]],
  o: [["ion", mGt1SorT, ""], ["ou", mGt1, ""]],
  s: [["ism", mGt1, ""]],
  t: [["ate", mGt1, ""], ["iti", mGt1, ""]],
  u: [["ous", mGt1, ""]],
  v: [["ive", mGt1, ""]],
  z: [["ize", mGt1, ""]],
});

/** Apply one step; returns the new length and whether a rule fired (condition held). */
function step(b: Uint8Array, n: number, table: Map<number, Rule[]>): [number, boolean] {
  const group = table.get(b[n - 2]);
  if (!group) return [n, false];
  for (const [suffix, cond, out] of group) {
    if (!endsWith(b, n, suffix)) continue;
    const stem = n - suffix.length;
    if (cond === null || cond(b, stem)) return [put(b, stem, out), true];
    return [n, false];
  }
  return [n, false];
}

function stemBytes(b: Uint8Array, len: number): number {
  let n = len;
  // Step 1a.
  if (b[n - 1] === 115) {
    if (b[n - 2] === E) {
      if ((n > 4 && b[n - 4] === 115 && b[n - 3] === 115) || (n > 3 && b[n - 3] === I)) n -= 2;
      else n -= 1;
    } else if (b[n - 2] !== 115) {
      n -= 1;
    }
  }
  // Step 1b. Only removing "ed" or "ing" goes on to the clean-up below, not "eed" -> "ee".
  let fired = false;
  if (b[n - 2] === E) {
    if (endsWith(b, n, "eed")) {
      if (mGt0(b, n - 3)) n--;
    } else if (endsWith(b, n, "ed") && hasVowel(b, n - 2)) {
      n -= 2;
      fired = true;
    }
  } else if (b[n - 2] === 110 && endsWith(b, n, "ing") && hasVowel(b, n - 3)) {
    n -= 3;
    fired = true;
  }
  if (fired) {
    const [n2, fired2] = step(b, n, STEP1B2);
    n = n2;
    if (!fired2) {
      const c = b[n - 1];
      if (!isVowel(c, false) && c !== 108 && c !== 115 && c !== 122 && c === b[n - 2]) n--;
      else if (mEq1(b, n) && oStar(b, n)) b[n++] = E;
    }
  }
  // Step 1c.
  if (b[n - 1] === Y && hasVowel(b, n - 1)) b[n - 1] = I;
  // Steps 2 to 4.
  n = step(b, n, STEP2)[0];
  n = step(b, n, STEP3)[0];
  n = step(b, n, STEP4)[0];
  // Step 5a.
  if (b[n - 1] === E && (mGt1(b, n - 1) || (mEq1(b, n - 1) && !oStar(b, n - 1)))) n--;
  // Step 5b.
  if (n > 1 && b[n - 1] === 108 && b[n - 2] === 108 && mGt1(b, n - 1)) n--;
  return n;
}
