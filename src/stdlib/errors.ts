/**
 * The one error type of the standard library: a stable `E_…` code and a message that says what
 * was wrong and what would be valid. The sandbox maps it to a plugin error with the same code.
 *
 * @module
 */

/** JSON values: the only data the standard library takes and returns. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** An error with a stable code (`E_INVALID_PARAMS`, `E_INVALID_MACHINE`, …). */
export class StdlibError extends Error {
  /** Stable code, `E_…`. */
  readonly code: string;

  /** @param code stable code; @param message what happened and what to do */
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = "StdlibError";
  }
}

/** Raise E_INVALID_PARAMS. */
export function invalid(message: string): never {
  throw new StdlibError("E_INVALID_PARAMS", message);
}

/** A plain object argument (null/undefined become `{}`). */
export function options(v: Json | undefined, what: string): Record<string, Json> {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) invalid(`${what} must be a table/object`);
  return v;
}

/** A string argument. */
export function str(v: Json | undefined, what: string): string {
  if (typeof v !== "string") invalid(`${what} must be a string`);
  return v;
}

/** A finite number argument, or the default when absent. */
export function num(v: Json | undefined, what: string, fallback?: number): number {
  if ((v === undefined || v === null) && fallback !== undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) invalid(`${what} must be a number`);
  return v;
}

/** An integer argument within bounds, or the default when absent. */
export function int(
  v: Json | undefined,
  what: string,
  bounds: { min: number; max: number; fallback?: number },
): number {
  if ((v === undefined || v === null) && bounds.fallback !== undefined) return bounds.fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < bounds.min || v > bounds.max) {
    invalid(`${what} must be a whole number from ${bounds.min} to ${bounds.max}`);
  }
  return v;
}

/** Error codes that end the invocation and must never be caught and retried. */
export const FATAL_CODES: ReadonlySet<string> = new Set([
  "E_TIMEOUT",
  "E_MEMORY",
  "E_SANDBOX",
  "E_CANCELLED",
]);

/** The code of anything thrown (E_RUNTIME when it has none). */
export function codeOf(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  return typeof code === "string" && code.startsWith("E_") ? code : "E_RUNTIME";
}
