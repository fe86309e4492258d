/**
 * The sandbox figures `docs/benchmarks_sandbox.md` quotes: cold start, warm invocation overhead,
 * host-call round trips and throughput of the plugin sandbox, each against a floor measured here
 * with bare Deno workers, plus the Lua-versus-native comparison of `bench/lua_vs_native.ts`.
 *
 * ```sh
 * deno run -A bench/sandbox_report.ts            # Markdown tables on stdout, progress on stderr
 * deno run -A bench/sandbox_report.ts --json     # every sample summary as JSON
 * deno run -A bench/sandbox_report.ts --quick    # fewer repetitions, for a smoke run
 * deno run -A bench/sandbox_report.ts --from r.json   # Markdown of a saved --json run
 * deno run -A bench/sandbox_report.ts --sections warm,rpc   # some sections only
 * ```
 *
 * It needs `-A`: it spawns child processes (a fresh `deno` for the first invocation of a process,
 * `isolation: process`, and `lua_vs_native.ts`, which runs `lua5.4`). The fixture and the floors
 * are exported for `bench/sandbox_bench.ts`.
 *
 * @module
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../src/config/config.ts";
import { KilnApi } from "../src/api/kiln_api.ts";
import type { PluginRegistry, ResolvedPlugin } from "../src/plugins/registry.ts";
import { parametersValidator } from "../src/plugins/parameters.ts";
import { type AuditSink, PluginRunner } from "../src/sandbox/invoke.ts";
import { type PoolJob, SandboxPool } from "../src/sandbox/pool.ts";
import { engineModules } from "../src/sandbox/modules.ts";
import { RateLimits } from "../src/sandbox/rate_limit.ts";
import { AuditLog, type AuditSync, paramsDigest } from "../src/security/audit.ts";
import { grantKey, workerPermissions } from "../src/security/grant.ts";
import { type TempKiln, tempKiln } from "../tests/helpers.ts";
import { fixedApprover, jsPlugin, luaPlugin } from "../tests/sandbox/sandbox_helpers.ts";
import type { CallReply, Json } from "../src/runtime/protocol.ts";
import type { LuaReport } from "./lua_vs_native.ts";

/** The tiny kiln every measurement runs against. */
export const KILN_FILES: Record<string, string> = {
  "a.md": "---\ntags: [x]\n---\n# Alpha\nhello [[b]] world\n",
  "b.md": "# Beta\nback to [[a]]\n",
  "c.md": "# Gamma\nsee [[b]]\n",
};

// Benchmarks invoke thousands of times a minute: lift the rate limit, nothing else.
const CONFIG_YAML = "sandbox:\n  rate: 1000000000/min\n  burst: 1000000000\n  max:\n" +
  "    rate: 1000000000/min\n";

/** Options of {@link openFixture}. */
export interface FixtureOptions {
  /** Pool size (default: the pool's own default, the number of cores). */
  poolSize?: number;
  /** Audit sink: `"count"` (in memory, the default) or a real log with this fsync policy. */
  audit?: "count" | AuditSync;
}

/** A temporary kiln, a config without rate limits, a pool and a runner over them. */
export interface SandboxFixture extends Disposable {
  /** The kiln. */
  kiln: TempKiln;
  /** The pool the runner uses. */
  pool: SandboxPool;
  /** The runner (test engine allowed, every approval granted). */
  runner: PluginRunner;
  /**
   * A Lua plugin loaded the way discovery loads it (removed with the fixture); invoked once, so
   * {@link SandboxFixture.job} has the runner's job for it.
   */
  lua(name: string, code: string, manifest?: string): Promise<ResolvedPlugin>;
  /** A plugin for the test-only JavaScript engine, invoked once like {@link SandboxFixture.lua}. */
  js(name: string, code: string, manifest?: string): Promise<ResolvedPlugin>;
  /** The pool job the runner built for `plugin` (a fresh id, no parameters unless given). */
  job(plugin: ResolvedPlugin, options?: JobOptions): PoolJob;
  /** Another runner over the same kiln and config, on `pool` (close it yourself). */
  runnerOn(pool: SandboxPool): PluginRunner;
}

/** Options of {@link SandboxFixture.job}. */
export interface JobOptions {
  /** Parameters (default `{}`). */
  params?: Json;
  /** Answers host calls (default: the runner's own answer, with the grant checks). */
  onCall?: PoolJob["onCall"];
}

// Records the jobs the runner builds, so direct SandboxPool.run measurements replay exactly what
// PluginRunner would send (the message grows with the protocol; nothing here has to follow it).
class RecordingPool extends SandboxPool {
  jobs = new Map<string, PoolJob>();

  override run(job: PoolJob) {
    this.jobs.set(job.message.plugin.hash, job);
    return super.run(job);
  }
}

