/**
 * Plugin API figures for `docs/benchmarks.md`: `read_note` calls per second from a Lua and a Rune
 * plugin, one call at a time and in `crucible.batch` groups (and the same for a host-side binding,
 * `graph.forwardlinks`, where batching saves the round trips), and `graph.traverse` at depth 3 on a
 * 100k-note kiln.
 *
 * ```sh
 * deno run -A bench/api_report.ts                # Markdown on stdout, progress on stderr
 * deno run -A bench/api_report.ts --quick --json
 * ```
 *
 * Kilns are the cached synthetic ones of `bench/synthetic_kiln.ts` (`$TMPDIR/cru-bench-kilns/`);
 * indexes go to scratch files beside them, never into the kilns.
 *
 * @module
 */
import * as path from "node:path";
import * as os from "node:os";
import { parseArgs } from "node:util";
import { KilnApi } from "../src/api/kiln_api.ts";
import { loadConfig } from "../src/config/config.ts";
import type { PluginRegistry } from "../src/plugins/registry.ts";
import { loadPluginFile, type ResolvedPlugin } from "../src/plugins/registry.ts";
import { PluginRunner } from "../src/sandbox/invoke.ts";
import { SandboxPool } from "../src/sandbox/pool.ts";
import { fixedApprover } from "../tests/sandbox/sandbox_helpers.ts";
import { ensureKiln } from "./synthetic_kiln.ts";
import { percentile } from "./workload.ts";

const args = parseArgs({
  args: Deno.args,
  options: { quick: { type: "boolean" }, json: { type: "boolean" } },
});
const quick = args.values.quick ?? false;
const log = (m: string) => console.error(m);

// ---------------------------------------------------------------------------------------------
// Plugins that call a binding over a list of notes, singly or batched, and time it themselves.

const LUA = `local M = {}
local function run(p, call)
  local t = crucible.time.now()
  local n = 0
  for _ = 1, p.rounds do
    if p.batch == 0 then
      for _, path in ipairs(p.paths) do call(path); n = n + 1 end
    else
      for i = 1, #p.paths, p.batch do
        local calls = {}
        for j = i, math.min(i + p.batch - 1, #p.paths) do calls[#calls + 1] = { p.binding, p.paths[j] } end
        for _, r in ipairs(crucible.batch(calls)) do
          if not r.ok then error(r.error.message) end
          n = n + 1
        end
      end
    end
  end
  return { calls = n, ms = crucible.time.now() - t }
end
function M.read(p) return run(p, crucible.read_note) end
function M.links(p) return run(p, crucible.graph.forwardlinks) end
return M
`;

const RUNE = `fn run(p, f) {
    let t = crucible::time::now();
    let n = 0;
    for _r in 0..p.rounds {
        if p.batch == 0 {
            for path in p.paths { f(path); n += 1; }
        } else {
            let i = 0;
            while i < p.paths.len() {
                let calls = [];
                let j = i;
                while j < p.paths.len() && j < i + p.batch {
                    calls.push([p.binding, p.paths[j]]);
                    j += 1;
                }
                for r in crucible::batch(calls) {
                    if !r.ok { panic!("{}", r.error.message); }
                    n += 1;
                }
                i = j;
            }
        }
    }
    #{ calls: n, ms: crucible::time::now() - t }
}
pub fn read(p) { run(p, |x| crucible::read_note(x)) }
pub fn links(p) { run(p, |x| crucible::graph::forwardlinks(x)) }
`;

async function plugin(
  dir: string,
  name: string,
  ext: string,
  code: string,
): Promise<ResolvedPlugin> {
  const file = path.join(dir, `${name}.${ext}`);
  Deno.writeTextFileSync(
    file,
    `---\nname: ${name}\ndescription: api bench\ncapabilities: [KilnRead]\n` +
      `limits: {timeout: 10m}\n---\n${code}`,
  );
  const p = { ...(await loadPluginFile(file, "kiln")), shadows: [] };
  if (!p.valid) throw new Error(`${name}: ${JSON.stringify(p.problems)}`);
  return p;
}

/** One row of the read_note table. */
export interface CallRate {
  engine: "lua" | "rune";
  binding: string;
  batch: number;
  calls: number;
  /** Calls per second, best of the rounds. */
  perSecond: number;
  /** Microseconds per call, best round. */
  usPerCall: number;
}

