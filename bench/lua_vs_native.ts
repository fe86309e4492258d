/**
 * Lua in wasmoon against native Lua 5.4: the scripts in `bench/lua/` run in `lua5.4`, in wasmoon
 * on the main thread (plain, and with the sandbox's own engine: prelude, instruction hook,
 * allocation tracing), and through the sandbox (PluginRunner, a worker, a fresh engine per
 * invocation). Also what creating a Lua engine costs, phase by phase, cold and warm.
 *
 * ```sh
 * deno run -A bench/lua_vs_native.ts           # Markdown on stdout
 * deno run -A bench/lua_vs_native.ts --json    # {data, markdown}, for sandbox_report.ts
 * deno run -A bench/lua_vs_native.ts --quick   # fewer repetitions
 * ```
 *
 * Without `lua5.4` on PATH (Debian: `apt-get install lua5.4`) the native column says so and
 * everything else still runs. Each script defines a global `main(params)` returning a checksum;
 * every runtime must return the same one.
 *
 * @module
 */
import fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { LuaFactory } from "wasmoon";
import { createLuaEngine } from "../src/runtime/engines/lua/engine.ts";
import { PRELUDE } from "../src/runtime/engines/lua/prelude.ts";
import type { EngineContext } from "../src/runtime/engine.ts";
import type { Json } from "../src/runtime/protocol.ts";
import { luaModule } from "../src/sandbox/modules.ts";
import { SandboxPool } from "../src/sandbox/pool.ts";
import type { ResolvedPlugin } from "../src/plugins/registry.ts";
import {
  fmt,
  LUA_EMPTY,
  openFixture,
  type SandboxFixture,
  summarize,
  type Summary,
  table,
} from "./sandbox_report.ts";

/** One benchmark script. */
export interface Script {
  /** File name in bench/lua/, without `.lua`. */
  name: string;
  /** What it does, for the table. */
  label: string;
  /** Parameters of `main`. */
  params: Record<string, number>;
}

/** The scripts, sized for 0.05–1 s in native Lua on the reference machine. */
export const SCRIPTS: Script[] = [
  { name: "fib", label: "fib(30), recursive", params: { n: 30 } },
  { name: "sieve", label: "sieve to 1e6, 4 rounds", params: { limit: 1_000_000, rounds: 4 } },
  { name: "strings", label: "200k string.format + table.concat + gmatch", params: { n: 200_000 } },
  { name: "tables", label: "1e6 table.insert + hash, sort, 1e6 lookups", params: { n: 1_000_000 } },
];

const LUA_DIR = path.join(import.meta.dirname!, "lua");

function source(script: Script): string {
  return Deno.readTextFileSync(path.join(LUA_DIR, `${script.name}.lua`));
}

function luaTable(params: Record<string, number>): string {
  return `{ ${Object.entries(params).map(([k, v]) => `${k} = ${v}`).join(", ")} }`;
}

function median(xs: readonly number[]): number {
  return summarize(xs).p50;
}

// --------------------------------------------------------------------------------------------
// Native Lua.

/** The native interpreter, or why there is none. */
export type NativeLua = { path: string; version: string } | { missing: string };

/** Find `lua5.4` on PATH. */
export function findNativeLua(): NativeLua {
  try {
    const out = new Deno.Command("lua5.4", { args: ["-v"], stdout: "piped", stderr: "piped" })
      .outputSync();
    const version = new TextDecoder().decode(out.stdout).trim() ||
      new TextDecoder().decode(out.stderr).trim();
    return { path: "lua5.4", version: version.split("  ")[0] };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      return { missing: "lua5.4 is not installed (Debian: apt-get install lua5.4)" };
    }
    return { missing: `lua5.4 could not be run: ${(e as Error).message}` };
  }
}

