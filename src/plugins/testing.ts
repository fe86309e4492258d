/**
 * `cru plugins test`: a dry run of a plugin in the real sandbox that never installs it. Three
 * kinds of tests run, each in a fresh sandbox against its own temporary kiln (a copy of the
 * fixture, or empty), so no test touches a real kiln:
 *
 * - the plugin's own tests: Rune `#[test]` functions; Lua `test_*` functions (returned or global)
 *   and the functions of a returned `tests` table;
 * - the manifest's `examples`;
 * - the cases of `*.test.yaml` files beside the plugin (see test_cases.ts).
 *
 * Capabilities: what stays inside the throwaway kiln (KilnRead, KilnWrite, StateManage,
 * PluginInvoke) is granted without asking; what reaches outside it (network, files outside the
 * kiln, Unsafe) is withheld unless approved with `--approve NAME:CAP` or `--yes`, so tests run
 * offline and leave the machine alone by default.
 *
 * @module
 */
import * as path from "node:path";
import type { Config } from "../config/config.ts";
import type { CoverageReport, ErrorInfo, Json } from "../runtime/protocol.ts";
import { parseApproveFlag } from "../security/approvals.ts";
import { type Capability, formatCapability } from "../security/capability.ts";
import type { Approver } from "../sandbox/invoke.ts";
import { type InvocationResult, PluginRunner } from "../sandbox/invoke.ts";
import { SandboxPool } from "../sandbox/pool.ts";
import type { PluginRegistry, ResolvedPlugin } from "./registry.ts";
import { ownTests } from "./own_tests.ts";
import {
  checkWrites,
  type DataCase,
  exampleCases,
  findCasesFiles,
  type Fixture,
  jsonEqual,
  jsonMatch,
  materialize,
  readCasesFile,
} from "./test_cases.ts";

/** Where a test came from. */
export type TestKind = "test" | "example" | "case";

/** The outcome of one test. */
export interface PluginTestResult {
  /** Test name. */
  name: string;
  /** Kind. */
  kind: TestKind;
  /** Passed? */
  ok: boolean;
  /** Wall time, ms (sandbox start included). */
  durationMs: number;
  /** Why it failed, one paragraph; null when it passed. */
  failure: string | null;
  /** The plugin's error, when it raised one. */
  error: ErrorInfo | null;
  /** What the plugin logged. */
  logs: string[];
}

/** Line coverage over every run of a plugin's tests. */
export interface CoverageSummary {
  /** Lines holding code. */
  lines: number;
  /** Of those, lines that ran. */
  covered: number;
  /** covered / lines × 100, one decimal. */
  percent: number;
  /** Lines that never ran. */
  uncovered: number[];
}

/** Everything a test run found about one plugin. */
export interface PluginTestRun {
  /** The plugin. */
  plugin: { name: string; version: string | null; language: string | null; file: string };
  /** Results in run order. */
  tests: PluginTestResult[];
  /** Tests passed. */
  passed: number;
  /** Tests failed. */
  failed: number;
  /** Wall time, ms. */
  durationMs: number;
  /** Line coverage, null when it was not collected. */
  coverage: CoverageSummary | null;
  /** Capabilities withheld from the tests (not approved for use outside the throwaway kiln). */
  withheld: string[];
  /** Cases files read. */
  casesFiles: string[];
}

/** Options of {@link testPlugin}. */
export interface PluginTestOptions {
  /** Plugins, for dependencies the plugin calls. */
  registry: PluginRegistry;
  /** Configuration (limits). */
  config: Config;
  /** Only tests whose name contains this. */
  filter?: string;
  /** Collect line coverage. Default true. */
  coverage?: boolean;
  /** `--approve NAME:CAP` values for capabilities that reach outside the kiln. */
  approve?: string[];
  /** Approve everything declared. */
  yes?: boolean;
  /** Stop each test after this many milliseconds (default: the plugin's timeout). */
  timeoutMs?: number;
  /** Called after each test. */
  onResult?: (result: PluginTestResult) => void;
  /**
   * A folder copied into every test's kiln whose cases file names no `fixtures` of its own (and
   * into the kiln of own tests and examples). It comes from the caller, never from a cases file,
   * which may only name folders inside the plugin's folder.
   */
  fixtureDir?: string;
}

/** Capabilities confined to the throwaway kiln (and the test's own config folder). */
const CONFINED = new Set(["KilnRead", "KilnWrite", "StateManage", "PluginInvoke"]);

/** A test ready to run in its own kiln. */
export interface Planned {
  name: string;
  kind: TestKind;
  run: (ctx: RunContext) => Promise<Omit<PluginTestResult, "name" | "kind" | "durationMs">>;
  fixture: Fixture;
}

/** What a planned test runs with. */
export interface RunContext {
  kiln: string;
  runner: PluginRunner;
  invoke: (plugin: ResolvedPlugin, fn: string | undefined, params: unknown) => Promise<
    InvocationResult
  >;
}

