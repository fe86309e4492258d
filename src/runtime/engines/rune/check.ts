/**
 * The Rune syntax check for `cru plugins validate`: compile (never run) a plugin's code against
 * the `crucible` module (and the modules of its declared dependencies) and report every error and warning as a plugin problem with its line.
 *
 * @module
 */
import { compile } from "../../../rune/mod.ts";
import { suggest } from "../../../suggest.ts";
import type { PluginProblem } from "../../../plugins/problem.ts";
import { dependencyModules, pluginHostModules } from "./engine.ts";

/**
 * Compile Rune source and report its diagnostics.
 *
 * @example
 * ```ts
 * import { checkRuneSyntax } from "./check.ts";
 * const problems = checkRuneSyntax("/p/x.rune", "x.rune", "pub fn main() {\n  let x = ;\n}\n");
 * problems[0].line; // 2
 * ```
 */
export function checkRuneSyntax(
  file: string,
  chunkName: string,
  code: string,
  dependencies: readonly string[] = [],
): PluginProblem[] {
  const host = pluginHostModules(dependencyModules(dependencies).keys());
  const { diagnostics } = compile(code, { file: chunkName, host, suggest });
  return diagnostics.map((d) => ({
    file,
    line: d.line,
    field: "code",
    severity: d.severity,
    code: d.code === "E_SYNTAX" ? "rune-syntax" : "rune-compile",
    message: `${d.message} (column ${d.column})`,
    hint: d.hint ?? (d.code === "E_SYNTAX" ? "fix the Rune syntax error" : "fix the Rune code"),
  }));
}
