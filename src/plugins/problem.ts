/**
 * A problem found in a plugin: where (file, line, manifest field), how bad, and how to fix it.
 *
 * @module
 */

/** Errors make a plugin invalid (it is skipped); warnings are shown and it still loads. */
export type ProblemSeverity = "error" | "warning";

/** One problem with a plugin. */
export interface PluginProblem {
  /** Absolute path of the plugin file. */
  file: string;
  /** 1-based line in the file. */
  line: number;
  /** The manifest field (`parameters.expression.type`), `code`, or `frontmatter`. */
  field?: string;
  /** Error or warning. */
  severity: ProblemSeverity;
  /** Stable code, e.g. `manifest-field`, `lua-syntax`, `dependency-cycle`. */
  code: string;
  /** What is wrong. */
  message: string;
  /** What would be valid, or what to do. */
  hint?: string;
}

/** `file:line: severity: message (hint)` — the one-line form the CLI prints. */
export function formatProblem(p: PluginProblem, displayFile = p.file): string {
  const field = p.field ? ` [${p.field}]` : "";
  return `${displayFile}:${p.line}: ${p.severity}${field}: ${p.message}` +
    (p.hint ? ` — ${p.hint}` : "");
}
