/**
 * File modules: `mod name;` takes the module's items from another file. The embedder decides
 * where files come from (and which it allows) through a {@link ModuleLoader}; this module parses
 * each file, appends its text to the program's combined source so spans, diagnostics and stack
 * traces name the right file and line, and nests its items under the `mod` item.
 *
 * @module
 */
import type { File, Item } from "./ast.ts";
import type { Diagnostic } from "./diagnostic.ts";
import { parse } from "./parser.ts";
import type { SourcePart } from "./source.ts";

/**
 * Finds the file of a module declared with `mod name;`, given the module's path from the root
 * file (`["util"]` for `mod util;` in the root file, `["a", "b"]` for `mod b;` inside module
 * `a`). Returns the file's display name and text, or null when there is no such file or it may
 * not be loaded.
 */
export type ModuleLoader = (path: string[]) => { file: string; text: string } | null;

/** How deeply file modules may nest. */
const MAX_DEPTH = 16;

/** A program's text with its module files appended, and the files' start offsets. */
export interface LoadedSource {
  text: string;
  parts: SourcePart[];
  diagnostics: Diagnostic[];
}

/** Load every `mod name;` of a parsed root file (recursively), in place. */
export function loadModules(
  root: { name: string; text: string; file: File },
  loader: ModuleLoader | undefined,
): LoadedSource {
  const out: LoadedSource = {
    text: root.text,
    parts: [{ name: root.name, start: 0 }],
    diagnostics: [],
  };
  const error = (span: { start: number; end: number }, message: string, hint?: string) =>
    out.diagnostics.push({
      severity: "error",
      code: "E_COMPILE",
      message,
      span,
      ...(hint ? { hint } : {}),
    });
  const visit = (items: Item[], path: string[], depth: number) => {
    for (const item of items) {
      if (item.kind !== "mod") continue;
      const modPath = [...path, item.name.name];
      if (!item.external) {
        visit(item.items, modPath, depth);
        continue;
      }
      if (!loader) {
        error(
          item.span,
          `module \`${item.name.name}\` is in another file, which cannot be loaded here`,
          `write the module inline: \`mod ${item.name.name} { … }\``,
        );
        continue;
      }
      if (depth >= MAX_DEPTH) {
        error(item.span, `file modules nest deeper than ${MAX_DEPTH} levels`);
        continue;
      }
      const found = loader(modPath);
      if (!found) {
        error(
          item.name.span,
          `cannot find the file of module \`${modPath.join("::")}\``,
          `create ${modPath.join("/")}.rn (or ${
            modPath.join("/")
          }/mod.rn) in the folder of ${root.name}`,
        );
        continue;
      }
      // Each file starts on a line of its own in the combined text.
      out.text += "\n";
      const base = out.text.length;
      out.text += found.text;
      out.parts.push({ name: found.file, start: base });
      const parsed = parse(found.text);
      shiftSpans(parsed.file, base);
      for (const d of parsed.diagnostics) {
        out.diagnostics.push({
          ...d,
          span: { start: d.span.start + base, end: d.span.end + base },
        });
      }
      item.items = parsed.file.items;
      visit(item.items, modPath, depth + 1);
    }
  };
  visit(root.file.items, [], 0);
  return out;
}

/** Move every span in a syntax tree by `delta` (each span object once). */
function shiftSpans(node: unknown, delta: number): void {
  const seen = new Set<object>();
  const stack: unknown[] = [node];
  while (stack.length > 0) {
    const n = stack.pop();
    if (n === null || typeof n !== "object" || seen.has(n)) continue;
    seen.add(n);
    if (Array.isArray(n)) {
      for (const x of n) stack.push(x);
      continue;
    }
    const o = n as Record<string, unknown>;
    if (typeof o.start === "number" && typeof o.end === "number" && Object.keys(o).length === 2) {
      o.start += delta;
      (o.end as number) += delta;
      continue;
    }
    for (const k in o) {
      const v = o[k];
      if (v !== null && typeof v === "object") stack.push(v);
    }
  }
}
