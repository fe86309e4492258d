/**
 * The host half of the kiln-graph algorithms (`graph.pagerank`, `graph.communities`,
 * `graph.shortest_path`, `graph.bfs`, `graph.dfs`): the link graph is built from the index with
 * graphology and handed to the engine-agnostic algorithms in src/stdlib. Results name notes by
 * kiln-relative path, with titles.
 *
 * @module
 */
import { obj, whereFilters } from "./arguments.ts";
import { InvalidParamsError, NotFoundError } from "../errors.ts";
import { DirectedGraph } from "graphology";
import type { NoteIndex } from "../kiln/note_index.ts";
import type { KilnApi } from "./kiln_api.ts";
import { matchesWhere } from "../kiln/where.ts";
import type { Json } from "../runtime/protocol.ts";
import { communities, int, pagerank, shortestPath, walk, walkOptions } from "../stdlib/mod.ts";

function find(index: NoteIndex, ref: Json): string {
  if (typeof ref !== "string") throw new InvalidParamsError("a note path or name is needed");
  const found = index.find(ref);
  if (!found) throw new NotFoundError(`no note ${JSON.stringify(ref)} in the kiln`);
  return found;
}

function titleOf(index: NoteIndex, path: string): string {
  return index.note(path)?.title ?? path;
}

/**
 * The kiln's link graph: notes as nodes, resolved note-to-note links as directed edges (several
 * links between two notes count once, self-links not at all). Building it costs far more than
 * PageRank on it, so it is kept on the KilnApi until a note write changes the index.
 */
export function kilnGraph(kiln: KilnApi): DirectedGraph {
  if (kiln.graphCache instanceof DirectedGraph) return kiln.graphCache;
  const index = kiln.index();
  const g = new DirectedGraph({ multi: false, allowSelfLoops: false });
  for (const p of index.paths()) g.addNode(p);
  for (const e of index.edges()) {
    // hasEdge + addEdge is about twice as fast as mergeEdge, and the nodes all exist already.
    if (e.source !== e.target && g.hasNode(e.target) && !g.hasEdge(e.source, e.target)) {
      g.addEdge(e.source, e.target);
    }
  }
  kiln.graphCache = g;
  return g;
}

/** `graph.pagerank({damping, tolerance, max_iterations, limit, folder})`. */
export function kilnPagerank(kiln: KilnApi, options?: Json): Json {
  const index = kiln.index();
  const o = obj(options, "graph.pagerank options");
  const limit = int(o.limit, "limit", { min: 1, max: 10_000, fallback: 20 });
  const folder = typeof o.folder === "string" ? withoutTrailingSlashes(o.folder) + "/" : null;
  const ranked = pagerank(kilnGraph(kiln), { ...o, limit: null });
  return ranked
    .filter((r) => folder === null || r.node.startsWith(folder))
    .slice(0, limit)
    .map((r) => ({ path: r.node, title: titleOf(index, r.node), score: r.score }));
}

/** `folder` without its trailing slashes (a loop: `/\/+$/` is quadratic on "/" runs). */
function withoutTrailingSlashes(folder: string): string {
  let end = folder.length;
  while (end > 0 && folder.charCodeAt(end - 1) === 47) end--;
  return folder.slice(0, end);
}

/** `graph.communities({resolution, min_size, limit, seed})`. */
export function kilnCommunities(kiln: KilnApi, options?: Json): Json {
  const o = obj(options, "graph.communities options");
  const result = communities(kilnGraph(kiln), {
    ...o,
    min_size: o.min_size ?? 2,
    limit: o.limit ?? 50,
  });
  return {
    modularity: result.modularity,
    count: result.count,
    communities: result.communities.map((c) => ({ id: c.id, size: c.size, notes: c.nodes })),
  };
}

/** `graph.shortest_path(from, to, {directed})`. */
export function kilnShortestPath(kiln: KilnApi, from: Json, to: Json, options?: Json): Json {
  const index = kiln.index();
  const o = obj(options, "graph.shortest_path options");
  return shortestPath(kilnGraph(kiln), find(index, from), find(index, to), {
    directed: o.directed !== false,
  });
}

/** `graph.bfs(start, options)` and `graph.dfs(start, options)`. */
export function kilnWalk(
  kiln: KilnApi,
  order: "bfs" | "dfs",
  start: Json,
  options?: Json,
): Json {
  const index = kiln.index();
  const o = obj(options, `graph.${order} options`);
  const where = whereFilters(o.where);
  const w = walkOptions(order, { ...o, where: null });
  if (o.limit === undefined) w.limit = 100;
  if (where.length) w.accept = (p) => matchesWhere(index.note(p)?.frontmatter ?? {}, where);
  return walk(kilnGraph(kiln), find(index, start), w).map((v) => ({
    path: v.node,
    title: titleOf(index, v.node),
    depth: v.depth,
    via: v.via,
  }));
}