async function measureCalls(): Promise<CallRate[]> {
  const kiln = ensureKiln(1000, { log });
  const scratch = Deno.makeTempDirSync({ prefix: "cru-api-bench-" });
  const configDir = path.join(scratch, "config");
  Deno.mkdirSync(configDir);
  Deno.writeTextFileSync(
    path.join(configDir, "config.yaml"),
    "sandbox:\n  max:\n    timeout: 10m\n",
  );
  const env = (n: string) => (n === "CRUCIBLE_CONFIG_DIR" ? configDir : undefined);
  const config = loadConfig({ kilnRoot: kiln.root, env });
  // The runner's index lives in the scratch folder, not in the shared cached kiln.
  const indexFile = path.join(scratch, "index.db");
  const pool = new SandboxPool({ size: 1 });
  const runner = new PluginRunner({
    kilnRoot: kiln.root,
    registry: { get: () => undefined } as unknown as PluginRegistry,
    config,
    approver: fixedApprover(["*"]),
    audit: { record: () => {} },
    pool,
    configDir,
    kilnApi: new KilnApi(kiln.root, { fileSize: config.sandbox.fileSize, indexFile }),
  });
  const api = new KilnApi(kiln.root, { fileSize: config.sandbox.fileSize, indexFile });
  const paths = (api.listNotes(undefined, { limit: 1000 }) as { path: string }[]).map((n) =>
    n.path
  );
  api.close();
  const plugins = {
    lua: await plugin(scratch, "api-lua", "lua", LUA),
    rune: await plugin(scratch, "api-rune", "rune", RUNE),
  };
  const rounds = quick ? 1 : 3;
  const out: CallRate[] = [];
  try {
    for (const engine of ["lua", "rune"] as const) {
      for (const [fn, binding] of [["read", "read_note"], ["links", "graph.forwardlinks"]]) {
        for (const batch of [0, 100]) {
          const params = { paths, rounds: 1, batch, binding };
          // One untimed call warms the worker, the engine and the page cache.
          await runner.invoke({ plugin: plugins[engine], fn, params, validateParams: false });
          let best = Infinity;
          let calls = 0;
          for (let r = 0; r < rounds; r++) {
            const res = await runner.invoke({
              plugin: plugins[engine],
              fn,
              params,
              validateParams: false,
            });
            if (!res.ok) throw new Error(`${engine} ${fn}: ${JSON.stringify(res.error)}`);
            const v = res.value as { calls: number; ms: number };
            calls = v.calls;
            best = Math.min(best, v.ms);
          }
          const row = {
            engine,
            binding,
            batch,
            calls,
            perSecond: Math.round(calls / (best / 1000)),
            usPerCall: (best * 1000) / calls,
          };
          log(`${engine} ${binding} batch=${batch}: ${row.perSecond}/s`);
          out.push(row);
        }
      }
    }
  } finally {
    runner.close();
    pool.close();
    Deno.removeSync(scratch, { recursive: true });
  }
  return out;
}

/** graph.traverse latency on the 100k kiln. */
export interface TraverseFigures {
  notes: number;
  indexBuildMs: number | null;
  byLimit: {
    limit: number;
    strategy: string;
    p50: number;
    p95: number;
    max: number;
    avgNodes: number;
  }[];
}

async function measureTraverse(): Promise<TraverseFigures> {
  const notes = quick ? 10_000 : 100_000;
  const kiln = ensureKiln(notes, { log });
  const indexFile = path.join(os.tmpdir(), "cru-bench-kilns", `api-index-n${notes}.db`);
  const api = new KilnApi(kiln.root, { fileSize: 10 * 1024 * 1024, indexFile });
  let built: number | null = null;
  try {
    const t0 = performance.now();
    const index = api.index();
    built = performance.now() - t0;
    log(`index of ${notes} notes ready in ${(built / 1000).toFixed(1)} s`);
    const all = index.paths();
    // Deterministic starting notes spread over the kiln.
    const starts = Array.from(
      { length: quick ? 20 : 60 },
      (_, i) => all[Math.floor((i * 7919) % all.length)],
    );
    const byLimit: TraverseFigures["byLimit"] = [];
    for (const start of starts.slice(0, 5)) await api.traverse(start, { depth: 3 }); // warm-up
    for (const strategy of ["bfs", "backlinks"]) {
      for (const limit of [100, 1000]) {
        const samples: number[] = [];
        let nodes = 0;
        for (const start of starts) {
          const t = performance.now();
          const r = await api.traverse(start, { depth: 3, limit, strategy }) as unknown[];
          samples.push(performance.now() - t);
          nodes += r.length;
        }
        samples.sort((a, b) => a - b);
        byLimit.push({
          limit,
          strategy,
          p50: percentile(samples, 50),
          p95: percentile(samples, 95),
          max: samples[samples.length - 1],
          avgNodes: Math.round(nodes / starts.length),
        });
        log(
          `traverse ${strategy} depth 3 limit ${limit}: p50 ${
            percentile(samples, 50).toFixed(2)
          } ms`,
        );
      }
    }
    return { notes, indexBuildMs: built, byLimit };
  } finally {
    api.close();
  }
}

const calls = await measureCalls();
const traverse = await measureTraverse();
if (args.values.json) {
  console.log(JSON.stringify({ calls, traverse }, null, 2));
} else {
  const f = (x: number, d = 1) => x.toFixed(d);
  console.log("| engine | binding | calls | per call | calls/s |");
  console.log("| --- | --- | --- | ---: | ---: |");
  for (const r of calls) {
    console.log(
      `| ${r.engine} | ${r.binding} | ${r.batch ? `batched ×${r.batch}` : "one by one"} | ` +
        `${f(r.usPerCall)} µs | ${r.perSecond.toLocaleString("en")} |`,
    );
  }
  console.log();
  console.log(`graph.traverse, depth 3, ${traverse.notes.toLocaleString("en")} notes:`);
  console.log();
  console.log("| strategy | limit | p50 ms | p95 ms | max ms | notes returned |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of traverse.byLimit) {
    console.log(
      `| ${r.strategy} | ${r.limit} | ${f(r.p50, 2)} | ${f(r.p95, 2)} | ${
        f(r.max, 2)
      } | ${r.avgNodes} |`,
    );
  }
}
