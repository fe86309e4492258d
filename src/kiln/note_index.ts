/**
 * The persistent note index of a kiln: what `cru kiln index` builds and every query reads.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Diagnostic, LinkKind } from "./types.ts";
import type {
  Backlink,
  IndexedNote,
  KilnStats,
  ListOptions,
  NoteEdge,
  NoteSummary,
  OutgoingLink,
  UnresolvedLink,
} from "./index_types.ts";
import { discardBuildDb, indexPath, installBuildDb, openIndexDb } from "./index_db.ts";
import { type IndexOptions, type IndexReport, updateIndex } from "./indexer.ts";
import { buildIndex } from "./bulk_index.ts";
import { walkKiln } from "./walk.ts";
import {
  NoteFiles,
  type SearchHit,
  searchNotes,
  type SearchOptions,
  type SnippetSource,
} from "./search.ts";
import { parseNote } from "./note.ts";
import type { WordVectorEmbedder } from "./embeddings.ts";
import {
  builtinEmbedder,
  type EmbeddingProvider,
  type EmbeddingSettings,
} from "./embedding_providers.ts";
import { vocabularyCached } from "./vocabulary.ts";
import {
  bumpVectorVersion,
  loadVectorMatrix,
  nearest,
  notesWithoutVectors,
  putVector,
  setVectorModel,
  type VectorMatrix,
  vectorModel,
  vectorVersion,
} from "./vectors.ts";
import { cacheDir } from "../config/paths.ts";
import { matchesWhere } from "./where.ts";
import { memoryLookup, resolveLink, targetKey } from "./resolver.ts";
import { normalizeKilnPath } from "./paths.ts";

export type {
  Backlink,
  IndexedNote,
  KilnStats,
  ListOptions,
  NoteEdge,
  NoteSummary,
  OutgoingLink,
  UnresolvedLink,
} from "./index_types.ts";

/**
 * The note index of one kiln (SQLite at `<kiln>/.crucible/index.db`).
 *
 * @example
 * ```ts
 * import { NoteIndex } from "./note_index.ts";
 * const index = NoteIndex.open("tests/fixtures/demo_kiln");
 * index.update();
 * console.log(index.search("dragon", { limit: 3 }));
 * index.close();
 * ```
 */
export class NoteIndex {
  /** The kiln root this index describes. */
  readonly root: string;
  /** The database file. */
  readonly file: string;
  #db: DatabaseSync;
  /**
   * Prepared statements by SQL text. Preparing was most of the cost of a lookup (a `find` prepares
   * up to five), and plugins make thousands of them; cleared whenever `#db` changes.
   */
  #statements = new Map<string, StatementSync>();
  /** Device and inode of the file `#db` has open, to notice when a rebuild replaced it. */
  #identity: string;
  #embeddings: EmbeddingSettings | null;
  #matrix: VectorMatrix | null = null;
  /** The vector version at which every note was last seen to have a vector. */
  #complete: string | null = null;

  private constructor(
    root: string,
    file: string,
    db: DatabaseSync,
    embeddings: EmbeddingSettings | null,
  ) {
    this.root = root;
    this.file = file;
    this.#db = db;
    this.#identity = fileIdentity(file);
    this.#embeddings = embeddings;
  }

  /**
   * Open (or create) the index of the kiln at `root`. `embeddings` says which note vectors
   * updates keep current: by default the built-in ones, under the cache folder of the
   * environment, once a semantic search has prepared them on this machine.
   */
  static open(
    root: string,
    options: { file?: string; embeddings?: EmbeddingSettings } = {},
  ): NoteIndex {
    const file = options.file ?? indexPath(root);
    return new NoteIndex(
      root,
      file,
      openIndexDb(root, file),
      options.embeddings ?? defaultEmbeddings(),
    );
  }

  /**
   * The embedder an update makes note vectors with as it reads notes: the built-in one, when
   * its word vectors are cached and the index holds no other model's vectors (vectors of a
   * service are made by {@link NoteIndex.prepareVectors}, which can wait for it).
   */
  #inlineEmbedder(): WordVectorEmbedder | null {
    const s = this.#embeddings;
    if (!s || s.provider !== "builtin" || !s.cacheDir || !vocabularyCached(s.cacheDir)) {
      return null;
    }
    const current = vectorModel(this.#db);
    if (current !== null && !current.startsWith("builtin:")) return null;
    try {
      return builtinEmbedder(s.cacheDir);
    } catch {
      return null; // a damaged cache: the next semantic search rebuilds it and says why
    }
  }

