/**
 * The row-level writes of an incremental index update: a note inserted, rewritten or deleted
 * with its tags, aliases, links and full-text row, and links re-resolved when a note their
 * target key names comes or goes.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Diagnostic, Note } from "./types.ts";
import { folderOf } from "./paths.ts";
import { type CandidateLookup, type Candidates, resolveLink, targetKey } from "./resolver.ts";

/** Prepared statements and the row-level writes of one incremental update. */
export class IndexWriter {
  #db: DatabaseSync;
  #s: Record<string, StatementSync> = {};

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  #stmt(sql: string): StatementSync {
    return (this.#s[sql] ??= this.#db.prepare(sql));
  }

  insertNote(note: Note, stat: { mtime: number; size: number }, affected: Set<string>): number {
    const r = this.#stmt(
      `INSERT INTO notes (path, path_lower, stem_lower, folder, title, mtime, size, word_count,
        body_line, indexed, frontmatter, aliases, tags, headings, diagnostics)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(note.path, ...this.#columns(note, stat));
    const id = Number(r.lastInsertRowid);
    this.#children(id, note);
    affected.add(targetKey(note.path));
    for (const a of note.aliases) affected.add(a.toLowerCase());
    return id;
  }

  updateNote(
    id: number,
    note: Note,
    stat: { mtime: number; size: number },
    affected: Set<string>,
  ): void {
    const before = this.#aliasesOf(id);
    const after = note.aliases.map((a) => a.toLowerCase());
    if (before.join("\n") !== after.join("\n")) {
      for (const a of before) affected.add(a);
      for (const a of after) affected.add(a);
    }
    this.#dropChildren(id);
    this.#stmt(
      `UPDATE notes SET path_lower = ?, stem_lower = ?, folder = ?, title = ?, mtime = ?, size = ?,
        word_count = ?, body_line = ?, indexed = ?, frontmatter = ?, aliases = ?, tags = ?,
        headings = ?, diagnostics = ? WHERE id = ?`,
    ).run(...this.#columns(note, stat), id);
    this.#children(id, note);
  }

  deleteNote(id: number, path: string, affected: Set<string>): void {
    affected.add(targetKey(path));
    for (const a of this.#aliasesOf(id)) affected.add(a);
    this.#dropChildren(id);
    this.#stmt("DELETE FROM notes WHERE id = ?").run(id);
  }

  skip(path: string, mtime: number, size: number, diagnostic: Diagnostic): void {
    this.#stmt("INSERT OR REPLACE INTO skipped (path, mtime, size, diagnostic) VALUES (?, ?, ?, ?)")
      .run(path, mtime, size, JSON.stringify(diagnostic));
  }

  unskip(path: string): void {
    this.#stmt("DELETE FROM skipped WHERE path = ?").run(path);
  }

  addAttachment(path: string): string {
    const name = path.slice(path.lastIndexOf("/") + 1).toLowerCase();
    this.#stmt("INSERT OR REPLACE INTO attachments (path, name_lower) VALUES (?, ?)").run(
      path,
      name,
    );
    return name;
  }

  removeAttachment(path: string): string {
    this.#stmt("DELETE FROM attachments WHERE path = ?").run(path);
    return path.slice(path.lastIndexOf("/") + 1).toLowerCase();
  }

  idOf(path: string): number | null {
    const row = this.#stmt("SELECT id FROM notes WHERE path = ?").get(path) as
      | { id: number }
      | undefined;
    return row ? row.id : null;
  }

  /** Candidates straight from the tables, memoised for the rest of this update. */
  sqlLookup(): CandidateLookup {
    const memo = new Map<string, Candidates>();
    const paths = (sql: string, key: string) =>
      this.#stmt(sql).all(key).map((r) => (r as { path: string }).path);
    return (key) => {
      let c = memo.get(key);
      if (!c) {
        c = {
          notes: paths("SELECT path FROM notes WHERE stem_lower = ?", key),
          aliased: paths(
            `SELECT n.path AS path FROM aliases a JOIN notes n ON n.id = a.note_id
             WHERE a.alias_lower = ?`,
            key,
          ),
          attachments: paths("SELECT path FROM attachments WHERE name_lower = ?", key),
        };
        memo.set(key, c);
      }
      return c;
    };
  }

  insertLinks(
    id: number,
    note: Note,
    lookup: CandidateLookup,
    idOf: (path: string) => number | null,
  ): void {
    const insert = this.#stmt(
      `INSERT INTO links (src_id, target, target_key, heading, block, alias, embed, kind, line, col,
        dst_id, dst_kind, dst_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const link of note.links) {
      const res = resolveLink(link, note.path, lookup);
      insert.run(
        id,
        link.target,
        targetKey(link.target),
        link.heading ?? null,
        link.block ?? null,
        link.alias ?? null,
        link.embed ? 1 : 0,
        link.kind,
        link.line,
        link.column,
        res && res.kind !== "attachment" ? (res.kind === "self" ? id : idOf(res.path)) : null,
        res ? res.kind : null,
        res ? res.path : null,
      );
    }
  }

