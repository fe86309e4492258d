/**
 * Running one invocation inside a sandbox (a worker, or a child process with isolation: process):
 * the binding dispatch (worker-side bindings here, host-side ones over the host link), the plugin
 * log, and the engine's lifecycle. Sends exactly one result message.
 *
 * @module
 */
import { binding } from "./bindings.ts";
import { checkResultSize, type Engine, type EngineContext, PluginError, toJson } from "./engine.ts";
import type { InvokeMessage, Json, WorkerMessage } from "./protocol.ts";
import { WORKER_BINDINGS } from "./worker_bindings.ts";
import { engineFor } from "./engines/mod.ts";
import { createStdlibSession } from "./stdlib_bindings.ts";

/** Most calls in one crucible.batch. */
export const MAX_BATCH = 1000;

/** How the sandbox reaches the host synchronously. */
export interface HostChannel {
  /** Clear stop and reply state at the start of an invocation. */
  reset(): void;
  /** True once the host asked the invocation to stop. */
  stopRequested(): boolean;
  /** Call a host binding and wait for its reply. */
  call(id: string, binding: string, args: Json[]): Json;
}

/** Map anything thrown inside the sandbox to a PluginError with a stable code. */
export function asPluginError(e: unknown): PluginError {
  if (e instanceof PluginError) return e;
  if (e instanceof Deno.errors.NotCapable) {
    return new PluginError("E_CAPABILITY", `refused by the sandbox: ${e.message.split(",")[0]}`);
  }
  const code = (e as { code?: unknown })?.code;
  if (typeof code === "string" && code.startsWith("E_")) {
    return new PluginError(code, (e as Error).message);
  }
  if (e instanceof Deno.errors.NotFound) {
    return new PluginError("E_NOT_FOUND", (e as Error).message);
  }
  return new PluginError("E_RUNTIME", e instanceof Error ? e.message : String(e));
}

/** Run one invocation and post its result. */
export async function runInvocation(
  m: InvokeMessage,
  l: HostChannel,
  modules: Record<string, WebAssembly.Module>,
  post: (m: WorkerMessage) => void,
): Promise<void> {
  l.reset();
  const logs: string[] = [];
  let logBytes = 0;
  let logsDropped = 0;
  const log = (line: string) => {
    if (logBytes + line.length > m.limits.logBytes) {
      logsDropped++;
      return;
    }
    logBytes += line.length;
    logs.push(line);
  };
  const granted = new Set(m.granted);
  // batch: worker-side calls run here, host-side ones travel together in one round trip.
  const batch = (args: Json[]): Json => {
    const calls = args[0];
    if (!Array.isArray(calls) || calls.length > MAX_BATCH) {
      throw new PluginError(
        "E_INVALID_PARAMS",
        `batch(calls) takes a list of at most ${MAX_BATCH} calls, each {"name", args...}`,
      );
    }
    const results: Json[] = new Array(calls.length).fill(null);
    const remote: { at: number; name: string; args: Json[] }[] = [];
    calls.forEach((c, at) => {
      if (!Array.isArray(c) || typeof c[0] !== "string" || c[0] === "batch") {
        results[at] = {
          ok: false,
          error: { code: "E_INVALID_PARAMS", message: "a batch call is {name, args...}" },
        };
        return;
      }
      const [name, ...rest] = c as [string, ...Json[]];
      const spec = binding(name);
      if (spec?.available && spec.runs === "host") {
        remote.push({ at, name, args: rest });
        return;
      }
      try {
        results[at] = { ok: true, value: call(name, rest) };
      } catch (e) {
        const err = asPluginError(e);
        results[at] = { ok: false, error: { code: err.code, message: err.message } };
      }
    });
    if (remote.length > 0) {
      const replies = l.call(m.id, "batch", [remote.map((r) => [r.name, ...r.args])]) as Json[];
      remote.forEach((r, i) => (results[r.at] = replies[i]));
    }
    return results;
  };

  const call = (name: string, args: Json[]): Json => {
    if (name === "batch") return batch(args);
    const spec = binding(name);
    if (!spec) throw new PluginError("E_NOT_FOUND", `crucible.${name} does not exist`);
    if (!spec.available) {
      throw new PluginError(
        "E_NOT_AVAILABLE",
        `crucible.${name} is not available yet in this version of cru`,
      );
    }
    if (spec.runs === "host") return l.call(m.id, name, args);
    if (stdlib.has(name)) return stdlib.call(name, args);
    const impl = WORKER_BINDINGS[name];
    if (spec.capability !== null && !granted.has(spec.capability)) {
      post({
        type: "use",
        id: m.id,
        binding: name,
        capability: spec.capability,
        granted: false,
        reason: `needs ${spec.capability}`,
      });
      throw new PluginError(
        "E_CAPABILITY",
        `plugin ${m.plugin.name} called crucible.${name}, which needs ${spec.capability}; ` +
          `declare it in the manifest's capabilities`,
      );
    }
    try {
      const { value, target } = impl(
        {
          kilnRoot: m.kilnRoot,
          fileSize: m.limits.fileSize,
          fsRead: m.fsRead ?? [],
          fsReadGuarded: m.fsReadGuarded ?? [],
          log,
        },
        args,
      );
      if (spec.capability !== null) {
        post({
          type: "use",
          id: m.id,
          binding: name,
          capability: spec.capability,
          target,
          granted: true,
        });
      }
      return value;
    } catch (e) {
      const err = asPluginError(e);
      if (err.code === "E_CAPABILITY" || err.code === "E_PATH") {
        post({
          type: "use",
          id: m.id,
          binding: name,
          capability: spec.capability,
          target: typeof args[0] === "string" ? args[0] : undefined,
          granted: false,
          reason: err.message,
        });
      }
      throw err;
    }
  };
  let engine: Engine | null = null;
  const stdlib = createStdlibSession({
    call: (name, args) => call(name, args),
    callFunction: (ref, args) => {
      if (!engine?.callFunction) {
        throw new PluginError("E_NOT_AVAILABLE", "this engine cannot call plugin functions back");
      }
      return engine.callFunction(ref, args);
    },
    shouldStop: () => l.stopRequested(),
  });
  const ctx: EngineContext = {
    plugin: m.plugin,
    limits: m.limits,
    call,
    log,
    shouldStop: () => l.stopRequested(),
    modules,
    dependencies: m.dependencies ?? [],
    coverage: m.coverage ?? false,
  };
  try {
    engine = await (await engineFor(m.plugin.language))(ctx);
    const value = toJson(await engine.run(m.fn, m.params), "the result");
    checkResultSize(value);
    const coverage = m.coverage ? engine.coverage?.() : undefined;
    post({ type: "result", id: m.id, ok: true, value, logs, logsDropped, coverage });
  } catch (e) {
    post({
      type: "result",
      id: m.id,
      ok: false,
      error: asPluginError(e).info(),
      logs,
      logsDropped,
      coverage: m.coverage ? engine?.coverage?.() : undefined,
    });
  } finally {
    try {
      engine?.dispose();
    } catch { /* the worker is replaced if disposal fails badly */ }
  }
}
