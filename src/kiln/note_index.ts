/**
 * The persistent note index of a kiln: what `cru kiln index` builds and every query reads.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Diagnostic, Heading, LinkKind } from "./types.ts";
import { indexPath, openIndexDb } from "./index_db.ts";
import { type IndexOptions, type IndexReport, updateIndex } from "./indexer.ts";
import { type SearchHit, searchNotes, type SearchOptions } from "./search.ts";
import { matchesWhere, type WhereFilter } from "./where.ts";
import { memoryLookup, resolveLink, targetKey } from "./resolver.ts";
import { normalizeKilnPath } from "./paths.ts";

/** A note as the index holds it (the body is in the full-text index; read the file for it). */
export interface IndexedNote {
  /** Kiln-relative path. */
  path: string;
  /** Title. */
  title: string;
  /** Frontmatter mapping. */
  frontmatter: Record<string, unknown>;
  /** Frontmatter aliases. */
  aliases: string[];
  /** Frontmatter and inline tags. */
  tags: string[];
  /** ATX headings. */
  headings: Heading[];
  /** Words in the body. */
  wordCount: number;
  /** File size in bytes. */
  bytes: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
  /** False when the note was over the size limit and its text was not indexed. */
  indexed: boolean;
  /** Problems found in the note. */
  diagnostics: Diagnostic[];
}

/** One link out of a note, with where it led. */
export interface OutgoingLink {
  /** Target as written. */
  target: string;
  /** Heading part, if any. */
  heading: string | null;
  /** Block id, if any. */
  block: string | null;
  /** Display text, if any. */
  alias: string | null;
  /** True for embeds. */
  embed: boolean;
  /** Link syntax. */
  kind: LinkKind;
  /** 1-based line in the source note. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Resolved path, or null when unresolved. */
  resolved: string | null;
  /** What it resolved to, or null when unresolved. */
  resolvedKind: "note" | "attachment" | "self" | null;
}

/** One note linking to another. */
export interface Backlink {
  /** Path of the linking note. */
  path: string;
  /** Title of the linking note. */
  title: string;
  /** Target as written in the linking note. */
  target: string;
  /** Heading part, if any. */
  heading: string | null;
  /** True for embeds. */
  embed: boolean;
  /** Line of the link in the linking note. */
  line: number;
  /** Column of the link. */
  column: number;
}

/** A link that leads nowhere yet. */
export interface UnresolvedLink {
  /** Path of the note holding the link. */
  source: string;
  /** Target as written. */
  target: string;
  /** Line of the link. */
  line: number;
}

/** Options of {@link NoteIndex.list}. */
export interface ListOptions {
  /** Folder to list (kiln-relative, `""` = root). Default root. */
  folder?: string;
  /** Include sub-folders. Default false, or true when `folder` is not given. */
  recursive?: boolean;
  /** Only notes with this tag or a tag nested below it (`project` matches `project/alpha`). */
  tag?: string;
  /** Frontmatter filters, all of which must hold. */
  where?: readonly WhereFilter[];
  /** Most notes to return. */
  limit?: number;
}

/** A row of {@link NoteIndex.list}. */
export interface NoteSummary {
  /** Kiln-relative path. */
  path: string;
  /** Title. */
  title: string;
  /** Tags. */
  tags: string[];
  /** Words in the body. */
  wordCount: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
}

/** Kiln-wide counts. */
export interface KilnStats {
  /** Notes indexed. */
  notes: number;
  /** Links of every kind. */
  links: number;
  /** Links that resolved to a note, attachment or the same note. */
  resolvedLinks: number;
  /** Links that lead nowhere. */
  unresolvedLinks: number;
  /** Distinct unresolved targets (case-insensitive). */
  unresolvedTargets: number;
  /** Embeds among the links. */
  embeds: number;
  /** Distinct tags (case-insensitive). */
  tags: number;
  /** Most used tags. */
  topTags: { tag: string; notes: number }[];
  /** Non-Markdown files. */
  attachments: number;
  /** Words across all notes. */
  words: number;
  /** Bytes across all notes. */
  bytes: number;
  /** Files skipped as binary, not UTF-8 or unreadable. */
  skipped: number;
  /** Notes with diagnostics. */
  notesWithDiagnostics: number;
}

/** A link between two notes, as the link graph needs it. */
export interface NoteEdge {
  /** Linking note. */
  source: string;
  /** Linked note. */
  target: string;
}

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

  private constructor(root: string, file: string, db: DatabaseSync) {
    this.root = root;
    this.file = file;
    this.#db = db;
  }

  /** Open (or create) the index of the kiln at `root`. */
  static open(root: string, options: { file?: string } = {}): NoteIndex {
    const file = options.file ?? indexPath(root);
    return new NoteIndex(root, file, openIndexDb(root, file));
  }

  /** Bring the index up to date with the files on disk. */
  update(options: IndexOptions = {}): IndexReport {
    return updateIndex(this.#db, this.root, options);
  }

  /** Close the database. */
  close(): void {
    this.#db.close();
  }

  /** The indexed note at this exact kiln path, or null. */
  note(path: string): IndexedNote | null {
    const row = this.#db.prepare("SELECT * FROM notes WHERE path = ?").get(path) as
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
      const exact = this.#db.prepare("SELECT path FROM notes WHERE path = ?").get(p);
      if (exact) return (exact as { path: string }).path;
    }
    const folded = this.#db.prepare("SELECT path FROM notes WHERE path_lower = ? ORDER BY path")
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
        clauses.push("(folder = ? OR substr(folder, 1, ?) = ?)");
        params.push(folder, String(folder.length + 1), folder + "/");
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
    for (const raw of this.#db.prepare(sql).iterate(...params)) {
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
    return this.#db.prepare(
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
    return this.#db.prepare(
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
    return this.#db.prepare(
      `SELECT n.path AS source, l.target AS target, l.line AS line FROM links l
       JOIN notes n ON n.id = l.src_id WHERE l.dst_kind IS NULL ORDER BY n.path, l.line, l.col`,
    ).all().map((r) => ({ ...r }) as unknown as UnresolvedLink);
  }

  /** Every note-to-note link (self-links excluded), for the link graph. */
  *edges(): Generator<NoteEdge> {
    for (
      const row of this.#db.prepare(
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
      const r of this.#db.prepare(
        "SELECT diagnostics FROM notes WHERE diagnostics != '[]' ORDER BY path",
      ).iterate()
    ) out.push(...JSON.parse((r as { diagnostics: string }).diagnostics));
    for (const r of this.#db.prepare("SELECT diagnostic FROM skipped ORDER BY path").iterate()) {
      out.push(JSON.parse((r as { diagnostic: string }).diagnostic));
    }
    return out;
  }

  /** Kiln-wide counts. */
  stats(): KilnStats {
    const one = (sql: string) => (this.#db.prepare(sql).get() as { n: number | null }).n ?? 0;
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
      topTags: this.#db.prepare(
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
    return searchNotes(this.#db, query, options);
  }

  #paths(sql: string, ...params: string[]): string[] {
    return this.#db.prepare(sql).all(...params).map((r) => (r as { path: string }).path);
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
