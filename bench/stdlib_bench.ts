/**
 * Standard-library benchmarks for `deno bench`: PageRank and Louvain on the link graphs of
 * synthetic kilns (10,000 and 100,000 notes by default; `CRU_BENCH_STDLIB_NOTES=10000` for the
 * small one only), building that graph from the index, and the overhead a workflow adds per task
 * (the scheduler alone, function tasks called back into Lua through a real sandbox, and plugin
 * tasks that each run in a sandbox of their own). Figures in docs/benchmarks.md, "Standard
 * library".
 *
 * ```sh
 * deno bench --allow-read --allow-write --allow-env --allow-sys bench/stdlib_bench.ts
 * ```
 *
 * The first run generates the kilns (cached in `$TMPDIR/cru-bench-kilns/`) and indexes each into a
 * scratch database (about a minute for 100,000 notes).
 *
 * @module
 */
import * as path from "node:path";
import { NoteIndex } from "../src/kiln/mod.ts";
import { kilnGraph } from "../src/api/graph_algorithms.ts";
import type { KilnApi } from "../src/api/kiln_api.ts";
import { communities, pagerank, runWorkflow, type StdlibHost } from "../src/stdlib/mod.ts";
import { loadConfig } from "../src/config/config.ts";
import { loadPluginFile, type ResolvedPlugin } from "../src/plugins/registry.ts";
import { PluginRunner } from "../src/sandbox/invoke.ts";
import type { Json } from "../src/runtime/protocol.ts";
import { ensureKiln } from "./synthetic_kiln.ts";

const SIZES = (Deno.env.get("CRU_BENCH_STDLIB_NOTES") ?? "10000,100000").split(",").map(Number);
const scratch = Deno.makeTempDirSync({ prefix: "cru-stdlib-bench-" });
const indexes: NoteIndex[] = [];

