/**
 * Full-text search over the note index (SQLite FTS5, Porter stemming, BM25 ranking with the title
 * weighted above tags and body).
 *
 * Query syntax, kept small and forgiving:
 * - words are all required: `dragon harbor` finds notes with both (stems match: `rolls` ~ `roll`);
 * - `"exact phrase"`;
 * - `word*` matches by prefix;
 * - `OR` between two terms makes either enough: `dragon OR wyrm`;
 * - `-word` excludes notes containing it.
 * Punctuation inside words is treated as a separator, never as FTS5 syntax, so any input is safe.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import * as path from "node:path";
import { InvalidParamsError } from "../errors.ts";
import { buildSnippet, type SnippetPhrase, termStems } from "./snippet.ts";
import { DEFAULT_MAX_FILE_SIZE } from "./note.ts";
import { unindexable } from "./walk.ts";

/** One search result. */
export interface SearchHit {
  /** Kiln-relative path. */
  path: string;
  /** Note title. */
  title: string;
  /** Relevance, higher is better (BM25, sign flipped). */
  score: number;
  /**
   * A short passage around the best match. Matched terms are wrapped in
   * {@link HIGHLIGHT_START} / {@link HIGHLIGHT_END}; use {@link plainSnippet} to drop them.
   */
  snippet: string;
}

/** Options of {@link searchNotes}. */
export interface SearchOptions {
  /** Most hits to return: default 20, at most 100. */
  limit?: number;
  /**
   * Kiln root the snippets are read from (the index keeps no copy of the text).
   * {@link NoteIndex.search} passes its own; without one, snippets are empty.
   */
  kiln?: string;
  /** Cut snippets (default true); without, every snippet is empty. */
  snippets?: boolean;
}

/** Marks the start of a matched term in {@link SearchHit.snippet}. */
export const HIGHLIGHT_START = "\u0002";
/** Marks the end of a matched term in {@link SearchHit.snippet}. */
export const HIGHLIGHT_END = "\u0003";

/** Largest `limit` a search accepts. */
export const MAX_SEARCH_LIMIT = 100;

/**
 * Longest query a search accepts, in characters. The parser is linear, but snippet highlighting
 * and the FTS5 expression grow with the number of terms, so an unbounded query is host work a
 * plugin could make as large as it liked.
 */
export const MAX_QUERY_LENGTH = 1000;

/** Refuse a query over {@link MAX_QUERY_LENGTH} with E_INVALID_PARAMS. */
export function checkQueryLength(query: string): void {
  if (query.length > MAX_QUERY_LENGTH) {
    throw new InvalidParamsError(
      `search query is ${query.length} characters long, over the ${MAX_QUERY_LENGTH}-character ` +
        `limit of the query parameter; search for fewer or shorter words`,
    );
  }
}

/** Drop highlight markers from a snippet. */
export function plainSnippet(snippet: string): string {
  return snippet.replaceAll(HIGHLIGHT_START, "").replaceAll(HIGHLIGHT_END, "");
}

interface Term {
  text: string;
  phrase: boolean;
  prefix: boolean;
  negate: boolean;
  or: boolean;
}

/**
 * Translate the user query syntax above into an FTS5 MATCH expression.
 *
 * @example
 * ```ts
 * import { toFtsQuery } from "./search.ts";
 * toFtsQuery('dragon "old harbor" -bell'); // '("dragon" AND "old harbor") NOT "bell"'
 * ```
 */
export function toFtsQuery(query: string): string {
  return compileQuery(query).match;
}

/** A query as FTS5 MATCH text, and its positive terms for highlighting. */
interface CompiledQuery {
  match: string;
  phrases: SnippetPhrase[];
}

/** One term of a query as written: its words, and whether it is excluded or a prefix. */
interface QueryToken {
  /** `OR` between terms. */
  or: boolean;
  negate: boolean;
  prefix: boolean;
  /** The term's words (letters, digits, `_`); empty when it has none. */
  words: string[];
}

/**
 * Split a query into terms in one pass. No regular expression with a quantifier anchored at the
 * end runs over the raw text: `"*"` repeated and then a letter made such a pattern quadratic.
 */
function queryTokens(query: string): QueryToken[] {
  const out: QueryToken[] = [];
  for (const m of query.matchAll(/(-?)"([^"]*)"?|(\S+)/g)) {
    if (m[3] === "OR") {
      out.push({ or: true, negate: false, prefix: false, words: [] });
      continue;
    }
    const negate = m[1] === "-" || (m[3]?.startsWith("-") ?? false);
    let raw = m[2] ?? (negate ? m[3].slice(1) : m[3]);
    let end = raw.length;
    while (end > 0 && raw.charCodeAt(end - 1) === 42 /* * */) end--;
    const prefix = m[2] === undefined && end < raw.length;
    raw = raw.slice(0, end);
    out.push({
      or: false,
      negate,
      prefix,
      words: raw.match(/[\p{L}\p{N}_]+/gu) ?? [],
    });
  }
  return out;
}

