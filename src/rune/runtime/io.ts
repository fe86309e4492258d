/**
 * Where `print!`, `println!`, `dbg!` and friends write: the host of the running program decides
 * (the CLI writes to stdout/stderr, the plugin engine to the plugin log). Saved and restored by
 * the VM around every entry, like the meter.
 *
 * @module
 */

/** Output sinks of the running program. */
export interface IoState {
  /** `print!`/`println!`: text, with the newline when there is one. */
  out(text: string): void;
  /** `eprint!`/`eprintln!`/`dbg!`. */
  err(text: string): void;
}

/** The running program's output. */
export const io: IoState = {
  out: () => {},
  err: () => {},
};
