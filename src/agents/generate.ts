/**
 * `generate_plugin`: an agent hands over a complete plugin file (manifest + code) and, if it
 * likes, test cases; cru checks it (syntax, manifest, safety lints) and runs the plugin's own
 * tests, its manifest examples and the given cases in the sandbox, each against a throwaway
 * kiln, without asking anyone and without installing anything. The report is built for an agent
 * to iterate on: every problem with its line, every failing test with why.
 *
 * @module
 */
import * as path from "node:path";
import { stringify } from "yaml";
import type { Json } from "../runtime/protocol.ts";
import { loadPluginFile } from "../plugins/registry.ts";
import type { Session } from "../plugins/session.ts";
import { testPlugin } from "../plugins/testing.ts";
import type { Language } from "../plugins/source.ts";

/** Most cases one call may hand in. */
export const MAX_GENERATED_CASES = 100;

/** One case, as in a `*.test.yaml` file. */
export interface GeneratedCase {
  /** Name shown in the report. */
  name: string;
  /** Function other than the entry. */
  fn?: string;
  /** Parameters. */
  params?: Record<string, unknown>;
  /** The whole expected result. */
  output?: unknown;
  /** A subset of the expected result. */
  match?: unknown;
  /** The expected error code. */
  error?: string;
  /** Text the error message contains. */
  message?: string;
  /** Notes written before the run. */
  notes?: Record<string, string>;
  /** Notes expected after the run. */
  writes?: Record<string, unknown>;
}

/** What {@link checkGeneratedPlugin} found. */
export interface GenerateReport {
  /** No errors and no failing test. */
  ok: boolean;
  /** The plugin as its manifest names it. */
  plugin: { name: string; version: string | null; language: string | null };
  /** Syntax, manifest and lint problems, by line. */
  problems: {
    severity: string;
    line: number;
    field?: string;
    code: string;
    message: string;
    hint?: string;
  }[];
  /** Own tests, examples and cases. */
  tests: {
    passed: number;
    failed: number;
    results: {
      name: string;
      kind: string;
      ok: boolean;
      failure: string | null;
      error: Json;
      logs: string[];
    }[];
  };
  /** Line coverage of the tests, null when nothing ran. */
  coverage: { lines: number; covered: number; percent: number; uncovered: number[] } | null;
  /** Capabilities the tests ran without (they reach outside the throwaway kiln). */
  withheld: string[];
  /** Always false: nothing is installed. */
  installed: false;
}

const EXT: Record<Language, string> = { lua: ".lua", rune: ".rune" };

/**
 * Check and test an agent's plugin in a temporary folder. With cases, each case (and the own
 * tests and examples) runs against a throwaway copy of the session's kiln (its notes, not its
 * `.crucible/`); without, against an empty kiln.
 *
 * @example
 * ```ts ignore
 * import { checkGeneratedPlugin } from "./generate.ts";
 * const report = await checkGeneratedPlugin(session, { language: "lua", source });
 * if (!report.ok) console.log(report.problems, report.tests.results);
 * ```
 */
export async function checkGeneratedPlugin(
  session: Session,
  input: { language: Language; source: string; tests?: GeneratedCase[] },
): Promise<GenerateReport> {
  const dir = Deno.makeTempDirSync({ prefix: "cru-generated-" });
  try {
    const file = path.join(dir, `generated${EXT[input.language]}`);
    Deno.writeTextFileSync(file, input.source);
    if (input.tests?.length) {
      const cases = input.tests.slice(0, MAX_GENERATED_CASES);
      Deno.writeTextFileSync(
        path.join(dir, "generated.test.yaml"),
        stringify({ cases }, { lineWidth: 0 }),
      );
    }
    const copy = await loadPluginFile(file, "kiln");
    const problems = copy.problems.map((p) => ({
      severity: p.severity,
      line: p.line,
      ...(p.field ? { field: p.field } : {}),
      code: p.code,
      message: p.message,
      ...(p.hint ? { hint: p.hint } : {}),
    }));
    if (copy.language !== null && copy.language !== input.language) {
      problems.unshift({
        severity: "error",
        line: 1,
        field: "language",
        code: "language-mismatch",
        message:
          `the manifest says ${copy.language}, but the plugin was given as ${input.language}`,
        hint: `call generate_plugin with language: ${copy.language}, or fix the manifest`,
      });
    }
    const report: GenerateReport = {
      ok: false,
      plugin: { name: copy.name, version: copy.version, language: copy.language },
      problems,
      tests: { passed: 0, failed: 0, results: [] },
      coverage: null,
      withheld: [],
      installed: false,
    };
    if (!copy.valid || problems.some((p) => p.severity === "error")) return report;
    const run = await testPlugin({ ...copy, shadows: [] }, {
      registry: session.registry,
      config: session.config,
      coverage: true,
      // The cases run against a copy of the session's kiln.
      fixtureDir: session.root,
    });
    report.tests = {
      passed: run.passed,
      failed: run.failed,
      results: run.tests.map((t) => ({
        name: t.name,
        kind: t.kind,
        ok: t.ok,
        failure: t.failure,
        error: t.error as Json,
        logs: t.logs,
      })),
    };
    report.coverage = run.tests.length ? run.coverage : null;
    report.withheld = run.withheld;
    report.ok = run.failed === 0;
    return report;
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}
