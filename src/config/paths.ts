/**
 * Where cru keeps things outside a kiln. Every root comes from the environment so tests (and
 * users with unusual setups) can point them elsewhere; nothing is hard-wired to the home folder.
 *
 * | root | value |
 * | --- | --- |
 * | config | `$CRUCIBLE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/crucible`, else `~/.config/crucible` |
 * | cache | `$XDG_CACHE_HOME/crucible`, else `~/.cache/crucible` |
 *
 * @module
 */
import * as path from "node:path";
import { PRIVATE_DIR } from "../kiln/paths.ts";

/** The environment lookups the roots depend on (defaults to the process environment). */
export type Env = (name: string) => string | undefined;

const processEnv: Env = (name) => Deno.env.get(name);

function home(env: Env): string {
  const h = env("HOME") ?? env("USERPROFILE");
  if (!h) {
    throw new Error("HOME is not set: set HOME, or CRUCIBLE_CONFIG_DIR and XDG_CACHE_HOME");
  }
  return h;
}

/** The user configuration folder (`config.yaml`, system plugins, remembered approvals). */
export function configDir(env: Env = processEnv): string {
  const explicit = env("CRUCIBLE_CONFIG_DIR");
  if (explicit) return path.resolve(explicit);
  const xdg = env("XDG_CONFIG_HOME");
  return path.join(xdg ? path.resolve(xdg) : path.join(home(env), ".config"), "crucible");
}

/** The cache folder (compile cache). */
export function cacheDir(env: Env = processEnv): string {
  const xdg = env("XDG_CACHE_HOME");
  return path.join(xdg ? path.resolve(xdg) : path.join(home(env), ".cache"), "crucible");
}

/** System plugins: `<config>/plugins`. */
export function systemPluginsDir(env: Env = processEnv): string {
  return path.join(configDir(env), "plugins");
}

/** Kiln plugins: `<kiln>/.crucible/plugins`. */
export function kilnPluginsDir(kilnRoot: string): string {
  return path.join(kilnRoot, PRIVATE_DIR, "plugins");
}

/** Built-in plugins shipped with cru: the repository's `plugins/` folder. */
export function builtinPluginsDir(): string {
  return path.resolve(import.meta.dirname!, "..", "..", "plugins");
}

/** The user config file. */
export function userConfigFile(env: Env = processEnv): string {
  return path.join(configDir(env), "config.yaml");
}

/** A kiln's config file. */
export function kilnConfigFile(kilnRoot: string): string {
  return path.join(kilnRoot, PRIVATE_DIR, "config.yaml");
}
