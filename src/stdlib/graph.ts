/**
 * Graph algorithms on graphology graphs: PageRank, Louvain communities, shortest paths and
 * depth-limited breadth/depth-first walks. The same functions serve the kiln's link graph (built
 * on the host from the index) and graphs a plugin builds itself from JSON
 * (`{nodes, edges: [[a, b, weight?], …], directed}`).
 *
 * @example
 * ```ts
 * import { buildGraph, pagerank, shortestPath } from "./graph.ts";
 * const g = buildGraph({ edges: [["a", "b"], ["b", "c"], ["c", "a"]] });
 * pagerank(g, {}).map((r) => r.score); // [0.333…, 0.333…, 0.333…]
 * shortestPath(g, "a", "c", {}); // ["a", "b", "c"]
 * ```
 *
 * @module
 */
import { DirectedGraph, UndirectedGraph } from "graphology";
import type { AbstractGraph } from "graphology-types";
import pagerankModule from "graphology-metrics/centrality/pagerank.js";
import louvainModule from "graphology-communities-louvain";
import { bidirectional as unweightedPath } from "graphology-shortest-path/unweighted.js";
import { bidirectional as dijkstraPath } from "graphology-shortest-path/dijkstra.js";
import { int, invalid, type Json, num, options, StdlibError, str } from "./errors.ts";

// The packages are CommonJS: at run time the default import is the function itself, which
// their type declarations do not say.
const pagerankOf = pagerankModule as unknown as (
  g: AnyGraph,
  o: { alpha: number; tolerance: number; maxIterations: number; getEdgeWeight: string | null },
) => Record<string, number>;
const louvain = louvainModule as unknown as {
  detailed(g: AnyGraph, o: Record<string, unknown>): {
    communities: Record<string, number>;
    modularity: number;
  };
};

/** Most nodes and edges of a graph a plugin builds. */
export const MAX_GRAPH_SIZE = 1_000_000;

/** A graphology graph. */
export type AnyGraph = AbstractGraph;

/** Build a graph from `{nodes?, edges, directed?}`; edges are `[a, b, w?]` or `{from, to, weight}`. */
export function buildGraph(spec: Json): AnyGraph {
  const o = options(spec, "graph");
  const directed = o.directed !== false;
  const g: AnyGraph = directed ? new DirectedGraph() : new UndirectedGraph();
  const nodes = o.nodes ?? [];
  const edges = o.edges ?? [];
  if (!Array.isArray(nodes) || !Array.isArray(edges)) {
    invalid("a graph is {nodes = {...}, edges = {{a, b}, {a, c, weight}, ...}}");
  }
  if (nodes.length + edges.length > MAX_GRAPH_SIZE) {
    invalid(`a graph holds at most ${MAX_GRAPH_SIZE} nodes and edges`);
  }
  const key = (v: Json | undefined, what: string): string => {
    if (typeof v === "string") return v;
    if (typeof v === "number" && Number.isFinite(v)) return String(v);
    invalid(`${what} must be a node name (string or number)`);
  };
  for (const n of nodes) g.mergeNode(key(n, "a node"));
  edges.forEach((e, i) => {
    let a: Json | undefined, b: Json | undefined, w: Json | undefined;
    if (Array.isArray(e)) [a, b, w] = e;
    else if (e && typeof e === "object") [a, b, w] = [e.from, e.to, e.weight];
    else invalid(`edge ${i + 1} must be {a, b, weight?} or {from, to, weight}`);
    const weight = w === undefined || w === null ? 1 : num(w, `the weight of edge ${i + 1}`);
    if (weight < 0) invalid(`the weight of edge ${i + 1} is negative`);
    const [s, t] = [key(a, `edge ${i + 1}'s source`), key(b, `edge ${i + 1}'s target`)];
    if (s === t) return; // self-links carry no information for these algorithms
    g.mergeNode(s);
    g.mergeNode(t);
    if (g.hasEdge(s, t)) {
      g.updateEdgeAttribute(s, t, "weight", (x: number | undefined) => (x ?? 0) + weight);
    } else g.addEdge(s, t, { weight });
  });
  return g;
}

