/**
 * The plan of a synthetic kiln: which folders exist, what every note is called, what its
 * frontmatter holds, how large it is and how many links it has, decided before any text is
 * written (links need every note's name). `synthetic_note.ts` renders the notes from the plan and
 * `synthetic_kiln.ts` writes them.
 *
 * @module
 */
import {
  buildVocabulary,
  capitalize,
  ENGLISH_WORDS,
  mixSeed,
  Random,
  type Vocabulary,
  zipfSampler,
} from "./synthetic_text.ts";
import type { PlannedNote, RenderContext } from "./synthetic_note.ts";

const TOP_FOLDERS = [
  "Projects",
  "Areas",
  "Resources",
  "Archive",
  "People",
  "Meetings",
  "Research",
  "Reading",
  "Work",
  "Personal",
  "Ideas",
  "Reference",
  "Clients",
  "Courses",
  "Writing",
  "Topics",
];
const REPEATED_NAMES = ["Overview", "Index", "Ideas", "Todo", "README", "Inbox notes"];
const NOTE_TYPES = ["note", "reference", "meeting", "person", "project", "idea", "book"];
const STATUSES = ["draft", "active", "done", "archived", "someday"];
/** English words usable in titles and tags (no apostrophes, not the function words). */
const CONTENT_WORDS = ENGLISH_WORDS.slice(100).filter((w) => /^[a-z]+$/.test(w));

/**
 * Decide every note's folder, name, frontmatter, size and link count; no text yet. The result is
 * what `renderNote` (`synthetic_note.ts`) needs, and depends only on `count` and `seed`.
 *
 * @example
 * ```ts
 * import { planKiln } from "./synthetic_plan.ts";
 * const plan = planKiln(100, 42);
 * console.log(plan.notes.length, plan.notes[0].path);
 * ```
 */
export function planKiln(count: number, seed: number): RenderContext {
  const vocabulary = buildVocabulary(seed);
  const rng = new Random(mixSeed(seed, 2));
  const names = new Names(vocabulary);
  const tags = makeTags(vocabulary, rng);
  const drawTag = zipfSampler(tags.length, 0.8);

  const notes: PlannedNote[] = [];
  const stems = new Set<string>();
  const rootNotes = Math.min(count, Math.max(3, Math.min(30, Math.round(count / 1000))));
  const slots: { folder: string; journalYear: number | null; size: number }[] = [
    { folder: "", journalYear: null, size: rootNotes },
  ];
  const usedFolders = new Set<string>([""]);
  let journalYear = 2014;
  for (let left = count - rootNotes; left > 0;) {
    const size = Math.min(left, Math.round(rng.logUniform(50, 500)));
    if (journalYear < 2026 && rng.chance(0.1)) {
      journalYear++;
      const n = Math.min(size, 365);
      slots.push({ folder: `Journal/${journalYear}`, journalYear, size: n });
      left -= n;
      continue;
    }
    let folder = "";
    while (usedFolders.has(folder)) folder = names.folder(rng);
    usedFolders.add(folder);
    slots.push({ folder, journalYear: null, size });
    left -= size;
  }

  for (const slot of slots) {
    const inFolder = new Set<string>();
    const start = new Date(Date.UTC(slot.journalYear ?? 2020, 0, 1)).getTime();
    for (let k = 0; k < slot.size; k++) {
      let stem: string;
      if (slot.journalYear !== null) {
        stem = new Date(start + k * 86_400_000).toISOString().slice(0, 10);
      } else if (slot.folder === "" && k < 2) {
        stem = k === 0 ? "Home" : "Inbox";
      } else {
        stem = names.unique(rng, stems, inFolder);
      }
      inFolder.add(stem.toLowerCase());
      stems.add(stem.toLowerCase());
      const bytes = Math.round(Math.min(60_000, Math.max(80, rng.logNormal(1050, 1.05))));
      const frontmatter = rng.chance(0.8);
      notes.push({
        path: (slot.folder === "" ? "" : slot.folder + "/") + stem + ".md",
        folder: slot.folder,
        stem,
        aliases: [],
        frontmatter,
        tags: frontmatter && rng.chance(0.85)
          ? [...new Set(Array.from({ length: rng.int(1, 5) }, () => tags[drawTag(rng)]))]
          : [],
        type: frontmatter && rng.chance(0.7)
          ? (slot.journalYear !== null ? "daily" : rng.pick(NOTE_TYPES))
          : null,
        status: frontmatter && rng.chance(0.5) ? rng.pick(STATUSES) : null,
        created: frontmatter && rng.chance(0.75) ? names.date(rng) : null,
        bytes,
        links: Math.min(
          15,
          Math.max(3, Math.round(3 + 2 * Math.log(bytes / 300) + rng.int(-1, 2))),
        ),
      });
    }
  }

  // Titles and aliases after every file name exists, so an alias never shadows a note name.
  const aliases = new Set<string>();
  for (const note of notes) {
    if (!note.frontmatter) continue;
    if (rng.chance(0.25)) note.title = names.subtitled(rng, note.stem);
    if (!rng.chance(0.1)) continue;
    for (let a = rng.int(1, 2); a > 0; a--) {
      const alias = names.alias(rng, note.stem);
      const key = alias.toLowerCase();
      if (stems.has(key) || aliases.has(key)) continue;
      aliases.add(key);
      note.aliases.push(alias);
    }
  }

  const byFolder = new Map<string, number[]>();
  notes.forEach((n, i) => {
    const list = byFolder.get(n.folder);
    if (list) list.push(i);
    else byFolder.set(n.folder, [i]);
  });
  const attachments = Array.from(
    { length: Math.max(1, Math.round(count / 150)) },
    (_, i) => `Attachments/Pasted image ${names.date(rng).replaceAll("-", "")}${100000 + i}.png`,
  );
  return {
    vocabulary,
    drawWord: zipfSampler(vocabulary.words.length, 1.0),
    drawCollocation: zipfSampler(vocabulary.collocations.length, 1.0),
    tags,
    drawTag,
    notes,
    byFolder,
    popular: rng.shuffle(notes.map((_, i) => i)),
    drawPopular: zipfSampler(notes.length, 0.9),
    attachments,
    missingTitle: (r) => {
      let t = names.title(r);
      while (stems.has(t.toLowerCase()) || aliases.has(t.toLowerCase())) t = names.title(r);
      return t;
    },
  };
}

