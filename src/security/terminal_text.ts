/**
 * Text from a plugin or a kiln, made safe to print on a terminal. Whatever a plugin or a shared
 * kiln controls — names, descriptions, authors, errors, log lines, capability targets, note
 * titles, audit fields — may carry characters a terminal acts on instead of showing: escape
 * sequences that erase a line and print a fake "ok" over a refusal, a carriage return that
 * overwrites the start of a line, C1 controls (`\x9b` is a one-byte CSI on some terminals), or
 * bidirectional overrides that reorder what is read. Every printer passes such text through
 * {@link terminalText}, which shows those characters as visible escapes instead.
 *
 * @module
 */

/**
 * Characters a terminal acts on rather than shows: C0 controls (tab and line feed are handled by
 * the caller), DEL, C1 controls, zero-width and directional marks, line and paragraph separators,
 * bidi embeddings, overrides and isolates, and the byte-order mark.
 */
const CONTROLS =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** Options of {@link terminalText}. */
export interface TerminalTextOptions {
  /**
   * Keep line breaks (a block meant to span lines, like a traceback or a diff), putting this
   * indent before every line after the first so a line of the text can never pass for a line of
   * cru's own. Default: line breaks are shown as `\n`, and the text stays on one line.
   */
  indent?: string;
  /** Cut the result at this many characters, ending it with `…`. Default: no cut. */
  max?: number;
}

/**
 * `text` with every control character shown as an escape (`\x1b`, `\r`, `\n`, `\u{202e}`), so
 * printing it can only ever put those characters on screen.
 *
 * @example
 * ```ts
 * import { terminalText } from "./terminal_text.ts";
 * terminalText("\x1b[2K\r ok"); // "\\x1b[2K\\r ok"
 * terminalText("one\ntwo", { indent: "  " }); // "one\n  two"
 * ```
 */
export function terminalText(text: string, options: TerminalTextOptions = {}): string {
  const { indent } = options;
  let safe = String(text).replace(CONTROLS, (c) => {
    if (c === "\n" && indent !== undefined) return "\n" + indent;
    return escape(c);
  });
  if (options.max !== undefined && safe.length > options.max) {
    safe = safe.slice(0, Math.max(0, options.max - 1)) + "…";
  }
  return safe;
}

/** The visible escape of one control character. */
function escape(c: string): string {
  const code = c.charCodeAt(0);
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, "0")}`;
  return `\\u{${code.toString(16)}}`;
}

/** What JSON.stringify leaves raw (it escapes C0 itself) but a terminal acts on. */
const JSON_RAW = /[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/**
 * JSON text with the characters JSON leaves raw but a terminal acts on (DEL, C1 controls, bidi
 * and zero-width marks, line separators) written as `\uXXXX` escapes: still the same JSON value,
 * and nothing in it moves the cursor or reorders a line.
 *
 * @example
 * ```ts
 * import { terminalJson } from "./terminal_text.ts";
 * terminalJson(JSON.stringify("a\u202eb")); // "\"a\\u202eb\""
 * ```
 */
export function terminalJson(json: string): string {
  return json.replace(JSON_RAW, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A last wall for text about to be written, built by cru around already escaped plugin text:
 * line breaks and tabs stay, and so do escape sequences `own` matches at their start (cru's own
 * colours, when colour is on); every other control character is shown as an escape.
 *
 * @example
 * ```ts
 * import { terminalOutput } from "./terminal_text.ts";
 * terminalOutput("\x1b[1mok\x1b[22m\r", /\x1b\[(?:1|22)m/y); // "\x1b[1mok\x1b[22m\\r"
 * ```
 */
export function terminalOutput(text: string, own?: RegExp): string {
  return text.replace(CONTROLS, (c, offset: number) => {
    if (c === "\n") return c;
    if (c === "\x1b" && own) {
      own.lastIndex = offset;
      if (own.test(text)) return c;
    }
    return escape(c);
  });
}
