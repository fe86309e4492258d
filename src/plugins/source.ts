/**
 * The two file forms of a plugin, reduced to one shape: manifest data, the code to compile (with
 * line numbers equal to the file's, so errors point at the real line), and the language the file
 * form implies.
 *
 * - `dice.rune` / `dice.lua`: YAML frontmatter between `---` lines at the top, then code.
 * - `dice.md`: a note whose frontmatter is the manifest and whose body holds exactly one fenced
 *   `rune` or `lua` code block that a reader sees (not inside a comment or raw HTML); the rest of
 *   the body is the plugin's documentation.
 *
 * @module
 */
import { parseDocument } from "yaml";
import { parseFrontmatter } from "../kiln/frontmatter.ts";
import type { PluginProblem } from "./problem.ts";

/** Languages a plugin can be written in. */
export const LANGUAGES = ["rune", "lua"] as const;
/** A plugin language. */
export type Language = typeof LANGUAGES[number];

/** How a plugin file was written. */
export type PluginForm = "source" | "markdown";

/** A plugin file split into its parts. */
export interface PluginSource {
  /** Absolute path of the file. */
  file: string;
  /** `source` for .rune/.lua files, `markdown` for .md notes. */
  form: PluginForm;
  /** Frontmatter mapping (`{}` when missing or malformed). */
  data: Record<string, unknown>;
  /** The code, padded with empty lines so line N of the code is line N of the file. */
  code: string;
  /** File line of the code's first real line. */
  codeLine: number;
  /** Language implied by the extension or the fence, if any. */
  language: Language | null;
  /** Free-form documentation: the Markdown around the code block of a `.md` plugin. */
  docs: string;
  /** Problems with the file form itself (frontmatter, code blocks). */
  problems: PluginProblem[];
  /** The file line a manifest field was written on (`["parameters", "x", "type"]`). */
  lineOf(path: readonly (string | number)[]): number;
}

/** File extensions a plugin may have. */
export const PLUGIN_EXTENSIONS = [".rune", ".lua", ".md"] as const;

/** True for a file name a plugin may have. */
export function isPluginFile(name: string): boolean {
  const lower = name.toLowerCase();
  return PLUGIN_EXTENSIONS.some((e) => lower.endsWith(e)) && !name.startsWith(".");
}

/**
 * Split a plugin file's text.
 *
 * @example
 * ```ts
 * import { splitPluginSource } from "./source.ts";
 * const src = splitPluginSource("/p/hello.lua", "---\nname: hello\n---\nreturn 1\n");
 * src.code; // "\n\n\nreturn 1\n" — line 4 of the file is line 4 of the code
 * ```
 */
