/**
 * The kiln's link graph in memory (graphology): notes are nodes, resolved note-to-note links are
 * directed edges (several links between the same two notes count once). Use it for whole-graph
 * questions — orphans, hubs, traversals; single-note lookups are cheaper on the index directly.
 *
 * @module
 */
import { DirectedGraph } from "graphology";
import type { NoteIndex } from "./note_index.ts";

/** A note near another one, and how it is reached. */
export interface Neighbour {
  /** Kiln-relative path. */
  path: string;
  /** Link steps from the starting note (1 = linked directly). */
  distance: number;
  /** Whether the first step from the nearer note follows a link out, a link in, or both. */
  via: "out" | "in" | "both";
}

/** A note and how many distinct notes link to it. */
export interface Hub {
  /** Kiln-relative path. */
  path: string;
  /** Distinct notes linking here. */
  backlinks: number;
}

/**
 * A directed link graph.
 *
 * @example
 * ```ts
 * import { LinkGraph } from "./graph.ts";
 * const g = LinkGraph.fromEdges(["a.md", "b.md", "c.md"], [{ source: "a.md", target: "b.md" }]);
 * g.orphans(); // ["c.md"]
 * g.backlinks("b.md"); // ["a.md"]
 * ```
 */
export class LinkGraph {
  /** The underlying graphology graph (node keys are kiln-relative paths). */
  readonly graph: DirectedGraph;

  private constructor(graph: DirectedGraph) {
    this.graph = graph;
  }

  /** Build from note paths and links between them (self-links ignored). */
  static fromEdges(
    paths: Iterable<string>,
    edges: Iterable<{ source: string; target: string }>,
  ): LinkGraph {
    const graph = new DirectedGraph({ multi: false, allowSelfLoops: false });
    for (const p of paths) graph.mergeNode(p);
    for (const e of edges) {
      if (e.source === e.target) continue;
      graph.mergeEdge(e.source, e.target);
    }
    return new LinkGraph(graph);
  }

  /** Build from a note index. */
  static fromIndex(index: NoteIndex): LinkGraph {
    return LinkGraph.fromEdges(index.paths(), index.edges());
  }

  /** Notes this note links to, sorted. */
  forwardLinks(path: string): string[] {
    return this.graph.hasNode(path) ? this.graph.outNeighbors(path).sort() : [];
  }

  /** Notes linking to this note, sorted. */
  backlinks(path: string): string[] {
    return this.graph.hasNode(path) ? this.graph.inNeighbors(path).sort() : [];
  }

  /** Notes with no links in or out, sorted. */
  orphans(): string[] {
    return this.graph.filterNodes((n) => this.graph.degree(n) === 0).sort();
  }

  /** The most linked-to notes, most backlinks first. */
  hubs(limit = 10): Hub[] {
    return this.graph
      .mapNodes((n) => ({ path: n, backlinks: this.graph.inDegree(n) }))
      .filter((h) => h.backlinks > 0)
      .sort((a, b) => b.backlinks - a.backlinks || (a.path < b.path ? -1 : 1))
      .slice(0, limit);
  }

  /**
   * The shortest chain of links from `from` to `to` (both included), or null when none exists.
   * Links are followed forwards only, unless `undirected` (then a backlink is a step too).
   * Breadth-first, so linear in the size of the graph.
   */
  shortestPath(from: string, to: string, options: { undirected?: boolean } = {}): string[] | null {
    if (!this.graph.hasNode(from) || !this.graph.hasNode(to)) return null;
    const previous = new Map<string, string | null>([[from, null]]);
    let frontier = [from];
    while (frontier.length > 0 && !previous.has(to)) {
      const next: string[] = [];
      for (const node of frontier) {
        const around = options.undirected
          ? this.graph.neighbors(node)
          : this.graph.outNeighbors(node);
        for (const n of around.sort()) {
          if (previous.has(n)) continue;
          previous.set(n, node);
          next.push(n);
        }
      }
      frontier = next;
    }
    if (!previous.has(to)) return null;
    const chain: string[] = [];
    for (let at: string | null = to; at !== null; at = previous.get(at) ?? null) chain.push(at);
    return chain.reverse();
  }

  /**
   * Notes within `depth` link steps of `path`, following links both ways, nearest first, then
   * by path. The note itself is not included.
   */
  neighbours(path: string, depth = 1): Neighbour[] {
    if (!this.graph.hasNode(path)) return [];
    const seen = new Map<string, Neighbour>();
    let frontier = [path];
    for (let distance = 1; distance <= depth && frontier.length > 0; distance++) {
      const next: string[] = [];
      for (const node of frontier) {
        const out = new Set(this.graph.outNeighbors(node));
        const inn = new Set(this.graph.inNeighbors(node));
        for (const n of [...new Set([...out, ...inn])].sort()) {
          if (n === path || seen.has(n)) continue;
          const via = out.has(n) && inn.has(n) ? "both" : out.has(n) ? "out" : "in";
          seen.set(n, { path: n, distance, via });
          next.push(n);
        }
      }
      frontier = next;
    }
    return [...seen.values()].sort((a, b) =>
      a.distance - b.distance || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
    );
  }

  /** Links among `paths` (both ends in the set), sorted. */
  edgesAmong(paths: Iterable<string>): { source: string; target: string }[] {
    const set = new Set(paths);
    const edges: { source: string; target: string }[] = [];
    for (const p of set) {
      if (!this.graph.hasNode(p)) continue;
      for (const t of this.graph.outNeighbors(p)) {
        if (set.has(t)) edges.push({ source: p, target: t });
      }
    }
    return edges.sort((a, b) =>
      a.source < b.source ? -1 : a.source > b.source ? 1 : a.target < b.target ? -1 : 1
    );
  }
}

/**
 * A Graphviz DOT digraph of `nodes` and `edges`. Note paths come from a kiln someone may have
 * shared, so every identifier is quoted with `"`, `\\` and line breaks escaped: a path cannot end
 * the string early or inject DOT statements.
 *
 * @example
 * ```ts
 * import { toDot } from "./graph.ts";
 * toDot(["a.md", "b.md"], [{ source: "a.md", target: "b.md" }]);
 * // 'digraph kiln {\n  "a.md";\n  "b.md";\n  "a.md" -> "b.md";\n}\n'
 * ```
 */
export function toDot(
  nodes: readonly string[],
  edges: readonly { source: string; target: string }[],
  options: { highlight?: readonly string[] } = {},
): string {
  const highlight = new Set(options.highlight ?? []);
  const lines = ["digraph kiln {"];
  for (const n of nodes) {
    lines.push(`  ${dotId(n)}${highlight.has(n) ? " [style=bold]" : ""};`);
  }
  for (const e of edges) lines.push(`  ${dotId(e.source)} -> ${dotId(e.target)};`);
  lines.push("}");
  return lines.join("\n") + "\n";
}

function dotId(s: string): string {
  const escaped = s.replace(/[\\"]/g, (c) => "\\" + c).replace(/\r\n|\r|\n/g, "\\n");
  // Other control characters have no business in a label; they become spaces.
  // deno-lint-ignore no-control-regex
  return `"${escaped.replace(/[\u0000-\u001f\u007f]/g, " ")}"`;
}
