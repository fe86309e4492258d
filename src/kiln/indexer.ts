/**
 * Bringing the note index up to date with the files on disk. The first run reads every note; later
 * runs compare each file's size and modification time with what the index holds and re-read only
 * added and changed notes (a rename is a delete plus an add). Links are stored with a target key
 * so that a change re-resolves only the links it can affect.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { Diagnostic, Note } from "./types.ts";
import * as path from "node:path";
import { walkKiln, type WalkResult } from "./walk.ts";
import { readNote } from "./note.ts";
import { folderOf } from "./paths.ts";
import {
  type CandidateLookup,
  type Candidates,
  memoryLookup,
  resolveLink,
  targetKey,
} from "./resolver.ts";
import { clearIndex } from "./index_db.ts";

/** Options of {@link updateIndex}. */
export interface IndexOptions {
  /** Throw the index away and read every note again. Default false. */
  rebuild?: boolean;
  /** Largest note (bytes) whose text is indexed. Default 10 MB. */
  maxFileSize?: number;
  /** Called while notes are read: `done` of `total` notes to read this run. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Only look at these kiln-relative note paths (after a write through the API): no walk, each
   * path re-read if it changed, removed if it is gone. Attachments are left as they are.
   */
  paths?: readonly string[];
}

/** What one index run did. */
export interface IndexReport {
  /** Notes in the index after the run. */
  notes: number;
  /** Notes read for the first time. */
  added: number;
  /** Notes re-read because their size or modification time changed. */
  changed: number;
  /** Notes removed because their file is gone. */
  deleted: number;
  /** Notes left as they were. */
  unchanged: number;
  /** Files skipped (binary, not UTF-8, unreadable). */
  skipped: number;
  /** Non-Markdown files links can point at. */
  attachments: number;
  /** True when the run started from an empty index. */
  rebuilt: boolean;
  /** Wall time of the run, milliseconds. */
  durationMs: number;
  /** Walk problems, skipped files, and the diagnostics of notes read in this run. */
  diagnostics: Diagnostic[];
}

interface StoredNote {
  id: number;
  path: string;
  mtime: number;
  size: number;
}

