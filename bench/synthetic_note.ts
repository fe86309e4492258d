/**
 * Rendering one planned note of a synthetic kiln to Markdown: YAML frontmatter, then a body of
 * paragraphs, `##` headings, bullet and task lists, the odd fenced code block, callout or table,
 * inline `#tags`, and the note's wikilinks spread through the prose (links that did not fit go
 * under a closing `## Related` list, as people write them).
 *
 * @module
 */
import * as path from "node:path";
import { capitalize, type Random, type Vocabulary } from "./synthetic_text.ts";

/** One note of the kiln plan: everything decided before any text is written. */
export interface PlannedNote {
  /** Kiln-relative path. */
  path: string;
  /** Folder part of the path (`""` at the root). */
  folder: string;
  /** File name without `.md`. */
  stem: string;
  /** Frontmatter `title`, when it differs from the file name. */
  title?: string;
  /** Frontmatter aliases. */
  aliases: string[];
  /** True for the ~80% of notes with a frontmatter block. */
  frontmatter: boolean;
  /** Frontmatter tags. */
  tags: string[];
  /** Frontmatter `type`, or null to leave it out. */
  type: string | null;
  /** Frontmatter `status`, or null. */
  status: string | null;
  /** Frontmatter `created` date, or null. */
  created: string | null;
  /** Target file size in bytes (the body stops at the first block past it). */
  bytes: number;
  /** Wikilinks and Markdown links to write, image embeds aside. */
  links: number;
}

/** What rendering needs to know about the rest of the kiln. */
export interface RenderContext {
  /** The ranked vocabulary. */
  vocabulary: Vocabulary;
  /** Draws a word rank. */
  drawWord: (rng: Random) => number;
  /** Draws a collocation rank. */
  drawCollocation: (rng: Random) => number;
  /** Tag names, most used first. */
  tags: readonly string[];
  /** Draws a tag rank. */
  drawTag: (rng: Random) => number;
  /** Every planned note. */
  notes: readonly PlannedNote[];
  /** Note indices per folder. */
  byFolder: ReadonlyMap<string, readonly number[]>;
  /** Note indices in popularity order (hubs first). */
  popular: readonly number[];
  /** Draws a rank in `popular`. */
  drawPopular: (rng: Random) => number;
  /** Attachment paths (images), for `![[...]]` embeds. */
  attachments: readonly string[];
  /** Makes a title no note has, for unresolved links. */
  missingTitle: (rng: Random) => string;
}

/** Heading texts notes reuse; `[[Note#Heading]]` links pick from them too. */
export const COMMON_HEADINGS: readonly string[] = [
  "Summary",
  "Notes",
  "Context",
  "Next steps",
  "Open questions",
  "References",
  "Ideas",
  "Log",
  "Decisions",
  "Background",
  "Details",
  "Tasks",
  "Discussion",
  "Takeaways",
  "Highlights",
  "Action items",
];

const CODE_LANGS = ["ts", "python", "bash", "sql", "json", "", "yaml", "rust"];
const CALLOUTS = ["note", "tip", "warning", "info", "question", "quote"];
const AVERAGE_SENTENCE_BYTES = 80;

/**
 * Render note `index` of the plan. The result depends only on the plan, the context and `rng`.
 *
 * @example
 * ```ts ignore
 * const text = renderNote(context, 0, new Random(mixSeed(seed, 7, 0)));
 * ```
 */
export function renderNote(ctx: RenderContext, index: number, rng: Random): string {
  const note = ctx.notes[index];
  let out = note.frontmatter ? renderFrontmatter(note) : "";
  if (!note.title && rng.chance(0.3)) out += `# ${note.stem}\n\n`;

  const pending = rng.shuffle(Array.from({ length: note.links }, () => linkTo(ctx, index, rng)));
  const inlineTags = rng.chance(0.45) ? rng.int(1, 3) : 0;
  const tags: string[] = [];
  for (let t = 0; t < inlineTags; t++) tags.push("#" + ctx.tags[ctx.drawTag(rng)]);

  let sinceHeading = rng.chance(0.4) ? 99 : 0;
  const state = { ctx, rng, pending, tags, written: out.length, target: note.bytes };
  while (out.length < note.bytes) {
    let block: string;
    if (sinceHeading >= rng.int(2, 6)) {
      block = (rng.chance(0.15) ? "### " : "## ") + headingText(ctx, rng);
      sinceHeading = 0;
    } else {
      block = bodyBlock(state, rng.next());
      sinceHeading++;
    }
    out += block + "\n\n";
    state.written = out.length;
  }
  if (rng.chance(0.04) && ctx.attachments.length > 0) {
    out += `![[${path.posix.basename(rng.pick(ctx.attachments))}]]\n\n`;
  }
  if (pending.length > 0) {
    out += "## Related\n\n" + pending.map((l) => `- ${l}`).join("\n") + "\n";
  }
  if (tags.length > 0) out += `\nTags: ${tags.join(" ")}\n`;
  return out;
}

