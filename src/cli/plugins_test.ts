/**
 * `cru plugins test FILE|NAME…`: run a plugin's tests, examples and cases in the sandbox, each
 * against a throwaway kiln, and report them for people, as JSON, or as JUnit XML.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import * as path from "node:path";
import { loadConfig } from "../config/config.ts";
import { resolveKilnRoot } from "../kiln/kiln.ts";
import { renderJunit } from "../plugins/junit.ts";
import { loadPluginFile, PluginRegistry, type ResolvedPlugin } from "../plugins/registry.ts";
import {
  type CoverageSummary,
  type PluginTestResult,
  type PluginTestRun,
  testPlugin,
} from "../plugins/testing.ts";
import { InvalidParamsError } from "../errors.ts";
import { parseApproveFlag } from "../security/approvals.ts";
import type { GlobalOptions } from "./context.ts";
import { duration, eprintln, err, out, printJson, println, safe } from "./output.ts";
import { requirePlugin } from "./plugins.ts";
import { InvocationFailed } from "./run.ts";
import { UsageError } from "./usage.ts";

/** Raised when a test failed (already reported): exit 1. */
export class TestsFailed extends InvocationFailed {}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function isFile(p: string): boolean {
  try {
    return Deno.statSync(p).isFile;
  } catch {
    return false;
  }
}

/** Lines as ranges: [3, 4, 5, 9] → "3-5, 9". */
export function lineRanges(lines: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < lines.length;) {
    let j = i;
    while (j + 1 < lines.length && lines[j + 1] === lines[j] + 1) j++;
    parts.push(j > i ? `${lines[i]}-${lines[j]}` : String(lines[i]));
    i = j + 1;
  }
  return parts.join(", ");
}

function coverageLine(c: CoverageSummary): string {
  const text = `coverage: ${c.percent.toFixed(1)}% of ${c.lines} lines`;
  if (c.uncovered.length === 0) return text;
  const ranges = lineRanges(c.uncovered);
  return `${text} ${
    out.dim(`(not run: ${ranges.length > 80 ? ranges.slice(0, 79) + "…" : ranges})`)
  }`;
}

function testJson(t: PluginTestResult) {
  return {
    name: t.name,
    kind: t.kind,
    ok: t.ok,
    duration_ms: Math.round(t.durationMs * 10) / 10,
    failure: t.failure,
    error: t.error,
    logs: t.logs,
  };
}

function runJson(r: PluginTestRun) {
  return {
    plugin: r.plugin,
    passed: r.passed,
    failed: r.failed,
    duration_ms: Math.round(r.durationMs),
    coverage: r.coverage,
    withheld: r.withheld,
    cases_files: r.casesFiles,
    tests: r.tests.map(testJson),
  };
}

const INDENT = " ".repeat(25);

function printResult(t: PluginTestResult): void {
  const status = t.ok ? out.ok("ok  ") : out.error("FAIL");
  // Fixed-width columns before the name keep the report aligned while it streams.
  const took = duration(t.durationMs).padStart(8);
  println(`  ${status} ${out.dim(t.kind.padEnd(7))} ${out.dim(took)}  ${safe(t.name)}`);
  if (!t.ok && t.failure) {
    for (const line of t.failure.split("\n")) println(`${INDENT}${out.error(safe(line))}`);
    if (t.error?.traceback) {
      for (const line of t.error.traceback.split("\n")) println(out.dim(`${INDENT}${safe(line)}`));
    }
  }
  if (!t.ok) { for (const line of t.logs) println(out.dim(`${INDENT}log: ${safe(line)}`)); }
}

