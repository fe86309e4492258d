/**
 * Keeping BM25's corpus statistics exact in the contentless full-text table.
 *
 * FTS5 ranks with the number of rows and the total tokens per column, kept in its "averages"
 * record. A `contentless_delete` table adds to them on insert but, not knowing the deleted
 * text, never subtracts on delete: every edit of a note would count it twice, drifting scores
 * away from those of a fresh build. The per-row token counts are in the `docsize` table,
 * though, so the update subtracts them itself before deleting the rows.
 *
 * Both records are FTS5's on-disk format (SQLite varints: the row count then one total per
 * column; one count per column per row).
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";

/** `node:sqlite` has it; the bundled Node type definitions do not. */
interface Defensive {
  enableDefensive(active: boolean): void;
}

/** FTS5 keeps the averages record at this rowid of `%_data`. */
const AVERAGES_ROWID = 1;

/**
 * Subtract the rows about to be deleted from `notes_fts` from its averages record. Call it in
 * the write transaction before the first full-text write of that transaction (FTS5 reads the
 * record then, and writes back what it read plus its inserts at commit).
 *
 * @example
 * ```ts ignore
 * db.exec("BEGIN IMMEDIATE");
 * subtractFtsTotals(db, [12, 40]);
 * db.prepare("DELETE FROM notes_fts WHERE rowid = ?").run(12);
 * ```
 */
export function subtractFtsTotals(db: DatabaseSync, rowids: Iterable<number>): void {
  const size = db.prepare("SELECT sz FROM notes_fts_docsize WHERE id = ?");
  let rows = 0;
  const tokens: number[] = [];
  for (const id of rowids) {
    const row = size.get(id) as { sz: Uint8Array } | undefined;
    if (!row) continue;
    rows++;
    readVarints(row.sz).forEach((n, i) => tokens[i] = (tokens[i] ?? 0) + n);
  }
  if (rows === 0) return;
  const record = db.prepare("SELECT block FROM notes_fts_data WHERE id = ?")
    .get(AVERAGES_ROWID) as { block: Uint8Array } | undefined;
  if (!record) return;
  const totals = readVarints(record.block);
  totals[0] = Math.max(0, totals[0] - rows);
  for (let i = 1; i < totals.length; i++) totals[i] = Math.max(0, totals[i] - (tokens[i - 1] ?? 0));
  const target = db as DatabaseSync & Defensive;
  target.enableDefensive(false);
  try {
    db.prepare("UPDATE notes_fts_data SET block = ? WHERE id = ?")
      .run(writeVarints(totals), AVERAGES_ROWID);
  } finally {
    target.enableDefensive(true);
  }
}

/** Decode consecutive SQLite varints (values up to 2^53). */
export function readVarints(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let i = 0;
  while (i < bytes.length) {
    let v = 0;
    let k = 0;
    for (; k < 8 && i < bytes.length; k++) {
      const b = bytes[i++];
      v = v * 128 + (b & 0x7f);
      if (b < 0x80) break;
    }
    if (k === 8 && i < bytes.length) v = v * 256 + bytes[i++]; // ninth byte: all 8 bits
    out.push(v);
  }
  return out;
}

/** Encode numbers (0 to 2^53) as consecutive SQLite varints. */
export function writeVarints(values: readonly number[]): Uint8Array {
  const out: number[] = [];
  for (const value of values) {
    if (value >= 2 ** 56) throw new RangeError(`varint ${value} out of range`);
    const groups: number[] = [];
    let v = value;
    do {
      groups.unshift(v % 128);
      v = Math.floor(v / 128);
    } while (v > 0);
    groups.forEach((g, i) => out.push(i < groups.length - 1 ? g | 0x80 : g));
  }
  return new Uint8Array(out);
}
