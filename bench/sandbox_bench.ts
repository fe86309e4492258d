/**
 * Plugin sandbox benchmarks for `deno bench`: cold start, warm invocation, host calls and
 * throughput, each group against a floor measured with bare Deno workers (the `baseline`), and
 * the Lua engine on the main thread. Run with `deno task bench` or
 *
 * ```sh
 * deno bench --allow-read --allow-write --allow-env --allow-sys bench/sandbox_bench.ts
 * ```
 *
 * Benches that spawn processes (`isolation: process`, native `lua5.4`) are skipped without
 * `--allow-run`. The percentile tables of `docs/benchmarks_sandbox.md` come from
 * `bench/sandbox_report.ts`, which shares this file's fixture and floors.
 *
 * @module
 */
import { LuaFactory } from "wasmoon";
import { createLuaEngine } from "../src/runtime/engines/lua/engine.ts";
import { luaModule } from "../src/sandbox/modules.ts";
import { SandboxPool } from "../src/sandbox/pool.ts";
import {
  EchoFloor,
  emptyGrantPermissions,
  JS_CALLS,
  JS_EMPTY,
  LUA_CALLS,
  LUA_CPU,
  LUA_EMPTY,
  openFixture,
  RpcFloor,
  spawnFloor,
} from "./sandbox_report.ts";