function compileQuery(query: string): CompiledQuery {
  checkQueryLength(query);
  const terms: Term[] = [];
  let pendingOr = false;
  for (const t of queryTokens(query)) {
    if (t.or) {
      pendingOr = terms.length > 0;
      continue;
    }
    if (t.words.length === 0) continue;
    terms.push({
      text: t.words.join(" "),
      phrase: t.words.length > 1,
      prefix: t.prefix,
      negate: t.negate,
      or: pendingOr && !t.negate,
    });
    pendingOr = false;
  }
  const positive = terms.filter((t) => !t.negate);
  if (positive.length === 0) {
    throw new InvalidParamsError(
      terms.length === 0
        ? `search query ${JSON.stringify(query)} has no words to search for`
        : `search query ${JSON.stringify(query)} only excludes words; add a word to look for`,
    );
  }
  const quote = (t: Term) => `"${t.text}"${t.prefix ? "*" : ""}`;
  // Terms joined by OR form one group; groups are all required. FTS5 binds AND tighter than OR,
  // so groups get explicit parentheses.
  const groups: string[][] = [];
  for (const t of positive) {
    if (t.or && groups.length > 0) groups[groups.length - 1].push(quote(t));
    else groups.push([quote(t)]);
  }
  let expr = groups
    .map((g) => (g.length > 1 && groups.length > 1 ? `(${g.join(" OR ")})` : g.join(" OR ")))
    .join(" AND ");
  const negative = terms.filter((t) => t.negate);
  if (negative.length > 0 && groups.length > 1) expr = `(${expr})`;
  for (const t of negative) expr += ` NOT ${quote(t)}`;
  const phrases = positive.map((t) => ({ stems: termStems(t.text), prefix: t.prefix }));
  return { match: expr, phrases };
}

/**
 * Run a full-text search; results are ranked best first (ties by index order).
 *
 * The ranking query picks the best rowids from the full-text index alone, so only the hits
 * returned are joined with their notes, and snippets are cut from those notes' files.
 */
export function searchNotes(
  db: DatabaseSync,
  query: string,
  options: SearchOptions = {},
): SearchHit[] {
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    throw new InvalidParamsError(
      `search limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}, got ${limit}`,
    );
  }
  const { match, phrases } = compileQuery(query);
  const rows = db.prepare(
    `WITH top AS MATERIALIZED (
       SELECT rowid AS id, bm25(notes_fts, 10.0, 1.0, 5.0) AS rank FROM notes_fts
       WHERE notes_fts MATCH ? ORDER BY rank, rowid LIMIT ?
     )
     SELECT n.path AS path, n.title AS title, -top.rank AS score, n.body_line AS bodyLine,
       n.indexed AS indexed
     FROM top JOIN notes n ON n.id = top.id ORDER BY top.rank, top.id`,
  ).all(match, limit) as unknown as {
    path: string;
    title: string;
    score: number;
    bodyLine: number;
    indexed: number;
  }[];
  const files = options.kiln === undefined || options.snippets === false
    ? null
    : new NoteFiles(options.kiln);
  return rows.map((r) => ({
    path: r.path,
    title: r.title,
    score: Math.round(r.score * 1e4) / 1e4,
    snippet: files ? noteSnippet(files, r, phrases) : "",
  }));
}

/** Where a note's body starts in its file, and whether its text was indexed. */
export interface SnippetSource {
  /** Kiln-relative path. */
  path: string;
  /** First line of the body (after frontmatter). */
  bodyLine: number;
  /** 1 when the text was indexed (0: too large to read). */
  indexed: number;
}

/** The snippet of a note: its passage around the first of `phrases` (else its start). */
export function noteSnippet(
  files: NoteFiles,
  note: SnippetSource,
  phrases: readonly SnippetPhrase[],
): string {
  const body = note.indexed === 1 ? files.body(note.path, note.bodyLine) : "";
  const snippet = body === ""
    ? ""
    : buildSnippet(body, phrases, { open: HIGHLIGHT_START, close: HIGHLIGHT_END });
  return snippet.replace(/\s+/g, " ").trim();
}

/**
 * The positive terms of a query, for highlighting, and the words it excludes; never throws
 * (semantic search accepts any text).
 */
export function queryTerms(query: string): {
  phrases: SnippetPhrase[];
  /** FTS5 MATCH text of the excluded terms (`"a" OR "b"`), or null. */
  excluded: string | null;
  /** The query without syntax and excluded terms: the text a vector is made of. */
  text: string;
} {
  let compiled: CompiledQuery | null = null;
  try {
    compiled = compileQuery(query);
  } catch { /* no positive word: no highlights */ }
  const excluded: string[] = [];
  const kept: string[] = [];
  for (const t of queryTokens(query)) {
    if (t.or || t.words.length === 0) continue;
    if (t.negate) excluded.push(`"${t.words.join(" ")}"`);
    else kept.push(t.words.join(" "));
  }
  return {
    phrases: compiled?.phrases ?? [],
    excluded: excluded.length > 0 ? excluded.join(" OR ") : null,
    text: kept.join(" "),
  };
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads note files for snippets and embeddings. Only files the walk would index are read (a note
 * that became a symlink out of the kiln or into `.crucible/` since it was indexed is not), and
 * not past the index's size limit.
 */
export class NoteFiles {
  #root: string;
  #realRoot: string | null = null;

  /** @param root the kiln root */
  constructor(root: string) {
    this.#root = root;
  }

  /** The whole text of the note at `rel`, or null if it cannot be read. */
  text(rel: string): string | null {
    try {
      this.#realRoot ??= Deno.realPathSync(this.#root);
      const real = Deno.realPathSync(path.join(this.#root, ...rel.split("/")));
      if (unindexable(this.#realRoot, real) !== null) return null;
      const info = Deno.statSync(real);
      if (!info.isFile || info.size > DEFAULT_MAX_FILE_SIZE) return null;
      return utf8.decode(Deno.readFileSync(real));
    } catch {
      return null;
    }
  }

  /** The text of the note at `rel` from line `bodyLine` on, or "" if it cannot be read. */
  body(rel: string, bodyLine: number): string {
    try {
      const text = this.text(rel);
      if (text === null) return "";
      let at = 0;
      for (let line = 1; line < bodyLine && at >= 0; line++) {
        at = text.indexOf("\n", at);
        if (at >= 0) at++;
      }
      return at < 0 ? "" : text.slice(at);
    } catch {
      return "";
    }
  }
}
