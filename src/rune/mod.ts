/**
 * Rune — the dynamically typed, Rust-syntax scripting language — implemented for Deno: a lexer
 * and parser with diagnostics, a compiler to JavaScript, and a runtime with Rune's semantics
 * (i64 ints distinct from f64 floats, overflow errors, structural equality, …), an instruction
 * budget and memory accounting. This module knows nothing about plugins or kilns.
 *
 * @example
 * ```ts
 * import { compile, RuneVm } from "./mod.ts";
 * const { program, diagnostics } = compile("pub fn main(n) { n * 2 }", { file: "double.rn" });
 * if (!program) throw new Error(diagnostics.map((d) => d.message).join("\n"));
 * const vm = new RuneVm(program);
 * vm.call("main", [21]); // 42
 * ```
 *
 * @module
 */
import type { LocatedDiagnostic } from "./diagnostic.ts";
import { locate, renderDiagnostic } from "./diagnostic.ts";
import { parse, tooDeep } from "./parser.ts";
import { Source } from "./source.ts";
import { type CompiledProgram, compileFile } from "./compile/program.ts";
import type { HostFunctionSpec } from "./compile/items.ts";
import { loadModules, type ModuleLoader } from "./modules.ts";

export {
  CompileError,
  type Diagnostic,
  type LocatedDiagnostic,
  renderDiagnostic,
} from "./diagnostic.ts";
export { type CompiledProgram, type ExportInfo } from "./compile/program.ts";
export type { HostFunctionSpec } from "./compile/items.ts";
export type { ModuleLoader } from "./modules.ts";
export { RuneError, type RuneErrorCode, type RuneFrame, traceLines } from "./runtime/errors.ts";
export { errorOf, fromJson, type JsonValue, toJson } from "./runtime/json.ts";
export { debug as debugValue, display as displayValue } from "./runtime/format.ts";
export { type LoadOptions, RuneVm, type RunOptions } from "./vm.ts";
export { runTests, type TestOptions, type TestReport, type TestResult } from "./test_runner.ts";
export {
  type BenchOptions,
  type BenchReport,
  type BenchResult,
  runBenches,
} from "./bench_runner.ts";
export { parse } from "./parser.ts";
export { Source } from "./source.ts";

/** Options of {@link compile}. */
export interface CompileOptions {
  /** File name used in diagnostics and stack traces. Default `main.rn`. */
  file?: string;
  /**
   * Functions the host will provide at load time (see {@link RunOptions.host}), by path: a
   * program can call `crucible::read_note(path)` only if `crucible::read_note` is listed here.
   */
  host?: readonly HostFunctionSpec[];
  /**
   * Where `mod name;` files come from. Without a loader, a module in another file is a compile
   * error. The loader decides which files a program may load (the CLI allows only files inside
   * the root file's folder).
   */
  loadModule?: ModuleLoader;
  /**
   * Close names for a misspelt one, closest first, for "did you mean" hints (the caller's own
   * notion of close). Without it, a name that is not found gets no suggestion.
   */
  suggest?: (name: string, candidates: readonly string[]) => string[];
}

/** What {@link compile} returns. */
export interface CompileResult {
  /** The compiled program, or null when there were errors. */
  program: CompiledProgram | null;
  /** Errors and warnings, in source order. */
  diagnostics: LocatedDiagnostic[];
  /** The diagnostics rendered with source excerpts, ready to print. */
  rendered: string;
}

/** Parse and compile Rune source text. Never throws on bad input. */
export function compile(text: string, options: CompileOptions = {}): CompileResult {
  const name = options.file ?? "main.rn";
  const parsed = parse(text);
  const loaded = loadModules({ name, text, file: parsed.file }, options.loadModule);
  const source = new Source(name, loaded.text, loaded.parts);
  let program: CompiledProgram | null = null;
  const diags = [...parsed.diagnostics, ...loaded.diagnostics];
  if (!diags.some((d) => d.severity === "error")) {
    try {
      const { program: compiled, prog } = compileFile(source, parsed.file, {
        host: options.host ?? [],
        suggest: options.suggest,
      });
      diags.push(...prog.diagnostics);
      program = compiled;
    } catch (e) {
      // Very long operator or method chains make deep trees the compiler recurses over.
      if (!(e instanceof RangeError)) throw e;
      diags.push(tooDeep("E_COMPILE", "compile"));
    }
  }
  diags.sort((a, b) => a.span.start - b.span.start);
  return {
    program,
    diagnostics: diags.map((d) => locate(source, d)),
    rendered: diags.map((d) => renderDiagnostic(source, d)).join("\n\n"),
  };
}
