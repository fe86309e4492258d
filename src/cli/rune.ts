/**
 * `cru rune run|check|test|bench`: run a Rune file's `main`, check it for errors, run its
 * `#[test]` functions, or measure its `#[bench]` functions. Rune programs run in this process: the language itself reaches nothing but its own
 * values, and every run is bounded by an instruction budget, a memory limit and a timeout.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import * as path from "node:path";
import { NotFoundError } from "../errors.ts";
import {
  type BenchResult,
  compile,
  type CompiledProgram,
  debugValue,
  fromJson,
  type JsonValue,
  type LocatedDiagnostic,
  type ModuleLoader,
  runBenches,
  RuneError,
  RuneVm,
  runTests,
  toJson,
  traceLines,
} from "../rune/mod.ts";
import type { GlobalOptions } from "./context.ts";
import { eprintln, err, printJson, println } from "./output.ts";
import { InvocationFailed } from "./run.ts";
import { UsageError } from "./usage.ts";
import { suggest } from "../suggest.ts";
import { splitPluginSource } from "../plugins/source.ts";
import { CRUCIBLE_MODULE } from "../runtime/engines/rune/engine.ts";

/** Raised when a Rune file failed to compile, run or pass its tests (already reported): exit 1. */
export class RuneFailed extends InvocationFailed {}

const DEFAULT_MEMORY = 256 * 1024 * 1024;
/** `cru rune run` stops a program after this long unless `--timeout` says otherwise. */
export const DEFAULT_RUN_TIMEOUT_MS = 30_000;

/** A limit error of `rune run` with the flag that raises the limit. */
function withLimitHint(e: unknown, limits: { timeoutMs: number; memory: number }): unknown {
  if (!(e instanceof RuneError)) return e;
  let hint: string;
  if (e.code === "E_TIMEOUT" && /budget/.test(e.message)) hint = "raise it with --budget STEPS";
  else if (e.code === "E_TIMEOUT") {
    hint = `the limit is ${limits.timeoutMs} ms; raise it with --timeout MS`;
  } else if (e.code === "E_MEMORY") {
    hint = `the limit is ${limits.memory} bytes; raise it with --memory BYTES`;
  } else return e;
  const out = new RuneError(e.code, `${e.message}; ${hint}`, e.panic);
  out.trace = e.trace;
  return out;
}
const encoder = new TextEncoder();

function isPluginFile(file: string): boolean {
  try {
    return /^\uFEFF?---\r?\n/.test(Deno.readTextFileSync(file));
  } catch {
    return false;
  }
}

/** The crucible module outside a sandbox: every call explains where it can run. */
function standaloneHost(): Record<string, () => never> {
  return Object.fromEntries(CRUCIBLE_MODULE.map((f) => [
    f.path,
    () => {
      throw new RuneError(
        "E_NOT_AVAILABLE",
        `${f.path} needs a kiln and a sandbox, which cru rune run does not give; as a plugin ` +
          "(a file with a manifest) test it with cru plugins test FILE, or install it and run " +
          "it with cru plugins run NAME",
      );
    },
  ]));
}

function readSource(file: string): string {
  try {
    const text = Deno.readTextFileSync(file);
    // A plugin file: run its code, its manifest blanked out so line numbers stay the file's.
    if (/^\uFEFF?---\r?\n/.test(text)) return splitPluginSource(file, text).code;
    return text;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      throw new NotFoundError(`cannot read ${file}: no such file`);
    }
    throw new NotFoundError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`${flag} must be a positive whole number`);
  }
  return n;
}

/** Compile a file, printing its diagnostics to stderr; null when it has errors. */
function compileFile(
  file: string,
  quiet = false,
): { program: CompiledProgram | null; diagnostics: LocatedDiagnostic[] } {
  const text = readSource(file);
  const result = compile(text, {
    file: path.relative(Deno.cwd(), path.resolve(file)) || file,
    // Plugins and plain scripts alike know crucible::… as plugins see it (outside a sandbox those
    // calls fail clearly when run). Plugins are single files, so only plain scripts load
    // `mod name;` files.
    host: CRUCIBLE_MODULE,
    suggest,
    ...(isPluginFile(file) ? {} : { loadModule: moduleLoader(file) }),
  });
  if (!quiet && result.rendered) eprintln(colorDiagnostics(result.rendered));
  return result;
}