/** Open a fixture; dispose of it to stop its workers and remove its files. */
export function openFixture(options: FixtureOptions = {}): SandboxFixture {
  const kiln = tempKiln(KILN_FILES);
  const configDir = Deno.makeTempDirSync({ prefix: "cru-bench-config-" });
  Deno.writeTextFileSync(path.join(configDir, "config.yaml"), CONFIG_YAML);
  const config = loadConfig({
    kilnRoot: kiln.root,
    env: (n) => (n === "CRUCIBLE_CONFIG_DIR" ? configDir : undefined),
  });
  const pool = new RecordingPool({
    size: options.poolSize,
    payloadLimit: config.sandbox.fileSize + 1024 * 1024,
  });
  let recorded = 0;
  const runnerOn = (pool: SandboxPool, audit: AuditSink = { record: () => recorded++ }) =>
    new PluginRunner({
      kilnRoot: kiln.root,
      registry: { get: () => undefined } as unknown as PluginRegistry,
      config,
      approver: fixedApprover(["*"]),
      audit,
      pool,
      testEngine: true,
      configDir,
    });
  const runner = runnerOn(
    pool,
    (options.audit ?? "count") === "count"
      ? undefined
      : AuditLog.forKiln(kiln.root, { sync: options.audit as AuditSync }),
  );
  const cleanups: (() => void)[] = [];
  let ids = 0;
  return {
    kiln,
    pool,
    runner,
    async lua(name, code, manifest = "") {
      const p = await luaPlugin(name, manifest, code);
      cleanups.push(p.cleanup);
      if (!p.valid) {
        throw new Error(`bench plugin ${name} is invalid: ${JSON.stringify(p.problems)}`);
      }
      await runner.invoke({ plugin: p, validateParams: false });
      return p;
    },
    async js(name, code, manifest = "") {
      const p = jsPlugin(name, manifest, code);
      await runner.invoke({ plugin: p, validateParams: false });
      return p;
    },
    runnerOn: (p) => runnerOn(p),
    job(p, o = {}) {
      const job = pool.jobs.get(p.hash);
      if (!job) throw new Error(`no job recorded for ${p.name} (isolation: process?)`);
      return {
        ...job,
        message: { ...job.message, id: `bench-${ids++}`, params: o.params ?? {} },
        onCall: o.onCall ?? job.onCall,
      };
    },
    [Symbol.dispose]() {
      runner.close();
      pool.close();
      for (const c of cleanups) c();
      kiln[Symbol.dispose]();
      Deno.removeSync(configDir, { recursive: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Floors: bare Deno workers with the same narrowed permissions, doing only the messaging.

/** Deno permissions of a worker for a grant without capabilities (the empty plugins'). */
export function emptyGrantPermissions(kilnRoot: string): Deno.PermissionOptionsObject {
  return workerPermissions([], { kilnRoot });
}

const ECHO_SOURCE = "self.onmessage = (e) => self.postMessage(e.data);";

// The worker side of the host-call floor: post, block on the control word, time each trip.
const RPC_SOURCE = `self.onmessage = (e) => {
  const control = new Int32Array(e.data.control);
  const samples = [];
  for (let i = 0; i < e.data.n; i++) {
    const t = performance.now();
    Atomics.store(control, 0, 0);
    self.postMessage({ type: "call", i });
    while (Atomics.load(control, 0) === 0) Atomics.wait(control, 0, 0, 1000);
    samples.push(performance.now() - t);
  }
  self.postMessage({ type: "done", samples });
};`;

function blobUrl(source: string): string {
  return URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
}

/** Start a worker with narrowed permissions (needs --unstable-worker-options / deno.json). */
export function startWorker(url: string | URL, permissions: Deno.PermissionOptionsObject): Worker {
  return new Worker(url, { type: "module", deno: { permissions } } as WorkerOptions);
}

/** The next message from `worker` (rejects on a worker error). */
export function nextMessage<T = unknown>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<T>) => resolve(e.data);
    worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      reject(new Error(e.message));
    };
  });
}

/** Floor of a cold start: spawn an empty worker and get one message back, ms. */
export async function spawnFloor(permissions: Deno.PermissionOptionsObject): Promise<number> {
  const url = blobUrl(ECHO_SOURCE);
  const t0 = performance.now();
  const worker = startWorker(url, permissions);
  const reply = nextMessage(worker);
  worker.postMessage(1);
  await reply;
  const ms = performance.now() - t0;
  worker.terminate();
  URL.revokeObjectURL(url);
  return ms;
}

/** The runtime's own worker script started and initialised (modules handed over), ms. */
export async function workerReady(permissions: Deno.PermissionOptionsObject): Promise<number> {
  const modules = await engineModules();
  const t0 = performance.now();
  const worker = new Worker(new URL("../src/runtime/worker.ts", import.meta.url), {
    type: "module",
    name: "cru-sandbox",
    deno: { permissions },
  } as WorkerOptions);
  const ready = nextMessage(worker);
  worker.postMessage({
    type: "init",
    control: new SharedArrayBuffer(16),
    data: new SharedArrayBuffer(65536, { maxByteLength: 1 << 20 }),
    modules,
  });
  await ready;
  const ms = performance.now() - t0;
  worker.terminate();
  return ms;
}

/** A warm echo worker: the floor of one invocation's two message hops. */
export class EchoFloor implements Disposable {
  #worker: Worker;
  #url = blobUrl(ECHO_SOURCE);

  /** Start the worker (use {@link EchoFloor.trip} once before timing). */
  constructor(permissions: Deno.PermissionOptionsObject) {
    this.#worker = startWorker(this.#url, permissions);
  }

  /** One round trip, with a message shaped like an invocation's. */
  async trip(message: unknown = { type: "invoke", id: "x" }): Promise<void> {
    const reply = nextMessage(this.#worker);
    this.#worker.postMessage(message);
    await reply;
  }

  [Symbol.dispose](): void {
    this.#worker.terminate();
    URL.revokeObjectURL(this.#url);
  }
}

/** A warm worker making host-call-shaped round trips: the floor of one host call. */
export class RpcFloor implements Disposable {
  #url = blobUrl(RPC_SOURCE);
  #worker: Worker;
  #words = new Int32Array(new SharedArrayBuffer(16));

  /** Start the worker. */
  constructor(permissions: Deno.PermissionOptionsObject) {
    this.#worker = startWorker(this.#url, permissions);
  }

  /** `n` postMessage + Atomics.wait/notify round trips; ms each, timed inside the worker. */
  trips(n: number): Promise<number[]> {
    const words = this.#words;
    return new Promise<number[]>((resolve, reject) => {
      this.#worker.onmessage = (e: MessageEvent<{ type: string; samples?: number[] }>) => {
        if (e.data.type === "call") {
          Atomics.store(words, 0, 1);
          Atomics.notify(words, 0);
        } else resolve(e.data.samples!);
      };
      this.#worker.onerror = (e) => {
        e.preventDefault();
        reject(new Error(e.message));
      };
      this.#worker.postMessage({ control: words.buffer, n });
    });
  }

