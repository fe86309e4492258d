/**
 * Compile-time diagnostics: syntax and compile errors with a place in the source, rendered the
 * way rustc and the Rune CLI render them (file:line:col, the source line, a caret under the
 * offending text, and a hint where one helps).
 *
 * @example
 * ```ts
 * import { Source } from "./source.ts";
 * import { renderDiagnostic } from "./diagnostic.ts";
 * const src = new Source("a.rn", "let x = ;");
 * console.log(renderDiagnostic(src, {
 *   severity: "error", code: "E_SYNTAX", message: "expected an expression",
 *   span: { start: 8, end: 9 },
 * }));
 * ```
 *
 * @module
 */
import type { Source, Span } from "./source.ts";

/** One problem found while parsing or compiling. */
export interface Diagnostic {
  /** Errors stop compilation; warnings do not. */
  severity: "error" | "warning";
  /** `E_SYNTAX` for the parser, `E_COMPILE` for name resolution and the like. */
  code: "E_SYNTAX" | "E_COMPILE";
  /** What is wrong. */
  message: string;
  /** Where. */
  span: Span;
  /** What to do about it, when that is not obvious. */
  hint?: string;
}

/** A diagnostic with its position resolved, as JSON output and tests see it. */
export interface LocatedDiagnostic extends Diagnostic {
  /** File name. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
}

/** Resolve a diagnostic's line and column. */
export function locate(source: Source, d: Diagnostic): LocatedDiagnostic {
  const { line, column } = source.position(d.span.start);
  return { ...d, file: source.fileAt(d.span.start), line, column };
}

/** Render a diagnostic with a source excerpt and a caret line. */
export function renderDiagnostic(source: Source, d: Diagnostic): string {
  const start = source.position(d.span.start);
  const end = source.position(Math.max(d.span.start, d.span.end - 1));
  const gutter = String(start.line).length;
  const pad = " ".repeat(gutter);
  const text = source.lineAt(d.span.start);
  const width = end.line === start.line ? Math.max(1, end.column - start.column + 1) : 1;
  const caretAt = visualColumn(text, start.column - 1);
  const lines = [
    `${d.severity}: ${d.message}`,
    `${pad}--> ${source.fileAt(d.span.start)}:${start.line}:${start.column}`,
    `${pad} |`,
    `${start.line} | ${text.replace(/\t/g, "    ")}`,
    `${pad} | ${" ".repeat(caretAt)}${"^".repeat(Math.min(width, Math.max(1, text.length)))}`,
  ];
  if (d.hint) lines.push(`${pad} = hint: ${d.hint}`);
  return lines.join("\n");
}

function visualColumn(text: string, index: number): number {
  let col = 0;
  for (let i = 0; i < index && i < text.length; i++) col += text[i] === "\t" ? 4 : 1;
  return col;
}

/** Raised by {@link compile} callers that want an exception: carries every diagnostic. */
export class CompileError extends Error {
  /** Stable code of the first error. */
  readonly code: "E_SYNTAX" | "E_COMPILE";
  /** All diagnostics, located. */
  readonly diagnostics: LocatedDiagnostic[];

  /** @param source the file; @param diagnostics what was found (at least one error) */
  constructor(source: Source, diagnostics: Diagnostic[]) {
    const errors = diagnostics.filter((d) => d.severity === "error");
    const first = errors[0] ?? diagnostics[0];
    super(diagnostics.map((d) => renderDiagnostic(source, d)).join("\n\n"));
    this.name = "CompileError";
    this.code = first?.code ?? "E_COMPILE";
    this.diagnostics = diagnostics.map((d) => locate(source, d));
  }
}
