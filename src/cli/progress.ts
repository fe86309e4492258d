/**
 * Progress lines for `cru plugins run`: each event a plugin reports (`crucible.progress`, every
 * workflow task) is printed to stderr as it happens, so stdout stays the result.
 *
 * @module
 */
import type { Json } from "../runtime/protocol.ts";
import { terminalText } from "../security/terminal_text.ts";

/** Longest progress line printed, in characters. */
export const MAX_PROGRESS_LINE = 300;

/**
 * One progress event as a line of text: control characters shown as escapes (a plugin must not
 * be able to move the cursor or recolour the terminal), and cut at {@link MAX_PROGRESS_LINE}.
 */
export function formatProgress(event: Json, plugin: string): string {
  return terminalText(describe(event, plugin), { max: MAX_PROGRESS_LINE });
}

function describe(event: Json, plugin: string): string {
  if (typeof event === "string") return `[${plugin}] ${event}`;
  if (event && typeof event === "object" && !Array.isArray(event)) {
    const e = event as Record<string, Json>;
    if (typeof e.task === "string" && typeof e.status === "string") {
      const count = typeof e.done === "number" && typeof e.total === "number"
        ? ` ${e.done}/${e.total}`
        : "";
      const attempt = typeof e.attempt === "number" && e.attempt > 1
        ? ` (attempt ${e.attempt})`
        : "";
      const error = e.error && typeof e.error === "object" && !Array.isArray(e.error)
        ? `: ${(e.error as Record<string, Json>).message ?? ""}`
        : "";
      const took = typeof e.duration_ms === "number" ? ` in ${e.duration_ms} ms` : "";
      const wait = typeof e.delay_ms === "number" ? `, again in ${e.delay_ms} ms` : "";
      const flow = typeof e.workflow === "string" ? `${e.workflow}` : plugin;
      return `[${flow}${count}] ${e.task} ${e.status}${attempt}${took}${error}${wait}`;
    }
    if (typeof e.message === "string") return `[${plugin}] ${e.message}`;
  }
  return `[${plugin}] ${JSON.stringify(event)}`;
}
