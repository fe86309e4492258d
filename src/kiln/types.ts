/**
 * Plain data shapes of the kiln model: what a parsed note holds, what a link looks like, and the
 * diagnostics the parser and walker report. Everything here is JSON-compatible so it can cross the
 * host/worker boundary unchanged.
 *
 * @module
 */

/** How serious a diagnostic is. Warnings never stop indexing. */
export type Severity = "warning" | "error";

/** A problem found in a file: names the file, the 1-based line when known, and what to do. */
export interface Diagnostic {
  /** Kiln-relative POSIX path of the file. */
  file: string;
  /** 1-based line in the file (not in the frontmatter block), when the problem has a place. */
  line?: number;
  /** Stable machine-readable code, e.g. `frontmatter-yaml`, `binary-file`. */
  code: string;
  /** Human sentence: what happened and what to do. */
  message: string;
  /** Defaults to "warning". */
  severity: Severity;
}

/** The syntax a link was written in. */
export type LinkKind = "wikilink" | "markdown";

/** One outgoing link as written in a note, before resolution. */
export interface Link {
  /**
   * The target as written, without `#heading`, `#^block` or `|alias` parts, trimmed; for
   * Markdown links, URL-decoded. Empty for a same-note link such as `[[#Heading]]`.
   */
  target: string;
  /** Heading part of `[[Target#Heading]]` / `[x](t.md#heading)`, if any. */
  heading?: string;
  /** Block id of `[[Target#^block]]` (without the caret), if any. */
  block?: string;
  /** Display text: the `|alias` of a wikilink, or the `[text]` of a Markdown link. */
  alias?: string;
  /** True for embeds: `![[...]]` and `![..](x.md)`. */
  embed: boolean;
  /** Which syntax the link was written in. */
  kind: LinkKind;
  /** 1-based line of the link in the whole file (frontmatter lines included). */
  line: number;
  /** 1-based column (in UTF-16 code units) of the link's first character. */
  column: number;
  /** True for a wikilink written in a frontmatter value (`location: "[[Saltmarsh Docks]]"`). */
  frontmatter?: boolean;
}

/** One ATX heading (`#` to `######`). */
export interface Heading {
  /** 1 to 6. */
  level: number;
  /** The heading text, trimmed, trailing `#`s removed. */
  text: string;
  /** 1-based line in the whole file. */
  line: number;
}

/** What the Markdown scanner extracts from a note body. */
export interface MarkdownScan {
  /** Inline tags without the `#`, in order of first appearance, deduplicated case-insensitively. */
  tags: string[];
  /** Links in order of appearance (duplicates kept: each occurrence is one link). */
  links: Link[];
  /** ATX headings outside code. */
  headings: Heading[];
  /** Block ids (`^id` at the end of a line), without the caret. */
  blockIds: string[];
  /** Words in the body (frontmatter excluded): runs of letters/digits, code included. */
  wordCount: number;
  /** Text of the first level-1 heading, if any. */
  firstH1?: string;
}

/** The result of splitting and parsing a note's YAML frontmatter. */
export interface FrontmatterParse {
  /** The frontmatter mapping; `{}` when absent, malformed or not a mapping. */
  data: Record<string, unknown>;
  /** The note's text after the frontmatter block (the whole text when there is none). */
  body: string;
  /** 1-based line number in the file on which `body` starts. */
  bodyLine: number;
  /** True when a frontmatter block was present (even if malformed). */
  present: boolean;
  /** Problems found, each naming the file and line. */
  diagnostics: Diagnostic[];
}

/** A fully parsed note, as stored in the index and handed to plugins. */
export interface Note {
  /** Kiln-relative POSIX path, e.g. `campaign/npcs/Mira.md`. */
  path: string;
  /** Frontmatter `title` > first H1 > file stem. */
  title: string;
  /** Frontmatter mapping (`{}` when none or malformed). */
  frontmatter: Record<string, unknown>;
  /** Frontmatter `aliases` (or `alias`), as strings. */
  aliases: string[];
  /** Frontmatter tags plus inline tags, without `#`, deduplicated case-insensitively. */
  tags: string[];
  /** Outgoing links in order of appearance. */
  links: Link[];
  /** ATX headings. */
  headings: Heading[];
  /** Words in the body. */
  wordCount: number;
  /** Size of the file in bytes. */
  bytes: number;
  /** Modification time, milliseconds since the epoch. */
  mtime: number;
  /** The body (text after the frontmatter). Empty when the note was too large to index. */
  body: string;
  /** 1-based file line the body starts on. */
  bodyLine: number;
  /** Problems found while reading this note. */
  diagnostics: Diagnostic[];
}
