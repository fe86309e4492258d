/**
 * What the stateful parts of the standard library (state machines, workflows) need from the
 * place they run in, and nothing more: calls to other bindings (state, plugin invocation,
 * progress), calls back into plugin functions, sleeping, and the stop check. The sandbox
 * provides it; tests can provide it directly. The library never learns what a worker is.
 *
 * Plugin functions never cross as functions: the engine hands the library a **function
 * reference**, `{"$fn": n}` (a function value the engine registered for this invocation) or a
 * string naming one of the plugin's functions, and the library calls it through
 * {@link StdlibHost.callFunction} with JSON arguments, getting JSON back.
 *
 * @module
 */
import type { Json } from "./errors.ts";

/** A plugin function as the library sees it: `{"$fn": n}` or a function name. */
export type FunctionRef = { $fn: number } | string;

/** The services the stateful library parts use. */
export interface StdlibHost {
  /** Call another binding by name (e.g. `state.get`); throws its error (with its `code`). */
  call(binding: string, args: Json[]): Json;
  /** Call a plugin function with JSON arguments; throws the plugin's error (with its `code`). */
  callFunction(ref: FunctionRef, args: Json[]): Json;
  /** Block for `ms` milliseconds (returning early only by throwing when asked to stop). */
  sleep(ms: number): void;
  /** Throw if the invocation has been asked to stop (timeout, cancellation). */
  checkStop(): void;
}

/** Is this value a function reference? */
export function isFunctionRef(v: Json | undefined): v is FunctionRef {
  if (typeof v === "string") return v.length > 0;
  return v !== null && typeof v === "object" && !Array.isArray(v) &&
    typeof v.$fn === "number" && Object.keys(v).length === 1;
}