/**
 * `mod a;` loads `a.rn` (or `a/mod.rn`), `mod b;` inside it `a/b.rn`, all relative to the root
 * file's folder. A file that resolves (through symlinks too) outside that folder is not loaded.
 */
function moduleLoader(file: string): ModuleLoader {
  const rootDir = path.dirname(path.resolve(file));
  let realRoot = rootDir;
  try {
    realRoot = Deno.realPathSync(rootDir);
  } catch {
    // The root file was read already, so its folder exists; keep the plain path otherwise.
  }
  return (modPath) => {
    const candidates = [
      path.join(rootDir, ...modPath) + ".rn",
      path.join(rootDir, ...modPath, "mod.rn"),
    ];
    for (const candidate of candidates) {
      let real: string;
      try {
        real = Deno.realPathSync(candidate);
      } catch {
        continue;
      }
      if (!real.startsWith(realRoot + path.sep)) continue;
      try {
        if (!Deno.statSync(real).isFile) continue;
        const text = Deno.readTextFileSync(real);
        return { file: path.relative(Deno.cwd(), candidate) || candidate, text };
      } catch {
        continue;
      }
    }
    return null;
  };
}

function colorDiagnostics(text: string): string {
  return text.replace(
    /^(error|warning):/gm,
    (m) => (m.startsWith("error") ? err.error(m) : err.warn(m)),
  );
}

function write(stream: typeof Deno.stdout | typeof Deno.stderr, text: string): void {
  stream.writeSync(encoder.encode(text));
}

function reportRuneError(e: unknown): never {
  if (e instanceof RuneError) {
    eprintln(`${err.error("error:")} ${e.code}: ${e.message}`);
    for (const line of traceLines(e.trace)) eprintln(err.dim(`    ${line}`));
    throw new RuneFailed(e.message);
  }
  throw e;
}

