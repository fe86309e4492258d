/**
 * Undoing note writes from the journal. An entry is undone by restoring the content it recorded
 * (or removing a note it created). If the note changed again since, the undo is refused unless
 * forced, so a later edit is never lost silently; the undo itself is journaled, so it can be
 * undone too.
 *
 * @module
 */
import * as path from "node:path";
import { CrucibleError, NotFoundError } from "../errors.ts";
import { resolveNotePath } from "../kiln/safe_path.ts";
import {
  journalBefore,
  type JournalRecord,
  readJournal,
  sha256Text,
  updateJournal,
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

/** Where a journaled change lives on disk, and whether it is there now. */
function locate(root: string, e: JournalRecord): { abs: string; exists: boolean } {
  if (e.kind === "file") {
    // Written by fs.write outside the kiln; the journal (inside `.crucible/`, which no plugin can
    // write) is the trusted record of where.
    let exists = false;
    try {
      exists = Deno.lstatSync(e.path).isFile;
    } catch { /* gone */ }
    return { abs: e.path, exists };
  }
  const file = resolveNotePath(root, e.path);
  return { abs: file.abs, exists: file.exists };
}

/**
 * Undo journal entries: by default every write of the most recent invocation that has writes
 * not yet undone (newest first).
 */
export async function undo(kilnRoot: string, target: UndoTarget = {}): Promise<UndoneWrite[]> {
  const root = Deno.realPathSync(kilnRoot);
  const live = readJournal(root).filter((e) => !e.undone);
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
    // are reached only by name (`--plugin "cru undo"`, a redo) or by id.
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
  // Check everything first, so an undo of several notes happens entirely or not at all.
  for (const e of chosen) {
    const file = locate(root, e);
    const current = file.exists ? Deno.readTextFileSync(file.abs) : null;
    const currentHash = current === null ? null : await sha256Text(current);
    // Unchanged since the write, or the write never landed (a crash between journal and rename):
    // either way restoring the recorded content loses nothing.
    const untouched = currentHash === e.nextHash || current === e.previous;
    if (!target.force && e.nextHash !== undefined && !untouched) {
      throw new CrucibleError(
        "E_CONFLICT",
        `${e.path} changed after the write being undone (${e.id}); undoing would lose that ` +
          `change. Look at it, then run cru undo ${e.id} --force`,
      );
    }
  }
  const out: UndoneWrite[] = [];
  for (const e of chosen) {
    const file = locate(root, e);
    const current = file.exists ? Deno.readTextFileSync(file.abs) : null;
    journalBefore(root, {
      path: e.path,
      ...(e.kind === "file" ? { kind: "file" as const } : {}),
      previous: current,
      nextHash: e.previous === null ? null : await sha256Text(e.previous),
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
    updateJournal(root, { ...e, undone: new Date().toISOString() });
  }
  return out;
}
