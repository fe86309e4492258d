/**
 * From a file's bytes to a {@link Note}: decoding checks (binary, invalid UTF-8, too large),
 * frontmatter, title, tags, aliases and the Markdown scan.
 *
 * @module
 */
import type { Diagnostic, Link, Note } from "./types.ts";
import { parseFrontmatter } from "./frontmatter.ts";
import { scanMarkdown } from "./markdown.ts";
import { stemOf } from "./paths.ts";

/** Default largest note whose body is indexed: 10 MB. Larger notes are recorded, not read. */
export const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;

/** Facts about the file that the parser cannot see in the text. */
export interface NoteFileInfo {
  /** Size in bytes. */
  bytes: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
}

/**
 * Parse a note's text.
 *
 * @example
 * ```ts
 * import { parseNote } from "./note.ts";
 * const note = parseNote("a/Hello.md", "---\ntags: [x]\n---\n# Hi #y [[World]]\n", {
 *   bytes: 34,
 *   mtime: 0,
 * });
 * console.log(note.title, note.tags, note.links[0].target); // "Hi" ["x", "y"] "World"
 * ```
 */
export function parseNote(path: string, text: string, info: NoteFileInfo): Note {
  const fm = parseFrontmatter(text, path);
  const scan = scanMarkdown(fm.body, { firstLine: fm.bodyLine });
  const diagnostics = fm.diagnostics;
  const data = fm.data;

  const fmTags = stringList(data.tags ?? data.tag, /[,\s]+/).map((t) => t.replace(/^#+/, ""));
  const tags = dedupeCaseless([...fmTags.filter((t) => t !== ""), ...scan.tags]);
  const aliases = dedupeCaseless(stringList(data.aliases ?? data.alias, /,/));

  let title = stemOf(path);
  if (typeof data.title === "string" && data.title.trim() !== "") title = data.title.trim();
  else if (typeof data.title === "number") title = String(data.title);
  else if (scan.firstH1) title = scan.firstH1;

  const links = fm.present
    ? [...frontmatterLinks(text, data, fm.bodyLine), ...scan.links]
    : scan.links;

  return {
    path,
    title,
    frontmatter: data,
    aliases,
    tags,
    links,
    headings: scan.headings,
    wordCount: scan.wordCount,
    bytes: info.bytes,
    mtime: info.mtime,
    body: fm.body,
    bodyLine: fm.bodyLine,
    diagnostics,
  };
}

/**
 * Wikilinks written in frontmatter values, as Obsidian counts them (`related: "[[Mira Vale]]"`,
 * lists of them too). Each gets the line of the frontmatter it is written on.
 */
function frontmatterLinks(text: string, data: Record<string, unknown>, bodyLine: number): Link[] {
  const strings: string[] = [];
  const collect = (v: unknown) => {
    if (typeof v === "string") {
      if (v.includes("[[")) strings.push(v);
    } else if (Array.isArray(v)) v.forEach(collect);
    else if (v !== null && typeof v === "object") Object.values(v).forEach(collect);
  };
  collect(data);
  if (strings.length === 0) return [];
  const lines = text.split("\n", bodyLine - 1);
  const links: Link[] = [];
  const used = new Set<string>();
  for (const s of strings) {
    for (const link of scanMarkdown(s).links) {
      if (link.kind !== "wikilink") continue;
      const from = link.column - 1 + (link.embed ? 1 : 0);
      const raw = s.slice(from, s.indexOf("]]", from) + 2);
      // The line of the frontmatter holding this link; a repeated link takes the next one.
      let line = 1;
      let column = 1;
      for (let i = 1; i < lines.length; i++) {
        const at = lines[i].indexOf(raw);
        if (at >= 0 && !used.has(`${i}:${at}`)) {
          used.add(`${i}:${at}`);
          line = i + 1;
          column = at + 1;
          break;
        }
      }
      links.push({ ...link, line, column, embed: false, frontmatter: true });
    }
  }
  return links;
}

/** What reading one note file produced: a note, or the reason it was skipped. */
export type NoteRead =
  | { ok: true; note: Note }
  | { ok: false; diagnostic: Diagnostic };

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/**
 * Read and parse one note file. A file over `maxFileSize` is recorded with its metadata but an
 * empty body; a binary file (NUL bytes) or one that is not valid UTF-8 is skipped with a
 * diagnostic. Never throws for a bad file.
 */
export function readNote(
  abs: string,
  path: string,
  options: { maxFileSize?: number; bytes: number; mtime: number },
): NoteRead {
  const max = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  if (options.bytes > max) {
    const note = parseNote(path, "", options);
    note.title = stemOf(path);
    note.diagnostics.push({
      file: path,
      code: "file-too-large",
      message: `note is ${formatBytes(options.bytes)}, over the ${
        formatBytes(max)
      } limit: recorded but its text was not indexed`,
      severity: "warning",
    });
    return { ok: true, note };
  }
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(abs);
  } catch (e) {
    return skip(path, "unreadable", `file could not be read and was skipped: ${errorText(e)}`);
  }
  if (bytes.indexOf(0) !== -1) {
    return skip(path, "binary-file", "file holds binary data (NUL bytes), not text; skipped");
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return skip(
      path,
      "invalid-utf8",
      "file is not valid UTF-8; skipped (re-save it as UTF-8 to index it)",
    );
  }
  return { ok: true, note: parseNote(path, text, { bytes: bytes.length, mtime: options.mtime }) };
}

function skip(file: string, code: string, message: string): NoteRead {
  return { ok: false, diagnostic: { file, code, message, severity: "warning" } };
}

/** Human-readable byte size, e.g. `10 MB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1).replace(/\.0$/, "")} KB`;
  return `${(n / 1024 / 1024).toFixed(1).replace(/\.0$/, "")} MB`;
}

function stringList(value: unknown, separator: RegExp): string[] {
  if (typeof value === "string") {
    return value.split(separator).map((s) => s.trim()).filter((s) => s !== "");
  }
  if (Array.isArray(value)) {
    return value
      .filter((v) => typeof v === "string" || typeof v === "number")
      .map((v) => String(v).trim())
      .filter((s) => s !== "");
  }
  return [];
}

function dedupeCaseless(values: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const v of values) {
    const key = v.toLowerCase();
    if (!seen.has(key)) {
      seen.add(key);
      out.push(v);
    }
  }
  return out;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
