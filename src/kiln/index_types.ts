/**
 * What the note index answers with: indexed notes, links, backlinks, listings and counts.
 *
 * @module
 */
import type { Diagnostic, Heading, LinkKind } from "./types.ts";
import type { WhereFilter } from "./where.ts";

/** A note as the index holds it (the body is in the full-text index; read the file for it). */
export interface IndexedNote {
  /** Kiln-relative path. */
  path: string;
  /** Title. */
  title: string;
  /** Frontmatter mapping. */
  frontmatter: Record<string, unknown>;
  /** Frontmatter aliases. */
  aliases: string[];
  /** Frontmatter and inline tags. */
  tags: string[];
  /** ATX headings. */
  headings: Heading[];
  /** Words in the body. */
  wordCount: number;
  /** File size in bytes. */
  bytes: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
  /** False when the note was over the size limit and its text was not indexed. */
  indexed: boolean;
  /** Problems found in the note. */
  diagnostics: Diagnostic[];
}

/** One link out of a note, with where it led. */
export interface OutgoingLink {
  /** Target as written. */
  target: string;
  /** Heading part, if any. */
  heading: string | null;
  /** Block id, if any. */
  block: string | null;
  /** Display text, if any. */
  alias: string | null;
  /** True for embeds. */
  embed: boolean;
  /** Link syntax. */
  kind: LinkKind;
  /** 1-based line in the source note. */
  line: number;
  /** 1-based column. */
  column: number;
  /** Resolved path, or null when unresolved. */
  resolved: string | null;
  /** What it resolved to, or null when unresolved. */
  resolvedKind: "note" | "attachment" | "self" | null;
}

/** One note linking to another. */
export interface Backlink {
  /** Path of the linking note. */
  path: string;
  /** Title of the linking note. */
  title: string;
  /** Target as written in the linking note. */
  target: string;
  /** Heading part, if any. */
  heading: string | null;
  /** True for embeds. */
  embed: boolean;
  /** Line of the link in the linking note. */
  line: number;
  /** Column of the link. */
  column: number;
}

/** A link that leads nowhere yet. */
export interface UnresolvedLink {
  /** Path of the note holding the link. */
  source: string;
  /** Target as written. */
  target: string;
  /** Line of the link. */
  line: number;
}

/** Options of {@link NoteIndex.list}. */
export interface ListOptions {
  /** Folder to list (kiln-relative, `""` = root). Default root. */
  folder?: string;
  /** Include sub-folders. Default false, or true when `folder` is not given. */
  recursive?: boolean;
  /** Only notes with this tag or a tag nested below it (`project` matches `project/alpha`). */
  tag?: string;
  /** Frontmatter filters, all of which must hold. */
  where?: readonly WhereFilter[];
  /** Most notes to return. */
  limit?: number;
  /** Called every few hundred rows scanned; throwing from it stops the listing. */
  checkpoint?: () => void;
}

/** A row of {@link NoteIndex.list}. */
export interface NoteSummary {
  /** Kiln-relative path. */
  path: string;
  /** Title. */
  title: string;
  /** Tags. */
  tags: string[];
  /** Words in the body. */
  wordCount: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
}

/** Kiln-wide counts. */
export interface KilnStats {
  /** Notes indexed. */
  notes: number;
  /** Links of every kind. */
  links: number;
  /** Links that resolved to a note, attachment or the same note. */
  resolvedLinks: number;
  /** Links that lead nowhere. */
  unresolvedLinks: number;
  /** Distinct unresolved targets (case-insensitive). */
  unresolvedTargets: number;
  /** Embeds among the links. */
  embeds: number;
  /** Distinct tags (case-insensitive). */
  tags: number;
  /** Most used tags. */
  topTags: { tag: string; notes: number }[];
  /** Non-Markdown files. */
  attachments: number;
  /** Words across all notes. */
  words: number;
  /** Bytes across all notes. */
  bytes: number;
  /** Files skipped as binary, not UTF-8 or unreadable. */
  skipped: number;
  /** Notes with diagnostics. */
  notesWithDiagnostics: number;
}

/** A link between two notes, as the link graph needs it. */
export interface NoteEdge {
  /** Linking note. */
  source: string;
  /** Linked note. */
  target: string;
}
