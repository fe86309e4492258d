/**
 * Hot reload: watch the plugin folders and yield what changed in the registry. An invocation
 * already running keeps the record it started with; the next one gets the new version.
 *
 * @module
 */
import * as path from "node:path";
import type { PluginRegistry, RegistryChange } from "./registry.ts";

/** Options of {@link watchPlugins}. */
export interface WatchOptions {
  /** Stops the watch. */
  signal?: AbortSignal;
  /** Quiet time after the last file event before reloading (ms, default 75). */
  debounceMs?: number;
}

/** The nearest existing folder at or above `dir` (plugin folders need not exist yet). */
function existingAncestor(dir: string): string {
  let d = dir;
  while (true) {
    try {
      if (Deno.statSync(d).isDirectory) return d;
    } catch { /* keep climbing */ }
    const parent = path.dirname(d);
    if (parent === d) return d;
    d = parent;
  }
}

/**
 * Watch a registry's folders; each yielded batch holds the changes of one reload.
 *
 * @example
 * ```ts
 * import { PluginRegistry } from "./registry.ts";
 * import { watchPlugins } from "./watch.ts";
 * const registry = await PluginRegistry.load({ kilnRoot: "." });
 * const stop = new AbortController();
 * for await (const changes of watchPlugins(registry, { signal: stop.signal })) {
 *   for (const c of changes) console.log(c.type, c.name);
 * }
 * ```
 */
export async function* watchPlugins(
  registry: PluginRegistry,
  options: WatchOptions = {},
): AsyncGenerator<RegistryChange[]> {
  const roots = [...new Set(registry.dirs.map((d) => existingAncestor(d.dir)))];
  const watcher = Deno.watchFs(roots, { recursive: true });
  const debounce = options.debounceMs ?? 75;
  const onAbort = () => watcher.close();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const inside = (p: string) =>
    registry.dirs.some((d) => p === d.dir || p.startsWith(d.dir + path.sep) || d.dir.startsWith(p));

  // File events arrive in bursts (an editor writes, renames, chmods); collapse each burst.
  const iterator = watcher[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<Deno.FsEvent>> | null = null;
  try {
    while (!options.signal?.aborted) {
      pending ??= iterator.next();
      const first = await pending;
      pending = null;
      if (first.done) return;
      if (!first.value.paths.some(inside)) continue;
      while (true) {
        pending = iterator.next();
        let id: ReturnType<typeof setTimeout> | undefined;
        const timer = new Promise<"quiet">((r) => id = setTimeout(() => r("quiet"), debounce));
        const next = await Promise.race([pending, timer]);
        clearTimeout(id);
        if (next === "quiet") break;
        pending = null;
        if (next.done) break;
      }
      const changes = await registry.reload();
      if (changes.length > 0) yield changes;
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    try {
      watcher.close();
    } catch { /* already closed */ }
  }
}
