/**
 * `cru kiln index` (once, or `--watch` to keep the index current) and `cru kiln stats`.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import {
  type Diagnostic,
  type IndexReport,
  KilnWatch,
  LinkGraph,
  NoteIndex,
  resolveKilnRoot,
} from "../kiln/mod.ts";
import { type GlobalOptions, openIndex } from "./context.ts";
import {
  duration,
  eprintln,
  err,
  num,
  out,
  printJson,
  println,
  ProgressBar,
  table,
} from "./output.ts";

/** Register the `kiln` command group. */
export function registerKilnCommands(program: Command, globals: () => GlobalOptions): void {
  const kiln = program.command("kiln").description("index a kiln and report on it");

  kiln.command("index")
    .description("build or update the note index (only added, changed and deleted notes are read)")
    .option("--rebuild", "throw the index away and read every note again")
    .option("--watch", "then keep the index current as notes change, until Ctrl-C")
    .option("--json", "print the report as JSON (with --watch: one JSON line per update)")
    .action(async (opts) => {
      const { root } = resolveKilnRoot({
        flag: globals().kiln,
        env: Deno.env.get("CRUCIBLE_KILN"),
      });
      const index = NoteIndex.open(root);
      try {
        // Watch from before the first index, so a note saved meanwhile is not missed.
        const watch = opts.watch
          ? KilnWatch.start(index, {
            onUpdate: (report, paths) => printUpdate(report, paths, opts.json ?? false),
            onError: (e) => eprintln(`${err.error("error:")} ${(e as Error).message ?? e}`),
          })
          : null;
        try {
          indexOnce(index, root, {
            rebuild: opts.rebuild ?? false,
            json: opts.json ?? false,
            watch: opts.watch ?? false,
          });
          if (watch) await watchUntilSignal(watch, root);
        } finally {
          watch?.close();
        }
      } finally {
        index.close();
      }
    });

  kiln.command("stats")
    .description("count notes, links, unresolved links, tags and orphans")
    .option("--json", "print the statistics as JSON")
    .action((opts) => {
      const index = openIndex(globals());
      try {
        const stats = index.stats();
        const graph = LinkGraph.fromIndex(index);
        const orphans = graph.orphans();
        const hubs = graph.hubs(5);
        const unresolved = index.unresolved();
        if (opts.json) {
          printJson({ kiln: index.root, ...stats, orphans, hubs, unresolved });
          return;
        }
        const rows: [string, string][] = [
          ["notes", num(stats.notes)],
          ["words", num(stats.words)],
          ["links", num(stats.links)],
          ["  resolved", num(stats.resolvedLinks)],
          ["  unresolved", num(stats.unresolvedLinks)],
          ["  embeds", num(stats.embeds)],
          ["tags", num(stats.tags)],
          ["orphans", num(orphans.length)],
          ["attachments", num(stats.attachments)],
        ];
        if (stats.skipped) rows.push(["skipped files", num(stats.skipped)]);
        println(out.bold(index.root));
        for (
          const line of table(rows, [
            { header: "", cell: (r) => r[0] },
            { header: "", cell: (r) => r[1], right: true },
          ]).slice(1)
        ) println(line);
        if (stats.topTags.length) {
          println();
          println(out.bold("top tags"));
          println(stats.topTags.map((t) => `#${t.tag} ${out.dim(`(${t.notes})`)}`).join("  "));
        }
        if (hubs.length) {
          println();
          println(out.bold("most linked"));
          for (const h of hubs) println(`${out.path(h.path)} ${out.dim(`← ${h.backlinks}`)}`);
        }
        if (orphans.length) {
          println();
          println(out.bold("orphans") + out.dim(" (no links in or out)"));
          for (const o of orphans.slice(0, 20)) println(out.path(o));
          if (orphans.length > 20) println(out.dim(`… and ${num(orphans.length - 20)} more`));
        }
        if (unresolved.length) {
          println();
          println(out.bold("unresolved links"));
          for (const u of unresolved.slice(0, 20)) {
            println(`${out.path(u.source)}:${u.line} ${out.dim("→")} [[${u.target}]]`);
          }
          if (unresolved.length > 20) {
            println(out.dim(`… and ${num(unresolved.length - 20)} more (see --json)`));
          }
        }
      } finally {
        index.close();
      }
    });
}

function indexOnce(
  index: NoteIndex,
  root: string,
  opts: { rebuild: boolean; json: boolean; watch: boolean },
): void {
  const bar = new ProgressBar("indexing", { enabled: !opts.json && Deno.stderr.isTerminal() });
  const report = index.update({
    rebuild: opts.rebuild,
    onProgress: (done, total) => total >= 500 && bar.update(done, total),
  });
  bar.done();
  if (opts.json) {
    const json = { kiln: root, ...report, durationMs: Math.round(report.durationMs) };
    // Under --watch every report is one line (JSON Lines), this first one included.
    if (opts.watch) println(JSON.stringify(json));
    else printJson(json);
    return;
  }
  println(
    `${out.ok("indexed")} ${num(report.notes)} notes in ${duration(report.durationMs)}: ` +
      `${num(report.added)} added, ${num(report.changed)} changed, ` +
      `${num(report.deleted)} deleted, ${num(report.unchanged)} unchanged` +
      (report.skipped ? `, ${num(report.skipped)} skipped` : ""),
  );
  printDiagnostics(report.diagnostics);
}

/** Run the watch until SIGINT or SIGTERM, then return normally (exit 0). */
async function watchUntilSignal(watch: KilnWatch, root: string): Promise<void> {
  const stop = () => watch.close();
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  for (const s of signals) Deno.addSignalListener(s, stop);
  eprintln(err.dim(`watching ${root} for changes (Ctrl-C to stop)`));
  try {
    await watch.run();
  } finally {
    for (const s of signals) Deno.removeSignalListener(s, stop);
  }
}

/** One line per update that changed the index. */
function printUpdate(report: IndexReport, paths: string[], json: boolean): void {
  const n = report.added + report.changed + report.deleted;
  if (json) {
    println(JSON.stringify({ ...report, paths, durationMs: Math.round(report.durationMs) }));
    return;
  }
  if (n === 0 && report.diagnostics.length === 0) return;
  println(`updated ${num(n)} ${n === 1 ? "note" : "notes"} in ${duration(report.durationMs)}`);
  printDiagnostics(report.diagnostics);
}

/** Print diagnostics to stderr, grouped, at most 50. */
export function printDiagnostics(diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics.slice(0, 50)) {
    const where = d.line !== undefined ? `${d.file}:${d.line}` : d.file;
    eprintln(`${err.warn("warning:")} ${where}: ${d.message}`);
  }
  if (diagnostics.length > 50) {
    eprintln(err.dim(`… and ${diagnostics.length - 50} more warnings (see --json)`));
  }
}
