/**
 * The full-text worker of a bulk build: fills the full-text table in an in-memory database
 * while the calling thread writes every other table, merges it into one segment, and posts the
 * database image back. It touches no file at all. See `fts_offload.ts` for the protocol.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { DatabaseSync } from "node:sqlite";
import { FTS_TABLE } from "./index_db.ts";
import {
  type FtsChunk,
  type FtsMessage,
  type FtsStart,
  PROGRESS,
  RowPacker,
  SHADOW_TABLES,
  STATE,
  STATE_DONE,
  STATE_FAILED,
} from "./fts_offload.ts";

let db: DatabaseSync | null = null;
let start: FtsStart | null = null;
let shared: Int32Array | null = null;
let insert: ReturnType<DatabaseSync["prepare"]> | null = null;

self.onmessage = (event: MessageEvent<FtsStart | FtsMessage>) => {
  try {
    if (start === null) {
      start = event.data as FtsStart;
      shared = new Int32Array(start.counters);
      db = new DatabaseSync(":memory:");
      db.exec(FTS_TABLE);
      db.exec(`INSERT INTO notes_fts (notes_fts, rank) VALUES ('hashsize', ${start.hashSize})`);
      db.exec("BEGIN");
      insert = db.prepare("INSERT INTO notes_fts (rowid, title, body, tags) VALUES (?, ?, ?, ?)");
      return;
    }
    const message = event.data as FtsMessage;
    if (message.rows) {
      const r = message.rows;
      for (let k = 0; k < r.length; k += 4) insert!.run(r[k], r[k + 1], r[k + 2], r[k + 3]);
      Atomics.add(shared!, PROGRESS, r.length / 4);
      Atomics.notify(shared!, PROGRESS);
    }
    if (message.finish) {
      db!.exec("COMMIT");
      // One segment: later small writes then never trigger a merge of the whole index.
      db!.exec("INSERT INTO notes_fts (notes_fts) VALUES ('optimize')");
      Atomics.store(shared!, PROGRESS, 0);
      for (const table of SHADOW_TABLES) sendTable(db!, table);
      db!.close();
      db = null;
      Atomics.store(shared!, STATE, STATE_DONE);
      Atomics.notify(shared!, PROGRESS);
    }
  } catch (e) {
    start?.port.postMessage({ error: e instanceof Error ? e.message : String(e) });
    if (shared) {
      Atomics.store(shared, STATE, STATE_FAILED);
      Atomics.notify(shared, PROGRESS);
    }
  }
};

/** Post every row of a shadow table, a chunk at a time. */
function sendTable(db: DatabaseSync, table: string): void {
  const read = db.prepare(`SELECT * FROM ${table}`);
  read.setReadBigInts(true);
  (read as typeof read & { setReturnArrays(on: boolean): void }).setReturnArrays(true);
  const columns = read.columns().map((c) => c.name);
  const packer = new RowPacker();
  const send = () => {
    const chunk: FtsChunk = { table, columns, rows: packer.rows, bytes: packer.take() };
    start!.port.postMessage(chunk);
    Atomics.add(shared!, PROGRESS, 1);
    Atomics.notify(shared!, PROGRESS);
  };
  for (const row of read.iterate()) {
    packer.add(row as unknown as unknown[]);
    if (packer.full) send();
  }
  if (packer.rows > 0) send();
}
