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
  /** Absolute paths FsRead allows. */
  fsRead: string[];
  /** Folders refused even inside an FsRead path (cru's private data). */
  fsReadGuarded: string[];
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
        content_line: note.bodyLine,
        tags: note.tags,
        links: note.links.map((l) => l.target),
        word_count: note.wordCount,
        modified: new Date(note.mtime).toISOString(),
      },
    };
  },
  "fs.read"(ctx, [p]) {
    const file = outsidePath(ctx, p, "fs.read(path)");
    const info = Deno.statSync(file);
    if (!info.isFile) throw new PluginError("E_INVALID_PARAMS", `${file} is not a file`);
    if (info.size > ctx.fileSize) {
      throw new PluginError(
        "E_FILE_TOO_LARGE",
        `${file} is ${formatBytes(info.size)}, over the ${formatBytes(ctx.fileSize)} limit`,
      );
    }
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(Deno.readFileSync(file));
    } catch (e) {
      if (e instanceof TypeError) {
        throw new PluginError("E_INVALID_VALUE", `${file} is not UTF-8 text`);
      }
      throw e;
    }
    return { value: text, target: file };
  },
  "fs.list"(ctx, [p]) {
    const dir = outsidePath(ctx, p, "fs.list(dir)");
    const entries: Json[] = [];
    for (const e of Deno.readDirSync(dir)) {
      entries.push({ name: e.name, type: e.isDirectory ? "dir" : e.isFile ? "file" : "other" });
    }
    entries.sort((a, b) => ((a as { name: string }).name < (b as { name: string }).name ? -1 : 1));
    return { value: entries, target: dir };
  },
  "random.int"(_ctx, [min, max]) {
    if (
      typeof min !== "number" || typeof max !== "number" || !Number.isSafeInteger(min) ||
      !Number.isSafeInteger(max) || max < min || max - min > 2 ** 32
    ) {
      throw new PluginError(
        "E_INVALID_PARAMS",
        "random.int(min, max) needs two integers with min <= max, at most 2^32 apart",
      );
    }
    const span = max - min + 1;
    // Rejection sampling: no modulo bias.
    const limit = Math.floor(2 ** 32 / span) * span;
    const buf = new Uint32Array(1);
    do crypto.getRandomValues(buf); while (buf[0] >= limit);
    return { value: min + (buf[0] % span) };
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

/** True when the real path `real` is `root` or below it (`root`'s symlinks resolved). */
function within(real: string, root: string): boolean {
  let r = root;
  try {
    r = Deno.realPathSync(root);
  } catch { /* a path that does not exist holds nothing */ }
  return real === r || real.startsWith(r.endsWith("/") ? r : r + "/");
}

/** An absolute path (or ~/…) inside one of the FsRead paths, symlinks resolved. */
function outsidePath(ctx: WorkerBindingContext, p: Json | undefined, what: string): string {
  if (typeof p !== "string" || p === "") {
    throw new PluginError("E_INVALID_PARAMS", `${what} needs an absolute path`);
  }
  if (!p.startsWith("/")) {
    throw new PluginError("E_PATH", `${what}: ${p} is not absolute; give a full path`);
  }
  let real: string;
  try {
    real = Deno.realPathSync(p);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new PluginError("E_NOT_FOUND", `${p} does not exist`);
    }
    throw e;
  }
  const guarded = ctx.fsReadGuarded.find((root) => within(real, root));
  if (guarded !== undefined) {
    throw new PluginError(
      "E_CAPABILITY",
      `${what}: ${p} is inside ${guarded}, which holds cru's private data; plugins cannot read ` +
        `it with fs.read or fs.list whatever their FsRead capability lists`,
    );
  }
  if (!ctx.fsRead.some((root) => within(real, root))) {
    throw new PluginError(
      "E_CAPABILITY",
      `${what}: ${p} is outside the paths the plugin's FsRead capability lists`,
    );
  }
  return real;
}
