/**
 * The write journal: before cru changes or creates a note, the previous bytes (or the fact that
 * there were none) are written, synced, to `<kiln>/.crucible/journal/`, so every change can be
 * undone exactly and a crash mid-write loses nothing.
 *
 * The journal lives in the kiln, and whoever shared the kiln can write there, so an entry is only
 * believed when it carries a MAC made with this user's journal key (`journal.key` in the user
 * config folder, never in the kiln). `readJournal` marks every entry it cannot believe with the
 * reason; undo refuses those.
 *
 * @module
 */
import * as path from "node:path";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { CrucibleError } from "../errors.ts";
import { privatePath } from "../kiln/paths.ts";
import { terminalText } from "../security/terminal_text.ts";

/** Where a journal is kept and where the key that authenticates it lives. */
export interface JournalPlace {
  /** Kiln root: the entries live in `<kiln>/.crucible/journal/`. */
  kilnRoot: string;
  /** The user config folder holding `journal.key`. */
  configDir: string;
}

/** One journaled change, as a writer describes it. */
export interface JournalEntry {
  /** Kiln-relative path of the note, or the absolute path of a file outside the kiln. */
  path: string;
  /** A note (the default) or a file outside the kiln written with fs.write. */
  kind?: "note" | "file";
  /** Bytes before the change, or null when the file did not exist. */
  previous: Uint8Array | null;
  /** SHA-256 (hex) of the bytes the change writes, or null when it removes the file. */
  nextHash: string | null;
  /** For a file outside the kiln: the FsWrite folders the writer held (home expanded). */
  scope?: string[];
  /** Plugin that made the change, if any. */
  plugin?: string;
  /** Invocation id, if any. */
  invocation?: string;
}

/** A journal entry as read back. */
export interface JournalRecord extends JournalEntry {
  /** Unique id (time-ordered). */
  id: string;
  /** When it was written (ISO). */
  at: string;
  /** When it was undone (ISO), if it was. */
  undone?: string;
  /**
   * Why undo must not use this entry (unauthenticated, malformed, no conflict hash); absent for a
   * good entry. Set by {@link readJournal}, never read from the file.
   */
  refused?: string;
}

/** Version tag of the entry format, part of what the MAC covers. */
const FORMAT = "cru-journal-2";
const KEY_FILE = "journal.key";

/** The journal folder of a kiln. */
export function journalDir(kilnRoot: string): string {
  return privatePath(kilnRoot, "journal");
}

/**
 * The journal folder, checked: {@link journalDir} refuses a `.crucible/` or `.crucible/journal/`
 * that is a symlink or not a folder (a shared kiln could point them anywhere, and cru writes and
 * prunes there) with `E_PATH`. Created when `create` is set; null when it does not exist.
 */
function checkedJournalDir(kilnRoot: string, create: boolean): string | null {
  const dir = journalDir(kilnRoot);
  try {
    Deno.lstatSync(dir);
    return dir;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (!create) return null;
  Deno.mkdirSync(dir, { recursive: true });
  return dir;
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

/**
 * A string read from a journal entry (kiln- or plugin-controlled), safe to print to a terminal:
 * control characters and bidirectional overrides shown as escapes ({@link terminalText}).
 */
export function printable(text: string): string {
  return terminalText(text);
}

/** SHA-256 hex of bytes (or of the UTF-8 of text). */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * The user's journal key: 32 random bytes in `<config>/journal.key`, created (mode 0600) on first
 * need when `create` is set. Null when there is none yet and `create` is not set.
 */
function journalKey(configDir: string, create: boolean): Uint8Array | null {
  const file = path.join(configDir, KEY_FILE);
  const read = (): Uint8Array => {
    const key = Deno.readFileSync(file);
    if (key.length !== 32) {
      throw new CrucibleError(
        "E_JOURNAL",
        `the journal key ${file} is damaged (${key.length} bytes, not 32); delete it and ` +
          "cru makes a new one, after which older journal entries can no longer be undone",
      );
    }
    return key;
  };
  try {
    return read();
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound) || !create) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
  }
  Deno.mkdirSync(configDir, { recursive: true });
  try {
    Deno.writeFileSync(file, crypto.getRandomValues(new Uint8Array(32)), {
      createNew: true,
      mode: 0o600,
    });
  } catch (e) {
    // Another cru made it first: use theirs.
    if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
  }
  return read();
}

