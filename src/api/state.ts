/**
 * Plugin state: small JSON values that outlive an invocation.
 *
 * | scope | who shares it | file |
 * | --- | --- | --- |
 * | `plugin` (default) | this plugin, in this kiln | `<kiln>/.crucible/plugin-state/<plugin>.json` |
 * | `kiln` | every plugin, in this kiln | `<kiln>/.crucible/plugin-state/_kiln.json` |
 * | `global` | every plugin, in every kiln | `<config>/plugin-state/_global.json` |
 *
 * Values may expire (`ttl`, seconds or a duration like `"10m"`); expired values read as nil and
 * are dropped on the next write. Each file is written atomically and limited in size, and every
 * change is made under a lock shared with other `cru` processes. A damaged file is set aside as
 * `<file>.corrupt-<time>` (and reported), never silently dropped; an entry that is not a stored
 * value (`null`, say) reads as absent. In a dry run, changes live in memory only.
 *
 * @module
 */
import * as path from "node:path";
import { FileTooLargeError, InvalidParamsError } from "../errors.ts";
import { privatePath } from "../kiln/paths.ts";
import { formatBytes } from "../kiln/note.ts";
import { parseDuration } from "../plugins/units.ts";
import type { StateScope } from "../security/capability.ts";
import type { Json } from "../runtime/protocol.ts";
import { writeFileAtomic } from "./journal.ts";
import { assertInside, type LockTarget, withFileLock } from "./file_lock.ts";

/** Default largest state file: 1 MB. */
export const DEFAULT_STATE_LIMIT = 1024 * 1024;

interface Entry {
  value: Json;
  /** Expiry, ms since the epoch, or null. */
  expires: number | null;
  /** Last write, ms since the epoch. */
  updated: number;
}

interface StateFile {
  version: 1;
  entries: Record<string, Entry>;
}

/**
 * The state of a dry run: changes are kept here, in memory, for the rest of the invocation (and
 * the plugins it calls), and never reach a file. `notes` says what a real run would have saved.
 */
export interface DryRunState {
  /** State file → its simulated content. */
  files: Map<string, StateFile>;
  /** What was simulated, for the dry-run report. */
  notes: string[];
}

/** A fresh {@link DryRunState}. */
export function dryRunState(): DryRunState {
  return { files: new Map(), notes: [] };
}

/** Where state lives and how big it may grow. */
export interface StateOptions {
  /** Kiln root. */
  kilnRoot: string;
  /** The user config folder (for the global scope). */
  configDir: string;
  /** Largest state file, bytes. */
  limit?: number;
  /** The clock (tests inject one). */
  now?: () => number;
  /** Simulate changes in memory instead of saving them (a dry run). */
  dryRun?: DryRunState;
  /** Told when a damaged state file was set aside (the runner reports and audits it). */
  warn?: (message: string) => void;
}

/**
 * State of one plugin across scopes. Every change is a read-modify-write of the scope's file under
 * a lock shared with other `cru` processes, so concurrent runs never lose each other's updates.
 */
export class PluginState {
  #o: StateOptions;
  #plugin: string;

  /** @param plugin the plugin whose state this is; @param options where it lives */
  constructor(plugin: string, options: StateOptions) {
    this.#plugin = plugin;
    this.#o = options;
  }

