/**
 * Filling the full-text table of a bulk build on another thread. FTS5 indexing is the largest
 * part of a build and cannot be split, but it can run beside everything else: a worker indexes
 * the text in an in-memory database while the calling thread writes the other tables, then
 * streams the rows of the full-text table's storage (its shadow tables, which hold nothing that
 * depends on the database they are in) back in chunks of shared memory, and the calling thread
 * writes them into the build. The worker gets no permissions at all.
 *
 * Like the parse pool, this never costs correctness: if the worker cannot start, or fails, the
 * calling thread indexes the text itself ({@link FtsOffload.finish} says so).
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { receiveMessageOnPort } from "node:worker_threads";

/** Shared counter: rows the worker has indexed, then chunks it has posted. */
export const PROGRESS = 0;
/** Shared state: 0 running, {@link STATE_DONE}, {@link STATE_FAILED}. */
export const STATE = 1;
/** Every chunk has been posted. */
export const STATE_DONE = 1;
/** The worker failed; an error message has been posted. */
export const STATE_FAILED = 2;

/** The shadow tables of `notes_fts`, which hold its whole index. */
export const SHADOW_TABLES = [
  "notes_fts_data",
  "notes_fts_idx",
  "notes_fts_docsize",
  "notes_fts_config",
] as const;

/** Rows of one shadow table, encoded by {@link RowPacker}, in shared memory. */
export interface FtsChunk {
  /** Which shadow table. */
  table: string;
  /** Its columns, in order. */
  columns: string[];
  /** Rows in the chunk. */
  rows: number;
  /** The encoded rows. */
  bytes: SharedArrayBuffer;
}

/** The first message to the worker. */
export interface FtsStart {
  /** The shared counters (Int32Array over it). */
  counters: SharedArrayBuffer;
  /** Where the worker posts the chunks, or an error. */
  port: MessagePort;
  /** FTS5 `hashsize` for the load, bytes. */
  hashSize: number;
}

/** Every later message. */
export interface FtsMessage {
  /** Rows to index, four values each: rowid, title, body, tags. */
  rows?: (number | string)[];
  /** No more rows: commit, merge into one segment and post the shadow tables' rows. */
  finish?: boolean;
}

/** Rows per message to the worker. */
const BATCH = 32;
/** Most rows sent and not yet indexed: beyond, the sender waits, so memory stays bounded. */
const MAX_AHEAD = 2048;
/** How long the worker may go without progress (merging counts) before it is given up on, ms. */
const STALL_MS = 120_000;

/** Options of {@link FtsOffload}. */
export interface FtsOffloadOptions {
  /** FTS5 `hashsize` for the load, bytes. */
  hashSize: number;
}

/**
 * A worker filling `notes_fts` for a bulk build.
 *
 * @example
 * ```ts ignore
 * import { FtsOffload } from "./fts_offload.ts";
 * const fts = FtsOffload.start({ hashSize: 64 << 20 });
 * fts?.add(1, "Title", "body text", "tag");
 * if (!fts?.finish(buildDb)) indexTextHere();
 * ```
 */
export class FtsOffload {
  #worker: Worker;
  #port: MessagePort;
  #shared: Int32Array;
  #pending: (number | string)[] = [];
  #sent = 0;
  #failed = false;

  private constructor(worker: Worker, port: MessagePort, shared: Int32Array) {
    this.#worker = worker;
    this.#port = port;
    this.#shared = shared;
  }

