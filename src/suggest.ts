/**
 * "Did you mean" suggestions: the closest few candidates by edit distance.
 *
 * @module
 */

/** Levenshtein distance between two strings (case-sensitive). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(
        prev[j] + 1,
        cur[j - 1] + 1,
        prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Up to `max` candidates close to `input` (case-insensitive), closest first. A candidate counts
 * as close when its distance is at most 40% of its length, or it contains the input.
 *
 * @example
 * ```ts
 * import { suggest } from "./suggest.ts";
 * suggest("mira vail", ["Mira Vale", "Orin", "Harbor"]); // ["Mira Vale"]
 * ```
 */
export function suggest(input: string, candidates: Iterable<string>, max = 3): string[] {
  const needle = input.toLowerCase();
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    const hay = c.toLowerCase();
    const d = hay.includes(needle) && needle.length >= 3 ? 0.5 : editDistance(needle, hay);
    if (d <= Math.max(2, Math.ceil(hay.length * 0.4))) scored.push({ c, d });
  }
  return scored.sort((x, y) => x.d - y.d || (x.c < y.c ? -1 : 1)).slice(0, max).map((s) => s.c);
}