/**
 * Run a plugin's tests, examples and cases; never installs it and never touches a real kiln.
 *
 * @example
 * ```ts
 * import { testPlugin } from "./testing.ts";
 * import { loadPluginFile, PluginRegistry } from "./registry.ts";
 * import { loadConfig } from "../config/config.ts";
 * const plugin = { ...(await loadPluginFile("plugins/dice-roller.rune", "builtin")), shadows: [] };
 * const run = await testPlugin(plugin, { registry: await PluginRegistry.load(), config: loadConfig() });
 * console.log(run.passed, run.failed, run.coverage?.percent);
 * ```
 */
export async function testPlugin(
  plugin: ResolvedPlugin,
  options: PluginTestOptions,
): Promise<PluginTestRun> {
  const started = performance.now();
  const coverage = options.coverage ?? true;
  const tests: PluginTestResult[] = [];
  const reports: CoverageReport[] = [];
  const withheld: string[] = [];
  const casesFiles = findCasesFiles(plugin.file);
  const info = {
    name: plugin.name,
    version: plugin.version,
    language: plugin.language,
    file: plugin.file,
  };
  const finish = (): PluginTestRun => {
    const passed = tests.filter((t) => t.ok).length;
    return {
      plugin: info,
      tests,
      passed,
      failed: tests.length - passed,
      durationMs: performance.now() - started,
      coverage: coverage ? summarize(reports) : null,
      withheld,
      casesFiles,
    };
  };
  const record = (r: PluginTestResult) => {
    tests.push(r);
    options.onResult?.(r);
  };
  if (!plugin.valid || !plugin.manifest) {
    const first = plugin.problems.find((p) => p.severity === "error");
    record({
      name: "(validate)",
      kind: "test",
      ok: false,
      durationMs: 0,
      failure: `the plugin is invalid${
        first ? `: ${path.basename(first.file)}:${first.line}: ${first.message}` : ""
      }; see cru plugins validate ${plugin.file}`,
      error: null,
      logs: [],
    });
    return finish();
  }

  // What the tests may use: the declared capabilities, minus what reaches outside the kiln and
  // was not approved for this run.
  const approved = (options.approve ?? []).map(parseApproveFlag)
    .filter((a) => a.plugin === plugin.name);
  const kept: Capability[] = [];
  for (const cap of plugin.manifest.capabilities) {
    const shown = formatCapability(cap);
    if (
      CONFINED.has(cap.name) || options.yes ||
      approved.some((a) => a.capability === cap.name || a.capability === shown)
    ) kept.push(cap);
    else withheld.push(shown);
  }
  const subject: ResolvedPlugin = {
    ...plugin,
    manifest: { ...plugin.manifest, capabilities: kept },
    shadows: [],
  };

  // The default fixture (for own tests and examples) is the first cases file's.
  const given = options.fixtureDir;
  let fixture: Fixture = { notes: {}, ...(given ? { dir: given } : {}) };
  const cases: DataCase[] = [];
  for (const file of casesFiles) {
    const read = readCasesFile(file);
    if ("message" in read) {
      record({
        name: `(${path.basename(file)})`,
        kind: "case",
        ok: false,
        durationMs: 0,
        failure: read.message,
        error: null,
        logs: [],
      });
      continue;
    }
    const withGiven = (f: Fixture): Fixture => f.dir || !given ? f : { ...f, dir: given };
    if (cases.length === 0) fixture = withGiven(read.fixture);
    cases.push(...read.cases.map((c) => ({ ...c, fixture: withGiven(c.fixture) })));
  }

  const pool = new SandboxPool({
    size: 1,
    payloadLimit: options.config.sandbox.fileSize + 1024 * 1024,
  });
  const approver: Approver = {
    request(req) {
      const base = req.capability.replace(/\(.*$/, "");
      const ok = req.plugin === plugin.name ||
        CONFINED.has(base) || base.startsWith("limits.");
      return Promise.resolve(
        ok
          ? {
            approved: true,
            decision: "flag",
            message: `${req.capability} approved for a test run against a throwaway kiln`,
          }
          : {
            approved: false,
            decision: "non-interactive",
            message: `${req.plugin} asked for ${req.capability}, which tests do not grant`,
          },
      );
    },
  };
  const lastLine = plugin.code.split("\n").length;
  const testLines = plugin.language === "lua" ? luaTestLines(plugin.code) : new Set<number>();
  const runIn = async (t: Planned) => {
    if (options.filter && !t.name.includes(options.filter)) return;
    const kiln = materialize(t.fixture);
    const runner = new PluginRunner({
      kilnRoot: kiln,
      registry: options.registry,
      config: options.config,
      approver,
      pool,
      configDir: path.join(kiln, ".crucible", "test-config"),
    });
    const begin = performance.now();
    try {
      const outcome = await t.run({
        kiln,
        runner,
        invoke: async (p, fn, params) => {
          const r = await runner.invoke({
            plugin: p,
            fn,
            params,
            validateParams: fn === undefined || fn === p.manifest!.entry,
            coverage,
            timeoutMs: options.timeoutMs,
          });
          // Only the plugin's own lines: the wrapper around Lua tests adds some after them.
          if (r.coverage) reports.push(withinLines(r.coverage, lastLine, testLines));
          return r;
        },
      });
      record({ name: t.name, kind: t.kind, durationMs: performance.now() - begin, ...outcome });
    } finally {
      runner.close();
      Deno.removeSync(kiln, { recursive: true });
    }
  };

  try {
    for (const t of await ownTests(subject, fixture, { pool, approver, options })) await runIn(t);
    for (const c of [...exampleCases(subject.manifest!, fixture), ...cases]) {
      await runIn({
        name: c.name,
        kind: c.kind,
        fixture: c.fixture,
        run: async (ctx) => {
          const r = await ctx.invoke(subject, c.fn, c.params);
          return { ...judge(r, c, ctx.kiln), error: r.ok ? null : r.error!, logs: r.logs };
        },
      });
    }
  } finally {
    pool.close();
  }
  return finish();

  function judge(
    r: InvocationResult,
    c: DataCase,
    kiln: string,
  ): { ok: boolean; failure: string | null } {
    const e = c.expect;
    if (e.error !== undefined) {
      if (r.ok) {
        return {
          ok: false,
          failure: `expected error ${e.error}, but it returned ${show(r.value)}`,
        };
      }
      if (r.error!.code !== e.error) {
        return {
          ok: false,
          failure: `expected error ${e.error}, got ${r.error!.code}: ${r.error!.message}`,
        };
      }
      if (e.message !== undefined && !r.error!.message.includes(e.message)) {
        return {
          ok: false,
          failure: `the error message does not contain ${JSON.stringify(e.message)}: ` +
            r.error!.message,
        };
      }
      return { ok: true, failure: null };
    }
    if (!r.ok) {
      return { ok: false, failure: `${r.error!.code}: ${r.error!.message}${where(r.error!)}` };
    }
    if (e.output !== undefined && !jsonEqual(r.value, e.output as Json)) {
      return {
        ok: false,
        failure: `expected ${show(e.output)}\nactual   ${show(r.value)}`,
      };
    }
    if (e.match !== undefined && !jsonMatch(r.value, e.match)) {
      return {
        ok: false,
        failure: `expected a result matching ${show(e.match)}\nactual   ${show(r.value)}`,
      };
    }
    if (e.writes) {
      const problem = checkWrites(kiln, e.writes);
      if (problem) return { ok: false, failure: problem };
    }
    return { ok: true, failure: null };
  }
}

/** " (file:line)" of an error, when it has a line. */
export function where(e: ErrorInfo): string {
  return e.line ? ` (${path.basename(e.file ?? "")}:${e.line})` : "";
}

function show(v: unknown): string {
  const text = JSON.stringify(v);
  return text === undefined ? "nothing" : text.length > 400 ? text.slice(0, 399) + "…" : text;
}

/**
 * Lines of a Lua plugin's own tests (`test_*` functions and a `tests = {…}` table), which
 * coverage leaves out as Rune's does its `#[test]` functions: they are found by their opening
 * line and the `end` or `}` at the same indentation.
 */
export function luaTestLines(code: string): Set<number> {
  const lines = code.split("\n");
  const out = new Set<number>();
  const opener =
    /^(\s*)(?:(?:local\s+)?function\s+(?:[\w.]+[.:])?test_\w+\s*\(|(?:local\s+)?(?:[\w.]+\.)?tests\s*=\s*\{\s*$)/;
  for (let i = 0; i < lines.length; i++) {
    const m = opener.exec(lines[i]);
    if (!m) continue;
    if (/\bend[\s,;]*$/.test(lines[i])) {
      out.add(i + 1); // a one-line test function
      continue;
    }
    const close = new RegExp(`^${m[1]}(?:end\\b|\\})`);
    let j = i;
    while (j < lines.length && !(j > i && close.test(lines[j]))) j++;
    if (j >= lines.length) continue;
    for (let k = i; k <= j; k++) out.add(k + 1);
    i = j;
  }
  return out;
}

function withinLines(c: CoverageReport, last: number, tests: Set<number>): CoverageReport {
  // Line 1 is the manifest's opening `---` (the Lua wrapper puts its prefix there).
  const keep = (l: number) => l >= 2 && l <= last && !tests.has(l);
  return { executable: c.executable.filter(keep), hit: c.hit.filter(keep) };
}

/** Merge the coverage of every run. */
function summarize(reports: CoverageReport[]): CoverageSummary | null {
  if (reports.length === 0) return null;
  const executable = new Set<number>();
  const hit = new Set<number>();
  for (const r of reports) {
    for (const l of r.executable) executable.add(l);
    for (const l of r.hit) hit.add(l);
  }
  const lines = [...executable].sort((a, b) => a - b);
  const covered = lines.filter((l) => hit.has(l)).length;
  return {
    lines: lines.length,
    covered,
    percent: lines.length ? Math.round((covered / lines.length) * 1000) / 10 : 100,
    uncovered: lines.filter((l) => !hit.has(l)),
  };
}
