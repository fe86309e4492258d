/**
 * The sandbox worker's entry point. It holds only what the grant's Deno permissions allow; it
 * runs one invocation at a time, each in a fresh engine instance, and talks to the host only
 * through JSON messages and the shared reply buffer.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { binding } from "./bindings.ts";
import { type EngineContext, PluginError, toJson } from "./engine.ts";
import { HostLink } from "./host_link.ts";
import type { InitMessage, InvokeMessage, Json, WorkerMessage } from "./protocol.ts";
import { WORKER_BINDINGS } from "./worker_bindings.ts";
import { engineFor } from "./engines/mod.ts";

let link: HostLink | null = null;
let modules: Record<string, WebAssembly.Module> = {};

function post(m: WorkerMessage): void {
  self.postMessage(m);
}

function asPluginError(e: unknown): PluginError {
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

async function invoke(m: InvokeMessage): Promise<void> {
  const l = link!;
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
  const call = (name: string, args: Json[]): Json => {
    const spec = binding(name);
    if (!spec) throw new PluginError("E_NOT_FOUND", `crucible.${name} does not exist`);
    if (!spec.available) {
      throw new PluginError(
        "E_NOT_AVAILABLE",
        `crucible.${name} is not available yet in this version of cru`,
      );
    }
    if (spec.runs === "host") return l.call(m.id, name, args);
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
        { kilnRoot: m.kilnRoot, fileSize: m.limits.fileSize, log },
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
  const ctx: EngineContext = {
    plugin: m.plugin,
    limits: m.limits,
    call,
    log,
    shouldStop: () => l.stopRequested(),
    modules,
  };
  let engine = null;
  try {
    engine = await (await engineFor(m.plugin.language))(ctx);
    const value = toJson(await engine.run(m.fn, m.params), "the result");
    post({ type: "result", id: m.id, ok: true, value, logs, logsDropped });
  } catch (e) {
    post({
      type: "result",
      id: m.id,
      ok: false,
      error: asPluginError(e).info(),
      logs,
      logsDropped,
    });
  } finally {
    try {
      engine?.dispose();
    } catch { /* the worker is replaced if disposal fails badly */ }
  }
}

self.onmessage = (e: MessageEvent<InitMessage | InvokeMessage>) => {
  const m = e.data;
  if (m.type === "init") {
    link = new HostLink(m.control, m.data, post);
    modules = m.modules;
    post({ type: "ready" });
  } else if (m.type === "invoke") {
    void invoke(m);
  }
};

// JSON only: anything else reaching postMessage is a bug, so fail loudly in development.
export type { Json };
