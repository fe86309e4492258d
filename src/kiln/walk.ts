/**
 * The kiln walk: find every note (`.md` file) and attachment under a kiln root, skipping cru's
 * private folder, version-control and dependency folders, hidden entries, and symlinks that lead
 * outside the kiln, into a folder the walk skips (`.crucible/` above all: plugin state and the
 * journal must never reach search snippets or note listings), or back into a folder already
 * being walked.
 *
 * @module
 */
import * as path from "node:path";
import type { Diagnostic } from "./types.ts";
import { isWithin, PRIVATE_DIR } from "./paths.ts";

/** A Markdown file found by the walk, with what the incremental index compares. */
export interface WalkedNote {
  /** Kiln-relative POSIX path. */
  path: string;
  /** Absolute path to read the file from. */
  abs: string;
  /** Size in bytes. */
  size: number;
  /** Modification time in milliseconds since the epoch. */
  mtime: number;
}

/** Everything one walk found. */
export interface WalkResult {
  /** Notes in a stable order (sorted by path, code-unit order). */
  notes: WalkedNote[];
  /** Kiln-relative paths of non-Markdown files (images, PDFs…), which links may embed. */
  attachments: string[];
  /** Skipped entries and unreadable folders, each naming the path. */
  diagnostics: Diagnostic[];
}

/** Folder names never walked, wherever they appear. */
const SKIPPED_DIRS = new Set([PRIVATE_DIR, ".git", "node_modules"]);

/**
 * Walk a kiln. Synchronous on purpose: a directory walk is a tight loop of small syscalls, and
 * the sync forms are several times faster in Deno than awaiting each one.
 *
 * @example
 * ```ts
 * import { walkKiln } from "./walk.ts";
 * const { notes } = walkKiln("tests/fixtures/demo_kiln");
 * console.log(notes.length);
 * ```
 */
export function walkKiln(root: string): WalkResult {
  const realRoot = Deno.realPathSync(root);
  const notes: WalkedNote[] = [];
  const attachments: string[] = [];
  const diagnostics: Diagnostic[] = [];
  // Real paths of every folder walked so far; a second way into one would index it twice.
  const seen = new Set<string>();
  // Symlinks are followed after the plain tree, so a note reachable both ways keeps its real
  // path and the symlinked copy is the one reported as a duplicate.
  const deferred: { abs: string; rel: string; parentReal: string }[] = [];

  function warn(file: string, code: string, message: string): void {
    diagnostics.push({ file, code, message, severity: "warning" });
  }

  function visitDir(abs: string, real: string, rel: string): void {
    seen.add(real);
    let entries: Deno.DirEntry[];
    try {
      entries = Array.from(Deno.readDirSync(abs));
    } catch (e) {
      warn(rel || ".", "unreadable", `folder could not be read and was skipped: ${message(e)}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const name = entry.name;
      if (name.startsWith(".") || SKIPPED_DIRS.has(name)) continue;
      const childAbs = abs + path.sep + name;
      const childRel = rel === "" ? name : rel + "/" + name;
      if (entry.isSymlink) {
        deferred.push({ abs: childAbs, rel: childRel, parentReal: real });
      } else if (entry.isDirectory) {
        visitDir(childAbs, real + path.sep + name, childRel);
      } else if (entry.isFile) {
        visitFile(childAbs, childRel, null);
      }
    }
  }

  function visitFile(abs: string, rel: string, stat: Deno.FileInfo | null): void {
    if (!isMarkdown(rel)) {
      attachments.push(rel);
      return;
    }
    let info = stat;
    if (info === null) {
      try {
        info = Deno.statSync(abs);
      } catch (e) {
        warn(rel, "unreadable", `file could not be read and was skipped: ${message(e)}`);
        return;
      }
    }
    notes.push({ path: rel, abs, size: info.size, mtime: info.mtime?.getTime() ?? 0 });
  }

  function visitSymlink(abs: string, rel: string, parentReal: string): void {
    let real: string;
    try {
      real = Deno.realPathSync(abs);
    } catch (e) {
      const loop = e instanceof Error && /loop|too many levels/i.test(e.message);
      warn(
        rel,
        loop ? "symlink-loop" : "symlink-broken",
        loop
          ? "symlink loops back on itself and was skipped"
          : `symlink target does not exist and was skipped: ${message(e)}`,
      );
      return;
    }
    const refused = unindexable(realRoot, real);
    if (refused !== null) {
      warn(rel, `symlink-${refused}`, SYMLINK_REFUSED[refused](real));
      return;
    }
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(real);
    } catch (e) {
      warn(rel, "unreadable", `symlink target could not be read and was skipped: ${message(e)}`);
      return;
    }
    if (info.isDirectory) {
      if (isWithin(real, parentReal)) {
        warn(rel, "symlink-loop", "symlink points back to a folder that contains it; skipped");
      } else if (seen.has(real)) {
        warn(rel, "symlink-duplicate", "symlink points to a folder already indexed; skipped");
      } else {
        visitDir(abs, real, rel);
      }
    } else if (info.isFile) {
      visitFile(abs, rel, info);
    }
  }

  visitDir(realRoot, realRoot, "");
  for (let i = 0; i < deferred.length; i++) {
    const d = deferred[i];
    visitSymlink(d.abs, d.rel, d.parentReal);
  }
  notes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  attachments.sort();
  return { notes, attachments, diagnostics };
}

/** Why a real path is never indexed: outside the kiln, in `.crucible/`, or in a skipped folder. */
export type Unindexable = "outside" | "private" | "hidden";

const SYMLINK_REFUSED: Record<Unindexable, (real: string) => string> = {
  outside: (real) => `symlink leads outside the kiln (to ${real}) and was skipped`,
  private: () => `symlink leads into ${PRIVATE_DIR}/, cru's private folder, and was skipped`,
  hidden: () => "symlink leads into a hidden or skipped folder and was skipped",
};

/**
 * Whether the walk would ever index `real` (an absolute, symlink-free path): null when it would,
 * else why not. Every segment below the kiln root counts, so a link that resolves into
 * `.crucible/` — in any spelling a case-insensitive file system folds into it, since they all
 * start with a dot — is refused like the folder itself.
 */
export function unindexable(realRoot: string, real: string): Unindexable | null {
  if (!isWithin(realRoot, real)) return "outside";
  let hidden = false;
  for (const segment of path.relative(realRoot, real).split(path.sep)) {
    if (segment === "") continue;
    if (segment.toLowerCase().startsWith(PRIVATE_DIR)) return "private";
    if (segment.startsWith(".") || SKIPPED_DIRS.has(segment.toLowerCase())) hidden = true;
  }
  return hidden ? "hidden" : null;
}

/** True for a file name ending in `.md` (any case). */
export function isMarkdown(name: string): boolean {
  const n = name.length;
  return n > 3 && name.charCodeAt(n - 3) === 46 && /^md$/i.test(name.slice(n - 2));
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
