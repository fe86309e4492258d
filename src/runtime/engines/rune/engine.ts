/**
 * The Rune engine: plugins written in Rune, compiled to JavaScript by src/rune and run inside the
 * sandbox worker. Every invocation loads the program afresh (no state survives); compiled code
 * is cached by the plugin's source hash, since compiling is the only costly step.
 *
 * The kiln API is the `crucible` module, generated from the binding table: `crucible.read_note`
 * is `crucible::read_note(path)`, `crucible.graph.backlinks` is `crucible::graph::backlinks(note)`.
 * Values cross as JSON only (see src/rune/runtime/json.ts for the rules). The entry function
 * takes the parameters as its one argument (or no argument); a result of `Err(e)` fails the
 * invocation with `E_RUNTIME`, `Ok(v)` returns `v`.
 *
 * A declared dependency is a module named after it (hyphens become underscores): with
 * `dependencies: {dice-roller: "^1"}`, `dice_roller::main(params)` and `dice_roller::other(params)`
 * are call proxies that go through the `invoke_plugin` binding, as Lua's `require` proxies do.
 *
 * @module
 */
import { suggest } from "../../../suggest.ts";
import { binding, BINDINGS } from "../../bindings.ts";
import { type Engine, type EngineContext, PluginError } from "../../engine.ts";
import type { Json } from "../../protocol.ts";
import {
  compile,
  type CompiledProgram,
  debugValue,
  errorOf,
  fromJson,
  type HostFunctionSpec,
  RuneError,
  RuneVm,
  toJson,
  traceLines,
} from "../../../rune/mod.ts";
import { COVERAGE_HOST, instrument, type Instrumented } from "./coverage.ts";

/** The `crucible` module as Rune host functions, one per binding. */
export const CRUCIBLE_MODULE: readonly HostFunctionSpec[] = BINDINGS.map((b) => ({
  path: `crucible::${b.name.split(".").join("::")}`,
  params: b.params.length,
  optional: b.params.filter((p) => p.optional).length,
}));

const bindingByPath = new Map(
  BINDINGS.map((b) => [`crucible::${b.name.split(".").join("::")}`, b.name]),
);

/** Compiled programs by source hash (the worker outlives invocations; programs are plain data). */
const cache = new Map<string, CompiledProgram>();
const CACHE_SIZE = 32;

function basename(file: string): string {
  return file.slice(file.lastIndexOf("/") + 1);
}

/** The Rune module name of a dependency (`dice-roller` → `dice_roller`), or null if it has none. */
export function dependencyModule(name: string): string | null {
  const module = name.replace(/-/g, "_");
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(module) || module === "crucible" || module === "std") {
    return null;
  }
  return module;
}

/** Every function of every declared dependency, as host functions taking the parameters. */
function dependencySpecs(ctx: EngineContext): Map<string, string> {
  return dependencyModules(ctx.dependencies ?? []);
}

/** Module name → dependency name, for the dependencies that have a module name. */
export function dependencyModules(dependencies: readonly string[]): Map<string, string> {
  const modules = new Map<string, string>();
  for (const dep of dependencies) {
    const module = dependencyModule(dep);
    if (module !== null && !modules.has(module)) modules.set(module, dep);
  }
  return modules;
}

/**
 * The host functions a plugin's code may call: the `crucible` module and, for each declared
 * dependency, a module of call proxies (`dice_roller::*`).
 */
export function pluginHostModules(dependencies: Iterable<string>): HostFunctionSpec[] {
  return [
    ...CRUCIBLE_MODULE,
    ...[...dependencies].map((m) => ({ path: `${m}::*`, params: 1, optional: 1 })),
  ];
}

