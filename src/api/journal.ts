/**
 * The write journal: before cru changes or creates a note, the previous content (or the fact that
 * there was none) is written, synced, to `<kiln>/.crucible/journal/`, so every change can be
 * undone and a crash mid-write loses nothing.
 *
 * @module
 */
import * as path from "node:path";
import { privatePath } from "../kiln/paths.ts";

/** One journaled change. */
export interface JournalEntry {
  /** Unique id (time-ordered). */
  id: string;
  /** When it was written (ISO). */
  at: string;
  /** Kiln-relative path of the note, or the absolute path of a file outside the kiln. */
  path: string;
  /** A note (the default) or a file outside the kiln written with fs.write. */
  kind?: "note" | "file";
  /** Content before the change, or null when the note did not exist. */
  previous: string | null;
  /** Plugin that made the change, if any. */
  plugin?: string;
  /** Invocation id, if any. */
  invocation?: string;
  /** SHA-256 of the content written by the change. */
  nextHash?: string | null;
}

/** The journal folder of a kiln. */
export function journalDir(kilnRoot: string): string {
  return privatePath(kilnRoot, "journal");
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

/** A journal entry as read back, with its undo state. */
export interface JournalRecord extends JournalEntry {
  /** SHA-256 of the content the change wrote (null when the change removed the note). */
  nextHash?: string | null;
  /** When it was undone (ISO), if it was. */
  undone?: string;
}

/** SHA-256 hex of text. */
export async function sha256Text(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Every journal entry, newest first. Unreadable entries are skipped. */
export function readJournal(kilnRoot: string): JournalRecord[] {
  const dir = journalDir(kilnRoot);
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".json"))
      .map((e) => e.name);
  } catch {
    return [];
  }
  const out: JournalRecord[] = [];
  for (const name of names.sort().reverse()) {
    try {
      out.push(JSON.parse(Deno.readTextFileSync(path.join(dir, name))) as JournalRecord);
    } catch { /* a torn entry (crash mid-write of the journal itself) holds nothing to undo */ }
  }
  return out;
}

/** Rewrite an entry (to record that it was undone). */
export function updateJournal(kilnRoot: string, entry: JournalRecord): void {
  writeFileAtomic(path.join(journalDir(kilnRoot), `${entry.id}.json`), JSON.stringify(entry));
}

/** Delete entries older than `days`; returns how many were removed. */
export function pruneJournal(kilnRoot: string, days: number, now = Date.now()): number {
  const dir = journalDir(kilnRoot);
  const cutoff = now - days * 86_400_000;
  let removed = 0;
  try {
    for (const e of Deno.readDirSync(dir)) {
      const ms = Number(e.name.slice(0, 14));
      if (e.isFile && e.name.endsWith(".json") && Number.isFinite(ms) && ms < cutoff) {
        Deno.removeSync(path.join(dir, e.name));
        removed++;
      }
    }
  } catch { /* no journal yet */ }
  return removed;
}
