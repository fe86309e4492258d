/**
 * Installing and removing plugin files: the plugin folders are the registry, so installing is a
 * validated, atomic copy into the scope's folder and removing is deleting the file again, plus
 * the plugin's compile-cache entries and (when asked) its state.
 *
 * @module
 */
import * as path from "node:path";
import { CrucibleError, NotFoundError } from "../errors.ts";
import { cacheDir, type Env, kilnPluginsDir, systemPluginsDir } from "../config/paths.ts";
import { privatePath } from "../kiln/paths.ts";
import { formatCapability, type Risk, riskOf } from "../security/capability.ts";
import { parse as parseYaml } from "yaml";
import { findPluginFiles, loadPluginFile, type PluginCopy } from "./registry.ts";
import { effectiveCapabilities } from "./manifest.ts";
import { findCasesFiles } from "./test_cases.ts";

/** A folder a plugin can be installed in. */
export type InstallScope = "kiln" | "system";

/** A capability as shown before installing. */
export interface CapabilityRisk {
  /** Display form, e.g. `NetworkHttps(api.crossref.org)`. */
  display: string;
  /** low, high or critical. */
  risk: Risk;
}

/** Options of {@link planInstall}. */
export interface InstallOptions {
  /** kiln (default) or system. */
  scope?: InstallScope;
  /** Kiln root (needed for the kiln scope). */
  kilnRoot?: string;
  /** Replace an installed copy of the same file or name. Default false. */
  force?: boolean;
  /** Environment lookups for the config folder. */
  env?: Env;
}

/** What an install will do, checked before anything is written. */
export interface InstallPlan {
  /** The plugin file, loaded and validated. */
  plugin: PluginCopy;
  /** Where it goes. */
  target: string;
  /** The folder of the scope. */
  dir: string;
  /** Scope. */
  scope: InstallScope;
  /** Its capabilities with their risk. */
  capabilities: CapabilityRisk[];
  /** Installed files of the same name (or path) that the install replaces (only with force). */
  replaces: string[];
  /** The plugin's cases files (`NAME.test.yaml`, `NAME.*.test.yaml`), copied beside it. */
  cases: { from: string; to: string }[];
  /** Things the install leaves behind that a user should know about. */
  warnings: string[];
}

/** The folder of an install scope. */
export function scopeDir(scope: InstallScope, kilnRoot: string | undefined, env?: Env): string {
  if (scope === "system") return systemPluginsDir(env);
  if (!kilnRoot) throw new CrucibleError("E_USAGE", "the kiln scope needs a kiln");
  return kilnPluginsDir(kilnRoot);
}

/** The capabilities of a plugin with their risk (the highest first in {@link highestRisk}). */
export function capabilityRisks(plugin: PluginCopy): CapabilityRisk[] {
  return (plugin.manifest ? effectiveCapabilities(plugin.manifest) : []).map((c) => ({
    display: formatCapability(c),
    risk: riskOf(c),
  }));
}

/** The highest risk among capabilities (low when there are none). */
export function highestRisk(caps: readonly CapabilityRisk[]): Risk {
  if (caps.some((c) => c.risk === "critical")) return "critical";
  if (caps.some((c) => c.risk === "high")) return "high";
  return "low";
}

/** Raised when a plugin file does not validate: nothing was installed. */
export class InvalidPluginError extends CrucibleError {
  /** The loaded copy with its problems. */
  readonly plugin: PluginCopy;
  constructor(plugin: PluginCopy) {
    super(
      "E_INVALID_PARAMS",
      `${path.basename(plugin.file)} is not a valid plugin and was not installed; ` +
        `see cru plugins validate ${plugin.file}`,
    );
    this.plugin = plugin;
  }
}

/**
 * Validate a plugin file and work out where it goes and what it would replace. Throws when the
 * file is invalid, or when it would overwrite an installed copy and `force` is not set.
 *
 * @example
 * ```ts
 * import { planInstall, performInstall } from "./install.ts";
 * const plan = await planInstall("dice.rune", { scope: "kiln", kilnRoot: "/notes" });
 * console.log(plan.capabilities); // [{display: "KilnRead", risk: "low"}]
 * performInstall(plan);
 * ```
 */