/** Update the index in `db` from the kiln at `root`. */
export function updateIndex(
  db: DatabaseSync,
  root: string,
  options: IndexOptions = {},
): IndexReport {
  const started = performance.now();
  if (options.rebuild) clearIndex(db);
  const walk = options.paths ? statPaths(root, options.paths) : walkKiln(root);
  const diagnostics: Diagnostic[] = [...walk.diagnostics];

  const stored = new Map<string, StoredNote>();
  for (const row of db.prepare("SELECT id, path, mtime, size FROM notes").all()) {
    const r = row as unknown as StoredNote;
    stored.set(r.path, r);
  }
  const wasEmpty = stored.size === 0;
  const skippedRows = new Map<string, { mtime: number; size: number; diagnostic: string }>();
  for (const row of db.prepare("SELECT path, mtime, size, diagnostic FROM skipped").all()) {
    const r = row as unknown as { path: string; mtime: number; size: number; diagnostic: string };
    skippedRows.set(r.path, r);
  }

  const toRead = [];
  const present = new Set<string>();
  let unchanged = 0;
  let stillSkipped = 0;
  for (const f of walk.notes) {
    present.add(f.path);
    const s = stored.get(f.path);
    if (s && s.mtime === f.mtime && s.size === f.size) {
      unchanged++;
      continue;
    }
    const k = skippedRows.get(f.path);
    if (!s && k && k.mtime === f.mtime && k.size === f.size) {
      stillSkipped++;
      diagnostics.push(JSON.parse(k.diagnostic));
      continue;
    }
    toRead.push(f);
  }
  const considered = options.paths ? new Set(options.paths) : null;
  const gone = (p: string) => !present.has(p) && (considered === null || considered.has(p));
  const deleted = [...stored.values()].filter((s) => gone(s.path));
  const skippedGone = [...skippedRows.keys()].filter(gone);

  const storedAttachments = new Set(
    db.prepare("SELECT path FROM attachments").all().map((r) => (r as { path: string }).path),
  );
  if (options.paths) walk.attachments = [...storedAttachments];
  const walkedAttachments = new Set(walk.attachments);
  const attachmentsAdded = walk.attachments.filter((a) => !storedAttachments.has(a));
  const attachmentsGone = [...storedAttachments].filter((a) => !walkedAttachments.has(a));

  const report: IndexReport = {
    notes: stored.size,
    added: 0,
    changed: 0,
    deleted: deleted.length,
    unchanged,
    skipped: stillSkipped,
    attachments: walk.attachments.length,
    rebuilt: wasEmpty,
    durationMs: 0,
    diagnostics,
  };
  if (
    toRead.length === 0 && deleted.length === 0 && skippedGone.length === 0 &&
    attachmentsAdded.length === 0 && attachmentsGone.length === 0
  ) {
    report.durationMs = performance.now() - started;
    return report;
  }

  // Read and parse outside the transaction: it is the slow part and needs no lock.
  const parsed: Note[] = [];
  const failed: { path: string; mtime: number; size: number; diagnostic: Diagnostic }[] = [];
  const walkedStat = new Map<string, { mtime: number; size: number }>();
  options.onProgress?.(0, toRead.length);
  for (let i = 0; i < toRead.length; i++) {
    const f = toRead[i];
    walkedStat.set(f.path, f);
    const r = readNote(f.abs, f.path, {
      maxFileSize: options.maxFileSize,
      bytes: f.size,
      mtime: f.mtime,
    });
    if (r.ok) {
      parsed.push(r.note);
      diagnostics.push(...r.note.diagnostics);
    } else {
      failed.push({ path: f.path, mtime: f.mtime, size: f.size, diagnostic: r.diagnostic });
      diagnostics.push(r.diagnostic);
    }
    if ((i + 1) % 256 === 0 || i + 1 === toRead.length) options.onProgress?.(i + 1, toRead.length);
  }

  const w = new Writer(db);
  db.exec("BEGIN IMMEDIATE");
  try {
    const affected = new Set<string>();
    for (const d of deleted) w.deleteNote(d.id, d.path, affected);
    for (const p of skippedGone) w.unskip(p);
    for (const f of failed) {
      const s = stored.get(f.path);
      if (s) w.deleteNote(s.id, s.path, affected);
      w.skip(f.path, f.mtime, f.size, f.diagnostic);
    }
    const ids = new Map<string, number>();
    for (const note of parsed) {
      const s = stored.get(note.path);
      const stat = walkedStat.get(note.path)!;
      if (skippedRows.has(note.path)) w.unskip(note.path);
      if (s) {
        report.changed++;
        w.updateNote(s.id, note, stat, affected);
        ids.set(note.path, s.id);
      } else {
        report.added++;
        ids.set(note.path, w.insertNote(note, stat, affected));
      }
    }
    for (const a of attachmentsAdded) affected.add(w.addAttachment(a));
    for (const a of attachmentsGone) affected.add(w.removeAttachment(a));

    // A cold start knows every note already; anything else asks the tables.
    const cold = wasEmpty && !options.paths;
    const lookup: CandidateLookup = cold ? memoryLookup(parsed, walk.attachments) : w.sqlLookup();
    const idOf = cold ? (p: string) => ids.get(p) ?? null : (p: string) => w.idOf(p);
    for (const note of parsed) w.insertLinks(ids.get(note.path)!, note, lookup, idOf);
    if (!cold) {
      const fresh = new Set(ids.values());
      for (const key of affected) w.reresolve(key, fresh, lookup, idOf);
    }
    db.exec("COMMIT");
  } catch (e) {
    db.exec("ROLLBACK");
    throw e;
  }
  report.notes = (db.prepare("SELECT count(*) AS n FROM notes").get() as { n: number }).n;
  report.skipped = stillSkipped + failed.length;
  report.durationMs = performance.now() - started;
  return report;
}

/** Prepared statements and the row-level writes of one update. */
class Writer {
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
  }

  #aliasesOf(id: number): string[] {
    return this.#stmt("SELECT alias_lower FROM aliases WHERE note_id = ? ORDER BY rowid")
      .all(id).map((r) => (r as { alias_lower: string }).alias_lower);
  }
}

/** A "walk" of just these note paths: what exists of them, with size and mtime. */
function statPaths(root: string, paths: readonly string[]): WalkResult {
  const notes = [];
  for (const p of paths) {
    const abs = path.join(root, ...p.split("/"));
    try {
      const info = Deno.statSync(abs);
      if (info.isFile) {
        notes.push({ path: p, abs, size: info.size, mtime: info.mtime?.getTime() ?? 0 });
      }
    } catch { /* gone: the update removes it */ }
  }
  return { notes, attachments: [], diagnostics: [] };
}
