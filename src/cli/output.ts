/**
 * Terminal output for the CLI: colour only on a TTY and never with `NO_COLOR`, aligned tables,
 * JSON, and a progress bar on stderr when it is a TTY.
 *
 * Text a plugin or a kiln controls is passed through {@link safe} (one line) or {@link safeBlock}
 * (several lines, indented) where it is put into a line. As a last wall, every line written by
 * {@link println} and {@link eprintln} has its control characters shown as escapes, except line
 * breaks, tabs and cru's own colour codes; {@link printJson} escapes what JSON leaves raw.
 *
 * @module
 */
import { terminalJson, terminalOutput, terminalText } from "../security/terminal_text.ts";

/** Styling functions that are identity when colour is off. */
export interface Style {
  /** True when colour is on. */
  enabled: boolean;
  /** Bold text. */
  bold(s: string): string;
  /** Dim text. */
  dim(s: string): string;
  /** Cyan, for paths. */
  path(s: string): string;
  /** Yellow, for warnings. */
  warn(s: string): string;
  /** Red, for errors. */
  error(s: string): string;
  /** Green, for success. */
  ok(s: string): string;
}

/** Whether a stream should get colour: a TTY, and `NO_COLOR` unset or empty. */
export function colorEnabled(stream: { isTerminal(): boolean }): boolean {
  const noColor = Deno.env.get("NO_COLOR");
  if (noColor !== undefined && noColor !== "") return false;
  return stream.isTerminal();
}

/** Build a {@link Style}. */
export function makeStyle(enabled: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) =>
    enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s;
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    path: wrap(36, 39),
    warn: wrap(33, 39),
    error: wrap(31, 39),
    ok: wrap(32, 39),
  };
}

/** Style for stdout. */
export const out: Style = makeStyle(colorEnabled(Deno.stdout));
/** Style for stderr. */
export const err: Style = makeStyle(colorEnabled(Deno.stderr));

const encoder = new TextEncoder();

/** The escape sequences {@link makeStyle} (and search highlights) write: nothing else passes. */
// deno-lint-ignore no-control-regex
const OWN_STYLES = /\x1b\[(?:1|2|22|31|32|33|36|39|1;33|22;39)m/y;

/** Write a line to stdout. */
export function println(line = ""): void {
  Deno.stdout.writeSync(
    encoder.encode(terminalOutput(line + "\n", out.enabled ? OWN_STYLES : undefined)),
  );
}

/** Write a line to stderr. */
export function eprintln(line = ""): void {
  Deno.stderr.writeSync(
    encoder.encode(terminalOutput(line + "\n", err.enabled ? OWN_STYLES : undefined)),
  );
}

/** Print a value as pretty JSON on stdout. */
export function printJson(value: unknown): void {
  println(terminalJson(JSON.stringify(value, null, 2)));
}

/**
 * Plugin- or kiln-controlled text for one line: control characters (escape sequences, carriage
 * returns, line breaks, bidi overrides) are shown as escapes, never acted on.
 *
 * @example
 * ```ts
 * import { safe } from "./output.ts";
 * safe("\x1b[2K\r ok"); // "\\x1b[2K\\r ok"
 * ```
 */
export function safe(text: unknown, max?: number): string {
  return terminalText(String(text ?? ""), max === undefined ? {} : { max });
}

/**
 * Plugin- or kiln-controlled text meant to span lines (a traceback, documentation): as
 * {@link safe}, but line breaks stay, each following line indented by `indent`.
 */
export function safeBlock(text: unknown, indent: string): string {
  return terminalText(String(text ?? ""), { indent });
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** Visible width of a string (ANSI codes excluded; wide characters are counted as one). */
export function visibleWidth(s: string): number {
  return [...s.replace(ANSI, "")].length;
}

/** A table column. */
export interface Column<T> {
  /** Header text. */
  header: string;
  /** Cell text for a row. */
  cell: (row: T) => string;
  /** Right-align (numbers). */
  right?: boolean;
  /** Truncate cells longer than this many characters with `…`. */
  max?: number;
}

/** Render rows as an aligned table with a dim header. Returns the lines. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[], style = out): string[] {
  const cells = rows.map((r) =>
    columns.map((c) => {
      const text = c.cell(r);
      return c.max !== undefined && visibleWidth(text) > c.max
        ? [...text].slice(0, c.max - 1).join("") + "…"
        : text;
    })
  );
  const widths = columns.map((c, i) =>
    Math.max(visibleWidth(c.header), ...cells.map((row) => visibleWidth(row[i])))
  );
  const line = (values: string[]) =>
    values.map((v, i) => {
      const pad = " ".repeat(widths[i] - visibleWidth(v));
      if (i === values.length - 1 && !columns[i].right) return v;
      return columns[i].right ? pad + v : v + pad;
    }).join("  ").trimEnd();
  return [style.dim(line(columns.map((c) => c.header))), ...cells.map(line)];
}

/** A progress bar on stderr, drawn only when stderr is a TTY. */
export class ProgressBar {
  #label: string;
  #active: boolean;
  #last = 0;

  /** @param label text before the bar */
  constructor(label: string, options: { enabled?: boolean } = {}) {
    this.#label = label;
    this.#active = options.enabled ?? Deno.stderr.isTerminal();
  }

  /** Redraw, at most about 20 times a second. */
  update(done: number, total: number): void {
    if (!this.#active || total === 0) return;
    const now = performance.now();
    if (done < total && now - this.#last < 50) return;
    this.#last = now;
    const width = 30;
    const filled = Math.round((done / total) * width);
    const bar = "█".repeat(filled) + "░".repeat(width - filled);
    Deno.stderr.writeSync(
      encoder.encode(`\r${this.#label} ${bar} ${done}/${total}\x1b[K`),
    );
  }

  /** Clear the bar's line. */
  done(): void {
    if (this.#active) Deno.stderr.writeSync(encoder.encode("\r\x1b[K"));
  }
}

/** `1234567` → `1,234,567`. */
export function num(n: number): string {
  return n.toLocaleString("en-US");
}

/** Milliseconds as `850 ms` or `1.25 s`. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
