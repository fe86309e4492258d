/**
 * Search quality on the labelled set in `tests/fixtures/search_quality/`: on queries that share
 * few words with their target note, semantic and hybrid search must find more targets in their
 * first five hits than full-text search; on keyword queries, hybrid must not lose to full text.
 * `deno run -A bench/search_quality.ts` prints the table quoted in docs/benchmarks.md.
 */
import { ok } from "node:assert/strict";
import { evaluateSearchQuality, qualityTable } from "../../bench/search_quality.ts";
import { BUILTIN } from "./word_vectors.ts";

Deno.test("semantic and hybrid beat full text on paraphrased queries (recall@5)", async () => {
  const rows = await evaluateSearchQuality(BUILTIN);
  const recall = (set: string, mode: string) =>
    rows.find((r) => r.set === set && r.mode === mode)!.recallAt5;
  const table = qualityTable(rows);
  for (const mode of ["semantic", "hybrid"]) {
    ok(recall("paraphrase", mode) > recall("paraphrase", "text"), table);
    ok(recall("paraphrase", mode) > recall("paraphrase", "text-any"), table);
  }
  ok(recall("paraphrase", "semantic") >= 0.75, table);
  ok(recall("keyword", "hybrid") >= recall("keyword", "text"), table);
});
