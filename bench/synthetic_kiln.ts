/**
 * A deterministic synthetic kiln for benchmarks: the same `notes` and `seed` give the same files,
 * byte for byte, on every run.
 *
 * Shape, chosen to look like a real Obsidian vault:
 * - folders nested 1–3 deep holding ~50–500 notes each (a few dated journal folders), a handful
 *   of notes at the root, an `Attachments/` folder of pasted images;
 * - file names like real titles (topics, people, meetings, books, dated notes, a few repeated
 *   names such as `Overview` in several folders);
 * - YAML frontmatter on ~80% of notes (tags, type, status, created; sometimes title, aliases);
 * - log-normal file sizes (median ~1.2 KB, mean ~2 KB, a few 20–60 KB);
 * - 3–15 links per note (wikilinks with `|alias` or `#Heading`, embeds, relative Markdown
 *   links, alias links), half to notes in the same folder, half to popular hub notes; ~2%
 *   lead nowhere;
 * - words from a Zipf-ranked vocabulary (see `synthetic_text.ts`).
 *
 * Library use: {@link generateKiln} and {@link ensureKiln}. Script use:
 * `deno run -A bench/synthetic_kiln.ts --notes 10000 --out /tmp/kiln10k [--seed 42] [--force]`.
 *
 * @module
 */
import * as path from "node:path";
import * as os from "node:os";
import { parseArgs } from "node:util";
import { z } from "zod";
import { DEFAULT_SEED, mixSeed, Random } from "./synthetic_text.ts";
import { renderNote } from "./synthetic_note.ts";
import { planKiln } from "./synthetic_plan.ts";

export { DEFAULT_SEED };

/** Bump when the generator's output changes, so cached kilns of the old shape are not reused. */
export const GENERATOR_VERSION = 1;

/** Hidden (so never indexed) file that marks a folder as a complete synthetic kiln. */
export const KILN_MARKER = ".cru-synthetic.json";

/** Options of {@link generateKiln}. */
export interface KilnOptions {
  /** Number of notes. */
  notes: number;
  /** PRNG seed. Default {@link DEFAULT_SEED}. */
  seed?: number;
}

/** What {@link generateKiln} wrote. */
export interface KilnSummary {
  /** Generator version that wrote the kiln. */
  version: number;
  /** Seed used. */
  seed: number;
  /** Notes written. */
  notes: number;
  /** Folders holding at least one note. */
  folders: number;
  /** Attachment files written. */
  attachments: number;
  /** Bytes of all notes. */
  bytes: number;
  /** Median note size in bytes. */
  medianNoteBytes: number;
  /** Mean note size in bytes. */
  meanNoteBytes: number;
  /** Largest note in bytes. */
  largestNoteBytes: number;
  /** Notes of 20 KB or more. */
  notesOver20KB: number;
  /** Notes with a frontmatter block. */
  frontmatterNotes: number;
  /** Links written (image embeds aside). */
  links: number;
}

/**
 * Write a synthetic kiln into `dir` (created if missing; it must be empty) and return what was
 * written. Writes {@link KILN_MARKER} last, so a folder with the marker is complete.
 *
 * @example
 * ```ts ignore
 * import { generateKiln } from "./synthetic_kiln.ts";
 * const summary = generateKiln("/tmp/kiln1k", { notes: 1000, seed: 7 });
 * console.log(summary.bytes);
 * ```
 */
export function generateKiln(dir: string, options: KilnOptions): KilnSummary {
  const seed = options.seed ?? DEFAULT_SEED;
  const count = options.notes;
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`notes must be a whole number of at least 1, got ${count}`);
  }
  Deno.mkdirSync(dir, { recursive: true });
  for (const _ of Deno.readDirSync(dir)) {
    throw new Error(`cannot generate a kiln into ${dir}: the folder is not empty`);
  }

  const ctx = planKiln(count, seed);
  const folders = new Set(ctx.notes.map((n) => n.folder));
  for (const f of folders) Deno.mkdirSync(path.join(dir, f), { recursive: true });

  const attachRng = new Random(mixSeed(seed, 4));
  if (ctx.attachments.length > 0) Deno.mkdirSync(path.join(dir, "Attachments"));
  for (const a of ctx.attachments) {
    const bytes = new Uint8Array(attachRng.int(200, 3000));
    for (let i = 0; i < bytes.length; i++) bytes[i] = attachRng.int(0, 255);
    bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    Deno.writeFileSync(path.join(dir, a), bytes);
  }

  const encoder = new TextEncoder();
  const sizes = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const bytes = encoder.encode(renderNote(ctx, i, new Random(mixSeed(seed, 3, i))));
    Deno.writeFileSync(path.join(dir, ctx.notes[i].path), bytes);
    sizes[i] = bytes.length;
  }

  const sorted = sizes.slice().sort();
  const total = sizes.reduce((a, b) => a + b, 0);
  const summary: KilnSummary = {
    version: GENERATOR_VERSION,
    seed,
    notes: count,
    folders: folders.size,
    attachments: ctx.attachments.length,
    bytes: total,
    medianNoteBytes: sorted[Math.floor(count / 2)],
    meanNoteBytes: Math.round(total / count),
    largestNoteBytes: sorted[count - 1],
    notesOver20KB: sorted.filter((s) => s >= 20 * 1024).length,
    frontmatterNotes: ctx.notes.filter((n) => n.frontmatter).length,
    links: ctx.notes.reduce((a, n) => a + n.links, 0),
  };
  Deno.writeTextFileSync(path.join(dir, KILN_MARKER), JSON.stringify(summary, null, 2) + "\n");
  return summary;
}

