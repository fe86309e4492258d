/**
 * `cru notes list` and `cru notes show`.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import * as path from "node:path";
import { stringify } from "yaml";
import { NotFoundError } from "../errors.ts";
import {
  folderOf,
  normalizeKilnPath,
  type NoteIndex,
  parseNote,
  parseWhere,
  type WhereFilter,
} from "../kiln/mod.ts";
import { suggest } from "../suggest.ts";
import { type GlobalOptions, openIndex, requireNote } from "./context.ts";
import { num, out, printJson, println, table } from "./output.ts";
import { parseLimit, UsageError } from "./usage.ts";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * Refuse a folder that is not in the kiln (E_NOT_FOUND, with the closest folders), so a typo is
 * not mistaken for an empty folder. A folder on disk without notes is fine: it just lists none.
 */
function requireFolder(index: NoteIndex, folder: string): void {
  const rel = normalizeKilnPath(folder);
  if (rel === "") return;
  const known = new Set<string>();
  for (const p of index.paths()) {
    for (let f = folderOf(p); f !== ""; f = folderOf(f)) known.add(f);
  }
  if (known.has(rel)) return;
  try {
    if (Deno.statSync(path.join(index.root, rel)).isDirectory) return;
  } catch { /* not on disk either */ }
  const close = suggest(rel, known);
  const hint = close.length
    ? `; did you mean ${close.map((c) => JSON.stringify(c)).join(", ")}?`
    : "; run `cru notes list` to see the notes and their folders";
  throw new NotFoundError(`no folder ${JSON.stringify(folder)} in the kiln${hint}`);
}

/** Register the `notes` command group. */
export function registerNotesCommands(program: Command, globals: () => GlobalOptions): void {
  const notes = program.command("notes").description("list and read notes");

  notes.command("list")
    .description("list notes (the whole kiln, or one folder)")
    .argument("[folder]", "kiln-relative folder; only its direct notes unless --recursive")
    .option("-r, --recursive", "include sub-folders of FOLDER")
    .option("-t, --tag <tag>", "only notes with this tag (or a tag nested below it)")
    .option(
      "-w, --where <filter>",
      "frontmatter filter key=value (also !=, >, >=, <, <=); repeat to combine",
      collect,
      [] as string[],
    )
    .option("-n, --limit <n>", "at most N notes")
    .option("--json", "print the notes as JSON")
    .action((folder, opts) => {
      let where: WhereFilter[];
      try {
        where = opts.where.map(parseWhere);
      } catch (e) {
        throw new UsageError(`--where: ${(e as Error).message}`);
      }
      const limit = opts.limit === undefined ? undefined : parseLimit(opts.limit);
      const index = openIndex(globals());
      try {
        if (folder !== undefined) requireFolder(index, folder);
        const rows = index.list({
          folder,
          recursive: folder === undefined ? true : opts.recursive ?? false,
          tag: opts.tag,
          where,
          limit,
        });
        if (opts.json) {
          printJson(rows.map((r) => ({ ...r, modified: new Date(r.mtime).toISOString() })));
          return;
        }
        if (rows.length === 0) {
          println(out.dim("no notes match"));
          return;
        }
        for (
          const line of table(rows, [
            { header: "PATH", cell: (r) => out.path(r.path), max: 60 },
            { header: "TITLE", cell: (r) => r.title, max: 40 },
            { header: "WORDS", cell: (r) => num(r.wordCount), right: true },
            { header: "TAGS", cell: (r) => r.tags.map((t) => "#" + t).join(" "), max: 50 },
          ])
        ) println(line);
        println(out.dim(`${num(rows.length)} note${rows.length === 1 ? "" : "s"}`));
      } finally {
        index.close();
      }
    });

  notes.command("show")
    .description("show one note: metadata, links, backlinks and content")
    .argument("<note>", "a kiln-relative path, or a note name or alias as a wikilink would use")
    .option("--json", "print the note as JSON")
    .action((ref, opts) => {
      const index = openIndex(globals());
      try {
        const notePath = requireNote(index, ref);
        const meta = index.note(notePath)!;
        let content: string;
        try {
          content = Deno.readTextFileSync(path.join(index.root, notePath));
        } catch (e) {
          throw new NotFoundError(
            `note ${notePath} is in the index but could not be read: ${(e as Error).message}`,
          );
        }
        const body = parseNote(notePath, content, { bytes: 0, mtime: 0 }).body;
        const links = index.forwardLinks(notePath);
        const backlinks = index.backlinks(notePath);
        if (opts.json) {
          printJson({
            ...meta,
            modified: new Date(meta.mtime).toISOString(),
            content: body,
            links,
            backlinks,
          });
          return;
        }
        println(out.bold(meta.title));
        println(
          out.path(notePath) + out.dim(
            `  ${num(meta.wordCount)} words · ${new Date(meta.mtime).toISOString().slice(0, 10)}`,
          ),
        );
        if (meta.tags.length) println(meta.tags.map((t) => "#" + t).join(" "));
        if (meta.aliases.length) println(out.dim("aliases: ") + meta.aliases.join(", "));
        if (Object.keys(meta.frontmatter).length) {
          println();
          println(out.dim(stringify(meta.frontmatter).trimEnd()));
        }
        println();
        println(body.trim());
        println();
        const resolved = links.filter((l) => l.resolvedKind !== "self");
        println(out.bold(`links (${resolved.length})`));
        for (const l of resolved) {
          const to = l.resolved ? out.path(l.resolved) : out.warn(`${l.target} (unresolved)`);
          println(`  ${out.dim(`${l.line}:`)} ${to}`);
        }
        println(out.bold(`backlinks (${backlinks.length})`));
        for (const b of backlinks) println(`  ${out.path(b.path)}${out.dim(`:${b.line}`)}`);
        for (const d of meta.diagnostics) {
          println(out.warn(`warning: ${d.line ? `line ${d.line}: ` : ""}${d.message}`));
        }
      } finally {
        index.close();
      }
    });
}