  [Symbol.dispose](): void {
    this.#worker.terminate();
    URL.revokeObjectURL(this.#url);
  }
}

// ---------------------------------------------------------------------------------------------
// Statistics.

/** Percentile summary of samples, in the samples' unit. */
export interface Summary {
  /** Samples. */
  n: number;
  /** Median. */
  p50: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
  /** Mean. */
  mean: number;
  /** Fastest. */
  min: number;
  /** Slowest. */
  max: number;
}

function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** Summarise samples. */
export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  return {
    n: s.length,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
    min: s[0],
    max: s[s.length - 1],
  };
}

/** Several rounds of the same measurement: the median of each percentile, and their spread. */
export interface Rounds extends Summary {
  /** Each round's summary. */
  rounds: Summary[];
  /** Lowest and highest per-round p50. */
  p50Range: [number, number];
  /** Lowest and highest per-round p99. */
  p99Range: [number, number];
}

function median(xs: readonly number[]): number {
  return percentile([...xs].sort((a, b) => a - b), 50);
}

function combine(rounds: Summary[]): Rounds {
  const pick = (k: keyof Summary) => median(rounds.map((r) => r[k]));
  const range = (k: keyof Summary): [number, number] => [
    Math.min(...rounds.map((r) => r[k])),
    Math.max(...rounds.map((r) => r[k])),
  ];
  return {
    n: rounds.reduce((a, r) => a + r.n, 0),
    p50: pick("p50"),
    p95: pick("p95"),
    p99: pick("p99"),
    mean: pick("mean"),
    min: Math.min(...rounds.map((r) => r.min)),
    max: Math.max(...rounds.map((r) => r.max)),
    rounds,
    p50Range: range("p50"),
    p99Range: range("p99"),
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function sample(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await timed(fn));
  return out;
}

function expectOk(r: { ok: boolean; error?: { code: string; message: string } }): void {
  if (!r.ok) throw new Error(`benchmark invocation failed: ${r.error?.code} ${r.error?.message}`);
}

function progress(message: string): void {
  console.error(`[sandbox-report] ${message}`);
}

// ---------------------------------------------------------------------------------------------
// The plugins measured.

/** The empty Lua plugin. */
export const LUA_EMPTY = "function main() return 1 end\n";
/** The empty test-engine plugin. */
export const JS_EMPTY = "return 1;";
/** A small CPU-bound Lua plugin (a few ms in wasmoon). */
export const LUA_CPU =
  "function main()\n  local s = 0\n  for i = 1, 100000 do s = (s + i * i) % 1000003 end\n" +
  "  return s\nend\n";
/** Test-engine plugin calling a binding `n` times and timing each call inside the worker (ms). */
export const JS_CALLS = `
let f = crucible;
for (const part of params.binding.split(".")) f = f[part];
const samples = [];
for (let i = 0; i < params.n; i++) {
  const t = performance.now();
  f(...params.args);
  samples.push(performance.now() - t);
}
return samples;`;
/** Lua plugin calling a binding `n` times (timed from outside, by difference). */
export const LUA_CALLS = `function main(p)
  local f = crucible
  for part in string.gmatch(p.binding, "[^.]+") do f = f[part] end
  local args = p.args
  for _ = 1, p.n do f(table.unpack(args)) end
  return p.n
end
`;

/** The bindings measured per call: host-side ones over RPC, worker-side ones in the worker. */
export const CALLS: { binding: string; args: (string | number)[]; runs: "host" | "worker" }[] = [
  { binding: "graph.backlinks", args: ["b"], runs: "host" },
  { binding: "list_notes", args: [], runs: "host" },
  { binding: "search", args: ["beta"], runs: "host" },
  { binding: "time.now", args: [], runs: "worker" },
  { binding: "read_note", args: ["a.md"], runs: "worker" },
];

// ---------------------------------------------------------------------------------------------
// Measurements.

/** How many repetitions each section takes. */
export interface Effort {
  /** Cold starts per variant. */
  cold: number;
  /** Rounds of warm invocations. */
  rounds: number;
  /** Warm invocations per round (JS; Lua takes a third). */
  warm: number;
  /** Host calls per RPC sample. */
  calls: number;
  /** Invocations per throughput run. */
  throughput: number;
}

const FULL: Effort = { cold: 15, rounds: 5, warm: 1500, calls: 1000, throughput: 240 };
const QUICK: Effort = { cold: 4, rounds: 2, warm: 200, calls: 200, throughput: 48 };

/** Cold-start samples by variant, ms. */
export async function measureCold(effort: Effort): Promise<Record<string, Summary>> {
  using fx = openFixture();
  const perms = emptyGrantPermissions(fx.kiln.root);
  const lua = await fx.lua("cold-lua", LUA_EMPTY);
  const js = await fx.js("cold-js", JS_EMPTY);
  const out: Record<string, number[]> = {
    floor: [],
    workerReady: [],
    poolJs: [],
    poolLua: [],
    runnerJs: [],
    runnerLua: [],
  };
  // One untimed round first: the host compiles glue.wasm and Deno caches the emitted worker code.
  for (let i = -1; i < effort.cold; i++) {
    const keep = i >= 0;
    const f = await spawnFloor(perms);
    const w = await workerReady(perms);
    const results: Record<string, number> = {};
    for (const [name, p] of [["poolJs", js], ["poolLua", lua]] as const) {
      const pool = new SandboxPool({ size: 2 });
      results[name] = await timed(async () => expectOk(await pool.run(fx.job(p))));
      pool.close();
    }
    for (const [name, p] of [["runnerJs", js], ["runnerLua", lua]] as const) {
      const pool = new SandboxPool({ size: 2 });
      const runner = fx.runnerOn(pool);
      results[name] = await timed(async () => expectOk(await runner.invoke({ plugin: p })));
      runner.close();
      pool.close();
    }
    if (!keep) continue;
    out.floor.push(f);
    out.workerReady.push(w);
    for (const [k, v] of Object.entries(results)) out[k].push(v);
  }
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, summarize(v)]));
}

