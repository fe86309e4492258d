/**
 * The reference section of docs/stdlib.md, generated from the standard library's part of the
 * binding table so it cannot drift: `deno task docs` rewrites the part between the markers, and
 * a test fails when it is stale or when the hand-written text names a binding that does not
 * exist.
 *
 * @module
 */
import type { BindingSpec } from "./bindings.ts";
import { STDLIB_BINDINGS } from "./bindings_stdlib.ts";
import { luaSignature, runeSignature } from "./binding_docs.ts";

/** Start and end markers of the generated section. */
export const MARKERS = {
  begin: "<!-- BEGIN REFERENCE: generated from src/runtime/bindings_stdlib.ts -->",
  end: "<!-- END REFERENCE -->",
} as const;

const GROUPS: [string, string, (b: BindingSpec) => boolean][] = [
  ["State machines", "fsm", (b) => b.name.startsWith("fsm.")],
  ["Graph algorithms on the kiln", "graph", (b) => b.name.startsWith("graph.")],
  ["Graph algorithms on your own graphs", "algo", (b) => b.name.startsWith("algo.")],
  [
    "Workflows and concurrent plugin calls",
    "workflow",
    (b) => b.name.startsWith("workflow.") || b.name.startsWith("invoke_") || b.name === "progress",
  ],
  ["JSON and YAML", "data", (b) => b.name.startsWith("json.") || b.name.startsWith("yaml.")],
  ["Regular expressions", "regex", (b) => b.name.startsWith("regex.")],
  ["Dates and times", "time", (b) => b.name.startsWith("time.")],
  ["Text", "text", (b) => b.name.startsWith("text.")],
  ["Paths", "path", (b) => b.name.startsWith("path.")],
];

/** The generated reference, markers included. */
export function renderStdlibReference(): string {
  const lines = [MARKERS.begin, ""];
  for (const [title, , match] of GROUPS) {
    lines.push(`### ${title}`, "");
    for (const b of STDLIB_BINDINGS.filter(match)) {
      const where = b.runs === "host" ? "host" : "worker";
      const cap = b.capability ?? "no capability";
      lines.push(
        `- \`${luaSignature(b)}\` / \`${runeSignature(b)}\` — ${b.doc} Returns ${b.returns}. ` +
          `_(${where}, ${cap}${b.callbacks ? ", takes functions" : ""})_`,
      );
    }
    lines.push("");
  }
  lines.push(MARKERS.end);
  return lines.join("\n");
}

/** Replace the generated section of a document's text. */
export function spliceReference(doc: string): string {
  const a = doc.indexOf(MARKERS.begin);
  const b = doc.indexOf(MARKERS.end);
  if (a < 0 || b < a) throw new Error("docs/stdlib.md has no reference markers");
  return doc.slice(0, a) + renderStdlibReference() + doc.slice(b + MARKERS.end.length);
}

if (import.meta.main) {
  const file = new URL("../../docs/stdlib.md", import.meta.url);
  Deno.writeTextFileSync(file, spliceReference(Deno.readTextFileSync(file)));
  console.log(`wrote ${file.pathname}`);
}
