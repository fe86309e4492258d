/**
 * Search benchmarks on a synthetic kiln: `text`, `semantic` and `hybrid` search over the same
 * plain-English queries, and a cold index with note vectors. Run with `deno task bench`.
 *
 * 10,000 notes by default (`CRU_BENCH_NOTES` changes it). The word vectors are compacted once
 * into `$TMPDIR/cru-bench-word-vectors/` and reused by later runs. For the table in
 * `docs/benchmarks.md` use `bench/search_report.ts`.
 *
 * @module
 */
import * as path from "node:path";
import * as os from "node:os";
import { NoteIndex } from "../src/kiln/mod.ts";
import { searchKiln, type SearchMode } from "../src/kiln/hybrid.ts";
import { embeddingProvider, type EmbeddingSettings } from "../src/kiln/embedding_providers.ts";
import { ensureKiln } from "./synthetic_kiln.ts";
import { englishQueries } from "./search_report.ts";

const NOTES = Number(Deno.env.get("CRU_BENCH_NOTES") ?? 10_000);
const { root } = ensureKiln(NOTES, { log: (m) => console.error(m) });
const scratch = Deno.makeTempDirSync({ prefix: "cru-search-bench-" });
const embeddings: EmbeddingSettings = {
  provider: "builtin",
  cacheDir: path.join(os.tmpdir(), "cru-bench-word-vectors"),
};
const provider = embeddingProvider(embeddings);
const label = `${NOTES / 1000}k notes`;
const queries = englishQueries();

const shared = NoteIndex.open(root, { file: path.join(scratch, "shared", "index.db"), embeddings });
shared.update();

globalThis.addEventListener("unload", () => {
  shared.close();
  Deno.removeSync(scratch, { recursive: true });
});

for (const mode of ["text", "semantic", "hybrid"] as SearchMode[]) {
  let i = 0;
  Deno.bench({
    name: `${mode} search, ${label}`,
    group: "search",
    baseline: mode === "text",
    async fn() {
      await searchKiln(shared, queries[i++ % queries.length], { mode, provider });
    },
  });
}

let coldRun = 0;
Deno.bench({
  name: `cold index with note vectors, ${label}`,
  group: "index",
  n: 3,
  warmup: 0,
  fn(b) {
    const dir = path.join(scratch, `cold-${coldRun++}`);
    b.start();
    const index = NoteIndex.open(root, { file: path.join(dir, "index.db"), embeddings });
    index.update();
    b.end();
    index.close();
    Deno.removeSync(dir, { recursive: true });
  },
});