/** The first Lua invocation of a new process (the CLI's case), measured in child processes. */
export async function measureFirstInProcess(reps: number): Promise<Summary> {
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", configFile(), import.meta.filename!, "--child", "first"],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    if (!out.success) throw new Error("the first-invocation child failed");
    samples.push(JSON.parse(new TextDecoder().decode(out.stdout)).ms);
  }
  return summarize(samples);
}

async function childFirst(): Promise<void> {
  using fx = openFixture();
  // Loaded directly, not with fx.lua, which would run it once first.
  const lua = await luaPlugin("first-lua", "", LUA_EMPTY);
  try {
    const ms = await timed(async () => expectOk(await fx.runner.invoke({ plugin: lua })));
    console.log(JSON.stringify({ ms }));
  } finally {
    lua.cleanup();
  }
}

function configFile(): string {
  return path.join(import.meta.dirname!, "..", "deno.json");
}

/** `isolation: process`: every invocation is a new `deno` child. */
export async function measureProcessIsolation(reps: number): Promise<Summary> {
  using fx = openFixture();
  const lua = await fx.lua("proc-lua", LUA_EMPTY, "isolation: process\n");
  expectOk(await fx.runner.invoke({ plugin: lua }));
  return summarize(
    await sample(reps, async () => expectOk(await fx.runner.invoke({ plugin: lua }))),
  );
}

/** The pause between invocations of the "idle" warm variants, ms. */
export const IDLE_MS = 10;

/** Warm invocation latency by variant, ms. */
export async function measureWarm(effort: Effort): Promise<Record<string, Rounds>> {
  const rounds: Record<string, Summary[]> = {};
  const add = (k: string, s: number[]) => (rounds[k] ??= []).push(summarize(s));
  for (let r = 0; r < effort.rounds; r++) {
    progress(`warm round ${r + 1}/${effort.rounds}`);
    {
      using fx = openFixture();
      const perms = emptyGrantPermissions(fx.kiln.root);
      const lua = await fx.lua("warm-lua", LUA_EMPTY);
      const js = await fx.js("warm-js", JS_EMPTY);
      const nLua = Math.ceil(effort.warm / 3);
      {
        using echo = new EchoFloor(perms);
        const message = fx.job(lua).message;
        for (let i = 0; i < 50; i++) await echo.trip(message);
        add("floor", await sample(effort.warm, () => echo.trip(message)));
        const xs: number[] = [];
        for (let i = 0; i < Math.min(nLua, 150); i++) {
          await new Promise((r) => setTimeout(r, IDLE_MS));
          xs.push(await timed(() => echo.trip(message)));
        }
        add("floorIdle", xs);
      }
      const variants: [string, number, () => Promise<unknown>][] = [
        ["poolJs", effort.warm, async () => expectOk(await fx.pool.run(fx.job(js)))],
        ["poolLua", nLua, async () => expectOk(await fx.pool.run(fx.job(lua)))],
        ["runnerJs", effort.warm, async () => expectOk(await fx.runner.invoke({ plugin: js }))],
        ["runnerLua", nLua, async () => expectOk(await fx.runner.invoke({ plugin: lua }))],
      ];
      for (const [name, n, fn] of variants) {
        for (let i = 0; i < 30; i++) await fn();
        add(name, await sample(n, fn));
      }
      // With a pause between invocations, as interactive use has: a worker then has its next
      // engine state ready before the invocation arrives.
      const idle: [string, () => Promise<unknown>][] = [
        ["poolLuaIdle", async () => expectOk(await fx.pool.run(fx.job(lua)))],
        ["runnerLuaIdle", async () => expectOk(await fx.runner.invoke({ plugin: lua }))],
        ["runnerJsIdle", async () => expectOk(await fx.runner.invoke({ plugin: js }))],
      ];
      for (const [name, fn] of idle) {
        const xs: number[] = [];
        for (let i = 0; i < Math.min(nLua, 150); i++) {
          await new Promise((r) => setTimeout(r, IDLE_MS));
          xs.push(await timed(fn));
        }
        add(name, xs);
      }
    }
    for (const sync of ["none", "important"] as const) {
      using fx = openFixture({ audit: sync });
      const lua = await fx.lua("audit-lua", LUA_EMPTY);
      const js = await fx.js("audit-js", JS_EMPTY);
      const fnLua = async () => expectOk(await fx.runner.invoke({ plugin: lua }));
      const fnJs = async () => expectOk(await fx.runner.invoke({ plugin: js }));
      for (let i = 0; i < 30; i++) await fnJs();
      add(`runnerJsAudit-${sync}`, await sample(Math.ceil(effort.warm / 3), fnJs));
      for (let i = 0; i < 30; i++) await fnLua();
      add(`runnerLuaAudit-${sync}`, await sample(Math.ceil(effort.warm / 3), fnLua));
    }
  }
  return Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, combine(v)]));
}

