/**
 * Running a program's `#[test]` functions the way `rune test` does: each test is called with no
 * arguments and passes unless it panics or fails; one failing test does not stop the others.
 *
 * @module
 */
import { RuneError } from "./runtime/errors.ts";
import type { RuneVm, RunOptions } from "./vm.ts";

/** Options of {@link runTests}. */
export interface TestOptions extends RunOptions {
  /** Run only tests whose name contains this text. */
  filter?: string;
}

/** The outcome of one test. */
export interface TestResult {
  /** Test function path. */
  name: string;
  /** Passed? */
  ok: boolean;
  /** Why it failed (message and Rune stack trace), or null. */
  error: string | null;
  /** The error code when it failed. */
  code?: string;
  /** Milliseconds it took. */
  ms: number;
}

/** The outcome of a test run. */
export interface TestReport {
  tests: TestResult[];
  passed: number;
  failed: number;
}

/** Run the `#[test]` functions of a loaded program. */
export function runTests(vm: RuneVm, options: TestOptions = {}): TestReport {
  const tests: TestResult[] = [];
  for (const info of vm.exports) {
    if (!info.test) continue;
    if (options.filter && !info.name.includes(options.filter)) continue;
    const start = performance.now();
    if (info.arity !== 0) {
      tests.push({
        name: info.name,
        ok: false,
        error: "a #[test] function must take no arguments",
        code: "E_RUNTIME",
        ms: 0,
      });
      continue;
    }
    try {
      vm.call(info.name, [], options);
      const ms = performance.now() - start;
      if (info.shouldPanic) {
        tests.push({
          name: info.name,
          ok: false,
          error: "the test was expected to panic, but it finished",
          code: "E_RUNTIME",
          ms,
        });
      } else tests.push({ name: info.name, ok: true, error: null, ms });
    } catch (e) {
      const err = e instanceof RuneError ? e : new RuneError("E_RUNTIME", String(e));
      const ms = performance.now() - start;
      const expected = info.shouldPanic;
      if (expected === true || (typeof expected === "string" && err.message.includes(expected))) {
        tests.push({ name: info.name, ok: true, error: null, ms });
      } else if (typeof expected === "string") {
        tests.push({
          name: info.name,
          ok: false,
          error: `the test panicked, but its message does not contain ${
            JSON.stringify(expected)
          }:\n${err.describe()}`,
          code: err.code,
          ms,
        });
      } else tests.push({ name: info.name, ok: false, error: err.describe(), code: err.code, ms });
    }
  }
  const passed = tests.filter((t) => t.ok).length;
  return { tests, passed, failed: tests.length - passed };
}
