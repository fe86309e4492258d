/**
 * Building a whole note index at once: the first index of a kiln and `--rebuild`.
 *
 * The index is written to a scratch database next to the real one, without a journal, and then
 * renamed into place (see `index_db.ts`), so a crash never leaves half an index behind. Three
 * threads share the work: a worker reads and parses the notes (`parse_pool.ts`), this thread
 * writes every table but the full-text one, in walk order, and a second worker fills the
 * full-text index (`fts_offload.ts`), which this thread copies in at the end. Links whose
 * target only the complete set of notes can decide (aliases) are resolved after the last note,
 * and the secondary indexes are created after the inserts, while the full-text worker finishes.
 *
 * @module
 */
import type { DatabaseSync, StatementSync } from "node:sqlite";
import * as path from "node:path";
import type { Diagnostic } from "./types.ts";
import { type IndexOptions, type IndexReport, resolveEmbedder } from "./indexer.ts";
import type { WalkResult } from "./walk.ts";
import { createBuildDb, discardBuildDb, finishBuildDb, FTS_HASH_SIZE } from "./index_db.ts";
import { ParsePool } from "./parse_pool.ts";
import { FtsOffload } from "./fts_offload.ts";
import {
  LINK_WIDTH,
  type NoteMeta,
  noteRows,
  rowsContext,
  type WalkSnapshot,
} from "./note_rows.ts";
import { memoryLookup, type ResolvableNote, resolveLink, targetKey } from "./resolver.ts";
import { bumpVectorVersion, setVectorModel, vectorBlob } from "./vectors.ts";

/** Notes to read below which no worker is started: starting one costs more than it saves. */
const WORKER_THRESHOLD = 500;
/**
 * Most note text whose full-text index is built in a worker's memory (about as much memory
 * again). Beyond it, this thread fills the full-text table on disk itself.
 */
const FTS_WORKER_MAX_BYTES = 1024 * 1024 * 1024;

/** A finished build: its report and the scratch file holding it, ready to install. */
export interface BuiltIndex {
  /** What the build did. */
  report: IndexReport;
  /** The scratch database; the caller installs or discards it. */
  scratch: string;
}

/** A link whose target waits for every note's aliases. */
interface DeferredLink {
  id: number;
  srcId: number;
  srcPath: string;
  target: string;
  kind: "wikilink" | "markdown";
}

/**
 * Build a complete index of the walked kiln into a scratch database next to `file`.
 *
 * @example
 * ```ts ignore
 * import { buildIndex } from "./bulk_index.ts";
 * import { installBuildDb } from "./index_db.ts";
 * const { report, scratch } = buildIndex(walkKiln(root), { root, file: indexPath(root) });
 * installBuildDb(scratch, indexPath(root));
 * ```
 */
export function buildIndex(
  walk: WalkResult,
  options: IndexOptions & { root: string; file: string; started?: number },
): BuiltIndex {
  const started = options.started ?? performance.now();
  const { db, file: scratch } = createBuildDb(options.file);
  try {
    const report = fill(db, walk, options, started);
    db.close();
    report.durationMs = performance.now() - started;
    return { report, scratch };
  } catch (e) {
    try {
      db.close();
    } catch { /* already closed */ }
    discardBuildDb(scratch);
    throw e;
  }
}

