/**
 * Splits a note into its YAML frontmatter block and body, and parses the block with npm:yaml.
 *
 * The split is a hand-written line walk (no regex over the file), so a note without frontmatter
 * costs three character comparisons. Every problem becomes a warning diagnostic and the note stays
 * usable with `data = {}`.
 *
 * @module
 */

import process from "node:process";
import { isScalar, parseDocument, visit } from "yaml";
import type { Diagnostic, FrontmatterParse } from "./types.ts";
import { parseSimpleYaml } from "./simple_yaml.ts";

const CH_LF = 10;
const CH_CR = 13;
const CH_TAB = 9;
const CH_SPACE = 32;
const CH_DASH = 45;
const CH_DOT = 46;
const BOM = 0xfeff;

/**
 * Splits `text` into frontmatter and body and parses the frontmatter as YAML (1.2 core schema, so
 * dates stay strings).
 *
 * - The block must start on the first line: exactly `---` (trailing spaces/tabs allowed, an
 *   optional UTF-8 BOM before it), closed by a line `---` or `...`. `\r\n` works everywhere.
 * - A leading BOM is never part of `body`.
 * - No frontmatter: `data` is `{}`, `body` is the text, `bodyLine` is 1, `present` is false.
 * - Empty block, or a block holding only comments or `null`: `data` is `{}`, no diagnostic.
 * - Malformed YAML: `frontmatter-yaml` at the file line of the first error, `data` is `{}`.
 * - Duplicate keys (at any depth): one `frontmatter-duplicate-key` per duplicate, naming the
 *   key and the line of the repeated occurrence. The block is treated as malformed, so `data`
 *   is `{}`; this mirrors Obsidian, which refuses such properties instead of picking a value.
 * - A list or scalar instead of a mapping: `frontmatter-not-mapping`, `data` is `{}`.
 * - No closing line: `frontmatter-unterminated` at line 1, and the whole text is the body
 *   (`present` false, `bodyLine` 1), as in Obsidian.
 *
 * `data` is plain JSON data: Date becomes an ISO string, Map an object, Set an array, binary a
 * base64 string, non-finite numbers `null`; `undefined` values are dropped.
 *
 * @example
 * ```ts
 * import { parseFrontmatter } from "./frontmatter.ts";
 * const fm = parseFrontmatter("---\ntitle: Mira\n---\n# Mira\n", "npcs/Mira.md");
 * console.log(fm.data.title, fm.bodyLine); // "Mira" 4
 * ```
 */
export function parseFrontmatter(text: string, file: string): FrontmatterParse {
  const start = text.charCodeAt(0) === BOM ? 1 : 0;
  const body = start === 0 ? text : text.slice(1);
  const absent: FrontmatterParse = { data: {}, body, bodyLine: 1, present: false, diagnostics: [] };

  const firstEnd = fenceLineEnd(text, start, CH_DASH);
  if (firstEnd < 0) return absent;
  // firstEnd === text.length means the file is only "---": there is no line that could close it.
  let lineStart = firstEnd < text.length ? firstEnd + 1 : text.length;
  let line = 2;
  while (lineStart < text.length) {
    const closeEnd = closingLineEnd(text, lineStart);
    if (closeEnd >= 0) {
      const yamlText = text.slice(firstEnd + 1, lineStart);
      const bodyStart = closeEnd < text.length ? closeEnd + 1 : text.length;
      const parsed = parseYaml(yamlText, file, 2);
      return {
        data: parsed.data,
        body: text.slice(bodyStart),
        bodyLine: line + 1,
        present: true,
        diagnostics: parsed.diagnostics,
      };
    }
    const nl = text.indexOf("\n", lineStart);
    if (nl < 0) break;
    lineStart = nl + 1;
    line++;
  }
  absent.diagnostics.push({
    file,
    line: 1,
    code: "frontmatter-unterminated",
    message: "Frontmatter starts with --- on line 1 but has no closing --- line, so the whole " +
      "file is read as body; add a line --- after the properties, or remove the first line.",
    severity: "warning",
  });
  return absent;
}

/**
 * If the line at `from` is three `ch` characters plus optional trailing spaces/tabs, returns the
 * index of its `\n` (or `text.length` at end of text); otherwise -1.
 */
function fenceLineEnd(text: string, from: number, ch: number): number {
  if (
    text.charCodeAt(from) !== ch || text.charCodeAt(from + 1) !== ch ||
    text.charCodeAt(from + 2) !== ch
  ) {
    return -1;
  }
  let i = from + 3;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === CH_LF) return i;
    if (c !== CH_SPACE && c !== CH_TAB && !(c === CH_CR && text.charCodeAt(i + 1) === CH_LF)) {
      return -1;
    }
  }
  return i;
}

function closingLineEnd(text: string, from: number): number {
  const end = fenceLineEnd(text, from, CH_DASH);
  return end >= 0 ? end : fenceLineEnd(text, from, CH_DOT);
}

