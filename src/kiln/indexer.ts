/**
 * Bringing the note index up to date with the files on disk. The first run reads every note; later
 * runs compare each file's size and modification time with what the index holds and re-read only
 * added and changed notes (a rename is a delete plus an add). Links are stored with a target key
 * so that a change re-resolves only the links it can affect.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { Diagnostic, Note } from "./types.ts";
import * as path from "node:path";
import { unindexable, walkKiln, type WalkResult } from "./walk.ts";
import { readNote } from "./note.ts";
import { type CandidateLookup, memoryLookup } from "./resolver.ts";
import { IndexWriter } from "./index_writer.ts";
import { clearIndex } from "./index_db.ts";
import { subtractFtsTotals } from "./fts_totals.ts";
import type { WordVectorEmbedder } from "./embeddings.ts";
import { bumpVectorVersion, putVector, setVectorModel } from "./vectors.ts";

/** Options of {@link updateIndex}. */
export interface IndexOptions {
  /** Throw the index away and read every note again. Default false. */
  rebuild?: boolean;
  /** Largest note (bytes) whose text is indexed. Default 10 MB. */
  maxFileSize?: number;
  /** Called while notes are read: `done` of `total` notes to read this run. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Only look at these kiln-relative note paths (after a write through the API, or from a file
   * watcher): no walk, each path re-read if it changed, removed if it is gone. Attachments are
   * left as they are. Ignored with `rebuild`.
   */
  paths?: readonly string[];
  /**
   * Worker threads of a full build (the first index, or `rebuild`): 1 fills the full-text index
   * while the calling thread reads, parses and writes the rest; 2 also reads and parses on a
   * worker. Default: 2 on a machine with two cores or more when there are at least 500 notes,
   * else 0. Results are the same whatever the number.
   */
  workers?: number;
  /**
   * Makes the vector of each note read, for semantic search. Without one, notes read in this
   * run have no vector until a semantic search embeds them. `NoteIndex` passes the built-in
   * model's embedder when its word vectors are cached on this machine and the index holds no
   * other model's vectors.
   */
  embedder?: WordVectorEmbedder | null | (() => WordVectorEmbedder | null);
}

/** The embedder of an update, asked for only when notes are read. */
export function resolveEmbedder(
  embedder: IndexOptions["embedder"],
): WordVectorEmbedder | null {
  return typeof embedder === "function" ? embedder() : embedder ?? null;
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
  // Told which notes changed: look at those alone, neither walking nor loading every row.
  const targeted = options.paths !== undefined && !options.rebuild;
  const walk = targeted ? statPaths(root, options.paths!) : walkKiln(root);
  const diagnostics: Diagnostic[] = [...walk.diagnostics];

  const stored = new Map<string, StoredNote>();
  const skippedRows = new Map<string, { mtime: number; size: number; diagnostic: string }>();
  if (targeted) {
    const note = db.prepare("SELECT id, path, mtime, size FROM notes WHERE path = ?");
    const skipped = db.prepare("SELECT path, mtime, size, diagnostic FROM skipped WHERE path = ?");
    for (const p of new Set(options.paths)) {
      const r = note.get(p) as unknown as StoredNote | undefined;
      if (r) stored.set(p, r);
      const k = skipped.get(p) as { path: string; mtime: number; size: number; diagnostic: string };
      if (k) skippedRows.set(p, k);
    }
  } else {
    for (const row of db.prepare("SELECT id, path, mtime, size FROM notes").all()) {
      const r = row as unknown as StoredNote;
      stored.set(r.path, r);
    }
    for (const row of db.prepare("SELECT path, mtime, size, diagnostic FROM skipped").all()) {
      const r = row as unknown as { path: string; mtime: number; size: number; diagnostic: string };
      skippedRows.set(r.path, r);
    }
  }
  const count = (table: string) =>
    (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  const notesBefore = targeted ? count("notes") : stored.size;
  const wasEmpty = notesBefore === 0;

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
  const gone = (p: string) => !present.has(p);
  const deleted = [...stored.values()].filter((s) => gone(s.path));
  const skippedGone = [...skippedRows.keys()].filter(gone);

  let attachmentsAdded: string[] = [];
  let attachmentsGone: string[] = [];
  let attachmentCount = walk.attachments.length;
  if (targeted) {
    attachmentCount = count("attachments");
  } else {
    const storedAttachments = new Set(
      db.prepare("SELECT path FROM attachments").all().map((r) => (r as { path: string }).path),
    );
    const walkedAttachments = new Set(walk.attachments);
    attachmentsAdded = walk.attachments.filter((a) => !storedAttachments.has(a));
    attachmentsGone = [...storedAttachments].filter((a) => !walkedAttachments.has(a));
  }

  const report: IndexReport = {
    notes: notesBefore,
    added: 0,
    changed: 0,
    deleted: deleted.length,
    unchanged,
    skipped: stillSkipped,
    attachments: attachmentCount,
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

  const w = new IndexWriter(db);
  const embedder = parsed.length > 0 ? resolveEmbedder(options.embedder) : null;
  db.exec("BEGIN IMMEDIATE");
  try {
    if (embedder) setVectorModel(db, embedder.model);
    // Every note whose full-text row goes: deleted, now unreadable, or about to be rewritten.
    const replaced = [
      ...deleted.map((d) => d.id),
      ...[...failed, ...parsed].map((n) => stored.get(n.path)?.id).filter((id) => id !== undefined),
    ];
    subtractFtsTotals(db, replaced);
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
      if (embedder) putVector(db, ids.get(note.path)!, embedder.embedNote(note));
    }
    bumpVectorVersion(db);
    for (const a of attachmentsAdded) affected.add(w.addAttachment(a));
    for (const a of attachmentsGone) affected.add(w.removeAttachment(a));

    // A cold start knows every note already; anything else asks the tables.
    const cold = wasEmpty && !targeted;
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

/**
 * A "walk" of just these note paths: what exists of them, with size and mtime. A path the walk
 * would not index (a symlink out of the kiln or into `.crucible/`, a hidden folder) counts as
 * gone, so a note that became such a link since it was indexed is dropped.
 */
function statPaths(root: string, paths: readonly string[]): WalkResult {
  const notes = [];
  const realRoot = Deno.realPathSync(root);
  for (const p of paths) {
    const abs = path.join(root, ...p.split("/"));
    try {
      const real = Deno.realPathSync(abs);
      if (unindexable(realRoot, path.join(realRoot, ...p.split("/"))) !== null) continue;
      if (unindexable(realRoot, real) !== null) continue;
      const info = Deno.statSync(real);
      if (info.isFile) {
        notes.push({ path: p, abs: real, size: info.size, mtime: info.mtime?.getTime() ?? 0 });
      }
    } catch { /* gone: the update removes it */ }
  }
  return { notes, attachments: [], diagnostics: [] };
}
