/**
 * The plugin API reference (docs/api.md), generated from the binding table so the docs can never
 * drift from what plugins actually get. `deno task docs` rewrites the file; a test fails when it
 * is out of date.
 *
 * @module
 */
import { BINDINGS, type BindingSpec } from "./bindings.ts";

/** `crucible.name(a, b?)`: the Lua call form of a binding. */
export function luaSignature(b: BindingSpec): string {
  const params = b.params.map((p) => (p.optional ? `${p.name}?` : p.name)).join(", ");
  return `crucible.${b.name}(${params})`;
}

/** `crucible::name(a, b)`: the Rune call form of a binding. */
export function runeSignature(b: BindingSpec): string {
  const params = b.params.map((p) => p.name).join(", ");
  return `crucible::${b.name.replaceAll(".", "::")}(${params})`;
}

/** Render docs/api.md. */
export function renderBindingDocs(): string {
  const lines = [
    "---",
    "title: Plugin API reference",
    "tags: [docs, plugins, api]",
    "---",
    "",
    "# Plugin API reference",
    "",
    "<!-- Generated from src/runtime/bindings.ts by `deno task docs`; do not edit by hand. -->",
    "",
    "Every function a plugin can call. Lua plugins call `crucible.name(...)`, Rune plugins",
    "`crucible::name(...)`. A binding that needs a capability fails with `E_CAPABILITY` unless the",
    "plugin declared it (and, for risky ones, it was approved); one marked *not yet available*",
    "fails with `E_NOT_AVAILABLE`.",
    "",
    "| binding | capability | runs in | available |",
    "| --- | --- | --- | --- |",
    ...BINDINGS.map((b) =>
      `| [\`${b.name}\`](#${b.name.replaceAll(".", "")}) | ${
        b.capability ?? "none"
      } | ${b.runs} | ${b.available ? "yes" : "not yet"} |`
    ),
    "",
  ];
  for (const b of BINDINGS) {
    lines.push(`## ${b.name}`, "");
    lines.push("```lua", luaSignature(b), "```", "");
    lines.push("```rust", runeSignature(b), "```", "");
    lines.push(b.doc, "");
    if (b.params.length) {
      lines.push("| parameter | type | meaning |", "| --- | --- | --- |");
      for (const p of b.params) {
        lines.push(`| \`${p.name}\`${p.optional ? " (optional)" : ""} | ${p.type} | ${p.doc} |`);
      }
      lines.push("");
    }
    lines.push(`Returns: ${b.returns}.`, "");
    lines.push(
      `Capability: ${b.capability ?? "none"}. Runs in the ${
        b.runs === "host" ? "host (checked against the grant there)" : "sandbox worker"
      }.${b.available ? "" : " **Not yet available.**"}`,
      "",
    );
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const file = new URL("../../docs/api.md", import.meta.url);
  Deno.writeTextFileSync(file, renderBindingDocs());
  console.log(`wrote ${file.pathname}`);
}
