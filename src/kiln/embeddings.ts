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
/** Known words read from one note at most: beyond, the average hardly moves. */
const MAX_WORDS = 20_000;

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
  #table: WordTable;
  /** SIF weight times the quantization scale, per word. */
  #coef: Float32Array;
  #vectors: Int8Array;
  /** Scratch: the summed weight of each word of the text being embedded (zero between calls). */
  #weights: Float32Array;
  /** Scratch: the words with a non-zero weight, in first-seen order. */
  #touched: Int32Array;

  constructor(vocabulary: Vocabulary) {
    const { header, words, ranks, scales } = vocabulary;
    this.dims = header.dims;
    this.model = `builtin:${header.id}`;
    this.vocabulary = vocabulary;
    this.#vectors = vocabulary.vectors;
    this.#coef = new Float32Array(words.length);
    this.#weights = new Float32Array(words.length);
    this.#touched = new Int32Array(words.length);
    const harmonic = Math.log(header.sourceSize) + 0.5772;
    this.#table = new WordTable(words);
    for (let w = 0; w < words.length; w++) {
      const p = 1 / ((ranks[w] + 1) * harmonic);
      this.#coef[w] = (SIF_A / (SIF_A + p)) * scales[w];
    }
  }

  /** The unit vector of a text, or null when it has no word the vocabulary knows. */
  embedText(text: string): Float32Array | null {
    return this.#embed(undefined, [[text, 1]]);
  }

  /**
   * The unit vector of a note (title, tags and body), or null when it has no known word. With
   * `into` (length {@link WordVectorEmbedder.dims}), the vector is written there and `into`
   * returned: a bulk build writes every note's vector into one shared array instead of
   * allocating (and copying between threads) a buffer per note.
   */
  embedNote(note: EmbeddableNote, into?: Float32Array): Float32Array | null {
    return this.#embed(into, [
      [note.title, TITLE_WEIGHT],
      [note.tags.join(" ").replace(/[/_-]/g, " "), 1],
      [note.body, 1],
    ]);
  }

  /**
   * Weights are summed per distinct word first, so each word's vector is added once however
   * often the word occurs (most of a note's words are repeats).
   */
  #embed(into: Float32Array | undefined, parts: [string, number][]): Float32Array | null {
    const weights = this.#weights;
    const touched = this.#touched;
    let distinct = 0;
    let seen = 0;
    const table = this.#table;
    for (const [text, weight] of parts) {
      table.scan(text, (w) => {
        if (seen++ >= MAX_WORDS) return false;
        if (weights[w] === 0) touched[distinct++] = w;
        weights[w] += weight;
        return true;
      });
    }
    if (distinct === 0) return null;
    const dims = this.dims;
    const vectors = this.#vectors;
    const sum = into ? into.fill(0) : new Float32Array(dims);
    for (let k = 0; k < distinct; k++) {
      const w = touched[k];
      const c = this.#coef[w] * weights[w];
      weights[w] = 0;
      const base = w * dims;
      for (let d = 0; d < dims; d++) sum[d] += c * vectors[base + d];
    }
    return normalise(sum);
  }
}

/**
 * The vocabulary's words in an open-addressing hash table over their bytes, so a text is split
 * into words and looked up in one pass over its characters, without making a string per word
 * (a `Map` lookup per word was most of the time of embedding a note).
 *
 * Words are runs of ASCII letters, compared without regard to case.
 */
class WordTable {
  #chars: Uint8Array;
  #offsets: Int32Array;
  #slots: Int32Array;
  #mask: number;

  constructor(words: readonly string[]) {
    const total = words.reduce((n, w) => n + w.length, 0);
    this.#chars = new Uint8Array(total);
    this.#offsets = new Int32Array(words.length + 1);
    let at = 0;
    for (let w = 0; w < words.length; w++) {
      this.#offsets[w] = at;
      for (let i = 0; i < words[w].length; i++) this.#chars[at++] = words[w].charCodeAt(i);
    }
    this.#offsets[words.length] = at;
    let size = 1;
    while (size < words.length * 2) size *= 2;
    this.#slots = new Int32Array(size).fill(-1);
    this.#mask = size - 1;
    for (let w = 0; w < words.length; w++) {
      let h = FNV_OFFSET;
      for (let i = this.#offsets[w]; i < this.#offsets[w + 1]; i++) {
        h = Math.imul(h ^ this.#chars[i], FNV_PRIME);
      }
      let slot = h & this.#mask;
      while (this.#slots[slot] >= 0) slot = (slot + 1) & this.#mask;
      this.#slots[slot] = w;
    }
  }

  /** Call `found` with the index of each known word of `text`, in order, until it returns false. */
  scan(text: string, found: (word: number) => boolean): void {
    const n = text.length;
    let i = 0;
    while (i < n) {
      let c = text.charCodeAt(i);
      if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90))) {
        i++;
        continue;
      }
      const start = i;
      let h = FNV_OFFSET;
      do {
        if (c <= 90) c += 32;
        h = Math.imul(h ^ c, FNV_PRIME);
        c = ++i < n ? text.charCodeAt(i) : 0;
      } while ((c >= 97 && c <= 122) || (c >= 65 && c <= 90));
      const w = this.#find(text, start, i, h);
      if (w >= 0 && !found(w)) return;
    }
  }

  #find(text: string, start: number, end: number, h: number): number {
    const len = end - start;
    const chars = this.#chars;
    for (let slot = h & this.#mask;; slot = (slot + 1) & this.#mask) {
      const w = this.#slots[slot];
      if (w < 0) return -1;
      const from = this.#offsets[w];
      if (this.#offsets[w + 1] - from !== len) continue;
      let k = 0;
      while (k < len) {
        let c = text.charCodeAt(start + k);
        if (c <= 90) c += 32;
        if (c !== chars[from + k]) break;
        k++;
      }
      if (k === len) return w;
    }
  }
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Scale a vector to length 1 in place (a zero vector stays zero). */
export function normalise(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  if (n > 0) { for (let i = 0; i < v.length; i++) v[i] /= n; }
  return v;
}