export function splitPluginSource(file: string, text: string): PluginSource {
  const lower = file.toLowerCase();
  const problems: PluginProblem[] = [];
  const fm = parseFrontmatter(text, file);
  for (const d of fm.diagnostics) {
    problems.push({
      file,
      line: d.line ?? 1,
      field: "frontmatter",
      severity: "error",
      code: "manifest-yaml",
      message: d.message,
      hint: "fix the YAML between the --- lines at the top of the file",
    });
  }
  if (!fm.present && fm.diagnostics.length === 0) {
    problems.push({
      file,
      line: 1,
      field: "frontmatter",
      severity: "error",
      code: "manifest-missing",
      message: "the plugin has no frontmatter manifest",
      hint: "start the file with ---, then at least `name:` and `description:`, then ---",
    });
  }
  const lineOf = lineLocator(text, fm.present ? fm.bodyLine : 1);
  const pad = "\n".repeat(fm.bodyLine - 1);

  if (!lower.endsWith(".md")) {
    const language: Language = lower.endsWith(".lua") ? "lua" : "rune";
    return {
      file,
      form: "source",
      data: fm.data,
      code: pad + fm.body,
      codeLine: fm.bodyLine,
      language,
      docs: "",
      problems,
      lineOf,
    };
  }

  const hidden: number[] = [];
  const blocks = codeBlocks(fm.body, fm.bodyLine, hidden);
  const plugin = blocks.filter((b) => b.language !== null);
  for (const line of hidden) {
    problems.push({
      file,
      line,
      field: "code",
      severity: "warning",
      code: "code-block-hidden",
      message: "a code block inside an HTML block or comment is not shown to a reader, so it " +
        "is not the plugin's code",
      hint: "move the plugin's code out of the comment or HTML block",
    });
  }
  let code = "";
  let codeLine = fm.bodyLine;
  let language: Language | null = null;
  let docs = fm.body;
  if (plugin.length === 1) {
    const b = plugin[0];
    language = b.language;
    codeLine = b.firstLine;
    code = "\n".repeat(b.firstLine - 1) + b.code;
    const lines = fm.body.split("\n");
    const from = b.fenceLine - fm.bodyLine;
    const to = b.closeLine === null ? lines.length : b.closeLine - fm.bodyLine + 1;
    docs = [...lines.slice(0, from), ...lines.slice(to)].join("\n").trim();
  } else if (plugin.length === 0) {
    problems.push({
      file,
      line: fm.bodyLine,
      field: "code",
      severity: "error",
      code: "code-block-missing",
      message: "the note holds no ```rune or ```lua code block",
      hint: "put the plugin's code in one fenced block that starts with ```rune or ```lua",
    });
  } else {
    problems.push({
      file,
      line: plugin[1].fenceLine,
      field: "code",
      severity: "error",
      code: "code-block-several",
      message: `the note holds ${plugin.length} plugin code blocks (lines ${
        plugin.map((b) => b.fenceLine).join(", ")
      }); a plugin note holds exactly one`,
      hint: "merge them into one ```rune or ```lua block, or mark examples as ```text",
    });
  }
  for (const b of plugin) {
    if (b.closeLine === null) {
      problems.push({
        file,
        line: b.fenceLine,
        field: "code",
        severity: "error",
        code: "code-block-unclosed",
        message: `the code block opened on line ${b.fenceLine} is never closed`,
        hint: "end the block with a line of three backticks",
      });
    }
  }
  return {
    file,
    form: "markdown",
    data: fm.data,
    code,
    codeLine,
    language,
    docs,
    problems,
    lineOf,
  };
}

interface CodeBlock {
  language: Language | null;
  fenceLine: number;
  firstLine: number;
  closeLine: number | null;
  code: string;
}

/** Raw HTML blocks that end at a marker rather than a blank line (CommonMark kinds 1–5). */
const HTML_BLOCKS: { start: RegExp; end: RegExp }[] = [
  {
    start: /^ {0,3}<(?:script|pre|style|textarea)(?:[\s>]|$)/i,
    end: /<\/(?:script|pre|style|textarea)>/i,
  },
  { start: /^ {0,3}<!--/, end: /-->/ },
  { start: /^ {0,3}<\?/, end: /\?>/ },
  { start: /^ {0,3}<![A-Za-z]/, end: />/ },
  { start: /^ {0,3}<!\[CDATA\[/, end: /\]\]>/ },
];
/** Any other line opening with a tag starts a raw HTML block that runs to a blank line. */
const HTML_TAG_LINE = /^ {0,3}<\/?[A-Za-z]/;

/**
 * Fenced code blocks of a Markdown body (``` or ~~~, up to three spaces of indent) that a reader
 * sees. What a renderer does not show as a code block is skipped, so code cannot hide in a plugin
 * note: lines inside raw HTML blocks (`<!-- … -->`, `<script>`, `<style>`, `<div hidden>` up to a
 * blank line, …), inside comments that span lines (`<!--` or Obsidian's `%%` opened mid-line),
 * four-space-indented lines (indented code, not a fence) and lines inside another fenced block.
 * `hidden` gets the file lines of fence-like lines naming a plugin language that were skipped.
 */
