/**
 * One note turned into the rows the bulk index inserts: every column value computed (JSON
 * columns, folded keys, resolved links), so that the thread doing the inserts only binds them.
 * Runs in the parse workers, and on the main thread while they start or if they fail.
 *
 * Links are resolved against every note path of the walk. A link is final unless frontmatter
 * aliases could change it (a wikilink by bare name that matches no file name), which only the
 * complete set of notes can tell: those are marked for the main thread to resolve at the end.
 *
 * @module
 */
import type { Diagnostic } from "./types.ts";
import { readNote } from "./note.ts";
import { folderOf } from "./paths.ts";
import { type CandidateLookup, memoryLookup, resolveLink, targetKey } from "./resolver.ts";
import { WordVectorEmbedder } from "./embeddings.ts";
import { vocabularyFromBytes } from "./vocabulary.ts";

/** Values per link in {@link NoteRowsOk.links}, in {@link LINK_COLUMNS} order. */
export const LINK_WIDTH = 13;

/**
 * The flat layout of a link in {@link NoteRowsOk.links}: the `links` columns from `target` to
 * `col`, then the resolution: `final` (1, or 0 when aliases must decide), `dst_kind`,
 * `dst_path`, and the walk index of the note linked to (-1 for none).
 */
export const LINK_COLUMNS = [
  "target",
  "target_key",
  "heading",
  "block",
  "alias",
  "embed",
  "kind",
  "line",
  "col",
  "final",
  "dst_kind",
  "dst_path",
  "dst_index",
] as const;

/** What the workers need to know about the walk. */
export interface WalkSnapshot {
  /** Kiln root, absolute. */
  root: string;
  /** Path separator joining root and note paths. */
  sep: string;
  /** Kiln-relative note paths, in walk order. */
  paths: string[];
  /** Size of each note, bytes. */
  sizes: Float64Array;
  /** Modification time of each note, ms since the epoch. */
  mtimes: Float64Array;
  /** Kiln-relative attachment paths. */
  attachments: string[];
  /** Largest note whose text is indexed, bytes. */
  maxFileSize?: number;
  /**
   * The word-vector cache file's bytes (shared between threads), when note vectors are made as
   * notes are read.
   */
  vocabulary?: Uint8Array;
  /**
   * Where note vectors go, with a vocabulary: `dims` values per note in walk order, over shared
   * memory (one array for the whole build: a buffer per note, cloned between threads, cost
   * more than the embedding itself).
   */
  vectors?: Float32Array;
}

/** The rows of a note other than its text (sent as JSON: cheaper between threads). */
export interface NoteMeta {
  /** `notes` columns from `path_lower` to `diagnostics`, in schema order. */
  columns: (string | number)[];
  /** Tags as written, each with its lower-case form. */
  tags: [string, string][];
  /** Frontmatter aliases as written. */
  aliases: string[];
  /** The `title` column of the full-text index. */
  title: string;
  /** The `tags` column of the full-text index. */
  ftsTags: string;
  /** Links, {@link LINK_WIDTH} values each. */
  links: (string | number | null)[];
  /** Problems found in the note. */
  diagnostics: Diagnostic[];
}

/** A note read and turned into rows. */
export interface NoteRowsOk {
  /** Walk index of the note. */
  index: number;
  /** Read and parsed. */
  ok: true;
  /** {@link NoteMeta} as JSON. */
  meta: string;
  /** The body: the `body` column of the full-text index. */
  body: string;
  /** True when the note's vector was written to {@link WalkSnapshot.vectors}. */
  vector?: boolean;
}

/** A note that could not be read (binary, not UTF-8, unreadable). */
export interface NoteRowsFailed {
  /** Walk index of the note. */
  index: number;
  /** Skipped. */
  ok: false;
  /** Why. */
  diagnostic: Diagnostic;
}

/** What reading one note produced. */
export type NoteRows = NoteRowsOk | NoteRowsFailed;

/** A walk snapshot with the lookups built once per thread. */
export interface RowsContext {
  /** The walk. */
  walk: WalkSnapshot;
  /** Candidates by key from note file names and attachments (aliases unknown yet). */
  lookup: CandidateLookup;
  /** Walk index by note path. */
  indexOf: Map<string, number>;
  /** Makes note vectors, when the walk carries a vocabulary. */
  embedder: WordVectorEmbedder | null;
}

/** Build the per-thread lookups over a walk (`embedder`: one this thread has already). */
export function rowsContext(walk: WalkSnapshot, embedder?: WordVectorEmbedder | null): RowsContext {
  const indexOf = new Map<string, number>();
  for (let i = 0; i < walk.paths.length; i++) indexOf.set(walk.paths[i], i);
  const lookup = memoryLookup(walk.paths.map((p) => ({ path: p, aliases: [] })), walk.attachments);
  let made = embedder ?? null;
  if (!made && walk.vocabulary) {
    const vocabulary = vocabularyFromBytes(walk.vocabulary);
    if (vocabulary) made = new WordVectorEmbedder(vocabulary);
  }
  return { walk, lookup, indexOf, embedder: made };
}

/** Read note `index` of the walk and turn it into rows. Never throws for a bad file. */
export function noteRows(ctx: RowsContext, index: number): NoteRows {
  const { walk } = ctx;
  const path = walk.paths[index];
  const size = walk.sizes[index];
  const mtime = walk.mtimes[index];
  const r = readNote(walk.root + walk.sep + path.replaceAll("/", walk.sep), path, {
    maxFileSize: walk.maxFileSize,
    bytes: size,
    mtime,
  });
  if (!r.ok) return { index, ok: false, diagnostic: r.diagnostic };
  const note = r.note;
  const links: (string | number | null)[] = [];
  for (const link of note.links) {
    const res = resolveLink(link, path, ctx.lookup);
    // Only a bare-name wikilink matching no file name can be claimed by an alias.
    const final = link.kind !== "wikilink" || (res !== null && res.kind !== "attachment") ||
      link.target.trim().toLowerCase().replace(/\.md$/, "").includes("/");
    links.push(
      link.target,
      targetKey(link.target),
      link.heading ?? null,
      link.block ?? null,
      link.alias ?? null,
      link.embed ? 1 : 0,
      link.kind,
      link.line,
      link.column,
      final ? 1 : 0,
      final && res ? res.kind : null,
      final && res ? res.path : null,
      final && res?.kind === "note" ? ctx.indexOf.get(res.path)! : -1,
    );
  }
  const meta: NoteMeta = {
    columns: [
      path.toLowerCase(),
      targetKey(path),
      folderOf(path),
      note.title,
      mtime,
      size,
      note.wordCount,
      note.bodyLine,
      note.body === "" && note.bytes > 0 ? 0 : 1,
      JSON.stringify(note.frontmatter),
      JSON.stringify(note.aliases),
      JSON.stringify(note.tags),
      JSON.stringify(note.headings),
      JSON.stringify(note.diagnostics),
    ],
    tags: note.tags.map((t) => [t, t.toLowerCase()]),
    aliases: note.aliases,
    title: note.title,
    ftsTags: note.tags.join(" "),
    links,
    diagnostics: note.diagnostics,
  };
  const rows: NoteRowsOk = { index, ok: true, meta: JSON.stringify(meta), body: note.body };
  const { embedder } = ctx;
  if (embedder && walk.vectors) {
    const dims = embedder.dims;
    rows.vector =
      embedder.embedNote(note, walk.vectors.subarray(index * dims, (index + 1) * dims)) !== null;
  }
  return rows;
}
