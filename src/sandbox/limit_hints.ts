/**
 * How to raise the limit an invocation ran into: appended to `E_TIMEOUT` and `E_MEMORY` messages,
 * whichever engine or isolation raised them, so the message says what to change.
 *
 * @module
 */
import type { Limits } from "../config/config.ts";
import { formatBytes } from "../kiln/note.ts";
import type { ErrorInfo } from "../runtime/protocol.ts";

/** The limits an invocation ran with, and the most a manifest may ask for. */
export interface LimitContext {
  /** The invocation's wall-clock limit in milliseconds. */
  timeoutMs: number;
  /** The invocation's memory limit in bytes. */
  memory: number;
  /** The configured maximums (`sandbox.max`). */
  max: Pick<Limits, "timeout" | "memory">;
}

const MARK = "; raise it with";

/**
 * The error with a hint naming the limit and how to raise it (once: a plugin-to-plugin error
 * that already carries one is left as it is). Other errors are returned unchanged.
 *
 * @example
 * ```ts
 * import { withLimitHint } from "./limit_hints.ts";
 * withLimitHint(
 *   { code: "E_MEMORY", message: "the plugin used more memory than its limit allows" },
 *   { timeoutMs: 30_000, memory: 100e6, max: { timeout: 600_000, memory: 1e9 } },
 * ).message;
 * // "…; the limit is 100 MB; raise it with `limits: {memory: 256MB}` in the manifest
 * //  (needs approval; at most 1 GB, sandbox.max.memory in the user config)"
 * ```
 */
export function withLimitHint(error: ErrorInfo, limits: LimitContext): ErrorInfo {
  if (error.message.includes(MARK) || error.message.includes("is at the maximum")) return error;
  if (error.code === "E_MEMORY") {
    if (limits.memory >= limits.max.memory) {
      return {
        ...error,
        message: `${error.message}; the limit of ${formatBytes(limits.memory)} is at the ` +
          "maximum (sandbox.max.memory in the user config)",
      };
    }
    const suggested = Math.min(Math.max(limits.memory * 2, 256 * 1024 ** 2), limits.max.memory);
    return {
      ...error,
      message: `${error.message}; the limit is ${formatBytes(limits.memory)}${MARK} ` +
        `\`limits: {memory: ${formatBytes(suggested).replace(" ", "")}}\` in the manifest ` +
        `(needs approval; at most ${
          formatBytes(limits.max.memory)
        }, sandbox.max.memory in the user config)`,
    };
  }
  if (error.code === "E_TIMEOUT") {
    if (limits.timeoutMs >= limits.max.timeout) {
      return {
        ...error,
        message: `${error.message}; the limit of ${limits.timeoutMs} ms is at the maximum ` +
          "(sandbox.max.timeout in the user config)",
      };
    }
    return {
      ...error,
      message: `${error.message}${MARK} --timeout MS or \`limits: {timeout: 60s}\` in the ` +
        `manifest (needs approval; at most ${limits.max.timeout} ms, sandbox.max.timeout in ` +
        "the user config)",
    };
  }
  return error;
}
