/**
 * What the index benchmarks do to a synthetic kiln: the fixed full-text query set, and the
 * one-note edit the incremental re-index bench repeats. Shared by `index_bench.ts` (for
 * `deno bench`) and `index_report.ts` (the figures `docs/benchmarks.md` quotes), so both
 * measure the same work.
 *
 * @module
 */
import * as path from "node:path";
import { buildVocabulary, DEFAULT_SEED, mixSeed, Random } from "./synthetic_text.ts";

/** The kinds of query in the set, with how many of each. */
export const QUERY_KINDS = {
  /** One pseudo-word from the rare tail of the vocabulary (a few dozen notes at 10k). */
  rare: 15,
  /** One frequent word (English content words and the top pseudo-words: 10–40% of notes). */
  common: 10,
  /** A frequent word AND a mid-frequency word. */
  and: 10,
  /** A quoted two- or three-word phrase that recurs in the kiln. */
  phrase: 8,
  /** A two- or three-letter prefix (`ab*`), which FTS5 expands to every matching term. */
  prefix: 7,
} as const;

/** A kind of benchmark query. */
export type QueryKind = keyof typeof QUERY_KINDS;

/** One benchmark query in `cru search` syntax. */
export interface BenchQuery {
  /** What the query exercises. */
  kind: QueryKind;
  /** The query text. */
  query: string;
}

/** English content words frequent enough to be in 10–40% of notes. */
const COMMON_ENGLISH = ["work", "data", "system", "project", "meeting", "design", "review"];

/**
 * The 50 benchmark queries for a kiln generated with `seed`, always the same for a seed.
 *
 * @example
 * ```ts
 * import { benchQueries } from "./workload.ts";
 * const queries = benchQueries();
 * console.log(queries.length, queries[0]); // 50 { kind: "rare", query: "…" }
 * ```
 */
export function benchQueries(seed = DEFAULT_SEED): BenchQuery[] {
  const v = buildVocabulary(seed);
  const rng = new Random(mixSeed(seed, 5));
  const pseudo = (from: number, to: number) => v.words[v.firstPseudo + rng.int(from, to)];
  const out: BenchQuery[] = [];
  const add = (kind: QueryKind, make: () => string) => {
    const seen = new Set<string>();
    while (seen.size < QUERY_KINDS[kind]) {
      const q = make();
      if (seen.has(q)) continue;
      seen.add(q);
      out.push({ kind, query: q });
    }
  };
  add("rare", () => pseudo(5000, v.words.length - v.firstPseudo - 1));
  add("common", () => rng.chance(0.5) ? rng.pick(COMMON_ENGLISH) : pseudo(0, 20));
  add("and", () => `${rng.pick(COMMON_ENGLISH)} ${pseudo(200, 2000)}`);
  add("phrase", () => `"${v.collocations[rng.int(5, 150)]}"`);
  add("prefix", () => {
    const w = pseudo(0, 500);
    return w.slice(0, out.filter((q) => q.kind === "prefix").length < 4 ? 2 : 3) + "*";
  });
  return out;
}

const REVISION =
  /\nRevision \d+: another thought on \[\[Home\]\] and the plan #bench\/edit-\d\.\n$/;

/**
 * Rewrites one note with new content and a new modification time, so every update sees exactly
 * one changed note; {@link NoteEdit.restore} puts the original text back.
 */
export class NoteEdit {
  /** Absolute path of the note being edited. */
  readonly abs: string;
  #original: Uint8Array;
  #text: string;
  #count = 0;
  #base = Math.floor(Date.now() / 1000);

  /** Edit the note at `rel` (kiln-relative) of the kiln at `root`. */
  constructor(root: string, rel: string) {
    this.abs = path.join(root, rel);
    // A run that died mid-benchmark leaves its last revision behind: drop it, so the cached
    // kiln goes back to what the generator wrote.
    this.#text = Deno.readTextFileSync(this.abs).replace(REVISION, "");
    this.#original = new TextEncoder().encode(this.#text);
  }

  /** Write the next revision: the original text plus a paragraph with a link and a tag. */
  next(): void {
    const n = ++this.#count;
    Deno.writeTextFileSync(
      this.abs,
      `${this.#text}\nRevision ${n}: another thought on [[Home]] and the plan #bench/edit-${
        n % 7
      }.\n`,
    );
    // A new mtime every time, even when two revisions have the same size.
    const t = this.#base + n;
    Deno.utimeSync(this.abs, t, t);
  }

  /** Put the original bytes back. */
  restore(): void {
    Deno.writeFileSync(this.abs, this.#original);
  }
}

/** Value at percentile `p` (0–100) of `samples`, nearest-rank method. */
export function percentile(samples: readonly number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}
