/**
 * The write journal: before cru changes or creates a note, the previous content (or the fact that
 * there was none) is written, synced, to `<kiln>/.crucible/journal/`, so every change can be
 * undone and a crash mid-write loses nothing.
 *
 * @module
 */
import * as path from "node:path";
import { PRIVATE_DIR } from "../kiln/paths.ts";

/** One journaled change. */
export interface JournalEntry {
  /** Unique id (time-ordered). */
  id: string;
  /** When it was written (ISO). */
  at: string;
  /** Kiln-relative path of the note. */
  path: string;
  /** Content before the change, or null when the note did not exist. */
  previous: string | null;
  /** Plugin that made the change, if any. */
  plugin?: string;
  /** Invocation id, if any. */
  invocation?: string;
}

/** The journal folder of a kiln. */
export function journalDir(kilnRoot: string): string {
  return path.join(kilnRoot, PRIVATE_DIR, "journal");
}

let counter = 0;

/** A time-ordered id: milliseconds, a counter and randomness. */
function newId(): string {
  counter = (counter + 1) % 1_000_000;
  const rand = crypto.getRandomValues(new Uint8Array(4));
  return `${Date.now().toString().padStart(14, "0")}-${String(counter).padStart(6, "0")}-${
    [...rand].map((b) => b.toString(16).padStart(2, "0")).join("")
  }`;
}

/** Write bytes atomically and durably: temp file in the same folder, fsync, rename. */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.cru-${crypto.randomUUID().slice(0, 8)}.tmp`);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const f = Deno.openSync(tmp, { write: true, createNew: true });
  try {
    let written = 0;
    while (written < bytes.length) written += f.writeSync(bytes.subarray(written));
    f.syncSync();
  } catch (e) {
    f.close();
    try {
      Deno.removeSync(tmp);
    } catch { /* best effort */ }
    throw e;
  }
  f.close();
  try {
    Deno.renameSync(tmp, file);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* best effort */ }
    throw e;
  }
}

/** Record the state of a note before it changes; returns the entry. */
export function journalBefore(
  kilnRoot: string,
  entry: Omit<JournalEntry, "id" | "at">,
): JournalEntry {
  const full: JournalEntry = { id: newId(), at: new Date().toISOString(), ...entry };
  const dir = journalDir(kilnRoot);
  Deno.mkdirSync(dir, { recursive: true });
  writeFileAtomic(path.join(dir, `${full.id}.json`), JSON.stringify(full));
  return full;
}