const fx = openFixture();
const perms = emptyGrantPermissions(fx.kiln.root);
const caps = "capabilities: [KilnRead]\n";
const lua = await fx.lua("bench-lua", LUA_EMPTY);
const js = await fx.js("bench-js", JS_EMPTY);
const luaCpu = await fx.lua("bench-lua-cpu", LUA_CPU);
const jsCalls = await fx.js("bench-js-calls", JS_CALLS, caps);
const luaCalls = await fx.lua("bench-lua-calls", LUA_CALLS, caps);
const luaProcess = await fx.lua("bench-lua-process", LUA_EMPTY, "isolation: process\n");
const fib = await fx.lua(
  "bench-fib",
  Deno.readTextFileSync(new URL("./lua/fib.lua", import.meta.url)),
);
const echo = new EchoFloor(perms);
const rpc = new RpcFloor(perms);
const module = await luaModule();
const canRun = (await Deno.permissions.query({ name: "run" })).state === "granted";
const hasLua = canRun && (() => {
  try {
    return new Deno.Command("lua5.4", { args: ["-v"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();

globalThis.addEventListener("unload", () => {
  echo[Symbol.dispose]();
  rpc[Symbol.dispose]();
  fx[Symbol.dispose]();
});

async function ok(r: Promise<{ ok: boolean; error?: { code: string; message: string } }>) {
  const result = await r;
  if (!result.ok) throw new Error(`${result.error?.code}: ${result.error?.message}`);
}

// Cold start: spawn + first call through a fresh pool.

Deno.bench({
  name: "floor: spawn an empty worker (same permissions), one message back",
  group: "cold start",
  baseline: true,
  n: 20,
  warmup: 2,
  async fn() {
    await spawnFloor(perms);
  },
});

for (const [label, plugin] of [["Lua", lua], ["test engine", js]] as const) {
  Deno.bench({
    name: `fresh SandboxPool: spawn + first call, ${label} empty plugin`,
    group: "cold start",
    n: 20,
    warmup: 2,
    async fn() {
      const pool = new SandboxPool({ size: 1 });
      try {
        await ok(pool.run(fx.job(plugin)));
      } finally {
        pool.close();
      }
    },
  });
}

Deno.bench({
  name: "isolation: process, Lua empty plugin (a deno child per invocation)",
  group: "cold start",
  ignore: !canRun,
  n: 10,
  warmup: 1,
  async fn() {
    await ok(fx.runner.invoke({ plugin: luaProcess }));
  },
});

// Warm invocations on the fixture's pool.

Deno.bench({
  name: "floor: postMessage round trip to a warm empty worker",
  group: "warm invocation",
  baseline: true,
  async fn() {
    await echo.trip();
  },
});

Deno.bench({
  name: "SandboxPool.run, test engine",
  group: "warm invocation",
  async fn() {
    await ok(fx.pool.run(fx.job(js)));
  },
});

Deno.bench({
  name: "SandboxPool.run, Lua",
  group: "warm invocation",
  async fn() {
    await ok(fx.pool.run(fx.job(lua)));
  },
});

Deno.bench({
  name: "PluginRunner.invoke, test engine",
  group: "warm invocation",
  async fn() {
    await ok(fx.runner.invoke({ plugin: js }));
  },
});

Deno.bench({
  name: "PluginRunner.invoke, Lua",
  group: "warm invocation",
  async fn() {
    await ok(fx.runner.invoke({ plugin: lua }));
  },
});

// Host calls: 100 per iteration.

Deno.bench({
  name: "floor: 100 postMessage + Atomics.wait/notify round trips",
  group: "100 host calls",
  baseline: true,
  async fn() {
    await rpc.trips(100);
  },
});

for (const [binding, args] of [["graph.backlinks", ["b"]], ["time.now", []]] as const) {
  const params = { binding, args, n: 100 };
  Deno.bench({
    name: `test engine: 100 × crucible.${binding}`,
    group: "100 host calls",
    async fn() {
      await ok(fx.runner.invoke({ plugin: jsCalls, params, validateParams: false }));
    },
  });
  Deno.bench({
    name: `Lua: 100 × crucible.${binding}`,
    group: "100 host calls",
    async fn() {
      await ok(fx.runner.invoke({ plugin: luaCalls, params, validateParams: false }));
    },
  });
}

// Throughput: eight concurrent CPU-bound invocations on the default pool (one worker per core).

Deno.bench({
  name: "8 concurrent CPU-bound Lua invocations",
  group: "throughput",
  n: 30,
  warmup: 3,
  async fn() {
    await Promise.all(Array.from({ length: 8 }, () => ok(fx.runner.invoke({ plugin: luaCpu }))));
  },
});

// The Lua engine itself.

Deno.bench({
  name: "Lua engine: createLuaEngine + run + dispose, main thread, back to back",
  group: "lua engine",
  async fn() {
    const engine = await createLuaEngine({
      plugin: { name: "e", file: "/bench/e.lua", language: "lua", code: LUA_EMPTY, hash: "" },
      limits: { memory: 100 * 1024 * 1024, fileSize: 1024 * 1024, logBytes: 65536 },
      call: () => null,
      log: () => {},
      shouldStop: () => false,
      modules: { lua: module },
      dependencies: [],
    });
    engine.run("main", {});
    engine.dispose();
  },
});

const factory = new LuaFactory();
const fibSource = Deno.readTextFileSync(new URL("./lua/fib.lua", import.meta.url));

Deno.bench({
  name: "fib(25): plain wasmoon, main thread",
  group: "fib(25)",
  baseline: true,
  n: 30,
  async fn() {
    const e = await factory.createEngine({ injectObjects: false, enableProxy: false });
    e.doStringSync(fibSource);
    e.doStringSync("return main({ n = 25 })");
    e.global.close();
  },
});

Deno.bench({
  name: "fib(25): in the sandbox (PluginRunner.invoke)",
  group: "fib(25)",
  n: 30,
  async fn() {
    await ok(fx.runner.invoke({ plugin: fib, params: { n: 25 }, validateParams: false }));
  },
});

Deno.bench({
  name: "fib(25): native lua5.4 (process included; skipped without --allow-run or lua5.4)",
  group: "fib(25)",
  ignore: !hasLua,
  n: 30,
  async fn() {
    const out = await new Deno.Command("lua5.4", {
      args: ["-e", `${fibSource}\nmain({ n = 25 })`],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!out.success) throw new Error("lua5.4 failed");
  },
});
