/**
 * Capabilities: the named rights a plugin declares, with their scopes and risk levels.
 *
 * In a manifest a capability is written as its name, or as a one-key mapping from the name to its
 * scope:
 *
 * ```yaml
 * capabilities:
 *   - KilnRead                         # read notes (the default when the key is absent)
 *   - KilnWrite                        # create and change notes (through the host, with undo)
 *   - NetworkHttps: [api.crossref.org] # HTTPS to these hosts only ("*.example.org" allowed)
 *   - FsRead: [~/papers]               # read these folders or files outside the kiln
 *   - StateManage: kiln                # state scope: plugin (default), kiln or global
 *   - PluginInvoke: [bibtex-parser]    # call these plugins (omit the list for any plugin)
 * ```
 *
 * @module
 */
import { suggest } from "../suggest.ts";

/** The nine capability names. */
export const CAPABILITY_NAMES = [
  "KilnRead",
  "KilnWrite",
  "NetworkHttp",
  "NetworkHttps",
  "FsRead",
  "FsWrite",
  "PluginInvoke",
  "StateManage",
  "Unsafe",
] as const;

/** A capability name. */
export type CapabilityName = typeof CAPABILITY_NAMES[number];

/** How much harm a capability can do if a plugin misuses it. */
export type Risk = "low" | "high" | "critical";

/** State scopes of StateManage. */
export const STATE_SCOPES = ["plugin", "kiln", "global"] as const;
/** A StateManage scope. */
export type StateScope = typeof STATE_SCOPES[number];

/** One declared capability with its scope. */
export type Capability =
  | { name: "KilnRead" }
  | { name: "KilnWrite" }
  | { name: "NetworkHttp" | "NetworkHttps"; hosts: string[] }
  | { name: "FsRead" | "FsWrite"; paths: string[] }
  | { name: "PluginInvoke"; plugins: string[] | null }
  | { name: "StateManage"; scope: StateScope }
  | { name: "Unsafe" };

/** What each capability lets a plugin do, for prompts, docs and warnings. */
export const CAPABILITY_INFO: Record<CapabilityName, { summary: string; scope?: string }> = {
  KilnRead: { summary: "read notes in the kiln (never .crucible/)" },
  KilnWrite: { summary: "create and change notes in the kiln (journaled, undoable)" },
  NetworkHttp: { summary: "make plain-HTTP requests", scope: "a list of hosts" },
  NetworkHttps: { summary: "make HTTPS requests", scope: "a list of hosts" },
  FsRead: { summary: "read files outside the kiln", scope: "a list of paths" },
  FsWrite: { summary: "write files outside the kiln (through the host)", scope: "a list of paths" },
  PluginInvoke: { summary: "call other plugins", scope: "a list of plugin names (optional)" },
  StateManage: { summary: "keep persistent state", scope: "plugin, kiln or global" },
  Unsafe: {
    summary: "lift the sandbox's resource limits and approval checks for this plugin; grant " +
      "only to code you trust completely",
  },
};

/** The risk of one capability (plugin-scoped state is low, kiln or global state high). */
export function riskOf(cap: Capability): Risk {
  switch (cap.name) {
    case "KilnRead":
      return "low";
    case "StateManage":
      return cap.scope === "plugin" ? "low" : "high";
    case "Unsafe":
      return "critical";
    default:
      return "high";
  }
}

/** True for a known capability name. */
export function isCapabilityName(name: string): name is CapabilityName {
  return (CAPABILITY_NAMES as readonly string[]).includes(name);
}

/** How a capability is written back in a manifest or shown to a user. */
export function formatCapability(cap: Capability): string {
  switch (cap.name) {
    case "NetworkHttp":
    case "NetworkHttps":
      return `${cap.name}(${cap.hosts.join(", ")})`;
    case "FsRead":
    case "FsWrite":
      return `${cap.name}(${cap.paths.join(", ")})`;
    case "PluginInvoke":
      return cap.plugins ? `PluginInvoke(${cap.plugins.join(", ")})` : "PluginInvoke";
    case "StateManage":
      return cap.scope === "plugin" ? "StateManage" : `StateManage(${cap.scope})`;
    default:
      return cap.name;
  }
}

/**
 * Split a display form (`NetworkHttps(api.crossref.org)`, `limits.memory(512MB)`) into its name,
 * case-folded, and its scope with whitespace removed (null when it has none).
 */
export function displayParts(display: string): { name: string; scope: string | null } {
  const open = display.indexOf("(");
  if (open < 0) return { name: display.trim().toLowerCase(), scope: null };
  return {
    name: display.slice(0, open).trim().toLowerCase(),
    scope: display.slice(open).replace(/\s+/g, ""),
  };
}

/** True when two display forms name the same capability with the same scope. */
export function sameDisplayForm(a: string, b: string): boolean {
  const x = displayParts(a);
  const y = displayParts(b);
  return x.name === y.name && x.scope === y.scope;
}