  /**
   * Start the worker, with no permissions (or, where Deno cannot narrow a worker's permissions,
   * without `--unstable-worker-options`, with the caller's); null where none can be started.
   */
  static start(options: FtsOffloadOptions): FtsOffload | null {
    const url = new URL("./fts_worker.ts", import.meta.url);
    const none = { read: false, write: false, net: false, env: false, run: false, ffi: false };
    const attempts: WorkerOptions[] = [
      {
        type: "module",
        name: "cru-fts",
        deno: { permissions: { ...none, sys: false, import: false } },
      } as WorkerOptions,
      { type: "module", name: "cru-fts" },
    ];
    let worker: Worker | null = null;
    for (const o of attempts) {
      try {
        worker = new Worker(url, o);
        break;
      } catch { /* try the next, more permissive, way */ }
    }
    if (worker === null) return null;
    const counters = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
    const { port1, port2 } = new MessageChannel();
    const start: FtsStart = { counters, port: port2, hashSize: options.hashSize };
    worker.postMessage(start, [port2]);
    return new FtsOffload(worker, port1, new Int32Array(counters));
  }

  /** Queue one note's full-text row. */
  add(id: number, title: string, body: string, tags: string): void {
    if (this.#failed) return; // finish() reports it; the caller indexes the text itself
    this.#pending.push(id, title, body, tags);
    if (this.#pending.length >= BATCH * 4) this.#flush();
  }

  /**
   * Wait for the worker and write its full-text index into `db`, whose `notes_fts` is empty.
   * False when the worker failed: the caller must then index the text itself (and the shadow
   * tables are left empty again).
   */
  finish(db: DatabaseSync): boolean {
    try {
      this.#flush();
      if (this.#failed) return false;
      this.#worker.postMessage({ finish: true } satisfies FtsMessage);
      const target = db as DatabaseSync & Defensive;
      // SQLite's defensive mode forbids writing shadow tables; lifted for the copy only.
      target.enableDefensive(false);
      try {
        db.exec("SAVEPOINT fts_copy");
        const ok = this.#receive(db);
        if (!ok) db.exec("ROLLBACK TO fts_copy");
        db.exec("RELEASE fts_copy");
        return ok;
      } finally {
        target.enableDefensive(true);
      }
    } finally {
      this.close();
    }
  }

  /** Stop the worker. */
  close(): void {
    this.#worker.terminate();
    this.#port.close();
  }

  #flush(): void {
    if (this.#pending.length === 0 || this.#failed) return;
    this.#worker.postMessage({ rows: this.#pending } satisfies FtsMessage);
    this.#sent += this.#pending.length / 4;
    this.#pending = [];
    let indexed = Atomics.load(this.#shared, PROGRESS);
    let since = performance.now();
    while (this.#sent - indexed > MAX_AHEAD) {
      if (Atomics.load(this.#shared, STATE) === STATE_FAILED) {
        this.#failed = true;
        return;
      }
      Atomics.wait(this.#shared, PROGRESS, indexed, 100);
      const now = Atomics.load(this.#shared, PROGRESS);
      if (now !== indexed) {
        indexed = now;
        since = performance.now();
      } else if (performance.now() - since > STALL_MS) {
        this.#failed = true;
        return;
      }
    }
  }

  /** Write chunks as they arrive; true once the worker says all were sent. */
  #receive(db: DatabaseSync): boolean {
    const cleared = new Set<string>();
    let progress = -1;
    let since = performance.now();
    for (;;) {
      const state = Atomics.load(this.#shared, STATE);
      for (;;) {
        const m = receiveMessageOnPort(this.#port as never) as
          | { message: FtsChunk | { error: string } }
          | undefined;
        if (!m) break;
        if ("error" in m.message) return false;
        const chunk = m.message;
        if (!cleared.has(chunk.table)) {
          db.exec(`DELETE FROM ${chunk.table}`);
          cleared.add(chunk.table);
        }
        const insert = db.prepare(
          `INSERT INTO ${chunk.table} (${chunk.columns.join(", ")}) VALUES (${
            chunk.columns.map(() => "?").join(", ")
          })`,
        );
        for (const row of unpackRows(chunk)) insert.run(...row);
      }
      if (state === STATE_DONE) return true;
      if (state === STATE_FAILED) return false;
      const now = Atomics.load(this.#shared, PROGRESS);
      if (now !== progress) {
        progress = now;
        since = performance.now();
      } else if (performance.now() - since > STALL_MS) {
        return false;
      }
      Atomics.wait(this.#shared, PROGRESS, now, 100);
    }
  }
}

/** `node:sqlite` methods Deno has that the bundled Node type definitions lack. */
interface Defensive {
  enableDefensive(active: boolean): void;
}
interface ReturnsArrays {
  setReturnArrays(enabled: boolean): void;
}

const TAG_NULL = 0;
const TAG_INT = 1;
const TAG_REAL = 2;
const TAG_TEXT = 3;
const TAG_BLOB = 4;
/** A chunk is posted once it holds this many bytes. */
const CHUNK_BYTES = 8 * 1024 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Encodes SQLite rows (null, 64-bit integers read as bigints, reals, text, blobs) into chunks
 * of shared memory: a structured-clone message of one shared buffer costs next to nothing,
 * whereas thousands of typed arrays would each be copied and walked.
 */
export class RowPacker {
  #buf = new Uint8Array(CHUNK_BYTES + 1024);
  #view = new DataView(this.#buf.buffer);
  #at = 0;
  #rows = 0;

  /** Rows since the last {@link RowPacker.take}. */
  get rows(): number {
    return this.#rows;
  }

  /** True once the chunk is big enough to send. */
  get full(): boolean {
    return this.#at >= CHUNK_BYTES;
  }

  /** Append a row. */
  add(row: readonly unknown[]): void {
    for (const v of row) {
      if (v === null || v === undefined) {
        this.#room(1);
        this.#buf[this.#at++] = TAG_NULL;
      } else if (typeof v === "bigint") {
        this.#room(9);
        this.#buf[this.#at++] = TAG_INT;
        this.#view.setBigInt64(this.#at, v);
        this.#at += 8;
      } else if (typeof v === "number") {
        this.#room(9);
        this.#buf[this.#at++] = TAG_REAL;
        this.#view.setFloat64(this.#at, v);
        this.#at += 8;
      } else {
        const bytes = typeof v === "string" ? encoder.encode(v) : v as Uint8Array;
        this.#room(5 + bytes.length);
        this.#buf[this.#at++] = typeof v === "string" ? TAG_TEXT : TAG_BLOB;
        this.#view.setUint32(this.#at, bytes.length);
        this.#buf.set(bytes, this.#at + 4);
        this.#at += 4 + bytes.length;
      }
    }
    this.#rows++;
  }

  /** The rows so far in a new shared buffer; starts the next chunk. */
  take(): SharedArrayBuffer {
    const out = new SharedArrayBuffer(this.#at);
    new Uint8Array(out).set(this.#buf.subarray(0, this.#at));
    this.#at = 0;
    this.#rows = 0;
    return out;
  }

  #room(n: number): void {
    if (this.#at + n <= this.#buf.length) return;
    const bigger = new Uint8Array(Math.max(this.#buf.length * 2, this.#at + n));
    bigger.set(this.#buf.subarray(0, this.#at));
    this.#buf = bigger;
    this.#view = new DataView(bigger.buffer);
  }
}

/** The rows of a chunk, as statement parameters. */
export function* unpackRows(chunk: FtsChunk): Generator<SQLInputValue[]> {
  const bytes = new Uint8Array(chunk.bytes);
  const view = new DataView(chunk.bytes);
  const width = chunk.columns.length;
  let at = 0;
  for (let r = 0; r < chunk.rows; r++) {
    const row: SQLInputValue[] = new Array(width);
    for (let c = 0; c < width; c++) {
      const tag = bytes[at++];
      if (tag === TAG_NULL) {
        row[c] = null;
      } else if (tag === TAG_INT) {
        row[c] = view.getBigInt64(at);
        at += 8;
      } else if (tag === TAG_REAL) {
        row[c] = view.getFloat64(at);
        at += 8;
      } else {
        const n = view.getUint32(at);
        const value = bytes.subarray(at + 4, at + 4 + n);
        row[c] = tag === TAG_TEXT ? decoder.decode(value) : value;
        at += 4 + n;
      }
    }
    yield row;
  }
}
