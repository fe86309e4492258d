/**
 * The host's answer to a sandbox's host calls. The worker is not trusted: every call is checked
 * here against the grant — binding known and host-side, arguments JSON, capability held, scope
 * (hosts) matched — before anything runs. A refused call is a security event.
 *
 * @module
 */
import { CrucibleError } from "../errors.ts";
import { binding } from "../runtime/bindings.ts";
import { PluginError, toJson } from "../runtime/engine.ts";
import type { CallMessage, CallReply, Json } from "../runtime/protocol.ts";
import { type Capability, formatCapability } from "../security/capability.ts";
import { hostAllowed } from "../security/grant.ts";
import type { KilnApi, WriteMode } from "../api/kiln_api.ts";
import { httpRequest } from "../api/http.ts";
import { writeOutsideFile } from "../api/files.ts";
import { expandHome } from "../security/grant.ts";
import { type PluginState, scopeOf } from "../api/state.ts";
import type { StateScope } from "../security/capability.ts";
import {
  answerKilnGraph,
  answerStdlibCall,
  isKilnGraphCall,
  isStdlibHostCall,
  type PendingCalls,
} from "./host_calls_stdlib.ts";

/** Wider state scopes include the narrower ones. */
const SCOPE_RANK: Record<StateScope, number> = { plugin: 0, kiln: 1, global: 2 };

/** A capability use, for the audit log. */
export interface CapabilityUse {
  /** Binding called. */
  binding: string;
  /** Capability it needed (display form), or null. */
  capability: string | null;
  /** Path or host touched. */
  target?: string;
  /** Allowed or refused. */
  granted: boolean;
  /** Why it was refused. */
  reason?: string;
}

/** What the host needs to answer calls of one invocation. */
export interface HostCallContext {
  /** Plugin name. */
  plugin: string;
  /** Invocation id. */
  invocation: string;
  /** The grant (it grows when a capability is approved on first use). */
  grant: readonly Capability[];
  /**
   * Ask for a declared capability that is approved on first use; resolves with it once approved,
   * null when the plugin did not declare it, and throws E_APPROVAL_DENIED when refused.
   */
  approveOnUse?(name: string): Promise<Capability | null>;
  /** Kiln bindings. */
  kiln: KilnApi;
  /** This plugin's state. */
  state: PluginState;
  /** Dry run or not, and the log of the invocation's note writes. */
  writes: WriteMode;
  /** Run another plugin for this one (its own sandbox, its own grant). */
  invokePlugin(name: string, params: Json, fn: string | undefined): Promise<Json>;
  /** Largest file or response, bytes. */
  fileSize: number;
  /** Folders fs.write never writes into, whatever FsWrite lists (kiln, config, cache). */
  guarded: readonly string[];
  /** Time left for network calls, ms. */
  timeoutMs: number;
  /**
   * When the invocation's time is up (`performance.now()` clock). A call made after it, or a
   * long read still running at it, is answered with E_TIMEOUT: host work is synchronous, so
   * while it runs the invocation's own timer cannot fire.
   */
  deadline?: number;
  /** Told about every capability use (granted or refused). */
  onUse(use: CapabilityUse): void;
  /** Plugin calls started with invoke_plugin_start and not yet collected (one per invocation). */
  pending?: PendingCalls;
  /** Told about progress events (`crucible.progress`, workflow tasks). */
  onProgress?(event: Json): void;
  /** In a dry run, the report of what was simulated or refused. */
  dryRunNotes?: string[];
}

function refuse(code: string, message: string): CallReply {
  return { ok: false, error: { code, message } };
}

