/**
 * What every CLI command needs: the kiln it works on and an up-to-date index.
 *
 * @module
 */
import { NotFoundError } from "../errors.ts";
import { NoteIndex, resolveKilnRoot, stemOf } from "../kiln/mod.ts";
import { suggest } from "../suggest.ts";

/** Options every command accepts (set on the root program). */
export interface GlobalOptions {
  /** `--kiln PATH`. */
  kiln?: string;
}

/**
 * Open the index of the kiln the global options name, bringing it up to date first so queries
 * never answer from stale data (a no-change check is a walk and a stat per note).
 */
export function openIndex(globals: GlobalOptions, options: { refresh?: boolean } = {}): NoteIndex {
  const { root } = resolveKilnRoot({ flag: globals.kiln, env: Deno.env.get("CRUCIBLE_KILN") });
  const index = NoteIndex.open(root);
  if (options.refresh ?? true) index.update();
  return index;
}

/** Find the note a user named, or throw E_NOT_FOUND with suggestions. */
export function requireNote(index: NoteIndex, ref: string): string {
  const found = index.find(ref);
  if (found !== null) return found;
  const paths = index.paths();
  const byStem = new Map(paths.map((p) => [stemOf(p), p]));
  const close = suggest(stemOf(ref.replace(/^\[\[|\]\]$/g, "")), byStem.keys())
    .map((s) => byStem.get(s)!);
  const hint = close.length > 0
    ? `; did you mean ${close.map((c) => JSON.stringify(c)).join(", ")}?`
    : "; run `cru notes list` to see the notes";
  throw new NotFoundError(`no note ${JSON.stringify(ref)} in the kiln${hint}`);
}