interface YamlResult {
  data: Record<string, unknown>;
  diagnostics: Diagnostic[];
}

/** Parses the frontmatter source; `firstLine` is the file line on which `yamlText` starts. */
function parseYaml(yamlText: string, file: string, firstLine: number): YamlResult {
  const diagnostics: Diagnostic[] = [];
  const none = { data: {}, diagnostics };
  if (yamlText.trim() === "") return none;
  const simple = parseSimpleYaml(yamlText);
  if (simple !== null) return { data: simple, diagnostics };

  const doc = withoutEnvReads(() =>
    parseDocument(yamlText, { uniqueKeys: true, prettyErrors: false, logLevel: "error" })
  );
  const lastLine = firstLine + countNewlines(yamlText, yamlText.length) - 1;
  const lineAt = (offset: number) =>
    Math.min(lastLine, firstLine + countNewlines(yamlText, offset));

  let firstSyntax: { line: number; reason: string } | undefined;
  for (const err of doc.errors) {
    const line = lineAt(err.pos[0]);
    if (err.code === "DUPLICATE_KEY") {
      const key = keyAt(doc, err.pos[0]) ?? yamlText.slice(err.pos[0], err.pos[1]);
      diagnostics.push({
        file,
        line,
        code: "frontmatter-duplicate-key",
        message: `Frontmatter key "${key}" on line ${line} repeats a key already set in the same ` +
          "mapping, so the frontmatter is ignored; remove or rename one of them.",
        severity: "warning",
      });
    } else if (!firstSyntax) {
      firstSyntax = { line, reason: err.message };
    }
  }
  if (firstSyntax) {
    diagnostics.unshift(yamlDiagnostic(file, firstSyntax.line, firstSyntax.reason));
  }
  if (diagnostics.length > 0) return none;

  let value: unknown;
  try {
    value = doc.toJS();
  } catch (e) {
    // Unresolved aliases and alias bombs surface only here, without a position.
    diagnostics.push(yamlDiagnostic(file, firstLine, e instanceof Error ? e.message : String(e)));
    return none;
  }
  if (value === null || value === undefined) return none;
  if (typeof value !== "object" || Array.isArray(value) || value instanceof Set) {
    const line = lineAt(doc.contents?.range?.[0] ?? 0);
    const what = Array.isArray(value) || value instanceof Set ? "a list" : "a single value";
    diagnostics.push({
      file,
      line,
      code: "frontmatter-not-mapping",
      message: `Frontmatter is ${what}, not a set of key: value properties, so it is ignored; ` +
        "write it as lines like `title: My note`.",
      severity: "warning",
    });
    return none;
  }
  return { data: toJson(value) as Record<string, unknown>, diagnostics };
}

let envReadable: boolean | undefined;

/**
 * npm:yaml reads `process.env.LOG_TOKENS` and `LOG_STREAM` for every token; without env permission
 * Deno throws NotCapable there, which would turn every frontmatter into an error. The parse is
 * synchronous, so swapping `env` for an empty object around it is invisible to any other code.
 */
function withoutEnvReads<T>(parse: () => T): T {
  envReadable ??= ["LOG_TOKENS", "LOG_STREAM"].every((variable) =>
    Deno.permissions.querySync({ name: "env", variable }).state === "granted"
  );
  if (envReadable) return parse();
  const env = process.env;
  process.env = {};
  try {
    return parse();
  } finally {
    process.env = env;
  }
}

function yamlDiagnostic(file: string, line: number, reason: string): Diagnostic {
  return {
    file,
    line,
    code: "frontmatter-yaml",
    message: `Frontmatter is not valid YAML (line ${line}: ${reason}), so it is ignored; fix the ` +
      "YAML between the --- lines.",
    severity: "warning",
  };
}

function countNewlines(s: string, end: number): number {
  let n = 0;
  for (let i = s.indexOf("\n"); i >= 0 && i < end; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

/** The key of the pair whose key node starts at `offset`, as text. */
function keyAt(doc: ReturnType<typeof parseDocument>, offset: number): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Pair(_, pair) {
      const key = pair.key;
      if (isScalar(key) && key.range?.[0] === offset) {
        found = String(key.value);
        return visit.BREAK;
      }
    },
  });
  return found;
}

/** Turns what `toJS` can produce into plain JSON data. */
function toJson(value: unknown): unknown {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Date) return isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value) || value instanceof Set) {
    const out: unknown[] = [];
    for (const item of value) {
      const v = toJson(item);
      out.push(v === undefined ? null : v);
    }
    return out;
  }
  if (value instanceof Uint8Array) {
    let bin = "";
    for (const b of value) bin += String.fromCharCode(b);
    return btoa(bin);
  }
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    const entries = value instanceof Map ? value.entries() : Object.entries(value);
    for (const [k, v] of entries) {
      const json = toJson(v);
      if (json === undefined) continue;
      // defineProperty: a "__proto__" key must become data, not the object's prototype.
      Object.defineProperty(out, String(k), {
        value: json,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  return undefined;
}
