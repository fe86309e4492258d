/**
 * The SQLite file behind the note index (`<kiln>/.crucible/index.db`): opening it, its schema,
 * the schema version check that rebuilds an index written by an older cru, and the scratch file
 * a full rebuild is written to before it replaces the index in one rename.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import * as path from "node:path";
import { IndexError } from "../errors.ts";
import { privatePath } from "./paths.ts";

/** Bump when the schema changes; an index with another version is rebuilt from scratch. */
export const SCHEMA_VERSION = 3;

/**
 * Tables. `vectors` holds one float32 unit vector per note for semantic search (see
 * `vectors.ts`). The full-text table is contentless: it holds the index of the words, not a second copy
 * of every note (search reads snippets from the note files), and `contentless_delete` lets
 * incremental updates delete rows from it.
 */
const TABLES = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notes (
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  path_lower TEXT NOT NULL,
  stem_lower TEXT NOT NULL,
  folder TEXT NOT NULL,
  title TEXT NOT NULL,
  mtime REAL NOT NULL,
  size INTEGER NOT NULL,
  word_count INTEGER NOT NULL,
  body_line INTEGER NOT NULL,
  indexed INTEGER NOT NULL,
  frontmatter TEXT NOT NULL,
  aliases TEXT NOT NULL,
  tags TEXT NOT NULL,
  headings TEXT NOT NULL,
  diagnostics TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS aliases (note_id INTEGER NOT NULL, alias_lower TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tags (note_id INTEGER NOT NULL, tag TEXT NOT NULL, tag_lower TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS links (
  id INTEGER PRIMARY KEY,
  src_id INTEGER NOT NULL,
  target TEXT NOT NULL,
  target_key TEXT NOT NULL,
  heading TEXT,
  block TEXT,
  alias TEXT,
  embed INTEGER NOT NULL,
  kind TEXT NOT NULL,
  line INTEGER NOT NULL,
  col INTEGER NOT NULL,
  dst_id INTEGER,
  dst_kind TEXT,
  dst_path TEXT
);
CREATE TABLE IF NOT EXISTS attachments (path TEXT PRIMARY KEY, name_lower TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vectors (note_id INTEGER PRIMARY KEY, vec BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS skipped (
  path TEXT PRIMARY KEY,
  mtime REAL NOT NULL,
  size INTEGER NOT NULL,
  diagnostic TEXT NOT NULL
);
`;

/** The full-text table (a bulk build may fill it elsewhere and copy its storage in). */
export const FTS_TABLE = `
CREATE VIRTUAL TABLE IF NOT EXISTS notes_fts USING fts5 (
  title, body, tags,
  content = '', contentless_delete = 1,
  tokenize = 'porter unicode61 remove_diacritics 2'
);
`;

/** Secondary indexes: a bulk build creates them after the inserts, which is faster. */
const INDEXES = `
CREATE INDEX IF NOT EXISTS notes_stem ON notes (stem_lower);
CREATE INDEX IF NOT EXISTS notes_folder ON notes (folder);
CREATE INDEX IF NOT EXISTS aliases_alias ON aliases (alias_lower);
CREATE INDEX IF NOT EXISTS aliases_note ON aliases (note_id);
CREATE INDEX IF NOT EXISTS tags_tag ON tags (tag_lower);
CREATE INDEX IF NOT EXISTS tags_note ON tags (note_id);
CREATE INDEX IF NOT EXISTS links_src ON links (src_id);
CREATE INDEX IF NOT EXISTS links_dst ON links (dst_id);
CREATE INDEX IF NOT EXISTS links_key ON links (target_key);
CREATE INDEX IF NOT EXISTS attachments_name ON attachments (name_lower);
`;

/**
 * Terms the full-text index buffers in memory before writing a segment, bytes. The default
 * (1 MB) makes a large build write and re-merge many small segments; 64 MB takes a third off
 * the time of a 100k-note build and only matters to large transactions.
 */
export const FTS_HASH_SIZE = 64 * 1024 * 1024;

const DROP = `
DROP TABLE IF EXISTS notes; DROP TABLE IF EXISTS aliases; DROP TABLE IF EXISTS tags;
DROP TABLE IF EXISTS links; DROP TABLE IF EXISTS attachments; DROP TABLE IF EXISTS skipped;
DROP TABLE IF EXISTS notes_fts; DROP TABLE IF EXISTS meta; DROP TABLE IF EXISTS vectors;
`;

/**
 * Path of a kiln's index database, refused when it or SQLite's `-wal`/`-shm` files beside it are
 * symlinks a shared kiln planted (SQLite would follow them and write outside the kiln).
 */
export function indexPath(kilnRoot: string): string {
  privatePath(kilnRoot, "index.db-wal");
  privatePath(kilnRoot, "index.db-shm");
  return privatePath(kilnRoot, "index.db");
}

/**
 * Open (creating when needed) the index database of a kiln. An index from another schema version
 * or a corrupt file is replaced by an empty one; the next update fills it.
 */
export function openIndexDb(kilnRoot: string, file = indexPath(kilnRoot)): DatabaseSync {
  Deno.mkdirSync(path.dirname(file), { recursive: true });
  let db: DatabaseSync;
  try {
    db = connect(file);
    if (readVersion(db) !== SCHEMA_VERSION) {
      db.exec(DROP);
      db.exec("VACUUM");
      initialise(db);
    }
  } catch (e) {
    // A corrupt or foreign file: the index is derived data, so replace it rather than fail.
    for (const suffix of ["", "-wal", "-shm"]) {
      try {
        Deno.removeSync(file + suffix);
      } catch { /* absent */ }
    }
    try {
      db = connect(file);
      initialise(db);
    } catch (e2) {
      throw new IndexError(
        `cannot open the note index at ${file}: ${(e2 as Error).message}; check the folder is ` +
          `writable`,
        { cause: e },
      );
    }
  }
  return db;
}

function connect(file: string): DatabaseSync {
  const db = new DatabaseSync(file);
  db.exec(`
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = NORMAL;
    PRAGMA busy_timeout = 5000;
    PRAGMA temp_store = MEMORY;
    PRAGMA cache_size = -65536;
  `);
  return db;
}

function readVersion(db: DatabaseSync): number | null {
  const hasMeta = db.prepare(
    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
  ).get();
  if (!hasMeta) {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master").get() as { n: number };
    if (tables.n === 0) {
      initialise(db);
      return SCHEMA_VERSION;
    }
    return null;
  }
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as
    | { value: string }
    | undefined;
  return row ? Number(row.value) : null;
}

function initialise(db: DatabaseSync): void {
  db.exec(TABLES);
  db.exec(FTS_TABLE);
  db.exec(INDEXES);
  db.exec(`INSERT INTO notes_fts (notes_fts, rank) VALUES ('hashsize', ${FTS_HASH_SIZE})`);
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)")
    .run(String(SCHEMA_VERSION));
}

/** Empty every table, keeping the schema: the start of a rebuild. */
export function clearIndex(db: DatabaseSync): void {
  db.exec(DROP);
  initialise(db);
}

/** Suffix of the scratch files of bulk builds (`index.db.build-…`), next to the index. */
const BUILD_SUFFIX = ".build-";
/** A scratch file this old is left over from a build that died: delete it. */
const STALE_BUILD_MS = 60 * 60 * 1000;

/**
 * Create the scratch database a full rebuild writes to, next to `file`, with the tables but no
 * secondary indexes ({@link finishBuildDb} adds them). Nothing else reads it while it is built,
 * so it runs without a journal or fsyncs: a crash leaves only a scratch file, which a later
 * build deletes, and the index it would replace is untouched.
 */
export function createBuildDb(file: string): { db: DatabaseSync; file: string } {
  const dir = path.dirname(file);
  Deno.mkdirSync(dir, { recursive: true });
  removeStaleBuilds(file);
  const scratch = `${file}${BUILD_SUFFIX}${Date.now().toString(36)}-${
    Math.random().toString(36).slice(2, 8)
  }`;
  const db = new DatabaseSync(scratch);
  try {
    db.exec(`
      PRAGMA journal_mode = OFF;
      PRAGMA synchronous = OFF;
      PRAGMA locking_mode = EXCLUSIVE;
      PRAGMA temp_store = MEMORY;
      PRAGMA cache_size = -65536;
      PRAGMA threads = 2;
    `);
    db.exec(TABLES);
    db.exec(FTS_TABLE);
    db.exec(`INSERT INTO notes_fts (notes_fts, rank) VALUES ('hashsize', ${FTS_HASH_SIZE})`);
  } catch (e) {
    db.close();
    removeFile(scratch);
    throw e;
  }
  return { db, file: scratch };
}

/** Add the secondary indexes and the schema version to a scratch database. */
export function finishBuildDb(db: DatabaseSync): void {
  db.exec(INDEXES);
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)")
    .run(String(SCHEMA_VERSION));
}

/**
 * Put a finished scratch database in the place of the index at `file`, in one rename: readers
 * see the old index or the new one, never a mix, and a crash before the rename leaves the old
 * one. The caller has closed its connection to the old index first.
 *
 * The old index's `-wal`/`-shm` files go first: SQLite would replay a leftover WAL of the old
 * database into the new one. Another process that still has the old index open keeps reading
 * it until it reopens (`NoteIndex.update` notices the replaced file and does).
 */
export function installBuildDb(scratch: string, file: string): void {
  const fd = Deno.openSync(scratch, { read: true, write: true });
  try {
    fd.syncSync();
  } finally {
    fd.close();
  }
  removeFile(file + "-wal");
  removeFile(file + "-shm");
  Deno.renameSync(scratch, file);
}

/** Delete a scratch database that will not be installed. */
export function discardBuildDb(scratch: string): void {
  removeFile(scratch);
}

function removeStaleBuilds(file: string): void {
  const dir = path.dirname(file);
  const prefix = path.basename(file) + BUILD_SUFFIX;
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return;
  }
  for (const e of entries) {
    if (!e.isFile || !e.name.startsWith(prefix)) continue;
    const abs = path.join(dir, e.name);
    try {
      const mtime = Deno.statSync(abs).mtime?.getTime() ?? 0;
      if (Date.now() - mtime > STALE_BUILD_MS) Deno.removeSync(abs);
    } catch { /* gone already */ }
  }
}

function removeFile(file: string): void {
  try {
    Deno.removeSync(file);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}
