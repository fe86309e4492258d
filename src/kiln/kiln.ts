/**
 * Finding the kiln a command works on.
 *
 * @module
 */
import * as path from "node:path";
import { KilnError } from "../errors.ts";
import { PRIVATE_DIR } from "./paths.ts";

/** Where a kiln root came from, for messages. */
export type KilnSource = "flag" | "env" | "ancestor" | "cwd";

/** Inputs of {@link resolveKilnRoot}; each defaults to the process's own. */
export interface KilnLookup {
  /** The `--kiln` flag, if given. */
  flag?: string;
  /** The `CRUCIBLE_KILN` environment variable, if set. */
  env?: string;
  /** The folder to start the ancestor search from. */
  cwd?: string;
}

/**
 * Resolve the kiln root: `--kiln` flag > `CRUCIBLE_KILN` > the nearest ancestor folder holding
 * `.crucible/` > the current folder. A path that does not exist or is not a folder is an error.
 *
 * @example
 * ```ts
 * import { resolveKilnRoot } from "./kiln.ts";
 * const { root, source } = resolveKilnRoot({ flag: "tests/fixtures/demo_kiln" });
 * ```
 */
export function resolveKilnRoot(lookup: KilnLookup = {}): { root: string; source: KilnSource } {
  const cwd = lookup.cwd ?? Deno.cwd();
  if (lookup.flag !== undefined && lookup.flag !== "") {
    return { root: checkedFolder(path.resolve(cwd, lookup.flag), "--kiln"), source: "flag" };
  }
  if (lookup.env !== undefined && lookup.env !== "") {
    return { root: checkedFolder(path.resolve(cwd, lookup.env), "CRUCIBLE_KILN"), source: "env" };
  }
  let dir = path.resolve(cwd);
  while (true) {
    if (isDir(path.join(dir, PRIVATE_DIR))) return { root: dir, source: "ancestor" };
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return { root: checkedFolder(path.resolve(cwd), "the current folder"), source: "cwd" };
}

function checkedFolder(p: string, origin: string): string {
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(p);
  } catch {
    throw new KilnError(
      `kiln folder ${p} (from ${origin}) does not exist; pass --kiln with the folder of your notes`,
    );
  }
  if (!info.isDirectory) {
    throw new KilnError(`kiln path ${p} (from ${origin}) is a file, not a folder of notes`);
  }
  return p;
}

function isDir(p: string): boolean {
  try {
    return Deno.statSync(p).isDirectory;
  } catch {
    return false;
  }
}
