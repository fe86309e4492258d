/**
 * The raw material of a synthetic kiln: a seeded pseudo-random generator, a Zipf sampler, and a
 * ranked vocabulary (common English words first, then ~20k pronounceable pseudo-words) whose
 * token frequencies follow Zipf's law, so full-text term statistics look like real notes: a few
 * terms in almost every note, most terms in a handful.
 *
 * Everything here is a pure function of the seed; the kiln layout lives in `synthetic_kiln.ts`.
 *
 * @module
 */

/** The seed synthetic kilns and the benchmark query set use when none is given. */
export const DEFAULT_SEED = 42;

/**
 * A small, fast, seedable generator (sfc32, seeded through splitmix32). Not for cryptography;
 * its only job is to make the same seed produce the same kiln on every machine and Deno version.
 *
 * @example
 * ```ts
 * import { Random } from "./synthetic_text.ts";
 * const rng = new Random(42);
 * console.log(rng.int(1, 6), rng.pick(["a", "b"]));
 * ```
 */
export class Random {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** A generator for `seed` (any number; combine several with {@link mixSeed}). */
  constructor(seed: number) {
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = next();
    this.#b = next();
    this.#c = next();
    this.#d = next();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Log-normal with the given median and log-space standard deviation. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Log-uniform in [min, max]. */
  logUniform(min: number, max: number): number {
    return min * Math.pow(max / min, this.next());
  }

  /** Shuffle in place (Fisher-Yates) and return the array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j], items[i]];
    }
    return items;
  }
}

/** Combine a seed with stream numbers, so each part of the kiln has its own independent stream. */
export function mixSeed(seed: number, ...streams: number[]): number {
  let h = (seed ^ 0x5bd1e995) >>> 0;
  for (const s of streams) {
    h = Math.imul(h ^ (s >>> 0), 0x9e3779b1) >>> 0;
    h = (h ^ (h >>> 15)) >>> 0;
  }
  return h;
}

/**
 * Draws ranks 0..size-1 with probability proportional to 1 / (rank + 1)^exponent, by binary
 * search over the cumulative distribution.
 *
 * @example
 * ```ts
 * import { Random, zipfSampler } from "./synthetic_text.ts";
 * const draw = zipfSampler(1000, 1.0);
 * console.log(draw(new Random(1))); // usually a small rank
 * ```
 */
export function zipfSampler(size: number, exponent: number): (rng: Random) => number {
  const cdf = new Float64Array(size);
  let total = 0;
  for (let r = 0; r < size; r++) {
    total += 1 / Math.pow(r + 1, exponent);
    cdf[r] = total;
  }
  return (rng) => {
    const x = rng.next() * total;
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/**
 * Common English words, most frequent first (function words, then words notes use a lot). They
 * take the top Zipf ranks, as they do in real prose.
 */
export const ENGLISH_WORDS: readonly string[] = (
  "the of and to a in is that for it as with was on be this by are at or from not have an but " +
  "which can we you all they has one more also been if will there their so about when would " +
  "what some into other than only its them up out time these new no may should then could use " +
  "how first like any over just need because way after two most make where before well each " +
  "between does very through much work see used both same while under such here those still " +
  "get why own back data system note notes idea project meeting people next thing good think " +
  "know last long since part might find around point again different even many three take " +
  "process question example change model value result plan team issue design review read " +
  "write test list check start keep want look set show small large case less open day week " +
  "year today later follow important current problem approach version context source user " +
  "research book paper draft topic area goal task step simple clear main key level client " +
  "budget status summary action decision feedback update option risk cost quality support " +
  "structure method theory practice history future local common general specific early " +
  "possible public private final initial basic main real useful better best worse without " +
  "within against during across toward among above below usually often sometimes never " +
  "always perhaps maybe probably already almost enough quite rather really don't can't it's " +
  "isn't doesn't i'm we're"
).split(" ");

/** A ranked vocabulary and the multi-word names that recur in it. */
export interface Vocabulary {
  /** Every word, most frequent first: {@link ENGLISH_WORDS}, then pseudo-words. */
  words: readonly string[];
  /** Index in `words` of the first pseudo-word. */
  firstPseudo: number;
  /** Recurring two- and three-word names ("vorlan harbor"), most frequent first. */
  collocations: readonly string[];
}

const ONSETS = (
  "b c d f g h j k l m n p r s t v w y z br cr dr fr gr pr tr st sh ch th pl cl bl sl sn sp " +
  "sk qu gl kr fl"
).split(" ");
const VOWELS = "a e i o u a e i o u ai ea ou ie oa ei au y".split(" ");
const CODAS = " , , , ,n,r,l,s,t,m,nd,rt,st,ck,sh,th,x,rn,lk,mp,ng".split(",").map((s) => s.trim());

/** Pseudo-words in the default vocabulary. */
export const PSEUDO_WORD_COUNT = 20_000;

/**
 * Build the vocabulary for a seed. Shorter pseudo-words get the more frequent ranks (real
 * vocabularies do that too), and no pseudo-word is also an English word.
 *
 * @example
 * ```ts
 * import { buildVocabulary } from "./synthetic_text.ts";
 * const v = buildVocabulary(42);
 * console.log(v.words.length, v.words[v.firstPseudo]);
 * ```
 */
export function buildVocabulary(seed: number, pseudoWords = PSEUDO_WORD_COUNT): Vocabulary {
  const rng = new Random(mixSeed(seed, 1));
  const taken = new Set<string>(ENGLISH_WORDS);
  const made: { word: string; weight: number }[] = [];
  while (made.length < pseudoWords) {
    const syllables = rng.chance(0.35) ? 1 : rng.chance(0.7) ? 2 : 3;
    let word = "";
    for (let s = 0; s < syllables; s++) {
      word += (s === 0 && rng.chance(0.15) ? "" : rng.pick(ONSETS)) + rng.pick(VOWELS) +
        (s === syllables - 1 || rng.chance(0.3) ? rng.pick(CODAS) : "");
    }
    if (word.length < 3 || taken.has(word)) continue;
    taken.add(word);
    made.push({ word, weight: word.length + rng.next() * 4 });
  }
  made.sort((a, b) => a.weight - b.weight);
  const words = [...ENGLISH_WORDS, ...made.map((m) => m.word)];
  const firstPseudo = ENGLISH_WORDS.length;

  const collocations: string[] = [];
  const seen = new Set<string>();
  const tail = ["harbor", "protocol", "method", "project", "framework", "index", "review", "model"];
  while (collocations.length < 300) {
    const a = words[firstPseudo + rng.int(50, 3000)];
    const b = rng.chance(0.4) ? rng.pick(tail) : words[firstPseudo + rng.int(50, 3000)];
    const phrase = rng.chance(0.2)
      ? `${a} ${words[firstPseudo + rng.int(50, 3000)]} ${b}`
      : `${a} ${b}`;
    if (seen.has(phrase)) continue;
    seen.add(phrase);
    collocations.push(phrase);
  }
  return { words, firstPseudo, collocations };
}

/** Upper-case the first letter. */
export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
