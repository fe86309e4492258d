/**
 * The interface between the sandbox worker and a language engine (Lua, Rune, and the test-only
 * JavaScript engine). An engine instance serves exactly one invocation and is then disposed, so
 * no state survives from one invocation to the next.
 *
 * @module
 */
import type { CoverageReport, EngineLimits, ErrorInfo, Json, WorkerPlugin } from "./protocol.ts";

/** What the worker gives an engine. */
export interface EngineContext {
  /** The plugin being run. */
  plugin: WorkerPlugin;
  /** Limits the engine must enforce itself (memory). */
  limits: EngineLimits;
  /** Call a `crucible.*` binding synchronously; throws {@link PluginError} on failure. */
  call(binding: string, args: Json[]): Json;
  /** Append a line to the plugin's log (print). */
  log(line: string): void;
  /** True once the host has asked the invocation to stop; engines poll it from their hooks. */
  shouldStop(): boolean;
  /** Precompiled WebAssembly modules handed over by the host. */
  modules: Record<string, WebAssembly.Module>;
  /** The plugin's declared dependencies, which it may load as call proxies. */
  dependencies: string[];
  /** Record line coverage (engines that can, do; see {@link Engine.coverage}). */
  coverage?: boolean;
}

/** One engine instance. */
export interface Engine {
  /** Call `fn` with the parameters; returns JSON or throws {@link PluginError}. */
  run(fn: string, params: Json): Json | Promise<Json>;
  /** Free everything. */
  dispose(): void;
  /**
   * Call back a plugin function the engine handed out as a reference (`{"$fn": n}`, registered
   * while converting a binding's arguments) or named by string; JSON in, JSON out. Used by the
   * standard library (state machine callbacks, workflow tasks) while a binding call is running.
   */
  callFunction?(ref: { $fn: number } | string, args: Json[]): Json;
  /** The lines that ran, when the context asked for coverage. */
  coverage?(): CoverageReport | undefined;
}

/** Creates engines of one language. */
export type EngineFactory = (ctx: EngineContext) => Promise<Engine>;

/** An error with a stable code, raised by engines and bindings inside the worker. */
export class PluginError extends Error {
  /** Stable code, `E_…`. */
  readonly code: string;
  /** Where in the plugin it happened, when known. */
  readonly where: Omit<ErrorInfo, "code" | "message">;

  /** @param code stable code; @param message what happened and what to do */
  constructor(code: string, message: string, where: Omit<ErrorInfo, "code" | "message"> = {}) {
    super(message);
    this.code = code;
    this.where = where;
  }

  /** The JSON form sent to the host. */
  info(): ErrorInfo {
    return { code: this.code, message: this.message, ...this.where };
  }
}

/** Largest result an invocation may return, in characters of its JSON text (64 Mi). */
export const MAX_RESULT_CHARS = 64 * 1024 * 1024;

/**
 * Refuse a result whose JSON text would be longer than `limit` characters, with
 * E_PAYLOAD_TOO_LARGE, without building that text: six references to one 100 MB string are one
 * string in the sandbox but 600 MB of JSON to whoever prints it. Each string is counted once per
 * reference, and the walk stops as soon as the total is over.
 *
 * @example
 * ```ts
 * import { checkResultSize } from "./engine.ts";
 * checkResultSize(["small", { a: 1 }]); // fine
 * ```
 */
export function checkResultSize(value: Json, limit = MAX_RESULT_CHARS): void {
  let size = 0;
  const stack: Json[] = [value];
  while (stack.length > 0 && size <= limit) {
    const v = stack.pop()!;
    if (typeof v === "string") size += v.length + 2;
    else if (v === null || typeof v !== "object") size += String(v).length;
    else if (Array.isArray(v)) {
      size += 1 + Math.max(1, v.length);
      for (const x of v) stack.push(x);
    } else {
      const keys = Object.keys(v);
      size += 1 + Math.max(1, keys.length);
      for (const k of keys) {
        size += k.length + 3;
        stack.push(v[k]);
      }
    }
  }
  if (size > limit) {
    throw new PluginError(
      "E_PAYLOAD_TOO_LARGE",
      `the result is over ${limit} characters as JSON (the limit on a plugin's result); ` +
        `return less, e.g. a summary, or write the data to a note`,
    );
  }
}

/**
 * Deep-copy a value into JSON, refusing what JSON cannot hold (functions, cycles, non-finite
 * numbers, class instances) with a clear error, and bounding depth.
 */
export function toJson(value: unknown, what = "value", depth = 0): Json {
  if (depth > 64) throw new PluginError("E_INVALID_VALUE", `${what} is nested more than 64 levels`);
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "boolean":
    case "string":
      return value;
    case "number":
      if (!Number.isFinite(value)) {
        throw new PluginError("E_INVALID_VALUE", `${what} holds ${value}, which JSON cannot hold`);
      }
      return value;
    case "bigint":
      return Number(value);
    case "object": {
      if (Array.isArray(value)) return value.map((v, i) => toJson(v, `${what}[${i}]`, depth + 1));
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new PluginError("E_INVALID_VALUE", `${what} is not plain data`);
      }
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(value)) {
        if (v !== undefined) out[k] = toJson(v, `${what}.${k}`, depth + 1);
      }
      return out;
    }
    default:
      throw new PluginError("E_INVALID_VALUE", `${what} is a ${typeof value}, not JSON data`);
  }
}
