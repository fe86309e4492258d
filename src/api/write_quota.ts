/**
 * The write quota of one run: how many notes and files it may write, and how deep a folder it may
 * create notes in. A plugin that writes in a loop stops with `E_QUOTA` instead of filling the
 * disk and the journal; every write before the quota is journaled and undoable as usual.
 *
 * @module
 */
import { CrucibleError } from "../errors.ts";
import type { WriteMode } from "./kiln_api.ts";

/** The quota a run's writes are held to. */
export interface WriteQuota {
  /** Writes (notes and files, each call counted) per run, the plugins it calls included. */
  writes: number;
  /** Folders a note path may nest (`a/b/c.md` nests 2). */
  folderDepth: number;
}

const RAISE = "raise it with `limits: { writes: N }` in the plugin's manifest (which asks for " +
  "approval) or sandbox.writes in the user config";

/** Count one more write of the run; E_QUOTA when the quota is used up. */
export function takeWrite(mode: WriteMode, target: string): void {
  if (!mode.quota || mode.log.length < mode.quota.writes) return;
  throw new CrucibleError(
    "E_QUOTA",
    `write to ${target} refused: this run already made ${mode.quota.writes} writes, the ` +
      `limits.writes quota; the earlier writes stand (undo them with cru undo), or ${RAISE}`,
  );
}

/** E_QUOTA when the kiln-relative note path nests deeper than the quota allows. */
export function checkFolderDepth(mode: WriteMode, rel: string): void {
  if (!mode.quota) return;
  const depth = rel.split("/").length - 1;
  if (depth <= mode.quota.folderDepth) return;
  throw new CrucibleError(
    "E_QUOTA",
    `write to ${rel.slice(0, 200)}${rel.length > 200 ? "…" : ""} refused: it nests ${depth} ` +
      `folders deep, over the limits.folder_depth quota of ${mode.quota.folderDepth}; use a ` +
      "shallower path, or raise it with `limits: { folder_depth: N }` in the plugin's manifest " +
      "(which asks for approval) or sandbox.folder_depth in the user config",
  );
}
