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
 * are dropped on the next write. Each file is written atomically and limited in size.
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
}

/** State of one plugin across scopes. */
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

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  #read(scope: StateScope): StateFile {
    let text: string;
    try {
      text = Deno.readTextFileSync(this.file(scope));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return { version: 1, entries: {} };
      throw e;
    }
    try {
      const data = JSON.parse(text) as StateFile;
      if (data && typeof data === "object" && data.entries && typeof data.entries === "object") {
        return { version: 1, entries: Object.assign(Object.create(null), data.entries) };
      }
    } catch { /* a damaged file is replaced on the next write; nothing readable was in it */ }
    return { version: 1, entries: {} };
  }

  #write(scope: StateScope, data: StateFile): void {
    const now = this.#now();
    for (const [k, e] of Object.entries(data.entries)) {
      if (e.expires !== null && e.expires <= now) delete data.entries[k];
    }
    const text = JSON.stringify(data);
    const bytes = new TextEncoder().encode(text);
    const limit = this.#o.limit ?? DEFAULT_STATE_LIMIT;
    if (bytes.length > limit) {
      throw new FileTooLargeError(
        `the ${scope} state of plugin ${this.#plugin} would be ${formatBytes(bytes.length)}, ` +
          `over the ${formatBytes(limit)} limit; delete keys you no longer need`,
      );
    }
    const file = this.file(scope);
    Deno.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, bytes);
  }

  /** The value of a key, or null when absent or expired. */
  get(key: Json, scope: StateScope): Json {
    const k = checkKey(key);
    const e = this.#read(scope).entries[k];
    if (!e || (e.expires !== null && e.expires <= this.#now())) return null;
    return e.value;
  }

  /** Store a value; `ttl` in seconds (or a duration string) makes it expire. */
  set(key: Json, value: Json, ttl: Json | undefined, scope: StateScope): void {
    const k = checkKey(key);
    let expires: number | null = null;
    if (ttl !== undefined && ttl !== null) {
      const ms = typeof ttl === "number" ? ttl * 1000 : parseDuration(ttl);
      if (ms === null || !(ms > 0)) {
        throw new InvalidParamsError(
          `ttl ${JSON.stringify(ttl)} is not a number of seconds or a duration like "10m"`,
        );
      }
      expires = this.#now() + ms;
    }
    const data = this.#read(scope);
    data.entries[k] = { value, expires, updated: this.#now() };
    this.#write(scope, data);
  }

  /** Forget a key; true when it was there. */
  delete(key: Json, scope: StateScope): boolean {
    const k = checkKey(key);
    const data = this.#read(scope);
    const had = k in data.entries;
    if (had) {
      delete data.entries[k];
      this.#write(scope, data);
    }
    return had;
  }

  /** Keys that have not expired, sorted. */
  keys(scope: StateScope): string[] {
    const now = this.#now();
    return Object.entries(this.#read(scope).entries)
      .filter(([, e]) => e.expires === null || e.expires > now)
      .map(([k]) => k)
      .sort();
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