function fill(
  db: DatabaseSync,
  walk: WalkResult,
  options: IndexOptions & { root: string },
  started: number,
): IndexReport {
  const total = walk.notes.length;
  const snapshot: WalkSnapshot = {
    root: Deno.realPathSync(options.root),
    sep: path.sep,
    paths: walk.notes.map((n) => n.path),
    sizes: Float64Array.from(walk.notes, (n) => n.size),
    mtimes: Float64Array.from(walk.notes, (n) => n.mtime),
    attachments: walk.attachments,
    maxFileSize: options.maxFileSize,
  };
  const paths = snapshot.paths;
  const embedder = total > 0 ? resolveEmbedder(options.embedder) : null;
  if (embedder) {
    snapshot.vocabulary = embedder.vocabulary.bytes;
    snapshot.vectors = new Float32Array(
      new SharedArrayBuffer(total * embedder.dims * Float32Array.BYTES_PER_ELEMENT),
    );
  }
  const diagnostics: Diagnostic[] = [...walk.diagnostics];
  const w = new BulkWriter(db);
  const resolvable: ResolvableNote[] = [];
  const failed: { path: string; index: number; diagnostic: Diagnostic }[] = [];
  const deferred: DeferredLink[] = [];

  db.exec("BEGIN");
  if (embedder) setVectorModel(db, embedder.model);
  const threaded = options.workers ?? (total >= WORKER_THRESHOLD ? defaultWorkers() : 0);
  const textBytes = walk.notes.reduce((sum, n) => sum + n.size, 0);
  const fts = threaded > 0 && textBytes <= FTS_WORKER_MAX_BYTES
    ? FtsOffload.start({ hashSize: FTS_HASH_SIZE })
    : null;
  w.fts = fts;
  try {
    const pool = new ParsePool(snapshot, {
      workers: Math.max(0, threaded - 1),
      embedder,
    });
    try {
      options.onProgress?.(0, total);
      for (let i = 0; i < total; i++) {
        const rows = pool.take(i);
        if (rows.ok) {
          const note = paths[i];
          const meta = JSON.parse(rows.meta) as NoteMeta;
          w.note(i + 1, note, meta, rows.body);
          if (rows.vector && embedder) {
            w.vector(i + 1, snapshot.vectors!.subarray(i * embedder.dims, (i + 1) * embedder.dims));
          }
          w.links(i + 1, note, meta, deferred);
          if (meta.diagnostics.length > 0) diagnostics.push(...meta.diagnostics);
          resolvable.push({ path: note, aliases: meta.aliases });
        } else {
          failed.push({ path: paths[i], index: i, diagnostic: rows.diagnostic });
          diagnostics.push(rows.diagnostic);
        }
        if ((i + 1) % 256 === 0 || i + 1 === total) options.onProgress?.(i + 1, total);
      }
    } finally {
      pool.close();
    }
    for (const a of walk.attachments) w.attachment(a);
    for (const f of failed) {
      const n = walk.notes[f.index];
      w.skip(f.path, n.mtime, n.size, f.diagnostic);
    }
    bumpVectorVersion(db);
    settleLinks(w, deferred, { resolvable, failed, paths, attachments: walk.attachments });
    // The indexes first: the full-text worker is usually still busy.
    finishBuildDb(db);
    if (!fts) {
      // One segment, as the worker leaves it: later small writes never merge the whole index.
      db.exec("INSERT INTO notes_fts (notes_fts) VALUES ('optimize')");
    } else if (!fts.finish(db)) {
      // The full-text worker failed: index the text here, reading the notes again.
      const ctx = rowsContext(snapshot);
      for (let i = 0; i < total; i++) {
        const rows = noteRows(ctx, i);
        if (rows.ok) w.text(i + 1, JSON.parse(rows.meta) as NoteMeta, rows.body);
      }
      db.exec("INSERT INTO notes_fts (notes_fts) VALUES ('optimize')");
    }
  } finally {
    fts?.close();
  }
  db.exec("COMMIT");

  return {
    notes: resolvable.length,
    added: resolvable.length,
    changed: 0,
    deleted: 0,
    unchanged: 0,
    skipped: failed.length,
    attachments: walk.attachments.length,
    rebuilt: true,
    durationMs: performance.now() - started,
    diagnostics,
  };
}

/**
 * Every note is known now: settle the links aliases could claim, and any link that was
 * resolved to a note which then turned out unreadable.
 */
function settleLinks(
  w: BulkWriter,
  deferred: DeferredLink[],
  known: {
    resolvable: ResolvableNote[];
    failed: { path: string }[];
    paths: string[];
    attachments: string[];
  },
): void {
  const lookup = memoryLookup(known.resolvable, known.attachments);
  if (known.failed.length > 0) {
    const gone = new Set(known.failed.map((f) => targetKey(f.path)));
    for (const l of w.linksByKey(gone)) deferred.push(l);
  }
  const idOf = new Map<string, number>();
  for (let i = 0; i < known.paths.length; i++) idOf.set(known.paths[i], i + 1);
  for (const l of deferred) {
    const res = resolveLink(l, l.srcPath, lookup);
    const dst = res === null || res.kind === "attachment"
      ? null
      : res.kind === "self"
      ? l.srcId
      : idOf.get(res.path) ?? null;
    w.resolve(l.id, dst, res);
  }
}

/**
 * Worker threads by default: one filling the full-text index (the largest single part of a
 * build, which cannot be split) and one reading and parsing notes, while this thread writes
 * everything else. Measured on two cores, that beats one worker of either kind.
 */
function defaultWorkers(): number {
  return (navigator.hardwareConcurrency ?? 1) >= 2 ? 2 : 0;
}