/** One PageRank score. */
export interface Ranked {
  [key: string]: Json;
  node: string;
  score: number;
}

/**
 * `pagerank(graph, {damping, tolerance, max_iterations, limit, weighted})`: scores summing to 1,
 * highest first (ties by name). Dangling nodes spread their rank evenly, as in the original paper.
 */
export function pagerank(g: AnyGraph, opts: Json): Ranked[] {
  const o = options(opts, "pagerank options");
  const alpha = num(o.damping, "damping", 0.85);
  if (alpha <= 0 || alpha >= 1) invalid("pagerank damping must be between 0 and 1");
  const tolerance = num(o.tolerance, "tolerance", 1e-6);
  const maxIterations = int(o.max_iterations, "max_iterations", {
    min: 1,
    max: 10_000,
    fallback: 100,
  });
  const limit = int(o.limit, "limit", { min: 1, max: MAX_GRAPH_SIZE, fallback: MAX_GRAPH_SIZE });
  if (g.order === 0) return [];
  let scores: Record<string, number>;
  try {
    scores = pagerankOf(g, {
      alpha,
      tolerance,
      maxIterations,
      getEdgeWeight: o.weighted === true ? "weight" : null,
    });
  } catch (e) {
    if (/converge/.test((e as Error).message)) {
      throw new StdlibError(
        "E_NOT_CONVERGED",
        `pagerank did not converge within ${maxIterations} iterations to tolerance ` +
          `${tolerance}; raise max_iterations or tolerance`,
      );
    }
    throw e;
  }
  return Object.entries(scores)
    .map(([node, score]) => ({ node, score }))
    .sort((a, b) => b.score - a.score || (a.node < b.node ? -1 : 1))
    .slice(0, limit);
}

/** One community. */
export interface Community {
  [key: string]: Json;
  id: number;
  size: number;
  nodes: string[];
}

/** A seeded generator, so Louvain gives the same split on every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * `communities(graph, {resolution, min_size, limit, seed})`: Louvain modularity communities on
 * the undirected view of the graph, largest first; communities under `min_size` are left out.
 */
export function communities(
  g: AnyGraph,
  opts: Json,
): { [key: string]: Json; modularity: number; count: number; communities: Community[] } {
  const o = options(opts, "communities options");
  const resolution = num(o.resolution, "resolution", 1);
  const minSize = int(o.min_size, "min_size", { min: 1, max: MAX_GRAPH_SIZE, fallback: 1 });
  const limit = int(o.limit, "limit", { min: 1, max: MAX_GRAPH_SIZE, fallback: MAX_GRAPH_SIZE });
  const seed = int(o.seed, "seed", { min: 0, max: 2 ** 31, fallback: 42 });
  if (g.order === 0) return { modularity: 0, count: 0, communities: [] };
  const u = undirected(g);
  if (u.size === 0) {
    const all = u.nodes().sort().map((n, i) => ({ id: i, size: 1, nodes: [n] }));
    const kept = all.filter((c) => c.size >= minSize).slice(0, limit);
    return { modularity: 0, count: all.length, communities: kept };
  }
  const detail = louvain.detailed(u, {
    resolution,
    getEdgeWeight: "weight",
    rng: seeded(seed),
    randomWalk: false,
  });
  const groups = new Map<number, string[]>();
  for (const [node, c] of Object.entries(detail.communities)) {
    const list = groups.get(c) ?? [];
    list.push(node);
    groups.set(c, list);
  }
  const all = [...groups.values()].map((nodes) => nodes.sort())
    .sort((a, b) => b.length - a.length || (a[0] < b[0] ? -1 : 1))
    .map((nodes, id) => ({ id, size: nodes.length, nodes }));
  return {
    modularity: detail.modularity,
    count: all.length,
    communities: all.filter((c) => c.size >= minSize).slice(0, limit),
  };
}

function undirected(g: AnyGraph): AnyGraph {
  if (g.type === "undirected") return g;
  const u = new UndirectedGraph();
  g.forEachNode((n) => u.addNode(n));
  g.forEachEdge((_e, attrs, s, t) => {
    const w = typeof attrs.weight === "number" ? attrs.weight : 1;
    if (u.hasEdge(s, t)) {
      u.updateEdgeAttribute(s, t, "weight", (x: number | undefined) => (x ?? 0) + w);
    } else u.addEdge(s, t, { weight: w });
  });
  return u;
}

