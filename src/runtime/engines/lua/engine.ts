/**
 * The Lua engine: Lua 5.4 as WebAssembly (npm:wasmoon) inside the sandbox worker. Every
 * invocation gets a fresh Lua state (its own allocator and memory accounting, closed afterwards)
 * in an instance of the module the host compiled once, so no Lua state survives between
 * invocations. wasmoon runs with its
 * JavaScript proxy and object injection off; only strings cross between Lua and JavaScript (see
 * the prelude for the JSON rules).
 *
 * @module
 */
import fs from "node:fs";
import { LuaFactory } from "wasmoon";
import {
  type Engine,
  type EngineContext,
  MAX_RESULT_CHARS as MAX_RESULT,
  PluginError,
} from "../../engine.ts";
import type { ErrorInfo, Json } from "../../protocol.ts";
import { PRELUDE } from "./prelude.ts";
import { executableLines } from "./coverage.ts";

/** The name the host gives the compiled glue.wasm module in `modules`. */
export const LUA_MODULE = "lua";

/** Largest result accepted from Lua, in characters of JSON. */

// wasmoon (an npm package, so it sees Node's globals) reads its glue.wasm with fs.readFileSync
// and instantiates it with WebAssembly.instantiate. The worker has no read permission for it:
// both are diverted, for the moment of creation only, to the module the host compiled.
const SENTINEL = "/cru-sandbox/lua.wasm";

// The diversion above swaps two globals across an await: one instantiation at a time.
let instantiating: Promise<unknown> = Promise.resolve();

function instantiate(module: WebAssembly.Module): Promise<LuaFactory> {
  const run = instantiating.then(() => instantiateNow(module));
  instantiating = run.catch(() => {});
  return run;
}

async function instantiateNow(module: WebAssembly.Module): Promise<LuaFactory> {
  const realRead = fs.readFileSync;
  const realInstantiate = WebAssembly.instantiate;
  // deno-lint-ignore no-explicit-any
  (fs as any).readFileSync = (p: unknown, ...rest: unknown[]) =>
    // deno-lint-ignore no-explicit-any
    String(p) === SENTINEL ? new Uint8Array(8) : (realRead as any)(p, ...rest);
  // deno-lint-ignore no-explicit-any
  (WebAssembly as any).instantiate = (_bytes: unknown, imports: WebAssembly.Imports) =>
    realInstantiate(module, imports).then((instance) => ({ instance, module }));
  try {
    const factory = new LuaFactory(SENTINEL);
    await factory.getLuaModule();
    return factory;
  } finally {
    // deno-lint-ignore no-explicit-any
    (fs as any).readFileSync = realRead;
    // deno-lint-ignore no-explicit-any
    (WebAssembly as any).instantiate = realInstantiate;
  }
}

function basename(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1);
}

/** Turn the prelude's error reply into an ErrorInfo with the plugin's file and line. */
function withPlace(error: ErrorInfo, file: string): ErrorInfo {
  const base = basename(file);
  const out: ErrorInfo = { ...error, file };
  const esc = base.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const inMessage = new RegExp(`^${esc}:(\\d+): `).exec(error.message);
  if (inMessage) {
    out.line = Number(inMessage[1]);
    out.message = error.message.slice(inMessage[0].length);
  }
  if (error.traceback) {
    const frames = error.traceback.split("\n").map((l) => l.trim())
      .filter((l) => l.startsWith(base + ":"));
    if (out.line === undefined && frames.length) {
      const m = new RegExp(`^${esc}:(\\d+):`).exec(frames[0]);
      if (m) out.line = Number(m[1]);
    }
    if (frames.length) out.traceback = frames.slice(0, 8).join("\n");
    else delete out.traceback;
  }
  return out;
}

/** A Lua state with the prelude loaded, not yet bound to an invocation. */
interface Prepared {
  lua: Awaited<ReturnType<LuaFactory["createEngine"]>>;
  /** The invocation its host functions serve. */
  holder: { ctx: EngineContext | null };
}

// One WebAssembly instance serves many invocations of this worker, each with a Lua state of its
// own (own allocator, own memory accounting, closed afterwards); a worker serves a single plugin
// hash and grant. The instance is replaced every RECYCLE_AFTER states so its linear memory, which
// only grows, is given back.
const RECYCLE_AFTER = 256;
let shared: { module: WebAssembly.Module; factory: Promise<LuaFactory>; uses: number } | null =
  null;

function factoryFor(module: WebAssembly.Module): Promise<LuaFactory> {
  if (!shared || shared.module !== module || shared.uses >= RECYCLE_AFTER) {
    shared = { module, factory: instantiate(module), uses: 0 };
  }
  shared.uses++;
  return shared.factory;
}

