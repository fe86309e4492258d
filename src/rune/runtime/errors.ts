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

  /** The message followed by the Rune stack trace (repeats collapsed, see {@link traceLines}). */
  describe(): string {
    return [this.message, ...traceLines(this.trace).map((l) => `    ${l}`)].join("\n");
  }
}

const PERIODS = 4;

/**
 * The trace as lines (`at f (main.rn:1:11)`), innermost first, with a run of repeated frames —
 * deep recursion, including through up to four functions — shown once and then counted:
 * `… the same frame 61 more times`.
 *
 * @example
 * ```ts
 * import { traceLines } from "./errors.ts";
 * const f = { fn: "f", file: "so.rn", line: 1, column: 11 };
 * traceLines([f, f, f, f]); // ["at f (so.rn:1:11)", "… the same frame 3 more times"]
 * ```
 */
export function traceLines(trace: readonly RuneFrame[], prefix = "at "): string[] {
  const text = trace.map((f) => `${prefix}${f.fn} (${f.file}:${f.line}:${f.column})`);
  const same = (a: number, b: number, n: number) => {
    for (let j = 0; j < n; j++) if (text[a + j] !== text[b + j]) return false;
    return true;
  };
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    // The period covering the most frames from here, repeated at least three times.
    let best = { period: 0, times: 0 };
    for (let period = 1; period <= PERIODS && i + 2 * period <= text.length; period++) {
      let times = 1;
      while (i + (times + 1) * period <= text.length && same(i, i + times * period, period)) {
        times++;
      }
      if (times >= 3 && times * period > best.times * best.period) best = { period, times };
    }
    if (best.times === 0) {
      out.push(text[i++]);
      continue;
    }
    out.push(...text.slice(i, i + best.period));
    const more = best.times - 1;
    out.push(
      best.period === 1
        ? `… the same frame ${more} more time${more === 1 ? "" : "s"}`
        : `… the same ${best.period} frames ${more} more time${more === 1 ? "" : "s"}`,
    );
    i += best.times * best.period;
  }
  return out;
}

/** A type error: an operation applied to values it does not support. */
export function typeError(message: string): RuneError {
  return new RuneError("E_RUNTIME", message);
}

/** A panic (`panic!`, failed assertions, `unwrap` on `None`). */
export function panic(message: string): RuneError {
  return new RuneError("E_RUNTIME", message, true);
}
