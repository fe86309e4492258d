import { strictEqual } from "node:assert/strict";
import { renderBindingDocs } from "../../src/runtime/binding_docs.ts";

Deno.test("docs/api.md is generated from the binding table and up to date", async () => {
  const file = new URL("../../docs/api.md", import.meta.url);
  const onDisk = Deno.readTextFileSync(file);
  // The file is formatted by deno fmt after generation; compare formatted with formatted.
  const tmp = Deno.makeTempFileSync({ suffix: ".md" });
  try {
    Deno.writeTextFileSync(tmp, renderBindingDocs());
    const fmt = await new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--quiet", "--line-width=100", tmp],
    }).output();
    strictEqual(fmt.code, 0);
    strictEqual(
      onDisk,
      Deno.readTextFileSync(tmp),
      "docs/api.md is stale: run `deno task docs`",
    );
  } finally {
    Deno.removeSync(tmp);
  }
});