  /** The file of a scope. */
  file(scope: StateScope): string {
    switch (scope) {
      case "plugin":
        return privatePath(this.#o.kilnRoot, "plugin-state", `${this.#plugin}.json`);
      case "kiln":
        return privatePath(this.#o.kilnRoot, "plugin-state", "_kiln.json");
      case "global":
        return path.join(this.#o.configDir, "plugin-state", "_global.json");
    }
  }

  #target(scope: StateScope): LockTarget {
    return {
      file: this.file(scope),
      root: scope === "global" ? this.#o.configDir : this.#o.kilnRoot,
    };
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  /**
   * Read a scope's file. A file that is not state (garbage, or written by something else) is set
   * aside as `<file>.corrupt-<time>` when `setAside` (the caller holds the lock) and reported;
   * entries that are not `{value, …}` read as absent.
   */
  #load(scope: StateScope, setAside: boolean): StateFile | "damaged" {
    const { file, root } = this.#target(scope);
    let text = "";
    try {
      assertInside(path.dirname(file), root);
      // A symlink planted in a shared kiln must not hand a plugin some other file as its state.
      if (Deno.lstatSync(file).isFile) text = Deno.readTextFileSync(file);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return { version: 1, entries: {} };
      if (!(e instanceof Deno.errors.InvalidData)) throw e;
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch { /* damaged: handled below */ }
    const entries = data && typeof data === "object" && !Array.isArray(data)
      ? (data as { entries?: unknown }).entries
      : undefined;
    if (!entries || typeof entries !== "object" || Array.isArray(entries)) {
      if (!setAside) return "damaged";
      let kept = "";
      if (!this.#o.dryRun) {
        kept = `${file}.corrupt-${new Date(this.#now()).toISOString().replace(/[:.]/g, "-")}`;
        Deno.renameSync(file, kept);
      }
      this.#o.warn?.(
        `the state file ${file} of plugin ${this.#plugin} is damaged (not JSON state); ` +
          (kept
            ? `it was kept as ${path.basename(kept)} and the state starts empty`
            : "the dry run treats it as empty"),
      );
      return { version: 1, entries: {} };
    }
    const out: Record<string, Entry> = Object.create(null);
    for (const [k, e] of Object.entries(entries)) {
      if (!e || typeof e !== "object" || Array.isArray(e) || !("value" in e)) continue;
      const { value, expires, updated } = e as Record<string, unknown>;
      out[k] = {
        value: value as Json,
        expires: typeof expires === "number" ? expires : null,
        updated: typeof updated === "number" ? updated : 0,
      };
    }
    return { version: 1, entries: out };
  }

  /** The current content of a scope (the dry run's copy when there is one). */
  #read(scope: StateScope): StateFile {
    const file = this.file(scope);
    const simulated = this.#o.dryRun?.files.get(file);
    if (simulated) return structuredClone(simulated);
    const data = this.#load(scope, false);
    if (data !== "damaged") return data;
    return this.#o.dryRun
      ? this.#load(scope, true) as StateFile
      : withFileLock(this.#target(scope), () => this.#load(scope, true) as StateFile);
  }

  /** Change a scope: `change` edits the data and says whether it changed it. */
  #update<T>(scope: StateScope, change: (data: StateFile) => { result: T; changed: boolean }): T {
    const file = this.file(scope);
    const dry = this.#o.dryRun;
    if (dry) {
      const data = this.#read(scope);
      const r = change(data);
      if (r.changed) {
        this.#check(scope, this.#prune(data));
        dry.files.set(file, data);
      }
      return r.result;
    }
    return withFileLock(this.#target(scope), () => {
      const data = this.#load(scope, true) as StateFile;
      const r = change(data);
      if (r.changed) writeFileAtomic(file, this.#check(scope, this.#prune(data)));
      return r.result;
    });
  }

  #prune(data: StateFile): StateFile {
    const now = this.#now();
    for (const [k, e] of Object.entries(data.entries)) {
      if (e.expires !== null && e.expires <= now) delete data.entries[k];
    }
    return data;
  }