async function nativeOnce(script: Script, body: string): Promise<{ wall: number; out: string }> {
  const file = path.join(LUA_DIR, `${script.name}.lua`);
  const t0 = performance.now();
  const out = await new Deno.Command("lua5.4", {
    args: ["-e", `dofile(${JSON.stringify(file)}) ${body}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wall = performance.now() - t0;
  if (!out.success) throw new Error(`lua5.4 failed: ${new TextDecoder().decode(out.stderr)}`);
  return { wall, out: new TextDecoder().decode(out.stdout) };
}

/** One run of the native interpreter. */
export interface Run {
  /** Wall time of the `main` call, ms (native: process time minus an empty run's). */
  ms: number;
  /** What `main` returned. */
  checksum: string;
  /** CPU time (native only, os.clock), ms. */
  cpuMs?: number;
}

/** The native driver's start-up (process + dofile, no call), ms: median of five. */
export async function nativeStartup(script: Script): Promise<number> {
  const base: number[] = [];
  for (let i = 0; i < 5; i++) base.push((await nativeOnce(script, "")).wall);
  return median(base);
}

/** One native run. */
export async function runNative(script: Script, startupMs: number): Promise<Run> {
  const call = `local c = os.clock() local r = main(${luaTable(script.params)}) ` +
    `io.write(string.format("%s %.6f", tostring(r), os.clock() - c))`;
  const r = await nativeOnce(script, call);
  const [checksum, seconds] = r.out.split(" ");
  return { ms: r.wall - startupMs, cpuMs: Number(seconds) * 1000, checksum };
}

// --------------------------------------------------------------------------------------------
// wasmoon on the main thread.

/** The sandbox's stop check without the rest of the sandbox: a count hook every 10,000. */
const COUNT_HOOK = 'debug.sethook(function() end, "", 10000)';

/**
 * One run in plain wasmoon (`new LuaFactory()`), a fresh engine; with `hook`, an
 * instruction-count hook like the sandbox's is set first.
 */
export async function runWasmoon(factory: LuaFactory, script: Script, hook: boolean): Promise<Run> {
  const lua = await factory.createEngine({ injectObjects: false, enableProxy: false });
  try {
    lua.doStringSync(source(script));
    if (hook) lua.doStringSync(COUNT_HOOK);
    const t0 = performance.now();
    const checksum = String(lua.doStringSync(`return main(${luaTable(script.params)})`));
    return { ms: performance.now() - t0, checksum };
  } finally {
    lua.global.close();
  }
}

/**
 * Wait for the spare Lua state the real engine prepares after each dispose. Its preparation
 * swaps fs.readFileSync and WebAssembly.instantiate across an await, so nothing else here may
 * create a wasmoon instance meanwhile. Taking the spare (and not disposing of its engine) ends it.
 */
async function drainSpare(module: WebAssembly.Module): Promise<void> {
  await createLuaEngine(engineContext(LUA_EMPTY, module));
}

function engineContext(code: string, module: WebAssembly.Module): EngineContext {
  return {
    plugin: { name: "bench", file: "/bench/bench.lua", language: "lua", code, hash: "" },
    limits: { memory: 1024 * 1024 * 1024, fileSize: 10 * 1024 * 1024, logBytes: 65536 },
    call: () => null,
    log: () => {},
    shouldStop: () => false,
    modules: { lua: module },
    dependencies: [],
  };
}

/** One run in the sandbox's Lua engine (src/runtime/engines/lua) on the main thread. */
export async function runSandboxEngine(module: WebAssembly.Module, script: Script): Promise<Run> {
  const engine = await createLuaEngine(engineContext(source(script), module));
  const t0 = performance.now();
  const checksum = String(engine.run("main", script.params));
  const ms = performance.now() - t0;
  engine.dispose();
  await drainSpare(module);
  return { ms, checksum };
}

// --------------------------------------------------------------------------------------------
// Engine creation, phase by phase: an instrumented copy of createLuaEngine
// (src/runtime/engines/lua/engine.ts) — keep it in step with the original.

const SENTINEL = "/cru-sandbox/lua.wasm";

/** Phases of one engine's life, ms. */
export interface EnginePhases {
  /** emscripten's JS glue and wasmoon's cwrap of the Lua API (getLuaModule minus instantiate). */
  glue: number;
  /** WebAssembly.instantiate of the precompiled module (fresh linear memory). */
  instantiate: number;
  /** createEngine: lua_newstate, wasmoon's type extensions, luaL_openlibs. */
  createEngine: number;
  /** The host functions (`__cru_call`, `__cru_stop`, `__cru_log`, `__cru_deps`). */
  globals: number;
  /** The prelude: compile and run. */
  prelude: number;
  /** Everything above: what `prepare` does (the spare, when there is one). */
  prepare: number;
  /** Binding to an invocation: setMemoryMax and fetching `__cru_run`. */
  bind: number;
  /** __cru_run of `function main() return 1 end`: load, call, encode. */
  run: number;
  /** lua_close. */
  close: number;
  /** Everything. */
  total: number;
  /** Linear memory of the instance after the run, bytes. */
  memoryBytes: number;
}

type LuaState = Awaited<ReturnType<LuaFactory["createEngine"]>>;

/** A wasmoon factory (a fresh WebAssembly instance) from the precompiled module, as engine.ts. */
async function factoryFrom(
  module: WebAssembly.Module,
  onInstantiate: (ms: number) => void = () => {},
): Promise<LuaFactory> {
  const realRead = fs.readFileSync;
  const realInstantiate = WebAssembly.instantiate;
  // deno-lint-ignore no-explicit-any
  (fs as any).readFileSync = (p: unknown, ...rest: unknown[]) =>
    // deno-lint-ignore no-explicit-any
    String(p) === SENTINEL ? new Uint8Array(8) : (realRead as any)(p, ...rest);
  // deno-lint-ignore no-explicit-any
  (WebAssembly as any).instantiate = async (_bytes: unknown, imports: WebAssembly.Imports) => {
    const t = performance.now();
    const instance = await realInstantiate(module, imports);
    onInstantiate(performance.now() - t);
    return { instance, module };
  };
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

/** A Lua state with the sandbox's options. */
function newState(factory: LuaFactory): Promise<LuaState> {
  return factory.createEngine({
    openStandardLibs: true,
    injectObjects: false,
    enableProxy: false,
    traceAllocations: true,
  });
}

function setHostFunctions(lua: LuaState): void {
  lua.global.set("__cru_call", (_n: string, _a: string): string => '{"ok":true,"value":null}');
  lua.global.set("__cru_stop", (): boolean => false);
  lua.global.set("__cru_log", (_line: string): void => {});
  lua.global.set("__cru_deps", (): string => "[]");
}

/**
 * Create, use and close one engine the way the sandbox does, timing each phase. Mirrors
 * `prepare` and `createLuaEngine` in src/runtime/engines/lua/engine.ts.
 */
export async function enginePhases(module: WebAssembly.Module): Promise<EnginePhases> {
  let instantiate = 0;
  const t0 = performance.now();
  const factory = await factoryFrom(module, (ms) => instantiate = ms);
  let t = performance.now();
  const glue = t - t0 - instantiate;
  const lua = await newState(factory);
  const createEngine = performance.now() - t;
  t = performance.now();
  setHostFunctions(lua);
  const globals = performance.now() - t;
  t = performance.now();
  lua.doStringSync(PRELUDE);
  const prelude = performance.now() - t;
  t = performance.now();
  lua.global.setMemoryMax(100 * 1024 * 1024);
  const run = lua.global.get("__cru_run") as (a: string, b: string, c: string, d: string) => string;
  const bind = performance.now() - t;
  t = performance.now();
  const reply = run(LUA_EMPTY, "=bench.lua", "main", "{}");
  const ran = performance.now() - t;
  if (reply !== '{"ok":true,"value":1}') throw new Error(`unexpected reply ${reply}`);
  const memoryBytes = (await factory.getLuaModule()).module.HEAPU8.byteLength;
  t = performance.now();
  lua.global.close();
  const close = performance.now() - t;
  const prepare = glue + instantiate + createEngine + globals + prelude;
  return {
    glue,
    instantiate,
    createEngine,
    globals,
    prelude,
    prepare,
    bind,
    run: ran,
    close,
    total: prepare + bind + ran + close,
    memoryBytes,
  };
}

/** What-if measurements of changes to the engine (not what src/ does today), ms per engine. */
export interface EngineExperiments {
  /** Today: a fresh instance, state, prelude, run and close per invocation. */
  freshInstance: Summary;
  /** The same with one WebAssembly instance reused (a fresh lua_State each time). */
  reusedInstance: Summary;
  /** Running the prelude from source (compile + run). */
  preludeSource: Summary;
  /** Running the prelude from precompiled bytecode (string.dump, loaded from the in-instance FS). */
  preludeBytecode: Summary;
  /** Bytes of the prelude's bytecode and characters of its source. */
  preludeSizes: { bytecode: number; source: number };
}

async function stateCycle(factory: LuaFactory): Promise<void> {
  const lua = await newState(factory);
  setHostFunctions(lua);
  lua.doStringSync(PRELUDE);
  lua.global.setMemoryMax(100 * 1024 * 1024);
  const run = lua.global.get("__cru_run") as (a: string, b: string, c: string, d: string) => string;
  run(LUA_EMPTY, "=bench.lua", "main", "{}");
  lua.global.close();
}

/** Measure the what-if experiments, `reps` engines each (after a warm-up). */
export async function measureExperiments(
  module: WebAssembly.Module,
  reps: number,
): Promise<EngineExperiments> {
  const cycles = async (next: () => Promise<LuaFactory>) => {
    const xs: number[] = [];
    for (let i = 0; i < reps + 30; i++) {
      const t0 = performance.now();
      await stateCycle(await next());
      if (i >= 30) xs.push(performance.now() - t0);
    }
    return summarize(xs);
  };
  const shared = await factoryFrom(module);
  const freshInstance = await cycles(() => factoryFrom(module));
  const reusedInstance = await cycles(() => Promise.resolve(shared));
  // The prelude's bytecode, dumped once by trusted code through the instance's own filesystem
  // (wasmoon passes strings as UTF-8, which would mangle a binary chunk).
  const wasm = await shared.getLuaModule();
  shared.mountFileSync(wasm, "/prelude.lua", PRELUDE);
  {
    const lua = await newState(shared);
    lua.doStringSync(
      `local f = assert(loadfile("/prelude.lua"))
       local out = io.open("/prelude.luac", "wb") out:write(string.dump(f, true)) out:close()`,
    );
    lua.global.close();
  }
  const bytecode = (wasm.module.FS.readFile("/prelude.luac") as Uint8Array).length;
  const prelude = async (fromBytecode: boolean) => {
    const xs: number[] = [];
    for (let i = 0; i < reps + 30; i++) {
      const lua = await newState(shared);
      setHostFunctions(lua);
      const t0 = performance.now();
      if (fromBytecode) {
        lua.global.loadFile("/prelude.luac");
        lua.global.runSync();
      } else lua.doStringSync(PRELUDE);
      if (i >= 30) xs.push(performance.now() - t0);
      lua.global.close();
    }
    return summarize(xs);
  };
  return {
    freshInstance,
    reusedInstance,
    preludeSource: await prelude(false),
    preludeBytecode: await prelude(true),
    preludeSizes: { bytecode, source: PRELUDE.length },
  };
}

/** What creating engines costs: cold (first of a process) and warm. */
export interface EngineCreation {
  /** Compiling glue.wasm on the host (once per process), ms. */
  compile: Summary;
  /** The first engine of a process, by phase (median over child processes), ms. */
  cold: Record<keyof EnginePhases, number>;
  /** Warm engines, by phase, ms. */
  warm: Record<keyof EnginePhases, Summary>;
  /** The real createLuaEngine + run + dispose, back to back, ms (checks the copy). */
  realBackToBack: Summary;
  /** The same after a 10 ms pause (the spare state is ready), ms. */
  realAfterPause: Summary;
}

async function childEngineCold(): Promise<void> {
  const t0 = performance.now();
  const module = await luaModule();
  const compile = performance.now() - t0;
  const phases = await enginePhases(module);
  console.log(JSON.stringify({ compile, phases }));
}

/** Measure engine creation (cold in `coldReps` child processes, warm `warmReps` times here). */
export async function measureEngineCreation(
  coldReps: number,
  warmReps: number,
): Promise<EngineCreation> {
  const colds: { compile: number; phases: EnginePhases }[] = [];
  for (let i = 0; i < coldReps; i++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", import.meta.filename!, "--child", "engine-cold"],
      stdout: "piped",
      stderr: "inherit",
      cwd: path.join(import.meta.dirname!, ".."),
    }).output();
    if (!out.success) throw new Error("the engine-cold child failed");
    colds.push(JSON.parse(new TextDecoder().decode(out.stdout)));
  }
  const module = await luaModule();
  for (let i = 0; i < 30; i++) await enginePhases(module);
  const warm: EnginePhases[] = [];
  for (let i = 0; i < warmReps; i++) warm.push(await enginePhases(module));
  // The real engine keeps a spare state, prepared after each dispose: back to back, the next
  // creation waits for it; after a pause, it is ready.
  const ctx = engineContext(LUA_EMPTY, module);
  const real = async (pauseMs: number) => {
    const xs: number[] = [];
    for (let i = 0; i < warmReps; i++) {
      if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
      const t0 = performance.now();
      const engine = await createLuaEngine(ctx);
      engine.run("main", {});
      engine.dispose();
      xs.push(performance.now() - t0);
    }
    return summarize(xs);
  };
  const realBackToBack = await real(0);
  const realAfterPause = await real(10);
  await drainSpare(module);
  const keys = Object.keys(warm[0]) as (keyof EnginePhases)[];
  return {
    compile: summarize(colds.map((c) => c.compile)),
    cold: Object.fromEntries(keys.map((k) => [k, median(colds.map((c) => c.phases[k]))])) as Record<
      keyof EnginePhases,
      number
    >,
    warm: Object.fromEntries(keys.map((k) => [k, summarize(warm.map((w) => w[k]))])) as Record<
      keyof EnginePhases,
      Summary
    >,
    realBackToBack,
    realAfterPause,
  };
}

// --------------------------------------------------------------------------------------------
// The report.

/** The runtimes compared, in table order. */
export const RUNTIMES = ["native", "wasmoon", "wasmoonHook", "sandboxEngine", "sandbox"] as const;

/** One of {@link RUNTIMES}. */
export type Runtime = typeof RUNTIMES[number];

/** One script across the runtimes, ms. Repetitions are interleaved across runtimes. */
export interface ScriptResult {
  /** The script. */
  script: Script;
  /** Checksum every runtime returned. */
  checksum: string;
  /**
   * Per runtime (native missing when lua5.4 is): native = lua5.4; wasmoon = plain wasmoon, main
   * thread; wasmoonHook = the same with the sandbox's count hook; sandboxEngine = the sandbox's
   * engine on the main thread; sandbox = PluginRunner.invoke end to end (warm worker).
   */
  times: Partial<Record<Runtime, Summary>>;
  /** Native CPU time (os.clock), when native ran. */
  nativeCpu: Summary | null;
}

/** Everything lua_vs_native measures. */
export interface LuaReport {
  /** The native interpreter. */
  native: NativeLua;
  /** Repetitions per runtime. */
  reps: number;
  /** Per script. */
  scripts: ScriptResult[];
  /** Engine creation. */
  engine: EngineCreation;
  /** What-if experiments. */
  experiments: EngineExperiments;
  /** The empty Lua plugin end to end: fresh pool (cold) and warm, ms. */
  invocation: { cold: Summary; warm: Summary };
}

/** One run through PluginRunner on a warm worker (a fresh engine, as every invocation). */
async function runSandboxed(
  fx: SandboxFixture,
  plugin: ResolvedPlugin,
  script: Script,
): Promise<Run> {
  const r = await fx.runner.invoke({
    plugin,
    params: script.params,
    validateParams: false,
    timeoutMs: 600_000,
  });
  if (!r.ok) throw new Error(`${script.name} failed in the sandbox: ${JSON.stringify(r.error)}`);
  return { ms: r.durationMs, checksum: String(r.value as Json) };
}

/** Run a script `reps` times in every runtime, interleaved, after one unmeasured round. */
export async function measureScript(
  script: Script,
  reps: number,
  native: boolean,
): Promise<ScriptResult> {
  using fx = openFixture();
  const plugin = await fx.lua(
    `bench-${script.name}`,
    source(script),
    "limits:\n  memory: 1GB\n  timeout: 10m\n",
  );
  const factory = new LuaFactory();
  const module = await luaModule();
  const startup = native ? await nativeStartup(script) : 0;
  const runs: Partial<Record<Runtime, Run[]>> = {};
  const once: Record<Runtime, () => Promise<Run>> = {
    native: () => runNative(script, startup),
    wasmoon: () => runWasmoon(factory, script, false),
    wasmoonHook: () => runWasmoon(factory, script, true),
    sandboxEngine: () => runSandboxEngine(module, script),
    sandbox: () => runSandboxed(fx, plugin, script),
  };
  const order = RUNTIMES.filter((r) => native || r !== "native");
  for (let i = 0; i <= reps; i++) {
    // Rotate the order, so no runtime always follows the same neighbour.
    for (let j = 0; j < order.length; j++) {
      const runtime = order[(i + j) % order.length];
      const run = await once[runtime]();
      if (i > 0) (runs[runtime] ??= []).push(run);
    }
  }
  const sums = new Set(Object.values(runs).flat().map((r) => r.checksum));
  if (sums.size !== 1) throw new Error(`${script.name}: checksums differ: ${[...sums]}`);
  return {
    script,
    checksum: [...sums][0],
    times: Object.fromEntries(
      Object.entries(runs).map(([k, v]) => [k, summarize(v.map((r) => r.ms))]),
    ),
    nativeCpu: runs.native ? summarize(runs.native.map((r) => r.cpuMs!)) : null,
  };
}

async function measureInvocation(reps: number): Promise<LuaReport["invocation"]> {
  const cold: number[] = [];
  for (let i = 0; i < reps + 1; i++) {
    using fx = openFixture();
    const p = await fx.lua("e2e-lua", LUA_EMPTY);
    // fx.lua ran the plugin once on the fixture's pool: a fresh pool for the cold start.
    const pool = new SandboxPool();
    const runner = fx.runnerOn(pool);
    const r = await runner.invoke({ plugin: p });
    runner.close();
    pool.close();
    if (i > 0) cold.push(r.durationMs);
  }
  using fx = openFixture();
  const p = await fx.lua("e2e-lua", LUA_EMPTY);
  for (let i = 0; i < 30; i++) await fx.runner.invoke({ plugin: p });
  const warm: number[] = [];
  for (let i = 0; i < 300; i++) warm.push((await fx.runner.invoke({ plugin: p })).durationMs);
  return { cold: summarize(cold), warm: summarize(warm) };
}

/** Measure everything. */
export async function measureLua(quick: boolean): Promise<LuaReport> {
  const reps = quick ? 2 : 5;
  const native = findNativeLua();
  const scripts: ScriptResult[] = [];
  for (const script of SCRIPTS) {
    console.error(`[lua-vs-native] ${script.name}`);
    scripts.push(await measureScript(script, reps, "path" in native));
  }
  console.error("[lua-vs-native] engine creation");
  const engine = await measureEngineCreation(quick ? 2 : 5, quick ? 50 : 300);
  console.error("[lua-vs-native] experiments");
  const experiments = await measureExperiments(await luaModule(), quick ? 50 : 300);
  console.error("[lua-vs-native] end-to-end invocation");
  const invocation = await measureInvocation(quick ? 2 : 8);
  return { native, reps, scripts, engine, experiments, invocation };
}

const PHASE_LABELS: [keyof EnginePhases, string][] = [
  ["glue", "emscripten glue + wasmoon cwraps"],
  ["instantiate", "WebAssembly.instantiate (precompiled module)"],
  ["createEngine", "createEngine (lua_newstate, type extensions, openlibs)"],
  ["globals", "host functions"],
  ["prelude", "prelude (compile + run)"],
  ["prepare", "= prepare (what a spare state saves)"],
  ["bind", "bind: setMemoryMax + get __cru_run"],
  ["run", "__cru_run of the empty plugin"],
  ["close", "lua_close"],
  ["total", "total"],
];

/** The Lua tables as Markdown. */
export function luaMarkdown(r: LuaReport): string {
  const parts: string[] = [];
  const nativeNote = "path" in r.native
    ? `native: ${r.native.version}`
    : `**native Lua missing: ${r.native.missing}** — the native column is empty`;
  parts.push(
    `### Lua vs native (ms: fastest of ${r.reps}, median in brackets; runs interleaved; ` +
      `${nativeNote})`,
  );
  const cell = (x: Summary | undefined) => x ? `${fmt(x.min)} (${fmt(x.p50)})` : "—";
  const ratio = (a: Summary | undefined, b: Summary | undefined) =>
    a && b ? `${(a.min / b.min).toFixed(1)}×` : "—";
  parts.push(table(
    [
      "script",
      "native lua5.4",
      "wasmoon",
      "wasmoon + count hook",
      "sandbox engine, main thread",
      "sandbox (PluginRunner)",
      "wasmoon / native",
      "hook / wasmoon",
      "sandbox / native",
    ],
    r.scripts.map((s) => {
      const t = s.times;
      return [
        s.script.label,
        cell(t.native),
        cell(t.wasmoon),
        cell(t.wasmoonHook),
        cell(t.sandboxEngine),
        cell(t.sandbox),
        ratio(t.wasmoon, t.native),
        ratio(t.wasmoonHook, t.wasmoon),
        ratio(t.sandbox, t.native),
      ];
    }),
  ));
  parts.push("### Lua engine creation (ms; an instrumented copy of createLuaEngine)");
  const e = r.engine;
  parts.push(table(
    ["phase", "cold (first of a process)", "warm p50", "warm p95"],
    PHASE_LABELS.map((
      [k, label],
    ) => [label, fmt(e.cold[k]), fmt(e.warm[k].p50, 3), fmt(e.warm[k].p95, 3)]),
  ));
  parts.push(
    `Compiling glue.wasm on the host (once per process): ${fmt(e.compile.p50, 1)} ms. ` +
      `The real createLuaEngine + run + dispose (main thread): back to back p50 ` +
      `${fmt(e.realBackToBack.p50, 3)} ms (p95 ${fmt(e.realBackToBack.p95, 3)}); after a 10 ms ` +
      `pause, with the spare state ready, p50 ${fmt(e.realAfterPause.p50, 3)} ms ` +
      `(p95 ${fmt(e.realAfterPause.p95, 3)}). Linear memory per instance: ` +
      `${(e.warm.memoryBytes.p50 / 1024 / 1024).toFixed(1)} MB. ` +
      `Empty Lua plugin end to end: cold (fresh pool) ${fmt(r.invocation.cold.p50, 1)} ms, ` +
      `warm p50 ${fmt(r.invocation.warm.p50, 3)} ms, p99 ${fmt(r.invocation.warm.p99, 2)} ms.`,
  );
  const x = r.experiments;
  parts.push("### What-if: engine changes (ms per engine, main thread; not what src/ does today)");
  parts.push(table(
    ["", "p50", "p95", "p99"],
    [
      ["fresh instance + state + prelude + run + close (today)", x.freshInstance],
      ["the same, one WebAssembly instance reused (fresh lua_State)", x.reusedInstance],
      [`prelude from source (${x.preludeSizes.source} chars)`, x.preludeSource],
      [`prelude from bytecode (${x.preludeSizes.bytecode} bytes)`, x.preludeBytecode],
    ].map(([label, s]) => {
      const v = s as Summary;
      return [label as string, fmt(v.p50, 3), fmt(v.p95, 3), fmt(v.p99, 3)];
    }),
  ));
  return parts.join("\n\n");
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      json: { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      child: { type: "string" },
    },
  });
  if (values.child === "engine-cold") return await childEngineCold();
  const data = await measureLua(values.quick);
  const markdown = luaMarkdown(data);
  console.log(values.json ? JSON.stringify({ data, markdown }, null, 2) : markdown);
}

if (import.meta.main) await main();
