/**
 * The kiln's link graph in memory (graphology): notes are nodes, resolved note-to-note links are
 * directed edges (several links between the same two notes count once). Use it for whole-graph
 * questions — orphans, hubs, traversals; single-note lookups are cheaper on the index directly.
 *
 * @module
 */
import { DirectedGraph } from "graphology";
import type { NoteIndex } from "./note_index.ts";

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
}
