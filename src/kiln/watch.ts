/**
 * Keeping a note index current while the kiln changes: a file watcher over the kiln whose
 * bursts of events become one targeted update (`NoteIndex.update({ paths })`) each, so a saved
 * note is searchable a few milliseconds later without walking the kiln.
 *
 * @module
 */
import * as path from "node:path";
import type { IndexReport } from "./indexer.ts";
import type { NoteIndex } from "./note_index.ts";
import { isMarkdown } from "./walk.ts";

/** Options of {@link KilnWatch.start}. */
export interface KilnWatchOptions {
  /** Quiet time that ends a burst of changes, ms. Default 100. */
  debounceMs?: number;
  /** Longest a change waits while changes keep coming, ms. Default 1000. */
  maxDelayMs?: number;
  /** Called after each update, with the kiln-relative note paths it looked at. */
  onUpdate?: (report: IndexReport, paths: string[]) => void;
  /** Called when an update fails; watching goes on. Default: rethrow from {@link KilnWatch.run}. */
  onError?: (error: unknown) => void;
}

/** Folder names whose contents are never notes (hidden folders are skipped too). */
const SKIPPED_DIRS = new Set(["node_modules"]);

/**
 * A watch over a kiln that feeds changed, created, deleted and renamed notes to the index.
 * Attachments (images and other non-Markdown files) are not followed: a full `update()` picks
 * them up.
 *
 * @example
 * ```ts ignore
 * import { KilnWatch, NoteIndex } from "./mod.ts";
 * const index = NoteIndex.open("my-kiln");
 * using watch = KilnWatch.start(index, {
 *   onUpdate: (r) => console.log(`updated ${r.added + r.changed + r.deleted} notes`),
 * });
 * index.update(); // the first index, after the watch started: nothing is missed
 * Deno.addSignalListener("SIGINT", () => watch.close());
 * await watch.run();
 * ```
 */
export class KilnWatch implements Disposable {
  #index: NoteIndex;
  #root: string;
  #watcher: Deno.FsWatcher;
  #options: KilnWatchOptions;
  #pending = new Set<string>();
  #closed = false;

  private constructor(index: NoteIndex, root: string, options: KilnWatchOptions) {
    this.#index = index;
    this.#root = root;
    this.#options = options;
    this.#watcher = Deno.watchFs(root, { recursive: true });
  }

  /** Start watching the kiln of `index`. Events are kept until {@link KilnWatch.run}. */
  static start(index: NoteIndex, options: KilnWatchOptions = {}): KilnWatch {
    return new KilnWatch(index, Deno.realPathSync(index.root), options);
  }

  /** Apply changes as they come, until {@link KilnWatch.close}. */
  async run(): Promise<void> {
    const debounce = this.#options.debounceMs ?? 100;
    const maxDelay = this.#options.maxDelayMs ?? 1000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let first = 0;
    let failure: { error: unknown } | null = null;
    const flush = () => {
      timer = undefined;
      first = 0;
      try {
        this.#flush();
      } catch (error) {
        if (this.#options.onError) this.#options.onError(error);
        else {
          failure = { error };
          this.close();
        }
      }
    };
    try {
      for await (const event of this.#watcher) {
        if (event.kind === "access") continue;
        let relevant = false;
        for (const p of event.paths) {
          const rel = this.#relative(p);
          if (rel !== null) {
            this.#pending.add(rel);
            relevant = true;
          }
        }
        if (!relevant) continue;
        const now = performance.now();
        if (first === 0) first = now;
        clearTimeout(timer);
        timer = setTimeout(flush, Math.max(0, Math.min(debounce, first + maxDelay - now)));
      }
    } finally {
      clearTimeout(timer);
    }
    if (failure) throw (failure as { error: unknown }).error;
  }

  /** Stop watching; {@link KilnWatch.run} returns once the watcher has stopped. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#watcher.close();
    } catch { /* closed already */ }
  }

  /** Stop watching. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** The kiln path of a watched path, or null when it can never hold a note. */
  #relative(abs: string): string | null {
    const rel = path.relative(this.#root, abs);
    if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return null;
    const parts = rel.split(path.sep);
    if (parts.some((p) => p.startsWith(".") || SKIPPED_DIRS.has(p))) return null;
    return parts.join("/");
  }

  #flush(): void {
    const changed = [...this.#pending];
    this.#pending.clear();
    const paths = new Set<string>();
    for (const rel of changed) {
      if (isMarkdown(rel)) {
        paths.add(rel);
        continue;
      }
      // A folder created, deleted or renamed: its notes now, and the notes indexed under it.
      for (const p of this.#notesUnder(rel)) paths.add(p);
      for (const n of this.#index.list({ folder: rel, recursive: true })) paths.add(n.path);
    }
    if (paths.size === 0) return;
    const list = [...paths].sort();
    const report = this.#index.update({ paths: list });
    this.#options.onUpdate?.(report, list);
  }

  /** Markdown files under a kiln folder (none if it is not a folder), as the walk would see. */
  #notesUnder(rel: string): string[] {
    const out: string[] = [];
    const visit = (dirRel: string) => {
      let entries: Deno.DirEntry[];
      try {
        entries = [...Deno.readDirSync(path.join(this.#root, ...dirRel.split("/")))];
      } catch {
        return;
      }
      for (const e of entries) {
        if (e.name.startsWith(".") || SKIPPED_DIRS.has(e.name)) continue;
        const child = `${dirRel}/${e.name}`;
        if (e.isDirectory) visit(child);
        else if (e.isFile && isMarkdown(e.name)) out.push(child);
      }
    };
    visit(rel);
    return out;
  }
}