interface BlockState {
  ctx: RenderContext;
  rng: Random;
  pending: string[];
  tags: string[];
  written: number;
  target: number;
}

function bodyBlock(st: BlockState, roll: number): string {
  const { rng } = st;
  if (roll < 0.62) {
    const n = rng.int(1, 6);
    const s: string[] = [];
    for (let i = 0; i < n; i++) s.push(sentence(st, 4, 24));
    return s.join(" ");
  }
  if (roll < 0.8) {
    const n = rng.int(2, 8);
    const items: string[] = [];
    for (let i = 0; i < n; i++) {
      items.push((i > 0 && rng.chance(0.2) ? "  - " : "- ") + sentence(st, 2, 12));
    }
    return items.join("\n");
  }
  if (roll < 0.88) {
    const n = rng.int(2, 6);
    const items: string[] = [];
    for (let i = 0; i < n; i++) {
      items.push(`- [${rng.chance(0.4) ? "x" : " "}] ${sentence(st, 3, 10)}`);
    }
    return items.join("\n");
  }
  if (roll < 0.92) return codeBlock(st.ctx, rng);
  if (roll < 0.96) {
    const kind = rng.pick(CALLOUTS);
    const lines = [`> [!${kind}] ${headingText(st.ctx, rng)}`];
    for (let i = rng.int(1, 3); i > 0; i--) lines.push("> " + sentence(st, 5, 18));
    return lines.join("\n");
  }
  if (roll < 0.98) return table(st.ctx, rng);
  return sentence(st, 8, 30);
}

/** One sentence; may carry a pending link or inline tag. */
function sentence(st: BlockState, min: number, max: number): string {
  const { ctx, rng } = st;
  const { words } = ctx.vocabulary;
  const n = rng.int(min, Math.floor((min + max) / 2)) + rng.int(0, Math.ceil((max - min) / 2));
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const roll = rng.next();
    if (roll < 0.012) out.push(ctx.vocabulary.collocations[ctx.drawCollocation(rng)]);
    else if (roll < 0.022) out.push(`**${words[ctx.drawWord(rng)]}**`);
    else if (roll < 0.029) out.push(`\`${words[ctx.drawWord(rng)]}\``);
    else if (roll < 0.039) out.push(String(rng.int(2, 2030)));
    else out.push(words[ctx.drawWord(rng)]);
  }
  // Spread the pending links over the sentences the note is still expected to hold.
  const left = Math.max(1, (st.target - st.written) / AVERAGE_SENTENCE_BYTES);
  if (st.pending.length > 0 && rng.chance(Math.min(0.9, st.pending.length / left))) {
    out.splice(rng.int(0, out.length), 0, st.pending.pop()!);
  }
  if (st.tags.length > 0 && rng.chance(0.08)) out.splice(rng.int(1, out.length), 0, st.tags.pop()!);
  out[0] = capitalize(out[0]);
  const end = rng.next();
  return out.join(" ") + (end < 0.86 ? "." : end < 0.94 ? "?" : end < 0.97 ? "!" : ":");
}

function headingText(ctx: RenderContext, rng: Random): string {
  if (rng.chance(0.6)) return rng.pick(COMMON_HEADINGS);
  const w = ctx.vocabulary.words;
  return capitalize(w[ctx.drawWord(rng)]) + " " + w[ctx.vocabulary.firstPseudo + rng.int(0, 2000)];
}

