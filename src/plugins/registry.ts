/**
 * Plugin discovery and the registry: every plugin file in the kiln, system and built-in plugin
 * folders, loaded and validated, and for each name the one copy that wins — kiln beats system
 * beats built-in, the highest version wins within a folder, and a pin in the config beats both.
 *
 * @module
 */
// @ts-types="@types/semver"
import semver from "semver";
import * as path from "node:path";
import { builtinPluginsDir, type Env, kilnPluginsDir, systemPluginsDir } from "../config/paths.ts";
import { PLUGIN_ORIGINS, type PluginOrigin } from "../config/config.ts";
import type { Language, PluginForm } from "./source.ts";
import { isPluginFile, splitPluginSource } from "./source.ts";
import { type Manifest, parseManifest } from "./manifest.ts";
import type { PluginProblem } from "./problem.ts";
import { lintLua } from "./lint.ts";
import { checkSyntax } from "./syntax.ts";

/** Where a plugin was found, from highest precedence to lowest. */
export const SCOPES = PLUGIN_ORIGINS;
/** A plugin folder's scope. */
export type PluginScope = PluginOrigin;

/** Largest plugin file read (1 MB): plugins are source code, not data. */
export const MAX_PLUGIN_FILE = 1024 * 1024;

/** One plugin file, loaded and checked on its own. */
export interface PluginCopy {
  /** Manifest name (or, when the manifest has none, the file name). */
  name: string;
  /** Absolute path. */
  file: string;
  /** Folder it was found in. */
  scope: PluginScope;
  /** SHA-256 of the file's bytes, hex. */
  hash: string;
  /** Manifest version, when the manifest is valid. */
  version: string | null;
  /** The manifest, null when it has errors. */
  manifest: Manifest | null;
  /** Code with the file's line numbers. */
  code: string;
  /** Language, when known. */
  language: Language | null;
  /** File form. */
  form: PluginForm;
  /** Problems, errors and warnings. */
  problems: PluginProblem[];
  /** No errors: the plugin can run. */
  valid: boolean;
  /** File line of the manifest's `dependencies` (for dependency problems). */
  dependencyLine: number;
}

/** The copy of a name that wins, with the copies it shadows. */
export interface ResolvedPlugin extends PluginCopy {
  /** Other copies of the same name that lost, most relevant first. */
  shadows: PluginCopy[];
}

/** A plugin folder the registry reads. */
export interface PluginDir {
  /** Scope of the plugins in it. */
  scope: PluginScope;
  /** Absolute path. */
  dir: string;
}

/** Options of {@link PluginRegistry.load}. */
export interface RegistryOptions {
  /** Kiln root, for kiln plugins; omit to load system and built-in plugins only. */
  kilnRoot?: string;
  /** Environment lookups for the config folder (default: the process's). */
  env?: Env;
  /** Built-in plugin folder; null for none (default: the repository's `plugins/`). */
  builtinDir?: string | null;
  /** Name → exact version to use. */
  pins?: Record<string, string>;
}

/** A change seen by {@link PluginRegistry.reload}. */
export interface RegistryChange {
  /** What happened to the winning copy of the name. */
  type: "added" | "changed" | "removed";
  /** Plugin name. */
  name: string;
  /** The new winning copy (absent for `removed`). */
  plugin?: ResolvedPlugin;
  /** The hash before the change (absent for `added`). */
  previousHash?: string;
}

const NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The plugin folders for these options, highest precedence first. */
export function pluginDirs(options: RegistryOptions = {}): PluginDir[] {
  const dirs: PluginDir[] = [];
  if (options.kilnRoot) dirs.push({ scope: "kiln", dir: kilnPluginsDir(options.kilnRoot) });
  dirs.push({ scope: "system", dir: systemPluginsDir(options.env) });
  const builtin = options.builtinDir === undefined ? builtinPluginsDir() : options.builtinDir;
  if (builtin !== null) dirs.push({ scope: "builtin", dir: builtin });
  return dirs;
}

/** Plugin files under a folder (recursive, hidden entries and README.md skipped, sorted). */
export function findPluginFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(d)];
    } catch {
      return; // a missing plugin folder is normal
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const abs = path.join(d, e.name);
      if (e.isDirectory) walk(abs);
      else if ((e.isFile || e.isSymlink) && isPluginFile(e.name) && !/^readme\.md$/i.test(e.name)) {
        out.push(abs);
      }
    }
  };
  walk(dir);
  return out;
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Load and check one plugin file: manifest, safety lints and the language's syntax check.
 *
 * @example
 * ```ts
 * import { loadPluginFile } from "./registry.ts";
 * const copy = await loadPluginFile("plugins/dice-roller.lua", "builtin");
 * console.log(copy.name, copy.valid, copy.problems);
 * ```
 */
