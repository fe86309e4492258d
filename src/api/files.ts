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
import { journalBefore, type JournalPlace, sha256Hex, writeFileAtomic } from "./journal.ts";
import type { NoteWrite, WriteMode, WriteOrigin } from "./kiln_api.ts";
import { takeWrite } from "./write_quota.ts";

/** What an outside write is checked against. */
export interface FileWriteRules extends OutsideScope {
  /**
   * Folders no plugin may write into even when an FsWrite path covers them: the kiln (notes go
   * through write_note, and `.crucible/` holds the journal and config), the user's configuration
   * (remembered approvals) and the compile cache (code that later runs).
   */
  guarded: readonly string[];
  /** Largest file written, bytes. */
  fileSize: number;
  /** The kiln's journal. */
  journal: JournalPlace;
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

/** Where a file outside the kiln may be written (or, by undo, put back). */
export interface OutsideScope {
  /** Absolute folders (or files) an FsWrite capability lists, home already expanded. */
  paths: readonly string[];
  /** Folders never written, whatever `paths` says (see {@link FileWriteRules.guarded}). */
  guarded: readonly string[];
  /** Kiln root (guarded too; named in the message). */
  kilnRoot: string;
}

/** Case-insensitive file systems (macOS, Windows) reach a guarded folder under any case. */
const FOLD_CASE = Deno.build.os === "darwin" || Deno.build.os === "windows";

/**
 * The real location a write to the absolute path `p` lands on, refused (E_CAPABILITY) when it is
 * inside a guarded folder or outside every scope path. `what` names the operation in messages.
 */
export function outsideTarget(p: string, scope: OutsideScope, what: string): string {
  const target = landingPath(path.normalize(p));
  const fold = (s: string) => (FOLD_CASE ? s.toLowerCase() : s);
  for (const g of scope.guarded) {
    if (inside(fold(target), fold(realOrSelf(g)))) {
      throw new CrucibleError(
        "E_CAPABILITY",
        `${what}: ${p} is inside ${g}, which plugins cannot write with fs.write` +
          (inside(fold(target), fold(realOrSelf(scope.kilnRoot)))
            ? " (write notes with write_note)"
            : ""),
      );
    }
  }
  if (!scope.paths.some((root) => inside(target, realOrSelf(root)))) {
    throw new CrucibleError(
      "E_CAPABILITY",
      `${what}: ${p} is outside the paths the plugin's FsWrite capability lists`,
    );
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
  const target = outsideTarget(p, rules, "fs.write");
  takeWrite(mode, target);
  const bytes = new TextEncoder().encode(args.content);
  if (bytes.length > rules.fileSize) {
    throw new FileTooLargeError(
      `fs.write(${p}) would write ${formatBytes(bytes.length)}, over the ` +
        `${formatBytes(rules.fileSize)} file-size limit`,
    );
  }
  const earlier = [...mode.log].reverse().find((w) => w.path === target);
  let previous: Uint8Array | null;
  if (earlier) previous = new TextEncoder().encode(earlier.after);
  else {
    try {
      previous = Deno.readFileSync(target);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) previous = null;
      else throw e;
    }
  }
  let before: string | null = null;
  if (previous !== null) {
    try {
      before = new TextDecoder("utf-8", { fatal: true }).decode(previous);
    } catch {
      // fs.write is for text; a binary file is left alone rather than replaced by text.
      throw new CrucibleError(
        "E_INVALID_VALUE",
        `fs.write: ${p} holds binary data, which fs.write does not overwrite; ` +
          "it is left unchanged",
      );
    }
  }
  const write: NoteWrite = {
    path: target,
    created: previous === null,
    before,
    after: args.content,
    kind: "file",
  };
  if (!mode.dryRun) {
    const entry = journalBefore(rules.journal, {
      path: target,
      kind: "file",
      previous,
      nextHash: sha256Hex(bytes),
      scope: [...rules.paths],
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