function codeBlock(ctx: RenderContext, rng: Random): string {
  const w = ctx.vocabulary.words;
  const word = () => w[ctx.vocabulary.firstPseudo + rng.int(0, 4000)];
  const lines = ["```" + rng.pick(CODE_LANGS)];
  for (let i = rng.int(3, 15); i > 0; i--) {
    const roll = rng.next();
    if (roll < 0.4) lines.push(`const ${word()} = ${word()}(${word()}, ${rng.int(0, 99)});`);
    else if (roll < 0.6) lines.push(`# ${word()} ${word()} ${word()}`);
    else if (roll < 0.8) lines.push(`  ${word()}.${word()} = "${word()}";`);
    else lines.push(`if (${word()} > ${rng.int(0, 9)}) return ${word()};`);
  }
  lines.push("```");
  return lines.join("\n");
}

function table(ctx: RenderContext, rng: Random): string {
  const w = ctx.vocabulary.words;
  const cols = rng.int(2, 4);
  const row = () =>
    "| " + Array.from({ length: cols }, () => w[ctx.drawWord(rng)]).join(" | ") + " |";
  const lines = [row(), "|" + " --- |".repeat(cols)];
  for (let i = rng.int(2, 6); i > 0; i--) lines.push(row());
  return lines.join("\n");
}

/** A link from note `from` to another note, in one of the forms people write. */
function linkTo(ctx: RenderContext, from: number, rng: Random): string {
  if (rng.chance(0.02)) return `[[${ctx.missingTitle(rng)}]]`;
  const source = ctx.notes[from];
  let to = from;
  for (let tries = 0; to === from && tries < 8; tries++) {
    const local = ctx.byFolder.get(source.folder)!;
    to = local.length > 1 && rng.chance(0.5) ? rng.pick(local) : ctx.popular[ctx.drawPopular(rng)];
  }
  const target = ctx.notes[to];
  const roll = rng.next();
  if (roll < 0.66) return `[[${target.stem}]]`;
  if (roll < 0.76) return `[[${target.stem}|${displayText(ctx, rng)}]]`;
  if (roll < 0.83) return `[[${target.stem}#${rng.pick(COMMON_HEADINGS)}]]`;
  if (roll < 0.86) {
    return `[[${target.folder === "" ? "" : target.folder + "/"}${target.stem}]]`;
  }
  if (roll < 0.9) return `![[${target.stem}]]`;
  if (roll < 0.95) {
    const rel = path.posix.relative(source.folder, target.path).replaceAll(" ", "%20");
    return `[${displayText(ctx, rng)}](${rel})`;
  }
  if (roll < 0.98 && target.aliases.length > 0) return `[[${rng.pick(target.aliases)}]]`;
  return `[[${target.stem.toLowerCase()}]]`;
}

function displayText(ctx: RenderContext, rng: Random): string {
  const w = ctx.vocabulary.words;
  const n = rng.int(1, 3);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(w[ctx.drawWord(rng)]);
  return out.join(" ");
}

function renderFrontmatter(note: PlannedNote): string {
  const lines = ["---"];
  if (note.title) lines.push(`title: ${yamlString(note.title)}`);
  if (note.aliases.length > 0) {
    lines.push("aliases:");
    for (const a of note.aliases) lines.push(`  - ${yamlString(a)}`);
  }
  if (note.tags.length > 0) {
    // Both list styles occur in real vaults; the choice follows the path so it is stable.
    if (note.path.length % 2 === 0) lines.push(`tags: [${note.tags.join(", ")}]`);
    else lines.push("tags:", ...note.tags.map((t) => `  - ${t}`));
  }
  if (note.type) lines.push(`type: ${note.type}`);
  if (note.status) lines.push(`status: ${note.status}`);
  if (note.created) lines.push(`created: ${note.created}`);
  lines.push("---", "");
  return lines.join("\n");
}

/** A plain scalar when YAML reads it back unchanged, a JSON (double-quoted YAML) string if not. */
function yamlString(s: string): string {
  const plain = /^[A-Za-z][\w .'-]*$/.test(s) && !/[ .'-]$/.test(s) &&
    !/^(true|false|null)$/i.test(s);
  return plain ? s : JSON.stringify(s);
}