/** Host-side work of one invocation, piece by piece, µs per operation (main thread). */
export async function measureHostPieces(): Promise<Record<string, Summary>> {
  using fx = openFixture();
  const lua = await fx.lua("pieces-lua", LUA_EMPTY);
  const manifest = lua.manifest!;
  const validator = parametersValidator(manifest.parameters);
  const rates = new RateLimits();
  const kilnRates = new RateLimits({
    dir: `${fx.kiln.root}/.crucible/rate`,
    root: fx.kiln.root,
  });
  const dir = Deno.makeTempDirSync({ prefix: "cru-bench-audit-" });
  const logs = {
    none: new AuditLog(dir + "/none", { sync: "none" }),
    important: new AuditLog(dir + "/important", { sync: "important" }),
  };
  const event = {
    kind: "invocation.end" as const,
    invocation: "x",
    plugin: "p",
    status: "ok" as const,
  };
  const pieces: [string, number, () => unknown][] = [
    ["crypto.randomUUID", 20000, () => crypto.randomUUID()],
    [
      "parametersValidator (uncached) + safeParse",
      5000,
      () => parametersValidator(manifest.parameters).safeParse({}),
    ],
    ["safeParse with a cached validator", 20000, () => validator.safeParse({})],
    ["paramsDigest (sha256)", 20000, () => paramsDigest({})],
    ["RateLimits.take", 20000, () => rates.take("p", { perMinute: 1e9, burst: 1e9 })],
    [
      "RateLimits.take (bucket file in the kiln, locked)",
      2000,
      () => kilnRates.take("p", { perMinute: 1e9, burst: 1e9 }),
    ],
    ["workerPermissions + grantKey", 20000, () => {
      workerPermissions([], { kilnRoot: fx.kiln.root });
      grantKey([]);
    }],
    ["AuditLog.record, sync none", 2000, () => logs.none.record(event)],
    ["AuditLog.record, sync important (fsync)", 300, () => logs.important.record(event)],
    [
      "setTimeout + clearTimeout (the pool's job timer)",
      20000,
      () => clearTimeout(setTimeout(() => {}, 30000)),
    ],
  ];
  const out: Record<string, Summary> = {};
  for (const [name, n, fn] of pieces) {
    for (let i = 0; i < 100; i++) fn();
    const samples: number[] = [];
    // Batches of 10, so timer resolution does not matter; µs per operation.
    for (let i = 0; i < n / 10; i++) {
      const t0 = performance.now();
      for (let j = 0; j < 10; j++) fn();
      samples.push((performance.now() - t0) * 100);
    }
    out[name] = summarize(samples);
  }
  Deno.removeSync(dir, { recursive: true });
  return out;
}

/** Per-call cost of host-side and worker-side bindings, µs. */
export interface RpcResult {
  /** Bare postMessage + Atomics.wait/notify round trip. */
  floor: Summary;
  /** The sandbox's transport alone: a host call answered at once with a canned reply. */
  transport: Summary;
  /** Test engine through PluginRunner, timed per call inside the worker. */
  js: Record<string, Summary>;
  /** Lua through PluginRunner: median over pairs of (invocation with n calls − with none) / n. */
  lua: Record<string, number>;
  /** The host's work alone (KilnApi in the main thread). */
  host: Record<string, Summary>;
}

// What graph.backlinks("b") answers on the bench kiln, for the transport-only measurement.
const CANNED: CallReply = {
  ok: true,
  value: [{ path: "a.md", title: "Alpha", line: 5 }, { path: "c.md", title: "Gamma", line: 2 }],
};

/** Host-call round trips. */
export async function measureRpc(effort: Effort): Promise<RpcResult> {
  using fx = openFixture();
  const perms = emptyGrantPermissions(fx.kiln.root);
  const caps = "capabilities: [KilnRead]\n";
  const js = await fx.js("rpc-js", JS_CALLS, caps);
  const lua = await fx.lua("rpc-lua", LUA_CALLS, caps);
  const us = (xs: number[]) => xs.map((x) => x * 1000);
  const inWorker = async (run: () => Promise<{ ok: boolean; value?: Json }>) => {
    const all: number[] = [];
    for (let r = 0; r < 4; r++) {
      const res = await run();
      expectOk(res as { ok: boolean });
      if (r > 0) all.push(...(res.value as number[]));
    }
    return summarize(us(all));
  };
  const floorRounds: number[] = [];
  {
    using floor = new RpcFloor(perms);
    await floor.trips(200);
    for (let r = 0; r < 3; r++) floorRounds.push(...await floor.trips(effort.calls));
  }
  const transport = await inWorker(() =>
    fx.pool.run(fx.job(js, {
      params: { binding: "graph.backlinks", args: ["b"], n: effort.calls },
      onCall: () => Promise.resolve(CANNED),
    }))
  );
  const result: RpcResult = {
    floor: summarize(us(floorRounds)),
    transport,
    js: {},
    lua: {},
    host: {},
  };
  for (const c of CALLS) {
    const params = { binding: c.binding, args: c.args };
    result.js[c.binding] = await inWorker(() =>
      fx.runner.invoke({
        plugin: js,
        params: { ...params, n: effort.calls },
        validateParams: false,
      })
    );
    const time = async (n: number) => {
      const res = await fx.runner.invoke({
        plugin: lua,
        params: { ...params, n },
        validateParams: false,
      });
      expectOk(res);
      return res.durationMs;
    };
    await time(10);
    const n = effort.calls;
    const diffs: number[] = [];
    for (let r = 0; r < 7; r++) diffs.push((await time(n)) - (await time(0)));
    result.lua[c.binding] = median(diffs) * 1000 / n;
  }
  const api = new KilnApi(fx.kiln.root, { fileSize: 10 * 1024 * 1024 });
  const hostCalls: [string, () => unknown][] = [
    ["graph.backlinks", () => api.backlinks("b")],
    ["list_notes", () => api.listNotes()],
    ["search", () => api.search("beta")],
  ];
  for (const [name, fn] of hostCalls) {
    for (let i = 0; i < 100; i++) fn();
    const xs: number[] = [];
    for (let i = 0; i < effort.calls; i++) {
      const t0 = performance.now();
      fn();
      xs.push((performance.now() - t0) * 1000);
    }
    result.host[name] = summarize(xs);
  }
  api.close();
  return result;
}