/** The prepared statements and row writes of a bulk build. */
class BulkWriter {
  /** The worker filling the full-text table, if one runs. */
  fts: FtsOffload | null = null;
  #db: DatabaseSync;
  #note: StatementSync;
  #tag: StatementSync;
  #alias: StatementSync;
  #fts: StatementSync;
  #link: StatementSync;
  #resolve: StatementSync;
  #attachment: StatementSync;
  #skip: StatementSync;
  #vector: StatementSync;
  #linkId = 0;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#note = db.prepare(
      `INSERT INTO notes (id, path, path_lower, stem_lower, folder, title, mtime, size,
        word_count, body_line, indexed, frontmatter, aliases, tags, headings, diagnostics)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#tag = db.prepare("INSERT INTO tags (note_id, tag, tag_lower) VALUES (?, ?, ?)");
    this.#alias = db.prepare("INSERT INTO aliases (note_id, alias_lower) VALUES (?, ?)");
    this.#fts = db.prepare("INSERT INTO notes_fts (rowid, title, body, tags) VALUES (?, ?, ?, ?)");
    this.#link = db.prepare(
      `INSERT INTO links (id, src_id, target, target_key, heading, block, alias, embed, kind,
        line, col, dst_id, dst_kind, dst_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.#resolve = db.prepare(
      "UPDATE links SET dst_id = ?, dst_kind = ?, dst_path = ? WHERE id = ?",
    );
    this.#attachment = db.prepare("INSERT INTO attachments (path, name_lower) VALUES (?, ?)");
    this.#skip = db.prepare(
      "INSERT INTO skipped (path, mtime, size, diagnostic) VALUES (?, ?, ?, ?)",
    );
    this.#vector = db.prepare("INSERT INTO vectors (note_id, vec) VALUES (?, ?)");
  }

  /** The vector of a note. */
  vector(id: number, v: Float32Array): void {
    this.#vector.run(id, vectorBlob(v));
  }

  note(id: number, path: string, meta: NoteMeta, body: string): void {
    this.#note.run(id, path, ...meta.columns);
    for (const [tag, lower] of meta.tags) this.#tag.run(id, tag, lower);
    for (const a of meta.aliases) this.#alias.run(id, a.toLowerCase());
    if (this.fts) this.fts.add(id, meta.title, body, meta.ftsTags);
    else this.text(id, meta, body);
  }

  /** The full-text row of a note. */
  text(id: number, meta: NoteMeta, body: string): void {
    this.#fts.run(id, meta.title, body, meta.ftsTags);
  }

  links(id: number, path: string, meta: NoteMeta, deferred: DeferredLink[]): void {
    const l = meta.links;
    for (let k = 0; k < l.length; k += LINK_WIDTH) {
      const linkId = ++this.#linkId;
      const final = l[k + 9] === 1;
      const dstKind = l[k + 10] as string | null;
      const dstIndex = l[k + 12] as number;
      this.#link.run(
        linkId,
        id,
        l[k],
        l[k + 1],
        l[k + 2],
        l[k + 3],
        l[k + 4],
        l[k + 5],
        l[k + 6],
        l[k + 7],
        l[k + 8],
        dstKind === "self" ? id : dstIndex >= 0 ? dstIndex + 1 : null,
        dstKind,
        l[k + 11],
      );
      if (!final) {
        deferred.push({
          id: linkId,
          srcId: id,
          srcPath: path,
          target: l[k] as string,
          kind: l[k + 6] as "wikilink" | "markdown",
        });
      }
    }
  }

  /** Links whose target key is one of `keys`, to resolve again. */
  linksByKey(keys: Set<string>): DeferredLink[] {
    const out: DeferredLink[] = [];
    const rows = this.#db.prepare(
      `SELECT l.id AS id, l.src_id AS src, l.target AS target, l.kind AS kind,
         l.target_key AS key, n.path AS path
       FROM links l JOIN notes n ON n.id = l.src_id`,
    );
    for (const r of rows.iterate()) {
      const row = r as {
        id: number;
        src: number;
        target: string;
        kind: "wikilink" | "markdown";
        key: string;
        path: string;
      };
      if (!keys.has(row.key)) continue;
      out.push({
        id: row.id,
        srcId: row.src,
        srcPath: row.path,
        target: row.target,
        kind: row.kind,
      });
    }
    return out;
  }

  resolve(
    id: number,
    dst: number | null,
    res: { kind: string; path: string } | null,
  ): void {
    this.#resolve.run(dst, res ? res.kind : null, res ? res.path : null, id);
  }

  attachment(path: string): void {
    this.#attachment.run(path, path.slice(path.lastIndexOf("/") + 1).toLowerCase());
  }

  skip(path: string, mtime: number, size: number, diagnostic: Diagnostic): void {
    this.#skip.run(path, mtime, size, JSON.stringify(diagnostic));
  }
}
