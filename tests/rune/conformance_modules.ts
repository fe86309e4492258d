/** The conformance suite's folder and its `mod name;` loader (as `cru rune test` loads them). */
import * as path from "node:path";
import type { ModuleLoader } from "../../src/rune/mod.ts";

/** tests/rune/conformance. */
export const CONFORMANCE_DIR = path.join(import.meta.dirname!, "conformance");

/** Loads `name.rn` or `name/mod.rn` from the conformance folder. */
export const loadModule: ModuleLoader = (modPath) => {
  for (const rel of [`${modPath.join("/")}.rn`, `${modPath.join("/")}/mod.rn`]) {
    try {
      return { file: rel, text: Deno.readTextFileSync(path.join(CONFORMANCE_DIR, rel)) };
    } catch {
      // try the next place
    }
  }
  return null;
};