/**
 * `shortest_path(graph, from, to, {weighted, directed})`: the nodes from `from` to `to`, both
 * included, or null when there is no path. Unweighted counts hops (bidirectional BFS); weighted
 * sums edge weights (Dijkstra). `directed = false` ignores edge direction.
 */
export function shortestPath(g: AnyGraph, from: string, to: string, opts: Json): string[] | null {
  const o = options(opts, "shortest_path options");
  for (const n of [from, to]) {
    if (!g.hasNode(n)) {
      throw new StdlibError("E_NOT_FOUND", `no node ${JSON.stringify(n)} in the graph`);
    }
  }
  const graph = o.directed === false ? undirected(g) : g;
  if (from === to) return [from];
  const path = o.weighted === true
    ? dijkstraPath(graph, from, to, "weight")
    : unweightedPath(graph, from, to);
  return path && path.length ? path : null;
}

/** One node reached by a walk. */
export interface Visit {
  [key: string]: Json;
  node: string;
  depth: number;
  /** The node it was reached from (null for the start). */
  via: string | null;
}

/** Options of {@link walk}. */
export interface WalkOptions {
  /** bfs (default) or dfs. */
  order: "bfs" | "dfs";
  /** Follow links out (default), in, or both ways. */
  direction: "out" | "in" | "both";
  /** Deepest level visited (start = 0). */
  depth: number;
  /** Most nodes returned. */
  limit: number;
  /** Only nodes passing this are returned. */
  accept?: (node: string) => boolean;
  /** When true the walk does not pass through nodes that `accept` refuses. */
  prune: boolean;
  /** Called every few hundred nodes (the sandbox's stop check). */
  stop?: () => void;
}

/** Read walk options from JSON (`{depth, limit, direction, prune}`). */
export function walkOptions(order: "bfs" | "dfs", opts: Json): WalkOptions {
  const o = options(opts, `${order} options`);
  const direction = o.direction ?? "out";
  if (direction !== "out" && direction !== "in" && direction !== "both") {
    invalid(`${order} direction is out, in or both`);
  }
  return {
    order,
    direction,
    depth: int(o.depth, "depth", { min: 0, max: 1000, fallback: 3 }),
    limit: int(o.limit, "limit", { min: 1, max: MAX_GRAPH_SIZE, fallback: 1000 }),
    prune: o.prune === true,
  };
}

/**
 * A depth-limited walk from `start`: each node once (so cycles end), at the depth it was first
 * reached, in bfs or dfs order; neighbours in name order so results are stable.
 */
export function walk(g: AnyGraph, start: string, o: WalkOptions): Visit[] {
  if (!g.hasNode(start)) {
    throw new StdlibError(
      "E_NOT_FOUND",
      `no node ${JSON.stringify(str(start, "start"))} in the graph`,
    );
  }
  const next = (n: string): string[] => {
    const list = o.direction === "out"
      ? g.outNeighbors(n)
      : o.direction === "in"
      ? g.inNeighbors(n)
      : g.neighbors(n);
    return [...new Set(list)].sort();
  };
  const out: Visit[] = [];
  const seen = new Map<string, Visit>([[start, { node: start, depth: 0, via: null }]]);
  const frontier = [start];
  let steps = 0;
  while (frontier.length > 0 && out.length < o.limit) {
    const n = o.order === "dfs" ? frontier.pop()! : frontier.shift()!;
    const visit = seen.get(n)!;
    const accepted = !o.accept || n === start || o.accept(n);
    if (accepted) out.push(visit);
    if (++steps % 256 === 0) o.stop?.();
    if (visit.depth >= o.depth || (!accepted && o.prune)) continue;
    const fresh = next(n).filter((m) => !seen.has(m));
    for (const m of fresh) seen.set(m, { node: m, depth: visit.depth + 1, via: n });
    frontier.push(...(o.order === "dfs" ? fresh.reverse() : fresh));
  }
  return out;
}