/** CPU time used while something ran: by this process (all its threads) and by everyone else. */
export interface CpuUse {
  /** Wall time, ms. */
  wallMs: number;
  /** CPU time of this process, ms. */
  ownMs: number;
  /** Cores other processes kept busy on average (steal included). */
  othersCores: number;
}

function cpuTicks(): { own: number; busy: number } | null {
  try {
    const stat = Deno.readTextFileSync("/proc/self/stat");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const own = Number(fields[11]) + Number(fields[12]);
    const cpu = Deno.readTextFileSync("/proc/stat").split("\n")[0].trim().split(/\s+/).slice(1)
      .map(Number);
    const busy = cpu.slice(0, 8).reduce((a, b) => a + b, 0) - cpu[3] - cpu[4];
    return { own, busy };
  } catch {
    return null;
  }
}

/** Start measuring CPU use (Linux; clock ticks of 10 ms); call the result to stop. */
export function cpuMeter(): () => CpuUse | null {
  const t0 = performance.now();
  const start = cpuTicks();
  return () => {
    const end = cpuTicks();
    const wallMs = performance.now() - t0;
    if (!start || !end) return null;
    const ownMs = (end.own - start.own) * 10;
    const busyMs = (end.busy - start.busy) * 10;
    return { wallMs, ownMs, othersCores: Math.max(0, busyMs - ownMs) / wallMs };
  };
}

/** Invocations per second with `n` clients invoking back to back. */
export interface ThroughputRow {
  /** Concurrent invocations. */
  concurrency: number;
  /** Invocations per second, median of rounds. */
  perSecond: number;
  /** Lowest and highest rounds. */
  range: [number, number];
  /** Latency of one invocation, queueing included, ms. */
  latency: Summary;
  /** CPU time of this process per invocation (host + workers), ms, median of rounds. */
  cpuMsPerInvocation: number | null;
  /** Cores other processes kept busy meanwhile, median of rounds. */
  othersCores: number | null;
}

/** The concurrency levels of the throughput table. */
export const CONCURRENCY = [1, 2, 4, 8, 32];

/** N concurrent invocations of a plugin on the default pool (one worker per core). */
export async function measureThroughput(
  effort: Effort,
  plugin: "cpu" | "empty",
): Promise<ThroughputRow[]> {
  using fx = openFixture();
  const p = await fx.lua(`tp-${plugin}`, plugin === "cpu" ? LUA_CPU : LUA_EMPTY);
  const invoke = async () => {
    const r = await fx.runner.invoke({ plugin: p });
    expectOk(r);
    return r.durationMs;
  };
  for (let i = 0; i < 20; i++) await Promise.all([invoke(), invoke()]);
  const runs = new Map<number, { rate: number; cpu: CpuUse | null; latencies: number[] }[]>();
  // Levels interleaved round by round, so a change in the machine's load hits all of them.
  for (let r = 0; r < effort.rounds; r++) {
    for (const concurrency of CONCURRENCY) {
      let left = effort.throughput;
      const latencies: number[] = [];
      const client = async () => {
        while (left-- > 0) latencies.push(await invoke());
      };
      const stop = cpuMeter();
      await Promise.all(Array.from({ length: concurrency }, client));
      const cpu = stop();
      const rate = effort.throughput / ((cpu?.wallMs ?? 1) / 1000);
      runs.set(concurrency, [...(runs.get(concurrency) ?? []), { rate, cpu, latencies }]);
    }
  }
  return CONCURRENCY.map((concurrency) => {
    const rs = runs.get(concurrency)!;
    const cpus = rs.map((x) => x.cpu).filter((c): c is CpuUse => c !== null);
    return {
      concurrency,
      perSecond: median(rs.map((x) => x.rate)),
      range: [Math.min(...rs.map((x) => x.rate)), Math.max(...rs.map((x) => x.rate))],
      latency: summarize(rs.flatMap((x) => x.latencies)),
      cpuMsPerInvocation: cpus.length ? median(cpus.map((c) => c.ownMs / effort.throughput)) : null,
      othersCores: cpus.length ? median(cpus.map((c) => c.othersCores)) : null,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// The report.

/** The sections of the report, in order. */
export const SECTIONS = ["cold", "warm", "pieces", "rpc", "throughput", "lua"] as const;

/** One of {@link SECTIONS}. */
export type Section = typeof SECTIONS[number];

/** Everything the report measured (sections not asked for are missing). */
export interface SandboxReport {
  /** Where and when. */
  machine: {
    deno: string;
    v8: string;
    cpu: string;
    cores: number;
    commit: string;
    loadBefore: string;
    loadAfter: string;
  };
  /** Cores other processes kept busy on average during each section (Linux). */
  others: Partial<Record<Section, number | null>>;
  /** Repetitions used. */
  effort: Effort;
  /** Cold start, ms. */
  cold?: Record<string, Summary> & { firstInProcess?: Summary; processIsolation?: Summary };
  /** Warm invocation, ms. */
  warm?: Record<string, Rounds>;
  /** Host-side pieces of one invocation, µs. */
  pieces?: Record<string, Summary>;
  /** Host calls, µs. */
  rpc?: RpcResult;
  /** Throughput. */
  throughput?: { cpu: ThroughputRow[]; empty: ThroughputRow[] };
  /** Lua against native (from lua_vs_native.ts), or why it is missing. */
  lua?: { data: LuaReport; markdown: string } | { error: string };
}

function text(cmd: string, args: string[]): string {
  try {
    const out = new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).outputSync();
    return new TextDecoder().decode(out.stdout).trim();
  } catch {
    return "unknown";
  }
}

function machine(load: string): SandboxReport["machine"] {
  const cpu = /model name\s*:\s*(.*)/.exec(text("cat", ["/proc/cpuinfo"]))?.[1] ?? "unknown";
  const dirty = text("git", ["status", "--porcelain", "--", "src/"]) !== "";
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    cpu,
    cores: navigator.hardwareConcurrency,
    commit: text("git", ["rev-parse", "--short", "HEAD"]) +
      (dirty ? " (src/ has local changes)" : ""),
    loadBefore: load,
    loadAfter: "",
  };
}

async function luaSection(quick: boolean): Promise<SandboxReport["lua"]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--config",
      configFile(),
      path.join(import.meta.dirname!, "lua_vs_native.ts"),
      "--json",
      ...(quick ? ["--quick"] : []),
    ],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) return { error: "bench/lua_vs_native.ts failed (see stderr)" };
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Format milliseconds (or µs) for a table. */
export function fmt(x: number | undefined, digits = 2): string {
  if (x === undefined || !Number.isFinite(x)) return "—";
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(digits);
}