function compiled(ctx: EngineContext, deps: Map<string, string>): CompiledProgram {
  const key = `${ctx.plugin.hash}:${ctx.plugin.file}:${[...deps.keys()].join(",")}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const result = compile(ctx.plugin.code, {
    file: basename(ctx.plugin.file),
    host: pluginHostModules(deps.keys()),
    suggest,
  });
  if (!result.program) {
    const first = result.diagnostics.find((d) => d.severity === "error")!;
    // Parse and compile errors alike are E_SYNTAX for the host: the file cannot be loaded.
    throw new PluginError(
      "E_SYNTAX",
      first.hint ? `${first.message} (${first.hint})` : first.message,
      {
        file: ctx.plugin.file,
        line: first.line,
        column: first.column,
        traceback: result.rendered,
      },
    );
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, result.program);
  return result.program;
}

/** A RuneError (or anything else thrown out of the VM) as the PluginError the host expects. */
function asPluginError(e: unknown, file: string): PluginError {
  if (e instanceof PluginError) return e;
  if (e instanceof RuneError) {
    const top = e.trace[0];
    return new PluginError(e.code, e.message, {
      file,
      ...(top ? { line: top.line, column: top.column } : {}),
      ...(e.trace.length ? { traceback: traceLines(e.trace, "").join("\n") } : {}),
    });
  }
  return new PluginError("E_RUNTIME", e instanceof Error ? e.message : String(e), { file });
}

const instrumented = new Map<string, Instrumented | null>();

/** The program with coverage markers (cached like the plain one), or null when not possible. */
function withCoverage(ctx: EngineContext, program: CompiledProgram): Instrumented | null {
  const key = `${ctx.plugin.hash}:${ctx.plugin.file}`;
  if (!instrumented.has(key)) {
    const tests = new Set(program.exports.filter((e) => e.test).map((e) => e.name));
    if (instrumented.size >= CACHE_SIZE) instrumented.delete(instrumented.keys().next().value!);
    instrumented.set(key, instrument(program, tests));
  }
  return instrumented.get(key)!;
}

/**
 * `dep::f(params)`: run function `f` of plugin `dep` through `crucible::invoke_plugin`; `main`
 * runs the dependency's entry, whatever its name.
 */
function dependencyProxy(
  host: Record<string, (...args: unknown[]) => unknown>,
  dep: string,
  fn: string,
): (...args: unknown[]) => unknown {
  const invoke = host["crucible::invoke_plugin"];
  return (...args: unknown[]) => {
    const params = args.length > 0 ? args[0] : new Map();
    return fn === "main" ? invoke(dep, params) : invoke(dep, params, fn);
  };
}

/** Create a Rune engine for one invocation. */
export function createRuneEngine(ctx: EngineContext): Promise<Engine> {
  const file = ctx.plugin.file;
  const hits: number[] = [];
  let pending = "";
  const write = (text: string) => {
    pending += text;
    let nl = pending.indexOf("\n");
    while (nl >= 0) {
      ctx.log(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
      nl = pending.indexOf("\n");
    }
  };
  const flush = () => {
    if (pending) ctx.log(pending);
    pending = "";
  };
  // Functions passed to bindings that take callbacks, by reference number (this invocation only).
  const callbacks: ((...a: unknown[]) => unknown)[] = [];
  const callbackIds = new Map<unknown, number>();
  const withRefs = (v: unknown, depth = 0): unknown => {
    if (depth > 64) return v;
    if (typeof v === "function") {
      let id = callbackIds.get(v);
      if (id === undefined) {
        callbacks.push(v as (...a: unknown[]) => unknown);
        id = callbacks.length;
        callbackIds.set(v, id);
      }
      return new Map([["$fn", id]]);
    }
    if (Array.isArray(v)) return v.map((x) => withRefs(x, depth + 1));
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, withRefs(x, depth + 1)]));
    return v;
  };
  const host: Record<string, (...args: unknown[]) => unknown> = Object.create(null);
  for (const spec of CRUCIBLE_MODULE) {
    const name = bindingByPath.get(spec.path)!;
    const takesCallbacks = binding(name)?.callbacks === true;
    host[spec.path] = (...args: unknown[]) => {
      let jsonArgs: Json[];
      try {
        jsonArgs = args.map((a, i) =>
          toJson(takesCallbacks ? withRefs(a) : a, `argument ${i + 1} of ${spec.path}`) as Json
        );
      } catch (e) {
        throw new RuneError("E_INVALID_VALUE", (e as Error).message);
      }
      try {
        return fromJson(ctx.call(name, jsonArgs));
      } catch (e) {
        const err = e instanceof PluginError ? e : new PluginError("E_RUNTIME", String(e));
        throw new RuneError(err.code as `E_${string}`, err.message);
      }
    };
  }
  let baseline = 0;
  let measureMemory: (() => number) | undefined;
  try {
    baseline = Deno.memoryUsage().heapUsed;
    measureMemory = () => Math.max(0, Deno.memoryUsage().heapUsed - baseline);
  } catch {
    measureMemory = undefined;
  }
  const options = {
    memoryLimit: ctx.limits.memory,
    shouldStop: () => ctx.shouldStop(),
    measureMemory,
    stdout: write,
    stderr: write,
  };
  const deps = dependencySpecs(ctx);
  let vm: RuneVm;
  let covered: Instrumented | null = null;
  try {
    let program = compiled(ctx, deps);
    for (const path of program.host) {
      if (Object.hasOwn(host, path)) continue;
      const at = path.lastIndexOf("::");
      const dep = deps.get(path.slice(0, at));
      if (dep !== undefined) host[path] = dependencyProxy(host, dep, path.slice(at + 2));
    }
    if (ctx.coverage) {
      covered = withCoverage(ctx, program);
      if (covered) {
        program = covered.program;
        host[COVERAGE_HOST] = () => hits;
      }
    }
    vm = new RuneVm(program, { ...options, host });
  } catch (e) {
    flush();
    return Promise.reject(asPluginError(e, file));
  }
  return Promise.resolve({
    callFunction(ref, args): Json {
      let f: ((...a: unknown[]) => unknown) | undefined;
      if (typeof ref === "string") {
        const info = vm.exports.find((e) => e.name === ref);
        if (info) {
          f = (...a: unknown[]) => vm.call(ref, a.slice(0, info.arity) as never[], options);
          Object.defineProperty(f, "length", { value: info.arity });
        }
      } else f = callbacks[ref.$fn - 1];
      if (!f) {
        throw new PluginError(
          "E_NOT_FOUND",
          `the callback ${
            typeof ref === "string" ? ref : ref.$fn
          } is not a function of this plugin`,
          { file },
        );
      }
      let value: unknown;
      try {
        value = f(...args.slice(0, f.length).map((a) => fromJson(a)));
      } catch (e) {
        throw asPluginError(e, file);
      }
      const error = errorOf(value as never);
      if (error !== undefined) {
        throw new PluginError("E_RUNTIME", typeof error === "string" ? error : debugValue(error), {
          file,
        });
      }
      try {
        return toJson(value as never) as Json;
      } catch (e) {
        throw new PluginError("E_INVALID_VALUE", (e as Error).message, { file });
      }
    },
    run(fn: string, params: Json): Json {
      const info = vm.exports.find((e) => e.name === fn);
      if (!info) {
        throw new PluginError(
          "E_NOT_FOUND",
          `the plugin defines no function ${fn} (write \`pub fn ${fn}(params) { … }\`)`,
          { file },
        );
      }
      if (info.arity > 1) {
        throw new PluginError(
          "E_INVALID_PARAMS",
          `${fn} must take the parameters as one argument, or none`,
          {
            file,
            line: info.line,
          },
        );
      }
      let value: unknown;
      try {
        value = vm.call(fn, info.arity === 1 ? [fromJson(params)] : [], options);
      } catch (e) {
        throw asPluginError(e, file);
      } finally {
        flush();
      }
      const error = errorOf(value);
      if (error !== undefined) {
        throw new PluginError("E_RUNTIME", typeof error === "string" ? error : debugValue(error), {
          file,
        });
      }
      try {
        return toJson(value) as Json;
      } catch (e) {
        throw new PluginError("E_INVALID_VALUE", (e as Error).message, { file });
      }
    },
    dispose() {},
    coverage() {
      if (!covered) return undefined;
      const hit: number[] = [];
      hits.forEach((v, line) => v && hit.push(line));
      return { executable: covered.executable, hit };
    },
  });
}
