/**
 * The VM: loads a compiled program (JavaScript source from the compiler or the compile cache),
 * calls its functions under limits, and turns whatever stops it into a {@link RuneError} with a
 * Rune-level stack trace recovered from the JavaScript stack and the program's line table.
 *
 * @module
 */
import type { CompiledProgram, ExportInfo } from "./compile/program.ts";
import { RuneError, type RuneErrorCode, type RuneFrame } from "./runtime/errors.ts";
import { io, type IoState } from "./runtime/io.ts";
import { meter, type MeterState, SLICE } from "./runtime/meter.ts";
import { RUNTIME } from "./runtime/rt.ts";
import { Future } from "./runtime/generator.ts";
import type { Value } from "./runtime/values.ts";

/** Limits and output for one call into a program. */
export interface RunOptions {
  /** Most steps (function calls plus loop iterations) the call may take. Default: unlimited. */
  budget?: number;
  /** Stop after this many milliseconds of wall-clock time (checked every few thousand steps). */
  timeoutMs?: number;
  /** Polled every few thousand steps; returning true stops the program with `E_TIMEOUT`. */
  shouldStop?: () => boolean;
  /** Memory the program may account for, in bytes. Default: unlimited. */
  memoryLimit?: number;
  /** Optional real measurement consulted before `E_MEMORY` (e.g. heap use since the start). */
  measureMemory?: () => number;
  /** Where `print!`/`println!` go. Default: discarded. */
  stdout?: (text: string) => void;
  /** Where `eprint!`/`eprintln!`/`dbg!` go. Default: discarded. */
  stderr?: (text: string) => void;
}

/** Options for loading a program. */
export interface LoadOptions extends RunOptions {
  /**
   * Host functions by path (`crucible::read_note`), called with Rune values and returning Rune
   * values. Every host function the program calls must be here. A host function may throw a
   * {@link RuneError} with its own code; it reaches the caller of {@link RuneVm.call} unchanged.
   */
  host?: Record<string, (...args: Value[]) => Value>;
}

// Globals a generated module could name if the compiler ever emitted a free identifier; they
// are parameters of the module function, so they are undefined inside it.
const SHADOWED = [
  "globalThis",
  "self",
  "window",
  "Deno",
  "Function",
  "Object",
  "Reflect",
  "Proxy",
  "Symbol",
  "WebAssembly",
  "Worker",
  "fetch",
  "setTimeout",
  "setInterval",
  "queueMicrotask",
  "require",
  "process",
  "Bun",
  "importScripts",
  "postMessage",
  "close",
  "location",
  "navigator",
  "performance",
  "console",
  "Error",
  "Promise",
  "Array",
  "String",
  "Number",
  "BigInt",
];

const HEADER_LINES = (() => {
  const probe = new Function("a", "return new Error().stack;\n//# sourceURL=rune:///probe.js") as (
    a: number,
  ) => string;
  const m = /rune:\/\/\/probe\.js(?:, <anonymous>)?:(\d+)/.exec(probe(0));
  return m ? Number(m[1]) - 1 : 2;
})();

