/**
 * The kiln's own tools, read-only, with the same rules as the plugin bindings of the same name:
 * `search_notes`, `read_note`, `list_notes`, `backlinks`, `forward_links` and `traverse`.
 *
 * @module
 */
import type { Json } from "../runtime/protocol.ts";
import type { Session } from "../plugins/session.ts";
import { builtinTool, type Tool } from "./tool.ts";

const NOTE = {
  type: "string",
  required: true,
  description: 'A note path or name, e.g. "campaign/npcs/Mira Vale.md" or "Mira Vale"',
};

/** The kiln tools of a session. */
export function kilnTools(session: Session): Tool[] {
  const k = session.kiln;
  return [
    builtinTool<{ query: string; mode: string; limit: number }>("kiln", {
      name: "search_notes",
      description: 'Search the kiln\'s notes: full text (words, "phrases", -excluded, ' +
        "tag:x), semantic (closest in meaning) or hybrid (both, fused). Returns paths, " +
        "titles, scores and snippets, best first.",
      parameters: {
        query: { type: "string", required: true, description: "What to look for" },
        mode: {
          type: "string",
          enum: ["text", "semantic", "hybrid"],
          default: "text",
          description: "text: full text; semantic: by meaning; hybrid: both",
        },
        limit: { type: "integer", minimum: 1, maximum: 100, default: 10 },
      },
      annotations: { title: "Search notes" },
      run: async (a) => ({ hits: await k.search(a.query, { mode: a.mode, limit: a.limit }) }),
    }),
    builtinTool<{ path: string }>("kiln", {
      name: "read_note",
      description: "Read one note: title, frontmatter, body (content), tags, links, word count.",
      parameters: { path: NOTE },
      annotations: { title: "Read a note" },
      run: (a) => k.read(a.path) as unknown as Json,
    }),
    builtinTool<{ folder?: string; tag?: string; limit: number; recursive?: boolean }>("kiln", {
      name: "list_notes",
      description: "List notes (path, title, tags, word count, modified), optionally of one " +
        "folder or with one tag.",
      parameters: {
        folder: { type: "string", description: "Kiln-relative folder (default: the whole kiln)" },
        tag: { type: "string", description: "Only notes with this tag (without #)" },
        recursive: { type: "boolean", description: "Include sub-folders (default: yes)" },
        limit: { type: "integer", minimum: 1, maximum: 10000, default: 200 },
      },
      annotations: { title: "List notes" },
      run: (a) => ({
        notes: k.list({
          folder: a.folder,
          tag: a.tag,
          limit: a.limit,
          recursive: a.recursive ?? true,
        }),
      }),
    }),
    builtinTool<{ note: string }>("kiln", {
      name: "backlinks",
      description: "The notes that link to a note, with the line of each link.",
      parameters: { note: NOTE },
      annotations: { title: "Backlinks" },
      run: (a) => ({ backlinks: k.backlinks(a.note) }),
    }),
    builtinTool<{ note: string }>("kiln", {
      name: "forward_links",
      description: "The links out of a note: each target as written and the note it resolves " +
        "to (null when unresolved).",
      parameters: { note: NOTE },
      annotations: { title: "Forward links" },
      run: (a) => ({ links: k.forwardLinks(a.note) }),
    }),
    builtinTool<{ start: string; strategy: string; depth: number; limit: number }>("kiln", {
      name: "traverse",
      description: "Walk the link graph from a note: bfs/dfs follow links out, backlinks " +
        "follows links in, semantic visits the linked notes closest in meaning first. Each " +
        "note once, with its depth and the note it was reached from.",
      parameters: {
        start: NOTE,
        strategy: {
          type: "string",
          enum: ["bfs", "dfs", "backlinks", "semantic"],
          default: "bfs",
        },
        depth: { type: "integer", minimum: 0, maximum: 10, default: 3 },
        limit: { type: "integer", minimum: 1, maximum: 1000, default: 100 },
      },
      annotations: { title: "Traverse the link graph" },
      run: async (a) => ({
        notes: await k.traverse(a.start, { strategy: a.strategy, depth: a.depth, limit: a.limit }),
      }),
    }),
  ];
}
