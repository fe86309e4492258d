/**
 * Grants and the Deno permissions a sandbox worker gets for one.
 *
 * A grant is what a plugin holds for one invocation: declared ∩ (defaults ∪ approved). A worker
 * never gets write, run, ffi, env or sys permission — every mutation goes through the host.
 *
 * @module
 */
import * as path from "node:path";
import { type Capability, formatCapability, riskOf } from "./capability.ts";

/** Capabilities every plugin that declares them holds without asking (the low-risk ones). */
export function isDefaultGranted(cap: Capability): boolean {
  return riskOf(cap) === "low";
}

/** A stable key for a grant, so workers are reused only for the same grant. */
export function grantKey(grant: readonly Capability[]): string {
  return grant.map(formatCapability).sort().join("|");
}

/** Options of {@link workerPermissions}. */
export interface PermissionContext {
  /** The kiln root (real path). */
  kilnRoot: string;
  /** The home folder, for `~/` in FsRead paths. */
  home?: string;
  /** Extra read-only paths the runtime itself needs (none today). */
  runtimeRead?: string[];
}

/**
 * The Deno permissions of a worker holding `grant`.
 *
 * @example
 * ```ts
 * import { workerPermissions } from "./grant.ts";
 * workerPermissions([{ name: "KilnRead" }], { kilnRoot: "/notes" });
 * // { read: ["/notes"], net: false, write: false, run: false, ffi: false, env: false,
 * //   sys: false, import: false }
 * ```
 */
export function workerPermissions(
  grant: readonly Capability[],
  ctx: PermissionContext,
): Deno.PermissionOptionsObject {
  const read: string[] = [...(ctx.runtimeRead ?? [])];
  const net: string[] = [];
  for (const cap of grant) {
    if (cap.name === "KilnRead") read.push(ctx.kilnRoot);
    if (cap.name === "FsRead") {
      for (const p of cap.paths) read.push(expandHome(p, ctx.home));
    }
    if (cap.name === "NetworkHttp" || cap.name === "NetworkHttps") {
      // Deno's net permission has no wildcards: "*.example.org" stays host-side only (the host
      // performs HTTP requests and checks the pattern itself).
      for (const h of cap.hosts) if (!h.startsWith("*.")) net.push(h);
    }
  }
  return {
    read: read.length ? [...new Set(read)] : false,
    net: net.length ? [...new Set(net)] : false,
    write: false,
    run: false,
    ffi: false,
    env: false,
    sys: false,
    import: false,
  };
}

/** `~/x` → `<home>/x`. */
export function expandHome(p: string, home: string = Deno.env.get("HOME") ?? "/"): string {
  if (p === "~") return home;
  if (p.startsWith("~/")) return path.join(home, p.slice(2));
  return p;
}

/** True when `host` (`api.x.org` or `api.x.org:443`) matches a pattern of the capability. */
export function hostAllowed(patterns: readonly string[], host: string, port: string): boolean {
  const h = host.toLowerCase();
  return patterns.some((pat) => {
    const [pHost, pPort] = pat.split(":");
    if (pPort !== undefined && pPort !== port) return false;
    if (pHost.startsWith("*.")) return h.endsWith(pHost.slice(1)) && h.length > pHost.length - 1;
    return h === pHost;
  });
}