function makeTags(vocabulary: Vocabulary, rng: Random): string[] {
  const out = new Set<string>();
  const pseudo = () => vocabulary.words[vocabulary.firstPseudo + rng.int(0, 3000)];
  while (out.size < 300) {
    const roll = rng.next();
    if (roll < 0.4) out.add(rng.pick(CONTENT_WORDS));
    else if (roll < 0.75) out.add(pseudo());
    else {out.add(
        `${rng.pick(["area", "project", "topic", "status", rng.pick(CONTENT_WORDS)])}/${pseudo()}`,
      );}
  }
  return [...out];
}

/** Folder and note names, dates and aliases that look like a person chose them. */
class Names {
  #v: Vocabulary;

  constructor(vocabulary: Vocabulary) {
    this.#v = vocabulary;
  }

  #pseudo(rng: Random): string {
    return this.#v.words[this.#v.firstPseudo + Math.floor(rng.logUniform(1, 8000)) - 1];
  }

  #proper(rng: Random): string {
    return capitalize(this.#pseudo(rng));
  }

  date(rng: Random): string {
    const t = Date.UTC(2019, 0, 1) + rng.int(0, 7 * 365) * 86_400_000;
    return new Date(t).toISOString().slice(0, 10);
  }

  folder(rng: Random): string {
    const depth = rng.chance(0.25) ? 1 : rng.chance(0.7) ? 2 : 3;
    const parts = [TOP_FOLDERS[Math.floor(rng.logUniform(1, TOP_FOLDERS.length + 1)) - 1]];
    for (let d = 1; d < depth; d++) {
      const roll = rng.next();
      if (roll < 0.45) parts.push(this.#proper(rng));
      else if (roll < 0.8) parts.push(capitalize(rng.pick(CONTENT_WORDS)));
      else if (roll < 0.9) parts.push(String(rng.int(2015, 2026)));
      else parts.push(`${this.#proper(rng)} ${rng.pick(CONTENT_WORDS)}`);
    }
    return parts.join("/");
  }

  /** A title not yet used in the kiln (repeated names only once per folder). */
  unique(rng: Random, stems: Set<string>, inFolder: Set<string>): string {
    for (;;) {
      if (rng.chance(0.005)) {
        const name = rng.pick(REPEATED_NAMES);
        if (!inFolder.has(name.toLowerCase())) return name;
        continue;
      }
      const t = this.title(rng);
      if (!stems.has(t.toLowerCase())) return t;
    }
  }

  title(rng: Random): string {
    const w = () => rng.pick(CONTENT_WORDS);
    const p = () => this.#pseudo(rng);
    const P = () => this.#proper(rng);
    const roll = rng.next();
    if (roll < 0.25) {
      return [P(), ...Array.from({ length: rng.int(0, 2) }, () => rng.chance(0.5) ? p() : w())]
        .join(" ");
    }
    if (roll < 0.4) return `${P()} ${P()}`;
    if (roll < 0.48) {
      return `${this.date(rng)} ${P()} ${rng.pick(["sync", "sync", "1-1", "review"])}`;
    }
    if (roll < 0.56) {
      return rng.pick([`How to ${w()} the ${p()}`, `Notes on ${p()} ${w()}`, `Why ${p()} matters`]);
    }
    if (roll < 0.66) {
      return capitalize(this.#v.collocations[rng.int(0, this.#v.collocations.length - 1)]);
    }
    if (roll < 0.74) {
      return rng.chance(0.5)
        ? `Book - The ${P()} of ${P()}`
        : `Paper - ${P()} ${rng.int(1990, 2025)}`;
    }
    if (roll < 0.88) {
      const when = rng.chance(0.5) ? ` Q${rng.int(1, 4)} ${rng.int(2019, 2025)}` : "";
      return `${capitalize(w())} ${w()}${when}`;
    }
    return rng.pick([
      `${P()} & ${P()}`,
      `${P()} (draft)`,
      `${P()}, ${w()} and ${w()}`,
      `Café ${p()}`,
      `Über ${p()} ${w()}`,
      `${P()}'s ${w()}`,
    ]);
  }

  subtitled(rng: Random, stem: string): string {
    return rng.chance(0.5)
      ? `${stem} — ${rng.pick(CONTENT_WORDS)} notes`
      : `${stem}: ${this.#pseudo(rng)}`;
  }

  alias(rng: Random, stem: string): string {
    const initials = stem.split(/\s+/).filter((s) => /^\p{L}/u.test(s)).map((s) => s[0]).join("");
    return initials.length >= 2 && rng.chance(0.5) ? initials.toUpperCase() : this.#proper(rng);
  }
}