export async function planInstall(
  file: string,
  options: InstallOptions = {},
): Promise<InstallPlan> {
  const abs = path.resolve(file);
  let info: Deno.FileInfo;
  try {
    info = Deno.statSync(abs);
  } catch {
    throw new NotFoundError(`cannot install ${file}: no such file`);
  }
  if (!info.isFile) throw new NotFoundError(`cannot install ${file}: not a file`);
  const scope = options.scope ?? "kiln";
  const dir = scopeDir(scope, options.kilnRoot, options.env);
  const plugin = await loadPluginFile(abs, scope);
  if (!plugin.valid) throw new InvalidPluginError(plugin);
  const target = path.join(dir, path.basename(abs));
  if (path.resolve(target) === abs) {
    throw new CrucibleError(
      "E_CONFLICT",
      `${file} is already in the ${scope} plugin folder; it is installed`,
    );
  }
  const replaces: string[] = [];
  if (exists(target)) replaces.push(target);
  for (const other of findPluginFiles(dir)) {
    if (other === target) continue;
    const copy = await loadPluginFile(other, scope);
    if (copy.name === plugin.name) replaces.push(other);
  }
  if (replaces.length && !options.force) {
    throw new CrucibleError(
      "E_CONFLICT",
      `${plugin.name} is already installed in the ${scope} scope (${
        replaces.map((r) => path.basename(r)).join(", ")
      }); pass --force to replace it`,
    );
  }
  const cases = findCasesFiles(abs).map((from) => ({
    from,
    to: path.join(dir, path.basename(from)),
  }));
  const warnings = cases.flatMap(({ from }) => {
    const fixtures = fixturesOf(from);
    return fixtures === null ? [] : [
      `${path.basename(from)} uses the fixture folder ${fixtures}, which is not copied into ` +
      "the plugin folder; write its notes under `notes:` in the cases file instead",
    ];
  });
  return {
    plugin,
    target,
    dir,
    scope,
    capabilities: capabilityRisks(plugin),
    replaces,
    cases,
    warnings,
  };
}

/** The `fixtures:` folder a cases file names, if any (a folder is not copied on install). */
function fixturesOf(casesFile: string): string | null {
  try {
    const doc = parseYaml(Deno.readTextFileSync(casesFile)) as { fixtures?: unknown } | null;
    return typeof doc?.fixtures === "string" ? doc.fixtures : null;
  } catch {
    return null;
  }
}

function copyAtomically(from: string, to: string): void {
  const tmp = path.join(path.dirname(to), `.${path.basename(to)}.${crypto.randomUUID()}.tmp`);
  Deno.writeFileSync(tmp, Deno.readFileSync(from));
  try {
    Deno.renameSync(tmp, to);
  } catch (e) {
    try {
      Deno.removeSync(tmp);
    } catch { /* nothing to clean */ }
    throw e;
  }
}

/**
 * Copy the plugin and its cases files into its folder (atomically) and delete the copies it
 * replaces, with their cases files, so `cru plugins test NAME` runs the new copy's cases only.
 */
export function performInstall(plan: InstallPlan): string {
  Deno.mkdirSync(plan.dir, { recursive: true });
  copyAtomically(plan.plugin.file, plan.target);
  const keep = new Set(plan.cases.map((c) => c.to));
  for (const old of plan.replaces) {
    if (old !== plan.target) Deno.removeSync(old);
    for (const stale of findCasesFiles(old)) if (!keep.has(stale)) Deno.removeSync(stale);
  }
  for (const c of plan.cases) copyAtomically(c.from, c.to);
  return plan.target;
}

