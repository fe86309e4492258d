/**
 * Search quality on a small labelled set (`tests/fixtures/search_quality/`): 25 notes on distinct
 * topics, paraphrased queries that share few words with their target note, and keyword queries
 * that use the target's own rare words. For each search mode: recall@5 (the target among the
 * first five hits) and mean reciprocal rank. `tests/kiln/search_quality_test.ts` checks the
 * ordering; this script prints the table `docs/benchmarks.md` quotes.
 *
 * ```sh
 * deno run -A bench/search_quality.ts            # Markdown table on stdout
 * ```
 *
 * Modes measured: `text` (the query as typed: every word required), `text-any` (the query's
 * words joined by OR: a fairer full-text baseline for long queries), `semantic` and `hybrid`.
 *
 * @module
 */
import * as path from "node:path";
import { NoteIndex } from "../src/kiln/mod.ts";
import { searchKiln, type SearchMode } from "../src/kiln/hybrid.ts";
import { embeddingProvider, type EmbeddingSettings } from "../src/kiln/embedding_providers.ts";
import { cacheDir } from "../src/config/paths.ts";

/** The labelled set. */
export const QUALITY_FIXTURE = path.resolve(
  import.meta.dirname!,
  "..",
  "tests",
  "fixtures",
  "search_quality",
);

/** A query and the note it is about. */
export interface LabelledQuery {
  /** What a user would type. */
  query: string;
  /** Kiln-relative path of the note it should find. */
  target: string;
}

/** The modes compared. */
export const QUALITY_MODES = ["text", "text-any", "semantic", "hybrid"] as const;

/** One row of the result: a query set in one mode. */
export interface QualityRow {
  /** `paraphrase` or `keyword`. */
  set: string;
  /** Search mode. */
  mode: (typeof QUALITY_MODES)[number];
  /** Queries in the set. */
  queries: number;
  /** Share of queries whose target is in the first five hits. */
  recallAt5: number;
  /** Mean of 1/rank of the target (0 when not found in the first 20). */
  mrr: number;
}

/** Copy the fixture notes to a temporary kiln, index it, and score every query in every mode. */
export async function evaluateSearchQuality(embeddings: EmbeddingSettings): Promise<QualityRow[]> {
  const sets = JSON.parse(
    Deno.readTextFileSync(path.join(QUALITY_FIXTURE, "queries.json")),
  ) as Record<string, LabelledQuery[]>;
  const root = Deno.makeTempDirSync({ prefix: "cru-quality-" });
  try {
    const notes = path.join(QUALITY_FIXTURE, "notes");
    for (const e of Deno.readDirSync(notes)) {
      if (e.isFile && e.name.endsWith(".md")) {
        Deno.copyFileSync(path.join(notes, e.name), path.join(root, e.name));
      }
    }
    const provider = embeddingProvider(embeddings);
    const index = NoteIndex.open(root, { embeddings });
    try {
      index.update();
      const rows: QualityRow[] = [];
      for (const [set, queries] of Object.entries(sets)) {
        for (const mode of QUALITY_MODES) {
          let found = 0;
          let rr = 0;
          for (const q of queries) {
            const query = mode === "text-any"
              ? (q.query.match(/[\p{L}\p{N}]+/gu) ?? []).join(" OR ")
              : q.query;
            const searchMode: SearchMode = mode === "text-any" ? "text" : mode;
            const hits = await searchKiln(index, query, { mode: searchMode, provider });
            const rank = hits.findIndex((h) => h.path === q.target);
            if (rank >= 0 && rank < 5) found++;
            if (rank >= 0) rr += 1 / (rank + 1);
          }
          rows.push({
            set,
            mode,
            queries: queries.length,
            recallAt5: found / queries.length,
            mrr: rr / queries.length,
          });
        }
      }
      return rows;
    } finally {
      index.close();
    }
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
}

/** The rows as a Markdown table: one line per mode, one column pair per query set. */
export function qualityTable(rows: QualityRow[]): string {
  const sets = [...new Set(rows.map((r) => r.set))];
  const head = `| mode | ${
    sets.map((s) => {
      const n = rows.find((r) => r.set === s)!.queries;
      return `${s} recall@5 (${n} queries) | ${s} MRR`;
    }).join(" | ")
  } |`;
  const rule = `| --- | ${sets.map(() => "---: | ---:").join(" | ")} |`;
  const lines = QUALITY_MODES.map((mode) =>
    `| ${mode} | ${
      sets.map((s) => {
        const r = rows.find((x) => x.set === s && x.mode === mode)!;
        return `${(r.recallAt5 * 100).toFixed(0)}% | ${r.mrr.toFixed(2)}`;
      }).join(" | ")
    } |`
  );
  return [head, rule, ...lines].join("\n");
}

if (import.meta.main) {
  const rows = await evaluateSearchQuality({ provider: "builtin", cacheDir: cacheDir() });
  console.log(qualityTable(rows));
}
