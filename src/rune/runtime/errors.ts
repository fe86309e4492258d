/**
 * Runtime errors. Everything that stops a Rune program is a {@link RuneError} with a stable code
 * (`E_RUNTIME`, `E_TIMEOUT`, `E_MEMORY`) and, once it has left the program, a Rune-level stack
 * trace filled in by the VM from the JavaScript stack and the compiler's line table.
 *
 * @module
 */

/**
 * Stable codes of runtime errors: `E_RUNTIME`, `E_TIMEOUT`, `E_MEMORY`, or a code a host
 * function raised (`E_CAPABILITY`, `E_NOT_FOUND`, …).
 */
export type RuneErrorCode = "E_RUNTIME" | "E_TIMEOUT" | "E_MEMORY" | `E_${string}`;

/** One frame of a Rune stack trace. */
export interface RuneFrame {
  /** Function name as written in Rune (`main`, `Foo::new`, `main::{closure}`). */
  fn: string;
  /** Source file name. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/** An error raised while a Rune program runs. */
export class RuneError extends Error {
  /** Stable code. */
  readonly code: RuneErrorCode;
  /** Rune frames, innermost first (empty until the VM maps the JavaScript stack). */
  trace: RuneFrame[] = [];
  /** The value a `panic!` carried, rendered, when the error is a panic. */
  readonly panic: boolean;

  /** @param code stable code; @param message what happened; @param panic raised by panic!/assert */
  constructor(code: RuneErrorCode, message: string, panic = false) {
    super(message);
    this.name = "RuneError";
    this.code = code;
    this.panic = panic;
  }

  /** The innermost frame, if known. */
  get where(): RuneFrame | undefined {
    return this.trace[0];
  }

  /** The message followed by the Rune stack trace. */
  describe(): string {
    const lines = [this.message];
    for (const f of this.trace) lines.push(`    at ${f.fn} (${f.file}:${f.line}:${f.column})`);
    return lines.join("\n");
  }
}

/** A type error: an operation applied to values it does not support. */
export function typeError(message: string): RuneError {
  return new RuneError("E_RUNTIME", message);
}

/** A panic (`panic!`, failed assertions, `unwrap` on `None`). */
export function panic(message: string): RuneError {
  return new RuneError("E_RUNTIME", message, true);
}
