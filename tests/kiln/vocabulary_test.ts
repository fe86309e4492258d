/**
 * Compacting word vectors: the streaming parser reads the package's JSON layout (keys in
 * frequency order, escapes, exponents), keeps lower-case alphabetic words, and a damaged or
 * foreign cache is rebuilt rather than trusted.
 */
import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import * as path from "node:path";
import {
  compactVocabulary,
  loadVocabulary,
  readVocabulary,
  vocabularyFile,
} from "../../src/kiln/vocabulary.ts";
import { tempKiln } from "../helpers.ts";

/** A file in the wink layout: `"word":[v1..v4, l2norm, rank]`, most frequent first. */
function source(extra = ""): string {
  const entry = (w: string, v: number[], rank: number) =>
    `${JSON.stringify(w)}:[${v.join(",")},${Math.hypot(...v)},${rank}]`;
  const words = ["the", ",", "Paris", "don't", 'say \\"hi\\"', "cat", "dog"];
  return `{"precision":8,"l2NormIndex":4,"wordIndex":5,"size":7,"dimensions":4,` +
    `"words":${JSON.stringify(words)},"vectors":{` + [
    entry("the", [1, 2, 3, 4], 0),
    entry(",", [0, 0, 0, 1], 1),
    entry("Paris", [1, 1, 1, 1], 2),
    entry("don't", [2, 2, 2, 2], 3),
    `"say \\"hi\\"":[1,1,1,1,2,4]`,
    `"cat":[0.5,-1e-1,2.5E0,-3,1.2,5]`,
    entry("dog", [0.4, -0.2, 2.4, -2.9], 6),
  ].join(",") + `}${extra},"unkVector":[0,0,0,0,0,0,-1]}`;
}

Deno.test("compaction keeps lower-case words in frequency order, int8 with a scale each", () => {
  using dir = tempKiln({ "wink.json": source() });
  const file = vocabularyFile(path.join(dir.root, "cache"));
  const report = compactVocabulary(path.join(dir.root, "wink.json"), file);
  strictEqual(report.words, 3);
  const v = readVocabulary(file)!;
  deepStrictEqual(v.words, ["the", "cat", "dog"]);
  deepStrictEqual([...v.ranks], [0, 5, 6]);
  strictEqual(v.header.dims, 4);
  strictEqual(v.vectors.length, 12);
  for (let w = 0; w < 3; w++) {
    const q = [...v.vectors.subarray(w * 4, w * 4 + 4)];
    strictEqual(Math.max(...q.map(Math.abs)), 127, "each vector uses the full int8 range");
    ok(v.scales[w] > 0);
  }
});

Deno.test("a damaged cache is compacted again; a foreign source is refused by name", () => {
  using dir = tempKiln({ "wink.json": source(), "other.json": '{"size":3,"dimensions":4}' });
  const cache = path.join(dir.root, "cache");
  const first = loadVocabulary(cache, { source: path.join(dir.root, "wink.json") });
  strictEqual(first.words.length, 3);
  const file = vocabularyFile(cache);
  Deno.writeFileSync(file, Deno.readFileSync(file).subarray(0, 100)); // truncated
  strictEqual(readVocabulary(file), null);
  let compacted = 0;
  const again = loadVocabulary(cache, {
    source: path.join(dir.root, "wink.json"),
    onCompact: () => compacted++,
  });
  strictEqual(compacted, 1);
  deepStrictEqual(again.words, first.words);
  ok(!Deno.readDirSync(path.dirname(file)).some((e) => e.name.includes(".tmp-")));
  ok(!Deno.readDirSync(path.dirname(file)).some((e) => e.name.endsWith(".lock")));
  throws(
    () => compactVocabulary(path.join(dir.root, "other.json"), path.join(dir.root, "x.bin")),
    /is not the word-vector file cru expects \(no vectors object\)/,
  );
});
