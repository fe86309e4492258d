/**
 * `cru graph backlinks` and `cru graph links`.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { type GlobalOptions, openIndex, requireNote } from "./context.ts";
import { out, printJson, println } from "./output.ts";

/** Register the `graph` command group. */
export function registerGraphCommands(program: Command, globals: () => GlobalOptions): void {
  const graph = program.command("graph").description("follow links between notes");

  graph.command("backlinks")
    .description("notes that link to NOTE")
    .argument("<note>", "a kiln-relative path, or a note name or alias")
    .option("--json", "print the backlinks as JSON")
    .action((ref, opts) => {
      const index = openIndex(globals());
      try {
        const notePath = requireNote(index, ref);
        const links = index.backlinks(notePath);
        if (opts.json) {
          printJson({ note: notePath, backlinks: links });
          return;
        }
        if (links.length === 0) {
          println(out.dim(`no notes link to ${notePath}`));
          return;
        }
        for (const l of links) {
          println(
            `${out.path(l.path)}${out.dim(`:${l.line}`)}  ${l.title}` +
              out.dim(l.embed ? "  (embed)" : ""),
          );
        }
      } finally {
        index.close();
      }
    });

  graph.command("links")
    .description("links out of NOTE, and where each one leads")
    .argument("<note>", "a kiln-relative path, or a note name or alias")
    .option("--json", "print the links as JSON")
    .action((ref, opts) => {
      const index = openIndex(globals());
      try {
        const notePath = requireNote(index, ref);
        const links = index.forwardLinks(notePath);
        if (opts.json) {
          printJson({ note: notePath, links });
          return;
        }
        if (links.length === 0) {
          println(out.dim(`${notePath} links to nothing`));
          return;
        }
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
      } finally {
        index.close();
      }
    });
}
