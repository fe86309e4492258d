/**
 * `cru graph`: backlinks, links, path, neighbours, orphans and hubs, each printed as text, JSON or
 * Graphviz DOT.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { NotFoundError } from "../errors.ts";
import { LinkGraph, toDot } from "../kiln/graph.ts";
import type { NoteIndex } from "../kiln/mod.ts";
import { type GlobalOptions, openIndex, requireNote } from "./context.ts";
import { out, printJson, println } from "./output.ts";
import { parseLimit, UsageError } from "./usage.ts";

const FORMATS = ["text", "json", "dot"] as const;
type Format = typeof FORMATS[number];
const FORMAT_HELP = "text, json or dot (Graphviz)";

/** `--format` (or `--json`, its shorthand) as one value. */
function formatOf(opts: { json?: boolean; format?: string }): Format {
  if (opts.json) return "json";
  const f = opts.format ?? "text";
  if (!FORMATS.includes(f as Format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")}, got ${JSON.stringify(f)}`);
  }
  return f as Format;
}

function withIndex<T>(globals: GlobalOptions, body: (index: NoteIndex) => T): T {
  const index = openIndex(globals);
  try {
    return body(index);
  } finally {
    index.close();
  }
}

/** Print the notes `paths` and the links among them as DOT, `highlight` in bold. */
function printDot(graph: LinkGraph, paths: readonly string[], highlight: readonly string[]): void {
  const nodes = [...new Set([...highlight, ...paths])];
  println(toDot(nodes, graph.edgesAmong(nodes), { highlight }).trimEnd());
}

/** Register the `graph` command group. */
export function registerGraphCommands(program: Command, globals: () => GlobalOptions): void {
  const graph = program.command("graph").description("follow links between notes");

  graph.command("backlinks")
    .description("notes that link to NOTE")
    .argument("<note>", "a kiln-relative path, or a note name or alias")
    .option("--format <format>", FORMAT_HELP, "text")
    .option("--json", "the same as --format json")
    .action((ref, opts) =>
      withIndex(globals(), (index) => {
        const format = formatOf(opts);
        const notePath = requireNote(index, ref);
        const links = index.backlinks(notePath);
        if (format === "json") return printJson({ note: notePath, backlinks: links });
        if (format === "dot") {
          return printDot(LinkGraph.fromIndex(index), links.map((l) => l.path), [notePath]);
        }
        if (links.length === 0) return println(out.dim(`no notes link to ${notePath}`));
        for (const l of links) {
          println(
            `${out.path(l.path)}${out.dim(`:${l.line}`)}  ${l.title}` +
              out.dim(l.embed ? "  (embed)" : ""),
          );
        }
      })
    );

  graph.command("links")
    .description("links out of NOTE, and where each one leads")
    .argument("<note>", "a kiln-relative path, or a note name or alias")
    .option("--format <format>", FORMAT_HELP, "text")
    .option("--json", "the same as --format json")
    .action((ref, opts) =>
      withIndex(globals(), (index) => {
        const format = formatOf(opts);
        const notePath = requireNote(index, ref);
        const links = index.forwardLinks(notePath);
        if (format === "json") return printJson({ note: notePath, links });
        if (format === "dot") {
          const targets = links.flatMap((l) => l.resolved ? [l.resolved] : []);
          return printDot(LinkGraph.fromIndex(index), targets, [notePath]);
        }
        if (links.length === 0) return println(out.dim(`${notePath} links to nothing`));
        for (const l of links) {
          const written = l.kind === "wikilink"
            ? `${l.embed ? "!" : ""}[[${l.target}${l.heading ? "#" + l.heading : ""}` +
              `${l.block ? "#^" + l.block : ""}]]`
            : `${l.embed ? "!" : ""}[${l.alias ?? ""}](${l.target})`;
          const to = l.resolvedKind === "self"
            ? out.dim("this note")
            : l.resolved
            ? out.path(l.resolved)
            : out.warn("unresolved");
          println(`${out.dim(`${l.line}:`)} ${written} ${out.dim("→")} ${to}`);
        }
      })
    );

  graph.command("path")
    .description("the shortest chain of links from note A to note B")
    .argument("<from>", "the note to start from (path, name or alias)")
    .argument("<to>", "the note to reach")
    .option("--undirected", "also step backwards along links (from a note to one linking it)")
    .option("--format <format>", FORMAT_HELP, "text")
    .option("--json", "the same as --format json")
    .action((fromRef, toRef, opts) =>
      withIndex(globals(), (index) => {
        const format = formatOf(opts);
        const from = requireNote(index, fromRef);
        const to = requireNote(index, toRef);
        const g = LinkGraph.fromIndex(index);
        const chain = g.shortestPath(from, to, { undirected: opts.undirected });
        if (chain === null) {
          throw new NotFoundError(
            `no chain of links leads from ${from} to ${to}` +
              (opts.undirected ? "" : " (try --undirected to step backwards along links too)"),
          );
        }
        if (format === "json") {
          return printJson({ from, to, undirected: !!opts.undirected, path: chain });
        }
        if (format === "dot") return printDot(g, chain, [from, to]);
        println(chain.map((p) => out.path(p)).join(out.dim(" → ")));
        println(out.dim(`${chain.length - 1} step${chain.length === 2 ? "" : "s"}`));
      })
    );

  graph.command("neighbours")
    .alias("neighbors")
    .description("notes within N link steps of NOTE, either direction")
    .argument("<note>", "a kiln-relative path, or a note name or alias")
    .option("--depth <n>", "how many link steps away (default 1)", "1")
    .option("--format <format>", FORMAT_HELP, "text")
    .option("--json", "the same as --format json")
    .action((ref, opts) =>
      withIndex(globals(), (index) => {
        const format = formatOf(opts);
        const depth = parseDepth(opts.depth);
        const notePath = requireNote(index, ref);
        const g = LinkGraph.fromIndex(index);
        const near = g.neighbours(notePath, depth);
        if (format === "json") return printJson({ note: notePath, depth, neighbours: near });
        if (format === "dot") return printDot(g, near.map((n) => n.path), [notePath]);
        if (near.length === 0) return println(out.dim(`${notePath} has no links in or out`));
        const arrow = { out: "→", in: "←", both: "↔" } as const;
        for (const n of near) {
          println(`${out.dim(`${n.distance} ${arrow[n.via]}`)} ${out.path(n.path)}`);
        }
      })
    );

  graph.command("orphans").description("notes with no links in or out")
    .option("--format <format>", FORMAT_HELP, "text")
    .option("--json", "the same as --format json")
    .action((opts) =>
      withIndex(globals(), (index) => {
        const format = formatOf(opts);
        const g = LinkGraph.fromIndex(index);
        const orphans = g.orphans();
        if (format === "json") return printJson(orphans);
        if (format === "dot") return printDot(g, orphans, []);
        if (orphans.length === 0) {
          return println(out.dim("no orphans: every note links or is linked"));
        }
        for (const o of orphans) println(out.path(o));
      })
    );

  graph.command("hubs")
    .description("the most linked-to notes")
    .option("--limit <n>", "how many (default 10)", "10")
    .option("--format <format>", FORMAT_HELP, "text")
    .option("--json", "the same as --format json")
    .action((opts) =>
      withIndex(globals(), (index) => {
        const format = formatOf(opts);
        const g = LinkGraph.fromIndex(index);
        const hubs = g.hubs(parseLimit(opts.limit));
        if (format === "json") return printJson(hubs);
        if (format === "dot") return printDot(g, hubs.map((h) => h.path), []);
        if (hubs.length === 0) return println(out.dim("no note is linked to yet"));
        for (const h of hubs) println(`${out.path(h.path)} ${out.dim(`← ${h.backlinks}`)}`);
      })
    );
}

function parseDepth(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new UsageError(
      `--depth must be a whole number from 1 to 100, got ${JSON.stringify(value)}`,
    );
  }
  return n;
}
