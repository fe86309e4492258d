/**
 * Text to vectors, offline: a note's vector is the SIF-weighted average of its words' vectors
 * (Arora, Liang and Ma, 2017: "smooth inverse frequency"), L2-normalised so that a dot product
 * of two vectors is their cosine similarity.
 *
 * A word's weight is `a / (a + p(w))`, with `p(w)` its probability in English estimated from
 * its frequency rank in the vectors' source (Zipf's law: `p(r) ≈ 1 / ((r + 1) · H)`), so "the"
 * counts about a hundredth of a rare word. The weights come from the vocabulary, not from the
 * kiln: a note's vector depends only on that note, so an incremental update re-embeds only the
 * notes it re-reads. SIF's second step, removing the common component of the sentence vectors,
 * is done once on the word vectors instead (see `vocabulary.ts`), for the same reason.
 *
 * @module
 */
import type { Vocabulary } from "./vocabulary.ts";

/** SIF smoothing: the larger, the less frequent words are discounted. */
const SIF_A = 1e-3;
/** The title counts this many times the body (it names what the note is about). */
const TITLE_WEIGHT = 2;
/** Words read from one text at most: beyond, the average hardly moves. */
const MAX_WORDS = 20_000;

/** Words as the embedder sees them: runs of ASCII letters, lower-cased. */
const WORD = /[a-z]+/g;

/** The parts of a note that go into its vector. */
export interface EmbeddableNote {
  /** Title. */
  title: string;
  /** Tags, as written. */
  tags: readonly string[];
  /** Body text. */
  body: string;
}

/**
 * Turns text into unit vectors with a word-vector vocabulary. Building one indexes the
 * vocabulary's words (tens of milliseconds); embedding is a map lookup per word.
 *
 * @example
 * ```ts ignore
 * import { WordVectorEmbedder } from "./embeddings.ts";
 * import { loadVocabulary } from "./vocabulary.ts";
 * const embedder = new WordVectorEmbedder(loadVocabulary("/tmp/cache"));
 * const v = embedder.embedText("a storm at sea"); // Float32Array(100), length 1, or null
 * ```
 */
export class WordVectorEmbedder {
  /** Vector length. */
  readonly dims: number;
  /** Identity of the vectors this embedder makes (stored with them in the index). */
  readonly model: string;
  /** The vocabulary it embeds with (its bytes can be handed to worker threads). */
  readonly vocabulary: Vocabulary;
  #index = new Map<string, number>();
  /** SIF weight times the quantization scale, per word. */
  #coef: Float32Array;
  #vectors: Int8Array;

  constructor(vocabulary: Vocabulary) {
    const { header, words, ranks, scales } = vocabulary;
    this.dims = header.dims;
    this.model = `builtin:${header.id}`;
    this.vocabulary = vocabulary;
    this.#vectors = vocabulary.vectors;
    this.#coef = new Float32Array(words.length);
    const harmonic = Math.log(header.sourceSize) + 0.5772;
    for (let w = 0; w < words.length; w++) {
      this.#index.set(words[w], w);
      const p = 1 / ((ranks[w] + 1) * harmonic);
      this.#coef[w] = (SIF_A / (SIF_A + p)) * scales[w];
    }
  }

  /** The unit vector of a text, or null when it has no word the vocabulary knows. */
  embedText(text: string): Float32Array | null {
    const sum = new Float32Array(this.dims);
    return this.#add(sum, text, 1) > 0 ? normalise(sum) : null;
  }

  /** The unit vector of a note (title, tags and body), or null when it has no known word. */
  embedNote(note: EmbeddableNote): Float32Array | null {
    const sum = new Float32Array(this.dims);
    let known = this.#add(sum, note.title, TITLE_WEIGHT);
    known += this.#add(sum, note.tags.join(" ").replace(/[/_-]/g, " "), 1);
    known += this.#add(sum, note.body, 1);
    return known > 0 ? normalise(sum) : null;
  }

  /** Add the weighted vectors of the words of `text` to `sum`; returns how many were known. */
  #add(sum: Float32Array, text: string, weight: number): number {
    const dims = this.dims;
    const vectors = this.#vectors;
    let known = 0;
    let seen = 0;
    for (const m of text.toLowerCase().matchAll(WORD)) {
      if (++seen > MAX_WORDS) break;
      const w = this.#index.get(m[0]);
      if (w === undefined) continue;
      known++;
      const c = this.#coef[w] * weight;
      const base = w * dims;
      for (let d = 0; d < dims; d++) sum[d] += c * vectors[base + d];
    }
    return known;
  }
}

/** Scale a vector to length 1 in place (a zero vector stays zero). */
export function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  if (n > 0) { for (let i = 0; i < v.length; i++) v[i] /= n; }
  return v;
}
