/**
 * Resolving a plugin- or user-supplied note path to a file inside the kiln, refusing every way
 * out: `..`, absolute paths, `.crucible/`, and symlinks (of the file or of any folder on the way)
 * that lead outside the kiln or into `.crucible/`.
 *
 * @module
 */
import * as path from "node:path";
import { NotFoundError, PathError } from "../errors.ts";
import { isPrivateName, isWithin, normalizeKilnPath, PRIVATE_DIR } from "./paths.ts";

/** The longest kiln-relative note path, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 1024;

/** A checked path. */
export interface KilnFile {
  /** Kiln-relative POSIX path. */
  rel: string;
  /** Absolute path to use. */
  abs: string;
  /** Whether the file exists. */
  exists: boolean;
}

/**
 * Resolve a note path (`.md` added when missing) inside the kiln at `realRoot` (an already
 * resolved real path).
 *
 * @example
 * ```ts
 * import { resolveNotePath } from "./safe_path.ts";
 * resolveNotePath(Deno.realPathSync("tests/fixtures/demo_kiln"), "Home").rel; // "Home.md"
 * ```
 */
export function resolveNotePath(
  realRoot: string,
  input: string,
  options: { mustExist?: boolean } = {},
): KilnFile {
  if (typeof input !== "string" || input.trim() === "") {
    throw new PathError('a note path is needed, e.g. "campaign/npcs/Mira Vale.md"');
  }
  const trimmed = input.trim();
  // A note path is kiln-relative; an absolute one (POSIX, a Windows drive or a UNC share) is a
  // mistake or an attempt to leave the kiln, never silently re-rooted.
  if (/^([\\/]|[A-Za-z]:[\\/])/.test(trimmed)) {
    throw new PathError(
      `path ${JSON.stringify(input)} is absolute; note paths are kiln-relative, ` +
        `e.g. "campaign/npcs/Mira Vale.md"`,
    );
  }
  if (/[\\/]$/.test(trimmed)) {
    throw new PathError(`path ${JSON.stringify(input)} names a folder, not a note`);
  }
  let rel = normalizeKilnPath(trimmed);
  // The common limits of the file systems a kiln is synced between (macOS: 1024 bytes a path),
  // checked here so a write fails before it is journaled, not half-way.
  const encoder = new TextEncoder();
  if (encoder.encode(rel).length > MAX_PATH_BYTES) {
    throw new PathError(
      `path ${JSON.stringify(input.slice(0, 200))}… is longer than ${MAX_PATH_BYTES} bytes`,
    );
  }
  if (rel.split("/").some((name) => encoder.encode(name).length > 255)) {
    throw new PathError(
      `path ${JSON.stringify(input.slice(0, 200))}… has a name longer than 255 bytes`,
    );
  }
  if (rel === "") {
    throw new PathError(`path ${JSON.stringify(input)} names the kiln itself, not a note`);
  }
  if (!/\.md$/i.test(rel)) rel += ".md";
  const abs = path.join(realRoot, ...rel.split("/"));
  const refuse = (real: string) => {
    if (!isWithin(realRoot, real)) {
      throw new PathError(
        `path ${JSON.stringify(input)} leads outside the kiln (through a symlink)`,
      );
    }
    // Compared the way a case-insensitive file system would (see isPrivateName).
    if (isPrivateName(path.relative(realRoot, real).split(path.sep)[0])) {
      throw new PathError(
        `path ${JSON.stringify(input)} leads into ${PRIVATE_DIR}/, which is private`,
      );
    }
  };
  const real = realOrMissing(abs, input);
  if (real !== null) {
    refuse(real);
    if (Deno.statSync(real).isDirectory) {
      throw new PathError(`path ${JSON.stringify(input)} names a folder, not a note`);
    }
    return { rel, abs, exists: true };
  }
  // The file does not exist: the nearest existing folder above it must be inside the kiln too,
  // or a later write would follow a symlinked folder out.
  let dir = path.dirname(abs);
  while (true) {
    const found = realOrMissing(dir, input);
    if (found === null) {
      dir = path.dirname(dir);
      continue;
    }
    refuse(found);
    if (!Deno.statSync(found).isDirectory) {
      throw new PathError(`path ${JSON.stringify(input)} goes through a file, not a folder`);
    }
    break;
  }
  if (options.mustExist) throw new NotFoundError(`note ${rel} does not exist`);
  return { rel, abs, exists: false };
}

/** The real path of `p`, or null when it does not exist; E_PATH when it cannot be one. */
function realOrMissing(p: string, input: string): string | null {
  try {
    return Deno.realPathSync(p);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    if (e instanceof Deno.errors.NotADirectory) {
      throw new PathError(`path ${JSON.stringify(input)} goes through a file, not a folder`);
    }
    if ((e as { code?: string }).code === "ENAMETOOLONG") {
      throw new PathError(`path ${JSON.stringify(input.slice(0, 300))} is too long`);
    }
    throw e;
  }
}
