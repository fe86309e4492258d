/**
 * Type aliases (`type Grid = Vec<Vec<i64>>;`): paths see through an alias to its target, which
 * is resolved once, in the alias's own module, with cycles and targets that are not types
 * reported at the alias.
 *
 * @module
 */
import type { Span } from "../source.ts";
import type { AliasDef, ItemDef } from "./item_defs.ts";
import type { ItemTable } from "./items.ts";

/**
 * What a type alias stands for: a struct, an enum or a built-in type, or null when its target is
 * unknown, is not a type, leads back to the alias, or is a type no path names. Resolved once, so
 * its errors are reported once, whoever asks first.
 */
export function aliasTarget(table: ItemTable, def: AliasDef): ItemDef | null {
  const { name, target } = def.item;
  if (target === null) return null;
  if (def.resolved === "resolving") {
    table.report.error(
      name.span,
      `the type alias \`${name.name}\` refers to itself`,
      "an alias must lead to a struct, an enum or a built-in type",
    );
    def.resolved = null;
    return null;
  }
  if (def.resolved !== undefined) return def.resolved;
  def.resolved = "resolving";
  let found = table.resolveSegments(def.mod, target.segments, target.span, true);
  // A cycle back to this alias was reported and left null here.
  if ((def.resolved as AliasDef["resolved"]) === null) return null;
  if (
    found !== null && found.kind !== "struct" && found.kind !== "enum" &&
    !(found.kind === "builtin" && found.ref.kind === "type")
  ) {
    table.report.error(
      target.span,
      `\`${
        target.segments.map((s) => s.name).join("::")
      }\` is not a type, so \`type ${name.name}\` cannot stand for it`,
    );
    found = null;
  }
  def.resolved = found;
  return found;
}

/** An item as paths see it: a type alias is its target (null when it has none to give). */
export function seeThrough(
  table: ItemTable,
  def: ItemDef,
  span: Span,
  report: boolean,
): ItemDef | null {
  if (def.kind !== "alias") return def;
  if (def.item.target === null) {
    if (report) {
      table.report.error(
        span,
        `the type alias \`${def.item.name.name}\` stands for a type no path can name (a function or pointer type), so it has no items and no values`,
        "use it in type annotations only",
      );
    }
    return null;
  }
  return aliasTarget(table, def);
}
