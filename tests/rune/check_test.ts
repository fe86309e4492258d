/** The Rune check `cru plugins validate` can use: problems with lines, codes and hints. */
import { deepStrictEqual, match, strictEqual } from "node:assert/strict";
import { checkRuneSyntax } from "../../src/runtime/engines/rune/check.ts";

Deno.test("a valid plugin has no problems; the crucible module is known", () => {
  deepStrictEqual(
    checkRuneSyntax("/p/ok.rune", "ok.rune", "pub fn main(p) { crucible::read_note(p.path) }"),
    [],
  );
});

Deno.test("syntax and compile errors become plugin problems with their lines", () => {
  const code = "---\nname: x\n---\npub fn main() {\n  let x = ;\n}\n";
  const [p] = checkRuneSyntax("/p/x.rune", "x.rune", code.replace(/^---[\s\S]*?---\n/, "\n\n\n"));
  deepStrictEqual([p.line, p.severity, p.code, p.field], [5, "error", "rune-syntax", "code"]);
  strictEqual(p.message, "expected an expression, found `;` (column 11)");
  const [q] = checkRuneSyntax("/p/y.rune", "y.rune", "pub fn main() { crucible::nope() }");
  deepStrictEqual([q.line, q.code], [1, "rune-compile"]);
});

Deno.test("a misspelt crucible binding gets a did-you-mean hint in cru plugins validate", () => {
  const [p] = checkRuneSyntax("/p/y.rune", "y.rune", 'pub fn main() { crucible::read_notes("a") }');
  strictEqual(p.message, "cannot find `read_notes` in `crucible` (column 17)");
  match(p.hint!, /^did you mean `crucible::read_note`/);
});