  /**
   * Bring the index up to date with the files on disk. An empty index, or `rebuild`, is built
   * whole into a scratch file that then replaces the index file; otherwise only added, changed
   * and deleted notes are written (or just `paths`, when given).
   */
  update(options: IndexOptions = {}): IndexReport {
    const started = performance.now();
    if (fileIdentity(this.file) !== this.#identity) this.#reopen();
    const asked = options.embedder;
    options = { embedder: () => this.#inlineEmbedder(), ...options };
    if (options.rebuild || (!options.paths && this.#isEmpty())) {
      const walk = walkKiln(this.root);
      if (options.rebuild || walk.notes.length > 0) {
        const { report, scratch } = buildIndex(walk, {
          ...options,
          // Unless asked, a whole build leaves note vectors to the first semantic search
          // (`prepareVectors`): embedding inline made every cold build 40–60% slower, for
          // vectors only semantic and hybrid search use.
          embedder: asked ?? null,
          root: this.root,
          file: this.file,
          started,
        });
        this.#db.close();
        this.#statements.clear();
        try {
          installBuildDb(scratch, this.file);
        } catch (e) {
          discardBuildDb(scratch);
          this.#reopen();
          throw e;
        }
        this.#reopen();
        report.durationMs = performance.now() - started;
        return report;
      }
    }
    return updateIndex(this.#db, this.root, options);
  }

  #isEmpty(): boolean {
    const row = this.#prepare(
      "SELECT EXISTS (SELECT 1 FROM notes) OR EXISTS (SELECT 1 FROM skipped) AS used",
    ).get() as { used: number };
    return row.used === 0;
  }

  /** Open the index file again: a rebuild (here or in another process) replaced it. */
  #reopen(): void {
    try {
      this.#db.close();
    } catch { /* closed already */ }
    this.#db = openIndexDb(this.root, this.file);
    this.#statements.clear();
    this.#identity = fileIdentity(this.file);
    this.#matrix = null;
    this.#complete = null;
  }

  #prepare(sql: string): StatementSync {
    let st = this.#statements.get(sql);
    if (!st) {
      st = this.#db.prepare(sql);
      this.#statements.set(sql, st);
    }
    return st;
  }

  /** Close the database. */
  close(): void {
    this.#statements.clear();
    this.#db.close();
  }

  /** The indexed note at this exact kiln path, or null. */
  note(path: string): IndexedNote | null {
    const row = this.#prepare("SELECT * FROM notes WHERE path = ?").get(path) as
      | Record<string, unknown>
      | undefined;
    return row ? toNote(row) : null;
  }

