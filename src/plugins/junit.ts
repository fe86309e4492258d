/**
 * JUnit XML for `cru plugins test --reporter junit`: one `<testsuite>` per plugin, one
 * `<testcase>` per test, the form CI systems (GitHub Actions, GitLab, Jenkins) read.
 *
 * @module
 */
import type { PluginTestRun } from "./testing.ts";

function escape(text: string): string {
  return text
    // XML 1.0 cannot hold most control characters, even escaped.
    // deno-lint-ignore no-control-regex
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, "\ufffd")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * Render test runs as a JUnit XML document.
 *
 * @example
 * ```ts
 * import { renderJunit } from "./junit.ts";
 * const xml = renderJunit([]); // an empty <testsuites>
 * ```
 */
export function renderJunit(runs: readonly PluginTestRun[]): string {
  const tests = runs.reduce((n, r) => n + r.tests.length, 0);
  const failures = runs.reduce((n, r) => n + r.failed, 0);
  const time = runs.reduce((n, r) => n + r.durationMs, 0);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="cru plugins test" tests="${tests}" failures="${failures}" errors="0" ` +
    `time="${seconds(time)}">`,
  ];
  for (const run of runs) {
    const name = escape(run.plugin.name);
    out.push(
      `  <testsuite name="${name}" tests="${run.tests.length}" failures="${run.failed}" ` +
        `errors="0" skipped="0" time="${seconds(run.durationMs)}" ` +
        `file="${escape(run.plugin.file)}">`,
    );
    if (run.coverage) {
      out.push(
        "    <properties>",
        `      <property name="coverage.lines" value="${run.coverage.lines}"/>`,
        `      <property name="coverage.covered" value="${run.coverage.covered}"/>`,
        `      <property name="coverage.percent" value="${run.coverage.percent}"/>`,
        "    </properties>",
      );
    }
    for (const t of run.tests) {
      const open = `    <testcase classname="${name}.${t.kind}" name="${escape(t.name)}" ` +
        `time="${seconds(t.durationMs)}"`;
      if (t.ok && t.logs.length === 0) {
        out.push(`${open}/>`);
        continue;
      }
      out.push(`${open}>`);
      if (!t.ok) {
        const failure = t.failure ?? "failed";
        out.push(
          `      <failure type="${escape(t.error?.code ?? "assertion")}" message="${
            escape(failure.split("\n")[0])
          }">${escape([failure, t.error?.traceback ?? ""].filter(Boolean).join("\n"))}</failure>`,
        );
      }
      if (t.logs.length) out.push(`      <system-out>${escape(t.logs.join("\n"))}</system-out>`);
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return out.join("\n");
}