export async function loadPluginFile(file: string, scope: PluginScope): Promise<PluginCopy> {
  const abs = path.resolve(file);
  const fallbackName = path.basename(abs).replace(/\.[^.]+$/, "").toLowerCase();
  let bytes: Uint8Array;
  try {
    const info = Deno.statSync(abs);
    if (info.size > MAX_PLUGIN_FILE) {
      return broken(abs, scope, fallbackName, "", {
        code: "plugin-too-large",
        message: `plugin file is ${info.size} bytes, over the 1 MB limit for plugin source`,
        hint: "plugins are code; keep data in notes and read it with crucible.read_note",
      });
    }
    bytes = Deno.readFileSync(abs);
  } catch (e) {
    return broken(abs, scope, fallbackName, "", {
      code: "plugin-unreadable",
      message: `plugin file cannot be read: ${(e as Error).message}`,
    });
  }
  const hash = await sha256(bytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return broken(abs, scope, fallbackName, hash, {
      code: "plugin-encoding",
      message: "plugin file is not valid UTF-8",
      hint: "save it as UTF-8",
    });
  }
  const src = splitPluginSource(abs, text);
  const { manifest, problems } = parseManifest(src);
  const all = [...src.problems, ...problems];
  const language = manifest?.language ?? src.language;
  if (language === "lua" && src.code.trim() !== "") all.push(...lintLua(abs, src.code));
  if (language !== null && src.code.trim() !== "") {
    const deps = manifest?.dependencies.map((d) => d.name) ?? [];
    all.push(...await checkSyntax(language, abs, path.basename(abs), src.code, deps));
  }
  const dataName = typeof src.data.name === "string" && NAME.test(src.data.name)
    ? src.data.name
    : fallbackName;
  all.sort((a, b) => a.line - b.line);
  const valid = manifest !== null && !all.some((p) => p.severity === "error");
  return {
    name: manifest?.name ?? dataName,
    file: abs,
    scope,
    hash,
    version: manifest?.version ?? null,
    manifest,
    code: src.code,
    language,
    form: src.form,
    problems: all,
    valid,
    dependencyLine: src.lineOf(["dependencies"]),
  };
}

function broken(
  file: string,
  scope: PluginScope,
  name: string,
  hash: string,
  p: { code: string; message: string; hint?: string },
): PluginCopy {
  return {
    name,
    file,
    scope,
    hash,
    version: null,
    manifest: null,
    code: "",
    language: null,
    form: file.toLowerCase().endsWith(".md") ? "markdown" : "source",
    problems: [{ file, line: 1, severity: "error", ...p }],
    valid: false,
    dependencyLine: 1,
  };
}

/**
 * All plugins of a kiln and the user, resolved by name.
 *
 * @example
 * ```ts
 * import { PluginRegistry } from "./registry.ts";
 * const registry = await PluginRegistry.load({ kilnRoot: "tests/fixtures/demo_kiln" });
 * for (const p of registry.list()) console.log(p.name, p.version, p.scope, p.valid);
 * ```
 */
export class PluginRegistry {
  /** The folders read, highest precedence first. */
  readonly dirs: PluginDir[];
  #options: RegistryOptions;
  #copies: PluginCopy[] = [];
  #resolved = new Map<string, ResolvedPlugin>();
  #cache = new Map<string, { mtime: number; size: number; copy: PluginCopy }>();

  private constructor(options: RegistryOptions) {
    this.#options = options;
    this.dirs = pluginDirs(options);
  }

  /** Discover, load and resolve every plugin. */
  static async load(options: RegistryOptions = {}): Promise<PluginRegistry> {
    const registry = new PluginRegistry(options);
    await registry.reload();
    return registry;
  }

