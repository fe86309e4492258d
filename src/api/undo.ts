/**
 * Undoing writes from the journal. An entry is undone by restoring the exact bytes it recorded
 * (or removing a file it created). If the file changed again since, the undo is refused unless
 * forced, so a later edit is never lost silently; the undo itself is journaled, so it can be
 * undone too.
 *
 * The journal sits in the kiln, which may come from someone else, so undo applies only entries
 * authenticated by this user's journal key (see journal.ts), that carry their conflict hash, and
 * whose path is a note inside the kiln or a file inside the FsWrite folders the writer held.
 *
 * @module
 */
import * as path from "node:path";
import { CrucibleError, NotFoundError } from "../errors.ts";
import { resolveNotePath } from "../kiln/safe_path.ts";
import { cacheDir } from "../config/paths.ts";
import { outsideTarget } from "./files.ts";
import {
  journalBefore,
  journalDir,
  type JournalPlace,
  type JournalRecord,
  markUndone,
  printable,
  readJournal,
  sha256Hex,
  writeFileAtomic,
} from "./journal.ts";

/** The origin recorded on the journal entries an undo writes. */
export const UNDO_ORIGIN = "cru undo";

/** What undoing one entry did. */
export interface UndoneWrite {
  /** Journal entry undone. */
  id: string;
  /** Kiln-relative path (absolute for a file outside the kiln). */
  path: string;
  /** A note, or a file outside the kiln written with fs.write. */
  kind: "note" | "file";
  /** restored (previous content written back) or removed (the change had created the note). */
  action: "restored" | "removed";
}

/** Which entries to undo. */
export interface UndoTarget {
  /** One entry by id (or a unique id prefix). */
  id?: string;
  /** The latest invocation of this plugin. */
  plugin?: string;
  /** Undo even when the note changed after the write. */
  force?: boolean;
}

/** Where cru keeps things an undo must never write, whatever an entry says. */
function guardedFolders(place: JournalPlace): string[] {
  const out = [place.kilnRoot, place.configDir];
  try {
    out.push(cacheDir());
  } catch { /* no home folder: no cache either */ }
  return out;
}

/**
 * Where a journaled change lives on disk, and whether it is there now; E_PATH when the entry
 * names a place undo may not touch.
 */
function locate(place: JournalPlace, e: JournalRecord): { abs: string; exists: boolean } {
  if (e.kind === "file") {
    if (!path.isAbsolute(e.path) || !e.scope?.length) {
      throw new CrucibleError(
        "E_PATH",
        `journal entry ${e.id} names ${printable(JSON.stringify(e.path))} outside the kiln ` +
          "without the FsWrite folders it was written under, so cru will not touch it",
      );
    }
    let abs: string;
    try {
      abs = outsideTarget(e.path, {
        paths: e.scope,
        guarded: guardedFolders(place),
        kilnRoot: place.kilnRoot,
      }, `undo ${e.id}`);
    } catch (err) {
      if (!(err instanceof CrucibleError)) throw err;
      throw new CrucibleError(
        "E_PATH",
        `journal entry ${e.id} cannot be undone: ${err.message}`,
      );
    }
    let exists = false;
    try {
      exists = Deno.lstatSync(abs).isFile;
    } catch { /* gone */ }
    return { abs, exists };
  }
  const file = resolveNotePath(place.kilnRoot, e.path);
  return { abs: file.abs, exists: file.exists };
}

/** Refuse an entry undo cannot believe, saying which, why and what to do. */
function refuseUntrusted(place: JournalPlace, e: JournalRecord): never {
  const file = path.join(journalDir(place.kilnRoot), `${e.id}.json`);
  throw new CrucibleError(
    "E_JOURNAL",
    `journal entry ${printable(e.id)}${e.path ? ` (${printable(JSON.stringify(e.path))})` : ""} ` +
      `cannot be undone: ${e.refused}. cru undoes only entries written by this user's cru on ` +
      "this machine. If you made the change elsewhere, undo it there or restore the file by " +
      `hand; if you do not recognise it, delete ${printable(file)}`,
  );
}

function sameBytes(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Undo journal entries: by default every write of the most recent invocation that has writes
 * not yet undone (newest first). `configDir` is the user config folder holding the journal key.
 */
export function undo(
  place: JournalPlace,
  target: UndoTarget = {},
): UndoneWrite[] {
  const where: JournalPlace = { ...place, kilnRoot: Deno.realPathSync(place.kilnRoot) };
  const live = readJournal(where).filter((e) => !e.undone);
  let chosen: JournalRecord[];
  if (target.id) {
    const matches = live.filter((e) => e.id === target.id || e.id.startsWith(target.id!));
    if (matches.length === 0) {
      throw new NotFoundError(`no journal entry ${target.id} left to undo; see cru undo --list`);
    }
    if (matches.length > 1) {
      throw new CrucibleError(
        "E_INVALID_PARAMS",
        `journal id ${target.id} is ambiguous; give more of it`,
      );
    }
    chosen = matches;
  } else {
    // By default undo walks back through plugin writes; the journal entries of undos themselves
    // are reached only by name (`--plugin "cru undo"`, a redo) or by id. An entry that cannot be
    // believed still counts as the latest, so undo stops and says so rather than quietly undoing
    // something older than the user expects.
    const pool = target.plugin
      ? live.filter((e) => e.plugin === target.plugin)
      : live.filter((e) => e.plugin !== UNDO_ORIGIN);
    if (pool.length === 0) {
      throw new NotFoundError(
        target.plugin
          ? `no writes by plugin ${target.plugin} left to undo`
          : "nothing left to undo",
      );
    }
    const key = pool[0].invocation;
    chosen = key ? pool.filter((e) => e.invocation === key) : [pool[0]];
  }
  // Check everything first, so an undo of several files happens entirely or not at all.
  const plan = chosen.map((e) => {
    if (e.refused) refuseUntrusted(where, e);
    const file = locate(where, e);
    const current = file.exists ? Deno.readFileSync(file.abs) : null;
    // Unchanged since the write, or the write never landed (a crash between journal and rename):
    // either way restoring the recorded content loses nothing.
    const untouched = (current === null ? null : sha256Hex(current)) === e.nextHash ||
      sameBytes(current, e.previous);
    if (!target.force && !untouched) {
      throw new CrucibleError(
        "E_CONFLICT",
        `${printable(e.path)} changed after the write being undone (${e.id}); undoing would ` +
          `lose that change. Look at it, then run cru undo ${e.id} --force`,
      );
    }
    return { e, file, current };
  });
  const out: UndoneWrite[] = [];
  for (const { e, file, current } of plan) {
    journalBefore(where, {
      path: e.path,
      ...(e.kind === "file" ? { kind: "file" as const, scope: e.scope } : {}),
      previous: current,
      nextHash: e.previous === null ? null : sha256Hex(e.previous),
      plugin: UNDO_ORIGIN,
    });
    if (e.previous === null) {
      if (file.exists) Deno.removeSync(file.abs);
      out.push({ id: e.id, path: e.path, kind: e.kind ?? "note", action: "removed" });
    } else {
      Deno.mkdirSync(path.dirname(file.abs), { recursive: true });
      writeFileAtomic(file.abs, e.previous);
      out.push({ id: e.id, path: e.path, kind: e.kind ?? "note", action: "restored" });
    }
    markUndone(where, e);
  }
  return out;
}