/** Answer one host call. Never throws: failures are replies. */
export async function answerCall(call: CallMessage, ctx: HostCallContext): Promise<CallReply> {
  if (call.binding === "batch") {
    // Each call of a batch is checked and answered exactly as if it had come alone.
    const calls = Array.isArray(call.args[0]) ? call.args[0] : [];
    const replies: Json[] = [];
    for (const c of calls.slice(0, 1000)) {
      if (!Array.isArray(c) || typeof c[0] !== "string" || c[0] === "batch") {
        replies.push({ ok: false, error: { code: "E_INVALID_PARAMS", message: "bad batch call" } });
        continue;
      }
      const reply = await answerCall({ ...call, binding: c[0], args: c.slice(1) }, ctx);
      replies.push(reply as unknown as Json);
    }
    return { ok: true, value: replies };
  }
  const spec = binding(call.binding);
  if (!spec || spec.runs !== "host") {
    return refuse("E_NOT_FOUND", `crucible.${call.binding} is not a host binding`);
  }
  if (!spec.available) {
    return refuse("E_NOT_AVAILABLE", `crucible.${call.binding} is not available yet`);
  }
  const overtime = () => ctx.deadline !== undefined && performance.now() >= ctx.deadline;
  if (overtime()) {
    return refuse(
      "E_TIMEOUT",
      `plugin ${ctx.plugin} called crucible.${call.binding} after its time was up; ` +
        `the invocation is being stopped (raise limits.timeout if it needs longer)`,
    );
  }
  // Long reads look at the clock as they go and give up once the deadline has passed.
  const checkpoint = () => {
    if (overtime()) {
      throw new CrucibleError(
        "E_TIMEOUT",
        `crucible.${call.binding} of plugin ${ctx.plugin} ran past the invocation's deadline ` +
          `and was stopped (ask for less, or raise limits.timeout)`,
      );
    }
  };
  let args: Json[];
  try {
    if (!Array.isArray(call.args)) {
      throw new PluginError("E_INVALID_PARAMS", "arguments must be a list");
    }
    args = call.args.map((a, i) => toJson(a, `argument ${i + 1}`));
  } catch (e) {
    return refuse("E_INVALID_PARAMS", (e as Error).message);
  }
  const holds = async (name: string): Promise<Capability | undefined> =>
    ctx.grant.find((c) => c.name === name) ?? (await ctx.approveOnUse?.(name)) ?? undefined;
  // Declared dependencies are in PluginInvoke's list (effectiveCapabilities): calling one is
  // approved like any other PluginInvoke, so a plugin cannot borrow another's approvals unasked.
  const mayInvoke = async (target: string): Promise<boolean> => {
    const cap = await holds("PluginInvoke") as { plugins: string[] | null } | undefined;
    return cap !== undefined && (cap.plugins === null || cap.plugins.includes(target));
  };
  const denied = (capability: string, target?: string): CallReply => {
    ctx.onUse({
      binding: call.binding,
      capability,
      target,
      granted: false,
      reason: `needs ${capability}`,
    });
    return refuse(
      "E_CAPABILITY",
      `plugin ${ctx.plugin} called crucible.${call.binding}` + (target ? ` on ${target}` : "") +
        `, which needs ${capability}; it does not hold that capability` +
        ` (declare it in the manifest and approve it)`,
    );
  };

  try {
    if (call.binding === "http.get" || call.binding === "http.post") {
      // The conveniences are http.request with the method (and, for post, the body) filled in.
      const extra = args[call.binding === "http.get" ? 1 : 2];
      const options = extra && typeof extra === "object" && !Array.isArray(extra) ? extra : {};
      args = call.binding === "http.get"
        ? [args[0], { ...options, method: "GET" }]
        : [args[0], { ...options, method: "POST", body: args[1] ?? null }];
    }
    if (call.binding.startsWith("http.")) {
      if (ctx.writes.dryRun) {
        // Any request, a GET included, has effects on the other side (logs, counters, tokens).
        const url = typeof args[0] === "string" ? args[0] : "";
        const method = String((args[1] as { method?: Json } | null)?.method ?? "GET");
        ctx.dryRunNotes?.push(`HTTP ${method.toUpperCase()} ${url} refused (dry run)`);
        return refuse(
          "E_DRY_RUN",
          `plugin ${ctx.plugin} called crucible.${call.binding}(${JSON.stringify(url)}) in a dry ` +
            "run, which sends no network requests; run without --dry-run to send it",
        );
      }
      let target = "";
      const check = (url: URL) => {
        const scheme = url.protocol === "http:"
          ? "NetworkHttp"
          : url.protocol === "https:"
          ? "NetworkHttps"
          : null;
        target = url.host;
        if (scheme === null) {
          throw new CrucibleError(
            "E_CAPABILITY",
            `only http and https URLs can be requested, not ${url.protocol}`,
          );
        }
        const cap = ctx.grant.find((c) => c.name === scheme) as { hosts: string[] } | undefined;
        const port = url.port || (scheme === "NetworkHttp" ? "80" : "443");
        if (!cap || !hostAllowed(cap.hosts, url.hostname, port)) {
          throw new CapabilityRefusal(`${scheme}(${url.host})`, url.host);
        }
      };
      try {
        const value = await httpRequest(args[0], args[1], check, {
          maxBytes: ctx.fileSize,
          timeoutMs: ctx.deadline === undefined
            ? ctx.timeoutMs
            : Math.max(1, Math.min(ctx.timeoutMs, ctx.deadline - performance.now())),
        });
        ctx.onUse({ binding: call.binding, capability: "Network", target, granted: true });
        return { ok: true, value };
      } catch (e) {
        if (e instanceof CapabilityRefusal) return denied(e.capability, e.target);
        throw e;
      }
    }

    if (call.binding === "invoke_plugin") {
      const target = args[0];
      if (typeof target !== "string") {
        return refuse("E_INVALID_PARAMS", "invoke_plugin(name, params) needs a plugin name");
      }
      if (!(await mayInvoke(target))) return denied(`PluginInvoke(${target})`, target);
      const fn = typeof args[2] === "string" ? args[2] : undefined;
      const value = await ctx.invokePlugin(target, args[1] ?? {}, fn);
      ctx.onUse({ binding: call.binding, capability: "PluginInvoke", target, granted: true });
      return { ok: true, value };
    }
    if (isStdlibHostCall(call.binding)) {
      const reply = await answerStdlibCall(call.binding, args, {
        ...ctx,
        mayInvoke,
        refuseInvoke: (target) => denied(`PluginInvoke(${target})`, target),
      });
      if (reply.ok && call.binding === "invoke_plugin_start") {
        const target = String(args[0]);
        ctx.onUse({ binding: call.binding, capability: "PluginInvoke", target, granted: true });
      }
      return reply;
    }
    const needed = spec.capability;
    const held = needed === null ? undefined : await holds(needed);
    if (needed !== null && !held) {
      return denied(needed, typeof args[0] === "string" ? args[0] : undefined);
    }
    if (call.binding.startsWith("state.")) {
      const optionsAt = {
        "state.get": 1,
        "state.set": 2,
        "state.increment": 2,
        "state.delete": 1,
        "state.keys": 0,
      }[call.binding] ?? 0;
      const scope = scopeOf(args[optionsAt]);
      const held = ctx.grant.find((c) => c.name === "StateManage") as { scope: StateScope };
      if (SCOPE_RANK[scope] > SCOPE_RANK[held.scope]) {
        return denied(`StateManage(${scope})`, typeof args[0] === "string" ? args[0] : undefined);
      }
      let value: Json = null;
      if (call.binding === "state.get") value = ctx.state.get(args[0], scope);
      else if (call.binding === "state.set") {
        const o = args[2];
        const ttl = o && typeof o === "object" && !Array.isArray(o) ? o.ttl : undefined;
        ctx.state.set(args[0], args[1], ttl, scope);
      } else if (call.binding === "state.increment") {
        const o = args[2];
        const ttl = o && typeof o === "object" && !Array.isArray(o) ? o.ttl : undefined;
        value = ctx.state.increment(args[0], args[1], ttl, scope);
      } else if (call.binding === "state.delete") value = ctx.state.delete(args[0], scope);
      else value = ctx.state.keys(scope);
      ctx.onUse({
        binding: call.binding,
        capability: scope === "plugin" ? "StateManage" : `StateManage(${scope})`,
        target: typeof args[0] === "string" ? args[0] : undefined,
        granted: true,
      });
      return { ok: true, value };
    }
    const origin = { plugin: ctx.plugin, invocation: ctx.invocation };
    let value: Json;
    switch (call.binding) {
      case "list_notes":
        value = ctx.kiln.listNotes(args[0], args[1], checkpoint);
        break;
      case "search":
        value = await ctx.kiln.search(args[0], args[1]);
        break;
      case "graph.backlinks":
        value = ctx.kiln.backlinks(args[0]);
        break;
      case "graph.forwardlinks":
        value = ctx.kiln.forwardlinks(args[0]);
        break;
      case "graph.traverse":
        value = await ctx.kiln.traverse(args[0], args[1]);
        break;
      case "write_note":
        value = ctx.kiln.writeNote(args[0], args[1], args[2], origin, ctx.writes);
        break;
      case "fs.write": {
        const paths = (held as { paths: string[] }).paths.map((x) => expandHome(x));
        value = writeOutsideFile({ path: args[0], content: args[1] }, {
          rules: {
            paths,
            guarded: ctx.guarded,
            fileSize: ctx.fileSize,
            kilnRoot: ctx.kiln.root,
            journal: ctx.kiln.journal,
          },
          origin,
          mode: ctx.writes,
        });
        break;
      }
      default:
        if (!isKilnGraphCall(call.binding)) {
          return refuse(
            "E_NOT_AVAILABLE",
            `crucible.${call.binding} has no host implementation yet`,
          );
        }
        value = answerKilnGraph(call.binding, args, ctx.kiln);
    }
    // A read that finished past the deadline is not answered: the plugin is out of time.
    if (call.binding !== "write_note" && call.binding !== "fs.write") checkpoint();
    const cap = ctx.grant.find((c) => c.name === needed);
    ctx.onUse({
      binding: call.binding,
      capability: cap ? formatCapability(cap) : null,
      target: typeof args[0] === "string" ? args[0] : undefined,
      granted: true,
    });
    return { ok: true, value };
  } catch (e) {
    if (e instanceof CrucibleError) {
      if (e.code === "E_PATH" || e.code === "E_CAPABILITY") {
        ctx.onUse({
          binding: call.binding,
          capability: spec.capability,
          target: typeof args[0] === "string" ? args[0] : undefined,
          granted: false,
          reason: e.message,
        });
      }
      return refuse(e.code, e.message);
    }
    return refuse("E_HOST", `crucible.${call.binding} failed: ${(e as Error).message}`);
  }
}

class CapabilityRefusal extends Error {
  constructor(readonly capability: string, readonly target: string) {
    super(`needs ${capability}`);
  }
}
