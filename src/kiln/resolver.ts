/**
 * Link resolution as Obsidian users expect it: a link names a note by relative path, by path from
 * the kiln root, by a path suffix, or by file name alone (case-insensitive, `.md` optional), or by
 * one of a note's frontmatter `aliases`. When several notes share the name, the nearest one wins:
 * same folder first, then the one sharing the most leading folders with the linking note, then
 * the shortest path, then alphabetical order.
 *
 * Resolution is keyed: every link has a *target key* (its last path segment, lowercased, without
 * `.md`), and a note answers to the keys of its file stem and its aliases. The index uses keys to
 * re-resolve only the links a change can affect.
 *
 * @module
 */
import * as path from "node:path";
import type { Link } from "./types.ts";
import { folderOf } from "./paths.ts";

/** Notes and attachments a key may refer to. */
export interface Candidates {
  /** Paths of notes whose file stem (lowercased) equals the key. */
  notes: readonly string[];
  /** Paths of notes with a frontmatter alias (lowercased) equal to the key. */
  aliased: readonly string[];
  /** Paths of attachments (non-Markdown files) whose file name (lowercased) equals the key. */
  attachments: readonly string[];
}

/** Where candidates come from: in-memory maps for a cold index, SQL for incremental updates. */
export type CandidateLookup = (key: string) => Candidates;

/** What a link resolved to. */
export interface Resolution {
  /** Kiln-relative path of the note or attachment. */
  path: string;
  /** `self` for same-note links such as `[[#Heading]]`. */
  kind: "note" | "attachment" | "self";
}

/** The key a link target is looked up by: last segment, lowercased, without `.md`. */
export function targetKey(target: string): string {
  const last = target.slice(target.lastIndexOf("/") + 1).toLowerCase();
  return last.endsWith(".md") ? last.slice(0, -3) : last;
}

/**
 * Resolve one link written in note `source`.
 *
 * @example
 * ```ts
 * import { resolveLink, memoryLookup } from "./resolver.ts";
 * const lookup = memoryLookup([{ path: "npcs/Mira Vale.md", aliases: ["The Grey Lady"] }], []);
 * const link = { target: "the grey lady", kind: "wikilink" as const };
 * resolveLink(link, "sessions/Session 01.md", lookup); // { path: "npcs/Mira Vale.md", kind: "note" }
 * ```
 */
export function resolveLink(
  link: Pick<Link, "target" | "kind">,
  source: string,
  lookup: CandidateLookup,
): Resolution | null {
  const target = link.target.trim();
  if (target === "") return { path: source, kind: "self" };
  const c = lookup(targetKey(target));
  const wanted = target.toLowerCase().replace(/\.md$/, "");
  const hasPath = wanted.includes("/");
  const sourceFolder = folderOf(source);

  if (c.notes.length > 0) {
    const note = pickNote(c.notes, wanted, hasPath, link.kind, sourceFolder);
    if (note !== null) return { path: note, kind: "note" };
  }
  if (!hasPath && link.kind === "wikilink" && c.aliased.length > 0) {
    return { path: nearest(c.aliased, sourceFolder), kind: "note" };
  }
  if (c.attachments.length > 0) {
    const file = pickByPath(c.attachments, target.toLowerCase(), hasPath, sourceFolder);
    if (file !== null) return { path: file, kind: "attachment" };
  }
  return null;
}

function pickNote(
  notes: readonly string[],
  wanted: string,
  hasPath: boolean,
  kind: Link["kind"],
  sourceFolder: string,
): string | null {
  if (!hasPath && kind === "wikilink") return nearest(notes, sourceFolder);
  const lowered = notes.map((p) => p.toLowerCase().replace(/\.md$/, ""));
  return pickByPath(notes, wanted, hasPath || kind === "markdown", sourceFolder, lowered);
}

/**
 * Choose among same-named files by the path written: relative to the linking note's folder, then
 * from the kiln root, then as a path suffix.
 */
function pickByPath(
  paths: readonly string[],
  wanted: string,
  hasPath: boolean,
  sourceFolder: string,
  lowered: readonly string[] = paths.map((p) => p.toLowerCase()),
): string | null {
  if (!hasPath) return nearest(paths, sourceFolder);
  const rooted = wanted.startsWith("/");
  const fromRoot = path.posix.normalize(wanted.replace(/^\/+/, ""));
  const relative = rooted
    ? fromRoot
    : path.posix.normalize(path.posix.join(sourceFolder.toLowerCase(), wanted));
  for (const want of [relative, fromRoot]) {
    const i = lowered.indexOf(want);
    if (i >= 0) return paths[i];
  }
  const suffix = "/" + fromRoot.replace(/^(\.\.\/)+/, "");
  const matches = paths.filter((_, i) => ("/" + lowered[i]).endsWith(suffix));
  return matches.length > 0 ? nearest(matches, sourceFolder) : null;
}

/** Same folder, then most shared leading folders, then fewest segments, then alphabetical. */
function nearest(paths: readonly string[], sourceFolder: string): string {
  if (paths.length === 1) return paths[0];
  const from = sourceFolder === "" ? [] : sourceFolder.split("/");
  let best = paths[0];
  let bestRank: number[] | null = null;
  for (const p of paths) {
    const folder = folderOf(p);
    const parts = folder === "" ? [] : folder.split("/");
    let shared = 0;
    while (shared < parts.length && shared < from.length && parts[shared] === from[shared]) {
      shared++;
    }
    const same = folder === sourceFolder ? 0 : 1;
    const rank = [same, -shared, parts.length];
    if (bestRank === null || compareRank(rank, bestRank, p, best) < 0) {
      best = p;
      bestRank = rank;
    }
  }
  return best;
}

function compareRank(a: number[], b: number[], pa: string, pb: string): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

/** A note as the in-memory lookup needs it. */
export interface ResolvableNote {
  /** Kiln-relative path. */
  path: string;
  /** Frontmatter aliases. */
  aliases: readonly string[];
}

/** Build a {@link CandidateLookup} over notes and attachments held in memory. */
export function memoryLookup(
  notes: Iterable<ResolvableNote>,
  attachments: Iterable<string>,
): CandidateLookup {
  const byStem = new Map<string, string[]>();
  const byAlias = new Map<string, string[]>();
  const byName = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, key: string, value: string) => {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
  };
  for (const n of notes) {
    add(byStem, targetKey(n.path), n.path);
    for (const a of n.aliases) add(byAlias, a.toLowerCase(), n.path);
  }
  for (const a of attachments) add(byName, a.slice(a.lastIndexOf("/") + 1).toLowerCase(), a);
  const none: string[] = [];
  return (key) => ({
    notes: byStem.get(key) ?? none,
    aliased: byAlias.get(key) ?? none,
    attachments: byName.get(key) ?? none,
  });
}