async function prepare(module: WebAssembly.Module): Promise<Prepared> {
  const factory = await factoryFor(module);
  const lua = await factory.createEngine({
    openStandardLibs: true,
    injectObjects: false,
    enableProxy: false,
    traceAllocations: true,
  });
  const holder: { ctx: EngineContext | null } = { ctx: null };
  const current = (): EngineContext => {
    if (!holder.ctx) throw new PluginError("E_SANDBOX", "the Lua engine is not bound");
    return holder.ctx;
  };
  lua.global.set("__cru_call", (name: string, args: string): string => {
    try {
      const value = current().call(String(name), JSON.parse(String(args)) as Json[]);
      return JSON.stringify({ ok: true, value });
    } catch (e) {
      const err = e instanceof PluginError ? e : new PluginError("E_RUNTIME", String(e));
      return JSON.stringify({ ok: false, error: { code: err.code, message: err.message } });
    }
  });
  lua.global.set("__cru_stop", (): boolean => current().shouldStop());
  lua.global.set("__cru_log", (line: string): void => current().log(String(line)));
  lua.global.set("__cru_deps", (): string => JSON.stringify(current().dependencies));
  try {
    lua.doStringSync(PRELUDE);
  } catch (e) {
    lua.global.close();
    throw new PluginError("E_SANDBOX", `the Lua prelude failed: ${(e as Error).message}`);
  }
  return { lua, holder };
}

// A worker runs one invocation at a time; while it waits for the next one, a fresh Lua state is
// prepared so the next invocation does not pay for instantiation and the prelude. The spare has
// never run plugin code, so nothing is shared between invocations.
let spare: { module: WebAssembly.Module; ready: Promise<Prepared> } | null = null;

/** Create a Lua engine for one invocation. */
export async function createLuaEngine(ctx: EngineContext): Promise<Engine> {
  const module = ctx.modules[LUA_MODULE];
  if (!module) {
    throw new PluginError("E_SANDBOX", "the Lua engine's WebAssembly module was not provided");
  }
  const taken = spare && spare.module === module ? spare.ready : null;
  spare = null;
  const prepared = (taken ? await taken.catch(() => null) : null) ?? await prepare(module);
  const lua = prepared.lua;
  prepared.holder.ctx = ctx;
  lua.global.setMemoryMax(ctx.limits.memory);
  const run = lua.global.get("__cru_run") as (
    code: string,
    chunk: string,
    fn: string,
    params: string,
    cover: boolean,
  ) => string;
  const callback = lua.global.get("__cru_callback") as (ref: string, args: string) => string;
  const reply = (text: unknown): Json => {
    if (typeof text !== "string") {
      throw new PluginError("E_RUNTIME", "the Lua engine returned no result");
    }
    if (text.length > MAX_RESULT) {
      throw new PluginError(
        "E_PAYLOAD_TOO_LARGE",
        `the result is over ${MAX_RESULT} characters as JSON (the limit on a plugin's result); ` +
          `return less, e.g. a summary, or write the data to a note`,
      );
    }
    const parsed = JSON.parse(text) as { ok: boolean; value?: Json; error?: ErrorInfo };
    if (parsed.ok) return parsed.value ?? null;
    const info = withPlace(parsed.error!, ctx.plugin.file);
    const { code, message, ...where } = info;
    throw new PluginError(code, message, where);
  };
  // Once the host asked to stop, nothing the plugin did counts: a value it returned after catching
  // the stop, or the error the sticky stop raised from the prelude's own code, is E_TIMEOUT.
  const stopped = () =>
    new PluginError("E_TIMEOUT", "the invocation was stopped (out of time or cancelled)");
  const guarded = (f: () => unknown): unknown => {
    let text: unknown;
    try {
      text = f();
    } catch (e) {
      if (ctx.shouldStop()) throw stopped();
      throw e;
    }
    // The stop error the plugin did not catch keeps its place (file, line, traceback).
    if (
      ctx.shouldStop() &&
      !(typeof text === "string" && text.startsWith('{"error":{"code":"E_TIMEOUT"'))
    ) {
      throw stopped();
    }
    return text;
  };
  let hit: number[] | undefined;
  return {
    callFunction(ref, args): Json {
      return reply(guarded(() => callback(JSON.stringify(ref), JSON.stringify(args))));
    },
    run(fn: string, params: Json): Json {
      const text = guarded(() =>
        run(
          ctx.plugin.code,
          "=" + basename(ctx.plugin.file),
          fn,
          JSON.stringify(params),
          ctx.coverage === true,
        )
      );
      if (ctx.coverage) {
        const lines = (lua.global.get("__cru_coverage") as () => string)();
        hit = JSON.parse(String(lines)) as number[];
      }
      return reply(text);
    },
    coverage() {
      if (!hit) return undefined;
      const executable = executableLines(ctx.plugin.code);
      const lines = new Set(executable);
      return { executable, hit: hit.filter((l) => lines.has(l)) };
    },
    dispose() {
      prepared.holder.ctx = null;
      lua.global.close();
      spare = { module, ready: prepare(module) };
      spare.ready.catch(() => {/* the next invocation prepares its own */});
    },
  };
}
