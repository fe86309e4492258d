/**
 * `cru undo`: put notes back as they were before plugin writes.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { loadConfig } from "../config/config.ts";
import { configDir } from "../config/paths.ts";
import { resolveKilnRoot } from "../kiln/kiln.ts";
import { NoteIndex } from "../kiln/note_index.ts";
import { printable, pruneJournal, readJournal } from "../api/journal.ts";
import { undo } from "../api/undo.ts";
import type { GlobalOptions } from "./context.ts";
import { out, printJson, println, table } from "./output.ts";

/** Register `cru undo`. */
export function registerUndoCommand(program: Command, globals: () => GlobalOptions): void {
  program.command("undo")
    .description("undo note writes: by default every write of the latest plugin run")
    .argument("[id]", "one journal entry (an id or a unique prefix, from --list)")
    .option("--list", "list the journal instead, newest first")
    .option("--plugin <name>", "the latest run of this plugin")
    .option("--force", "undo even if the note changed after the write")
    .option("--json", "print JSON")
    .action((id, opts) => {
      const { root } = resolveKilnRoot({
        flag: globals().kiln,
        env: Deno.env.get("CRUCIBLE_KILN"),
      });
      const config = loadConfig({ kilnRoot: root });
      pruneJournal(root, config.journal.retentionDays);
      const place = { kilnRoot: root, configDir: configDir() };
      if (opts.list) {
        const entries = readJournal(place).filter((e) => !opts.plugin || e.plugin === opts.plugin);
        if (opts.json) {
          printJson(
            entries.map(({ previous, refused, ...e }) => ({
              ...e,
              created: previous === null,
              authenticated: refused === undefined,
              ...(refused ? { refused } : {}),
            })),
          );
          return;
        }
        if (entries.length === 0) {
          println(out.dim("the journal is empty"));
          return;
        }
        for (
          const line of table(entries, [
            // Every field may come from a planted entry: printed with control characters escaped.
            { header: "ID", cell: (e) => printable(e.id.slice(0, 21)) },
            { header: "WHEN", cell: (e) => printable(e.at.slice(0, 19).replace("T", " ")) },
            { header: "PLUGIN", cell: (e) => printable(e.plugin ?? "") },
            { header: "NOTE", cell: (e) => out.path(printable(e.path)) },
            {
              header: "CHANGE",
              cell: (e) =>
                e.refused
                  ? out.dim("refused: ") + e.refused.split(":")[0]
                  : (e.previous === null ? "created" : "changed") +
                    (e.undone ? out.dim(" (undone)") : ""),
            },
          ])
        ) println(line);
        const refused = entries.filter((e) => e.refused).length;
        if (refused) {
          console.error(
            `${refused} journal ${refused === 1 ? "entry" : "entries"} cannot be undone here ` +
              "(see cru undo --list --json for why): cru undoes only entries this user's cru wrote",
          );
        }
        return;
      }
      const done = undo(place, { id, plugin: opts.plugin, force: opts.force });
      const index = NoteIndex.open(root);
      try {
        index.update({ paths: done.filter((d) => d.kind === "note").map((d) => d.path) });
      } finally {
        index.close();
      }
      if (opts.json) {
        printJson(done);
        return;
      }
      for (const d of done) {
        println(
          `${d.action === "removed" ? "removed" : "restored"} ${out.path(printable(d.path))} ${
            out.dim(`(${d.id.slice(0, 21)})`)
          }`,
        );
      }
    });
}
