/**
 * cru as a library: the kiln model (notes, links, tags, the link graph, the SQLite index and
 * full-text search) for other Deno programs.
 *
 * @example
 * ```ts
 * import { NoteIndex } from "./mod.ts";
 * const index = NoteIndex.open("tests/fixtures/demo_kiln");
 * index.update();
 * for (const hit of index.search("dragon", { limit: 3 })) console.log(hit.path, hit.score);
 * index.close();
 * ```
 *
 * @module
 */
export * from "./src/kiln/mod.ts";
export {
  CrucibleError,
  type ErrorCode,
  IndexError,
  InvalidParamsError,
  KilnError,
  NotFoundError,
  PathError,
} from "./src/errors.ts";
