/**
 * The kiln core: parsing notes, resolving links, walking a kiln, and the persistent SQLite index
 * with full-text and semantic search and the link graph.
 *
 * @example
 * ```ts
 * import { NoteIndex, resolveKilnRoot } from "./mod.ts";
 * const { root } = resolveKilnRoot({ flag: "tests/fixtures/demo_kiln" });
 * const index = NoteIndex.open(root);
 * const report = index.update();
 * console.log(report.notes, index.backlinks("Home.md").length);
 * index.close();
 * ```
 *
 * @module
 */
export type * from "./types.ts";
export { parseFrontmatter } from "./frontmatter.ts";
export { scanMarkdown } from "./markdown.ts";
export { DEFAULT_MAX_FILE_SIZE, formatBytes, parseNote, readNote } from "./note.ts";
export type { NoteFileInfo, NoteRead } from "./note.ts";
export {
  folderOf,
  isPrivateName,
  normalizeKilnPath,
  PRIVATE_DIR,
  privatePath,
  stemOf,
} from "./paths.ts";
export { memoryLookup, resolveLink, targetKey } from "./resolver.ts";
export type { CandidateLookup, Candidates, Resolution, ResolvableNote } from "./resolver.ts";
export { isMarkdown, walkKiln } from "./walk.ts";
export type { WalkedNote, WalkResult } from "./walk.ts";
export { indexPath } from "./index_db.ts";
export type { IndexOptions, IndexReport } from "./indexer.ts";
export { NoteIndex } from "./note_index.ts";
export type {
  Backlink,
  IndexedNote,
  KilnStats,
  ListOptions,
  NoteEdge,
  NoteSummary,
  OutgoingLink,
  UnresolvedLink,
} from "./note_index.ts";
export {
  HIGHLIGHT_END,
  HIGHLIGHT_START,
  MAX_SEARCH_LIMIT,
  plainSnippet,
  searchNotes,
  toFtsQuery,
} from "./search.ts";
export type { SearchHit, SearchOptions } from "./search.ts";
export { DEFAULT_SEARCH_MODE, RRF_K, SEARCH_MODES, searchKiln } from "./hybrid.ts";
export type { KilnSearchOptions, SearchMode } from "./hybrid.ts";
export { builtinEmbedder, embeddingProvider } from "./embedding_providers.ts";
export type { EmbeddingProvider, EmbeddingSettings } from "./embedding_providers.ts";
export { type EmbeddableNote, WordVectorEmbedder } from "./embeddings.ts";
export {
  compactVocabulary,
  loadVocabulary,
  VOCABULARY_ID,
  VOCABULARY_SIZE,
  vocabularyFile,
} from "./vocabulary.ts";
export type { CompactionReport, Vocabulary } from "./vocabulary.ts";
export { matchesWhere, parseWhere } from "./where.ts";
export type { WhereFilter, WhereOp } from "./where.ts";
export { LinkGraph } from "./graph.ts";
export type { Hub } from "./graph.ts";
export { resolveKilnRoot } from "./kiln.ts";
export { KilnWatch } from "./watch.ts";
export type { KilnWatchOptions } from "./watch.ts";
export type { KilnLookup, KilnSource } from "./kiln.ts";
