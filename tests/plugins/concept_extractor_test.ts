/**
 * The built-in concept-extractor plugin (plugins/concept-extractor.lua), run for real through the
 * CLI over temporary kilns: concepts weighted by TF-IDF against the kiln, phrases, stop words, the
 * concept-map note with working wikilinks, dry run and undo.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { runCruJson, sameUser, tempKiln } from "../helpers.ts";

type Concept = { concept: string; notes: { path: string; count: number }[]; score: number };
type Run = {
  ok: boolean;
  value: { output?: string; notes_analysed: number; corpus: number; concepts: Concept[] };
  error?: { code: string; message: string };
  writes: { path: string; created: boolean }[];
};

// Two research notes about distinct topics, plus unrelated notes that share the kiln's common
// vocabulary ("notes", "week", "meeting") so TF-IDF has something to discount.
const KILN = {
  "research/Spacing.md": `---
tags: [memory]
---
# Spacing

Spaced repetition schedules reviews at growing intervals. With spaced repetition the
forgetting curve flattens: each review resets the forgetting curve a little higher. The notes of
this week say spaced repetition beats cramming, and the forgetting curve explains why.
Flashcards help; flashcards are how most people meet spaced repetition.
`,
  "research/Ranking.md": `---
tags: [graphs]
---
# Ranking

PageRank models a random surfer who follows links and sometimes jumps. The damping factor is the
chance of following a link; a damping factor of 0.85 is usual. PageRank converges by power
iteration, and the damping factor keeps power iteration stable. These notes are from this week.
`,
  "daily/Monday.md":
    "# Monday\n\nNotes from the meeting this week. More notes. The week was long.\n",
  "daily/Tuesday.md": "# Tuesday\n\nA meeting, then notes. The week goes on; notes pile up.\n",
  "daily/Wednesday.md": "# Wednesday\n\nNo meeting this week. Only notes.\n",
};

/** `kiln` is a root, or a root and the user (config folder) to run as. */
function run(
  kiln: string | { root: string; env: Record<string, string> },
  params: Record<string, unknown>,
  ...flags: string[]
) {
  const [root, env] = typeof kiln === "string" ? [kiln, undefined] : [kiln.root, kiln.env];
  return runCruJson<Run>([
    "--kiln",
    root,
    "plugins",
    "run",
    "concept-extractor",
    "--params",
    JSON.stringify(params),
    ...flags,
  ], { env });
}

Deno.test("concept-extractor finds each note's concepts, phrases first, kiln-common words last", async () => {
  using kiln = tempKiln(KILN);
  const r = await run(kiln.root, { folder: "research", top: 3 }, "--yes");
  strictEqual(r.code, 0, r.stderr);
  const v = r.json.value;
  strictEqual(v.notes_analysed, 2);
  strictEqual(v.corpus, 5);
  const of = (note: string) =>
    v.concepts.filter((c) => c.notes.some((n) => n.path === note)).map((c) => c.concept).sort();
  deepStrictEqual(of("research/Spacing.md"), [
    "flashcards",
    "forgetting curve",
    "spaced repetition",
  ]);
  deepStrictEqual(of("research/Ranking.md"), ["damping factor", "pagerank", "power iteration"]);
  // Words common to the whole kiln and stop words never make it.
  for (const c of v.concepts) {
    ok(!/\b(notes|week|meeting|the|this)\b/.test(c.concept), c.concept);
  }
  // The concept map links every concept to its source note with a wikilink that resolves.
  strictEqual(v.output, "Concept Map.md");
  deepStrictEqual(r.json.writes.map((w) => [w.path, w.created]), [["Concept Map.md", true]]);
  const map = Deno.readTextFileSync(path.join(kiln.root, "Concept Map.md"));
  ok(map.includes("- **Spaced Repetition** — [[research/Spacing|Spacing]]"), map);
  ok(map.includes("- **Damping Factor** — [[research/Ranking|Ranking]]"), map);
  const back = await runCruJson<{ backlinks: { path: string }[] }>([
    "--kiln",
    kiln.root,
    "graph",
    "backlinks",
    "research/Spacing.md",
  ]);
  deepStrictEqual([...new Set(back.json.backlinks.map((b) => b.path))], ["Concept Map.md"]);
});

Deno.test("concept-extractor in a dry run writes nothing; a real run is undone by cru undo", async () => {
  using kiln = tempKiln(KILN);
  using user = sameUser();
  const names = () =>
    [...Deno.readDirSync(kiln.root)].map((e) => e.name).filter((n) => n !== ".crucible").sort();
  const before = names();
  const dry = await run(kiln.root, { tag: "graphs" }, "--yes", "--dry-run");
  strictEqual(dry.code, 0, dry.stderr);
  strictEqual(dry.json.value.notes_analysed, 1);
  strictEqual(dry.json.writes.length, 1);
  deepStrictEqual(names(), before);

  const only = await run(kiln.root, { tag: "graphs", write: false }, "--yes");
  strictEqual(only.code, 0, only.stderr);
  strictEqual(only.json.value.output, undefined);
  strictEqual(only.json.writes.length, 0);

  const real = await run(
    { root: kiln.root, env: user.env },
    { tag: "graphs", output: "maps/Graphs" },
    "--yes",
  );
  strictEqual(real.code, 0, real.stderr);
  strictEqual(real.json.value.output, "maps/Graphs.md");
  ok(Deno.statSync(path.join(kiln.root, "maps", "Graphs.md")).isFile);
  const undone = await user.cruJson<unknown[]>(["--kiln", kiln.root, "undo"]);
  strictEqual(undone.code, 0, undone.stderr);
  ok(![...Deno.readDirSync(path.join(kiln.root, "maps"))].length);

  const none = await run(kiln.root, { tag: "nothing-has-this" }, "--yes");
  strictEqual(none.code, 1);
  strictEqual(none.json.error?.code, "E_NOT_FOUND");
});
