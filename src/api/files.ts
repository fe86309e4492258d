/**
 * `fs.write`: the host half of writing a file outside the kiln. The worker never holds write
 * permission, so the write happens here, within the paths of the plugin's FsWrite capability,
 * under the same rules as note writes: the file-size limit, the previous content journaled (in
 * the kiln's journal) before the change, an atomic temp-file + rename, and dry-run honoured.
 *
 * @module
 */
import * as path from "node:path";
import { CrucibleError, FileTooLargeError, InvalidParamsError } from "../errors.ts";
import { formatBytes } from "../kiln/note.ts";
import type { Json } from "../runtime/protocol.ts";
import { journalBefore, writeFileAtomic } from "./journal.ts";
import type { NoteWrite, WriteMode, WriteOrigin } from "./kiln_api.ts";
import { createHash } from "node:crypto";

/** What an outside write is checked against. */
export interface FileWriteRules {
  /** Absolute folders (or files) the FsWrite capability lists, home already expanded. */
  paths: readonly string[];
  /**
   * Folders no plugin may write into even when an FsWrite path covers them: the kiln (notes go
   * through write_note, and `.crucible/` holds the journal and config), the user's configuration
   * (remembered approvals) and the compile cache (code that later runs).
   */
  guarded: readonly string[];
  /** Largest file written, bytes. */
  fileSize: number;
  /** Kiln root: the journal lives there. */
  kilnRoot: string;
}

function realOrSelf(p: string): string {
  try {
    return Deno.realPathSync(p);
  } catch {
    return path.resolve(p);
  }
}

function inside(child: string, root: string): boolean {
  return child === root || child.startsWith(root.endsWith("/") ? root : root + "/");
}

/**
 * The real location a write to `p` would land on: the parent folder's real path (symlinks
 * resolved) joined with the file name. The parent must exist.
 */
function landingPath(p: string): string {
  const parent = path.dirname(p);
  let realParent: string;
  try {
    realParent = Deno.realPathSync(parent);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new CrucibleError(
        "E_NOT_FOUND",
        `fs.write: folder ${parent} does not exist; fs.write creates files, not folders`,
      );
    }
    throw e;
  }
  const target = path.join(realParent, path.basename(p));
  try {
    if (Deno.lstatSync(target).isDirectory) {
      throw new CrucibleError("E_PATH", `fs.write: ${p} is a folder, not a file`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return target;
}

/**
 * `fs.write(path, content)`: write a UTF-8 text file outside the kiln. Returns
 * `{path, created, bytes}` (plus `dry_run: true` in a dry run).
 */
export function writeOutsideFile(
  args: { path: Json | undefined; content: Json | undefined },
  options: { rules: FileWriteRules; origin: WriteOrigin; mode: WriteMode },
): Json {
  const { rules, origin, mode } = options;
  const p = args.path;
  if (typeof p !== "string" || p === "") {
    throw new InvalidParamsError("fs.write(path, content) needs an absolute path");
  }
  if (typeof args.content !== "string") {
    throw new InvalidParamsError("fs.write(path, content) needs the content as a string");
  }
  if (!path.isAbsolute(p)) {
    throw new CrucibleError("E_PATH", `fs.write: ${p} is not absolute; give a full path`);
  }
  if (p.includes("\0")) {
    throw new CrucibleError("E_PATH", `fs.write: ${JSON.stringify(p)} contains a NUL byte`);
  }
  const target = landingPath(path.normalize(p));
  for (const g of rules.guarded) {
    if (inside(target, realOrSelf(g))) {
      throw new CrucibleError(
        "E_CAPABILITY",
        `fs.write: ${p} is inside ${g}, which plugins cannot write with fs.write` +
          (inside(target, realOrSelf(rules.kilnRoot)) ? " (write notes with write_note)" : ""),
      );
    }
  }
  if (!rules.paths.some((root) => inside(target, realOrSelf(root)))) {
    throw new CrucibleError(
      "E_CAPABILITY",
      `fs.write: ${p} is outside the paths the plugin's FsWrite capability lists`,
    );
  }
  const bytes = new TextEncoder().encode(args.content);
  if (bytes.length > rules.fileSize) {
    throw new FileTooLargeError(
      `fs.write(${p}) would write ${formatBytes(bytes.length)}, over the ` +
        `${formatBytes(rules.fileSize)} file-size limit`,
    );
  }
  const earlier = [...mode.log].reverse().find((w) => w.path === target);
  let previous: string | null;
  if (earlier) previous = earlier.after;
  else {
    try {
      previous = new TextDecoder("utf-8", { fatal: true }).decode(Deno.readFileSync(target));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) previous = null;
      else if (e instanceof TypeError) {
        // Undo restores text; a binary file could not be restored faithfully, so it is not
        // overwritten.
        throw new CrucibleError(
          "E_INVALID_VALUE",
          `fs.write: ${p} holds binary data, which cannot be journaled for undo; ` +
            "it is left unchanged",
        );
      } else throw e;
    }
  }
  const write: NoteWrite = {
    path: target,
    created: previous === null,
    before: previous,
    after: args.content,
    kind: "file",
  };
  if (!mode.dryRun) {
    const entry = journalBefore(rules.kilnRoot, {
      path: target,
      kind: "file",
      previous,
      nextHash: createHash("sha256").update(bytes).digest("hex"),
      ...origin,
    });
    write.journal = entry.id;
    writeFileAtomic(target, bytes);
  }
  mode.log.push(write);
  return {
    path: target,
    created: previous === null,
    bytes: bytes.length,
    ...(mode.dryRun ? { dry_run: true } : {}),
  };
}
