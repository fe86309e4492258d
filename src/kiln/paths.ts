/**
 * Kiln-relative paths: the one form every note path takes inside cru (POSIX separators, no
 * leading `./`, never escaping the kiln, never inside `.crucible/`).
 *
 * @module
 */
import * as path from "node:path";
import { PathError } from "../errors.ts";

/** Folder name of the kiln's private data (index, journal, audit log, plugin state). */
export const PRIVATE_DIR = ".crucible";

/**
 * Normalise a user- or plugin-supplied kiln-relative path.
 *
 * Backslashes become slashes, `.` and `..` segments are folded, a leading `/` is taken as the
 * kiln root. Refuses paths that escape the kiln or touch `.crucible/`.
 *
 * @example
 * ```ts
 * import { normalizeKilnPath } from "./paths.ts";
 * normalizeKilnPath("./campaign//npcs/../npcs/Mira.md"); // "campaign/npcs/Mira.md"
 * ```
 */
export function normalizeKilnPath(input: string): string {
  if (input.includes("\0")) {
    throw new PathError(`path ${JSON.stringify(input)} contains a NUL byte`);
  }
  const posix = input.replaceAll("\\", "/");
  const normal = path.posix.normalize("/" + posix).slice(1).replace(/\/$/, "");
  // normalize("/" + p) folds every ".." at the root, so an escape shows up only in the raw input.
  const segments = posix.split("/").filter((s) => s !== "" && s !== ".");
  let depth = 0;
  for (const s of segments) {
    depth += s === ".." ? -1 : 1;
    if (depth < 0) {
      throw new PathError(
        `path ${JSON.stringify(input)} leaves the kiln; give a path inside the kiln folder`,
      );
    }
  }
  if (isPrivateName(normal.split("/")[0])) {
    throw new PathError(
      `path ${JSON.stringify(input)} is inside ${PRIVATE_DIR}/, which holds cru's private data`,
    );
  }
  return normal;
}

/**
 * True when a file system would take `name` (one path segment at the kiln root) as the private
 * folder. macOS and Windows compare names without case, and Windows drops trailing dots and spaces
 * and reads `name:stream` as a stream of `name`, so `.CRUCIBLE`, `.crucible.`, `.crucible `,
 * `.crucible::$INDEX_ALLOCATION` and the short name `CRUCIB~1` all land in `.crucible/` there.
 * Folding on every platform keeps a kiln synced between machines safe wherever it is opened.
 *
 * @example
 * ```ts
 * import { isPrivateName } from "./paths.ts";
 * isPrivateName(".Crucible. "); // true
 * ```
 */
export function isPrivateName(name: string): boolean {
  const stream = name.indexOf(":");
  const base = stream < 0 ? name : name.slice(0, stream);
  const folded = base.normalize("NFC").replace(/[. ]+$/, "");
  // Windows folds case with simple upper-casing (so a dotless ı matches I); its 8.3 short name
  // for `.crucible` is CRUCIB~1 (or ~2, … when taken).
  return folded.toLowerCase() === PRIVATE_DIR ||
    folded.toUpperCase() === PRIVATE_DIR.toUpperCase() ||
    /^crucib~\d+$/i.test(folded);
}

/** The folder part of a kiln path (`""` for a note at the root). */
export function folderOf(kilnPath: string): string {
  const i = kilnPath.lastIndexOf("/");
  return i < 0 ? "" : kilnPath.slice(0, i);
}

/** The file name without folder and without a trailing `.md` (case-insensitive). */
export function stemOf(kilnPath: string): string {
  const name = kilnPath.slice(kilnPath.lastIndexOf("/") + 1);
  return /\.md$/i.test(name) ? name.slice(0, -3) : name;
}

/** True when `inner` is `outer` or lies below it (both absolute, already normalised). */
export function isWithin(outer: string, inner: string): boolean {
  if (inner === outer) return true;
  const prefix = outer.endsWith(path.sep) ? outer : outer + path.sep;
  return inner.startsWith(prefix);
}

/**
 * The absolute path of `parts` inside a kiln's private folder, refusing to go through a symlink.
 *
 * Whoever shared a kiln may have replaced `.crucible/` or one of its folders or files with a link
 * to somewhere else (`.crucible/journal -> ~`); following it would make cru read or write outside
 * the kiln. So every component from `.crucible` down to the last part that exists must be a real
 * folder (the last may also be a real file). Parts that do not exist yet are fine: cru creates them.
 *
 * @throws {PathError} when a component is a symlink, or a component other than the last is not a
 *   folder.
 * @example
 * ```ts
 * import { privatePath } from "./paths.ts";
 * privatePath("/notes", "journal"); // "/notes/.crucible/journal" (when nothing there is a link)
 * ```
 */
export function privatePath(kilnRoot: string, ...parts: string[]): string {
  let current = path.join(kilnRoot, PRIVATE_DIR);
  const components = [current];
  for (const part of parts) components.push(current = path.join(current, part));
  for (const [i, component] of components.entries()) {
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(component);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) break;
      throw e;
    }
    if (info.isSymlink) {
      let target = "elsewhere";
      try {
        target = Deno.readLinkSync(component);
      } catch { /* unreadable: the message says "elsewhere" */ }
      throw new PathError(
        `${component} is a symbolic link (to ${JSON.stringify(target)}); cru keeps its private ` +
          `data only in real folders inside the kiln and will not follow it. Remove the link ` +
          `(rm ${JSON.stringify(component)}) and run again`,
      );
    }
    if (i < components.length - 1 && !info.isDirectory) {
      throw new PathError(
        `${component} is not a folder; cru keeps its private data in it. Move the file away ` +
          `and run again`,
      );
    }
  }
  return current;
}