  #check(scope: StateScope, data: StateFile): Uint8Array {
    const bytes = new TextEncoder().encode(JSON.stringify(data));
    const limit = this.#o.limit ?? DEFAULT_STATE_LIMIT;
    if (bytes.length > limit) {
      throw new FileTooLargeError(
        `the ${scope} state of plugin ${this.#plugin} would be ${formatBytes(bytes.length)}, ` +
          `over the ${formatBytes(limit)} limit; delete keys you no longer need`,
      );
    }
    return bytes;
  }

  #simulated(what: string, key: string, scope: StateScope): void {
    this.#o.dryRun?.notes.push(
      `state.${what} ${JSON.stringify(key)}${scope === "plugin" ? "" : ` (${scope} scope)`} ` +
        "not saved (dry run)",
    );
  }

  #live(e: Entry | undefined): e is Entry {
    return e !== undefined && (e.expires === null || e.expires > this.#now());
  }

  /** The value of a key, or null when absent or expired. */
  get(key: Json, scope: StateScope): Json {
    const e = this.#read(scope).entries[checkKey(key)];
    return this.#live(e) ? e.value : null;
  }

  /** Store a value; `ttl` in seconds (or a duration string) makes it expire. */
  set(key: Json, value: Json, ttl: Json | undefined, scope: StateScope): void {
    const k = checkKey(key);
    const expires = this.#expiry(ttl);
    this.#update(scope, (data) => {
      data.entries[k] = { value, expires, updated: this.#now() };
      return { result: undefined, changed: true };
    });
    this.#simulated("set", k, scope);
  }

  /**
   * Add `by` to the number stored at a key (absent counts as 0) in one step that no other run
   * can interleave with, and return the new value; `ttl` as in {@link set}, else the key keeps
   * its expiry.
   */
  increment(key: Json, by: Json | undefined, ttl: Json | undefined, scope: StateScope): number {
    const k = checkKey(key);
    const step = by === undefined || by === null ? 1 : by;
    if (typeof step !== "number" || !Number.isFinite(step)) {
      throw new InvalidParamsError(`state.increment: by ${JSON.stringify(by)} is not a number`);
    }
    const expires = ttl === undefined || ttl === null ? undefined : this.#expiry(ttl);
    const result = this.#update(scope, (data) => {
      const e = data.entries[k];
      const old = this.#live(e) ? e.value : null;
      if (old !== null && typeof old !== "number") {
        throw new InvalidParamsError(
          `state key ${JSON.stringify(k)} holds ${Array.isArray(old) ? "a list" : typeof old}, ` +
            "not a number; state.increment adds only to numbers",
        );
      }
      const value = (old ?? 0) + step;
      data.entries[k] = {
        value,
        expires: expires !== undefined ? expires : this.#live(e) ? e.expires : null,
        updated: this.#now(),
      };
      return { result: value, changed: true };
    });
    this.#simulated("increment", k, scope);
    return result;
  }

  /** Forget a key; true when it was there. */
  delete(key: Json, scope: StateScope): boolean {
    const k = checkKey(key);
    const had = this.#update(scope, (data) => {
      const had = k in data.entries;
      if (had) delete data.entries[k];
      return { result: had, changed: had };
    });
    if (had) this.#simulated("delete", k, scope);
    return had;
  }

  /** Keys that have not expired, sorted. */
  keys(scope: StateScope): string[] {
    return Object.entries(this.#read(scope).entries)
      .filter(([, e]) => this.#live(e))
      .map(([k]) => k)
      .sort();
  }

  #expiry(ttl: Json | undefined): number | null {
    if (ttl === undefined || ttl === null) return null;
    const ms = typeof ttl === "number" ? ttl * 1000 : parseDuration(ttl);
    if (ms === null || !(ms > 0)) {
      throw new InvalidParamsError(
        `ttl ${JSON.stringify(ttl)} is not a number of seconds or a duration like "10m"`,
      );
    }
    return this.#now() + ms;
  }
}

function checkKey(key: Json): string {
  if (typeof key !== "string" || key === "" || key.length > 256) {
    throw new InvalidParamsError("a state key is a non-empty string of at most 256 characters");
  }
  return key;
}

/** The scope named in an options table (default plugin). */
export function scopeOf(options: Json | undefined): StateScope {
  if (options === undefined || options === null) return "plugin";
  if (typeof options !== "object" || Array.isArray(options)) {
    throw new InvalidParamsError('state options are a table like {scope = "kiln"}');
  }
  const s = options.scope ?? "plugin";
  if (s !== "plugin" && s !== "kiln" && s !== "global") {
    throw new InvalidParamsError(`state scope ${JSON.stringify(s)} is not plugin, kiln or global`);
  }
  return s;
}
