/**
 * `cru search`.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { HIGHLIGHT_END, HIGHLIGHT_START, plainSnippet } from "../kiln/mod.ts";
import { type GlobalOptions, openIndex } from "./context.ts";
import { out, printJson, println } from "./output.ts";
import { parseLimit, UsageError } from "./usage.ts";

/** Register `cru search`. */
export function registerSearchCommand(program: Command, globals: () => GlobalOptions): void {
  program.command("search")
    .description(
      'full-text search: words are all required; "a phrase", prefix*, a OR b, -exclude',
    )
    .argument("<query...>", "what to look for")
    .option("--limit <n>", "at most N results (1-100)", "20")
    .option("--json", "print the results as JSON")
    // `-word` excludes a word; it must reach the query instead of failing as an unknown option.
    .allowUnknownOption()
    .action((words, opts) => {
      const unknown = words.find((w) => w.startsWith("--"));
      if (unknown !== undefined) {
        throw new UsageError(
          `unknown option ${unknown}; to exclude a word write -word, options are --limit and --json`,
        );
      }
      const limit = parseLimit(opts.limit);
      const index = openIndex(globals());
      try {
        const hits = index.search(words.join(" "), { limit });
        if (opts.json) {
          printJson(hits.map((h) => ({ ...h, snippet: plainSnippet(h.snippet) })));
          return;
        }
        if (hits.length === 0) {
          println(out.dim("no matches"));
          return;
        }
        for (const h of hits) {
          println(`${out.path(h.path)}  ${out.bold(h.title)} ${out.dim(h.score.toFixed(2))}`);
          const snippet = h.snippet
            .replaceAll(HIGHLIGHT_START, out.enabled ? "\x1b[1;33m" : "")
            .replaceAll(HIGHLIGHT_END, out.enabled ? "\x1b[22;39m" : "");
          println(`  ${snippet}`);
        }
      } finally {
        index.close();
      }
    });
}