  /**
   * Find the note a user means: an exact path, a path without `.md`, a path in another case, or a
   * name or alias as a wikilink would resolve it from the kiln root. Null when nothing matches.
   */
  find(ref: string): string | null {
    const cleaned = ref.trim().replace(/^\[\[|\]\]$/g, "");
    let path: string;
    try {
      path = normalizeKilnPath(cleaned);
    } catch {
      return null;
    }
    const withMd = /\.md$/i.test(path) ? path : path + ".md";
    for (const p of [path, withMd]) {
      const exact = this.#prepare("SELECT path FROM notes WHERE path = ?").get(p);
      if (exact) return (exact as { path: string }).path;
    }
    const folded = this.#prepare("SELECT path FROM notes WHERE path_lower = ? ORDER BY path")
      .get(withMd.toLowerCase());
    if (folded) return (folded as { path: string }).path;
    const key = targetKey(path);
    const notes = this.#paths("SELECT path FROM notes WHERE stem_lower = ?", key);
    const aliased = this.#paths(
      "SELECT n.path AS path FROM aliases a JOIN notes n ON n.id = a.note_id WHERE alias_lower = ?",
      key,
    );
    const lookup = memoryLookup([
      ...notes.map((p) => ({ path: p, aliases: [] })),
      ...aliased.map((p) => ({ path: p, aliases: [key] })),
    ], []);
    const res = resolveLink({ target: path, kind: "wikilink" }, "", lookup);
    return res && res.kind === "note" ? res.path : null;
  }

  /** Notes in a folder, optionally filtered by tag and frontmatter, sorted by path. */
  list(options: ListOptions = {}): NoteSummary[] {
    const folder = options.folder === undefined ? "" : normalizeKilnPath(options.folder);
    const recursive = options.recursive ?? options.folder === undefined;
    const clauses: string[] = [];
    const params: string[] = [];
    if (recursive) {
      if (folder !== "") {
        // Below `folder/`: "0" is the character after "/", so the range uses the folder index.
        clauses.push("(folder = ? OR (folder >= ? AND folder < ?))");
        params.push(folder, folder + "/", folder + "0");
      }
    } else {
      clauses.push("folder = ?");
      params.push(folder);
    }
    if (options.tag !== undefined) {
      const tag = options.tag.replace(/^#/, "").toLowerCase();
      clauses.push(
        "EXISTS (SELECT 1 FROM tags t WHERE t.note_id = notes.id AND " +
          "(t.tag_lower = ? OR substr(t.tag_lower, 1, ?) = ?))",
      );
      params.push(tag, String(tag.length + 1), tag + "/");
    }
    const sql = "SELECT path, title, tags, word_count, mtime, frontmatter FROM notes" +
      (clauses.length ? " WHERE " + clauses.join(" AND ") : "") + " ORDER BY path";
    const out: NoteSummary[] = [];
    const limit = options.limit ?? Infinity;
    let scanned = 0;
    for (const raw of this.#prepare(sql).iterate(...params)) {
      if (options.checkpoint && ++scanned % 256 === 0) options.checkpoint();
      const row = raw as Record<string, string | number>;
      if (options.where?.length) {
        if (!matchesWhere(JSON.parse(row.frontmatter as string), options.where)) continue;
      }
      out.push({
        path: row.path as string,
        title: row.title as string,
        tags: JSON.parse(row.tags as string),
        wordCount: row.word_count as number,
        mtime: row.mtime as number,
      });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Links out of a note, in the order written. */
  forwardLinks(path: string): OutgoingLink[] {
    return this.#prepare(
      `SELECT l.target, l.heading, l.block, l.alias, l.embed, l.kind, l.line, l.col, l.dst_path,
         l.dst_kind FROM links l JOIN notes n ON n.id = l.src_id WHERE n.path = ?
       ORDER BY l.line, l.col`,
    ).all(path).map((r) => {
      const row = r as Record<string, string | number | null>;
      return {
        target: row.target as string,
        heading: row.heading as string | null,
        block: row.block as string | null,
        alias: row.alias as string | null,
        embed: row.embed === 1,
        kind: row.kind as LinkKind,
        line: row.line as number,
        column: row.col as number,
        resolved: row.dst_path as string | null,
        resolvedKind: row.dst_kind as OutgoingLink["resolvedKind"],
      };
    });
  }

  /** Notes linking to this note (same-note links excluded), by path then line. */
  backlinks(path: string): Backlink[] {
    return this.#prepare(
      `SELECT n.path AS path, n.title AS title, l.target AS target, l.heading AS heading,
         l.embed AS embed, l.line AS line, l.col AS col
       FROM notes d JOIN links l ON l.dst_id = d.id JOIN notes n ON n.id = l.src_id
       WHERE d.path = ? AND l.dst_kind = 'note' ORDER BY n.path, l.line, l.col`,
    ).all(path).map((r) => {
      const row = r as Record<string, string | number | null>;
      return {
        path: row.path as string,
        title: row.title as string,
        target: row.target as string,
        heading: row.heading as string | null,
        embed: row.embed === 1,
        line: row.line as number,
        column: row.col as number,
      };
    });
  }

  /** Every link that leads nowhere, by source path and line. */
  unresolved(): UnresolvedLink[] {
    return this.#prepare(
      `SELECT n.path AS source, l.target AS target, l.line AS line FROM links l
       JOIN notes n ON n.id = l.src_id WHERE l.dst_kind IS NULL ORDER BY n.path, l.line, l.col`,
    ).all().map((r) => ({ ...r }) as unknown as UnresolvedLink);
  }

  /** Every note-to-note link (self-links excluded), for the link graph. */
  *edges(): Generator<NoteEdge> {
    for (
      const row of this.#prepare(
        `SELECT s.path AS source, l.dst_path AS target FROM links l JOIN notes s ON s.id = l.src_id
         WHERE l.dst_kind = 'note'`,
      ).iterate()
    ) yield { ...row } as unknown as NoteEdge;
  }

  /** Every note path, sorted. */
  paths(): string[] {
    return this.#paths("SELECT path FROM notes ORDER BY path");
  }

  /** Diagnostics of every note plus skipped files, by file. */
  diagnostics(): Diagnostic[] {
    const out: Diagnostic[] = [];
    for (
      const r of this.#prepare(
        "SELECT diagnostics FROM notes WHERE diagnostics != '[]' ORDER BY path",
      ).iterate()
    ) out.push(...JSON.parse((r as { diagnostics: string }).diagnostics));
    for (const r of this.#prepare("SELECT diagnostic FROM skipped ORDER BY path").iterate()) {
      out.push(JSON.parse((r as { diagnostic: string }).diagnostic));
    }
    return out;
  }

  /** Kiln-wide counts. */
  stats(): KilnStats {
    const one = (sql: string) => (this.#prepare(sql).get() as { n: number | null }).n ?? 0;
    return {
      notes: one("SELECT count(*) AS n FROM notes"),
      links: one("SELECT count(*) AS n FROM links"),
      resolvedLinks: one("SELECT count(*) AS n FROM links WHERE dst_kind IS NOT NULL"),
      unresolvedLinks: one("SELECT count(*) AS n FROM links WHERE dst_kind IS NULL"),
      unresolvedTargets: one(
        "SELECT count(DISTINCT lower(target)) AS n FROM links WHERE dst_kind IS NULL",
      ),
      embeds: one("SELECT count(*) AS n FROM links WHERE embed = 1"),
      tags: one("SELECT count(DISTINCT tag_lower) AS n FROM tags"),
      topTags: this.#prepare(
        `SELECT min(tag) AS tag, count(DISTINCT note_id) AS notes FROM tags GROUP BY tag_lower
         ORDER BY notes DESC, tag_lower LIMIT 10`,
      ).all().map((r) => ({ ...r }) as { tag: string; notes: number }),
      attachments: one("SELECT count(*) AS n FROM attachments"),
      words: one("SELECT sum(word_count) AS n FROM notes"),
      bytes: one("SELECT sum(size) AS n FROM notes"),
      skipped: one("SELECT count(*) AS n FROM skipped"),
      notesWithDiagnostics: one("SELECT count(*) AS n FROM notes WHERE diagnostics != '[]'"),
    };
  }

  /** Full-text search (see {@link searchNotes} for the query syntax). */
  search(query: string, options: SearchOptions = {}): SearchHit[] {
    return searchNotes(this.#db, query, { ...options, kiln: options.kiln ?? this.root });
  }

  /** The model of the stored note vectors, or null. */
  vectorModel(): string | null {
    return vectorModel(this.#db);
  }

  /**
   * Make sure every note has a vector from `provider`: vectors of another model are dropped,
   * and notes without one (new since, or never embedded) are read and embedded, in batches
   * (`onEmbed` is told how many first). Returns how many notes were embedded.
   */
  async prepareVectors(
    provider: EmbeddingProvider,
    options: { onEmbed?: (notes: number) => void } = {},
  ): Promise<number> {
    if (vectorModel(this.#db) !== provider.model) {
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        setVectorModel(this.#db, provider.model);
        this.#db.exec("COMMIT");
      } catch (e) {
        this.#db.exec("ROLLBACK");
        throw e;
      }
    }
    if (this.#complete === vectorVersion(this.#db)) return 0;
    const missing = notesWithoutVectors(this.#db);
    if (missing.length > 0) options.onEmbed?.(missing.length);
    const files = new NoteFiles(this.root);
    const BATCH = 256;
    let done = 0;
    for (let k = 0; k < missing.length; k += BATCH) {
      const part = missing.slice(k, k + BATCH);
      const notes = part.map(({ path }) => {
        const text = files.text(path);
        if (text === null) return { title: "", tags: [], body: "" };
        const note = parseNote(path, text, { bytes: text.length, mtime: 0 });
        return { title: note.title, tags: note.tags, body: note.body };
      });
      const vectors = await provider.embedNotes(notes);
      if (vectorModel(this.#db) !== provider.model) return done; // switched meanwhile
      this.#db.exec("BEGIN IMMEDIATE");
      try {
        // A note with nothing to embed gets an empty vector, so it is not read again each time.
        part.forEach(({ id }, j) => putVector(this.#db, id, vectors[j] ?? new Float32Array(0)));
        bumpVectorVersion(this.#db);
        this.#db.exec("COMMIT");
      } catch (e) {
        this.#db.exec("ROLLBACK");
        throw e;
      }
      done += part.length;
    }
    this.#complete = vectorVersion(this.#db);
    return done;
  }

  /**
   * The notes whose vectors are most similar to `query` (a unit vector of the stored model),
   * best first, with their cosine similarity; `accept` filters by path.
   */
  nearest(
    query: Float32Array,
    limit: number,
    accept: (path: string) => boolean = () => true,
  ): (SnippetSource & { title: string; score: number })[] {
    this.#matrix = loadVectorMatrix(this.#db, this.#matrix);
    const byId = this.#db.prepare(
      "SELECT path, title, body_line AS bodyLine, indexed FROM notes WHERE id = ?",
    );
    const rows = new Map<number, SnippetSource & { title: string }>();
    const row = (id: number) => {
      let r = rows.get(id);
      if (!r) {
        r = byId.get(id) as unknown as SnippetSource & { title: string };
        rows.set(id, r);
      }
      return r;
    };
    return nearest(this.#matrix, query, limit, (id) => {
      const r = row(id);
      return r !== undefined && accept(r.path);
    }).map((n) => ({ ...row(n.id), score: n.score }));
  }

  /** Where the body of a note starts, for its snippet; null when it is not indexed. */
  snippetSource(path: string): SnippetSource | null {
    const row = this.#db.prepare(
      "SELECT path, body_line AS bodyLine, indexed FROM notes WHERE path = ?",
    ).get(path) as SnippetSource | undefined;
    return row ? { ...row } : null;
  }

  /** The stored vector of a note, or null. */
  vectorOf(path: string): Float32Array | null {
    const row = this.#db.prepare(
      "SELECT v.vec AS vec FROM vectors v JOIN notes n ON n.id = v.note_id WHERE n.path = ?",
    ).get(path) as { vec: Uint8Array } | undefined;
    if (!row || row.vec.byteLength === 0) return null;
    return new Float32Array(
      row.vec.buffer.slice(row.vec.byteOffset, row.vec.byteOffset + row.vec.byteLength),
    );
  }

  /** Paths of the notes an FTS5 MATCH expression finds (for `-excluded` words). */
  matching(match: string): Set<string> {
    return new Set(this.#paths(
      "SELECT n.path AS path FROM notes_fts f JOIN notes n ON n.id = f.rowid WHERE notes_fts MATCH ?",
      match,
    ));
  }

  #paths(sql: string, ...params: string[]): string[] {
    return this.#prepare(sql).all(...params).map((r) => (r as { path: string }).path);
  }
}

/** The built-in embeddings under the environment's cache folder (none if it has no home). */
function defaultEmbeddings(): EmbeddingSettings | null {
  try {
    return { provider: "builtin", cacheDir: cacheDir() };
  } catch {
    return null;
  }
}

function fileIdentity(file: string): string {
  try {
    const info = Deno.statSync(file);
    return `${info.dev}:${info.ino}`;
  } catch {
    return "";
  }
}

function toNote(row: Record<string, unknown>): IndexedNote {
  return {
    path: row.path as string,
    title: row.title as string,
    frontmatter: JSON.parse(row.frontmatter as string),
    aliases: JSON.parse(row.aliases as string),
    tags: JSON.parse(row.tags as string),
    headings: JSON.parse(row.headings as string),
    wordCount: row.word_count as number,
    bytes: row.size as number,
    mtime: row.mtime as number,
    indexed: row.indexed === 1,
    diagnostics: JSON.parse(row.diagnostics as string),
  };
}