function codeBlocks(body: string, bodyLine: number, hidden: number[] = []): CodeBlock[] {
  const lines = body.split("\n");
  const blocks: CodeBlock[] = [];
  let open: { char: string; len: number; block: CodeBlock; code: string[] } | null = null;
  // The marker that ends the raw HTML block or comment the scan is in ("" = a blank line).
  let rawEnd: RegExp | "" | null = null;
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, "");
    const fence = /^ {0,3}(`{3,}|~{3,})(.*)$/.exec(line);
    if (open) {
      if (
        fence && fence[1][0] === open.char && fence[1].length >= open.len && fence[2].trim() === ""
      ) {
        open.block.closeLine = bodyLine + i;
        open.block.code = open.code.join("\n") + (open.code.length ? "\n" : "");
        open = null;
      } else {
        open.code.push(line);
      }
      return;
    }
    if (rawEnd !== null) {
      if (fence && languageOf(fence[2]) !== null) hidden.push(bodyLine + i);
      if (rawEnd === "" ? line.trim() === "" : rawEnd.test(line)) rawEnd = null;
      return;
    }
    const html = HTML_BLOCKS.find((h) => h.start.test(line));
    if (html) {
      const rest = line.replace(html.start, "");
      const closed = html.end.exec(rest);
      // After a block that closes on its own line, a comment opened later on it still hides.
      rawEnd = closed ? commentLeftOpen(rest.slice(closed.index + closed[0].length)) : html.end;
      return;
    }
    if (HTML_TAG_LINE.test(line)) {
      rawEnd = "";
      return;
    }
    if (!fence || (fence[1][0] === "`" && fence[2].includes("`"))) {
      rawEnd = commentLeftOpen(line);
      return;
    }
    const block: CodeBlock = {
      language: languageOf(fence[2]),
      fenceLine: bodyLine + i,
      firstLine: bodyLine + i + 1,
      closeLine: null,
      code: "",
    };
    blocks.push(block);
    open = { char: fence[1][0], len: fence[1].length, block, code: [] };
  });
  if (open !== null) {
    const o = open as { block: CodeBlock; code: string[] };
    o.block.code = o.code.join("\n");
  }
  return blocks;
}

/** The plugin language a fence's info string names, if any. */
function languageOf(info: string): Language | null {
  const word = info.trim().split(/\s+/)[0].toLowerCase();
  return (LANGUAGES as readonly string[]).includes(word) ? word as Language : null;
}

/** The closer of a `<!--` or `%%` comment a text line opens and does not close, else null. */
function commentLeftOpen(line: string): RegExp | null {
  const text = line.replace(/(`+)[^`]*?\1/g, ""); // code spans hold no comments
  let i = 0;
  while (i < text.length) {
    const html = text.indexOf("<!--", i);
    const obsidian = text.indexOf("%%", i);
    if (html < 0 && obsidian < 0) return null;
    if (html >= 0 && (obsidian < 0 || html < obsidian)) {
      const close = text.indexOf("-->", html + 4);
      if (close < 0) return /-->/;
      i = close + 3;
    } else {
      const close = text.indexOf("%%", obsidian + 2);
      if (close < 0) return /%%/;
      i = close + 2;
    }
  }
  return null;
}

/**
 * Map a manifest field path to the file line it is written on; parses the YAML again with
 * positions only when asked (an error is being reported).
 */
function lineLocator(
  text: string,
  bodyLine: number,
): (path: readonly (string | number)[]) => number {
  let doc: ReturnType<typeof parseDocument> | null = null;
  let yaml = "";
  return (path) => {
    if (bodyLine <= 1) return 1;
    if (doc === null) {
      const lines = text.replace(/^\uFEFF/, "").split("\n");
      yaml = lines.slice(1, bodyLine - 2).join("\n");
      doc = parseDocument(yaml, { keepSourceTokens: false, logLevel: "silent" });
    }
    for (let n = path.length; n >= 1; n--) {
      const node = doc.getIn(path.slice(0, n), true) as
        | { range?: [number, number, number] }
        | undefined;
      const offset = node && typeof node === "object" && node.range ? node.range[0] : undefined;
      if (offset !== undefined) return 2 + countLines(yaml, offset);
      // A key whose value is missing: find the key itself.
      const keyLine = findKeyLine(yaml, path[n - 1]);
      if (keyLine !== null && n === 1) return 2 + keyLine;
    }
    return 2;
  };
}

function countLines(s: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (s.charCodeAt(i) === 10) n++;
  return n;
}

function findKeyLine(yaml: string, key: string | number): number | null {
  if (typeof key !== "string") return null;
  const lines = yaml.split("\n");
  const i = lines.findIndex((l) => l.startsWith(key + ":"));
  return i < 0 ? null : i;
}
