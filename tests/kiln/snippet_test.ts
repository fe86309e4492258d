/**
 * Search snippets come from the note files (the full-text index keeps no copy of the text), so
 * the words they highlight must be the words FTS5 matched: the tokenizer and Porter stemmer
 * here are held to SQLite's own, on the same text.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import * as path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { HIGHLIGHT_END, HIGHLIGHT_START, NoteIndex } from "../../src/kiln/mod.ts";
import { porterStem } from "../../src/kiln/porter.ts";
import { buildSnippet, termStems, tokenize } from "../../src/kiln/snippet.ts";
import { DEMO_KILN, tempKiln } from "../helpers.ts";

/** Tokens FTS5 produces for each document, in order. */
function sqliteTokens(tokenizer: string, docs: string[]): string[][] {
  const db = new DatabaseSync(":memory:");
  try {
    db.exec(`CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = '${tokenizer}')`);
    db.exec("CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance')");
    const insert = db.prepare("INSERT INTO t (rowid, x) VALUES (?, ?)");
    docs.forEach((d, i) => insert.run(i + 1, d));
    const out: string[][] = docs.map(() => []);
    for (const r of db.prepare("SELECT term, doc FROM v ORDER BY doc, offset").iterate()) {
      const row = r as { term: string; doc: number };
      out[row.doc - 1].push(row.term);
    }
    return out;
  } finally {
    db.close();
  }
}

function demoText(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of Deno.readDirSync(dir)) {
      const abs = path.join(dir, e.name);
      if (e.isDirectory) walk(abs);
      else if (e.name.endsWith(".md")) out.push(Deno.readTextFileSync(abs));
    }
  };
  walk(DEMO_KILN);
  return out;
}

const PORTER_WORDS = (
  "caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated " +
  "troubled sized hopping tanned falling hissing fizzed failing filing happy sky relational " +
  "conditional rational valenci hesitanci digitizer conformabli radicalli differentli vileli " +
  "analogousli vietnamization predication operator feudalism decisiveness hopefulness " +
  "callousness formaliti sensitiviti sensibiliti triplicate formative formalize electriciti " +
  "electrical hopeful goodness revival allowance inference airliner gyroscopic adjustable " +
  "defensible irritant replacement adjustment dependent adoption homologou communism activate " +
  "angulariti homologous effective bowdlerize probate rate cease controll roll generalizations " +
  "oscillators disabled matting mating meeting milling messing meetings rolling dragons a as " +
  "ies eed aed yyy syzygy naïve façades übermäßig Ærøskøbing"
).split(" ");

Deno.test("the Porter stemmer stems every word as FTS5 does", () => {
  const words = [...PORTER_WORDS, ...demoText().flatMap((t) => tokenize(t).folded)];
  const theirs = sqliteTokens("porter unicode61 remove_diacritics 2", words);
  const mismatches = words.filter((w, i) =>
    tokenize(w).folded.map(porterStem).join(" ") !== theirs[i].join(" ")
  );
  deepStrictEqual(mismatches, []);
});

Deno.test("text is split and folded as FTS5's unicode61 tokenizer does", () => {
  const docs = [
    ...demoText(),
    "Café au-lait, naïve RÉSUMÉ; don't stop_here 3.14 x²",
    "Ærøskøbing Straße İstanbul ﬁne ſun µs",
    "Ἀθῆναι Москва ёлка Київ ђак",
    "東京タワー 북한산 emoji 🐉 here",
  ];
  // Every character of Latin-1, Latin Extended-A/B, Greek and Cyrillic, between letters; not
  // U+037F, a letter since Unicode 7, which FTS5's older tables do not know.
  for (const [from, to] of [[0xa0, 0x24f], [0x370, 0x3ff], [0x400, 0x4ff]]) {
    for (let c = from; c <= to; c++) {
      if (c === 0x37f) continue;
      docs.push(`a${String.fromCodePoint(c)}b c${String.fromCodePoint(c)}`);
    }
  }
  const theirs = sqliteTokens("unicode61 remove_diacritics 2", docs);
  const mismatches = docs
    .map((d, i) => ({ d, mine: tokenize(d).folded, theirs: theirs[i] }))
    .filter((m) => m.mine.join("|") !== m.theirs.join("|"));
  deepStrictEqual(mismatches, []);
});