  /** Re-resolve the stored links with this key whose note was not re-read in this update. */
  reresolve(
    key: string,
    fresh: Set<number>,
    lookup: CandidateLookup,
    idOf: (path: string) => number | null,
  ): void {
    const rows = this.#stmt(
      `SELECT l.id AS id, l.src_id AS src, l.target AS target, l.kind AS kind, n.path AS path
       FROM links l JOIN notes n ON n.id = l.src_id WHERE l.target_key = ?`,
    ).all(key) as {
      id: number;
      src: number;
      target: string;
      kind: "wikilink" | "markdown";
      path: string;
    }[];
    const update = this.#stmt(
      "UPDATE links SET dst_id = ?, dst_kind = ?, dst_path = ? WHERE id = ?",
    );
    for (const row of rows) {
      if (fresh.has(row.src)) continue;
      const res = resolveLink(row, row.path, lookup);
      const dst = res && res.kind !== "attachment"
        ? (res.kind === "self" ? row.src : idOf(res.path))
        : null;
      update.run(dst, res ? res.kind : null, res ? res.path : null, row.id);
    }
  }

  #columns(note: Note, stat: { mtime: number; size: number }) {
    return [
      note.path.toLowerCase(),
      targetKey(note.path),
      folderOf(note.path),
      note.title,
      stat.mtime,
      stat.size,
      note.wordCount,
      note.bodyLine,
      note.body === "" && note.bytes > 0 ? 0 : 1,
      JSON.stringify(note.frontmatter),
      JSON.stringify(note.aliases),
      JSON.stringify(note.tags),
      JSON.stringify(note.headings),
      JSON.stringify(note.diagnostics),
    ] as const;
  }

  #children(id: number, note: Note): void {
    const tag = this.#stmt("INSERT INTO tags (note_id, tag, tag_lower) VALUES (?, ?, ?)");
    for (const t of note.tags) tag.run(id, t, t.toLowerCase());
    const alias = this.#stmt("INSERT INTO aliases (note_id, alias_lower) VALUES (?, ?)");
    for (const a of note.aliases) alias.run(id, a.toLowerCase());
    this.#stmt("INSERT INTO notes_fts (rowid, title, body, tags) VALUES (?, ?, ?, ?)")
      .run(id, note.title, note.body, note.tags.join(" "));
  }

  #dropChildren(id: number): void {
    this.#stmt("DELETE FROM tags WHERE note_id = ?").run(id);
    this.#stmt("DELETE FROM aliases WHERE note_id = ?").run(id);
    this.#stmt("DELETE FROM links WHERE src_id = ?").run(id);
    this.#stmt("DELETE FROM notes_fts WHERE rowid = ?").run(id);
    this.#stmt("DELETE FROM vectors WHERE note_id = ?").run(id);
  }

  #aliasesOf(id: number): string[] {
    return this.#stmt("SELECT alias_lower FROM aliases WHERE note_id = ? ORDER BY rowid")
      .all(id).map((r) => (r as { alias_lower: string }).alias_lower);
  }
}