const FRAME =
  /at (?:(?:new |async )?([^\s(]+) )?\(?rune:\/\/\/(.+?)\.js(?:, <anonymous>)?:(\d+):(\d+)\)?/;

/** A loaded program. */
export class RuneVm {
  /** The program. */
  readonly program: CompiledProgram;
  readonly #functions = new Map<string, (...args: Value[]) => Value>();
  readonly #url: string;
  /** Reads (no argument) or sets the module's own step counter, `$B`. */
  #steps: ((v?: number) => number) | null = null;

  /** Load a compiled program (runs its constant initialisers). */
  constructor(program: CompiledProgram, options: LoadOptions = {}) {
    this.program = program;
    this.#url = encodeURIComponent(program.file).replace(/%2F/g, "/");
    let factory: (...args: unknown[]) => unknown;
    try {
      factory = new Function(
        "$rt",
        "$host",
        ...SHADOWED,
        `${program.code}\n//# sourceURL=rune:///${this.#url}.js`,
      ) as (
        ...args: unknown[]
      ) => unknown;
    } catch (e) {
      throw new Error(
        `internal error: the Rune compiler produced invalid JavaScript: ${(e as Error).message}`,
      );
    }
    const host = new Map<string, (...args: Value[]) => Value>();
    for (const path of program.host ?? []) {
      const f = options.host && Object.hasOwn(options.host, path) ? options.host[path] : undefined;
      if (typeof f !== "function") {
        throw new RuneError(
          "E_RUNTIME",
          `the program calls \`${path}\`, which this host does not provide`,
        );
      }
      host.set(path, f);
    }
    const fns = this.#enter(
      options,
      () => factory(RUNTIME, host),
    ) as ((...args: Value[]) => Value)[];
    program.exports.forEach((info, i) => this.#functions.set(info.name, fns[i]));
    this.#steps = fns[program.exports.length] as unknown as (v?: number) => number;
  }

  /** The functions a host can call. */
  get exports(): ExportInfo[] {
    return this.program.exports;
  }

  /** Does the program define a callable function with this name? */
  has(name: string): boolean {
    return this.#functions.has(name);
  }

  /** Call a function with Rune values; throws {@link RuneError} when the program fails. */
  call(name: string, args: Value[] = [], options: RunOptions = {}): Value {
    const fn = this.#functions.get(name);
    if (!fn) throw new RuneError("E_RUNTIME", `the program has no function \`${name}\``);
    const info = this.program.exports.find((e) => e.name === name)!;
    if (info.arity !== args.length) {
      throw new RuneError(
        "E_RUNTIME",
        `\`${name}\` takes ${info.arity} argument${
          info.arity === 1 ? "" : "s"
        }, but ${args.length} ${args.length === 1 ? "was" : "were"} given`,
      );
    }
    // `async fn main` (or an async test) gives a future: run it, as `rune run` does.
    return this.#enter(options, () => {
      const value = fn(...args);
      return value instanceof Future ? value.await() : value;
    });
  }

  /**
   * Call a function value the program produced (a closure it handed to the host, such as the
   * one a bench gives `b.iter`) `times` times under one set of limits; returns its last result.
   */
  repeat(f: Value, times: number, options: RunOptions = {}): Value {
    if (typeof f !== "function") throw new RuneError("E_RUNTIME", "expected a function value");
    return this.#enter(options, () => {
      let value: Value = undefined;
      for (let i = 0; i < times; i++) {
        value = f();
        if (value instanceof Future) value = value.await();
      }
      return value;
    });
  }

  #enter<T>(options: RunOptions, f: () => T): T {
    const savedMeter: MeterState = { ...meter };
    const savedIo: IoState = { ...io };
    const savedLimit = Error.stackTraceLimit;
    meter.used = 0;
    meter.slice = SLICE;
    meter.budget = options.budget ?? Infinity;
    meter.b = Math.min(SLICE, meter.budget);
    meter.slice = meter.b;
    meter.cb = meter.b;
    // The module counts its own steps; a call nested in another call of the same program (a
    // callback from the host) gets a fresh slice and hands the outer one back when it returns.
    const savedSteps = this.#steps?.();
    this.#steps?.(meter.cb);
    meter.deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
    meter.shouldStop = options.shouldStop ?? null;
    meter.mem = 0;
    meter.text = 0;
    meter.memLimit = options.memoryLimit ?? Infinity;
    meter.measure = options.measureMemory ?? null;
    io.out = options.stdout ?? (() => {});
    io.err = options.stderr ?? (() => {});
    Error.stackTraceLimit = 64;
    try {
      return f();
    } catch (e) {
      throw this.#toRuneError(e);
    } finally {
      if (savedSteps !== undefined) this.#steps?.(savedSteps);
      Object.assign(meter, savedMeter);
      Object.assign(io, savedIo);
      Error.stackTraceLimit = savedLimit;
    }
  }

  #toRuneError(e: unknown): RuneError {
    let err: RuneError;
    if (e instanceof RuneError) err = e;
    else if (e instanceof RangeError && /call stack/i.test(e.message)) {
      err = new RuneError("E_RUNTIME", "stack overflow: the recursion is too deep");
    } else if (e instanceof RangeError && /(string|array) length|allocation/i.test(e.message)) {
      err = new RuneError("E_MEMORY", `the program ran out of memory (${e.message})`);
    } else {
      const message = e instanceof Error ? e.message : String(e);
      err = new RuneError(
        "E_RUNTIME" as RuneErrorCode,
        `internal error in the Rune runtime: ${message}`,
      );
    }
    if (err.trace.length === 0) err.trace = this.#trace(e instanceof Error ? e.stack ?? "" : "");
    return err;
  }

  #trace(stack: string): RuneFrame[] {
    const frames: RuneFrame[] = [];
    for (const line of stack.split("\n")) {
      const m = FRAME.exec(line);
      if (!m || decodeURIComponent(m[2]) !== this.program.file) continue;
      const jsLine = Number(m[3]) - HEADER_LINES - 1;
      const files = this.program.files;
      const runeLine = this.program.lines[jsLine] ?? 0;
      if (runeLine === 0) continue;
      const jsName = (m[1] ?? "").split(".").pop()!.replace(/\$(make|init|gen|body)$/, "");
      const names = this.program.fnNames;
      const fn = Object.hasOwn(names, jsName) ? names[jsName] : jsName;
      frames.push({
        fn,
        file: files ? files.names[files.lines[jsLine] ?? 0] : this.program.file,
        line: runeLine,
        column: this.program.columns[jsLine] ?? 1,
      });
    }
    return frames;
  }
}
