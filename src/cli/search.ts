/**
 * `cru search`.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { HIGHLIGHT_END, HIGHLIGHT_START, plainSnippet } from "../kiln/mod.ts";
import { DEFAULT_SEARCH_MODE, SEARCH_MODES, searchKiln, type SearchMode } from "../kiln/hybrid.ts";
import { embeddingProvider } from "../kiln/embedding_providers.ts";
import { loadConfig } from "../config/config.ts";
import { type GlobalOptions, openIndex } from "./context.ts";
import { eprintln, out, printJson, println } from "./output.ts";
import { parseLimit, UsageError } from "./usage.ts";

/** Register `cru search`. */
export function registerSearchCommand(program: Command, globals: () => GlobalOptions): void {
  program.command("search")
    .description(
      'search notes: words are all required; "a phrase", prefix*, a OR b, -exclude; ' +
        "--mode semantic finds notes by meaning, hybrid fuses both",
    )
    .argument("<query...>", "what to look for")
    .option("--limit <n>", "at most N results (1-100)", "20")
    .option(
      "--mode <mode>",
      `text (full-text, BM25), semantic (meaning, word vectors) or hybrid (both fused)`,
      DEFAULT_SEARCH_MODE,
    )
    .option("--json", "print the results as JSON")
    // `-word` excludes a word; it must reach the query instead of failing as an unknown option.
    .allowUnknownOption()
    .action(async (words, opts) => {
      const unknown = words.find((w) => w.startsWith("--"));
      if (unknown !== undefined) {
        throw new UsageError(
          `unknown option ${unknown}; to exclude a word write -word, options are --limit, ` +
            "--mode and --json",
        );
      }
      const limit = parseLimit(opts.limit);
      if (!SEARCH_MODES.includes(opts.mode as SearchMode)) {
        throw new UsageError(
          `--mode must be one of ${SEARCH_MODES.join(", ")}, got ${JSON.stringify(opts.mode)}`,
        );
      }
      const index = openIndex(globals());
      try {
        const hits = await searchKiln(index, words.join(" "), {
          limit,
          mode: opts.mode as SearchMode,
          provider: () =>
            embeddingProvider(loadConfig({ kilnRoot: index.root }).search.embeddings, {
              onCompact: () =>
                eprintln(out.dim("preparing the word vectors for semantic search (once)…")),
            }),
          onEmbed: (n) => {
            if (n >= 100) eprintln(out.dim(`embedding ${n} notes for semantic search (once)…`));
          },
        });
        if (opts.json) {
          printJson(hits.map((h) => ({ ...h, snippet: plainSnippet(h.snippet) })));
          return;
        }
        if (hits.length === 0) {
          println(out.dim("no matches"));
          return;
        }
        for (const h of hits) {
          const score = opts.mode === "hybrid" ? h.score.toFixed(4) : h.score.toFixed(2);
          println(`${out.path(h.path)}  ${out.bold(h.title)} ${out.dim(score)}`);
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