/** A problem parsing one capability entry; `index` is its position in the list. */
export interface CapabilityProblem {
  /** Position in the `capabilities` list. */
  index: number;
  /** What is wrong and what would be valid. */
  message: string;
}

const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/i;
const PLUGIN_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Parse the `capabilities` value of a manifest.
 *
 * @example
 * ```ts
 * import { parseCapabilities } from "./capability.ts";
 * parseCapabilities(["KilnRead", { NetworkHttps: ["api.crossref.org"] }]).capabilities;
 * // [{ name: "KilnRead" }, { name: "NetworkHttps", hosts: ["api.crossref.org"] }]
 * ```
 */
export function parseCapabilities(
  value: unknown,
): { capabilities: Capability[]; problems: CapabilityProblem[] } {
  const problems: CapabilityProblem[] = [];
  const capabilities: Capability[] = [];
  if (value === undefined || value === null) {
    return { capabilities: [{ name: "KilnRead" }], problems };
  }
  const list = Array.isArray(value) ? value : [value];
  list.forEach((entry, index) => {
    const fail = (message: string) => problems.push({ index, message });
    let name: string;
    let scope: unknown = undefined;
    if (typeof entry === "string") {
      name = entry.trim();
    } else if (entry && typeof entry === "object" && !Array.isArray(entry)) {
      const keys = Object.keys(entry);
      if (keys.length !== 1) {
        return fail(
          `a capability with a scope is one key, e.g. "NetworkHttps: [api.example.org]"; ` +
            `got keys ${keys.join(", ") || "(none)"}`,
        );
      }
      name = keys[0];
      scope = (entry as Record<string, unknown>)[name];
    } else {
      return fail(`a capability is a name such as KilnRead, got ${JSON.stringify(entry)}`);
    }
    if (!isCapabilityName(name)) {
      const close = suggest(name, CAPABILITY_NAMES, 1)[0];
      return fail(
        `unknown capability "${name}"` +
          (close ? `; did you mean ${close}?` : `; valid names: ${CAPABILITY_NAMES.join(", ")}`),
      );
    }
    const cap = withScope(name, scope, fail);
    if (cap) {
      if (capabilities.some((c) => c.name === cap.name)) {
        return fail(`${name} is listed twice; merge the two entries`);
      }
      capabilities.push(cap);
    }
  });
  return { capabilities, problems };
}

function stringList(scope: unknown): string[] | null {
  if (typeof scope === "string") return [scope];
  if (Array.isArray(scope) && scope.every((s) => typeof s === "string")) return scope as string[];
  return null;
}

function withScope(
  name: CapabilityName,
  scope: unknown,
  fail: (message: string) => void,
): Capability | null {
  switch (name) {
    case "NetworkHttp":
    case "NetworkHttps": {
      const hosts = stringList(scope);
      if (!hosts || hosts.length === 0) {
        fail(`${name} needs the hosts it may reach, e.g. "${name}: [api.example.org]"`);
        return null;
      }
      const bad = hosts.find((h) => !HOST.test(h));
      if (bad !== undefined) {
        fail(
          `${name} host "${bad}" is not a host name; write e.g. api.example.org, ` +
            `*.example.org or localhost:8080 (no scheme, no path)`,
        );
        return null;
      }
      return { name, hosts: hosts.map((h) => h.toLowerCase()) };
    }
    case "FsRead":
    case "FsWrite": {
      const paths = stringList(scope);
      if (!paths || paths.length === 0) {
        fail(`${name} needs the paths it may use, e.g. "${name}: [~/papers]"`);
        return null;
      }
      const bad = paths.find((p) => !(p.startsWith("/") || p === "~" || p.startsWith("~/")));
      if (bad !== undefined) {
        fail(`${name} path "${bad}" must be absolute or start with ~/`);
        return null;
      }
      return { name, paths };
    }
    case "PluginInvoke": {
      if (scope === undefined || scope === null) return { name, plugins: null };
      const plugins = stringList(scope);
      const bad = plugins?.find((p) => !PLUGIN_NAME.test(p));
      if (!plugins || bad !== undefined) {
        fail(`PluginInvoke takes a list of plugin names, e.g. "PluginInvoke: [bibtex-parser]"`);
        return null;
      }
      return { name, plugins };
    }
    case "StateManage": {
      if (scope === undefined || scope === null) return { name, scope: "plugin" };
      if (typeof scope === "string" && (STATE_SCOPES as readonly string[]).includes(scope)) {
        return { name, scope: scope as StateScope };
      }
      fail(`StateManage scope must be one of ${STATE_SCOPES.join(", ")}`);
      return null;
    }
    default:
      if (scope !== undefined && scope !== null) {
        fail(`${name} takes no scope; write it as a plain name`);
        return null;
      }
      return { name } as Capability;
  }
}