/** Register the `rune` command group. */
export function registerRuneCommands(program: Command, _globals: () => GlobalOptions): void {
  const rune = program.command("rune").description("run, check and test Rune scripts");

  rune.command("run")
    .description("run a Rune file's main function")
    .argument("<file>", "a .rn or .rune file")
    .argument("[args...]", "arguments passed to main as a Vec of strings (when main takes one)")
    .option("--fn <function>", "call this function instead of main")
    .option("-p, --params <json>", "pass this JSON value as main's argument")
    .option("--budget <steps>", "stop after this many steps (calls and loop iterations)")
    .option(
      "--timeout <ms>",
      `stop after this many milliseconds (default ${DEFAULT_RUN_TIMEOUT_MS})`,
    )
    .option("--memory <bytes>", `memory limit in bytes (default ${DEFAULT_MEMORY})`)
    .option("--json", 'print {"ok": true, "value": …} or {"ok": false, "error": …}')
    .action((file, args, opts) => {
      const budget = positiveInt(opts.budget, "--budget");
      const timeoutMs = positiveInt(opts.timeout, "--timeout") ?? DEFAULT_RUN_TIMEOUT_MS;
      const memoryLimit = positiveInt(opts.memory, "--memory") ?? DEFAULT_MEMORY;
      let params: unknown;
      if (opts.params !== undefined) {
        try {
          params = JSON.parse(opts.params);
        } catch (e) {
          throw new UsageError(`--params is not valid JSON: ${(e as Error).message}`);
        }
      }
      const { program } = compileFile(file, opts.json);
      if (!program) {
        if (opts.json) {
          printJson({
            ok: false,
            error: { code: "E_SYNTAX", message: `${file} does not compile` },
          });
        }
        throw new RuneFailed(`${file} does not compile`);
      }
      const name = opts.fn ?? "main";
      const info = program.exports.find((e) => e.name === name);
      if (!info) throw new NotFoundError(`${file} has no function \`${name}\``);
      let callArgs: unknown[] = [];
      if (params !== undefined) callArgs = [params];
      else if (info.arity === 1) callArgs = [args];
      else if (args.length > 0) {
        throw new UsageError(
          `\`${name}\` takes ${info.arity} argument${
            info.arity === 1 ? "" : "s"
          }; pass them with --params`,
        );
      }
      const options = {
        budget,
        timeoutMs,
        memoryLimit,
        stdout: (s: string) => write(opts.json ? Deno.stderr : Deno.stdout, s),
        stderr: (s: string) => write(Deno.stderr, s),
      };
      try {
        const vm = new RuneVm(program, { ...options, host: standaloneHost() });
        const value = vm.call(name, callArgs.map((a) => fromJson(a)), options);
        if (opts.json) printJson({ ok: true, value: toJsonOrDebug(value) });
        else {
          const text = debugValue(value);
          if (text !== "()") println(text);
        }
      } catch (caught) {
        const e = withLimitHint(caught, { timeoutMs, memory: memoryLimit });
        if (opts.json && e instanceof RuneError) {
          printJson({ ok: false, error: { code: e.code, message: e.message, trace: e.trace } });
          throw new RuneFailed(e.message);
        }
        reportRuneError(e);
      }
    });

  rune.command("check")
    .description("check Rune files for syntax and compile errors")
    .argument("<files...>", "Rune files")
    .option("--json", "print the diagnostics as JSON")
    .action((files, opts) => {
      const all: { file: string; diagnostics: LocatedDiagnostic[] }[] = [];
      for (const file of files) {
        const { diagnostics } = compileFile(file, opts.json);
        all.push({ file, diagnostics });
      }
      const errors = all.reduce(
        (n, f) => n + f.diagnostics.filter((d) => d.severity === "error").length,
        0,
      );
      if (opts.json) printJson({ files: all, errors });
      else {
        for (const f of all) {
          if (!f.diagnostics.some((d) => d.severity === "error")) println(`${f.file}: ok`);
        }
      }
      if (errors > 0) throw new RuneFailed(`${errors} error${errors === 1 ? "" : "s"}`);
    });

  rune.command("test")
    .description("run the #[test] functions of Rune files")
    .argument("<files...>", "Rune files")
    .option("--filter <text>", "run only tests whose name contains this text")
    .option("--budget <steps>", "step budget per test (default 100000000)")
    .option("--json", 'print {"tests": [{"name", "ok", "error"}], "passed": N, "failed": N}')
    .action((files, opts) => {
      const budget = positiveInt(opts.budget, "--budget") ?? 100_000_000;
      const tests: { name: string; ok: boolean; error: string | null }[] = [];
      for (const file of files) {
        const prefix = files.length > 1 ? `${file}: ` : "";
        const { program, diagnostics } = compileFile(file, opts.json);
        if (!program) {
          const first = diagnostics.find((d) => d.severity === "error");
          tests.push({
            name: `${prefix}(compile)`,
            ok: false,
            error: first
              ? `${first.file}:${first.line}:${first.column}: ${first.message}`
              : "does not compile",
          });
          if (!opts.json) eprintln(`${err.error("FAILED")} ${file} does not compile`);
          continue;
        }
        const output = (s: string) => write(Deno.stderr, s);
        let report;
        try {
          report = runTests(new RuneVm(program, { budget, host: standaloneHost() }), {
            filter: opts.filter,
            budget,
            memoryLimit: DEFAULT_MEMORY,
            stdout: output,
            stderr: output,
          });
        } catch (e) {
          if (!(e instanceof RuneError)) throw e;
          tests.push({ name: `${prefix}(load)`, ok: false, error: e.describe() });
          continue;
        }
        for (const t of report.tests) {
          tests.push({ name: prefix + t.name, ok: t.ok, error: t.error });
          if (!opts.json) {
            println(`test ${prefix}${t.name} ... ${t.ok ? "ok" : "FAILED"}`);
            if (!t.ok) eprintln(err.dim(indent(t.error ?? "")));
          }
        }
      }
      const passed = tests.filter((t) => t.ok).length;
      const failed = tests.length - passed;
      if (opts.json) printJson({ tests, passed, failed });
      else {println(
          `\ntest result: ${failed === 0 ? "ok" : "FAILED"}. ${passed} passed; ${failed} failed`,
        );}
      if (failed > 0) throw new RuneFailed(`${failed} test${failed === 1 ? "" : "s"} failed`);
    });

  rune.command("bench")
    .description("run the #[bench] functions of Rune files")
    .argument("<files...>", "Rune files")
    .option("--filter <text>", "run only benches whose name contains this text")
    .option("--iterations <n>", "measure exactly this many iterations of each bench")
    .option("--time <ms>", "measuring time per bench when --iterations is not given", "500")
    .option(
      "--json",
      'print {"benches": [{"name", "ok", "error", "iterations", "mean_ns", "median_ns", "ops_per_sec"}], "failed": N}',
    )
    .action((files, opts) => {
      const iterations = positiveInt(opts.iterations, "--iterations");
      const timeMs = positiveInt(opts.time, "--time");
      const rows: BenchResult[] = [];
      for (const file of files) {
        const prefix = files.length > 1 ? `${file}: ` : "";
        const { program } = compileFile(file, opts.json);
        if (!program) {
          rows.push(failedBench(`${prefix}(compile)`, `${file} does not compile`));
          continue;
        }
        const output = (s: string) => write(Deno.stderr, s);
        try {
          const report = runBenches(new RuneVm(program, { host: standaloneHost() }), {
            filter: opts.filter,
            iterations,
            timeMs,
            memoryLimit: DEFAULT_MEMORY,
            stdout: output,
            stderr: output,
          });
          for (const r of report.benches) rows.push({ ...r, name: prefix + r.name });
        } catch (e) {
          if (!(e instanceof RuneError)) throw e;
          rows.push(failedBench(`${prefix}(load)`, e.describe()));
        }
      }
      const failed = rows.filter((r) => !r.ok).length;
      if (opts.json) {
        printJson({
          benches: rows.map((r) => ({
            name: r.name,
            ok: r.ok,
            error: r.error,
            iterations: r.iterations,
            mean_ns: r.meanNs,
            median_ns: r.medianNs,
            ops_per_sec: Number.isFinite(r.opsPerSec) ? r.opsPerSec : null,
          })),
          failed,
        });
      } else {
        if (rows.length > 0) println(benchTable(rows));
        else println("no benches");
        for (const r of rows) {
          if (!r.ok) {
            eprintln(`${err.error("FAILED")} ${r.name}\n${err.dim(indent(r.error ?? ""))}`);
          }
        }
      }
      if (failed > 0) throw new RuneFailed(`${failed} bench${failed === 1 ? "" : "es"} failed`);
    });
}

