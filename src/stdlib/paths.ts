/**
 * Pure path arithmetic with forward slashes (POSIX rules): nothing here touches the file system,
 * so plugins get it without any capability.
 *
 * @example
 * ```ts
 * import { pathJoin, pathNormalize } from "./paths.ts";
 * pathJoin(["notes", "../ideas", "x.md"]); // "ideas/x.md"
 * pathNormalize("a//b/./c/.."); // "a/b"
 * ```
 *
 * @module
 */
import * as posix from "node:path/posix";
import { invalid, type Json, str } from "./errors.ts";

/** `path.join(parts)`. */
export function pathJoin(parts: Json): string {
  if (!Array.isArray(parts) || parts.some((p) => typeof p !== "string")) {
    invalid("path.join(parts) takes a list of strings");
  }
  return parts.length ? posix.join(...(parts as string[])) : ".";
}

/** `path.normalize(p)`: `.` and `..` resolved, repeated slashes folded. */
export function pathNormalize(p: Json): string {
  return posix.normalize(str(p, "path.normalize(path)"));
}

/** `path.basename(p, ext?)`. */
export function pathBasename(p: Json, ext?: Json): string {
  const s = str(p, "path.basename(path)");
  return ext === undefined || ext === null
    ? posix.basename(s)
    : posix.basename(s, str(ext, "path.basename ext"));
}

/** `path.dirname(p)`. */
export function pathDirname(p: Json): string {
  return posix.dirname(str(p, "path.dirname(path)"));
}

/** `path.extname(p)`: the extension with its dot, or "". */
export function pathExtname(p: Json): string {
  return posix.extname(str(p, "path.extname(path)"));
}

/** `path.stem(p)`: the base name without its extension. */
export function pathStem(p: Json): string {
  const base = posix.basename(str(p, "path.stem(path)"));
  const ext = posix.extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}

/** `path.relative(from, to)`: both relative to the same root (absolute paths allowed). */
export function pathRelative(from: Json, to: Json): string {
  const a = str(from, "path.relative(from)");
  const b = str(to, "path.relative(to)");
  // Anchor relative paths at a fixed root so the process's working directory never matters.
  const anchor = (x: string) => (x.startsWith("/") ? x : "/" + x);
  return posix.relative(anchor(a), anchor(b));
}

/** `path.split(p)`: the non-empty segments of the normalised path. */
export function pathSplit(p: Json): string[] {
  return posix.normalize(str(p, "path.split(path)")).split("/").filter((s) => s && s !== ".");
}
