/**
 * Running a program's `#[bench]` functions the way `rune bench` does. A bench function takes a
 * bencher `b` and hands it the code to measure with `b.iter(|| …)`; the runner then calls that
 * closure many times and reports iterations, mean and median time per iteration and operations
 * per second.
 *
 * Each closure is warmed up, then run in batches sized so one batch takes about a millisecond;
 * the median is taken over the batches' per-iteration times.
 *
 * @module
 */
import { callable } from "./runtime/dispatch.ts";
import { RuneError } from "./runtime/errors.ts";
import { methodTable, setMethods, UNIT, type Value } from "./runtime/values.ts";
import type { RuneVm, RunOptions } from "./vm.ts";

/** Options of {@link runBenches}. */
export interface BenchOptions extends RunOptions {
  /** Run only benches whose name contains this text. */
  filter?: string;
  /** Measure exactly this many iterations (after warm-up). Default: as many as fit in `timeMs`. */
  iterations?: number;
  /** Measuring time per bench when `iterations` is not given, in ms. Default 500. */
  timeMs?: number;
  /** Clock in ms. Default `performance.now`. */
  now?: () => number;
}

/** The outcome of one bench. */
export interface BenchResult {
  /** Bench function path (with `#2`, `#3`, … when it called `b.iter` more than once). */
  name: string;
  /** Did it run? */
  ok: boolean;
  /** Why it failed (message and Rune stack trace), or null. */
  error: string | null;
  /** Iterations measured. */
  iterations: number;
  /** Mean nanoseconds per iteration. */
  meanNs: number;
  /** Median nanoseconds per iteration (over batches). */
  medianNs: number;
  /** Iterations per second (from the mean). */
  opsPerSec: number;
}

/** The outcome of a bench run. */
export interface BenchReport {
  benches: BenchResult[];
  failed: number;
}

/** The `b` a bench function receives: it collects the closures given to `b.iter`. */
class Bencher {
  readonly fns: ((...a: Value[]) => Value)[] = [];
}
const BENCHER_METHODS = methodTable();
BENCHER_METHODS.iter = (b: Bencher, f: Value) => {
  b.fns.push(callable(f, 0, "Bencher::iter"));
  return UNIT;
};
setMethods(Bencher, BENCHER_METHODS);
Object.defineProperty(Bencher.prototype, "$name", { value: "Bencher" });

function failed(name: string, e: unknown): BenchResult {
  const err = e instanceof RuneError ? e : new RuneError("E_RUNTIME", String(e));
  return {
    name,
    ok: false,
    error: err.describe(),
    iterations: 0,
    meanNs: 0,
    medianNs: 0,
    opsPerSec: 0,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function measure(
  vm: RuneVm,
  f: Value,
  options: BenchOptions,
): Pick<BenchResult, "iterations" | "meanNs" | "medianNs" | "opsPerSec"> {
  const now = options.now ?? (() => performance.now());
  // Warm up, and size a batch to about a millisecond.
  let t0 = now();
  vm.repeat(f, 1, options);
  let one = now() - t0;
  const warm = Math.max(
    1,
    Math.min(options.iterations ?? 10, Math.floor(50 / Math.max(one, 1e-3))),
  );
  t0 = now();
  vm.repeat(f, warm, options);
  one = (now() - t0) / warm;
  let batch = Math.max(1, Math.floor(1 / Math.max(one, 1e-6)));
  const target = options.iterations;
  if (target !== undefined) batch = Math.min(batch, target);
  const samples: number[] = [];
  let iterations = 0;
  let total = 0;
  const budgetMs = options.timeMs ?? 500;
  for (;;) {
    const n = target !== undefined ? Math.min(batch, target - iterations) : batch;
    if (n <= 0) break;
    t0 = now();
    vm.repeat(f, n, options);
    const ms = now() - t0;
    samples.push(ms / n);
    iterations += n;
    total += ms;
    if (target === undefined && total >= budgetMs && samples.length >= 5) break;
    if (target === undefined && samples.length >= 10_000) break;
  }
  const meanMs = total / iterations;
  return {
    iterations,
    meanNs: meanMs * 1e6,
    medianNs: median(samples) * 1e6,
    opsPerSec: meanMs > 0 ? 1000 / meanMs : Infinity,
  };
}

/** Run the `#[bench]` functions of a loaded program. */
export function runBenches(vm: RuneVm, options: BenchOptions = {}): BenchReport {
  const benches: BenchResult[] = [];
  for (const info of vm.exports) {
    if (!info.bench) continue;
    if (options.filter && !info.name.includes(options.filter)) continue;
    if (info.arity !== 1) {
      benches.push(
        failed(
          info.name,
          new RuneError("E_RUNTIME", "a #[bench] function must take one argument, the bencher"),
        ),
      );
      continue;
    }
    const b = new Bencher();
    try {
      vm.call(info.name, [b], options);
    } catch (e) {
      benches.push(failed(info.name, e));
      continue;
    }
    if (b.fns.length === 0) {
      benches.push(
        failed(info.name, new RuneError("E_RUNTIME", "the bench never called `b.iter(|| …)`")),
      );
      continue;
    }
    b.fns.forEach((f, i) => {
      const name = b.fns.length > 1 ? `${info.name}#${i + 1}` : info.name;
      try {
        benches.push({ name, ok: true, error: null, ...measure(vm, f, options) });
      } catch (e) {
        benches.push(failed(name, e));
      }
    });
  }
  return { benches, failed: benches.filter((r) => !r.ok).length };
}