  /** The winning copy of every name, sorted by name. */
  list(): ResolvedPlugin[] {
    return [...this.#resolved.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The winning copy of a name. */
  get(name: string): ResolvedPlugin | undefined {
    return this.#resolved.get(name);
  }

  /** Every plugin file found, in precedence order. */
  copies(): PluginCopy[] {
    return [...this.#copies];
  }

  /** Names that several files provide: which copy won and which it shadows. */
  overrides(): { name: string; winner: PluginCopy; shadowed: PluginCopy[] }[] {
    return this.list().filter((p) => p.shadows.length > 0).map((p) => ({
      name: p.name,
      winner: p,
      shadowed: p.shadows,
    }));
  }

  /** The copy whose file is this path, if any. */
  byFile(file: string): PluginCopy | undefined {
    const abs = path.resolve(file);
    return this.#copies.find((c) => c.file === abs);
  }

  /**
   * Read the folders again (re-checking only files whose size or mtime changed) and report how
   * the winning copies changed. Records are immutable: a caller holding the old one keeps it.
   */
  async reload(): Promise<RegistryChange[]> {
    const before = this.#resolved;
    const copies: PluginCopy[] = [];
    const cache = new Map<string, { mtime: number; size: number; copy: PluginCopy }>();
    for (const { scope, dir } of this.dirs) {
      for (const file of findPluginFiles(dir)) {
        let stat: Deno.FileInfo | null = null;
        try {
          stat = Deno.statSync(file);
        } catch { /* loadPluginFile reports it */ }
        const key = `${scope}:${file}`;
        const hit = this.#cache.get(key);
        const mtime = stat?.mtime?.getTime() ?? -1;
        const size = stat?.size ?? -1;
        const copy = hit && stat && hit.mtime === mtime && hit.size === size
          ? hit.copy
          : await loadPluginFile(file, scope);
        cache.set(key, { mtime, size, copy });
        copies.push(copy);
      }
    }
    this.#cache = cache;
    this.#copies = copies;
    this.#resolved = resolve(copies, this.#options.pins ?? {});
    const changes: RegistryChange[] = [];
    for (const [name, p] of this.#resolved) {
      const old = before.get(name);
      if (!old) changes.push({ type: "added", name, plugin: p });
      else if (old.hash !== p.hash || old.file !== p.file || old.valid !== p.valid) {
        changes.push({ type: "changed", name, plugin: p, previousHash: old.hash });
      }
    }
    for (const [name, old] of before) {
      if (!this.#resolved.has(name)) {
        changes.push({ type: "removed", name, previousHash: old.hash });
      }
    }
    return changes;
  }
}

function scopeRank(s: PluginScope): number {
  return SCOPES.indexOf(s);
}

/** Pick the winning copy per name, then check dependencies between the winners. */
function resolve(copies: PluginCopy[], pins: Record<string, string>): Map<string, ResolvedPlugin> {
  const byName = new Map<string, PluginCopy[]>();
  for (const c of copies) {
    const list = byName.get(c.name);
    if (list) list.push(c);
    else byName.set(c.name, [c]);
  }
  const resolved = new Map<string, ResolvedPlugin>();
  for (const [name, list] of byName) {
    const ranked = [...list].sort((a, b) =>
      Number(b.valid) - Number(a.valid) ||
      scopeRank(a.scope) - scopeRank(b.scope) ||
      (a.version && b.version ? semver.rcompare(a.version, b.version) : 0)
    );
    const pin = pins[name];
    let winner = ranked[0];
    const extra: PluginProblem[] = [];
    if (pin !== undefined) {
      const pinned = ranked.find((c) => c.valid && c.version === semver.valid(pin));
      if (pinned) winner = pinned;
      else {
        extra.push({
          file: winner.file,
          line: 1,
          field: "version",
          severity: "error",
          code: "pin-unsatisfied",
          message: `the config pins ${name} to ${pin}, but the installed versions are ${
            list.map((c) => c.version ?? "invalid").join(", ")
          }`,
          hint: `install ${name} ${pin}, or change plugins.pins.${name} in config.yaml`,
        });
      }
    }
    resolved.set(name, {
      ...winner,
      problems: [...winner.problems, ...extra],
      valid: winner.valid && extra.length === 0,
      shadows: ranked.filter((c) => c !== winner),
    });
  }
  checkDependencies(resolved);
  return resolved;
}

function checkDependencies(resolved: Map<string, ResolvedPlugin>): void {
  const fail = (p: ResolvedPlugin, code: string, message: string, hint: string) => {
    p.problems = [
      ...p.problems,
      {
        file: p.file,
        line: p.dependencyLine,
        field: "dependencies",
        severity: "error",
        code,
        message,
        hint,
      },
    ];
    p.valid = false;
  };
  for (const p of resolved.values()) {
    for (const dep of p.manifest?.dependencies ?? []) {
      const target = resolved.get(dep.name);
      if (!target || !target.version) {
        if (dep.optional && !target) continue;
        fail(
          p,
          "dependency-missing",
          `depends on ${dep.name} ${dep.range}, which is ${target ? "invalid" : "not installed"}`,
          target
            ? `fix ${dep.name} (cru plugins validate ${dep.name})`
            : `install ${dep.name} in .crucible/plugins/ or the system plugin folder`,
        );
      } else if (!semver.satisfies(target.version, dep.range)) {
        fail(
          p,
          "dependency-version",
          `needs ${dep.name} ${dep.range}, but ${dep.name} ${target.version} is installed ` +
            `(${target.scope})`,
          `install a version of ${dep.name} matching ${dep.range}, or widen the range`,
        );
      }
    }
  }
  // Cycles: depth-first search over declared dependencies between the winners.
  const state = new Map<string, "active" | "done">();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (name: string) => {
    state.set(name, "active");
    stack.push(name);
    for (const dep of resolved.get(name)?.manifest?.dependencies ?? []) {
      if (!resolved.has(dep.name)) continue;
      const s = state.get(dep.name);
      if (s === "active") {
        const cycle = [...stack.slice(stack.indexOf(dep.name)), dep.name];
        const key = [...cycle].slice(0, -1).sort().join(",");
        if (!reported.has(key)) {
          reported.add(key);
          for (const member of new Set(cycle)) {
            fail(
              resolved.get(member)!,
              "dependency-cycle",
              `dependency cycle: ${cycle.join(" → ")}`,
              "remove one of the dependencies in the cycle",
            );
          }
        }
      } else if (s === undefined) visit(dep.name);
    }
    stack.pop();
    state.set(name, "done");
  };
  for (const name of [...resolved.keys()].sort()) if (!state.has(name)) visit(name);
}
