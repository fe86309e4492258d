/**
 * The hash table behind `HashMap` and `HashSet`: keys are safe-integer numbers or strings (what
 * `hashKey` makes of any hashable Rune value), entries keep their insertion order, and the API is
 * the part of JavaScript's `Map` the runtime uses.
 *
 * Why not `Map`: V8's `Map` hashes a string it has not hashed before through a slow path, and
 * Rune programs look maps up with freshly built strings all the time (`format!("w{}", i)`), so a
 * table hashing in JavaScript was about twice as fast on string keys and level on int keys
 * (bench/rune/maps.rn).
 *
 * Layout: open addressing with linear probing over an `Int32Array` of entry numbers (plus one,
 * zero is empty), and the entries in parallel arrays in insertion order. Removing an entry leaves
 * a hole (its key becomes {@link HOLE}); holes are squeezed out when the table grows. The string
 * hash starts from a random seed per table, so keys cannot be chosen in advance to collide.
 *
 * @module
 */
import type { Value } from "./values.ts";

/** The key of a removed entry; equal to no real key. */
const HOLE: unique symbol = Symbol("hole");

type Key = string | number;

/** A key's hash: a 30-bit int. */
function hashOf(k: Key, seed: number): number {
  let h: number;
  if (typeof k === "number") {
    // Safe ints: mix the low and the high 32 bits apart, each with the seed, so which keys
    // collide depends on the seed too.
    h = Math.imul((k | 0) ^ seed, 0x9e3779b1) ^
      Math.imul(((k / 4294967296) | 0) + seed, 0x85ebca6b);
  } else {
    h = seed ^ k.length;
    for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 16777619);
  }
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  // 30 bits, so V8 keeps hashes as small ints (the hash array stays an array of Smis).
  return (h ^ (h >>> 16)) & 0x3fffffff;
}

/** An insertion-ordered hash table from int or string keys to values. */
export class KeyTable {
  /** Live entries. */
  size = 0;
  /** Slot → entry number + 1 (0: empty); the length is a power of two. */
  #slots = new Int32Array(8);
  /** Entry keys in insertion order ({@link HOLE} for removed ones). */
  #keys: (Key | typeof HOLE)[] = [];
  /** Entry values. */
  #vals: Value[] = [];
  /** Entry hashes (to rebuild the slots without hashing again). */
  #hashes: number[] = [];
  readonly #seed = (Math.random() * 4294967296) | 0;

  /** The entry number of `k`, or -1. */
  #find(k: Key, h: number): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    const keys = this.#keys;
    const hashes = this.#hashes;
    for (let i = h & mask;; i = (i + 1) & mask) {
      const e = slots[i];
      if (e === 0) return -1;
      // Comparing hashes first keeps string comparisons to the key that matches.
      if (hashes[e - 1] === h && keys[e - 1] === k) return e - 1;
    }
  }

  /** The value of `k`, or undefined. */
  get(k: Key): Value | undefined {
    const e = this.#find(k, hashOf(k, this.#seed));
    return e < 0 ? undefined : this.#vals[e];
  }

  /** Is `k` in the table? */
  has(k: Key): boolean {
    return this.#find(k, hashOf(k, this.#seed)) >= 0;
  }

  /** Set `k` to `v` (a new key goes last in the order). */
  set(k: Key, v: Value): this {
    const h = hashOf(k, this.#seed);
    const slots = this.#slots;
    const mask = slots.length - 1;
    const keys = this.#keys;
    const hashes = this.#hashes;
    let i = h & mask;
    for (;; i = (i + 1) & mask) {
      const e = slots[i];
      if (e === 0) break;
      if (hashes[e - 1] === h && keys[e - 1] === k) {
        this.#vals[e - 1] = v;
        return this;
      }
    }
    const n = keys.length;
    keys.push(k === 0 ? 0 : k); // as Map does, -0 is stored as 0
    this.#vals.push(v);
    hashes.push(h);
    slots[i] = n + 1;
    this.size++;
    if ((n + 1) * 2 > slots.length) this.#resize();
    return this;
  }

  /** Remove `k`; was it there? */
  delete(k: Key): boolean {
    const e = this.#find(k, hashOf(k, this.#seed));
    if (e < 0) return false;
    // The slot keeps pointing at the hole, so probe chains through it stay intact.
    this.#keys[e] = HOLE;
    this.#vals[e] = undefined;
    this.size--;
    return true;
  }

  /** Remove every entry. */
  clear(): void {
    this.size = 0;
    this.#slots = new Int32Array(8);
    this.#keys = [];
    this.#vals = [];
    this.#hashes = [];
  }

  /** Grow the slots (or squeeze out holes) so at most half the slots are used. */
  #resize(): void {
    let keys = this.#keys;
    if (this.size < keys.length) {
      // Squeeze the holes out into new arrays: iterators still walking the old ones go on
      // undisturbed over the entries as they were.
      const k2: (Key | typeof HOLE)[] = [];
      const v2: Value[] = [];
      const h2: number[] = [];
      for (let e = 0; e < keys.length; e++) {
        if (keys[e] === HOLE) continue;
        k2.push(keys[e]);
        v2.push(this.#vals[e]);
        h2.push(this.#hashes[e]);
      }
      this.#keys = keys = k2;
      this.#vals = v2;
      this.#hashes = h2;
    }
    let cap = 8;
    while (cap < keys.length * 2 + 2) cap *= 2;
    const slots = new Int32Array(cap);
    const mask = cap - 1;
    const hashes = this.#hashes;
    for (let e = 0; e < keys.length; e++) {
      let i = hashes[e] & mask;
      while (slots[i] !== 0) i = (i + 1) & mask;
      slots[i] = e + 1;
    }
    this.#slots = slots;
  }

  /** The keys, in insertion order. */
  *keys(): IterableIterator<Key> {
    const keys = this.#keys;
    for (let e = 0; e < keys.length; e++) {
      const k = keys[e];
      if (k !== HOLE) yield k;
    }
  }

  /** The values, in insertion order. */
  *values(): IterableIterator<Value> {
    const keys = this.#keys;
    const vals = this.#vals;
    for (let e = 0; e < keys.length; e++) {
      if (keys[e] !== HOLE) yield vals[e];
    }
  }

  /** The (key, value) pairs, in insertion order. */
  *entries(): IterableIterator<[Key, Value]> {
    const keys = this.#keys;
    const vals = this.#vals;
    for (let e = 0; e < keys.length; e++) {
      const k = keys[e];
      if (k !== HOLE) yield [k, vals[e]];
    }
  }

  /** Same as {@link entries}. */
  [Symbol.iterator](): IterableIterator<[Key, Value]> {
    return this.entries();
  }
}
