/**
 * A parse worker of the bulk index: claims notes of the walk from a shared counter, reads and
 * parses them, and posts their rows back on its port. It needs read access to the kiln and
 * nothing else. See `parse_pool.ts` for the protocol.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { type NoteRows, noteRows, rowsContext } from "./note_rows.ts";
import type { PoolStart } from "./parse_pool.ts";
import { CLAIMED, CONSUMED, PUBLISHED } from "./parse_pool.ts";

/** Most notes per message: a message has a fixed cost, each note in it a small one. */
const BATCH = 16;

self.onmessage = (event: MessageEvent<PoolStart>) => {
  const { walk, counters, port, window } = event.data;
  const shared = new Int32Array(counters);
  let batch: NoteRows[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    port.postMessage(batch);
    batch = [];
    Atomics.add(shared, PUBLISHED, 1);
    Atomics.notify(shared, PUBLISHED);
  };
  try {
    const ctx = rowsContext(walk);
    const total = walk.paths.length;
    for (;;) {
      const i = Atomics.add(shared, CLAIMED, 1);
      if (i >= total) break;
      // Stay at most `window` notes ahead of the inserts, so memory stays bounded; once that
      // far ahead, sleep until the inserts are half-way back rather than waking for each one.
      if (i - Atomics.load(shared, CONSUMED) > window) {
        flush();
        for (;;) {
          const consumed = Atomics.load(shared, CONSUMED);
          if (i - consumed <= window / 2) break;
          Atomics.wait(shared, CONSUMED, consumed, 100);
        }
      }
      batch.push(noteRows(ctx, i));
      // Send at once when the caller is waiting for a note of this batch.
      if (batch.length >= BATCH || batch[0].index <= Atomics.load(shared, CONSUMED)) flush();
    }
    flush();
  } catch {
    // The caller reads the missing notes itself once it notices they do not arrive.
    flush();
  }
};