for (const notes of SIZES) {
  const { root } = ensureKiln(notes, { log: (m) => console.error(m) });
  const started = performance.now();
  const index = NoteIndex.open(root, { file: path.join(scratch, `index-${notes}.db`) });
  index.update();
  indexes.push(index);
  // What the graph.* bindings use: the index behind a KilnApi (only index() and the cache).
  const api = { index: () => index, graphCache: null } as unknown as KilnApi;
  const graph = kilnGraph(api);
  const label = `${notes / 1000}k notes`;
  console.error(
    `${label}: indexed in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
      `${graph.order} nodes, ${graph.size} edges`,
  );
  const large = notes > 20_000;
  Deno.bench({
    name: `build the link graph from the index, ${label}`,
    group: `graph ${label}`,
    n: large ? 3 : 10,
    warmup: 1,
    fn() {
      api.graphCache = null;
      kilnGraph(api);
    },
  });
  Deno.bench({
    name: `pagerank, ${label}`,
    group: `graph ${label}`,
    baseline: true,
    n: large ? 3 : 10,
    warmup: 1,
    fn() {
      const r = pagerank(graph, { limit: 20 });
      if (r.length !== 20) throw new Error("pagerank returned too few notes");
    },
  });
  Deno.bench({
    name: `louvain communities, ${label}`,
    group: `graph ${label}`,
    n: large ? 3 : 5,
    warmup: large ? 0 : 1,
    fn() {
      const r = communities(graph, { min_size: 2 });
      if (r.count < 2) throw new Error("louvain found no split");
    },
  });
}

// --- workflows ---------------------------------------------------------------------------------

const TASKS = 200;

/** A chain a → b → c … of `n` tasks, each a function reference. */
function chain(n: number): Json {
  const tasks: Record<string, Json> = {};
  for (let i = 0; i < n; i++) {
    tasks[`t${i}`] = { run: { $fn: 1 }, deps: i ? [`t${i - 1}`] : [] };
  }
  return { tasks };
}

const inProcess: StdlibHost = {
  call: () => null,
  callFunction: (_ref, args) => (args[0] as { attempt: number }).attempt,
  sleep: () => {},
  checkStop: () => {},
};

Deno.bench({
  name: `scheduler alone, ${TASKS} chained tasks (no sandbox)`,
  group: "workflow",
  fn() {
    runWorkflow(inProcess, chain(TASKS), { progress: false });
  },
});

const kiln = Deno.makeTempDirSync({ prefix: "cru-stdlib-bench-kiln-" });
Deno.writeTextFileSync(path.join(kiln, "a.md"), "# A\n");

const pluginDir = Deno.makeTempDirSync({ prefix: "cru-stdlib-bench-plugins-" });

async function benchPlugin(name: string, manifest: string, code: string): Promise<ResolvedPlugin> {
  const file = path.join(pluginDir, `${name}.lua`);
  Deno.writeTextFileSync(file, `---\nname: ${name}\ndescription: bench\n${manifest}---\n${code}`);
  return { ...(await loadPluginFile(file, "kiln")), shadows: [] };
}

const flow = await benchPlugin(
  "bench-flow",
  "parameters:\n  n: integer\n  plugins: boolean\n  parallel: integer\n  progress: boolean\n" +
    "dependencies:\n  bench-echo: ^0.1.0\n",
  `function main(p)
     if p.n == 0 then return 0 end
     local tasks = {}
     for i = 1, p.n do
       if p.plugins then
         tasks["t" .. i] = { plugin = "bench-echo", params = { i = i } }
       else
         tasks["t" .. i] = { run = function(c) return c.attempt end, deps = i > 1 and { "t" .. (i - 1) } or nil }
       end
     end
     local r = crucible.workflow.run({ tasks = tasks }, { parallel = p.parallel, progress = p.progress == true })
     assert(r.ok)
     return #r.order
   end`,
);
const echoPlugin = await benchPlugin(
  "bench-echo",
  "parameters:\n  i: integer\n",
  "function main(p) return p.i end",
);
const byName = new Map([[flow.name, flow], [echoPlugin.name, echoPlugin]]);
// Never the real user folder: configuration and global state go to a scratch folder.
const configRoot = Deno.makeTempDirSync({ prefix: "cru-stdlib-bench-config-" });
// Benchmarks invoke hundreds of times a minute: lift the rate limit, nothing else.
Deno.writeTextFileSync(
  path.join(configRoot, "config.yaml"),
  "sandbox:\n  rate: 1000000000/min\n  burst: 1000000000\n  max:\n    rate: 1000000000/min\n",
);
const runner = new PluginRunner({
  kilnRoot: kiln,
  registry: { get: (n: string) => byName.get(n) } as never,
  config: loadConfig({
    kilnRoot: kiln,
    env: (n) => (n === "CRUCIBLE_CONFIG_DIR" ? configRoot : undefined),
  }),
  configDir: configRoot,
});

async function run(params: Record<string, Json>): Promise<void> {
  const r = await runner.invoke({ plugin: flow, params });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
}

Deno.bench({
  name: "sandboxed invocation, no workflow (the floor)",
  group: "workflow",
  baseline: true,
  n: 30,
  warmup: 3,
  async fn() {
    await run({ n: 0, plugins: false, parallel: 1 });
  },
});

Deno.bench({
  name: `workflow of ${TASKS} Lua function tasks, sandboxed`,
  group: "workflow",
  n: 20,
  warmup: 2,
  async fn() {
    await run({ n: TASKS, plugins: false, parallel: 1 });
  },
});

Deno.bench({
  name: `workflow of ${TASKS} Lua function tasks, with progress events`,
  group: "workflow",
  n: 20,
  warmup: 2,
  async fn() {
    await run({ n: TASKS, plugins: false, parallel: 1, progress: true });
  },
});

for (const parallel of [1, 4]) {
  Deno.bench({
    name: `workflow of 20 plugin tasks, parallel ${parallel}`,
    group: "workflow",
    n: 10,
    warmup: 1,
    async fn() {
      await run({ n: 20, plugins: true, parallel });
    },
  });
}

globalThis.addEventListener("unload", () => {
  runner.close();
  for (const i of indexes) i.close();
  for (const d of [scratch, kiln, pluginDir, configRoot]) Deno.removeSync(d, { recursive: true });
});
