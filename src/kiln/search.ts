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
import { InvalidParamsError } from "../errors.ts";

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
}

/** Marks the start of a matched term in {@link SearchHit.snippet}. */
export const HIGHLIGHT_START = "\u0002";
/** Marks the end of a matched term in {@link SearchHit.snippet}. */
export const HIGHLIGHT_END = "\u0003";

/** Largest `limit` a search accepts. */
export const MAX_SEARCH_LIMIT = 100;

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
  const terms: Term[] = [];
  const re = /(-?)"([^"]*)"?|(\S+)/g;
  let pendingOr = false;
  for (const m of query.matchAll(re)) {
    if (m[3] === "OR") {
      pendingOr = terms.length > 0;
      continue;
    }
    const negate = m[1] === "-" || (m[3]?.startsWith("-") ?? false);
    const raw = m[2] ?? m[3].replace(/^-/, "");
    const prefix = m[2] === undefined && raw.endsWith("*");
    const words = raw.replace(/\*+$/, "").match(/[\p{L}\p{N}_]+/gu);
    if (!words) continue;
    terms.push({
      text: words.join(" "),
      phrase: words.length > 1,
      prefix,
      negate,
      or: pendingOr && !negate,
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
  return expr;
}

/** Run a full-text search; results are ranked best first. */
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
  const match = toFtsQuery(query);
  const rows = db.prepare(
    `SELECT n.path AS path, n.title AS title, -bm25(notes_fts, 10.0, 1.0, 5.0) AS score,
       snippet(notes_fts, 1, '${HIGHLIGHT_START}', '${HIGHLIGHT_END}', '…', 16) AS snippet
     FROM notes_fts JOIN notes n ON n.id = notes_fts.rowid
     WHERE notes_fts MATCH ? ORDER BY bm25(notes_fts, 10.0, 1.0, 5.0) LIMIT ?`,
  ).all(match, limit) as unknown as SearchHit[];
  return rows.map((r) => ({
    path: r.path,
    title: r.title,
    score: Math.round(r.score * 1e4) / 1e4,
    snippet: r.snippet.replace(/\s+/g, " ").trim(),
  }));
}
