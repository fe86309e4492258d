/**
 * Rune (compiled to JavaScript by src/rune) against native Lua 5.4, program by program: each
 * `bench/rune/<name>.rn` does what `bench/lua/<name>.lua` (fib, sieve) or `bench/rune/lua/<name>.lua`
 * (the others) does and returns the same checksum.
 *
 * - native: `lua5.4` in a fresh process, the `main` call only (process start-up subtracted).
 * - wasmoon: Lua 5.4 compiled to WebAssembly (the engine Lua plugins run in), on this thread,
 *   the `main` call repeated in one engine after a warm-up call.
 * - rune cold: a fresh Deno process that compiles the file, loads it and calls `main` once —
 *   the call is timed, so the JIT's warm-up counts, as it does for a one-shot plugin run.
 * - rune warm: the same call repeated in one process, after one warm-up call.
 *
 * Every run uses the engine's limits machinery (instruction budget checks at calls and loop
 * back-edges, memory accounting). Ratios are rune / native; below 1.0 Rune is faster.
 *
 * ```sh
 * deno run -A bench/rune/compare.ts            # Markdown table on stdout
 * deno run -A bench/rune/compare.ts --json     # raw numbers
 * deno run -A bench/rune/compare.ts --runs 3   # fewer repetitions
 * ```
 *
 * @module
 */
import * as path from "node:path";
import { parseArgs } from "node:util";
import { LuaFactory } from "wasmoon";
import { compile, fromJson, RuneVm } from "../../src/rune/mod.ts";
import { type Script, SCRIPTS } from "../lua_vs_native.ts";

const HERE = import.meta.dirname!;

/** One program: a Rune file in bench/rune/ and the Lua file doing the same. */
export interface Program extends Script {
  /** The Lua version. */
  luaFile: string;
}

/** The programs compared: fib and sieve from the Lua benchmark, and Rune's own. */
export const PROGRAMS: Program[] = [
  ...SCRIPTS.filter((s) => s.name === "fib" || s.name === "sieve").map((s) => ({
    ...s,
    luaFile: path.join(HERE, "..", "lua", `${s.name}.lua`),
  })),
  ...([
    { name: "nbody", label: "n-body, 250k steps", params: { steps: 250_000 } },
    { name: "strings", label: "200k format! + join + push_str", params: { n: 200_000 } },
    { name: "maps", label: "200k+200k map inserts, 600k lookups", params: { n: 200_000 } },
    { name: "dispatch", label: "enum match, 3M dispatches", params: { n: 1000, rounds: 3000 } },
  ] as Script[]).map((s) => ({ ...s, luaFile: path.join(HERE, "lua", `${s.name}.lua`) })),
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function luaTable(params: Record<string, number>): string {
  return `{ ${Object.entries(params).map(([k, v]) => `${k} = ${v}`).join(", ")} }`;
}

async function lua(program: Program, body: string): Promise<{ wall: number; out: string }> {
  const file = program.luaFile;
  const t0 = performance.now();
  const out = await new Deno.Command("lua5.4", {
    args: ["-e", `dofile(${JSON.stringify(file)}) ${body}`],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wall = performance.now() - t0;
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return { wall, out: new TextDecoder().decode(out.stdout) };
}

/** Median ms of the native `main` call, and its checksum; null without lua5.4. */
async function native(
  program: Program,
  runs: number,
): Promise<{ ms: number; checksum: string } | null> {
  try {
    const startup: number[] = [];
    for (let i = 0; i < runs; i++) startup.push((await lua(program, "")).wall);
    const times: number[] = [];
    let checksum = "";
    for (let i = 0; i < runs; i++) {
      const r = await lua(program, `io.write(tostring(main(${luaTable(program.params)})))`);
      times.push(r.wall - median(startup));
      checksum = r.out.trim();
    }
    return { ms: median(times), checksum };
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

/** Compile, load and call once; returns the call's ms and result. */
export function runOnce(program: Program): { ms: number; checksum: string; vm: RuneVm } {
  const text = Deno.readTextFileSync(path.join(HERE, `${program.name}.rn`));
  const { program: compiled, rendered } = compile(text, { file: `${program.name}.rn` });
  if (!compiled) throw new Error(rendered);
  const vm = new RuneVm(compiled);
  const options = { budget: 1e12, memoryLimit: 1024 * 1024 * 1024 };
  const t0 = performance.now();
  const result = vm.call("main", [fromJson(program.params)], options);
  return { ms: performance.now() - t0, checksum: String(result), vm };
}

async function cold(program: Program, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--allow-read", import.meta.filename!, "--one", program.name],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    times.push(JSON.parse(new TextDecoder().decode(out.stdout)).ms);
  }
  return median(times);
}

/** Median ms of the `main` call in wasmoon (one engine, after a warm-up call), and its checksum. */
async function wasmoon(program: Program, runs: number): Promise<{ ms: number; checksum: string }> {
  const lua = await new LuaFactory().createEngine({ injectObjects: false, enableProxy: false });
  try {
    lua.doStringSync(Deno.readTextFileSync(program.luaFile));
    const call = `return tostring(main(${luaTable(program.params)}))`;
    const checksum = String(lua.doStringSync(call));
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      lua.doStringSync(call);
      times.push(performance.now() - t0);
    }
    return { ms: median(times), checksum };
  } finally {
    lua.global.close();
  }
}

function warm(program: Program, runs: number): { ms: number; checksum: string } {
  const first = runOnce(program);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    first.vm.call("main", [fromJson(program.params)], {
      budget: 1e12,
      memoryLimit: 1024 * 1024 * 1024,
    });
    times.push(performance.now() - t0);
  }
  return { ms: median(times), checksum: first.checksum };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { json: { type: "boolean" }, runs: { type: "string" }, one: { type: "string" } },
  });
  if (values.one) {
    const p = PROGRAMS.find((x) => x.name === values.one)!;
    const r = runOnce(p);
    console.log(JSON.stringify({ ms: r.ms, checksum: r.checksum }));
    Deno.exit(0);
  }
  const runs = Number(values.runs ?? 5);
  const rows = [];
  for (const p of PROGRAMS) {
    const n = await native(p, runs);
    const c = await cold(p, runs);
    const w = warm(p, runs);
    const wa = await wasmoon(p, runs);
    if (n && n.checksum !== w.checksum) {
      throw new Error(`${p.name}: lua says ${n.checksum}, rune says ${w.checksum}`);
    }
    if (wa.checksum !== w.checksum) {
      throw new Error(`${p.name}: wasmoon says ${wa.checksum}, rune says ${w.checksum}`);
    }
    rows.push({
      program: p.name,
      label: p.label,
      checksum: w.checksum,
      nativeMs: n?.ms ?? null,
      wasmoonMs: wa.ms,
      runeColdMs: c,
      runeWarmMs: w.ms,
      coldRatio: n ? c / n.ms : null,
      warmRatio: n ? w.ms / n.ms : null,
    });
  }
  if (values.json) console.log(JSON.stringify(rows, null, 2));
  else {
    const f = (x: number | null, d = 1) => (x === null ? "n/a" : x.toFixed(d));
    console.log(
      "| program | native lua5.4 ms | wasmoon ms | rune cold ms | rune warm ms | cold ratio | warm ratio |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const r of rows) {
      console.log(
        `| ${r.label} | ${f(r.nativeMs)} | ${f(r.wasmoonMs)} | ${f(r.runeColdMs)} | ${
          f(r.runeWarmMs)
        } | ${f(r.coldRatio, 2)} | ${f(r.warmRatio, 2)} |`,
      );
    }
  }
}
