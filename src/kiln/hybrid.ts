/**
 * Search in three modes over one index:
 *
 * - `text`: full-text search (FTS5, BM25; see `search.ts`). Exact words, phrases, prefixes.
 * - `semantic`: the notes whose vectors are closest (cosine) to the query's vector, so a note
 *   can be found by words it does not contain ("a storm at sea" finds "Shipwreck off the
 *   cape").
 * - `hybrid`: both rankings fused by reciprocal rank (RRF, Cormack et al. 2009): a note scores
 *   `Σ 1 / (60 + rank)` over the lists it is in, so notes both find come first, then the best
 *   of each.
 *
 * In every mode `-word` excludes notes containing the word, and `accept` (frontmatter filters)
 * is applied before the limit.
 *
 * @module
 */
import { InvalidParamsError } from "../errors.ts";
import type { NoteIndex } from "./note_index.ts";
import type { EmbeddingProvider } from "./embedding_providers.ts";
import {
  checkQueryLength,
  MAX_SEARCH_LIMIT,
  NoteFiles,
  noteSnippet,
  queryTerms,
  type SearchHit,
  type SnippetSource,
} from "./search.ts";
import type { SnippetPhrase } from "./snippet.ts";

/** How {@link searchKiln} ranks notes. */
export type SearchMode = "hybrid" | "text" | "semantic";

/** Every mode, the default first. */
export const SEARCH_MODES: readonly SearchMode[] = ["text", "hybrid", "semantic"];

/** The mode used when none is asked for. */
export const DEFAULT_SEARCH_MODE: SearchMode = "text";

/** The RRF constant: damps the weight of the very first ranks (the value of the paper). */
export const RRF_K = 60;

/** Options of {@link searchKiln}. */
export interface KilnSearchOptions {
  /** Most hits: default 20, at most 100. */
  limit?: number;
  /** Default {@link DEFAULT_SEARCH_MODE}. */
  mode?: SearchMode;
  /** Keep only notes this admits (frontmatter filters). */
  accept?: (path: string) => boolean;
  /**
   * Where vectors come from; needed by `semantic` and `hybrid` (a function is called only for
   * those modes).
   */
  provider?: EmbeddingProvider | (() => EmbeddingProvider);
  /** Told how many notes are embedded before the search (the first semantic search). */
  onEmbed?: (notes: number) => void;
}

/**
 * Search the kiln.
 *
 * @example
 * ```ts ignore
 * import { searchKiln } from "./hybrid.ts";
 * import { embeddingProvider } from "./embedding_providers.ts";
 * const provider = embeddingProvider({ provider: "builtin", cacheDir: "/tmp/cache" });
 * const hits = await searchKiln(index, "a storm at sea", { mode: "hybrid", provider });
 * ```
 */
export async function searchKiln(
  index: NoteIndex,
  query: string,
  options: KilnSearchOptions = {},
): Promise<SearchHit[]> {
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
    throw new InvalidParamsError(
      `search limit must be a whole number from 1 to ${MAX_SEARCH_LIMIT}, got ${limit}`,
    );
  }
  checkQueryLength(query);
  const mode = options.mode ?? DEFAULT_SEARCH_MODE;
  if (!SEARCH_MODES.includes(mode)) {
    throw new InvalidParamsError(
      `search mode ${JSON.stringify(mode)} is not one of ${SEARCH_MODES.join(", ")}`,
    );
  }
  const accept = options.accept;
  if (mode === "text") return textHits(index, query, limit, accept);

  const terms = queryTerms(query);
  if (terms.text.trim() === "") {
    throw new InvalidParamsError(
      `search query ${JSON.stringify(query)} has no words to search for`,
    );
  }
  const provider = typeof options.provider === "function" ? options.provider() : options.provider;
  if (!provider) throw new InvalidParamsError(`search mode ${mode} needs an embedding provider`);
  await index.prepareVectors(provider, { onEmbed: options.onEmbed });
  const vector = await provider.embedQuery(terms.text);
  const excluded = terms.excluded === null ? null : index.matching(terms.excluded);
  const admit = (p: string) => !excluded?.has(p) && (accept?.(p) ?? true);
  const depth = mode === "semantic" ? limit : MAX_SEARCH_LIMIT;
  const semantic = vector === null ? [] : index.nearest(vector, depth, admit);
  const files = new NoteFiles(index.root);
  if (mode === "semantic") {
    return semantic.map((n) => ({
      path: n.path,
      title: n.title,
      score: Math.round(n.score * 1e4) / 1e4,
      snippet: noteSnippet(files, n, terms.phrases),
    }));
  }
  // Hybrid: a query the full-text syntax cannot search (no positive word) still has a vector.
  let text: SearchHit[] = [];
  try {
    // Snippets only for the hits returned, below.
    text = textHits(index, query, MAX_SEARCH_LIMIT, accept, false);
  } catch (e) {
    if (!(e instanceof InvalidParamsError)) throw e;
  }
  const fused = new Map<string, { score: number; hit?: SearchHit; note?: (typeof semantic)[0] }>();
  text.forEach((hit, rank) => fused.set(hit.path, { score: 1 / (RRF_K + rank + 1), hit }));
  semantic.forEach((note, rank) => {
    const entry = fused.get(note.path) ?? { score: 0 };
    entry.score += 1 / (RRF_K + rank + 1);
    entry.note = note;
    fused.set(note.path, entry);
  });
  return [...fused.entries()]
    .sort((a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([path, e]) => ({
      path,
      title: e.hit?.title ?? e.note!.title,
      score: Math.round(e.score * 1e6) / 1e6,
      snippet: snippetOf(index, files, e.note ?? path, terms.phrases),
    }));
}

function snippetOf(
  index: NoteIndex,
  files: NoteFiles,
  note: SnippetSource | string,
  phrases: SnippetPhrase[],
): string {
  const source = typeof note === "string" ? index.snippetSource(note) : note;
  return source ? noteSnippet(files, source, phrases) : "";
}

/** Full-text hits; with a filter, further down the ranking until `limit` pass it. */
function textHits(
  index: NoteIndex,
  query: string,
  limit: number,
  accept: ((path: string) => boolean) | undefined,
  snippets = true,
): SearchHit[] {
  if (!accept) return index.search(query, { limit, snippets });
  const hits = index.search(query, { limit: MAX_SEARCH_LIMIT, snippets });
  return hits.filter((h) => accept(h.path)).slice(0, limit);
}
