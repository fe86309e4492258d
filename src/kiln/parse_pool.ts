/**
 * Reading and parsing notes on other threads while the calling thread inserts them, without
 * making the index update asynchronous.
 *
 * The protocol: the notes of a walk are claimed one at a time from a shared counter, by the
 * workers and by the calling thread alike, so no note is read twice. A worker posts each note's
 * rows on its own `MessagePort` and bumps a second shared counter; the calling thread, which
 * wants the notes back in walk order, blocks on that counter with `Atomics.wait` and takes the
 * messages off the ports synchronously (`receiveMessageOnPort`). When the note it needs next
 * is not ready and unclaimed notes remain, it reads one itself instead of waiting; when a note
 * stays missing for a while (a worker died), it reads that note too. So a pool that fails to
 * start, or a worker that dies, costs speed, never correctness.
 *
 * @module
 */
import { receiveMessageOnPort } from "node:worker_threads";
import { type NoteRows, noteRows, type RowsContext, rowsContext } from "./note_rows.ts";
import type { WalkSnapshot } from "./note_rows.ts";
import type { WordVectorEmbedder } from "./embeddings.ts";

/** Shared counter: the next note index to claim. */
export const CLAIMED = 0;
/** Shared counter: messages posted by workers. */
export const PUBLISHED = 1;
/** Shared counter: notes handed to the caller so far (workers stay a window ahead of it). */
export const CONSUMED = 2;

/** The message that starts a worker. */
export interface PoolStart {
  /** The notes to read. */
  walk: WalkSnapshot;
  /** The shared counters (Int32Array over it). */
  counters: SharedArrayBuffer;
  /** Where the worker posts rows. */
  port: MessagePort;
  /** Most notes a worker reads ahead of the caller. */
  window: number;
}

/** Options of {@link ParsePool}. */
export interface ParsePoolOptions {
  /** Worker threads. Default 1; 0 reads everything on the calling thread. */
  workers?: number;
  /** Most notes read ahead of the caller. Default 1024. */
  window?: number;
  /** How long a missing note may take before the caller reads it itself, ms. Default 2000. */
  stallMs?: number;
  /** The calling thread's embedder, for the notes it reads itself (workers make their own). */
  embedder?: WordVectorEmbedder | null;
}

/**
 * The notes of a walk, read and parsed on worker threads, handed out in walk order.
 *
 * @example
 * ```ts ignore
 * import { ParsePool } from "./parse_pool.ts";
 * using pool = new ParsePool(walk, { workers: 1 });
 * for (let i = 0; i < walk.paths.length; i++) insert(pool.take(i));
 * ```
 */
export class ParsePool implements Disposable {
  #walk: WalkSnapshot;
  #ctx: RowsContext | null = null;
  #shared: Int32Array;
  #workers: Worker[] = [];
  #ports: MessagePort[] = [];
  #ready = new Map<number, NoteRows>();
  #stallMs: number;
  #embedder: WordVectorEmbedder | null;

  /** Start the workers (none when `workers` is 0 or they cannot be started). */
  constructor(walk: WalkSnapshot, options: ParsePoolOptions = {}) {
    this.#walk = walk;
    this.#stallMs = options.stallMs ?? 2000;
    this.#embedder = options.embedder ?? null;
    const counters = new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT);
    this.#shared = new Int32Array(counters);
    const count = Math.min(options.workers ?? 1, walk.paths.length);
    for (let i = 0; i < count; i++) {
      const worker = startWorker(walk.root);
      if (!worker) break;
      const { port1, port2 } = new MessageChannel();
      const start: PoolStart = { walk, counters, port: port2, window: options.window ?? 1024 };
      worker.postMessage(start, [port2]);
      this.#workers.push(worker);
      this.#ports.push(port1);
    }
  }

  /** Worker threads running. */
  get workers(): number {
    return this.#workers.length;
  }

  /** The rows of note `index`; call with 0, 1, 2… in order. */
  take(index: number): NoteRows {
    let rows = this.#ready.get(index);
    let waitedSince = -1;
    while (rows === undefined) {
      const published = Atomics.load(this.#shared, PUBLISHED);
      this.#drain(index);
      rows = this.#ready.get(index);
      if (rows !== undefined) break;
      const claim = Atomics.load(this.#shared, CLAIMED) < this.#walk.paths.length
        ? Atomics.add(this.#shared, CLAIMED, 1)
        : Infinity;
      if (claim < this.#walk.paths.length) {
        // Nothing to insert yet: read a note here rather than wait.
        this.#ready.set(claim, noteRows(this.#context(), claim));
      } else {
        const now = performance.now();
        if (waitedSince < 0) waitedSince = now;
        if (now - waitedSince > this.#stallMs) {
          this.#ready.set(index, noteRows(this.#context(), index));
        } else {
          Atomics.wait(this.#shared, PUBLISHED, published, 50);
        }
      }
      rows = this.#ready.get(index);
    }
    this.#ready.delete(index);
    Atomics.store(this.#shared, CONSUMED, index + 1);
    // A worker that got too far ahead sleeps until half a window is consumed: wake it rarely.
    if ((index & 63) === 63) Atomics.notify(this.#shared, CONSUMED);
    return rows;
  }

  /** Stop the workers. */
  close(): void {
    for (const w of this.#workers) w.terminate();
    for (const p of this.#ports) p.close();
    this.#workers = [];
    this.#ports = [];
    this.#ready.clear();
  }

  /** Stop the workers. */
  [Symbol.dispose](): void {
    this.close();
  }

  #context(): RowsContext {
    return (this.#ctx ??= rowsContext(this.#walk, this.#embedder));
  }

  #drain(next: number): void {
    for (const port of this.#ports) {
      for (;;) {
        const m = receiveMessageOnPort(port as never) as { message: NoteRows[] } | undefined;
        if (!m) break;
        for (const rows of m.message) {
          // A note the caller already read itself after a stall arrives late: drop it.
          if (rows.index >= next) this.#ready.set(rows.index, rows);
        }
      }
    }
  }
}

/**
 * A parse worker allowed to read the kiln and nothing else. Where Deno cannot narrow a worker's
 * permissions (without `--unstable-worker-options`, or when the parent's own read access has
 * holes it cannot express), the worker inherits the parent's; where no worker starts at all,
 * the caller reads every note itself.
 */
function startWorker(root: string): Worker | null {
  const url = new URL("./parse_worker.ts", import.meta.url);
  const attempts: WorkerOptions[] = [
    {
      type: "module",
      name: "cru-parse",
      deno: {
        permissions: {
          read: [root],
          write: false,
          net: false,
          env: false,
          run: false,
          ffi: false,
          sys: false,
          import: false,
        },
      },
    } as WorkerOptions,
    { type: "module", name: "cru-parse" },
  ];
  for (const options of attempts) {
    try {
      return new Worker(url, options);
    } catch { /* try the next, more permissive, way */ }
  }
  return null;
}