/** A Markdown table. */
export function table(head: string[], rows: string[][], right = true): string {
  const align = head.map((_, i) => (i === 0 || !right ? "---" : "--:"));
  return [head, align, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

const COLD_ROWS: [string, string][] = [
  ["floor", "floor: empty worker (blob URL), same permissions, one message back"],
  ["workerReady", "runtime worker.ts started and initialised (no invocation)"],
  ["poolJs", "fresh SandboxPool.run, test-engine `return 1`"],
  ["poolLua", "fresh SandboxPool.run, Lua `function main() return 1 end`"],
  ["runnerJs", "PluginRunner.invoke on a fresh pool, test engine"],
  ["runnerLua", "PluginRunner.invoke on a fresh pool, Lua"],
  ["firstInProcess", "first Lua invocation of a new process (CLI case; host compiles glue.wasm)"],
  ["processIsolation", "`isolation: process`, Lua (a `deno` child per invocation)"],
];

const WARM_ROWS: [string, string][] = [
  ["floor", "floor: postMessage round trip to a warm empty worker"],
  ["poolJs", "SandboxPool.run, test engine"],
  ["poolLua", "SandboxPool.run, Lua"],
  ["runnerJs", "PluginRunner.invoke, test engine (audit in memory)"],
  ["runnerLua", "PluginRunner.invoke, Lua (audit in memory)"],
  ["floorIdle", `floor, ${IDLE_MS} ms pause before each`],
  ["poolLuaIdle", `SandboxPool.run, Lua, ${IDLE_MS} ms pause before each`],
  ["runnerJsIdle", `PluginRunner.invoke, test engine, ${IDLE_MS} ms pause before each`],
  ["runnerLuaIdle", `PluginRunner.invoke, Lua, ${IDLE_MS} ms pause before each`],
  ["runnerJsAudit-none", "… test engine, real AuditLog, sync none"],
  ["runnerLuaAudit-none", "… Lua, real AuditLog, sync none"],
  ["runnerJsAudit-important", "… test engine, real AuditLog, sync important (CLI default)"],
  ["runnerLuaAudit-important", "… Lua, real AuditLog, sync important (CLI default)"],
];

function coldMarkdown(cold: NonNullable<SandboxReport["cold"]>): string {
  return "### Cold start (ms)\n\n" + table(
    ["", "median", "min", "max", "runs"],
    COLD_ROWS.filter(([k]) => cold[k]).map(([k, label]) => {
      const s = cold[k]!;
      return [label, fmt(s.p50, 1), fmt(s.min, 1), fmt(s.max, 1), String(s.n)];
    }),
  );
}

function warmMarkdown(warm: NonNullable<SandboxReport["warm"]>): string {
  return "### Warm invocation (ms; median of rounds, p50 and p99 range across rounds)\n\n" + table(
    ["", "p50", "p95", "p99", "p50 range", "p99 range", "n"],
    WARM_ROWS.filter(([k]) => warm[k]).map(([k, label]) => {
      const s = warm[k];
      return [
        label,
        fmt(s.p50, 3),
        fmt(s.p95, 3),
        fmt(s.p99, 3),
        `${fmt(s.p50Range[0], 3)}–${fmt(s.p50Range[1], 3)}`,
        `${fmt(s.p99Range[0], 2)}–${fmt(s.p99Range[1], 2)}`,
        String(s.n),
      ];
    }),
  );
}

function piecesMarkdown(pieces: NonNullable<SandboxReport["pieces"]>): string {
  return "### Host-side pieces of one invocation (µs per operation, main thread)\n\n" + table(
    ["", "p50", "p95", "mean"],
    Object.entries(pieces).map(([k, s]) => [k, fmt(s.p50), fmt(s.p95), fmt(s.mean)]),
  );
}

function rpcMarkdown(rpc: RpcResult): string {
  const line = (
    label: string,
    runs: string,
    s: Summary,
  ) => [label, runs, fmt(s.p50), fmt(s.p95), fmt(s.mean), "—", "—"];
  const rows = [
    line("floor: postMessage + Atomics.wait/notify", "—", rpc.floor),
    line("sandbox transport alone (canned reply, no host work)", "host", rpc.transport),
  ];
  for (const c of CALLS) {
    const js = rpc.js[c.binding];
    const host = rpc.host[c.binding];
    rows.push([
      `\`crucible.${c.binding}\``,
      c.runs,
      fmt(js.p50),
      fmt(js.p95),
      fmt(js.mean),
      fmt(rpc.lua[c.binding]),
      host ? fmt(host.p50) : "—",
    ]);
  }
  return "### Host calls (µs per call)\n\n" + table(
    ["", "runs in", "JS p50", "JS p95", "JS mean", "Lua mean", "host work alone p50"],
    rows,
  );
}

function throughputMarkdown(rows: ThroughputRow[], label: string, cores: number): string {
  return `### Throughput, ${label} (default pool: ${cores} workers)\n\n` + table(
    [
      "concurrent",
      "invocations/s",
      "range",
      "latency p50 (ms)",
      "latency p99 (ms)",
      "CPU ms / invocation",
      "other processes (cores)",
    ],
    rows.map((t) => [
      String(t.concurrency),
      fmt(t.perSecond, 0),
      `${fmt(t.range[0], 0)}–${fmt(t.range[1], 0)}`,
      fmt(t.latency.p50),
      fmt(t.latency.p99),
      fmt(t.cpuMsPerInvocation ?? undefined),
      fmt(t.othersCores ?? undefined),
    ]),
  );
}

/** The report as Markdown. */
export function markdown(r: SandboxReport): string {
  const m = r.machine;
  const others = Object.entries(r.others ?? {})
    .map(([k, v]) => `${k} ${v === null || v === undefined ? "?" : v.toFixed(2)}`).join(", ");
  const parts = [
    `Deno ${m.deno} (V8 ${m.v8}), ${m.cpu}, ${m.cores} cores, commit ${m.commit}; ` +
    `load average before ${m.loadBefore}, after ${m.loadAfter}; cores kept busy by other ` +
    `processes, per section: ${others || "not measured"}.`,
  ];
  if (r.cold) parts.push(coldMarkdown(r.cold));
  if (r.warm) parts.push(warmMarkdown(r.warm));
  if (r.pieces) parts.push(piecesMarkdown(r.pieces));
  if (r.rpc) parts.push(rpcMarkdown(r.rpc));
  if (r.throughput) {
    parts.push(throughputMarkdown(r.throughput.cpu, "CPU-bound Lua plugin", m.cores));
    parts.push(throughputMarkdown(r.throughput.empty, "empty Lua plugin", m.cores));
  }
  if (r.lua) parts.push("markdown" in r.lua ? r.lua.markdown : `Lua: ${r.lua.error}`);
  return parts.join("\n\n") + "\n";
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      json: { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      child: { type: "string" },
      from: { type: "string" },
      sections: { type: "string", default: SECTIONS.join(",") },
    },
  });
  if (values.child === "first") return await childFirst();
  if (values.from) {
    return console.log(markdown(JSON.parse(Deno.readTextFileSync(values.from)) as SandboxReport));
  }
  const wanted = new Set(values.sections.split(","));
  for (const w of wanted) {
    if (!(SECTIONS as readonly string[]).includes(w)) {
      console.error(`unknown section ${w}; sections are ${SECTIONS.join(", ")}`);
      Deno.exit(2);
    }
  }
  const effort = values.quick ? QUICK : FULL;
  const loadavg = () => text("cat", ["/proc/loadavg"]).split(" ").slice(0, 3).join(" ");
  const report: SandboxReport = { machine: machine(loadavg()), others: {}, effort };
  const run = async (section: Section, what: string, fn: () => Promise<void>) => {
    if (!wanted.has(section)) return;
    progress(what);
    const stop = cpuMeter();
    await fn();
    report.others[section] = stop()?.othersCores ?? null;
  };
  await run("cold", "cold start", async () => {
    const cold: NonNullable<SandboxReport["cold"]> = await measureCold(effort);
    cold.firstInProcess = await measureFirstInProcess(Math.max(3, effort.cold / 3));
    cold.processIsolation = await measureProcessIsolation(Math.max(3, effort.cold / 3));
    report.cold = cold;
  });
  await run("warm", "warm invocations", async () => {
    report.warm = await measureWarm(effort);
  });
  await run("pieces", "host-side pieces", async () => {
    report.pieces = await measureHostPieces();
  });
  await run("rpc", "host calls", async () => {
    report.rpc = await measureRpc(effort);
  });
  await run("throughput", "throughput", async () => {
    report.throughput = {
      cpu: await measureThroughput(effort, "cpu"),
      empty: await measureThroughput(effort, "empty"),
    };
  });
  await run("lua", "Lua vs native (bench/lua_vs_native.ts)", async () => {
    report.lua = await luaSection(values.quick);
  });
  report.machine.loadAfter = loadavg();
  console.log(values.json ? JSON.stringify(report, null, 2) : markdown(report));
}

if (import.meta.main) await main();
