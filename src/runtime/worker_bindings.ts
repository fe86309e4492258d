/**
 * Bindings that run inside the worker: reads under the worker's own Deno permissions, and pure
 * utilities. Each checks the grant first (the Deno permissions are the second wall).
 *
 * @module
 */
import { parseNote } from "../kiln/note.ts";
import { resolveNotePath } from "../kiln/safe_path.ts";
import { formatBytes } from "../kiln/note.ts";
import type { Json } from "./protocol.ts";
import { PluginError } from "./engine.ts";

/** What a worker-side binding needs. */
export interface WorkerBindingContext {
  /** Kiln root (real path). */
  kilnRoot: string;
  /** Largest file read. */
  fileSize: number;
  /** Append to the plugin log. */
  log(line: string): void;
}

/** Worker-side binding implementations, by name. */
export const WORKER_BINDINGS: Record<
  string,
  (ctx: WorkerBindingContext, args: Json[]) => { value: Json; target?: string }
> = {
  read_note(ctx, [path]) {
    if (typeof path !== "string") {
      throw new PluginError("E_INVALID_PARAMS", "read_note(path) needs a path string");
    }
    const file = resolveNotePath(ctx.kilnRoot, path, { mustExist: true });
    const info = Deno.statSync(file.abs);
    if (info.size > ctx.fileSize) {
      throw new PluginError(
        "E_FILE_TOO_LARGE",
        `note ${file.rel} is ${formatBytes(info.size)}, over the ${
          formatBytes(ctx.fileSize)
        } limit`,
      );
    }
    const text = Deno.readTextFileSync(file.abs);
    const note = parseNote(file.rel, text, { bytes: info.size, mtime: info.mtime?.getTime() ?? 0 });
    return {
      target: file.rel,
      value: {
        path: note.path,
        title: note.title,
        frontmatter: note.frontmatter as Json,
        content: note.body,
        tags: note.tags,
        links: note.links.map((l) => l.target),
        word_count: note.wordCount,
        modified: new Date(note.mtime).toISOString(),
      },
    };
  },
  "time.now"() {
    return { value: Date.now() };
  },
  "time.iso"(_ctx, [ms]) {
    const t = ms === undefined || ms === null ? Date.now() : ms;
    if (typeof t !== "number" || !Number.isFinite(t)) {
      throw new PluginError("E_INVALID_PARAMS", "time.iso(ms) needs a number of milliseconds");
    }
    return { value: new Date(t).toISOString() };
  },
  log(ctx, args) {
    ctx.log(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    return { value: null };
  },
};
