/**
 * Note vectors in the index: one unit vector per note (`vectors` table, float32 BLOBs), the
 * model that made them (`meta.vector_model`), and the brute-force nearest-neighbour scan over
 * them. Vectors of every note sit in one Float32Array while searching; at 100 dimensions a
 * 100k-note kiln is 40 MB and a scan takes milliseconds, so no approximate index is needed.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/** The meta key naming the model of the stored vectors. */
const MODEL_KEY = "vector_model";
/** The meta key counting changes to the vectors, so a loaded matrix knows it is stale. */
const VERSION_KEY = "vector_version";

/** The model the stored vectors come from, or null when none is recorded. */
export function vectorModel(db: DatabaseSync): string | null {
  const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(MODEL_KEY) as
    | { value: string }
    | undefined;
  return row ? row.value : null;
}

/**
 * Record the model of the vectors; when it differs from the one recorded, every stored vector
 * is deleted first (vectors of two models cannot be compared).
 */
export function setVectorModel(db: DatabaseSync, model: string): void {
  if (vectorModel(db) === model) return;
  db.exec("DELETE FROM vectors");
  db.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").run(MODEL_KEY, model);
  bumpVectorVersion(db);
}

/** Mark the vectors as changed (a loaded {@link VectorMatrix} reloads). */
export function bumpVectorVersion(db: DatabaseSync): void {
  db.prepare(
    `INSERT INTO meta (key, value) VALUES (?, '1')
     ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`,
  ).run(VERSION_KEY);
}

/** Changes counter and model of the stored vectors: equal values mean nothing changed. */
export function vectorVersion(db: DatabaseSync): string {
  const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(VERSION_KEY) as
    | { value: string }
    | undefined;
  return `${row?.value ?? "0"}:${vectorModel(db) ?? ""}`;
}

/** A vector as the BLOB stored. */
export function vectorBlob(v: Float32Array): Uint8Array {
  return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Write (or replace) the vector of a note; `null` deletes it. */
export function putVector(db: DatabaseSync, id: number, v: Float32Array | null): void {
  if (v === null) db.prepare("DELETE FROM vectors WHERE note_id = ?").run(id);
  else {
    db.prepare("INSERT OR REPLACE INTO vectors (note_id, vec) VALUES (?, ?)").run(
      id,
      vectorBlob(v),
    );
  }
}

/** Notes with readable text and no vector yet: what a semantic search embeds first. */
export function notesWithoutVectors(db: DatabaseSync): { id: number; path: string }[] {
  return db.prepare(
    `SELECT n.id AS id, n.path AS path FROM notes n LEFT JOIN vectors v ON v.note_id = n.id
     WHERE v.note_id IS NULL AND n.indexed = 1 ORDER BY n.id`,
  ).all() as unknown as { id: number; path: string }[];
}

/** Every stored vector, as one matrix. */
export interface VectorMatrix {
  /** Changes counter and model the matrix was loaded at. */
  version: string;
  /** Note id of each row. */
  ids: Int32Array;
  /** Rows of `dims` values. */
  values: Float32Array;
  /** Vector length (0 when there are no vectors). */
  dims: number;
}

/** Load every vector (or return `current` when nothing changed since it was loaded). */
export function loadVectorMatrix(db: DatabaseSync, current?: VectorMatrix | null): VectorMatrix {
  const version = vectorVersion(db);
  if (current && current.version === version) return current;
  const count = (db.prepare("SELECT count(*) AS n FROM vectors").get() as { n: number }).n;
  const ids = new Int32Array(count);
  let values = new Float32Array(0);
  let dims = 0;
  let row = 0;
  for (const r of db.prepare("SELECT note_id, vec FROM vectors ORDER BY note_id").iterate()) {
    const { note_id, vec } = r as { note_id: number; vec: Uint8Array };
    if (row === 0) {
      dims = vec.byteLength / 4;
      values = new Float32Array(count * dims);
    }
    if (vec.byteLength !== dims * 4 || row >= count) continue;
    ids[row] = note_id;
    values.set(
      new Float32Array(vec.buffer.slice(vec.byteOffset, vec.byteOffset + vec.byteLength)),
      row * dims,
    );
    row++;
  }
  return { version, ids: ids.subarray(0, row), values: values.subarray(0, row * dims), dims };
}

/** One scored row of a {@link nearest} scan. */
export interface Neighbour {
  /** Note id. */
  id: number;
  /** Cosine similarity, -1 to 1. */
  score: number;
}

/**
 * The rows most similar to `query` (a unit vector), best first, that `accept` admits (ties by
 * note id). `accept` is asked in ranking order, and only until `limit` rows are admitted.
 */
export function nearest(
  matrix: VectorMatrix,
  query: Float32Array,
  limit: number,
  accept: (id: number) => boolean = () => true,
): Neighbour[] {
  const { dims, values, ids } = matrix;
  if (dims === 0 || query.length !== dims) return [];
  const n = ids.length;
  const scores = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    const base = r * dims;
    for (let d = 0; d < dims; d++) s += values[base + d] * query[d];
    scores[r] = s;
  }
  // Selecting the best few needs no full sort: take the best `want` in one pass first.
  let want = Math.min(n, limit * 4 + 16);
  for (;;) {
    const top = topRows(scores, want, ids);
    const out: Neighbour[] = [];
    for (const r of top) {
      if (!accept(ids[r])) continue;
      out.push({ id: ids[r], score: scores[r] });
      if (out.length >= limit) return out;
    }
    if (want >= n) return out;
    want = Math.min(n, want * 4);
  }
}

/** Indexes of the `k` highest scores, best first (ties by note id). */
function topRows(scores: Float32Array, k: number, ids: Int32Array): number[] {
  const by = (a: number, b: number) => scores[b] - scores[a] || ids[a] - ids[b];
  const n = scores.length;
  if (k >= n || k > 512) return Array.from({ length: n }, (_, i) => i).sort(by).slice(0, k);
  // A bounded insertion list; most rows fall below its last score and cost one comparison.
  const best: number[] = [];
  let floor = -Infinity;
  for (let r = 0; r < n; r++) {
    if (scores[r] < floor) continue;
    if (best.length === k && by(r, best[k - 1]) >= 0) continue;
    let at = best.length;
    while (at > 0 && by(r, best[at - 1]) < 0) at--;
    best.splice(at, 0, r);
    if (best.length > k) best.pop();
    if (best.length === k) floor = scores[best[k - 1]];
  }
  return best;
}