function b64(bytes: Uint8Array | null): string | null {
  if (bytes === null) return null;
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

function unb64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** The fields an entry's MAC covers, in a fixed order. */
function macInput(e: Record<string, unknown>): string {
  return JSON.stringify([
    FORMAT,
    e.id,
    e.at,
    e.path,
    e.kind ?? "note",
    e.previousBase64,
    e.nextHash,
    e.scope ?? null,
    e.plugin ?? null,
    e.invocation ?? null,
    e.undone ?? null,
  ]);
}

function mac(key: Uint8Array, e: Record<string, unknown>): string {
  return createHmac("sha256", key).update(macInput(e)).digest("hex");
}

/** Write a record to its file, with a fresh MAC. */
function store(place: JournalPlace, r: JournalRecord): void {
  // The folder first: a kiln whose journal cannot be used gets no key made on its behalf.
  const dir = checkedJournalDir(place.kilnRoot, true)!;
  const key = journalKey(place.configDir, true)!;
  const file: Record<string, unknown> = {
    format: FORMAT,
    id: r.id,
    at: r.at,
    path: r.path,
    ...(r.kind === "file" ? { kind: "file" } : {}),
    previousBase64: b64(r.previous),
    nextHash: r.nextHash,
    ...(r.scope ? { scope: r.scope } : {}),
    ...(r.plugin !== undefined ? { plugin: r.plugin } : {}),
    ...(r.invocation !== undefined ? { invocation: r.invocation } : {}),
    ...(r.undone !== undefined ? { undone: r.undone } : {}),
  };
  file.mac = mac(key, file);
  writeFileAtomic(path.join(dir, `${r.id}.json`), JSON.stringify(file));
}

/** Record the state of a file before it changes; returns the entry. */
export function journalBefore(place: JournalPlace, entry: JournalEntry): JournalRecord {
  const full: JournalRecord = { id: newId(), at: new Date().toISOString(), ...entry };
  store(place, full);
  return full;
}

const isStr = (v: unknown): v is string => typeof v === "string";
const isOptStr = (v: unknown) => v === undefined || isStr(v);

/** Check one parsed file; returns the record with `refused` set when it cannot be believed. */
function check(
  raw: unknown,
  name: string,
  key: Uint8Array | null,
): JournalRecord {
  const id = name.replace(/\.json$/, "");
  const bad = (refused: string, r: Partial<JournalRecord> = {}): JournalRecord => ({
    id,
    at: "",
    path: "",
    previous: null,
    nextHash: null,
    ...r,
    refused,
  });
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return bad("malformed entry");
  const e = raw as Record<string, unknown>;
  const shapeOk = isStr(e.id) && isStr(e.at) && isStr(e.path) &&
    (e.kind === undefined || e.kind === "note" || e.kind === "file") &&
    isOptStr(e.plugin) && isOptStr(e.invocation) && isOptStr(e.undone) &&
    (e.scope === undefined || (Array.isArray(e.scope) && e.scope.every(isStr)));
  if (!shapeOk) return bad("malformed entry");
  const shown: Partial<JournalRecord> = {
    id: e.id as string,
    at: e.at as string,
    path: e.path as string,
    kind: e.kind === "file" ? "file" : "note",
    ...(isStr(e.plugin) ? { plugin: e.plugin } : {}),
    ...(isStr(e.invocation) ? { invocation: e.invocation } : {}),
    ...(isStr(e.undone) ? { undone: e.undone } : {}),
    previous: isStr(e.previousBase64) ? new Uint8Array(0) : null,
  };
  if (e.format !== FORMAT || !isStr(e.mac)) {
    return bad(
      "not authenticated: no journal MAC (written by an older cru, or planted in the kiln)",
      shown,
    );
  }
  if (!key) {
    return bad(
      "not authenticated: this user has no journal key yet, so the entry was made elsewhere",
      shown,
    );
  }
  const want = new TextEncoder().encode(mac(key, e));
  const got = new TextEncoder().encode(e.mac);
  if (want.length !== got.length || !timingSafeEqual(want, got)) {
    return bad(
      "not authenticated: its MAC does not match this user's journal key (made on another " +
        "machine or by another user, or altered)",
      shown,
    );
  }
  if (!(e.nextHash === null || (isStr(e.nextHash) && /^[0-9a-f]{64}$/.test(e.nextHash)))) {
    return bad("no conflict hash (nextHash), so a later edit could be lost", shown);
  }
  if (!(e.previousBase64 === null || isStr(e.previousBase64))) return bad("malformed entry", shown);
  let previous: Uint8Array | null = null;
  if (e.previousBase64 !== null) {
    try {
      previous = unb64(e.previousBase64 as string);
    } catch {
      return bad("malformed entry", shown);
    }
  }
  if (e.id !== id) return bad(`its id ${e.id} does not match its file name`, shown);
  return {
    ...(shown as JournalRecord),
    previous,
    nextHash: e.nextHash as string | null,
    ...(e.scope ? { scope: e.scope as string[] } : {}),
  };
}

/**
 * Every journal entry, newest first, each checked: an entry that cannot be believed is returned
 * with `refused` saying why (so listings show it), never silently dropped.
 */
export function readJournal(place: JournalPlace): JournalRecord[] {
  const dir = checkedJournalDir(place.kilnRoot, false);
  if (dir === null) return [];
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".json"))
      .map((e) => e.name);
  } catch {
    return [];
  }
  const key = journalKey(place.configDir, false);
  const out: JournalRecord[] = [];
  for (const name of names) {
    // Entries are written atomically, so one that does not parse was not written by cru.
    let raw: unknown = null;
    try {
      raw = JSON.parse(Deno.readTextFileSync(path.join(dir, name)));
    } catch { /* reported as malformed */ }
    out.push(check(raw, name, key));
  }
  return out.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** Record that an entry was undone (re-authenticated, so the mark cannot be forged either). */
export function markUndone(place: JournalPlace, entry: JournalRecord): void {
  store(place, { ...entry, undone: new Date().toISOString() });
}

/** Delete entries older than `days`; returns how many were removed. */
export function pruneJournal(kilnRoot: string, days: number, now = Date.now()): number {
  const dir = checkedJournalDir(kilnRoot, false);
  if (dir === null) return 0;
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
