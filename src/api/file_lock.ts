/**
 * A lock across processes around a read-modify-write of one small file (plugin state, a rate
 * bucket): two `cru` processes updating the same file take turns instead of losing each other's
 * changes.
 *
 * The lock is an advisory `flock` on the file `.lock` in the same folder (one lock for the
 * folder's files: their updates are tiny), which the kernel releases when its holder closes the
 * file or dies, so a crashed process never leaves a stale lock behind and nothing needs to guess
 * whether an old lock file is abandoned. The lock file itself stays (removing it would race with
 * a process about to lock it); it is empty.
 *
 * @module
 */
import * as path from "node:path";
import { PathError } from "../errors.ts";

/** The file to lock, and the folder it must stay inside. */
export interface LockTarget {
  /** The file whose read-modify-write the lock guards (the lock is `.lock` beside it). */
  file: string;
  /**
   * A folder (a real path) the file's folder must resolve inside: a symlinked folder planted in a
   * shared kiln must not move the state cru writes to somewhere else.
   */
  root: string;
}

/**
 * Run `fn` holding the exclusive lock of `target.file` (waiting for other processes that hold
 * it). The critical section must be synchronous and short: the lock is taken with a blocking
 * call. Throws `E_PATH` when the file's folder leads outside `target.root`.
 *
 * @example
 * ```ts
 * import { withFileLock } from "./file_lock.ts";
 * const root = Deno.realPathSync(Deno.makeTempDirSync());
 * const file = `${root}/count.txt`;
 * withFileLock({ file, root }, () => Deno.writeTextFileSync(file, "1"));
 * ```
 */
export function withFileLock<T>(target: LockTarget, fn: () => T): T {
  const { file } = target;
  const dir = path.dirname(file);
  // Check the nearest folder that exists before creating any: a symlinked `.crucible/` must not
  // make cru create folders somewhere else either.
  let existing = dir;
  while (!exists(existing) && path.dirname(existing) !== existing) {
    if (isLink(existing)) {
      throw new PathError(`${existing} is a symlink to nothing; remove it to use this folder`);
    }
    existing = path.dirname(existing);
  }
  assertInside(existing, target.root);
  Deno.mkdirSync(dir, { recursive: true });
  assertInside(dir, target.root);
  const lockFile = path.join(dir, ".lock");
  // A planted symlink (or folder) in place of the lock file must not make cru create or open a
  // file somewhere else.
  try {
    if (!Deno.lstatSync(lockFile).isFile) {
      throw new PathError(
        `${lockFile} is not a plain file (a symlink or folder is there); remove it`,
      );
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const handle = Deno.openSync(lockFile, { read: true, write: true, create: true });
  try {
    handle.lockSync(true);
    try {
      return fn();
    } finally {
      handle.unlockSync();
    }
  } finally {
    handle.close();
  }
}

/** Throw `E_PATH` unless `dir` resolves (through symlinks) inside `root`. */
export function assertInside(dir: string, root: string): void {
  const real = Deno.realPathSync(dir);
  const realRoot = Deno.realPathSync(root);
  if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
    throw new PathError(
      `${dir} leads outside ${realRoot} (through a symlink); remove the link to use this folder`,
    );
  }
}

function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

function isLink(p: string): boolean {
  try {
    return Deno.lstatSync(p).isSymlink;
  } catch {
    return false;
  }
}