function failedBench(name: string, error: string): BenchResult {
  return { name, ok: false, error, iterations: 0, meanNs: 0, medianNs: 0, opsPerSec: 0 };
}

/** Nanoseconds as a short human duration. */
function duration(ns: number): string {
  if (ns < 1_000) return `${ns.toFixed(1)} ns`;
  if (ns < 1_000_000) return `${(ns / 1_000).toFixed(2)} µs`;
  if (ns < 1_000_000_000) return `${(ns / 1_000_000).toFixed(2)} ms`;
  return `${(ns / 1_000_000_000).toFixed(2)} s`;
}

function rate(ops: number): string {
  if (!Number.isFinite(ops)) return "-";
  if (ops >= 100) return Math.round(ops).toLocaleString("en-US");
  return ops.toFixed(2);
}

function benchTable(rows: BenchResult[]): string {
  const head = ["bench", "iterations", "mean", "median", "ops/s"];
  const cells = rows.map((r) =>
    r.ok
      ? [r.name, String(r.iterations), duration(r.meanNs), duration(r.medianNs), rate(r.opsPerSec)]
      : [r.name, "-", "-", "-", "FAILED"]
  );
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join("  ");
  return [line(head), ...cells.map(line)].join("\n");
}

function indent(text: string): string {
  return text.split("\n").map((l) => "    " + l).join("\n");
}

function toJsonOrDebug(v: unknown): JsonValue {
  try {
    return toJson(v);
  } catch {
    return debugValue(v);
  }
}
