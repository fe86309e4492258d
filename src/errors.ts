/**
 * Typed errors shared by every part of cru. Each carries a stable `code` that callers (the CLI,
 * agents, plugins) can match on, and a message that says what happened, to what, and what to do.
 *
 * @example
 * ```ts
 * import { CrucibleError, NotFoundError } from "./errors.ts";
 * try {
 *   throw new NotFoundError("note campaign/Nope.md does not exist");
 * } catch (e) {
 *   if (e instanceof CrucibleError) console.log(e.code); // "E_NOT_FOUND"
 * }
 * ```
 *
 * @module
 */

/** Stable error codes. New codes are added here, never renamed. */
export type ErrorCode =
  | "E_NOT_FOUND"
  | "E_INVALID_KILN"
  | "E_INVALID_PARAMS"
  | "E_PATH"
  | "E_INDEX"
  | "E_FILE_TOO_LARGE"
  | "E_USAGE"
  | "E_CONFIG"
  | "E_CAPABILITY"
  | "E_APPROVAL_DENIED"
  | "E_RATE_LIMIT"
  | "E_TIMEOUT"
  | "E_MEMORY"
  | "E_SANDBOX"
  | "E_NETWORK"
  | "E_AUDIT"
  | "E_CYCLE"
  | "E_DEPTH"
  | "E_CONFLICT"
  | "E_NOT_AVAILABLE"
  | "E_INVALID_VALUE"
  | "E_JOURNAL"
  | "E_QUOTA"
  | "E_DRY_RUN";

/** Base class of every error cru raises on purpose. */
export class CrucibleError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;

  /** Build an error with its code and a message that says what to do. */
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }

  /** JSON form used by `--json` output and, later, across the sandbox boundary. */
  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** A note, file or other named thing does not exist. */
export class NotFoundError extends CrucibleError {
  /** @param message what was not found and what to try instead */
  constructor(message: string, options?: ErrorOptions) {
    super("E_NOT_FOUND", message, options);
  }
}

/** The kiln path is missing, not a folder, or unusable. */
export class KilnError extends CrucibleError {
  /** @param message which path and why it cannot be used */
  constructor(message: string, options?: ErrorOptions) {
    super("E_INVALID_KILN", message, options);
  }
}

/** A path argument escapes the kiln, touches `.crucible/`, or leaves it through a symlink. */
export class PathError extends CrucibleError {
  /** @param message which path and why it was refused */
  constructor(message: string, options?: ErrorOptions) {
    super("E_PATH", message, options);
  }
}

/** A user-supplied argument or parameter is malformed. */
export class InvalidParamsError extends CrucibleError {
  /** @param message which parameter and what would be valid */
  constructor(message: string, options?: ErrorOptions) {
    super("E_INVALID_PARAMS", message, options);
  }
}

/** The note index could not be opened or updated. */
export class IndexError extends CrucibleError {
  /** @param message what failed and how to recover (usually `cru kiln index --rebuild`) */
  constructor(message: string, options?: ErrorOptions) {
    super("E_INDEX", message, options);
  }
}

/** A configuration file exists but cannot be used. */
export class ConfigError extends CrucibleError {
  /** @param file the config file; @param message what is wrong and how to fix it */
  constructor(readonly file: string, message: string, options?: ErrorOptions) {
    super("E_CONFIG", `${file}: ${message}`, options);
  }
}

/** A file is over the file-size limit. */
export class FileTooLargeError extends CrucibleError {
  /** @param message which file, how large, and the limit */
  constructor(message: string, options?: ErrorOptions) {
    super("E_FILE_TOO_LARGE", message, options);
  }
}
