/**
 * docs/stdlib.md against the binding table: the reference section is the generated one, and the
 * hand-written parts name only bindings that exist, in both languages' spellings.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { BINDINGS } from "../../src/runtime/bindings.ts";
import { STDLIB_BINDINGS } from "../../src/runtime/bindings_stdlib.ts";
import { spliceReference } from "../../src/runtime/stdlib_docs.ts";

const FILE = new URL("../../docs/stdlib.md", import.meta.url);

Deno.test("docs/stdlib.md's reference is generated from the table and up to date", async () => {
  const onDisk = Deno.readTextFileSync(FILE);
  const tmp = Deno.makeTempFileSync({ suffix: ".md" });
  try {
    Deno.writeTextFileSync(tmp, spliceReference(onDisk));
    const fmt = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--quiet", "--line-width=100", tmp],
    }).output();
    strictEqual(fmt.code, 0);
    strictEqual(
      onDisk,
      Deno.readTextFileSync(tmp),
      "docs/stdlib.md is stale: run `deno task docs`",
    );
  } finally {
    Deno.removeSync(tmp);
  }
  for (const b of STDLIB_BINDINGS) ok(onDisk.includes(`\`crucible.${b.name}(`), b.name);
});

Deno.test("docs/stdlib.md names only bindings that exist", () => {
  const text = Deno.readTextFileSync(FILE);
  const names = new Set(BINDINGS.map((b) => b.name));
  const unknown: string[] = [];
  for (const m of text.matchAll(/crucible\.([a-z_]+(?:\.[a-z_]+)*)\s*\(/g)) {
    if (!names.has(m[1]) && m[1] !== "array") unknown.push(`crucible.${m[1]}`);
  }
  for (const m of text.matchAll(/crucible::([a-z_]+(?:::[a-z_]+)*)\s*\(/g)) {
    if (!names.has(m[1].replaceAll("::", "."))) unknown.push(`crucible::${m[1]}`);
  }
  deepStrictEqual(unknown, []);
});