/** Where {@link ensureKiln} keeps the kiln for these settings: `$TMPDIR/cru-bench-kilns/…`. */
export function cachedKilnPath(notes: number, seed = DEFAULT_SEED): string {
  return path.join(os.tmpdir(), "cru-bench-kilns", `n${notes}-s${seed}-v${GENERATOR_VERSION}`);
}

/**
 * The cached synthetic kiln for these settings, generated first if it is missing or incomplete.
 * Generation goes to a scratch folder renamed into place, so concurrent runs never see half a
 * kiln.
 */
export function ensureKiln(
  notes: number,
  options: { seed?: number; log?: (message: string) => void } = {},
): { root: string; summary: KilnSummary; generated: boolean } {
  const seed = options.seed ?? DEFAULT_SEED;
  const root = cachedKilnPath(notes, seed);
  const existing = readMarker(root);
  if (existing) return { root, summary: existing, generated: false };
  try {
    Deno.removeSync(root, { recursive: true });
  } catch { /* absent */ }
  const scratch = `${root}.tmp-${Deno.pid}`;
  options.log?.(`generating a ${notes}-note kiln (seed ${seed}) in ${root} …`);
  const started = performance.now();
  const summary = generateKiln(scratch, { notes, seed });
  try {
    Deno.renameSync(scratch, root);
  } catch (e) {
    Deno.removeSync(scratch, { recursive: true });
    const other = readMarker(root);
    if (!other) throw e;
    return { root, summary: other, generated: false };
  }
  options.log?.(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { root, summary, generated: true };
}

function readMarker(root: string): KilnSummary | null {
  try {
    const s = JSON.parse(Deno.readTextFileSync(path.join(root, KILN_MARKER))) as KilnSummary;
    return s.version === GENERATOR_VERSION ? s : null;
  } catch {
    return null;
  }
}

const Args = z.object({
  notes: z.coerce.number().int().min(1).max(2_000_000),
  out: z.string().min(1),
  seed: z.coerce.number().int().min(0).max(0xffffffff).default(DEFAULT_SEED),
  force: z.boolean().default(false),
  json: z.boolean().default(false),
});

const USAGE = "usage: deno run -A bench/synthetic_kiln.ts --notes N --out DIR [--seed S] " +
  "[--force] [--json]";

function main(argv: string[]): number {
  let args: z.infer<typeof Args>;
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        notes: { type: "string" },
        out: { type: "string" },
        seed: { type: "string" },
        force: { type: "boolean" },
        json: { type: "boolean" },
      },
    });
    args = Args.parse(values);
  } catch (e) {
    const why = e instanceof z.ZodError
      ? e.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("; ")
      : (e as Error).message;
    console.error(`${why}\n${USAGE}`);
    return 2;
  }
  const out = path.resolve(args.out);
  let entries: string[] = [];
  try {
    entries = [...Deno.readDirSync(out)].map((e) => e.name);
  } catch { /* absent: created below */ }
  if (entries.length > 0) {
    if (!entries.includes(KILN_MARKER)) {
      console.error(`${out} is not empty and holds no synthetic kiln; choose an empty folder`);
      return 1;
    }
    if (!args.force) {
      console.error(`${out} already holds a synthetic kiln; pass --force to replace it`);
      return 1;
    }
    Deno.removeSync(out, { recursive: true });
  }
  const started = performance.now();
  const summary = generateKiln(out, { notes: args.notes, seed: args.seed });
  const seconds = (performance.now() - started) / 1000;
  if (args.json) {
    console.log(JSON.stringify({ root: out, seconds, ...summary }, null, 2));
  } else {
    console.log(
      `${summary.notes} notes in ${summary.folders} folders, ${summary.attachments} attachments, ` +
        `${(summary.bytes / 1048576).toFixed(1)} MB (median ${summary.medianNoteBytes} B, mean ` +
        `${summary.meanNoteBytes} B, largest ${summary.largestNoteBytes} B), ${summary.links} ` +
        `links, written to ${out} in ${seconds.toFixed(1)} s`,
    );
  }
  return 0;
}

if (import.meta.main) Deno.exit(main(Deno.args));