/** Options of {@link planRemove}. */
export interface RemoveOptions {
  /** Only this scope (default: the scope that holds it, when only one does). */
  scope?: InstallScope;
  /** Kiln root (for the kiln scope and plugin state). */
  kilnRoot?: string;
  /** Environment lookups for the config and cache folders. */
  env?: Env;
}

/** What a removal will delete. */
export interface RemovePlan {
  /** Plugin name. */
  name: string;
  /** Scope it is removed from. */
  scope: InstallScope;
  /** The installed copies of the name in that scope. */
  copies: PluginCopy[];
}

/** What a removal deleted. */
export interface RemoveResult {
  /** Plugin files deleted. */
  files: string[];
  /** Cases files (`NAME.test.yaml`) deleted from beside them. */
  cases: string[];
  /** Compile-cache entries deleted. */
  cache: string[];
  /** State files deleted (with purge). */
  state: string[];
}

/**
 * Find the installed copies of a plugin name. Built-in plugins cannot be removed; a name that is
 * installed in both scopes needs `scope`.
 */
export async function planRemove(name: string, options: RemoveOptions = {}): Promise<RemovePlan> {
  const scopes: InstallScope[] = options.scope
    ? [options.scope]
    : options.kilnRoot
    ? ["kiln", "system"]
    : ["system"];
  const found: { scope: InstallScope; copies: PluginCopy[] }[] = [];
  for (const scope of scopes) {
    const copies: PluginCopy[] = [];
    for (const file of findPluginFiles(scopeDir(scope, options.kilnRoot, options.env))) {
      const copy = await loadPluginFile(file, scope);
      if (copy.name === name) copies.push(copy);
    }
    if (copies.length) found.push({ scope, copies });
  }
  if (found.length === 0) {
    throw new NotFoundError(
      `no plugin named "${name}" is installed in the ${
        options.scope ? `${options.scope} scope` : "kiln or system scope"
      }`,
    );
  }
  if (found.length > 1) {
    throw new CrucibleError(
      "E_CONFLICT",
      `${name} is installed in both the kiln and the system scope; pass --scope kiln or ` +
        "--scope system",
    );
  }
  return { name, scope: found[0].scope, copies: found[0].copies };
}

/**
 * Delete the plugin's files, the cases files beside them and its compile-cache entries, and with
 * `purge` its state.
 */
export function performRemove(
  plan: RemovePlan,
  options: { purge?: boolean; kilnRoot?: string; env?: Env } = {},
): RemoveResult {
  const result: RemoveResult = { files: [], cases: [], cache: [], state: [] };
  for (const c of plan.copies) {
    Deno.removeSync(c.file);
    result.files.push(c.file);
    for (const cases of findCasesFiles(c.file)) {
      Deno.removeSync(cases);
      result.cases.push(cases);
    }
  }
  result.cache = cleanCompileCache(plan.copies.map((c) => c.hash), options.env);
  if (options.purge && options.kilnRoot) {
    const state = privatePath(options.kilnRoot, "plugin-state", `${plan.name}.json`);
    if (exists(state)) {
      Deno.removeSync(state);
      result.state.push(state);
    }
  }
  return result;
}

/**
 * Delete compile-cache entries of these plugin hashes: every file or folder under the cache
 * folder whose name starts with one of the hashes (compiled code is keyed by the source's
 * SHA-256, whatever the engine).
 */
export function cleanCompileCache(hashes: readonly string[], env?: Env): string[] {
  const wanted = hashes.filter((h) => h.length >= 16);
  if (wanted.length === 0) return [];
  let root: string;
  try {
    root = cacheDir(env);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      return;
    }
    for (const e of entries) {
      const abs = path.join(dir, e.name);
      if (wanted.some((h) => e.name.startsWith(h))) {
        Deno.removeSync(abs, { recursive: true });
        removed.push(abs);
      } else if (e.isDirectory && depth < 3) walk(abs, depth + 1);
    }
  };
  walk(root, 0);
  return removed;
}

function exists(file: string): boolean {
  try {
    Deno.statSync(file);
    return true;
  } catch {
    return false;
  }
}
