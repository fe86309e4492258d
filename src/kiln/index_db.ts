/**
 * The SQLite file behind the note index (`<kiln>/.crucible/index.db`): opening it, its schema,
 * and the schema version check that rebuilds an index written by an older cru.
 *
 * @module
 */
import { DatabaseSync } from "node:sqlite";
import * as path from "node:path";
import { IndexError } from "../errors.ts";
import { PRIVATE_DIR } from "./paths.ts";

/** Bump when the schema changes; an index with another version is rebuilt from scratch. */
export const SCHEMA_VERSION = 1;

const SCHEMA = `
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
CREATE INDEX IF NOT EXISTS notes_stem ON notes (stem_lower);
CREATE INDEX IF NOT EXISTS notes_folder ON notes (folder);
CREATE TABLE IF NOT EXISTS aliases (note_id INTEGER NOT NULL, alias_lower TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS aliases_alias ON aliases (alias_lower);
CREATE INDEX IF NOT EXISTS aliases_note ON aliases (note_id);
CREATE TABLE IF NOT EXISTS tags (note_id INTEGER NOT NULL, tag TEXT NOT NULL, tag_lower TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS tags_tag ON tags (tag_lower);
CREATE INDEX IF NOT EXISTS tags_note ON tags (note_id);
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
CREATE INDEX IF NOT EXISTS links_src ON links (src_id);
CREATE INDEX IF NOT EXISTS links_dst ON links (dst_id);
CREATE INDEX IF NOT EXISTS links_key ON links (target_key);
CREATE TABLE IF NOT EXISTS attachments (path TEXT PRIMARY KEY, name_lower TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS attachments_name ON attachments (name_lower);
CREATE TABLE IF NOT EXISTS skipped (
  path TEXT PRIMARY KEY,
  mtime REAL NOT NULL,
  size INTEGER NOT NULL,
  diagnostic TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS notes_fts USING fts5 (
  title, body, tags,
  tokenize = 'porter unicode61 remove_diacritics 2'
);
`;

const DROP = `
DROP TABLE IF EXISTS notes; DROP TABLE IF EXISTS aliases; DROP TABLE IF EXISTS tags;
DROP TABLE IF EXISTS links; DROP TABLE IF EXISTS attachments; DROP TABLE IF EXISTS skipped;
DROP TABLE IF EXISTS notes_fts; DROP TABLE IF EXISTS meta;
`;

/** Path of a kiln's index database. */
export function indexPath(kilnRoot: string): string {
  return path.join(kilnRoot, PRIVATE_DIR, "index.db");
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
  db.exec(SCHEMA);
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES ('schema_version', ?)")
    .run(String(SCHEMA_VERSION));
}

/** Empty every table, keeping the schema: the start of a rebuild. */
export function clearIndex(db: DatabaseSync): void {
  db.exec(DROP);
  initialise(db);
}