const marks = { open: "[", close: "]" };

Deno.test("a snippet is the passage around the first match, every match in it marked", () => {
  const text = "one two three four five six seven eight nine ten eleven twelve thirteen " +
    "fourteen fifteen sixteen seventeen Dragons eighteen nineteen dragon twenty twenty-one " +
    "twenty-two twenty-three twenty-four twenty-five.";
  strictEqual(
    buildSnippet(text, [{ stems: termStems("dragon"), prefix: false }], marks),
    "…fourteen fifteen sixteen seventeen [Dragons] eighteen nineteen [dragon] twenty twenty-one " +
      "twenty-two twenty-three twenty…",
  );
  // No match in the text (the note matched by its title or tags): its start.
  strictEqual(
    buildSnippet("Short note, nothing else.", [{ stems: ["zzz"], prefix: false }], marks),
    "Short note, nothing else.",
  );
  // Near the end, the window ends with the text and keeps its full size.
  strictEqual(
    buildSnippet(text, [{ stems: termStems("twenty five"), prefix: false }], marks),
    "…seventeen Dragons eighteen nineteen dragon twenty twenty-one twenty-two twenty-three " +
      "twenty-four [twenty-five].",
  );
});

Deno.test("phrases are marked whole, prefixes match stems, and stems match inflections", () => {
  const text = "A dragon was seen rolling dice near the tavern; dice rolls were seen.";
  strictEqual(
    buildSnippet(text, [{ stems: termStems("seen rolling"), prefix: false }], marks),
    "A dragon was [seen rolling] dice near the tavern; dice rolls were seen.",
  );
  strictEqual(
    buildSnippet(text, [{ stems: termStems("tav"), prefix: true }], marks),
    "A dragon was seen rolling dice near the [tavern]; dice rolls were seen.",
  );
  strictEqual(
    buildSnippet(text, [{ stems: termStems("roll"), prefix: false }], marks),
    "A dragon was seen [rolling] dice near the tavern; dice [rolls] were seen.",
  );
});

Deno.test("search snippets come from the note's body, after its frontmatter", () => {
  using kiln = tempKiln({
    "a.md": "---\ntitle: Wyverns\ntags: [wyvern]\nsummary: wyvern in frontmatter\n---\n" +
      "The old wyvern sleeps under the bridge.\n",
    "b.md": "---\ntitle: Wyvern lore\n---\nNothing about them here.\n",
    ...Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}.md`, "filler\n"])),
  });
  const index = NoteIndex.open(kiln.root);
  try {
    index.update();
    const hits = index.search("wyverns");
    deepStrictEqual(hits.map((h) => h.path), ["a.md", "b.md"]);
    strictEqual(
      hits[0].snippet,
      `The old ${HIGHLIGHT_START}wyvern${HIGHLIGHT_END} sleeps under the bridge.`,
    );
    // Matched by its title only: the start of the body, nothing marked.
    strictEqual(hits[1].snippet, "Nothing about them here.");
  } finally {
    index.close();
  }
});

Deno.test("a snippet is never read from outside the kiln", () => {
  using kiln = tempKiln({
    "a.md": "# A\ncormorant colony\n",
    ...Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`f${i}.md`, "filler\n"])),
  });
  const outside = Deno.makeTempDirSync({ prefix: "cru-outside-" });
  const index = NoteIndex.open(kiln.root);
  try {
    index.update();
    // After indexing, the note becomes a symlink to a file elsewhere.
    Deno.writeTextFileSync(path.join(outside, "secret.md"), "# A\ncormorant secret passphrase\n");
    kiln.remove("a.md");
    Deno.symlinkSync(path.join(outside, "secret.md"), path.join(kiln.root, "a.md"));
    const hits = index.search("cormorant");
    deepStrictEqual(hits.map((h) => h.path), ["a.md"]);
    strictEqual(hits[0].snippet, "");
    ok(!JSON.stringify(hits).includes("passphrase"));
  } finally {
    index.close();
    Deno.removeSync(outside, { recursive: true });
  }
});