/** Register `cru plugins test` on the `plugins` group. */
export function registerTestCommand(plugins: Command, globals: () => GlobalOptions): void {
  plugins.command("test")
    .description(
      "run a plugin's tests, examples and *.test.yaml cases in the sandbox (never installs it)",
    )
    .argument("[targets...]", "plugin files or plugin names (default: every plugin)")
    .option("--filter <text>", "run only tests whose name contains this text")
    .option("--reporter <kind>", "human (default) or junit (JUnit XML on stdout)")
    .option("--no-coverage", "do not collect line coverage")
    .option("--timeout <ms>", "stop each test after this many milliseconds")
    .option(
      "--approve <plugin:capability>",
      "let tests use a capability that reaches outside the test kiln (repeatable)",
      collect,
      [] as string[],
    )
    .option("-y, --yes", "let tests use every capability the plugin declares")
    .option("--json", "print the results as JSON")
    .action(async (targets, opts) => {
      const reporter = opts.reporter ?? "human";
      if (reporter !== "human" && reporter !== "junit") {
        throw new UsageError(`--reporter must be human or junit, got ${JSON.stringify(reporter)}`);
      }
      let timeoutMs: number | undefined;
      if (opts.timeout !== undefined) {
        timeoutMs = Number(opts.timeout);
        if (!Number.isInteger(timeoutMs) || timeoutMs < 1) {
          throw new UsageError("--timeout must be a positive number of milliseconds");
        }
      }
      try {
        opts.approve.forEach(parseApproveFlag);
      } catch (e) {
        if (e instanceof InvalidParamsError) throw new UsageError(e.message);
        throw e;
      }
      const { root } = resolveKilnRoot({
        flag: globals().kiln,
        env: Deno.env.get("CRUCIBLE_KILN"),
      });
      const config = loadConfig({ kilnRoot: root });
      const registry = await PluginRegistry.load({ kilnRoot: root, pins: config.pins });
      const plugins: ResolvedPlugin[] = targets.length ? [] : registry.list();
      for (const target of targets) {
        if (isFile(target) || /\.(rune|lua|md)$/i.test(target)) {
          if (!isFile(target)) throw new UsageError(`${target}: no such plugin file`);
          const copy = await loadPluginFile(path.resolve(target), "kiln");
          plugins.push({ ...copy, shadows: [] });
        } else plugins.push(requirePlugin(registry, target));
      }
      const human = reporter === "human" && !opts.json;
      const runs: PluginTestRun[] = [];
      for (const p of plugins) {
        if (human) {
          println(
            `${out.bold(safe(p.name))} ${safe(p.version ?? "")} ${
              out.dim(`(${safe(p.language ?? "?")})`)
            } ${out.dim(safe(p.file))}`,
          );
        }
        const run = await testPlugin(p, {
          registry,
          config,
          filter: opts.filter,
          coverage: opts.coverage,
          approve: opts.approve,
          yes: opts.yes ?? false,
          timeoutMs,
          onResult: human ? printResult : undefined,
        });
        runs.push(run);
        if (human) {
          if (run.tests.length === 0) println(out.dim("  no tests, examples or cases found"));
          if (run.withheld.length) {
            println(out.dim(
              `  withheld from the tests: ${run.withheld.join(", ")} (allow with --approve ` +
                `${p.name}:CAPABILITY or --yes)`,
            ));
          }
          if (run.coverage) println(`  ${coverageLine(run.coverage)}`);
        }
      }
      const passed = runs.reduce((n, r) => n + r.passed, 0);
      const failed = runs.reduce((n, r) => n + r.failed, 0);
      const total = runs.reduce((n, r) => n + r.durationMs, 0);
      if (opts.json) {
        printJson({
          ok: failed === 0,
          passed,
          failed,
          duration_ms: Math.round(total),
          plugins: runs.map(runJson),
        });
      } else if (reporter === "junit") {
        println(renderJunit(runs));
      } else {
        println();
        println(
          `test result: ${failed === 0 ? out.ok("ok") : out.error("FAILED")}. ${passed} passed; ` +
            `${failed} failed ${out.dim(`(${duration(total)})`)}`,
        );
      }
      if (failed > 0) {
        if (!human) eprintln(err.error(`${failed} test${failed === 1 ? "" : "s"} failed`));
        throw new TestsFailed(`${failed} failed`);
      }
    });
}
